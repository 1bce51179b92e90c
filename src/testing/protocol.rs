//! The browser's side of the CORS protocol, as pure functions over methods, header lists and
//! status codes: no I/O, no actix services.
//!
//! The [simulation](crate::testing::Page) and the `cors-doctor` tool (through
//! [`Page::fetch_with`](crate::testing::Page::fetch_with)) share these functions, so a test and a diagnosis of a live server reach the same verdict. Each
//! follows the WHATWG Fetch standard; where Chromium differs, Chromium's behaviour wins and
//! the item says so.
//!
//! | step of a `fetch()` | function |
//! | --- | --- |
//! | normalise the method | [`normalize_method`] |
//! | does it need a preflight? | [`needs_preflight`] ([`is_cors_safelisted_method`], [`is_cors_safelisted_request_header`], [`cors_unsafe_request_header_names`]) |
//! | build the preflight | [`preflight_request_headers`] |
//! | judge the preflight response | [`check_preflight`] → [`PreflightResult`] |
//! | judge the actual response | [`check_access`] |
//! | what the script may read | [`readable_response_headers`] |

use std::time::Duration;

use actix_web::http::header::{
    HeaderName, HeaderValue, ACCEPT, ACCESS_CONTROL_ALLOW_CREDENTIALS,
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, LOCATION, ORIGIN,
};

use super::{AccessError, BlockReason, Credentials, Engine};
pub(crate) use crate::decision::is_tchar;
use crate::header_names::is_cors_safelisted_response_header_name;

/// A header list in wire order; names may repeat.
pub type HeaderList = Vec<(HeaderName, HeaderValue)>;

/// How long a preflight result is cached when the response has no (valid)
/// `Access-Control-Max-Age` (Fetch: "CORS-preflight cache"; Chromium: 5 s).
pub const DEFAULT_PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(5);

/// Chromium's cap on `Access-Control-Max-Age` (2 hours).
pub const CHROMIUM_MAX_AGE_CAP: Duration = Duration::from_secs(7200);

/// The most bytes a single CORS-safelisted request-header value may have.
pub const MAX_SAFELISTED_VALUE_LEN: usize = 128;

/// The most bytes all CORS-safelisted request-header values together may have before they all
/// count as unsafe (and so appear in `Access-Control-Request-Headers`).
pub const MAX_SAFELISTED_TOTAL_LEN: usize = 1024;

/// Why `fetch()` itself refuses a request (a `TypeError` in JavaScript, before any network
/// traffic).
#[derive(Debug, Clone, PartialEq, Eq, derive_more::Display)]
#[display("{_0}")]
pub struct InvalidRequest(pub(crate) String);

/// Normalises a method the way `fetch()` does: `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST`
/// and `PUT` are uppercased when they match case-insensitively; every other method keeps
/// its case (`patch` stays `patch`, and does not match `PATCH` in
/// `Access-Control-Allow-Methods`).
///
/// # Errors
///
/// Not a token, or one of the forbidden methods `CONNECT`, `TRACE`, `TRACK`.
///
/// ```
/// use actix_scoped_cors::testing::protocol::normalize_method;
///
/// assert_eq!(normalize_method("delete").unwrap(), "DELETE");
/// assert_eq!(normalize_method("patch").unwrap(), "patch");
/// assert!(normalize_method("TRACE").is_err());
/// ```
pub fn normalize_method(method: &str) -> Result<String, InvalidRequest> {
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(InvalidRequest(format!(
            "'{method}' is not a valid HTTP method."
        )));
    }
    let upper = method.to_ascii_uppercase();
    if matches!(upper.as_str(), "CONNECT" | "TRACE" | "TRACK") {
        return Err(InvalidRequest(format!(
            "'{method}' HTTP method is unsupported."
        )));
    }
    if matches!(
        upper.as_str(),
        "DELETE" | "GET" | "HEAD" | "OPTIONS" | "POST" | "PUT"
    ) {
        Ok(upper)
    } else {
        Ok(method.to_owned())
    }
}

/// `GET`, `HEAD` and `POST`: the methods that never need a preflight (byte-exact: the method
/// must already be [normalised](normalize_method)).
///
/// ```
/// use actix_scoped_cors::testing::protocol::is_cors_safelisted_method;
///
/// assert!(is_cors_safelisted_method("POST"));
/// assert!(!is_cors_safelisted_method("PUT"));
/// ```
pub fn is_cors_safelisted_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "POST")
}

/// Whether a script may set this request header at all. `fetch()` silently drops forbidden
/// headers (`Cookie`, `Host`, `Origin`, `Sec-*`, `Proxy-*`, ...); the browser sets them.
///
/// ```
/// use actix_scoped_cors::testing::protocol::is_forbidden_request_header;
///
/// assert!(is_forbidden_request_header("Cookie", "a=b"));
/// assert!(!is_forbidden_request_header("Authorization", "Bearer x"));
/// ```
pub fn is_forbidden_request_header(name: &str, value: &str) -> bool {
    if crate::header_names::is_forbidden_request_header_name(name) {
        return true;
    }
    let name = name.to_ascii_lowercase();
    // Method-override headers are forbidden when they name a forbidden method.
    matches!(
        name.as_str(),
        "x-http-method" | "x-http-method-override" | "x-method-override"
    ) && value.split(',').any(|m| {
        matches!(
            m.trim().to_ascii_uppercase().as_str(),
            "CONNECT" | "TRACE" | "TRACK"
        )
    })
}

/// Whether one request header is CORS-safelisted (Fetch, "CORS-safelisted request-header"):
/// `Accept`, `Accept-Language`, `Content-Language`, `Content-Type` (only
/// `application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`, by parsed MIME
/// essence) and `Range` (a single `bytes=N-` or `bytes=N-M`), each at most 128 bytes.
///
/// ```
/// use actix_scoped_cors::testing::protocol::is_cors_safelisted_request_header;
/// use actix_web::http::header::{HeaderName, HeaderValue};
///
/// let ct = HeaderName::from_static("content-type");
/// assert!(is_cors_safelisted_request_header(
///     &ct,
///     &HeaderValue::from_static("text/plain; charset=utf-8")
/// ));
/// assert!(!is_cors_safelisted_request_header(
///     &ct,
///     &HeaderValue::from_static("application/json")
/// ));
/// ```
pub fn is_cors_safelisted_request_header(name: &HeaderName, value: &HeaderValue) -> bool {
    let value = value.as_bytes();
    if value.len() > MAX_SAFELISTED_VALUE_LEN {
        return false;
    }
    match name.as_str() {
        "accept" => !value.iter().copied().any(is_cors_unsafe_byte),
        "accept-language" | "content-language" => value
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b" *,-.;=".contains(&b)),
        "content-type" => {
            !value.iter().copied().any(is_cors_unsafe_byte)
                && mime_essence(value).is_some_and(|essence| {
                    matches!(
                        essence.as_str(),
                        "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
                    )
                })
        }
        "range" => is_simple_range(value),
        _ => false,
    }
}

/// The names a preflight must ask for, in the request's order (Chromium reports the first
/// one missing from `Access-Control-Allow-Headers` in this order): every header that is not
/// CORS-safelisted, lowercased, plus all the safelisted ones when their values exceed
/// [`MAX_SAFELISTED_TOTAL_LEN`] together. Forbidden headers are ignored (the browser sets
/// them, scripts cannot).
///
/// ```
/// use actix_scoped_cors::testing::protocol::cors_unsafe_request_header_names;
/// use actix_web::http::header::{HeaderName, HeaderValue};
///
/// let headers = vec![
///     (HeaderName::from_static("x-trace"), HeaderValue::from_static("1")),
///     (HeaderName::from_static("accept"), HeaderValue::from_static("*/*")),
///     (HeaderName::from_static("content-type"), HeaderValue::from_static("application/json")),
/// ];
/// assert_eq!(cors_unsafe_request_header_names(&headers), ["x-trace", "content-type"]);
/// ```
pub fn cors_unsafe_request_header_names(headers: &[(HeaderName, HeaderValue)]) -> Vec<String> {
    let mut unsafe_names: Vec<String> = Vec::new();
    let mut safelisted: Vec<String> = Vec::new();
    let mut total = 0;
    for (name, value) in headers {
        if is_forbidden_request_header(name.as_str(), value.to_str().unwrap_or("")) {
            continue;
        }
        let list = if is_cors_safelisted_request_header(name, value) {
            total += value.len();
            &mut safelisted
        } else {
            &mut unsafe_names
        };
        if !list.iter().any(|n| n == name.as_str()) {
            list.push(name.as_str().to_owned());
        }
    }
    if total > MAX_SAFELISTED_TOTAL_LEN {
        for name in safelisted {
            if !unsafe_names.contains(&name) {
                unsafe_names.push(name);
            }
        }
    }
    unsafe_names
}

/// Whether a cross-origin request with this (normalised) method and these headers is
/// preceded by a preflight: a method other than `GET`/`HEAD`/`POST`, or any CORS-unsafe
/// request header.
///
/// ```
/// use actix_scoped_cors::testing::protocol::needs_preflight;
/// use actix_web::http::header::{HeaderName, HeaderValue};
///
/// assert!(!needs_preflight("GET", &[]));
/// assert!(needs_preflight("PUT", &[]));
/// let json = (HeaderName::from_static("content-type"), HeaderValue::from_static("application/json"));
/// assert!(needs_preflight("POST", &[json]));
/// ```
pub fn needs_preflight(method: &str, headers: &[(HeaderName, HeaderValue)]) -> bool {
    !is_cors_safelisted_method(method) || !cors_unsafe_request_header_names(headers).is_empty()
}

/// The headers of the preflight a browser sends before the actual request, in Chromium's
/// order: `Origin`, `Access-Control-Request-Method`, `Access-Control-Request-Headers` (the
/// sorted, lowercased unsafe names joined by `,` without spaces; absent when there are none),
/// `Accept: */*`, `Sec-Fetch-Mode: cors`. Never cookies, never `Authorization`.
///
/// ```
/// use actix_scoped_cors::testing::protocol::preflight_request_headers;
/// use actix_web::http::header::{HeaderName, HeaderValue};
///
/// let headers = vec![
///     (HeaderName::from_static("x-trace"), HeaderValue::from_static("1")),
///     (HeaderName::from_static("authorization"), HeaderValue::from_static("Bearer t")),
/// ];
/// let preflight = preflight_request_headers("https://app.example.com", "PUT", &headers);
/// assert_eq!(preflight[1].1, "PUT");
/// assert_eq!(preflight[2].1, "authorization,x-trace");
/// ```
pub fn preflight_request_headers(
    origin: &str,
    method: &str,
    headers: &[(HeaderName, HeaderValue)],
) -> HeaderList {
    let mut list = HeaderList::new();
    let mut push = |name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            list.push((name, value));
        }
    };
    push(ORIGIN, origin);
    push(ACCESS_CONTROL_REQUEST_METHOD, method);
    let mut names = cors_unsafe_request_header_names(headers);
    if !names.is_empty() {
        names.sort();
        push(ACCESS_CONTROL_REQUEST_HEADERS, &names.join(","));
    }
    push(ACCEPT, "*/*");
    push(HeaderName::from_static("sec-fetch-mode"), "cors");
    list
}

/// The CORS check of a response (Fetch, "CORS check"; Chromium's `CheckAccess`), for the
/// page's serialized `origin`.
///
/// Several `Access-Control-Allow-Origin` lines are combined with `, ` first, as Chromium
/// does, so two lines always fail, even identical ones.
///
/// # Errors
///
/// The [`AccessError`] Chromium would report.
///
/// ```
/// use actix_scoped_cors::testing::{protocol::check_access, AccessError, Credentials};
/// use actix_web::http::header::{HeaderName, HeaderValue};
///
/// let any = vec![(
///     HeaderName::from_static("access-control-allow-origin"),
///     HeaderValue::from_static("*"),
/// )];
/// assert!(check_access("https://app.example.com", Credentials::Omit, &any).is_ok());
/// assert_eq!(
///     check_access("https://app.example.com", Credentials::Include, &any),
///     Err(AccessError::WildcardOriginNotAllowed)
/// );
/// ```
pub fn check_access(
    origin: &str,
    credentials: Credentials,
    response_headers: &[(HeaderName, HeaderValue)],
) -> Result<(), AccessError> {
    let include = credentials == Credentials::Include;
    match combined(response_headers, &ACCESS_CONTROL_ALLOW_ORIGIN) {
        None => return Err(AccessError::MissingAllowOriginHeader),
        Some(value) if value == "*" => {
            // `*` never passes a credentialed request, whatever ACAC says.
            return if include {
                Err(AccessError::WildcardOriginNotAllowed)
            } else {
                Ok(())
            };
        }
        Some(value) if value != origin => {
            return Err(if value.contains([' ', ',']) {
                AccessError::MultipleAllowOriginValues(value)
            } else if value != "null" && url::Url::parse(&value).is_err() {
                AccessError::InvalidAllowOriginValue(value)
            } else {
                AccessError::AllowOriginMismatch(value)
            });
        }
        Some(_) => {}
    }
    if include {
        let credentials = combined(response_headers, &ACCESS_CONTROL_ALLOW_CREDENTIALS);
        if credentials.as_deref() != Some("true") {
            return Err(AccessError::InvalidAllowCredentials(
                credentials.unwrap_or_default(),
            ));
        }
    }
    Ok(())
}

/// Whether a response is a redirect the browser would follow: `301`, `302`, `303`, `307` or
/// `308` with a `Location`. A preflight that gets one fails.
pub fn is_redirect(status: u16, headers: &[(HeaderName, HeaderValue)]) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308) && headers.iter().any(|(n, _)| n == LOCATION)
}

/// A successful preflight response, parsed: what the browser caches and checks the actual
/// request against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightResult {
    credentialed: bool,
    methods: Vec<String>,
    headers: Vec<String>,
    /// `Access-Control-Max-Age` as asked, before any engine's cap.
    requested_max_age: Duration,
}

impl PreflightResult {
    /// The methods of `Access-Control-Allow-Methods`, as sent (case kept).
    pub fn allowed_methods(&self) -> &[String] {
        &self.methods
    }

    /// The header names of `Access-Control-Allow-Headers`, lowercased.
    pub fn allowed_headers(&self) -> &[String] {
        &self.headers
    }

    /// How long Chromium caches this result: `Access-Control-Max-Age` capped at
    /// [`CHROMIUM_MAX_AGE_CAP`], [`DEFAULT_PREFLIGHT_MAX_AGE`] when absent or not a number,
    /// zero when negative.
    pub fn max_age(&self) -> Duration {
        self.max_age_in(Engine::Chromium)
    }

    /// How long `engine` caches this result: `Access-Control-Max-Age` capped at
    /// [`Engine::max_age_cap`], [`DEFAULT_PREFLIGHT_MAX_AGE`] when absent or not a number,
    /// zero when negative.
    pub fn max_age_in(&self, engine: Engine) -> Duration {
        self.requested_max_age.min(engine.max_age_cap())
    }

    /// Whether the preflight was made for a credentialed request (then `*` in the lists is a
    /// literal name, not a wildcard).
    pub fn is_credentialed(&self) -> bool {
        self.credentialed
    }

    /// Checks the actual request's (normalised) method: allowed when listed byte-exactly,
    /// CORS-safelisted, or when the list has `*` and the request is not credentialed.
    ///
    /// # Errors
    ///
    /// [`BlockReason::MethodDisallowed`] with the method.
    pub fn check_method(&self, method: &str) -> Result<(), BlockReason> {
        let allowed = self.methods.iter().any(|m| m == method)
            || is_cors_safelisted_method(method)
            || (!self.credentialed && self.methods.iter().any(|m| m == "*"));
        if allowed {
            Ok(())
        } else {
            Err(BlockReason::MethodDisallowed(method.to_owned()))
        }
    }

    /// Checks the actual request's headers: each CORS-unsafe name must be listed
    /// (case-insensitively), or covered by `*` when not credentialed; `*` never covers
    /// `authorization`.
    ///
    /// # Errors
    ///
    /// [`BlockReason::HeaderDisallowed`] with the first name not allowed (lowercase).
    pub fn check_headers(&self, headers: &[(HeaderName, HeaderValue)]) -> Result<(), BlockReason> {
        let listed = |name: &str| self.headers.iter().any(|h| h == name);
        if !self.credentialed && listed("*") {
            let authorization = headers.iter().any(|(n, _)| n == "authorization");
            return if authorization && !listed("authorization") {
                Err(BlockReason::HeaderDisallowed("authorization".to_owned()))
            } else {
                Ok(())
            };
        }
        match cors_unsafe_request_header_names(headers)
            .into_iter()
            .find(|name| !listed(name))
        {
            Some(name) => Err(BlockReason::HeaderDisallowed(name)),
            None => Ok(()),
        }
    }

    /// Whether a cached result lets a request skip its preflight (Chromium's
    /// `EnsureAllowedRequest`): a result from an uncredentialed preflight never serves a
    /// credentialed request.
    pub fn allows(
        &self,
        credentials: Credentials,
        method: &str,
        headers: &[(HeaderName, HeaderValue)],
    ) -> bool {
        if !self.credentialed && credentials == Credentials::Include {
            return false;
        }
        self.check_method(method).is_ok() && self.check_headers(headers).is_ok()
    }
}

/// Judges a preflight response the way Chromium does, in its order: a redirect fails; then
/// the CORS check (`Access-Control-Allow-Origin`, and `-Credentials` for a credentialed
/// request); then the status (2xx); then the syntax of `Access-Control-Allow-Methods` and
/// `-Headers`; then the actual request's method and headers against them.
///
/// `credentials` is the *actual* request's mode: the preflight itself never carries
/// credentials, but its answer must allow them.
///
/// # Errors
///
/// The [`BlockReason`] Chromium would report.
///
/// ```
/// use actix_scoped_cors::testing::{protocol::check_preflight, BlockReason, Credentials};
/// use actix_web::http::header::{HeaderName, HeaderValue};
///
/// let response = vec![
///     (HeaderName::from_static("access-control-allow-origin"), HeaderValue::from_static("https://app.example.com")),
///     (HeaderName::from_static("access-control-allow-methods"), HeaderValue::from_static("GET, PUT")),
/// ];
/// let result = check_preflight("https://app.example.com", Credentials::Omit, "PUT", &[], 204, &response);
/// assert!(result.is_ok());
/// let refused = check_preflight("https://app.example.com", Credentials::Omit, "PATCH", &[], 204, &response);
/// assert_eq!(refused, Err(BlockReason::MethodDisallowed("PATCH".into())));
/// ```
pub fn check_preflight(
    origin: &str,
    credentials: Credentials,
    method: &str,
    request_headers: &[(HeaderName, HeaderValue)],
    status: u16,
    response_headers: &[(HeaderName, HeaderValue)],
) -> Result<PreflightResult, BlockReason> {
    check_preflight_in(
        Engine::Chromium,
        origin,
        credentials,
        method,
        request_headers,
        status,
        response_headers,
    )
}

/// [`check_preflight`] in `engine`'s order: WebKit judges the status before the CORS check
/// ([`Engine::checks_preflight_status_first`]); Chromium and Firefox after it.
///
/// # Errors
///
/// The [`BlockReason`] `engine` would report.
///
/// ```
/// use actix_scoped_cors::testing::{protocol::check_preflight_in, BlockReason, Credentials, Engine};
///
/// let bare_403 = check_preflight_in(Engine::WebKit, "https://app.example.com", Credentials::Omit, "PUT", &[], 403, &[]);
/// assert_eq!(bare_403, Err(BlockReason::PreflightInvalidStatus(403)));
/// ```
pub fn check_preflight_in(
    engine: Engine,
    origin: &str,
    credentials: Credentials,
    method: &str,
    request_headers: &[(HeaderName, HeaderValue)],
    status: u16,
    response_headers: &[(HeaderName, HeaderValue)],
) -> Result<PreflightResult, BlockReason> {
    if is_redirect(status, response_headers) {
        return Err(BlockReason::PreflightDisallowedRedirect);
    }
    let ok_status = || {
        if (200..=299).contains(&status) {
            Ok(())
        } else {
            Err(BlockReason::PreflightInvalidStatus(status))
        }
    };
    if engine.checks_preflight_status_first() {
        ok_status()?;
    }
    check_access(origin, credentials, response_headers).map_err(BlockReason::PreflightAccess)?;
    ok_status()?;
    let methods = parse_allow_list(
        combined(response_headers, &ACCESS_CONTROL_ALLOW_METHODS),
        false,
    )
    .ok_or(BlockReason::InvalidAllowMethods)?;
    let headers = parse_allow_list(
        combined(response_headers, &ACCESS_CONTROL_ALLOW_HEADERS),
        true,
    )
    .ok_or(BlockReason::InvalidAllowHeaders)?;
    let result = PreflightResult {
        credentialed: credentials == Credentials::Include,
        methods,
        headers,
        requested_max_age: parse_max_age(
            combined(response_headers, &ACCESS_CONTROL_MAX_AGE).as_deref(),
        ),
    };
    result.check_method(method)?;
    result.check_headers(request_headers)?;
    Ok(result)
}

/// The response headers a script may read after a successful CORS fetch: the
/// CORS-safelisted response headers (`Cache-Control`, `Content-Language`, `Content-Length`,
/// `Content-Type`, `Expires`, `Last-Modified`, `Pragma`) and those named in
/// `Access-Control-Expose-Headers` (`*` exposes all, only when not credentialed).
/// `Set-Cookie` and `Set-Cookie2` never.
///
/// ```
/// use actix_scoped_cors::testing::{protocol::readable_response_headers, Credentials};
/// use actix_web::http::header::{HeaderName, HeaderValue};
///
/// let response = vec![
///     (HeaderName::from_static("content-type"), HeaderValue::from_static("text/plain")),
///     (HeaderName::from_static("x-request-id"), HeaderValue::from_static("7")),
///     (HeaderName::from_static("x-secret"), HeaderValue::from_static("s")),
///     (HeaderName::from_static("access-control-expose-headers"), HeaderValue::from_static("X-Request-Id")),
/// ];
/// let readable = readable_response_headers(Credentials::Include, &response);
/// let names: Vec<_> = readable.iter().map(|(n, _)| n.as_str()).collect();
/// assert_eq!(names, ["content-type", "x-request-id"]);
/// ```
pub fn readable_response_headers(
    credentials: Credentials,
    response_headers: &[(HeaderName, HeaderValue)],
) -> HeaderList {
    let exposed = parse_allow_list(
        combined(response_headers, &ACCESS_CONTROL_EXPOSE_HEADERS),
        true,
    )
    .unwrap_or_default();
    let all = credentials != Credentials::Include && exposed.iter().any(|n| n == "*");
    response_headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "set-cookie" | "set-cookie2"))
        .filter(|(name, _)| {
            all || is_cors_safelisted_response_header_name(name.as_str())
                || exposed.iter().any(|n| n == name.as_str())
        })
        .cloned()
        .collect()
}

/// All values of `name`, joined by `, ` as Chromium's `GetNormalizedHeader` does; `None`
/// when absent. Bytes that are not UTF-8 are replaced (they never equal a valid origin).
pub(crate) fn combined(headers: &[(HeaderName, HeaderValue)], name: &HeaderName) -> Option<String> {
    let mut values = headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .peekable();
    values.peek()?;
    Some(values.collect::<Vec<_>>().join(", "))
}

/// Parses an `Access-Control-Allow-*` / `-Expose-Headers` list: comma-separated tokens,
/// whitespace and empty elements ignored. `None` when an element is not a token (Chromium
/// then fails the preflight).
fn parse_allow_list(value: Option<String>, lowercase: bool) -> Option<Vec<String>> {
    let Some(value) = value else {
        return Some(Vec::new());
    };
    let mut list = Vec::new();
    for item in value.split(',').map(|s| s.trim_matches([' ', '\t'])) {
        if item.is_empty() {
            continue;
        }
        if !item.bytes().all(is_tchar) {
            return None;
        }
        list.push(if lowercase {
            item.to_ascii_lowercase()
        } else {
            item.to_owned()
        });
    }
    Some(list)
}

/// Chromium's `ParseAccessControlMaxAge`, before the cap (the engine's, see
/// [`PreflightResult::max_age_in`]).
fn parse_max_age(value: Option<&str>) -> Duration {
    let Some(seconds) = value.and_then(|v| v.parse::<i64>().ok()) else {
        return DEFAULT_PREFLIGHT_MAX_AGE;
    };
    match u64::try_from(seconds) {
        Err(_) => Duration::ZERO,
        Ok(seconds) => Duration::from_secs(seconds),
    }
}

/// Fetch's "CORS-unsafe request-header byte".
fn is_cors_unsafe_byte(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f || b"\"():<>?@[\\]{}".contains(&b)
}

/// The lowercased `type/subtype` of a MIME type, parameters ignored (Fetch relies on the
/// MIME Sniffing standard's "parse a MIME type").
fn mime_essence(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?;
    let text = text.trim_matches(is_http_whitespace);
    let (kind, rest) = text.split_once('/')?;
    let subtype = rest.split(';').next()?.trim_end_matches(is_http_whitespace);
    let is_token = |s: &str| !s.is_empty() && s.bytes().all(is_tchar);
    (is_token(kind) && is_token(subtype)).then(|| format!("{kind}/{subtype}").to_ascii_lowercase())
}

/// `bytes=N-` or `bytes=N-M` with `N <= M` (Fetch, "simple range header value", with the
/// start required for safelisting).
fn is_simple_range(value: &[u8]) -> bool {
    let Some(range) = value.strip_prefix(b"bytes=") else {
        return false;
    };
    let Some(dash) = range.iter().position(|&b| b == b'-') else {
        return false;
    };
    let (start, end) = (&range[..dash], &range[dash + 1..]);
    let number = |digits: &[u8]| -> Option<u64> {
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    let Some(start) = number(start) else {
        return false;
    };
    end.is_empty() || number(end).is_some_and(|end| start <= end)
}

fn is_http_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &'static str, value: &'static str) -> (HeaderName, HeaderValue) {
        (
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        )
    }

    #[test]
    fn only_six_methods_are_uppercased() {
        for (input, normalised) in [
            ("get", "GET"),
            ("Put", "PUT"),
            ("options", "OPTIONS"),
            ("patch", "patch"),
            ("PATCH", "PATCH"),
            ("purge", "purge"),
        ] {
            assert_eq!(normalize_method(input).unwrap(), normalised, "{input}");
        }
        assert!(normalize_method("track").is_err());
        assert!(normalize_method("GE T").is_err());
    }

    #[test]
    fn content_type_is_safelisted_by_parsed_essence() {
        let ct = HeaderName::from_static("content-type");
        for (value, safe) in [
            ("text/plain", true),
            ("TEXT/Plain ; charset=utf-8", true),
            ("multipart/form-data; boundary=x", true),
            ("application/x-www-form-urlencoded", true),
            ("application/json", false),
            ("text/plain; charset=\"utf-8\"", false),
            ("text/plain, application/json", false),
            ("text", false),
        ] {
            let value = HeaderValue::from_static(value);
            assert_eq!(
                is_cors_safelisted_request_header(&ct, &value),
                safe,
                "{value:?}"
            );
        }
    }

    #[test]
    fn range_is_safelisted_only_for_a_single_simple_range() {
        let range = HeaderName::from_static("range");
        for (value, safe) in [
            ("bytes=0-", true),
            ("bytes=10-20", true),
            ("bytes=20-10", false),
            ("bytes=-500", false),
            ("bytes=0-1,5-6", false),
            ("items=0-1", false),
        ] {
            let value = HeaderValue::from_static(value);
            assert_eq!(
                is_cors_safelisted_request_header(&range, &value),
                safe,
                "{value:?}"
            );
        }
    }

    #[test]
    fn long_values_make_safelisted_headers_unsafe() {
        let long: &'static str = Box::leak("a".repeat(129).into_boxed_str());
        assert_eq!(
            cors_unsafe_request_header_names(&[h("accept", long)]),
            ["accept"]
        );
        let medium: &'static str = Box::leak("a".repeat(120).into_boxed_str());
        let many: Vec<_> = ["accept", "accept-language", "content-language"]
            .iter()
            .map(|name| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(medium),
                )
            })
            .collect();
        // 360 bytes together: fine. Language values with 'a' only are valid.
        assert!(cors_unsafe_request_header_names(&many).is_empty());
    }

    #[test]
    fn preflight_asks_for_sorted_lowercase_names_without_spaces() {
        let headers = [
            h("x-b", "1"),
            h("content-type", "application/json"),
            h("accept", "*/*"),
            h("x-a", "2"),
        ];
        let preflight = preflight_request_headers("https://app.example.com", "POST", &headers);
        assert_eq!(
            combined(&preflight, &ACCESS_CONTROL_REQUEST_HEADERS).unwrap(),
            "content-type,x-a,x-b"
        );
    }

    #[test]
    fn cors_check_matches_chromium() {
        let origin = "https://app.example.com";
        let acao = |v: &'static str| h("access-control-allow-origin", v);
        let acac = h("access-control-allow-credentials", "true");
        assert_eq!(
            check_access(origin, Credentials::Omit, &[]),
            Err(AccessError::MissingAllowOriginHeader)
        );
        assert_eq!(
            check_access(origin, Credentials::Omit, &[acao(origin), acao(origin)]),
            Err(AccessError::MultipleAllowOriginValues(format!(
                "{origin}, {origin}"
            )))
        );
        assert_eq!(
            check_access(
                origin,
                Credentials::Omit,
                &[acao("https://app.example.com/")]
            ),
            Err(AccessError::AllowOriginMismatch(
                "https://app.example.com/".into()
            ))
        );
        assert_eq!(
            check_access(origin, Credentials::Omit, &[acao("app.example.com")]),
            Err(AccessError::InvalidAllowOriginValue(
                "app.example.com".into()
            ))
        );
        assert_eq!(
            check_access(origin, Credentials::Include, &[acao(origin)]),
            Err(AccessError::InvalidAllowCredentials(String::new()))
        );
        assert_eq!(
            check_access(
                origin,
                Credentials::Include,
                &[acao(origin), h("access-control-allow-credentials", "True")]
            ),
            Err(AccessError::InvalidAllowCredentials("True".into()))
        );
        assert!(check_access(origin, Credentials::Include, &[acao(origin), acac]).is_ok());
        // `same-origin` credentials on a cross-origin request send none: `*` passes.
        assert!(check_access(origin, Credentials::SameOrigin, &[acao("*")]).is_ok());
    }

    #[test]
    fn preflight_checks_run_in_chromium_order() {
        let origin = "https://app.example.com";
        let acao = h("access-control-allow-origin", origin);
        // Missing ACAO is reported before a bad status.
        assert_eq!(
            check_preflight(origin, Credentials::Omit, "PUT", &[], 401, &[]),
            Err(BlockReason::PreflightAccess(
                AccessError::MissingAllowOriginHeader
            ))
        );
        assert_eq!(
            check_preflight(
                origin,
                Credentials::Omit,
                "PUT",
                &[],
                401,
                std::slice::from_ref(&acao)
            ),
            Err(BlockReason::PreflightInvalidStatus(401))
        );
        assert_eq!(
            check_preflight(
                origin,
                Credentials::Omit,
                "PUT",
                &[],
                308,
                &[h("location", "/x/")]
            ),
            Err(BlockReason::PreflightDisallowedRedirect)
        );
        assert_eq!(
            check_preflight(
                origin,
                Credentials::Omit,
                "PUT",
                &[],
                204,
                &[acao.clone(), h("access-control-allow-methods", "GET PUT")]
            ),
            Err(BlockReason::InvalidAllowMethods)
        );
    }

    #[test]
    fn wildcards_are_literal_with_credentials_and_never_cover_authorization() {
        let origin = "https://app.example.com";
        let response = [
            h("access-control-allow-origin", origin),
            h("access-control-allow-credentials", "true"),
            h("access-control-allow-methods", "*"),
            h("access-control-allow-headers", "*"),
        ];
        let custom = [h("x-custom", "1")];
        assert!(
            check_preflight(origin, Credentials::Omit, "PATCH", &custom, 204, &response).is_ok()
        );
        assert_eq!(
            check_preflight(origin, Credentials::Include, "PATCH", &[], 204, &response),
            Err(BlockReason::MethodDisallowed("PATCH".into()))
        );
        assert_eq!(
            check_preflight(origin, Credentials::Include, "GET", &custom, 204, &response),
            Err(BlockReason::HeaderDisallowed("x-custom".into()))
        );
        let auth = [h("authorization", "Bearer t")];
        assert_eq!(
            check_preflight(origin, Credentials::Omit, "GET", &auth, 204, &response),
            Err(BlockReason::HeaderDisallowed("authorization".into()))
        );
    }

    #[test]
    fn lowercase_patch_does_not_match_uppercase_acam() {
        let origin = "https://app.example.com";
        let response = [
            h("access-control-allow-origin", origin),
            h("access-control-allow-methods", "PATCH"),
        ];
        assert_eq!(
            check_preflight(origin, Credentials::Omit, "patch", &[], 204, &response),
            Err(BlockReason::MethodDisallowed("patch".into()))
        );
    }

    #[test]
    fn max_age_is_capped_per_engine() {
        let result = |seconds: &str| PreflightResult {
            credentialed: false,
            methods: Vec::new(),
            headers: Vec::new(),
            requested_max_age: parse_max_age(Some(seconds)),
        };
        let day = result("86400");
        assert_eq!(day.max_age(), CHROMIUM_MAX_AGE_CAP);
        assert_eq!(day.max_age_in(Engine::Firefox), Duration::from_secs(86400));
        assert_eq!(day.max_age_in(Engine::WebKit), Duration::from_secs(600));
        assert_eq!(
            result("100000").max_age_in(Engine::Firefox),
            Duration::from_secs(86400)
        );
        assert_eq!(result("0").max_age_in(Engine::WebKit), Duration::ZERO);
    }

    #[test]
    fn max_age_follows_chromium() {
        assert_eq!(parse_max_age(None), Duration::from_secs(5));
        assert_eq!(parse_max_age(Some("abc")), Duration::from_secs(5));
        assert_eq!(parse_max_age(Some("-1")), Duration::ZERO);
        assert_eq!(parse_max_age(Some("600")), Duration::from_secs(600));
        assert_eq!(parse_max_age(Some("86400")), Duration::from_secs(86400));
    }

    #[test]
    fn exposed_headers_follow_credentials_mode() {
        let response = [
            h("x-one", "1"),
            h("set-cookie", "a=b"),
            h("content-length", "0"),
            h("access-control-expose-headers", "*"),
        ];
        let names = |c| -> Vec<String> {
            readable_response_headers(c, &response)
                .into_iter()
                .map(|(n, _)| n.as_str().to_owned())
                .collect()
        };
        assert_eq!(
            names(Credentials::Omit),
            ["x-one", "content-length", "access-control-expose-headers"]
        );
        assert_eq!(names(Credentials::Include), ["content-length"]);
    }
}
