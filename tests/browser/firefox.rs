//! Firefox ESR driven over WebDriver BiDi directly: no geckodriver (building it from
//! crates.io takes about 20 minutes on 2 cores), just `firefox-esr -headless
//! --remote-debugging-port 0` and a WebSocket to the `/session` endpoint it prints.
//!
//! The WebSocket client is the `tungstenite` crate (a small, maintained, synchronous
//! implementation over any `Read + Write`, here a `std::net::TcpStream`), rather than framing,
//! masking and the opening handshake written out by hand.

use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader, ErrorKind},
    net::TcpStream,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

use super::engine::{Browser, Scheme};

/// How long one BiDi command may take (a page's cases run within one command).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// How long Firefox may take to print its BiDi address (5–12 s on a busy 2-core machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Debian's `firefox-esr`, or `FIREFOX`.
pub fn find() -> Result<PathBuf, String> {
    let path =
        PathBuf::from(std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".into()));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} not found (set FIREFOX to override)",
            path.display()
        ))
    }
}

/// The prefs of the suite's fresh profile (`user.js`).
///
/// - `network.dns.forceResolve`: every host name resolves to 127.0.0.1 (any port), so
///   `app.test`, `evil.test`, ... are distinct origins served by the in-process servers.
/// - `network.cookie.cookieBehavior = 0`: otherwise third-party cookies are partitioned and a
///   credentialed fetch from `app.test` sends none of `api.test`'s.
/// - over http, `dom.securecontext.allowlist`: Firefox's equivalent of Chromium's
///   insecure-origin flag, so `Secure; SameSite=None` cookies are stored over http.
/// - the rest keeps a headless run quiet and fast: no DNS over HTTPS, no https-first
///   upgrade, no first-run pages, updates, telemetry or background connections.
fn user_js(scheme: Scheme, secure_hosts: &BTreeSet<&str>) -> String {
    let mut prefs = vec![
        ("network.dns.forceResolve", json!("127.0.0.1")),
        ("network.trr.mode", json!(5)),
        ("dom.security.https_first", json!(false)),
        ("dom.security.https_first_pbm", json!(false)),
        ("network.cookie.cookieBehavior", json!(0)),
        ("network.http.http3.enable", json!(false)),
        ("network.proxy.type", json!(0)),
        ("network.captive-portal-service.enabled", json!(false)),
        ("network.connectivity-service.enabled", json!(false)),
        ("browser.shell.checkDefaultBrowser", json!(false)),
        ("browser.startup.homepage_override.mstone", json!("ignore")),
        ("browser.newtabpage.enabled", json!(false)),
        ("browser.safebrowsing.malware.enabled", json!(false)),
        ("browser.safebrowsing.phishing.enabled", json!(false)),
        ("app.update.enabled", json!(false)),
        ("app.normandy.enabled", json!(false)),
        ("datareporting.policy.dataSubmissionEnabled", json!(false)),
        ("toolkit.telemetry.enabled", json!(false)),
        ("extensions.update.enabled", json!(false)),
    ];
    if scheme == Scheme::Http {
        let hosts: Vec<&str> = secure_hosts.iter().copied().collect();
        prefs.push(("dom.securecontext.allowlist", json!(hosts.join(","))));
    }
    prefs
        .into_iter()
        .map(|(name, value)| format!("user_pref(\"{name}\", {value});\n"))
        .collect()
}

/// A running Firefox and its BiDi session; Firefox and its content processes are ended on
/// drop (they run in their own process group).
pub struct Firefox {
    socket: WebSocket<TcpStream>,
    child: Child,
    context: String,
    next_id: u64,
    /// `log.entryAdded` texts not yet handed out.
    console: Vec<String>,
}

impl Firefox {
    /// Starts Firefox with a fresh profile in `scratch` and opens the BiDi session; tried
    /// twice.
    pub fn start(
        binary: &Path,
        scratch: &Path,
        scheme: Scheme,
        secure_hosts: &BTreeSet<&str>,
    ) -> Result<Firefox, String> {
        let mut last_error = String::new();
        for attempt in 1..=2 {
            let profile = scratch.join(format!("firefox-profile-{attempt}"));
            match Firefox::start_once(binary, &profile, scheme, secure_hosts) {
                Ok(firefox) => return Ok(firefox),
                Err(e) => last_error = format!("attempt {attempt}: {e}"),
            }
        }
        Err(last_error)
    }

    fn start_once(
        binary: &Path,
        profile: &Path,
        scheme: Scheme,
        secure_hosts: &BTreeSet<&str>,
    ) -> Result<Firefox, String> {
        std::fs::create_dir_all(profile).map_err(|e| format!("create the profile: {e}"))?;
        std::fs::write(profile.join("user.js"), user_js(scheme, secure_hosts))
            .map_err(|e| format!("write user.js: {e}"))?;
        let mut child = Command::new(binary)
            .arg("-headless")
            .arg("-no-remote")
            .args(["--remote-debugging-port", "0"])
            .arg("-profile")
            .arg(profile)
            .env("MOZ_CRASHREPORTER_DISABLE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", binary.display()))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (address, on_address) = mpsc::channel();
        // Reads Firefox's stderr to the end, so that it never blocks on a full pipe.
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split("WebDriver BiDi listening on ").nth(1) {
                    let _ = address.send(url.trim().to_owned());
                }
            }
        });
        let started = on_address
            .recv_timeout(START_TIMEOUT)
            .map_err(|_| "Firefox did not print its WebDriver BiDi address".to_owned())
            .and_then(|url| connect(&url));
        let socket = match started {
            Ok(socket) => socket,
            Err(e) => {
                end_group(&mut child);
                return Err(e);
            }
        };
        let mut firefox = Firefox {
            socket,
            child,
            context: String::new(),
            next_id: 0,
            console: Vec::new(),
        };
        firefox.command(
            "session.new",
            json!({ "capabilities": { "alwaysMatch": {
                "acceptInsecureCerts": scheme == Scheme::Https,
            } } }),
        )?;
        firefox.command("session.subscribe", json!({ "events": ["log.entryAdded"] }))?;
        let tree = firefox.command("browsingContext.getTree", json!({}))?;
        firefox.context = tree["contexts"][0]["context"]
            .as_str()
            .ok_or_else(|| format!("no browsing context in {tree}"))?
            .to_owned();
        Ok(firefox)
    }

    /// Sends one command and waits for its answer, collecting the events that come first.
    fn command(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params }).to_string();
        self.socket
            .send(Message::text(message))
            .map_err(|e| format!("{method}: send: {e}"))?;
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            if Instant::now() > deadline {
                return Err(format!("{method}: no answer within {COMMAND_TIMEOUT:?}"));
            }
            let text = match self.socket.read() {
                Ok(Message::Text(text)) => text,
                Ok(Message::Close(frame)) => return Err(format!("{method}: closed: {frame:?}")),
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    continue
                }
                Err(e) => return Err(format!("{method}: read: {e}")),
            };
            let answer: Value = serde_json::from_str(text.as_str())
                .map_err(|e| format!("{method}: not JSON ({e}): {text}"))?;
            if answer["method"] == "log.entryAdded" {
                if let Some(text) = answer["params"]["text"].as_str() {
                    self.console.push(text.to_owned());
                }
                continue;
            }
            if answer["id"] != json!(id) {
                continue;
            }
            return match answer["type"].as_str() {
                Some("success") => Ok(answer["result"].clone()),
                _ => Err(format!(
                    "{method}: {} {}",
                    answer["error"], answer["message"]
                )),
            };
        }
    }

    /// Evaluates `expression` (awaiting a promise) and returns its value as JSON: the
    /// expression must produce a string, which is parsed.
    fn evaluate_json(&mut self, expression: &str) -> Result<Value, String> {
        let result = self.command(
            "script.evaluate",
            json!({
                "expression": expression,
                "target": { "context": self.context },
                "awaitPromise": true,
                "resultOwnership": "none",
            }),
        )?;
        match result["type"].as_str() {
            Some("success") => {
                let text = result["result"]["value"].as_str().unwrap_or("null");
                serde_json::from_str(text).map_err(|e| format!("not JSON ({e}): {text}"))
            }
            _ => Err(format!(
                "the script threw: {}",
                result["exceptionDetails"]["text"]
            )),
        }
    }
}

/// The WebSocket to Firefox's BiDi session endpoint.
fn connect(url: &str) -> Result<WebSocket<TcpStream>, String> {
    let address = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("not a ws:// URL: {url}"))?;
    let stream = TcpStream::connect(address).map_err(|e| format!("connect to {address}: {e}"))?;
    // Short reads, so every command can keep its own deadline; a read that times out is
    // resumed where it stopped.
    stream
        .set_read_timeout(Some(Duration::from_secs(1)))
        .map_err(|e| e.to_string())?;
    let (socket, _) = tungstenite::client(format!("ws://{address}/session"), stream)
        .map_err(|e| format!("WebSocket handshake with {address}: {e}"))?;
    Ok(socket)
}

/// Ends Firefox's whole process group (the parent and its content processes).
fn end_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

impl Browser for Firefox {
    fn navigate(&mut self, url: &str) -> Result<(), String> {
        let context = self.context.clone();
        self.command(
            "browsingContext.navigate",
            json!({ "context": context, "url": url, "wait": "complete" }),
        )
        .map(drop)
    }

    fn run_cases(&mut self, runner: &str, cases: Value) -> Result<Value, String> {
        // runner.js reads `arguments[0]` (the cases) and calls its last argument.
        let expression = format!(
            "new Promise((resolve) => {{ (function () {{\n{runner}\n}}).call(null, {cases}, \
             resolve); }}).then((results) => JSON.stringify(results))"
        );
        self.evaluate_json(&expression)
    }

    fn eval(&mut self, expression: &str) -> Result<Value, String> {
        self.evaluate_json(&format!("JSON.stringify({expression})"))
    }

    fn console(&mut self) -> Vec<String> {
        // Messages logged after the last command come with the next one: ask for nothing.
        let _ = self.command("session.status", json!({}));
        std::mem::take(&mut self.console)
    }
}

impl Drop for Firefox {
    fn drop(&mut self) {
        let _ = self.command("browser.close", json!({}));
        end_group(&mut self.child);
    }
}
