//! Header names the Fetch standard sets apart, in one place for the policy builder (which
//! refuses to allow or expose them) and the testing simulation (which drops or reads them as
//! a browser does).

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
