//! The built, immutable, shared [`Policy`]: parsed values and precomputed header values only,
//! so the request path never re-checks a string.

use std::{fmt, sync::Arc};

use actix_web::{
    dev::RequestHead,
    http::{
        header::{HeaderName, HeaderValue},
        Method, StatusCode,
    },
};
use futures_util::future::LocalBoxFuture;

use crate::{matcher::OriginMatcher, rejection::RejectionHook, warn::Warnings};

/// Which origins a policy allows.
#[derive(Debug)]
pub(crate) enum AllowedOrigins {
    Any,
    Matching(Box<OriginMatcher>),
}

/// Which methods a preflight may ask for.
#[derive(Debug)]
pub(crate) enum AllowedMethods {
    Any,
    List(Vec<Method>),
}

/// Which request headers a preflight may ask for.
#[derive(Debug)]
pub(crate) enum AllowedHeaders {
    Any,
    List(Vec<HeaderName>),
}

/// A validated, immutable CORS policy: `Send + Sync`, and cheap to clone (one `Arc`).
///
/// Build it once, outside the `HttpServer::new` closure, and `.wrap(policy.clone())` in
/// every worker. Obtained from [`Cors::try_build`](crate::Cors::try_build).
#[derive(Clone)]
pub struct Policy {
    pub(crate) inner: Arc<PolicyInner>,
}

pub(crate) struct PolicyInner {
    pub(crate) origins: AllowedOrigins,
    /// A strict policy: allowed origins are reflected (and `Vary: Origin` sent), never `*`.
    pub(crate) reflects: bool,
    /// `Access-Control-Allow-Credentials: true` goes with every grant. Only a policy that
    /// reflects can be credentialed.
    pub(crate) credentialed: bool,
    pub(crate) methods: AllowedMethods,
    pub(crate) headers: AllowedHeaders,
    pub(crate) values: Precomputed,
    pub(crate) block_disallowed: bool,
    pub(crate) private_network: bool,
    pub(crate) defers_to_inner: bool,
    /// The status of a preflight answer that carries a grant: `204` or `200`.
    pub(crate) preflight_status: StatusCode,
    /// What log lines call this policy: its mode and first entries.
    pub(crate) label: Box<str>,
    /// The one-time warnings it gave.
    pub(crate) warnings: Warnings,
    pub(crate) on_reject: Option<RejectionHook>,
    pub(crate) async_origin: Option<AsyncOriginPredicate>,
}

/// An asynchronous origin predicate, as given to [`Cors::allow_origin_async`].
pub(crate) type AsyncOriginPredicate =
    Arc<dyn Fn(String) -> LocalBoxFuture<'static, bool> + Send + Sync>;

impl Policy {
    /// Whether this policy allows `origin` (as a browser would send it) on a request without
    /// further context. Origin predicates see a default request head.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// let policy = Cors::strict(["https://*.example.com"]).try_build().unwrap();
    /// assert!(policy.allows_origin("https://app.example.com"));
    /// assert!(!policy.allows_origin("https://example.com"));
    /// assert!(Cors::permissive().try_build().unwrap().allows_origin("https://any.test"));
    /// ```
    pub fn allows_origin(&self, origin: &str) -> bool {
        match &self.inner.origins {
            AllowedOrigins::Any => true,
            AllowedOrigins::Matching(matcher) => {
                let head = RequestHead::default();
                matcher.matches(origin, &head)
            }
        }
    }

    /// Whether responses carry `Access-Control-Allow-Credentials: true`.
    ///
    /// ```
    /// use actix_scoped_cors::Cors;
    ///
    /// let strict = Cors::strict(["https://app.example.com"]);
    /// assert!(strict.clone().try_build().unwrap().is_credentialed());
    /// assert!(!strict.without_credentials().try_build().unwrap().is_credentialed());
    /// assert!(!Cors::permissive().try_build().unwrap().is_credentialed());
    /// ```
    pub fn is_credentialed(&self) -> bool {
        self.inner.credentialed
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Policy")
            .field("origins", &inner.origins)
            .field("credentialed", &inner.credentialed)
            .field("preflight_status", &inner.preflight_status.as_u16())
            .field("methods", &inner.methods)
            .field("headers", &inner.headers)
            .field("block_disallowed", &inner.block_disallowed)
            .field("private_network", &inner.private_network)
            .field("defers_to_inner", &inner.defers_to_inner)
            .finish_non_exhaustive()
    }
}

/// Which response headers a policy exposes: none, all (`*`, anonymous policies only), or a list.
pub(crate) enum Expose {
    Nothing,
    Any,
    List(Vec<HeaderName>),
}

/// Header values that depend only on the policy.
#[derive(Debug)]
pub(crate) struct Precomputed {
    pub(crate) allow_methods: HeaderValue,
    /// The allowed method names, as bytes to compare a request's with (no `Method::as_str`
    /// on the request path); empty for [`AllowedMethods::Any`].
    pub(crate) method_names: Box<[Box<[u8]>]>,
    /// `None` when the allowed list is empty (then no header is sent).
    pub(crate) allow_headers: Option<HeaderValue>,
    /// The allowed request header names (lowercase), as bytes to compare a request's with;
    /// empty for [`AllowedHeaders::Any`].
    pub(crate) header_names: Box<[Box<[u8]>]>,
    pub(crate) expose_headers: Option<HeaderValue>,
    pub(crate) max_age: Option<HeaderValue>,
}
