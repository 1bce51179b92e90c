//! Finding Debian's Chromium and chromedriver, starting chromedriver on a free loopback port
//! and opening one headless session configured for the suite.

use std::{
    fs::File,
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use serde_json::{json, Value};

use super::webdriver::Session;

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
    /// - `--unsafely-treat-insecure-origin-as-secure=<every test origin>`: those plain-http
    ///   origins become secure contexts, so a `Secure; SameSite=None` cookie is stored and
    ///   sent to them. (The server side of the same trade-off is the test policy's
    ///   `allow_insecure_http_origins()`.)
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
        secure_origins: &[String],
    ) -> Result<Session, String> {
        let args = [
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
            format!(
                "--unsafely-treat-insecure-origin-as-secure={}",
                secure_origins.join(",")
            ),
        ];
        let capabilities: Value = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binaries.chromium,
                "args": args,
                "prefs": { "profile.cookie_controls_mode": 0 },
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        Session::new(self.port, capabilities)
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
