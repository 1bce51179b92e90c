//! Refusals as values: why a CORS request was refused ([`Reason`]), the refused request
//! ([`Rejection`]), and the one place a refusal is reported (the debug log and the
//! [`on_reject`](crate::Cors::on_reject) hook).

use std::{fmt, sync::Arc};

use actix_web::{
    dev::RequestHead,
    http::{
        header::{HeaderValue, ORIGIN},
        Method,
    },
};
use derive_more::Display;

use crate::decision::PreflightRefusal;

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
    pub(crate) refused: Option<&'a str>,
    pub(crate) preflight: bool,
    pub(crate) head: &'a RequestHead,
}

impl<'a> Rejection<'a> {
    /// Why the request was refused.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// The method ([`Reason::MethodNotAllowed`]) or request header name
    /// ([`Reason::HeaderNotAllowed`]) a preflight was refused for, as the request spelled it;
    /// `None` for other reasons.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// use actix_scoped_cors::{Cors, Reason};
    /// use actix_web::{test, web, App, HttpResponse};
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = Arc::clone(&seen);
    /// let cors = Cors::strict(["https://app.example.com"])
    ///     .allow_headers(["content-type"])
    ///     .on_reject(move |rejection| {
    ///         let refused = rejection.refused().map(str::to_owned);
    ///         log.lock().unwrap().push((rejection.reason(), refused));
    ///     })
    ///     .try_build()
    ///     .unwrap();
    /// let app = test::init_service(
    ///     App::new().wrap(cors).route("/", web::put().to(HttpResponse::Ok)),
    /// )
    /// .await;
    /// let preflight = test::TestRequest::default()
    ///     .method(actix_web::http::Method::OPTIONS)
    ///     .insert_header(("Origin", "https://app.example.com"))
    ///     .insert_header(("Access-Control-Request-Method", "PUT"))
    ///     .insert_header(("Access-Control-Request-Headers", "content-type,x-api-key"))
    ///     .to_request();
    /// test::call_service(&app, preflight).await;
    /// assert_eq!(
    ///     *seen.lock().unwrap(),
    ///     [(Reason::HeaderNotAllowed, Some("x-api-key".to_owned()))]
    /// );
    /// # });
    /// ```
    pub fn refused(&self) -> Option<&'a str> {
        self.refused
    }

    /// Whether the refused request was a preflight (answered `403`, or `204`/`200` naming the
    /// allowed lists for an allowed origin refused a method or header) rather than an actual
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
        write!(f, "CORS {kind} refused: {}", self.reason)?;
        if let Some(refused) = self.refused {
            write!(f, " ({refused})")?;
        }
        write!(
            f,
            "; origin {origin:?}{cut}, {} {}",
            self.method(),
            self.path()
        )
    }
}

/// What [`report`] names: the reason, and the refused method or header name if any.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refused<'a> {
    pub(crate) reason: Reason,
    pub(crate) name: Option<&'a HeaderValue>,
}

impl From<Reason> for Refused<'_> {
    fn from(reason: Reason) -> Self {
        Refused { reason, name: None }
    }
}

impl<'a> From<&'a PreflightRefusal> for Refused<'a> {
    fn from(refusal: &'a PreflightRefusal) -> Self {
        Refused {
            reason: refusal.reason,
            name: refusal.refused.as_ref(),
        }
    }
}

pub(crate) type RejectionHook = Arc<dyn Fn(&Rejection<'_>) + Send + Sync>;

/// Reports a refusal: one debug log line (target `actix_scoped_cors`) and the policy's hook.
pub(crate) fn report(
    hook: Option<&RejectionHook>,
    refused: Refused<'_>,
    preflight: bool,
    head: &RequestHead,
) {
    let rejection = Rejection {
        reason: refused.reason,
        // Method and header tokens are visible ASCII.
        refused: refused.name.and_then(|name| name.to_str().ok()),
        preflight,
        head,
    };
    log::debug!(target: "actix_scoped_cors", "{rejection}");
    if let Some(hook) = hook {
        hook(&rejection);
    }
}
