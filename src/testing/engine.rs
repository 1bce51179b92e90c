//! [`Engine`]: which browser a [`Page`](super::Page) plays, for what engines legitimately do
//! differently: the `Access-Control-Max-Age` cap, the order of the preflight checks, the
//! `TypeError` text and the console's wording. The checks themselves are the Fetch
//! standard's in every engine.

use std::time::Duration;

use super::{AccessError, BlockReason};

/// The browser engine a [`Page`](super::Page) behaves like. Chromium unless told otherwise.
///
/// ```
/// use std::time::Duration;
///
/// use actix_scoped_cors::testing::Engine;
///
/// assert_eq!(Engine::default(), Engine::Chromium);
/// assert_eq!(Engine::WebKit.max_age_cap(), Duration::from_secs(600));
/// assert_eq!(Engine::Firefox.type_error_message(), "NetworkError when attempting to fetch resource.");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Engine {
    /// Chromium (Chrome, Edge, Opera, ...).
    #[default]
    Chromium,
    /// Gecko (Firefox).
    Firefox,
    /// WebKit (Safari, and every browser on iOS).
    WebKit,
}

impl Engine {
    /// The longest time the engine keeps a preflight result, whatever
    /// `Access-Control-Max-Age` asks: Chromium 2 hours, Firefox 24 hours, WebKit 10 minutes.
    pub fn max_age_cap(self) -> Duration {
        Duration::from_secs(match self {
            Engine::Chromium => 7200,
            Engine::Firefox => 86_400,
            Engine::WebKit => 600,
        })
    }

    /// Whether the engine judges a preflight's status before its
    /// `Access-Control-Allow-Origin`: WebKit does (a bare `403` is reported as "Preflight
    /// response is not successful"), Chromium and Firefox report the missing origin grant
    /// first.
    pub fn checks_preflight_status_first(self) -> bool {
        self == Engine::WebKit
    }

    /// The message of the `TypeError` a blocked `fetch()` rejects with.
    pub fn type_error_message(self) -> &'static str {
        match self {
            Engine::Chromium => "Failed to fetch",
            Engine::Firefox => "NetworkError when attempting to fetch resource.",
            Engine::WebKit => "Load failed",
        }
    }

    /// The console line the engine prints for a `fetch()` of `url` from a page of `origin`
    /// blocked for `reason`, after a response with `status` (the preflight's when the
    /// preflight failed).
    ///
    /// Chromium's text is [`BlockReason::console_message`]. Firefox prints `Cross-Origin
    /// Request Blocked: ... (Reason: ...)` (and, for a failed preflight, a second line
    /// `CORS request did not succeed`, not modelled). WebKit prints the reason, then `Fetch
    /// API cannot load <url> due to access control checks.`; this returns the reason line.
    ///
    /// ```
    /// use actix_scoped_cors::testing::{AccessError, BlockReason, Engine};
    ///
    /// let reason = BlockReason::Access(AccessError::MissingAllowOriginHeader);
    /// assert_eq!(
    ///     Engine::Firefox.console_message(&reason, "http://api.test/me", "http://app.test", 200),
    ///     "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote \
    ///      resource at http://api.test/me. (Reason: CORS header ‘Access-Control-Allow-Origin’ \
    ///      missing). Status code: 200."
    /// );
    /// ```
    pub fn console_message(
        self,
        reason: &BlockReason,
        url: &str,
        origin: &str,
        status: u16,
    ) -> String {
        match self {
            Engine::Chromium => reason.console_message(url, origin),
            Engine::Firefox => {
                // Firefox quotes the URL in this one message (`CORSNotSupportingCredentials`).
                let wildcard = matches!(
                    reason,
                    BlockReason::Access(AccessError::WildcardOriginNotAllowed)
                        | BlockReason::PreflightAccess(AccessError::WildcardOriginNotAllowed)
                );
                let url = if wildcard {
                    format!("‘{url}’")
                } else {
                    url.to_owned()
                };
                format!(
                    "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the \
                     remote resource at {url}. {}",
                    firefox_reason(reason, status)
                )
            }
            Engine::WebKit => webkit_reason(reason, origin, status),
        }
    }
}

/// Firefox's `necko.properties` texts (`CORSMissingAllowOrigin2`, ...).
fn firefox_reason(reason: &BlockReason, status: u16) -> String {
    let access = |error: &AccessError| match error {
        AccessError::MissingAllowOriginHeader => format!(
            "(Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: {status}."
        ),
        AccessError::WildcardOriginNotAllowed => "(Reason: Credential is not supported if the \
             CORS header ‘Access-Control-Allow-Origin’ is ‘*’)."
            .to_owned(),
        AccessError::MultipleAllowOriginValues(_) => {
            "(Reason: Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).".to_owned()
        }
        AccessError::InvalidAllowOriginValue(value) | AccessError::AllowOriginMismatch(value) => {
            format!("(Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘{value}’).")
        }
        AccessError::InvalidAllowCredentials(_) => {
            "(Reason: expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’)."
                .to_owned()
        }
    };
    match reason {
        BlockReason::Access(error) | BlockReason::PreflightAccess(error) => access(error),
        BlockReason::PreflightInvalidStatus(status) => {
            format!("(Reason: CORS preflight response did not succeed). Status code: {status}.")
        }
        BlockReason::PreflightDisallowedRedirect => {
            "(Reason: CORS request external redirect not allowed).".to_owned()
        }
        BlockReason::InvalidAllowMethods => {
            "(Reason: invalid token in CORS header ‘Access-Control-Allow-Methods’).".to_owned()
        }
        BlockReason::InvalidAllowHeaders => {
            "(Reason: invalid token in CORS header ‘Access-Control-Allow-Headers’).".to_owned()
        }
        BlockReason::MethodDisallowed(_) => {
            "(Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’)."
                .to_owned()
        }
        BlockReason::HeaderDisallowed(name) => format!(
            "(Reason: header ‘{name}’ is not allowed according to header \
             ‘Access-Control-Allow-Headers’ from CORS preflight response)."
        ),
    }
}

/// WebKit's `CrossOriginAccessControl.cpp` texts.
fn webkit_reason(reason: &BlockReason, origin: &str, status: u16) -> String {
    let access = |error: &AccessError| match error {
        AccessError::WildcardOriginNotAllowed => {
            "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true."
                .to_owned()
        }
        AccessError::MultipleAllowOriginValues(_) => {
            "Access-Control-Allow-Origin cannot contain more than one origin.".to_owned()
        }
        AccessError::MissingAllowOriginHeader
        | AccessError::InvalidAllowOriginValue(_)
        | AccessError::AllowOriginMismatch(_) => {
            format!("Origin {origin} is not allowed by Access-Control-Allow-Origin.")
        }
        AccessError::InvalidAllowCredentials(_) => {
            "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\"."
                .to_owned()
        }
    };
    match reason {
        // Only the "is not allowed by Access-Control-Allow-Origin" texts carry the status.
        BlockReason::Access(error) | BlockReason::PreflightAccess(error) => match error {
            AccessError::MissingAllowOriginHeader
            | AccessError::InvalidAllowOriginValue(_)
            | AccessError::AllowOriginMismatch(_) => {
                format!("{} Status code: {status}", access(error))
            }
            _ => access(error),
        },
        BlockReason::PreflightInvalidStatus(status) => {
            format!("Preflight response is not successful. Status code: {status}")
        }
        BlockReason::PreflightDisallowedRedirect => {
            "Redirection is not allowed for a preflight request.".to_owned()
        }
        BlockReason::InvalidAllowMethods => {
            "Access-Control-Allow-Methods cannot be parsed.".to_owned()
        }
        BlockReason::InvalidAllowHeaders => {
            "Access-Control-Allow-Headers cannot be parsed.".to_owned()
        }
        BlockReason::MethodDisallowed(method) => {
            format!("Method {method} is not allowed by Access-Control-Allow-Methods.")
        }
        BlockReason::HeaderDisallowed(name) => format!(
            "Request header field {} is not allowed by Access-Control-Allow-Headers.",
            webkit_header_name(name)
        ),
    }
}

/// How WebKit spells a request header name in its console: a name it knows
/// (`HTTPHeaderNames.in`) in its canonical form (`Accept-Language`), any other as the script
/// gave it (which the simulation has lowercased, as scripts in the suite write them).
fn webkit_header_name(name: &str) -> String {
    // The known names the simulation can be asked for (non-safelisted values of safelisted
    // headers, and common request headers), all canonicalised by capitalising each word.
    const KNOWN: &[&str] = &[
        "accept",
        "accept-charset",
        "accept-encoding",
        "accept-language",
        "authorization",
        "cache-control",
        "content-language",
        "content-type",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "pragma",
        "range",
        "user-agent",
        "x-requested-with",
    ];
    if !KNOWN.contains(&name) {
        return name.to_owned();
    }
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}
