//! What to check ([`Checkup`]) and the command line that says it ([`Command`]).

use std::time::Duration;

use actix_scoped_cors::testing::Engine;

use crate::DoctorError;

/// The command-line usage of `cors-doctor`.
pub const USAGE: &str = "\
usage: cors-doctor <url> --origin <origin> [--method M] [--header NAME[:VALUE]]... [--credentials] [--insecure] [--json] [--engine E]

  <url>                  http or https URL of the resource, e.g. https://127.0.0.1:8443/api/me
  --origin <origin>      the page's origin, e.g. http://localhost:3000
  --method <M>           the fetch method (default GET), normalised as fetch() does
  --header NAME[:VALUE]  a request header the script sets (value defaults to `x`); repeatable
  --credentials          credentials: 'include' (cookies): the response must allow them
  --insecure, -k         accept any TLS certificate (a self-signed test server), as curl -k
  --json                 print the report as JSON on stdout (for CI)
  --engine <E>           chromium (default), firefox or webkit: whose rules and console
                         message the verdict follows

It sends the preflight (when the browser would) and the request over HTTP/1.1 or HTTP/2
(negotiated by ALPN over TLS), follows redirects as browsers do for CORS, and names the fix.

exit code: 0 allowed, 1 blocked, 2 usage or network error";

/// One fetch to check: URL, page origin, method, headers, credentials, engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkup {
    pub(crate) url: String,
    pub(crate) origin: String,
    pub(crate) method: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) credentials: bool,
    pub(crate) insecure: bool,
    pub(crate) engine: Engine,
    pub(crate) timeout: Duration,
}

impl Checkup {
    /// A `GET` of `url` from a page of `origin`, without credentials, as Chromium.
    pub fn new(url: impl Into<String>, origin: impl Into<String>) -> Self {
        Checkup {
            url: url.into(),
            origin: origin.into(),
            method: "GET".to_owned(),
            headers: Vec::new(),
            credentials: false,
            insecure: false,
            engine: Engine::Chromium,
            timeout: Duration::from_secs(10),
        }
    }

    /// The method, as the script writes it.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// A request header the script sets.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// `credentials: 'include'` when `true`; the default `'same-origin'` otherwise.
    pub fn credentials(mut self, include: bool) -> Self {
        self.credentials = include;
        self
    }

    /// Accept any TLS certificate, self-signed or for another name, when `true` (as
    /// `curl -k`); certificates are verified against the Mozilla root store otherwise.
    pub fn insecure(mut self, insecure: bool) -> Self {
        self.insecure = insecure;
        self
    }

    /// The engine whose checks, order and console wording the verdict follows (Chromium by
    /// default).
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// Connect timeout, and timeout of each whole request (10 s by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// A parsed command line: the checkup, and how to print its diagnosis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// What to check.
    pub checkup: Checkup,
    /// `--json`: print [`Diagnosis::to_json`](crate::Diagnosis::to_json) instead of text.
    pub json: bool,
}

impl Command {
    /// Parses the command line (without the program name); see [`USAGE`].
    ///
    /// # Errors
    ///
    /// [`DoctorError::Usage`] for a missing URL or origin, an unknown flag or engine, or a
    /// flag without its value.
    ///
    /// ```
    /// use actix_scoped_cors::testing::Engine;
    /// use cors_doctor::{Checkup, Command};
    ///
    /// let args = ["https://127.0.0.1:8443/api/me", "--origin", "http://localhost:3000",
    ///             "--method", "PUT", "--header", "content-type:application/json",
    ///             "--header", "authorization", "--credentials", "-k", "--json",
    ///             "--engine", "firefox"];
    /// let command = Command::from_args(args.map(String::from)).unwrap();
    /// assert!(command.json);
    /// assert_eq!(
    ///     command.checkup,
    ///     Checkup::new("https://127.0.0.1:8443/api/me", "http://localhost:3000")
    ///         .method("PUT")
    ///         .header("content-type", "application/json")
    ///         .header("authorization", "x")
    ///         .credentials(true)
    ///         .insecure(true)
    ///         .engine(Engine::Firefox)
    /// );
    /// ```
    pub fn from_args<I>(args: I) -> Result<Command, DoctorError>
    where
        I: IntoIterator<Item = String>,
    {
        let usage = |problem: String| DoctorError::Usage(format!("{problem}\n\n{USAGE}"));
        let mut args = args.into_iter();
        let (mut url, mut origin, mut method) = (None, None, None);
        let mut headers = Vec::new();
        let (mut credentials, mut insecure, mut json) = (false, false, false);
        let mut engine = Engine::Chromium;
        while let Some(arg) = args.next() {
            let mut value = |flag: &str| {
                args.next()
                    .ok_or_else(|| usage(format!("{flag} needs a value")))
            };
            match arg.as_str() {
                "--origin" => origin = Some(value("--origin")?),
                "--method" => method = Some(value("--method")?),
                "--header" => {
                    let header = value("--header")?;
                    let (name, value) = header.split_once(':').unwrap_or((&header, "x"));
                    headers.push((name.trim().to_owned(), value.trim().to_owned()));
                }
                "--engine" => {
                    let name = value("--engine")?;
                    engine = parse_engine(&name).ok_or_else(|| {
                        usage(format!(
                            "unknown engine {name}: chromium, firefox or webkit"
                        ))
                    })?;
                }
                "--credentials" => credentials = true,
                "--insecure" | "-k" => insecure = true,
                "--json" => json = true,
                flag if flag.starts_with('-') => return Err(usage(format!("unknown flag {flag}"))),
                _ if url.is_none() => url = Some(arg),
                _ => return Err(usage(format!("unexpected argument {arg}"))),
            }
        }
        let url = url.ok_or_else(|| usage("missing <url>".to_owned()))?;
        let origin = origin.ok_or_else(|| usage("missing --origin".to_owned()))?;
        let mut checkup = Checkup::new(url, origin)
            .credentials(credentials)
            .insecure(insecure)
            .engine(engine);
        if let Some(method) = method {
            checkup = checkup.method(method);
        }
        checkup.headers = headers;
        Ok(Command { checkup, json })
    }
}

fn parse_engine(name: &str) -> Option<Engine> {
    match name.to_ascii_lowercase().as_str() {
        "chromium" => Some(Engine::Chromium),
        "firefox" => Some(Engine::Firefox),
        "webkit" => Some(Engine::WebKit),
        _ => None,
    }
}
