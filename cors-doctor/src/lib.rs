//! The CORS doctor: runs one `fetch()` against a live server, over http or https (HTTP/1.1
//! or HTTP/2), the way Chromium would, and explains the verdict with a concrete fix.
//!
//! It uses the same rules as the simulation of
//! [`actix_scoped_cors::testing`] (through
//! [`Page::fetch_with`]), so any server, not only one built with actix-scoped-cors, can be
//! checked. From the command line (`cargo install --path cors-doctor`):
//!
//! ```sh
//! cors-doctor http://127.0.0.1:8080/api/items --origin http://localhost:3000 \
//!     --method PUT --header content-type:application/json --header authorization --credentials
//! ```
//!
//! or from code:
//!
//! ```no_run
//! use cors_doctor::{diagnose, Checkup};
//!
//! let checkup = Checkup::new("https://127.0.0.1:8443/api/me", "http://localhost:3000")
//!     .header("authorization", "Bearer t")
//!     .credentials(true)
//!     .insecure(true); // a self-signed test certificate
//! let diagnosis = diagnose(&checkup).expect("the server answered");
//! println!("{diagnosis}");
//! std::process::exit(diagnosis.exit_code());
//! ```
//!
//! **It sends the actual request when the preflight passes**, as a browser would: point it
//! at a test server, or use a method without side effects.
#![deny(rust_2018_idioms, nonstandard_style)]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod transport;

use std::{fmt, time::Duration};

use actix_scoped_cors::testing::{
    AccessError, BlockReason, Credentials, FetchOutcome, FetchReport, FetchRequest, Page,
    ReceivedResponse,
};

/// The command-line usage of `cors-doctor`.
pub const USAGE: &str = "\
usage: cors-doctor <url> --origin <origin> [--method M] [--header NAME[:VALUE]]... [--credentials] [--insecure]

  <url>                  http or https URL of the resource, e.g. http://127.0.0.1:8080/api/me
  --origin <origin>      the page's origin, e.g. http://localhost:3000
  --method <M>           the fetch method (default GET), normalised as fetch() does
  --header NAME[:VALUE]  a request header the script sets (value defaults to `x`); repeatable
  --credentials          credentials: 'include' (cookies): the response must allow them
  --insecure, -k         accept any TLS certificate (a self-signed test server), as curl -k

exit code: 0 allowed, 1 blocked, 2 usage or network error";

/// One fetch to check: URL, page origin, method, headers, credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkup {
    url: String,
    origin: String,
    method: String,
    headers: Vec<(String, String)>,
    credentials: bool,
    insecure: bool,
    timeout: Duration,
}

impl Checkup {
    /// A `GET` of `url` from a page of `origin`, without credentials.
    pub fn new(url: impl Into<String>, origin: impl Into<String>) -> Self {
        Checkup {
            url: url.into(),
            origin: origin.into(),
            method: "GET".to_owned(),
            headers: Vec::new(),
            credentials: false,
            insecure: false,
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

    /// Connect, read and write timeout per request (10 s by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Parses the command line (without the program name); see [`USAGE`].
    ///
    /// # Errors
    ///
    /// [`DoctorError::Usage`] for a missing URL or origin, an unknown flag, or a flag
    /// without its value.
    ///
    /// ```
    /// use cors_doctor::Checkup;
    ///
    /// let args = ["http://127.0.0.1:8080/api/me", "--origin", "http://localhost:3000",
    ///             "--method", "PUT", "--header", "content-type:application/json",
    ///             "--header", "authorization", "--credentials"];
    /// let checkup = Checkup::from_args(args.map(String::from)).unwrap();
    /// assert_eq!(
    ///     checkup,
    ///     Checkup::new("http://127.0.0.1:8080/api/me", "http://localhost:3000")
    ///         .method("PUT")
    ///         .header("content-type", "application/json")
    ///         .header("authorization", "x")
    ///         .credentials(true)
    /// );
    /// ```
    pub fn from_args<I>(args: I) -> Result<Checkup, DoctorError>
    where
        I: IntoIterator<Item = String>,
    {
        let usage = |problem: String| DoctorError::Usage(format!("{problem}\n\n{USAGE}"));
        let mut args = args.into_iter();
        let (mut url, mut origin, mut method) = (None, None, None);
        let mut headers = Vec::new();
        let (mut credentials, mut insecure) = (false, false);
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
                "--credentials" => credentials = true,
                "--insecure" | "-k" => insecure = true,
                flag if flag.starts_with('-') => return Err(usage(format!("unknown flag {flag}"))),
                _ if url.is_none() => url = Some(arg),
                _ => return Err(usage(format!("unexpected argument {arg}"))),
            }
        }
        let url = url.ok_or_else(|| usage("missing <url>".to_owned()))?;
        let origin = origin.ok_or_else(|| usage("missing --origin".to_owned()))?;
        let mut checkup = Checkup::new(url, origin)
            .credentials(credentials)
            .insecure(insecure);
        if let Some(method) = method {
            checkup = checkup.method(method);
        }
        checkup.headers = headers;
        Ok(checkup)
    }

    fn fetch_request(&self) -> FetchRequest {
        let mut request = FetchRequest::new(self.method.clone(), self.url.clone()).credentials(
            if self.credentials {
                Credentials::Include
            } else {
                Credentials::SameOrigin
            },
        );
        for (name, value) in &self.headers {
            request = request.header(name.clone(), value.clone());
        }
        request
    }
}

/// Why the doctor could not reach a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoctorError {
    /// Bad command line or a request `fetch()` itself would refuse.
    Usage(String),
    /// The server could not be reached, its TLS certificate is not trusted, or it did not
    /// answer HTTP.
    Network(String),
}

impl fmt::Display for DoctorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DoctorError::Usage(message) => f.write_str(message),
            DoctorError::Network(message) => write!(f, "network error: {message}"),
        }
    }
}

impl std::error::Error for DoctorError {}

impl DoctorError {
    /// The exit code: 2.
    pub fn exit_code(&self) -> i32 {
        2
    }
}

/// The doctor's verdict: what happened on the wire, what the browser concludes, and how to
/// fix it. Its [`Display`](fmt::Display) is the doctor's printout.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    /// The exchanges and the browser's verdict, as for the simulation.
    pub report: FetchReport,
    /// Concrete fixes, most likely first; empty when allowed.
    pub fixes: Vec<String>,
}

impl Diagnosis {
    /// Whether a browser would let the script read the response.
    pub fn is_allowed(&self) -> bool {
        self.report.is_allowed()
    }

    /// `0` when allowed, `1` when blocked.
    pub fn exit_code(&self) -> i32 {
        if self.is_allowed() {
            0
        } else {
            1
        }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.report)?;
        if !self.fixes.is_empty() {
            writeln!(f, "\nfix:")?;
            for fix in &self.fixes {
                writeln!(f, "  - {fix}")?;
            }
        }
        Ok(())
    }
}

/// Runs the checkup against the live server: the preflight if a browser would send one,
/// then (if it passes) the actual request, and judges both as Chromium would.
///
/// Blocking; redirects are not followed (a redirected preflight is judged as Chromium
/// judges it; a redirected actual request is CORS-checked as it is).
///
/// # Errors
///
/// [`DoctorError::Usage`] when `fetch()` would refuse the request (bad method, header or
/// URL), [`DoctorError::Network`] when the server cannot be reached, its TLS certificate is
/// not trusted (see [`Checkup::insecure`]), or it does not answer HTTP.
pub fn diagnose(checkup: &Checkup) -> Result<Diagnosis, DoctorError> {
    let transport = transport::Transport::new(checkup.timeout, checkup.insecure)?;
    let report = Page::new(checkup.origin.clone())
        .fetch_with(checkup.fetch_request(), |request, _body| {
            transport.send(request)
        })?;
    if let FetchOutcome::TypeError { message } = &report.outcome {
        return Err(DoctorError::Usage(message.clone()));
    }
    let fixes = fixes(&report, checkup);
    Ok(Diagnosis { report, fixes })
}

/// The concrete fixes for a blocked report.
fn fixes(report: &FetchReport, checkup: &Checkup) -> Vec<String> {
    let Some(reason) = report.block_reason() else {
        return Vec::new();
    };
    let preflight = report.preflight_exchange().map(|e| &e.response);
    let actual = report.actual.as_ref().map(|e| &e.response);
    match reason {
        BlockReason::PreflightDisallowedRedirect => {
            let response = preflight.expect("a redirect was received");
            vec![format!(
                "the preflight was redirected ({} to {}): preflights cannot follow redirects; \
                 fix the URL (trailing slash?) or answer OPTIONS before the redirect",
                response.status,
                response.header("location").unwrap_or("?")
            )]
        }
        BlockReason::PreflightAccess(AccessError::MissingAllowOriginHeader) => {
            let status = preflight.map_or(0, |r| r.status);
            vec![missing_on_preflight(status)]
        }
        BlockReason::PreflightAccess(error) => {
            access_fixes(error, preflight, &report.origin, checkup.credentials)
        }
        BlockReason::Access(error) => {
            access_fixes(error, actual, &report.origin, checkup.credentials)
        }
        BlockReason::PreflightInvalidStatus(status) => {
            let mut fixes = vec![format!(
                "the preflight answered {status} although it carries CORS headers: a \
                 preflight must get a 2xx; answer OPTIONS before authentication and routing \
                 (wrapping the scope in actix-scoped-cors answers it with 204)"
            )];
            if matches!(status, 401 | 403 | 407) {
                fixes.push(AUTH_FIX.to_owned());
            }
            fixes
        }
        BlockReason::InvalidAllowMethods => vec![format!(
            "Access-Control-Allow-Methods ({}) is not a comma-separated list of methods: send \
             e.g. `GET, POST, PUT`",
            preflight_header(preflight, "access-control-allow-methods")
        )],
        BlockReason::InvalidAllowHeaders => vec![format!(
            "Access-Control-Allow-Headers ({}) is not a comma-separated list of header names: \
             send e.g. `content-type, authorization`",
            preflight_header(preflight, "access-control-allow-headers")
        )],
        BlockReason::MethodDisallowed(method) => {
            let allowed = preflight_header(preflight, "access-control-allow-methods");
            let mut fixes = vec![format!(
                "method {method} not in Access-Control-Allow-Methods ({allowed}): add it, e.g. \
                 `.allow_methods([.., \"{method}\"])`"
            )];
            if method.bytes().any(|b| b.is_ascii_lowercase())
                && allowed
                    .split(',')
                    .any(|m| m.trim() == method.to_ascii_uppercase())
            {
                fixes.push(format!(
                    "browsers send `{method}` exactly as the script wrote it (only DELETE, GET, \
                     HEAD, OPTIONS, POST, PUT are uppercased) and compare byte for byte: write \
                     `{}` in the script",
                    method.to_ascii_uppercase()
                ));
            }
            if checkup.credentials && allowed.split(',').any(|m| m.trim() == "*") {
                fixes.push(WILDCARD_LIST_FIX.to_owned());
            }
            fixes
        }
        BlockReason::HeaderDisallowed(name) => {
            let allowed = preflight_header(preflight, "access-control-allow-headers");
            let mut fixes = vec![format!(
                "add `{name}` to allow_headers (Access-Control-Allow-Headers is {allowed})"
            )];
            let wildcard = allowed.split(',').any(|h| h.trim() == "*");
            if wildcard && name == "authorization" && !checkup.credentials {
                fixes.push(
                    "`*` in Access-Control-Allow-Headers never covers `authorization`: name it"
                        .to_owned(),
                );
            } else if wildcard && checkup.credentials {
                fixes.push(WILDCARD_LIST_FIX.to_owned());
            }
            fixes
        }
        // `BlockReason` is non-exhaustive: future variants get Chromium's own words.
        other => vec![other.to_string()],
    }
}

const AUTH_FIX: &str = "put authentication inside the CORS layer (answer OPTIONS before \
                        auth): browsers never send cookies or Authorization with a preflight";

const WILDCARD_LIST_FIX: &str = "`*` is a literal name, not a wildcard, for credentialed \
                                 requests: list the methods and headers (Cors::strict does)";

fn missing_on_preflight(status: u16) -> String {
    match status {
        200..=299 => "No Access-Control-Allow-Origin on the preflight: the origin is not \
                      allowed, or nothing answers CORS on this route"
            .to_owned(),
        401 | 407 => format!("the preflight answered {status}: {AUTH_FIX}"),
        403 => "the preflight answered 403 without CORS headers: the server's CORS policy \
                refuses this origin or a malformed request (actix-scoped-cors answers a \
                method or header it refuses to an allowed origin with 204 and the allowed \
                lists instead), or an authorization layer runs before CORS; check the \
                allowed origins (and, with other servers, methods and headers)"
            .to_owned(),
        404 | 405 | 501 => format!(
            "the preflight answered {status}: nothing handles OPTIONS on this route; wrap the \
             scope in the CORS middleware (it answers preflights for every path below it) or \
             route OPTIONS to it"
        ),
        _ => format!(
            "the preflight answered {status} without CORS headers: answer OPTIONS with a 2xx \
             and the CORS headers before anything else runs"
        ),
    }
}

fn access_fixes(
    error: &AccessError,
    response: Option<&ReceivedResponse>,
    origin: &str,
    credentialed: bool,
) -> Vec<String> {
    let fix = match error {
        AccessError::MissingAllowOriginHeader => "No Access-Control-Allow-Origin: the origin is \
             not allowed, or nothing answers CORS on this route"
            .to_owned(),
        AccessError::WildcardOriginNotAllowed => "ACAO is `*` but the request is credentialed: \
             use Cors::strict (it reflects the allowed origin and sends \
             Access-Control-Allow-Credentials: true), or fetch without credentials"
            .to_owned(),
        AccessError::MultipleAllowOriginValues(value) => {
            let lines = response.map_or(0, |r| {
                r.header_values("access-control-allow-origin").count()
            });
            if lines > 1 {
                let count = match lines {
                    2 => "two".to_owned(),
                    n => n.to_string(),
                };
                format!(
                    "{count} Access-Control-Allow-Origin headers: a proxy and the app both add \
                     CORS; remove one"
                )
            } else {
                format!(
                    "Access-Control-Allow-Origin holds a list ('{value}'): send exactly one \
                     origin, the request's own when it is allowed (Cors::strict does)"
                )
            }
        }
        AccessError::InvalidAllowOriginValue(value) => format!(
            "Access-Control-Allow-Origin '{value}' is not an origin: send `{origin}` exactly \
             (scheme://host[:port], no path)"
        ),
        AccessError::AllowOriginMismatch(value) => format!(
            "Access-Control-Allow-Origin is '{value}' but the page's origin is '{origin}': \
             they must be equal byte for byte (scheme, host, port, no trailing slash)"
        ),
        AccessError::InvalidAllowCredentials(value) => {
            let value = if value.is_empty() {
                "absent".to_owned()
            } else {
                format!("'{value}'")
            };
            format!(
                "the request is credentialed but Access-Control-Allow-Credentials is {value} \
                 (it must be exactly `true`): use Cors::strict, or fetch without credentials"
            )
        }
        // `AccessError` is non-exhaustive: future variants get Chromium's own words.
        other => other.to_string(),
    };
    let mut fixes = vec![fix];
    if credentialed && matches!(error, AccessError::WildcardOriginNotAllowed) {
        fixes.push(
            "with actix-scoped-cors: Cors::permissive() is for anonymous requests only; mount \
             Cors::strict([origins]) on the credentialed routes"
                .to_owned(),
        );
    }
    fixes
}

fn preflight_header(response: Option<&ReceivedResponse>, name: &str) -> String {
    let values: Vec<String> = response
        .map(|r| {
            r.header_values(name)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect()
        })
        .unwrap_or_default();
    if values.is_empty() {
        "absent".to_owned()
    } else {
        format!("`{}`", values.join(", "))
    }
}
