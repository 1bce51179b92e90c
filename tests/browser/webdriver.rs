//! A tiny W3C WebDriver client for chromedriver and WebKitWebDriver: HTTP/1.1 over
//! `std::net::TcpStream` and `serde_json`, just the endpoints the suite needs (new session,
//! navigate, execute async script, browser log, delete session). Every call has a timeout.
//!
//! Hand-written rather than `fantoccini`/`thirtyfour` to keep the test build small: those pull
//! in tokio, hyper and a TLS stack, this is a few dozen lines over std.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    time::Duration,
};

use serde_json::{json, Value};

/// The answer of one WebDriver command: the `value` member, or the error it carried.
pub type WdResult = Result<Value, String>;

/// How long one WebDriver command may take (a page's cases run within one command).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// Sends one HTTP request to the driver and returns the JSON `value` of its answer.
pub fn command(port: u16, method: &str, path: &str, body: Option<&Value>) -> WdResult {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .map_err(|e| format!("connect to the driver on 127.0.0.1:{port}: {e}"))?;
    stream
        .set_read_timeout(Some(COMMAND_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(COMMAND_TIMEOUT)))
        .map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("{method} {path}: {e}"))?;
    let (status, text) = read_response(stream).map_err(|e| format!("{method} {path}: {e}"))?;
    let answer: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{method} {path}: HTTP {status}, not JSON ({e}): {text}"))?;
    let value = answer.get("value").cloned().unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        Ok(value)
    } else {
        Err(format!("{method} {path}: HTTP {status}: {value}"))
    }
}

fn read_response(stream: TcpStream) -> std::io::Result<(u16, String)> {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((&line, ""));
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            length = value.parse::<usize>().ok();
        } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// One browser session; deleted (and the browser closed) on drop.
pub struct Session {
    port: u16,
    id: String,
}

impl Session {
    /// `POST /session` with the given capabilities (`alwaysMatch`).
    pub fn new(port: u16, capabilities: Value) -> Result<Session, String> {
        let body = json!({ "capabilities": { "alwaysMatch": capabilities } });
        let value = command(port, "POST", "/session", Some(&body))?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no sessionId in {value}"))?
            .to_owned();
        let session = Session { port, id };
        session.post("timeouts", json!({ "script": 90_000, "pageLoad": 30_000 }))?;
        Ok(session)
    }

    fn post(&self, endpoint: &str, body: Value) -> WdResult {
        let path = format!("/session/{}/{endpoint}", self.id);
        command(self.port, "POST", &path, Some(&body))
    }

    /// Navigates the current tab and waits for the load.
    pub fn navigate(&self, url: &str) -> WdResult {
        self.post("url", json!({ "url": url }))
    }

    /// Runs `script` with `args`; the script calls its last argument with the result.
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> WdResult {
        self.post("execute/async", json!({ "script": script, "args": args }))
    }

    /// Runs `script` with `args` and returns what it returns.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> WdResult {
        self.post("execute/sync", json!({ "script": script, "args": args }))
    }

    /// The browser console messages collected since the last call (chromedriver's
    /// `goog:loggingPrefs` extension).
    pub fn browser_log(&self) -> Result<Vec<String>, String> {
        let entries = self.post("se/log", json!({ "type": "browser" }))?;
        Ok(entries
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| e["message"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = command(self.port, "DELETE", &format!("/session/{}", self.id), None);
    }
}
