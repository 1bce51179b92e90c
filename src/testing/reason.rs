//! Why a browser blocks a CORS fetch, worded like Chromium's console
//! (`third_party/blink/renderer/platform/loader/cors/cors_error_string.cc`).

use std::fmt;

/// A failed CORS check (Fetch, "CORS check") on a response: the problem with
/// `Access-Control-Allow-Origin` or `Access-Control-Allow-Credentials`.
///
/// Chromium's error names; the `String` is the offending header value as the browser saw it
/// (several lines joined by `, `).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccessError {
    /// `Access-Control-Allow-Origin: *` on a credentialed request.
    WildcardOriginNotAllowed,
    /// No `Access-Control-Allow-Origin`.
    MissingAllowOriginHeader,
    /// `Access-Control-Allow-Origin` sent twice, or holding a list.
    MultipleAllowOriginValues(String),
    /// `Access-Control-Allow-Origin` is not an origin at all.
    InvalidAllowOriginValue(String),
    /// `Access-Control-Allow-Origin` names another origin (or differs by a byte: trailing
    /// slash, case, default port).
    AllowOriginMismatch(String),
    /// A credentialed request without `Access-Control-Allow-Credentials: true` (exactly);
    /// the value seen, empty when absent.
    InvalidAllowCredentials(String),
}

/// Why a browser blocked a fetch. Its [`Display`](fmt::Display) is what Chromium's console
/// prints after "has been blocked by CORS policy: "; [`BlockReason::console_message`] gives
/// the whole line.
///
/// ```
/// use actix_scoped_cors::testing::{AccessError, BlockReason};
///
/// let reason = BlockReason::PreflightAccess(AccessError::MissingAllowOriginHeader);
/// assert_eq!(
///     reason.console_message("http://api.test/api/me", "http://app.test"),
///     "Access to fetch at 'http://api.test/api/me' from origin 'http://app.test' has been \
///      blocked by CORS policy: Response to preflight request doesn't pass access control \
///      check: No 'Access-Control-Allow-Origin' header is present on the requested resource."
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BlockReason {
    /// The actual response failed the CORS check.
    Access(AccessError),
    /// The preflight response failed the CORS check.
    PreflightAccess(AccessError),
    /// The preflight response passed the CORS check but its status is not 2xx.
    PreflightInvalidStatus(u16),
    /// The preflight was answered with a redirect.
    PreflightDisallowedRedirect,
    /// `Access-Control-Allow-Methods` holds something that is not a method token.
    InvalidAllowMethods,
    /// `Access-Control-Allow-Headers` holds something that is not a header name.
    InvalidAllowHeaders,
    /// The actual method is not in `Access-Control-Allow-Methods`.
    MethodDisallowed(String),
    /// A request header (lowercase) is not in `Access-Control-Allow-Headers`.
    HeaderDisallowed(String),
}

/// Appended by Chromium to the ACAO value errors of `fetch()`.
const NO_CORS_INFORMATION: &str = " Have the server send the header with a valid value, or, if \
    an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the \
    resource with CORS disabled.";

impl BlockReason {
    /// Whether the preflight (rather than the actual response) failed.
    pub fn is_preflight_failure(&self) -> bool {
        !matches!(self, BlockReason::Access(_))
    }

    /// The whole console line Chromium prints for a blocked `fetch()` of `url` from a page
    /// of `origin`.
    pub fn console_message(&self, url: &str, origin: &str) -> String {
        format!(
            "Access to fetch at '{url}' from origin '{origin}' has been blocked by CORS policy: \
             {self}"
        )
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessError::WildcardOriginNotAllowed => f.write_str(
                "The value of the 'Access-Control-Allow-Origin' header in the response must \
                 not be the wildcard '*' when the request's credentials mode is 'include'.",
            ),
            // Chromium 156 no longer appends the "opaque response" hint to this one.
            AccessError::MissingAllowOriginHeader => f.write_str(
                "No 'Access-Control-Allow-Origin' header is present on the requested \
                 resource.",
            ),
            AccessError::MultipleAllowOriginValues(value) => write!(
                f,
                "The 'Access-Control-Allow-Origin' header contains multiple values \
                 '{value}', but only one is allowed.{NO_CORS_INFORMATION}"
            ),
            AccessError::InvalidAllowOriginValue(value) => write!(
                f,
                "The 'Access-Control-Allow-Origin' header contains the invalid value \
                 '{value}'.{NO_CORS_INFORMATION}"
            ),
            AccessError::AllowOriginMismatch(value) => write!(
                f,
                "The 'Access-Control-Allow-Origin' header has a value '{value}' that is not \
                 equal to the supplied origin.{NO_CORS_INFORMATION}"
            ),
            AccessError::InvalidAllowCredentials(value) => write!(
                f,
                "The value of the 'Access-Control-Allow-Credentials' header in the response \
                 is '{value}' which must be 'true' when the request's credentials mode is \
                 'include'."
            ),
        }
    }
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const PREFLIGHT: &str = "Response to preflight request doesn't pass access control \
                                 check: ";
        match self {
            BlockReason::Access(error) => write!(f, "{error}"),
            BlockReason::PreflightAccess(error) => write!(f, "{PREFLIGHT}{error}"),
            BlockReason::PreflightInvalidStatus(_) => {
                write!(f, "{PREFLIGHT}It does not have HTTP ok status.")
            }
            BlockReason::PreflightDisallowedRedirect => {
                write!(
                    f,
                    "{PREFLIGHT}Redirect is not allowed for a preflight request."
                )
            }
            BlockReason::InvalidAllowMethods => f.write_str(
                "Cannot parse Access-Control-Allow-Methods response header field in preflight \
                 response.",
            ),
            BlockReason::InvalidAllowHeaders => f.write_str(
                "Cannot parse Access-Control-Allow-Headers response header field in preflight \
                 response.",
            ),
            BlockReason::MethodDisallowed(method) => write!(
                f,
                "Method {method} is not allowed by Access-Control-Allow-Methods in preflight \
                 response."
            ),
            BlockReason::HeaderDisallowed(name) => write!(
                f,
                "Request header field {name} is not allowed by Access-Control-Allow-Headers in \
                 preflight response."
            ),
        }
    }
}

impl std::error::Error for BlockReason {}
impl std::error::Error for AccessError {}
