//! A tiny W3C WebDriver client for chromedriver and WebKitWebDriver: HTTP/1.1 over
//! `std::net::TcpStream`, responses parsed by `httparse`, and `serde_json`; just the endpoints
//! the suite needs (new session, navigate, execute async script, browser log, delete
//! session). Every call has a timeout.
//!
//! Hand-written rather than `fantoccini`/`thirtyfour` to keep the test build small: those pull
//! in tokio, hyper and a TLS stack, this is a few dozen lines over std.

use std::{
    io::{Read, Write},
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

/// Reads one response: the head parsed by `httparse`, then a `Content-Length` or chunked
/// body (chromedriver sends both kinds).
fn read_response(mut stream: TcpStream) -> std::io::Result<(u16, String)> {
    let mut raw = Vec::new();
    let (status, head_len, framing) = loop {
        if read_more(&mut stream, &mut raw)? == 0 {
            return Err(invalid(
                "the connection closed before the response head ended",
            ));
        }
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&raw).map_err(|e| invalid(&e.to_string()))? {
            httparse::Status::Complete(head_len) => {
                let value = |name: &str| {
                    response
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).into_owned())
                };
                let framing = if value("transfer-encoding")
                    .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
                {
                    Framing::Chunked
                } else {
                    match value("content-length").and_then(|v| v.parse().ok()) {
                        Some(length) => Framing::Length(length),
                        None => Framing::Close,
                    }
                };
                break (response.code.unwrap_or(0), head_len, framing);
            }
            httparse::Status::Partial => {}
        }
    };
    let mut body = raw.split_off(head_len);
    match framing {
        Framing::Length(length) => {
            while body.len() < length && read_more(&mut stream, &mut body)? > 0 {}
            body.truncate(length);
        }
        Framing::Close => while read_more(&mut stream, &mut body)? > 0 {},
        Framing::Chunked => body = dechunk(&mut stream, body)?,
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

enum Framing {
    Length(usize),
    Chunked,
    Close,
}

/// Decodes a chunked body, `httparse` reading each chunk size line.
fn dechunk(stream: &mut TcpStream, mut raw: Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        match httparse::parse_chunk_size(&raw[at..]).map_err(|_| invalid("bad chunk size"))? {
            // The last chunk; trailers are not read.
            httparse::Status::Complete((_, 0)) => return Ok(body),
            httparse::Status::Complete((line_len, size)) => {
                let size = usize::try_from(size).map_err(|_| invalid("chunk too large"))?;
                let start = at + line_len;
                // The chunk and its CRLF.
                while raw.len() < start + size + 2 {
                    if read_more(stream, &mut raw)? == 0 {
                        return Err(invalid("the connection closed inside a chunk"));
                    }
                }
                body.extend_from_slice(&raw[start..start + size]);
                at = start + size + 2;
            }
            httparse::Status::Partial => {
                if read_more(stream, &mut raw)? == 0 {
                    return Err(invalid("the connection closed before the last chunk"));
                }
            }
        }
    }
}

fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut chunk = [0; 8192];
    let read = stream.read(&mut chunk)?;
    buffer.extend_from_slice(&chunk[..read]);
    Ok(read)
}

fn invalid(message: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message.to_owned())
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
