//! Refusals as values: why a CORS request was refused ([`Reason`]), the refused request
//! ([`Rejection`]), and the one place a refusal is reported (the debug log and the
//! [`on_reject`](crate::Cors::on_reject) hook).

use std::{fmt, sync::Arc};

use actix_web::{
    dev::RequestHead,
    http::{header::ORIGIN, Method},
};
use derive_more::Display;

/// Why a CORS request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Display)]
#[non_exhaustive]
pub enum Reason {
    /// The `Origin` is well-formed but not allowed by the policy.
    #[display("origin not allowed")]
    OriginNotAllowed,
    /// The `Origin` is empty, too long, not ASCII, or sent on more than one line.
    #[display("malformed Origin header")]
    InvalidOrigin,
    /// The preflight asked for a method the policy does not allow (byte-exact).
    #[display("method not allowed")]
    MethodNotAllowed,
    /// `Access-Control-Request-Method` is not a single valid method token.
    #[display("malformed Access-Control-Request-Method header")]
    InvalidRequestMethod,
    /// The preflight asked for a request header the policy does not allow.
    #[display("request header not allowed")]
    HeaderNotAllowed,
    /// `Access-Control-Request-Headers` has an invalid name, or is too long.
    #[display("malformed Access-Control-Request-Headers header")]
    InvalidRequestHeaders,
}

/// A refused CORS request, as given to the [`on_reject`](crate::Cors::on_reject) hook.
#[derive(Debug, Clone, Copy)]
pub struct Rejection<'a> {
    pub(crate) reason: Reason,
    pub(crate) preflight: bool,
    pub(crate) head: &'a RequestHead,
}

impl<'a> Rejection<'a> {
    /// Why the request was refused.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// Whether the refused request was a preflight (answered `403`) rather than an actual
    /// request (served without CORS headers, or `403` with `block_disallowed`).
    pub fn is_preflight(&self) -> bool {
        self.preflight
    }

    /// The request's `Origin`, if it is printable ASCII. May be long: truncate before logging.
    pub fn origin(&self) -> Option<&'a str> {
        self.head.headers.get(ORIGIN)?.to_str().ok()
    }

    /// The request method.
    pub fn method(&self) -> &'a Method {
        &self.head.method
    }

    /// The request path.
    pub fn path(&self) -> &'a str {
        self.head.uri.path()
    }

    /// The whole request head.
    pub fn head(&self) -> &'a RequestHead {
        self.head
    }
}

impl fmt::Display for Rejection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 100;
        let kind = if self.preflight {
            "preflight"
        } else {
            "request"
        };
        let origin = self.origin().unwrap_or("<not printable>");
        let (origin, cut) = match origin.get(..SHOWN) {
            Some(start) if origin.len() > SHOWN => (start, "…"),
            _ => (origin, ""),
        };
        write!(
            f,
            "CORS {kind} refused: {}; origin {origin:?}{cut}, {} {}",
            self.reason,
            self.method(),
            self.path()
        )
    }
}

pub(crate) type RejectionHook = Arc<dyn Fn(&Rejection<'_>) + Send + Sync>;

/// Reports a refusal: one debug log line (target `actix_scoped_cors`) and the policy's hook.
pub(crate) fn report(
    hook: Option<&RejectionHook>,
    reason: Reason,
    preflight: bool,
    head: &RequestHead,
) {
    let rejection = Rejection {
        reason,
        preflight,
        head,
    };
    log::debug!(target: "actix_scoped_cors", "{rejection}");
    if let Some(hook) = hook {
        hook(&rejection);
    }
}
