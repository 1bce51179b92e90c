//! A browser-faithful simulation of `fetch()` for your own tests, and the protocol rules it
//! is built from.
//!
//! A [`Page`] plays a web page at some origin. [`Page::fetch`] sends a [`FetchRequest`] to any
//! actix service (what [`actix_web::test::init_service`] returns) and does what Chromium
//! (or Firefox or WebKit, see [Other engines](#other-engines)) does: same-origin or
//! cross-origin, preflight or not, the preflight exactly as Chromium builds it, its checks in
//! the engine's order, the preflight cache, the actual request, the CORS check, and the
//! response headers the script may read. The [`FetchReport`] says what the script would see
//! ([`FetchOutcome`]), with the engine's console message when it is blocked, and the raw
//! exchanges.
//!
//! ```
//! use actix_scoped_cors::{
//!     testing::{Credentials, FetchRequest, Page},
//!     Cors,
//! };
//! use actix_web::{test, web, App, HttpResponse};
//!
//! # actix_web::rt::System::new().block_on(async {
//! let app = test::init_service(
//!     App::new().service(
//!         web::scope("/api")
//!             .wrap(Cors::strict(["https://app.example.com"]))
//!             .route("/items", web::put().to(HttpResponse::Ok)),
//!     ),
//! )
//! .await;
//!
//! let page = Page::new("https://app.example.com");
//! let put = FetchRequest::put("https://api.example.com/api/items")
//!     .header("Content-Type", "application/json")
//!     .credentials(Credentials::Include)
//!     .body(r#"{"name":"pen"}"#);
//! let report = page.fetch(&app, put.clone()).await;
//! assert!(report.is_allowed());
//! assert!(report.preflight_sent());
//!
//! // Another origin is blocked, with the message Chromium would print.
//! let evil = Page::new("https://evil.example.net");
//! let report = evil.fetch(&app, put).await;
//! assert!(report.console_message().unwrap().contains(
//!     "Response to preflight request doesn't pass access control check: \
//!      No 'Access-Control-Allow-Origin' header is present on the requested resource."
//! ));
//! # });
//! ```
//!
//! The [`protocol`] module holds the rules as pure functions over methods, header lists and
//! status codes. [`Page::fetch_with`] runs the same fetch over any transport: the
//! `cors-doctor` tool of this repository uses it to check live servers over http and https.
//!
//! # Other engines
//!
//! [`Page::with_engine`] makes the page behave like Firefox or WebKit where they differ from
//! Chromium: the `Access-Control-Max-Age` cap ([`Engine::max_age_cap`]), the order of the
//! preflight checks (WebKit judges the status first:
//! [`Engine::checks_preflight_status_first`]), the `TypeError` text and the console message
//! ([`Engine::console_message`]). Everything else the crate's browser suite observed is the
//! same in the three engines. Not modelled: Firefox's second console line after a failed
//! preflight (`CORS request did not succeed`), and its preflight cache, which the suite saw
//! reused in some runs and bypassed in others.
//!
//! # Differences from Chromium
//!
//! - Redirects of the actual request are not followed: the 3xx response is CORS-checked and
//!   returned as it is.
//! - Cookies are a single jar per page ([`Page::with_cookie`]), sent to every URL when the
//!   credentials mode allows; no `Set-Cookie` processing, no `SameSite`.
//! - The service cannot tell `https` from `http` (actix-web's test requests have no TLS),
//!   and headers Chromium adds for other reasons (`User-Agent`, `Referer`, other `Sec-*`)
//!   are not sent.
//! - Private Network Access and `mode: 'no-cors'` are not modelled.

use actix_web::{
    http::{header::HeaderMap, header::HeaderValue, StatusCode},
    web::Bytes,
};

mod engine;
mod exchange;
mod flow;
mod reason;
mod simulation;

pub mod protocol;

/// The pure decision core the middleware runs, for tests that judge a request head without
/// a server (and for the crate's fuzz targets), with the bounds it applies.
pub use crate::{
    decision::{
        decide, AllowOrigin, Decision, Explanation, PreflightGrant, PreflightRefusal,
        MAX_REQUEST_HEADERS_LEN, MAX_REQUEST_HEADER_NAMES,
    },
    origin::MAX_ORIGIN_LEN,
};

pub use self::{
    engine::Engine,
    exchange::{Exchange, ReceivedResponse, SentRequest},
    reason::{AccessError, BlockReason},
    simulation::Page,
};

/// The `credentials` option of `fetch()`: whether cookies (and HTTP authentication) go
/// with the request, and so whether the response must allow credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Credentials {
    /// `'omit'`: never.
    Omit,
    /// `'same-origin'` (the default): only to the page's own origin. A cross-origin request
    /// in this mode is not credentialed.
    #[default]
    SameOrigin,
    /// `'include'`: always. A cross-origin response then needs
    /// `Access-Control-Allow-Credentials: true` and must not answer `*`.
    Include,
}

/// What a script passes to `fetch(url, { method, headers, credentials, body })`.
///
/// `url` is absolute (`https://api.example.com/api/me`) or relative to the page
/// (`/api/me`, which makes the request same-origin).
///
/// ```
/// use actix_scoped_cors::testing::{Credentials, FetchRequest};
///
/// let request = FetchRequest::new("PATCH", "https://api.example.com/api/items/1")
///     .header("Authorization", "Bearer t")
///     .header("Content-Type", "application/json")
///     .credentials(Credentials::Include)
///     .body(r#"{"name":"pen"}"#);
/// # drop(request);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) credentials: Credentials,
    pub(crate) body: Option<Bytes>,
}

impl FetchRequest {
    /// A request with any method; it is normalised as `fetch()` does (see
    /// [`protocol::normalize_method`]): `"delete"` becomes `DELETE`, `"patch"` stays `patch`.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        FetchRequest {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            credentials: Credentials::default(),
            body: None,
        }
    }

    /// A `GET` request.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new("GET", url)
    }

    /// A `POST` request.
    pub fn post(url: impl Into<String>) -> Self {
        Self::new("POST", url)
    }

    /// A `PUT` request.
    pub fn put(url: impl Into<String>) -> Self {
        Self::new("PUT", url)
    }

    /// A `DELETE` request.
    pub fn delete(url: impl Into<String>) -> Self {
        Self::new("DELETE", url)
    }

    /// A `PATCH` request (uppercase, as scripts should write it).
    pub fn patch(url: impl Into<String>) -> Self {
        Self::new("PATCH", url)
    }

    /// Adds a request header. Repeated names are combined (`a, b`), as `Headers.append`
    /// does; forbidden names (`Cookie`, `Origin`, `Host`, `Sec-*`, ...) are dropped, as
    /// `fetch()` does.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The `credentials` mode; `same-origin` by default.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// A body, sent as it is, with no `Content-Type` added (like a `Blob` without type or
    /// an `ArrayBuffer`). `GET` and `HEAD` cannot have one.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// A string body: like `body`, and `Content-Type: text/plain;charset=UTF-8` unless a
    /// `Content-Type` is set, as `fetch()` does for strings.
    pub fn text(mut self, body: impl Into<String>) -> Self {
        if !self
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        {
            self.headers
                .push(("Content-Type".into(), "text/plain;charset=UTF-8".into()));
        }
        self.body = Some(Bytes::from(body.into()));
        self
    }
}

/// What the script sees.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// The promise resolves with a response.
    Allowed {
        /// The response status.
        status: StatusCode,
        /// Only the headers the script may read (`response.headers`).
        headers: HeaderMap,
        /// The body.
        body: Bytes,
    },
    /// The promise rejects with `TypeError: Failed to fetch`, and Chromium prints `message`
    /// in the console.
    Blocked {
        /// Why.
        reason: BlockReason,
        /// The console message, e.g. `Access to fetch at 'http://api.test/api/me' from
        /// origin 'http://app.test' has been blocked by CORS policy: ...`.
        message: String,
    },
    /// `fetch()` throws before sending anything (forbidden method, `GET` with a body, an
    /// invalid header or URL), the request is mixed content (an `https` page fetching an
    /// `http` URL whose host is not loopback: every engine blocks it before CORS, with its
    /// [`Engine::type_error_message`]), or the body could not be read.
    TypeError {
        /// The error message.
        message: String,
    },
}

/// Whether a preflight preceded the actual request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preflight {
    /// Same-origin, or a simple cross-origin request.
    NotNeeded,
    /// Needed, and skipped thanks to the page's preflight cache.
    Cached,
    /// Sent; the exchange as it happened.
    Sent(Exchange),
}

/// Everything about one fetch: what the script sees, and what went over the wire.
#[derive(Debug, Clone)]
pub struct FetchReport {
    /// The absolute URL.
    pub url: String,
    /// The page's serialized origin.
    pub origin: String,
    /// Whether the URL has the page's origin (then CORS does not apply).
    pub same_origin: bool,
    /// The preflight, if one was needed.
    pub preflight: Preflight,
    /// The actual request and response, if the request was sent.
    pub actual: Option<Exchange>,
    /// What the script sees.
    pub outcome: FetchOutcome,
}

impl FetchReport {
    /// Whether the script gets a response.
    pub fn is_allowed(&self) -> bool {
        matches!(self.outcome, FetchOutcome::Allowed { .. })
    }

    /// Whether a preflight went over the wire (not when it was cached).
    pub fn preflight_sent(&self) -> bool {
        matches!(self.preflight, Preflight::Sent(_))
    }

    /// The preflight exchange, if one was sent.
    pub fn preflight_exchange(&self) -> Option<&Exchange> {
        match &self.preflight {
            Preflight::Sent(exchange) => Some(exchange),
            _ => None,
        }
    }

    /// The status the script sees, when allowed.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.outcome {
            FetchOutcome::Allowed { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A response header the script can read (`response.headers.get(name)`).
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        match &self.outcome {
            FetchOutcome::Allowed { headers, .. } => headers.get(name),
            _ => None,
        }
    }

    /// The body the script can read, when allowed.
    pub fn body(&self) -> Option<&Bytes> {
        match &self.outcome {
            FetchOutcome::Allowed { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Why the browser blocked the fetch, if it did.
    pub fn block_reason(&self) -> Option<&BlockReason> {
        match &self.outcome {
            FetchOutcome::Blocked { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// Chromium's console message, if blocked.
    pub fn console_message(&self) -> Option<&str> {
        match &self.outcome {
            FetchOutcome::Blocked { message, .. } => Some(message),
            _ => None,
        }
    }
}

impl std::fmt::Display for FetchReport {
    /// The exchanges, `curl -v` style, then the verdict.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.same_origin {
            "same-origin"
        } else {
            "cross-origin"
        };
        writeln!(f, "fetch {} from {} ({kind})", self.url, self.origin)?;
        match &self.preflight {
            Preflight::NotNeeded => writeln!(f, "\nno preflight needed")?,
            Preflight::Cached => writeln!(f, "\npreflight skipped: cached")?,
            Preflight::Sent(exchange) => write!(f, "\npreflight:\n{exchange}")?,
        }
        match &self.actual {
            Some(exchange) => write!(f, "\nactual request:\n{exchange}")?,
            None => writeln!(f, "\nactual request: not sent")?,
        }
        match &self.outcome {
            FetchOutcome::Allowed { status, .. } => {
                writeln!(
                    f,
                    "\nverdict: allowed (the script reads status {})",
                    status.as_u16()
                )
            }
            FetchOutcome::Blocked { message, .. } => writeln!(f, "\nverdict: blocked\n{message}"),
            FetchOutcome::TypeError { message } => writeln!(f, "\nverdict: TypeError: {message}"),
        }
    }
}
