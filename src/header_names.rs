//! The protocol's vocabulary: header names the Fetch standard sets apart, in one place for
//! the policy compiler (which refuses to allow or expose them) and the testing simulation
//! (which drops or reads them as a browser does), and the static header values every
//! policy sends.

use actix_web::http::header::{HeaderName, HeaderValue};

/// `Access-Control-Request-Private-Network` (Private Network Access draft).
pub(crate) const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
/// `Access-Control-Allow-Private-Network` (Private Network Access draft).
pub(crate) const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

pub(crate) const ANY: HeaderValue = HeaderValue::from_static("*");
pub(crate) const TRUE: HeaderValue = HeaderValue::from_static("true");
pub(crate) const VARY_ORIGIN: HeaderValue = HeaderValue::from_static("Origin");
/// A preflight's answer depends on all three request headers (Fetch, "CORS protocol and
/// HTTP caches").
pub(crate) const VARY_PREFLIGHT: HeaderValue = HeaderValue::from_static(
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
);
/// `*` with `authorization` added: `*` never covers it (Fetch, "CORS-preflight fetch").
pub(crate) const ANY_AND_AUTHORIZATION: HeaderValue = HeaderValue::from_static("*, authorization");

/// The forbidden request-header names (Fetch, "forbidden request-header"), lowercase. Names
/// starting with `proxy-` or `sec-` are forbidden too; see [`is_forbidden_request_header_name`].
const FORBIDDEN_REQUEST_HEADER_NAMES: &[&str] = &[
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];

/// The CORS-safelisted response-header names (Fetch, "CORS-safelisted response-header
/// name"), lowercase: scripts can always read them, exposed or not.
const CORS_SAFELISTED_RESPONSE_HEADER_NAMES: &[&str] = &[
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// Whether scripts are never allowed to set a request header of this name, whatever its
/// value: the browser sets it itself (Fetch, "forbidden request-header"). Case-insensitive.
///
/// The method-override headers (`X-HTTP-Method-Override`, ...) are forbidden only for some
/// values, so they are not names this function refuses.
pub(crate) fn is_forbidden_request_header_name(name: &str) -> bool {
    let has_prefix = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    FORBIDDEN_REQUEST_HEADER_NAMES
        .iter()
        .any(|forbidden| forbidden.eq_ignore_ascii_case(name))
        || has_prefix("proxy-")
        || has_prefix("sec-")
}

/// Whether scripts may always read a response header of this name (Fetch, "CORS-safelisted
/// response-header name"). Case-insensitive.
pub(crate) fn is_cors_safelisted_response_header_name(name: &str) -> bool {
    CORS_SAFELISTED_RESPONSE_HEADER_NAMES
        .iter()
        .any(|safelisted| safelisted.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_request_header_names_match_case_insensitively_and_by_prefix() {
        for (name, forbidden) in [
            ("cookie", true),
            ("Cookie", true),
            ("HOST", true),
            ("proxy-authorization", true),
            ("Proxy-Connection", true),
            ("sec-fetch-mode", true),
            ("Sec-CH-UA", true),
            ("proxy", false),
            ("sec", false),
            ("secret", false),
            ("x-host", false),
            ("authorization", false),
            ("x-http-method-override", false),
            ("", false),
        ] {
            assert_eq!(is_forbidden_request_header_name(name), forbidden, "{name}");
        }
    }

    #[test]
    fn safelisted_response_header_names_match_case_insensitively() {
        for (name, safelisted) in [
            ("content-type", true),
            ("Cache-Control", true),
            ("PRAGMA", true),
            ("content-encoding", false),
            ("set-cookie", false),
            ("x-request-id", false),
        ] {
            assert_eq!(
                is_cors_safelisted_response_header_name(name),
                safelisted,
                "{name}"
            );
        }
    }
}
