//! Finding Debian's Chromium and chromedriver, starting chromedriver on a free loopback port
//! and opening one headless session configured for the suite, over http or https.

use std::{
    fs::{self, File},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use serde_json::{json, Value};

use super::{
    engine::{Browser, Scheme},
    webdriver::Session,
};

/// Where Debian's `chromium` and `chromium-driver` packages put the binaries; `CHROMIUM` and
/// `CHROMEDRIVER` override them.
pub struct Binaries {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

impl Binaries {
    /// Both binaries, or the list of what is missing.
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
        let chromium = locate("CHROMIUM", "/usr/bin/chromium");
        let chromedriver = locate("CHROMEDRIVER", "/usr/bin/chromedriver");
        match (chromium, chromedriver) {
            (Ok(chromium), Ok(chromedriver)) => Ok(Binaries {
                chromium,
                chromedriver,
            }),
            (chromium, chromedriver) => Err([chromium.err(), chromedriver.err()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; ")),
        }
    }
}

/// A running chromedriver, killed on drop.
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    /// Starts chromedriver; Chromium's own log (console messages of every frame, which
    /// `/se/log` misses for sandboxed iframes) goes to `chrome_log`.
    pub fn start(binaries: &Binaries, chrome_log: &Path) -> Result<Driver, String> {
        let port = free_port()?;
        let log = File::create(chrome_log)
            .map_err(|e| format!("create {}: {e}", chrome_log.display()))?;
        let child = Command::new(&binaries.chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .arg("--enable-chrome-logs")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", binaries.chromedriver.display()))?;
        let driver = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!("chromedriver did not listen on 127.0.0.1:{port}"));
            }
            thread::sleep(Duration::from_millis(50));
        }
        Ok(driver)
    }

    /// One headless Chromium session with the suite's flags and preferences.
    ///
    /// - `--host-resolver-rules=MAP * 127.0.0.1`: `app.test`, `evil.test`, `x.tenant.test`
    ///   ... all reach the in-process servers, yet are distinct origins (and distinct sites).
    /// - over http, `--unsafely-treat-insecure-origin-as-secure=<every test origin>`: those
    ///   plain-http origins become secure contexts, so a `Secure; SameSite=None` cookie is
    ///   stored and sent to them. (The server side of the same trade-off is the test policy's
    ///   `allow_insecure_http_origins()`.) Over https, `--ignore-certificate-errors` (and
    ///   `acceptInsecureCerts`) for the test certificate, and no insecure-origin flag: the
    ///   cookies are real `Secure` cookies.
    /// - preference `profile.cookie_controls_mode = 0` ("allow all cookies"): a fresh profile
    ///   of this Chromium blocks third-party cookies, so the cookie of `api.test` would not
    ///   be sent by a credentialed fetch from `app.test`; the feature flags named in the
    ///   brief (`--disable-features=ThirdPartyStoragePartitioning,TrackingProtection3pcd`)
    ///   were not enough here, the preference is.
    /// - `goog:loggingPrefs browser=ALL`: console messages (Chromium's own CORS errors) are
    ///   read back with `/se/log`; that misses the messages of sandboxed `srcdoc` iframes,
    ///   so `--enable-logging=stderr --v=0` also sends every console message to Chromium's
    ///   stderr, which chromedriver (`--enable-chrome-logs`) writes to its log file.
    pub fn session(
        &self,
        binaries: &Binaries,
        profile: &Path,
        scheme: Scheme,
        secure_origins: &[String],
    ) -> Result<Session, String> {
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--enable-logging=stderr".to_owned(),
            "--v=0".to_owned(),
            format!("--user-data-dir={}", profile.display()),
            "--host-resolver-rules=MAP * 127.0.0.1".to_owned(),
        ];
        match scheme {
            Scheme::Http => args.push(format!(
                "--unsafely-treat-insecure-origin-as-secure={}",
                secure_origins.join(",")
            )),
            Scheme::Https => args.push("--ignore-certificate-errors".to_owned()),
        }
        let capabilities: Value = json!({
            "browserName": "chrome",
            "acceptInsecureCerts": scheme == Scheme::Https,
            "goog:chromeOptions": {
                "binary": binaries.chromium,
                "args": args,
                "prefs": {
                    "profile.cookie_controls_mode": 0,
                    "profile.block_third_party_cookies": false,
                },
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        Session::new(self.port, capabilities)
    }
}

/// Chromium with one session, as the suite's [`Browser`].
pub struct Chromium {
    // Field order is drop order: the session is deleted before chromedriver is killed.
    session: Session,
    _driver: Driver,
    chrome_log: PathBuf,
    /// How much of `chrome_log` was read already.
    read: usize,
}

impl Chromium {
    /// chromedriver and one session; the session start is tried twice.
    pub fn start(
        binaries: &Binaries,
        scratch: &Path,
        scheme: Scheme,
        secure_origins: &[String],
    ) -> Result<Chromium, String> {
        let chrome_log = scratch.join("chrome.log");
        let mut last_error = String::new();
        for attempt in 1..=2 {
            let profile = scratch.join(format!("profile-{attempt}"));
            let started = Driver::start(binaries, &chrome_log).and_then(|driver| {
                let session = driver.session(binaries, &profile, scheme, secure_origins)?;
                Ok((driver, session))
            });
            match started {
                Ok((driver, session)) => {
                    return Ok(Chromium {
                        session,
                        _driver: driver,
                        chrome_log,
                        read: 0,
                    })
                }
                Err(e) => last_error = format!("attempt {attempt}: {e}"),
            }
        }
        Err(last_error)
    }
}

impl Browser for Chromium {
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

    /// `/se/log`, plus the console lines of Chromium's own log, which has the messages of
    /// sandboxed iframes too.
    fn console(&mut self) -> Vec<String> {
        let mut messages = self.session.browser_log().unwrap_or_default();
        let log = fs::read(&self.chrome_log).unwrap_or_default();
        // Whole lines only: the rest is read next time.
        let tail = log.get(self.read..).unwrap_or_default();
        let complete = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let new = String::from_utf8_lossy(&tail[..complete]).into_owned();
        self.read += complete;
        messages.extend(
            new.lines()
                .filter(|line| line.contains(":CONSOLE"))
                .map(str::to_owned),
        );
        messages
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}
