//! One `fetch()`, step by step, independent of the transport: the simulation drives it with
//! an actix service, [`Page::fetch_with`](super::Page::fetch_with) with any transport.

use actix_web::{
    http::{
        header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, COOKIE, HOST, ORIGIN},
        StatusCode,
    },
    web::Bytes,
};
use url::Url;

use super::{
    engine::Engine,
    protocol::{self, HeaderList, InvalidRequest, PreflightResult},
    BlockReason, Credentials, Exchange, FetchOutcome, FetchReport, FetchRequest, Preflight,
    ReceivedResponse, SentRequest,
};

/// A validated fetch: what `new Request(...)` would hold, plus the page's origin.
#[derive(Debug, Clone)]
pub(crate) struct Flow {
    pub(crate) origin: String,
    pub(crate) url: Url,
    pub(crate) method: String,
    /// Script-set headers: combined per name, forbidden ones dropped.
    pub(crate) headers: HeaderList,
    pub(crate) credentials: Credentials,
    pub(crate) same_origin: bool,
    pub(crate) body: Option<Bytes>,
    /// Whose console wording and `TypeError` text a blocked fetch gets.
    pub(crate) engine: Engine,
}

impl Flow {
    /// Validates `request` like `fetch()` does before any traffic.
    pub(crate) fn new(page_origin: &str, request: &FetchRequest) -> Result<Flow, InvalidRequest> {
        // `null`: an opaque origin (a sandboxed iframe, a `data:` or `file:` document). Such a
        // page is cross-origin to every URL, sends `Origin: null`, and has no base URL.
        let page = match page_origin {
            "null" => None,
            _ => {
                let page = Url::parse(page_origin)
                    .map_err(|_| InvalidRequest(format!("Invalid page origin '{page_origin}'.")))?;
                if !page.origin().is_tuple() {
                    return Err(InvalidRequest(format!(
                        "'{page_origin}' has an opaque origin; write \"null\" for one."
                    )));
                }
                Some(page)
            }
        };
        let url = match &page {
            Some(page) => page.join(&request.url),
            None => Url::parse(&request.url),
        }
        .map_err(|_| InvalidRequest(format!("Failed to parse URL from {}", request.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(InvalidRequest(format!(
                "Fetch API cannot load {url}. URL scheme \"{}\" is not supported.",
                url.scheme()
            )));
        }
        let method = protocol::normalize_method(&request.method)?;
        if request.body.is_some() && matches!(method.as_str(), "GET" | "HEAD") {
            return Err(InvalidRequest(
                "Request with GET/HEAD method cannot have body.".to_owned(),
            ));
        }
        let headers = combine_headers(&request.headers)?;
        let origin = page.as_ref().map(Url::origin);
        Ok(Flow {
            same_origin: origin
                .as_ref()
                .is_some_and(|origin| url.origin() == *origin),
            origin: origin.map_or_else(|| "null".to_owned(), |origin| origin.ascii_serialization()),
            url,
            method,
            headers,
            credentials: request.credentials,
            body: request.body.clone(),
            engine: Engine::default(),
        })
    }

    /// The same fetch, as `engine` runs it.
    pub(crate) fn in_engine(mut self, engine: Engine) -> Flow {
        self.engine = engine;
        self
    }

    /// Mixed content (W3C Mixed Content, "should fetching request be blocked"): a page of an
    /// `https` origin fetching an `http` URL whose host is not potentially trustworthy
    /// (`localhost`, `127.0.0.0/8`, `[::1]`). Every engine blocks it before any traffic.
    pub(crate) fn is_mixed_content(&self) -> bool {
        let trustworthy = match self.url.host() {
            Some(url::Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost"),
            Some(url::Host::Ipv4(address)) => address.is_loopback(),
            Some(url::Host::Ipv6(address)) => address.is_loopback(),
            None => false,
        };
        self.origin.starts_with("https://") && self.url.scheme() == "http" && !trustworthy
    }

    /// The report before any traffic: no preflight, no response, no verdict yet.
    pub(crate) fn report(&self) -> FetchReport {
        FetchReport {
            url: self.url(),
            origin: self.origin.clone(),
            same_origin: self.same_origin,
            preflight: Preflight::NotNeeded,
            actual: None,
            outcome: FetchOutcome::TypeError {
                message: String::new(),
            },
        }
    }

    /// The URL as Chromium prints it.
    pub(crate) fn url(&self) -> String {
        self.url.to_string()
    }

    /// Whether cookies go with the actual request.
    pub(crate) fn sends_credentials(&self) -> bool {
        match self.credentials {
            Credentials::Omit => false,
            Credentials::SameOrigin => self.same_origin,
            Credentials::Include => true,
        }
    }

    pub(crate) fn needs_preflight(&self) -> bool {
        !self.same_origin && protocol::needs_preflight(&self.method, &self.headers)
    }

    /// The preflight request, without cookies or script headers.
    pub(crate) fn preflight_request(&self) -> SentRequest {
        let mut headers = vec![self.host()];
        headers.extend(protocol::preflight_request_headers(
            &self.origin,
            &self.method,
            &self.headers,
        ));
        SentRequest {
            method: "OPTIONS".to_owned(),
            url: self.url(),
            headers,
        }
    }

    /// Judges the preflight response.
    pub(crate) fn check_preflight(
        &self,
        response: &ReceivedResponse,
    ) -> Result<PreflightResult, BlockReason> {
        protocol::check_preflight_in(
            self.engine,
            &self.origin,
            self.credentials,
            &self.method,
            &self.headers,
            response.status,
            &response.headers,
        )
    }

    /// The actual request: `Host`, `Origin` (cross-origin, or a same-origin request other
    /// than `GET`/`HEAD`), the script's headers, `Accept: */*` unless set, and `cookie`
    /// when credentials go along.
    pub(crate) fn actual_request(&self, cookie: Option<&str>) -> SentRequest {
        let mut headers = vec![self.host()];
        let sends_origin = !self.same_origin || !matches!(self.method.as_str(), "GET" | "HEAD");
        if sends_origin {
            if let Ok(origin) = HeaderValue::from_str(&self.origin) {
                headers.push((ORIGIN, origin));
            }
        }
        headers.extend(self.headers.iter().cloned());
        if !self.headers.iter().any(|(name, _)| name == ACCEPT) {
            headers.push((ACCEPT, HeaderValue::from_static("*/*")));
        }
        if self.sends_credentials() {
            if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(c).ok()) {
                headers.push((COOKIE, cookie));
            }
        }
        SentRequest {
            method: self.method.clone(),
            url: self.url(),
            headers,
        }
    }

    /// Judges the actual response and filters what the script may read.
    pub(crate) fn outcome(&self, response: &ReceivedResponse) -> FetchOutcome {
        let readable = if self.same_origin {
            response
                .headers
                .iter()
                .filter(|(name, _)| !matches!(name.as_str(), "set-cookie" | "set-cookie2"))
                .cloned()
                .collect()
        } else {
            let credentials = if self.sends_credentials() {
                Credentials::Include
            } else {
                Credentials::Omit
            };
            if let Err(error) = protocol::check_access(&self.origin, credentials, &response.headers)
            {
                return self.blocked(BlockReason::Access(error), response.status);
            }
            protocol::readable_response_headers(credentials, &response.headers)
        };
        let mut headers = HeaderMap::new();
        for (name, value) in readable {
            headers.append(name, value);
        }
        FetchOutcome::Allowed {
            status: StatusCode::from_u16(response.status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers,
            body: response.body.clone(),
        }
    }

    /// Blocked for `reason`, after a response with `status`.
    pub(crate) fn blocked(&self, reason: BlockReason, status: u16) -> FetchOutcome {
        FetchOutcome::Blocked {
            message: self
                .engine
                .console_message(&reason, &self.url(), &self.origin, status),
            reason,
        }
    }

    fn host(&self) -> (HeaderName, HeaderValue) {
        let host = match (self.url.host_str(), self.url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => String::new(),
        };
        (
            HOST,
            HeaderValue::from_str(&host).unwrap_or(HeaderValue::from_static("")),
        )
    }

    pub(crate) fn exchange(request: SentRequest, response: ReceivedResponse) -> Exchange {
        Exchange { request, response }
    }
}

/// Validates script-set headers like `Headers.append` does, drops forbidden ones, and
/// combines repeated names into one `a, b` value at the first name's position.
fn combine_headers(headers: &[(String, String)]) -> Result<HeaderList, InvalidRequest> {
    let mut list: Vec<(HeaderName, String)> = Vec::new();
    for (name, value) in headers {
        let parsed = HeaderName::from_bytes(name.as_bytes())
            .ok()
            .filter(|_| name.bytes().all(protocol::is_tchar))
            .ok_or_else(|| InvalidRequest(format!("'{name}' is not a valid HTTP header name.")))?;
        let value = value.trim_matches([' ', '\t', '\r', '\n']);
        if value.bytes().any(|b| matches!(b, 0 | b'\r' | b'\n')) {
            return Err(InvalidRequest(format!(
                "'{value}' is not a valid HTTP header field value."
            )));
        }
        if protocol::is_forbidden_request_header(name, value) {
            continue;
        }
        match list.iter_mut().find(|(n, _)| *n == parsed) {
            Some((_, existing)) => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            None => list.push((parsed, value.to_owned())),
        }
    }
    list.into_iter()
        .map(|(name, value)| {
            HeaderValue::from_str(&value)
                .map(|value| (name, value))
                .map_err(|_| {
                    InvalidRequest(format!("'{value}' is not a valid HTTP header field value."))
                })
        })
        .collect()
}
