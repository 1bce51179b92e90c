//! One `fetch()` across redirects, as browsers follow them for CORS (Fetch standard, "main
//! fetch", "HTTP fetch" and "HTTP-redirect fetch").
//!
//! Each URL of the chain is one hop, run by the simulation's [`Page::fetch_with`]: the
//! preflight when the request is not simple (again at every redirect target), its checks,
//! the actual request and its CORS check, all from `actix_scoped_cors::testing`. What is
//! left here is what happens between hops:
//!
//! - a response passes its CORS check *before* its redirect is followed;
//! - a redirected preflight is a network error (the simulation reports it);
//! - at most 20 redirects; a `Location` that is not an `http(s)` URL, or that holds a
//!   username or password (for a CORS request), is a network error;
//! - `301`/`302` turn `POST` into `GET`, `303` turns every method but `GET`/`HEAD` into `GET`,
//!   dropping the request-body headers; a hop to another origin drops `Authorization`;
//! - once a hop leaves an origin other than the page's for a different origin, the request
//!   has a *redirect-tainted origin* and every later request sends `Origin: null`, judged
//!   against `null`.

use actix_scoped_cors::testing::{
    protocol, Credentials, Engine, FetchOutcome, FetchReport, FetchRequest, Page, Preflight,
};
use url::{Origin, Url};

use crate::{
    report::{Blocked, Diagnosis, Hop, Verdict},
    transport::{HttpVersion, Transport},
    Checkup, DoctorError,
};

/// Fetch: "If request's redirect count is 20, then return a network error."
pub(crate) const MAX_REDIRECTS: usize = 20;

/// Request-body header names (Fetch), dropped when a redirect turns the method into `GET`.
const BODY_HEADERS: [&str; 4] = [
    "content-encoding",
    "content-language",
    "content-location",
    "content-type",
];

/// The fetch between hops: what the next request sends, and what the chain so far implies.
struct Chain {
    page: Page,
    /// The page as seen once the origin is redirect-tainted: it sends `Origin: null`.
    tainted_page: Page,
    page_origin: Option<Origin>,
    credentials: Credentials,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    tainted: bool,
    /// Whether a hop so far was cross-origin (Fetch: the response tainting is "cors").
    cors: bool,
}

/// What a hop's response means for the fetch.
enum Step {
    Done(Verdict),
    Blocked(Blocked),
    Redirect {
        status: u16,
        location: Option<String>,
    },
}

pub(crate) fn run(checkup: &Checkup, transport: &Transport) -> Result<Diagnosis, DoctorError> {
    let mut chain = Chain::new(checkup);
    let mut hops: Vec<Hop> = Vec::new();
    loop {
        let hop = chain.fetch(transport)?;
        if let FetchOutcome::TypeError { message } = &hop.report.outcome {
            // `fetch()` refused the script's request: a usage error. At a redirect target
            // (mixed content), the browser's network error.
            if hops.is_empty() {
                return Err(DoctorError::Usage(message.clone()));
            }
            let reason = Blocked::Refused(message.clone());
            hops.push(hop);
            return Ok(finish(checkup, hops, reason));
        }
        let step = judge(&hop);
        let current = Url::parse(&hop.report.url).map_err(|error| {
            DoctorError::Usage(format!("invalid URL {}: {error}", hop.report.url))
        })?;
        chain.cors |= !hop.report.same_origin;
        hops.push(hop);
        let blocked = match step {
            Step::Done(verdict) => return Ok(Diagnosis::new(checkup, hops, verdict)),
            Step::Blocked(blocked) => blocked,
            Step::Redirect { status, location } => {
                match chain.follow(&current, status, location, hops.len() - 1) {
                    Ok(()) => continue,
                    Err(blocked) => blocked,
                }
            }
        };
        return Ok(finish(checkup, hops, blocked));
    }
}

/// Allowed, blocked, or allowed to follow its redirect.
fn judge(hop: &Hop) -> Step {
    match &hop.report.outcome {
        FetchOutcome::Blocked { reason, .. } => Step::Blocked(Blocked::Cors(reason.clone())),
        _ => {
            let response = &hop
                .actual()
                .expect("an allowed fetch has sent its request")
                .response;
            let status = response.status;
            if protocol::is_redirect(status, &response.headers) {
                let location = response.header("location").map(str::to_owned);
                Step::Redirect { status, location }
            } else {
                Step::Done(Verdict::Allowed { status })
            }
        }
    }
}

impl Chain {
    fn new(checkup: &Checkup) -> Chain {
        Chain {
            page: Page::new(checkup.origin.clone()).with_engine(checkup.engine),
            tainted_page: Page::new("null").with_engine(checkup.engine),
            page_origin: Url::parse(&checkup.origin).ok().map(|url| url.origin()),
            credentials: if checkup.credentials {
                Credentials::Include
            } else {
                Credentials::SameOrigin
            },
            method: checkup.method.clone(),
            url: checkup.url.clone(),
            headers: checkup.headers.clone(),
            tainted: false,
            cors: false,
        }
    }

    /// The next hop: the simulation's fetch of the current URL, over `transport`.
    fn fetch(&self, transport: &Transport) -> Result<Hop, DoctorError> {
        let mut request =
            FetchRequest::new(self.method.clone(), self.url.clone()).credentials(self.credentials);
        for (name, value) in &self.headers {
            request = request.header(name.clone(), value.clone());
        }
        let page = if self.tainted {
            &self.tainted_page
        } else {
            &self.page
        };
        let mut versions = Vec::new();
        let report = page.fetch_with(request, |request, _body| {
            let (response, version) = transport.send(request)?;
            versions.push(version);
            Ok::<_, DoctorError>(response)
        })?;
        Ok(hop(report, &versions))
    }

    /// Fetch, "HTTP-redirect fetch": the request to send to `location` after a `status`
    /// from `current`, when `redirects` were followed before; or the network error.
    fn follow(
        &mut self,
        current: &Url,
        status: u16,
        location: Option<String>,
        redirects: usize,
    ) -> Result<(), Blocked> {
        let target = match location.as_deref().map(|l| current.join(l)) {
            Some(Ok(url)) if matches!(url.scheme(), "http" | "https") => url,
            _ => return Err(Blocked::RedirectLocation(location.unwrap_or_default())),
        };
        if redirects == MAX_REDIRECTS {
            return Err(Blocked::TooManyRedirects);
        }
        let has_credentials = !target.username().is_empty() || target.password().is_some();
        let to_other_origin = self.page_origin.as_ref() != Some(&target.origin());
        if has_credentials && (self.cors || to_other_origin) {
            return Err(Blocked::RedirectCredentials(target.to_string()));
        }
        let to_get = match status {
            301 | 302 => self.method == "POST",
            303 => !matches!(self.method.as_str(), "GET" | "HEAD"),
            _ => false,
        };
        if to_get {
            self.method = "GET".to_owned();
            self.headers
                .retain(|(name, _)| !BODY_HEADERS.iter().any(|b| name.eq_ignore_ascii_case(b)));
        }
        if current.origin() != target.origin() {
            // The `CORS non-wildcard request-header name`s go.
            self.headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case("authorization"));
            // "request has a redirect-tainted origin": a hop between two origins, leaving
            // one that is not the request's origin.
            if self.page_origin.as_ref() != Some(&current.origin()) {
                self.tainted = true;
            }
        }
        self.url = target.to_string();
        Ok(())
    }
}

/// The hop for `report`, with the version of each response in the order they were sent.
fn hop(report: FetchReport, versions: &[HttpVersion]) -> Hop {
    let mut versions = versions.iter().copied();
    let preflight_version = match report.preflight {
        Preflight::Sent(_) => versions.next(),
        _ => None,
    };
    let actual_version = report.actual.as_ref().and_then(|_| versions.next());
    Hop {
        report,
        preflight_version,
        actual_version,
    }
}

/// Blocked for `reason` at the last hop, with the engine's console message.
fn finish(checkup: &Checkup, hops: Vec<Hop>, reason: Blocked) -> Diagnosis {
    let message = console_message(checkup.engine, &checkup.origin, &hops, &reason);
    Diagnosis::new(checkup, hops, Verdict::Blocked { reason, message })
}

/// The console line for a fetch blocked at the last hop. The URL is the hop's; the origin is
/// the page's (engines name the page's origin even when `null` was sent). Chromium adds
/// `(redirected from '<first URL>')` after a redirect.
fn console_message(engine: Engine, origin: &str, hops: &[Hop], reason: &Blocked) -> String {
    let (first, last) = match (hops.first(), hops.last()) {
        (Some(first), Some(last)) => (&first.report, &last.report),
        _ => return String::new(),
    };
    let url = &last.url;
    let text = match reason {
        Blocked::Cors(reason) if engine != Engine::Chromium || hops.len() == 1 => {
            let status = if reason.is_preflight_failure() {
                last.preflight_exchange().map_or(0, |e| e.response.status)
            } else {
                last.actual.as_ref().map_or(0, |e| e.response.status)
            };
            return engine.console_message(reason, url, origin, status);
        }
        Blocked::Cors(reason) => reason.to_string(),
        Blocked::Refused(message) => return message.clone(),
        Blocked::RedirectCredentials(location) => format!(
            "Redirect location '{location}' contains a username and password, which is \
             disallowed for cross-origin requests."
        ),
        Blocked::RedirectLocation(location) => {
            format!("Redirect location '{location}' is not an http or https URL.")
        }
        Blocked::TooManyRedirects => {
            format!("More than {MAX_REDIRECTS} redirects (net::ERR_TOO_MANY_REDIRECTS).")
        }
    };
    match engine {
        Engine::Chromium => {
            let redirected = if hops.len() > 1 {
                format!(" (redirected from '{}')", first.url)
            } else {
                String::new()
            };
            format!(
                "Access to fetch at '{url}'{redirected} from origin '{origin}' has been blocked \
                 by CORS policy: {text}"
            )
        }
        // The simulation knows no Firefox or WebKit text for these network errors: the
        // script's TypeError, then what happened.
        other => format!("TypeError: {} ({text})", other.type_error_message()),
    }
}
