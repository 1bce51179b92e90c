//! The actix-web glue: classify, [decide](crate::decide), decorate. Nothing else.
//!
//! - Preflights are answered here (`204` or `403`); the wrapped service never sees them.
//! - Actual requests reach the wrapped service; its response is decorated on the way out.
//!   An `Err` from the wrapped service stays an `Err` (outer layers still see an error), but
//!   its rendered response is decorated too.

use std::{
    fmt,
    future::Future,
    pin::Pin,
    task::{ready, Context, Poll},
};

use actix_service::{Service, Transform};
use actix_web::{
    body::EitherBody,
    dev::{ServiceRequest, ServiceResponse},
    http::{
        header::{
            HeaderMap, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
            ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
            ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ORIGIN, VARY,
        },
        StatusCode,
    },
    Error, HttpResponse, ResponseError,
};
use futures_util::future::{ready as ready_future, Either, Ready};
use pin_project_lite::pin_project;

use crate::{
    decision::{decide, AllowOrigin, Decision, PreflightGrant, Reason, Rejection},
    headers::{
        remove_grants, vary_on_origin, ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, TRUE, VARY_PREFLIGHT,
    },
    policy::{Cors, Mode, Policy, PolicyInner},
};

impl<S, B> Transform<S, ServiceRequest> for Policy
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CorsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready_future(Ok(CorsMiddleware {
            service,
            policy: self.clone(),
        }))
    }
}

/// Wrapping an unbuilt [`Cors`] builder validates it when the server starts; an invalid
/// configuration prints the [`ConfigError`](crate::ConfigError) to stderr (and logs it) and
/// stops the server from starting. Prefer [`Cors::try_build`] to handle it yourself.
impl<S, B, M> Transform<S, ServiceRequest> for Cors<M>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: 'static,
    M: Mode,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CorsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        match self.clone().try_build() {
            Ok(policy) => ready_future(Ok(CorsMiddleware { service, policy })),
            Err(error) => {
                log::error!("actix-scoped-cors: {error}");
                eprintln!("actix-scoped-cors: the server cannot start: {error}");
                ready_future(Err(()))
            }
        }
    }
}

/// The middleware service created by wrapping a [`Policy`] or a [`Cors`] builder.
#[derive(Debug)]
pub struct CorsMiddleware<S> {
    service: S,
    policy: Policy,
}

/// What the response of an actual request gets on its way out.
#[derive(Debug)]
enum Outcome {
    /// No `Origin`.
    NotCors,
    /// An allowed CORS request.
    Allowed(AllowOrigin),
    /// A refused CORS request, served anyway (the browser blocks the read).
    Refused,
}

type CorsResponse<B> = ServiceResponse<EitherBody<B>>;

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: 'static,
{
    type Response = CorsResponse<B>;
    type Error = Error;
    type Future = Either<Ready<Result<CorsResponse<B>, Error>>, CorsFuture<S::Future>>;

    actix_service::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let policy = &*self.policy.inner;
        let outcome = match decide(&self.policy, req.head()) {
            Decision::NotCors => Outcome::NotCors,
            Decision::Actual(Ok(allow_origin)) => Outcome::Allowed(allow_origin),
            Decision::Preflight(Ok(grant)) => {
                let response = preflight_response(policy, grant);
                return Either::Left(ready_future(Ok(req
                    .into_response(response)
                    .map_into_right_body())));
            }
            Decision::Preflight(Err(reason)) => {
                report(policy, reason, true, &req);
                return Either::Left(ready_future(Ok(refusal(req))));
            }
            Decision::Actual(Err(reason)) => {
                report(policy, reason, false, &req);
                if policy.block_disallowed && !is_same_origin(&req) {
                    return Either::Left(ready_future(Ok(refusal(req))));
                }
                Outcome::Refused
            }
        };
        Either::Right(CorsFuture {
            inner: self.service.call(req),
            decoration: Some((outcome, self.policy.clone())),
        })
    }
}

pin_project! {
    /// The future of an actual request: the wrapped service's future, then decoration.
    pub struct CorsFuture<F> {
        #[pin]
        inner: F,
        decoration: Option<(Outcome, Policy)>,
    }
}

impl<F, B> Future for CorsFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<CorsResponse<B>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let (outcome, policy) = this
            .decoration
            .take()
            .expect("CorsFuture polled after completion");
        Poll::Ready(match result {
            Ok(mut response) => {
                decorate(&policy.inner, &outcome, response.headers_mut());
                Ok(response.map_into_left_body())
            }
            // The request is gone with the error, so the error itself carries the grant: its
            // response, wherever an outer layer renders it, is decorated like any other.
            Err(error) => Err(DecoratedError {
                error,
                outcome,
                policy,
            }
            .into()),
        })
    }
}

/// An error from the wrapped service whose rendered response carries the CORS headers.
///
/// Status code and body are the wrapped error's own.
struct DecoratedError {
    error: Error,
    outcome: Outcome,
    policy: Policy,
}

impl fmt::Debug for DecoratedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.error, f)
    }
}

impl fmt::Display for DecoratedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl ResponseError for DecoratedError {
    fn status_code(&self) -> StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = self.error.error_response();
        decorate(&self.policy.inner, &self.outcome, response.headers_mut());
        response
    }
}

fn decorate(policy: &PolicyInner, outcome: &Outcome, headers: &mut HeaderMap) {
    match outcome {
        Outcome::Allowed(allow_origin) => {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin.to_header_value());
            grant_actual(policy, headers);
        }
        Outcome::NotCors if !policy.credentialed => {
            // A static `*` on every response: caches need no Vary.
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, crate::headers::ANY);
            grant_actual(policy, headers);
        }
        Outcome::NotCors => vary_on_origin(headers),
        Outcome::Refused => {
            remove_grants(headers);
            vary_on_origin(headers);
        }
    }
}

/// Everything an allowed actual response carries besides the origin.
fn grant_actual(policy: &PolicyInner, headers: &mut HeaderMap) {
    if policy.credentialed {
        headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
        vary_on_origin(headers);
    } else {
        headers.remove(ACCESS_CONTROL_ALLOW_CREDENTIALS);
    }
    match &policy.values.expose_headers {
        Some(expose) => headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone()),
        None => headers.remove(ACCESS_CONTROL_EXPOSE_HEADERS),
    };
}

fn preflight_response(policy: &PolicyInner, grant: PreflightGrant) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::NO_CONTENT);
    let headers = response.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_ORIGIN,
        grant.allow_origin.to_header_value(),
    );
    if policy.credentialed {
        headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        policy.values.allow_methods.clone(),
    );
    if let Some(allow_headers) = grant.allow_headers {
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, allow_headers);
    }
    if let Some(max_age) = &policy.values.max_age {
        headers.insert(ACCESS_CONTROL_MAX_AGE, max_age.clone());
    }
    if grant.private_network {
        headers.insert(ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, TRUE);
    }
    headers.insert(VARY, VARY_PREFLIGHT);
    response
}

/// `403`, empty body, no CORS headers: nothing that reveals the policy.
fn refusal<B>(req: ServiceRequest) -> CorsResponse<B> {
    req.into_response(HttpResponse::new(StatusCode::FORBIDDEN))
        .map_into_right_body()
}

fn report(policy: &PolicyInner, reason: Reason, preflight: bool, req: &ServiceRequest) {
    let rejection = Rejection {
        reason,
        preflight,
        head: req.head(),
    };
    log::debug!(target: "actix_scoped_cors", "{rejection}");
    if let Some(hook) = &policy.on_reject {
        hook(&rejection);
    }
}

/// Whether `Origin` names the request's own scheme and host, as actix-web's `ConnectionInfo`
/// reports them (honouring `Forwarded`, `X-Forwarded-Proto` and `X-Forwarded-Host`).
fn is_same_origin(req: &ServiceRequest) -> bool {
    let Some(origin) = req.headers().get(ORIGIN).and_then(|o| o.to_str().ok()) else {
        return false;
    };
    let info = req.connection_info();
    origin
        .strip_prefix(info.scheme())
        .and_then(|rest| rest.strip_prefix("://"))
        .is_some_and(|host| host.eq_ignore_ascii_case(info.host()))
}

#[cfg(test)]
mod tests {
    // Behaviour is pinned end to end in `tests/`; this checks the header set of a preflight.
    use super::*;

    #[test]
    fn strict_preflight_answer_has_exactly_the_grant_headers() {
        let policy = Cors::strict(["https://app.example.com"])
            .try_build()
            .unwrap();
        let grant = PreflightGrant {
            allow_origin: AllowOrigin::Reflect("https://app.example.com".parse().unwrap()),
            allow_headers: policy.inner.values.allow_headers.clone(),
            private_network: false,
        };
        let response = preflight_response(&policy.inner, grant);
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let mut names: Vec<_> = response.headers().keys().map(|n| n.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "access-control-allow-credentials",
                "access-control-allow-headers",
                "access-control-allow-methods",
                "access-control-allow-origin",
                "access-control-max-age",
                "vary",
            ]
        );
        assert!(!response
            .headers()
            .contains_key(ACCESS_CONTROL_EXPOSE_HEADERS));
    }
}
