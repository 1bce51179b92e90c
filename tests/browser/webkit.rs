//! WebKit (WebKitGTK) driven by Debian's `WebKitWebDriver` under `xvfb-run` (WebKitGTK has
//! no headless mode). The browser is `webkit_console_browser.py`, a few lines of python-gi
//! that give the driver MiniBrowser's automation hooks and, unlike MiniBrowser's ephemeral
//! automation session, print the console (WebKit's own CORS errors) to stdout.
//!
//! Host names: WebKit has no resolver flag, so every request goes through the suite's
//! loopback forwarding proxy ([`super::proxy`]).

use std::{
    fs::{self, File},
    net::TcpStream,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use serde_json::{json, Value};

use super::{
    chromium::free_port,
    engine::{Browser, Scheme},
    proxy,
    webdriver::Session,
};

/// The console browser, next to this file.
const CONSOLE_BROWSER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/browser/webkit_console_browser.py"
);

/// `WebKitWebDriver`, `xvfb-run` and a python3 with WebKit2 4.1 bindings (`WEBKIT_WEBDRIVER`,
/// `XVFB_RUN` and `WEBKIT_PYTHON` override them).
pub struct Binaries {
    driver: PathBuf,
    xvfb_run: PathBuf,
    python: PathBuf,
}

impl Binaries {
    pub fn find() -> Result<Binaries, String> {
        let locate = |var: &str, default: &str| {
            let path = PathBuf::from(std::env::var(var).unwrap_or_else(|_| default.to_owned()));
            if path.is_file() {
                Ok(path)
            } else {
                Err(format!(
                    "{} not found (set {var} to override)",
                    path.display()
                ))
            }
        };
        let driver = locate("WEBKIT_WEBDRIVER", "/usr/bin/WebKitWebDriver")?;
        let xvfb_run = locate("XVFB_RUN", "/usr/bin/xvfb-run")?;
        let python = locate("WEBKIT_PYTHON", "/usr/bin/python3")?;
        let bindings = Command::new(&python)
            .args([
                "-c",
                "import gi; gi.require_version('Gtk', '3.0'); \
                 gi.require_version('WebKit2', '4.1'); from gi.repository import WebKit2",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !bindings.is_ok_and(|status| status.success()) {
            return Err(format!(
                "{} has no WebKit2 4.1 bindings (python3-gi, gir1.2-webkit2-4.1)",
                python.display()
            ));
        }
        Ok(Binaries {
            driver,
            xvfb_run,
            python,
        })
    }
}

/// The driver under Xvfb, with one session; the whole process group (xvfb-run, Xvfb, the
/// driver, the browser) is ended on drop.
pub struct WebKit {
    // Field order is drop order: the session is deleted before the processes are ended.
    session: Session,
    _driver: ProcessGroup,
    stdout: PathBuf,
    /// How much of `stdout` was read already.
    read: usize,
}

impl WebKit {
    /// Starts the driver and one session; tried twice (the driver was seen to hang on
    /// `POST /session` when Xvfb failed).
    pub fn start(binaries: &Binaries, scratch: &Path, scheme: Scheme) -> Result<WebKit, String> {
        let proxy = proxy::start().map_err(|e| format!("start the forwarding proxy: {e}"))?;
        let mut last_error = String::new();
        for attempt in 1..=2 {
            match WebKit::start_once(binaries, scratch, scheme, proxy, attempt) {
                Ok(webkit) => return Ok(webkit),
                Err(e) => last_error = format!("attempt {attempt}: {e}"),
            }
        }
        Err(last_error)
    }

    fn start_once(
        binaries: &Binaries,
        scratch: &Path,
        scheme: Scheme,
        proxy: u16,
        attempt: u32,
    ) -> Result<WebKit, String> {
        let port = free_port()?;
        let stdout = scratch.join(format!("webkit-{attempt}.out"));
        let out = File::create(&stdout).map_err(|e| format!("create {}: {e}", stdout.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut driver = Command::new(&binaries.xvfb_run)
            .args(["-a", "-s", "-screen 0 1280x1024x24"])
            .arg(&binaries.driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", binaries.xvfb_run.display()))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                end_group(&mut driver);
                return Err(format!(
                    "WebKitWebDriver did not listen on 127.0.0.1:{port}"
                ));
            }
            thread::sleep(Duration::from_millis(50));
        }
        let mut args = vec![
            CONSOLE_BROWSER.to_owned(),
            "--automation".to_owned(),
            format!(
                "--profile={}",
                scratch.join(format!("webkit-profile-{attempt}")).display()
            ),
            format!("--proxy=127.0.0.1:{proxy}"),
        ];
        if scheme == Scheme::Https {
            args.push("--ignore-tls-errors".to_owned());
        }
        let capabilities = json!({
            "browserName": "MiniBrowser",
            "acceptInsecureCerts": scheme == Scheme::Https,
            "webkitgtk:browserOptions": {
                "binary": binaries.python,
                "args": args,
            },
        });
        match Session::new(port, capabilities) {
            Ok(session) => Ok(WebKit {
                session,
                _driver: ProcessGroup(driver),
                stdout,
                read: 0,
            }),
            Err(e) => {
                end_group(&mut driver);
                Err(e)
            }
        }
    }
}

/// Ends a process group started with `process_group(0)` (its leader's id is the group's):
/// `TERM` first, so that Xvfb removes its display lock, `KILL` for what is left after 3 s.
fn end_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let signal = |signal: &str| {
        Command::new("kill")
            .args([signal, "--", &group])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    signal("-TERM");
    let _ = child.wait();
    let deadline = Instant::now() + Duration::from_secs(3);
    // `kill -0` succeeds while any process of the group is alive.
    while Instant::now() < deadline && signal("-0") {
        thread::sleep(Duration::from_millis(50));
    }
    signal("-KILL");
}

impl Browser for WebKit {
    fn navigate(&mut self, url: &str) -> Result<(), String> {
        self.session.navigate(url).map(drop)
    }

    fn run_cases(&mut self, runner: &str, cases: Value) -> Result<Value, String> {
        self.session.execute_async(runner, vec![cases])
    }

    fn eval(&mut self, expression: &str) -> Result<Value, String> {
        self.session
            .execute(&format!("return {expression};"), vec![])
    }

    /// The `CONSOLE <source> <level> <text>` lines the browser printed, as `<text>`.
    fn console(&mut self) -> Vec<String> {
        let log = fs::read(&self.stdout).unwrap_or_default();
        let tail = log.get(self.read..).unwrap_or_default();
        let complete = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let text = String::from_utf8_lossy(&tail[..complete]).into_owned();
        self.read += complete;
        text.lines()
            .filter_map(|line| line.strip_prefix("CONSOLE "))
            .map(|rest| {
                let mut text = rest;
                // Up to two all-caps words: the source (`SECURITY`, `JS`, ...) and the level.
                for _ in 0..2 {
                    match text.split_once(' ') {
                        Some((word, after)) if word.bytes().all(|b| b.is_ascii_uppercase()) => {
                            text = after
                        }
                        _ => break,
                    }
                }
                text.to_owned()
            })
            .collect()
    }
}

/// A process group's leader; the group is ended on drop.
struct ProcessGroup(Child);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        end_group(&mut self.0);
    }
}
