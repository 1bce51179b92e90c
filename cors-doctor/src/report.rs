//! The doctor's verdict, [`Diagnosis`]: the hops of the fetch, what the browser concludes,
//! and how to fix it; printed `curl -v` style or as JSON.

use std::fmt;

use actix_scoped_cors::testing::{BlockReason, Engine, Exchange, FetchReport, Preflight};
use actix_web::http::{header::HeaderName, StatusCode};
use serde::Serialize;

use crate::{fixes, transport::HttpVersion, Checkup};

/// The doctor's verdict: what happened on the wire, what the browser concludes, and how to
/// fix it. Its [`Display`](fmt::Display) is the doctor's printout; [`Diagnosis::to_json`]
/// is the `--json` report.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    /// The engine whose rules and console wording were applied.
    pub engine: Engine,
    /// The page's origin, as given.
    pub origin: String,
    /// Every URL fetched, in order: the first is the requested URL, each next one the
    /// target of the previous hop's redirect.
    pub hops: Vec<Hop>,
    /// What the script sees.
    pub verdict: Verdict,
    /// Concrete fixes, most likely first; empty when allowed.
    pub fixes: Vec<String>,
}

/// One URL of the fetch: its preflight (when needed) and request, as the simulation of
/// `actix_scoped_cors::testing` judged them, with the HTTP version of each response.
#[derive(Debug, Clone)]
pub struct Hop {
    /// The simulation's report for this URL. Its `origin` is the `Origin` sent (`null` once
    /// a redirect tainted it); its outcome judges this hop alone.
    pub report: FetchReport,
    /// The version the preflight response came over, if a preflight was sent.
    pub preflight_version: Option<HttpVersion>,
    /// The version the actual response came over, if the request was sent.
    pub actual_version: Option<HttpVersion>,
}

impl Hop {
    /// The preflight exchange at this URL, if one was sent.
    pub fn preflight(&self) -> Option<&Exchange> {
        self.report.preflight_exchange()
    }

    /// The actual request and its response, if sent.
    pub fn actual(&self) -> Option<&Exchange> {
        self.report.actual.as_ref()
    }

    /// The `Origin` the browser sends to this URL: the page's, or `null` after a
    /// redirect tainted it.
    pub fn origin_sent(&self) -> &str {
        &self.report.origin
    }
}

/// What the script sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `fetch()` resolves with the last hop's response.
    Allowed {
        /// Its status.
        status: u16,
    },
    /// `fetch()` rejects with a `TypeError`; the engine prints `message` in the console.
    Blocked {
        /// Why.
        reason: Blocked,
        /// The engine's console message.
        message: String,
    },
}

/// Why a browser blocks the fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Blocked {
    /// A CORS check failed at the last hop (preflight or actual response), as the
    /// simulation judged it. A redirected preflight is
    /// [`BlockReason::PreflightDisallowedRedirect`].
    Cors(BlockReason),
    /// A redirect to a URL holding a username or password (Fetch: a network error for a
    /// CORS request).
    RedirectCredentials(String),
    /// A redirect whose `Location` is not an `http` or `https` URL.
    RedirectLocation(String),
    /// More than 20 redirects.
    TooManyRedirects,
    /// The browser refused a redirect target before sending it (mixed content), with the
    /// engine's `TypeError` text.
    Refused(String),
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocked::Cors(reason) => write!(f, "{reason}"),
            Blocked::RedirectCredentials(url) => {
                write!(
                    f,
                    "redirected to '{url}', which holds a username or password"
                )
            }
            Blocked::RedirectLocation(location) => {
                write!(f, "redirected to '{location}', which is not an http(s) URL")
            }
            Blocked::TooManyRedirects => f.write_str("more than 20 redirects"),
            Blocked::Refused(message) => f.write_str(message),
        }
    }
}

impl Diagnosis {
    pub(crate) fn new(checkup: &Checkup, hops: Vec<Hop>, verdict: Verdict) -> Diagnosis {
        let mut diagnosis = Diagnosis {
            engine: checkup.engine,
            origin: checkup.origin.clone(),
            hops,
            verdict,
            fixes: Vec::new(),
        };
        diagnosis.fixes = fixes::fixes(&diagnosis, checkup);
        diagnosis
    }

    /// Whether a browser would let the script read the response.
    pub fn is_allowed(&self) -> bool {
        matches!(self.verdict, Verdict::Allowed { .. })
    }

    /// `0` when allowed, `1` when blocked.
    pub fn exit_code(&self) -> i32 {
        if self.is_allowed() {
            0
        } else {
            1
        }
    }

    /// Why it is blocked, if it is.
    pub fn blocked(&self) -> Option<&Blocked> {
        match &self.verdict {
            Verdict::Blocked { reason, .. } => Some(reason),
            Verdict::Allowed { .. } => None,
        }
    }

    /// The failed CORS check, if that is why it is blocked.
    pub fn block_reason(&self) -> Option<&BlockReason> {
        match self.blocked() {
            Some(Blocked::Cors(reason)) => Some(reason),
            _ => None,
        }
    }

    /// The engine's console message, if blocked.
    pub fn console_message(&self) -> Option<&str> {
        match &self.verdict {
            Verdict::Blocked { message, .. } => Some(message),
            Verdict::Allowed { .. } => None,
        }
    }

    /// The first hop: the requested URL.
    pub fn first_hop(&self) -> &Hop {
        self.hops.first().expect("a diagnosis has at least one hop")
    }

    /// The last hop: where the fetch ended.
    pub fn last_hop(&self) -> &Hop {
        self.hops.last().expect("a diagnosis has at least one hop")
    }

    /// The `--json` report: `verdict` (`allowed` or `blocked`), `engine`, `url`, `origin`,
    /// `exchanges` (each with `hop`, `kind`, `method`, `url`, `request_headers`,
    /// `http_version`, `status` and the CORS-relevant `response_headers`), `status`,
    /// `reason`, `console_message` and `fixes`.
    pub fn to_json(&self) -> serde_json::Value {
        let exchanges = self
            .hops
            .iter()
            .enumerate()
            .flat_map(|(index, hop)| {
                let preflight = hop
                    .preflight()
                    .map(|e| json_exchange(index + 1, "preflight", e, hop.preflight_version));
                let actual = hop
                    .actual()
                    .map(|e| json_exchange(index + 1, "actual", e, hop.actual_version));
                preflight.into_iter().chain(actual)
            })
            .collect();
        let report = JsonReport {
            verdict: if self.is_allowed() {
                "allowed"
            } else {
                "blocked"
            },
            engine: engine_name(self.engine),
            url: &self.first_hop().report.url,
            origin: &self.origin,
            exchanges,
            status: match self.verdict {
                Verdict::Allowed { status } => Some(status),
                Verdict::Blocked { .. } => None,
            },
            reason: self.blocked().map(ToString::to_string),
            console_message: self.console_message(),
            fixes: &self.fixes,
        };
        serde_json::to_value(report).expect("the report is plain data")
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    verdict: &'static str,
    engine: &'static str,
    url: &'a str,
    origin: &'a str,
    exchanges: Vec<JsonExchange<'a>>,
    status: Option<u16>,
    reason: Option<String>,
    console_message: Option<&'a str>,
    fixes: &'a [String],
}

#[derive(Serialize)]
struct JsonExchange<'a> {
    hop: usize,
    kind: &'static str,
    method: &'a str,
    url: &'a str,
    request_headers: Vec<JsonHeader>,
    http_version: Option<HttpVersion>,
    status: u16,
    response_headers: Vec<JsonHeader>,
}

#[derive(Serialize)]
struct JsonHeader {
    name: String,
    value: String,
}

fn json_exchange<'a>(
    hop: usize,
    kind: &'static str,
    exchange: &'a Exchange,
    version: Option<HttpVersion>,
) -> JsonExchange<'a> {
    let header = |(name, value): &(HeaderName, actix_web::http::header::HeaderValue)| JsonHeader {
        name: name.to_string(),
        value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
    };
    JsonExchange {
        hop,
        kind,
        method: &exchange.request.method,
        url: &exchange.request.url,
        request_headers: exchange.request.headers.iter().map(header).collect(),
        http_version: version,
        status: exchange.response.status,
        response_headers: exchange
            .response
            .headers
            .iter()
            .filter(|(name, _)| is_relevant(name))
            .map(header)
            .collect(),
    }
}

/// The response headers a CORS verdict depends on or a fix talks about.
fn is_relevant(name: &HeaderName) -> bool {
    let name = name.as_str();
    name.starts_with("access-control-") || matches!(name, "location" | "vary")
}

/// The `--engine` spelling of `engine`.
pub(crate) fn engine_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Firefox => "firefox",
        Engine::WebKit => "webkit",
        _ => "chromium",
    }
}

fn engine_title(engine: Engine) -> &'static str {
    match engine {
        Engine::Firefox => "Firefox",
        Engine::WebKit => "WebKit",
        _ => "Chromium",
    }
}

impl fmt::Display for Diagnosis {
    /// Each hop's exchanges, `curl -v` style, then the verdict and the fixes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = &self.first_hop().report;
        let kind = if first.same_origin {
            "same-origin"
        } else {
            "cross-origin"
        };
        writeln!(
            f,
            "fetch {} from {} ({kind}), as {}",
            first.url,
            self.origin,
            engine_title(self.engine)
        )?;
        for (index, hop) in self.hops.iter().enumerate() {
            if self.hops.len() > 1 {
                writeln!(
                    f,
                    "\nhop {}: {} (Origin: {})",
                    index + 1,
                    hop.report.url,
                    hop.origin_sent()
                )?;
            }
            match &hop.report.preflight {
                Preflight::NotNeeded => writeln!(f, "\nno preflight needed")?,
                Preflight::Cached => writeln!(f, "\npreflight skipped: cached")?,
                Preflight::Sent(exchange) => {
                    writeln!(f, "\npreflight:")?;
                    write_exchange(f, exchange, hop.preflight_version)?;
                }
            }
            match hop.actual() {
                Some(exchange) => {
                    writeln!(f, "\nactual request:")?;
                    write_exchange(f, exchange, hop.actual_version)?;
                }
                None => writeln!(f, "\nactual request: not sent")?,
            }
        }
        match &self.verdict {
            Verdict::Allowed { status } => {
                writeln!(f, "\nverdict: allowed (the script reads status {status})")?
            }
            Verdict::Blocked { message, .. } => writeln!(f, "\nverdict: blocked\n{message}")?,
        }
        if !self.fixes.is_empty() {
            writeln!(f, "\nfix:")?;
            for fix in &self.fixes {
                writeln!(f, "  - {fix}")?;
            }
        }
        Ok(())
    }
}

/// `> ` request lines and `< ` response lines with the version the response came over.
fn write_exchange(
    f: &mut fmt::Formatter<'_>,
    exchange: &Exchange,
    version: Option<HttpVersion>,
) -> fmt::Result {
    let version = version.unwrap_or(HttpVersion::Http11);
    let target = url::Url::parse(&exchange.request.url)
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
        .unwrap_or_else(|_| exchange.request.url.clone());
    writeln!(f, "> {} {target} {version}", exchange.request.method)?;
    for (name, value) in &exchange.request.headers {
        // HTTP/2 carries the host in the `:authority` pseudo-header.
        let name = match (version, name.as_str()) {
            (HttpVersion::Http2, "host") => ":authority",
            (_, name) => name,
        };
        writeln!(f, "> {name}: {}", String::from_utf8_lossy(value.as_bytes()))?;
    }
    let status = exchange.response.status;
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    writeln!(f, "< {version} {status} {reason}")?;
    for (name, value) in &exchange.response.headers {
        writeln!(f, "< {name}: {}", String::from_utf8_lossy(value.as_bytes()))?;
    }
    let body = &exchange.response.body;
    if !body.is_empty() {
        const SHOWN: usize = 200;
        let shown = String::from_utf8_lossy(&body[..body.len().min(SHOWN)]);
        let cut = if body.len() > SHOWN { "…" } else { "" };
        writeln!(f, "<\n< {}{cut}", shown.replace('\n', "\n< "))?;
    }
    Ok(())
}
