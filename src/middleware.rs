//! The actix-web glue: classify, [decide](crate::decide), decorate. Nothing else.
//!
//! - Preflights are answered here (`204` or `403`); the wrapped service never sees them.
//! - Actual requests reach the wrapped service; its response is decorated on the way out.
//!   An `Err` from the wrapped service stays an `Err` (outer layers still see an error), but
//!   its rendered response is decorated too.
//!
//! # Nested policies: the innermost one decides
//!
//! actix-web builds a wrapped service before the middleware around it, on the same worker
//! thread. Each policy's middleware therefore records, when it is built, that it exists; the
//! next policy built on that thread — the one wrapping it, e.g. an app-level policy around a
//! scope-level one — learns that policies sit beneath it, and those learn that a policy sits
//! above them. Then, per request:
//!
//! - a policy with a policy above it marks the request as decided by itself;
//! - a policy with policies beneath it passes every request down (preflights included) and,
//!   when the response comes back marked by a policy beneath, leaves it alone; otherwise it
//!   decides as usual (answering a preflight only now, in place of whatever the route
//!   answered).
//!
//! A policy without nested policies pays nothing for this.

use std::{
    cell::{Cell, RefCell},
    fmt,
    future::Future,
    pin::Pin,
    rc::Rc,
    task::{ready, Context, Poll},
};

use actix_service::{Service, Transform};
use actix_web::{
    body::EitherBody,
    dev::{RequestHead, ServiceRequest, ServiceResponse},
    http::{
        header::{
            HeaderMap, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
            ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
            ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ORIGIN, VARY,
        },
        StatusCode,
    },
    Error, HttpMessage, HttpRequest, HttpResponse, ResponseError,
};
use futures_util::future::{ready as ready_future, Either, LocalBoxFuture, Ready};
use pin_project_lite::pin_project;

use crate::{
    decision::{
        decide_with, AllowOrigin, Decision, OriginCheck, PreflightGrant, Reason, Rejection,
    },
    headers::{
        remove_grants, vary_on_origin, vary_on_origin_known, HasVary,
        ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, ANY, TRUE, VARY_PREFLIGHT,
    },
    origin::{default_port, Origin},
    policy::{Cors, Mode, Policy, PolicyInner},
};

thread_local! {
    /// The "has a policy above" flags of the policies built on this thread that no enclosing
    /// policy has claimed yet.
    static UNCLAIMED: RefCell<Vec<Rc<Cell<bool>>>> = const { RefCell::new(Vec::new()) };
}

impl<S, B> Transform<S, ServiceRequest> for Policy
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CorsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready_future(Ok(CorsMiddleware::new(service, self.clone())))
    }
}

/// Wrapping an unbuilt [`Cors`] builder validates it when the server starts; an invalid
/// configuration prints the [`ConfigError`](crate::ConfigError) to stderr (and logs it) and
/// stops the server from starting. Prefer [`Cors::try_build`] to handle it yourself.
impl<S, B, M> Transform<S, ServiceRequest> for Cors<M>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
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
            Ok(policy) => ready_future(Ok(CorsMiddleware::new(service, policy))),
            Err(error) => {
                log::error!("actix-scoped-cors: {error}");
                eprintln!("actix-scoped-cors: the server cannot start: {error}");
                ready_future(Err(()))
            }
        }
    }
}

/// The middleware service created by wrapping a [`Policy`] or a [`Cors`] builder.
pub struct CorsMiddleware<S> {
    service: Rc<S>,
    policy: Rc<Policy>,
    /// Policies were built beneath this one: let them decide first.
    delegates: bool,
    /// Set once a policy is built above this one: mark the requests this one decides.
    /// Its address identifies this middleware in [`DecidedBy`].
    has_outer: Rc<Cell<bool>>,
}

impl<S> fmt::Debug for CorsMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsMiddleware")
            .field("policy", &self.policy)
            .field("delegates", &self.delegates)
            .field("has_outer", &self.has_outer.get())
            .finish_non_exhaustive()
    }
}

/// Request extension: the innermost policy that saw the request (when policies are nested).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DecidedBy(usize);

impl<S> CorsMiddleware<S> {
    fn new(service: S, policy: Policy) -> Self {
        let beneath = UNCLAIMED.with(|unclaimed| unclaimed.take());
        for has_outer in &beneath {
            has_outer.set(true);
        }
        let has_outer = Rc::new(Cell::new(false));
        UNCLAIMED.with(|unclaimed| unclaimed.borrow_mut().push(Rc::clone(&has_outer)));
        CorsMiddleware {
            service: Rc::new(service),
            // Per worker: the request path clones this `Rc`, not the shared `Arc`.
            policy: Rc::new(policy),
            delegates: !beneath.is_empty(),
            has_outer,
        }
    }

    fn id(&self) -> usize {
        Rc::as_ptr(&self.has_outer) as usize
    }
}

/// What the response of a request gets on its way out.
#[derive(Debug)]
enum Outcome {
    /// No `Origin`.
    NotCors,
    /// An allowed CORS request.
    Allowed(AllowOrigin),
    /// A refused CORS request, served anyway (the browser blocks the read).
    Refused,
}

/// What to do once the wrapped service answered.
#[derive(Debug)]
enum Pending {
    /// Decorate the response.
    Decorate(Outcome),
    /// Policies beneath may have decided; if none did, apply this decision.
    Delegated { decision: Decision, id: usize },
}

type CorsResponse<B> = ServiceResponse<EitherBody<B>>;
type Immediate<F, B> = Either<Ready<Result<CorsResponse<B>, Error>>, CorsFuture<F>>;

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = CorsResponse<B>;
    type Error = Error;
    type Future =
        Either<Immediate<S::Future, B>, LocalBoxFuture<'static, Result<CorsResponse<B>, Error>>>;

    actix_service::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let decision = decide_with(&self.policy.inner, req.head(), OriginCheck::Match);
        if decision.awaits_origin_predicate() {
            if let Some(future) = self.ask_origin_predicate(&req) {
                let service = Rc::clone(&self.service);
                let policy = self.policy.clone();
                let (has_outer, delegates) = (Rc::clone(&self.has_outer), self.delegates);
                return Either::Right(Box::pin(async move {
                    let decision = match future.await {
                        true => decide_with(&policy.inner, req.head(), OriginCheck::Vouched),
                        false => decision,
                    };
                    let this = CorsMiddleware {
                        service,
                        policy,
                        delegates,
                        has_outer,
                    };
                    this.proceed(req, decision).await
                }));
            }
        }
        Either::Left(self.proceed(req, decision))
    }
}

impl<S, B> CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    /// The asynchronous predicate's future for this request's origin, if the policy has one
    /// and the origin is well-formed.
    fn ask_origin_predicate(&self, req: &ServiceRequest) -> Option<LocalBoxFuture<'static, bool>> {
        let predicate = self.policy.inner.async_origin.as_ref()?;
        let origin = req.headers().get(ORIGIN)?.to_str().ok()?;
        Origin::parse(origin)?;
        Some(predicate(origin.to_owned()))
    }

    fn proceed(&self, req: ServiceRequest, decision: Decision) -> Immediate<S::Future, B> {
        if self.has_outer.get() {
            req.extensions_mut().insert(DecidedBy(self.id()));
        }
        if self.delegates {
            return Either::Right(CorsFuture {
                inner: self.service.call(req),
                pending: Some((
                    Pending::Delegated {
                        decision,
                        id: self.id(),
                    },
                    self.policy.clone(),
                )),
            });
        }
        let policy = &*self.policy.inner;
        let outcome = match decision {
            Decision::NotCors => Outcome::NotCors,
            Decision::Actual(Ok(allow_origin)) => Outcome::Allowed(allow_origin),
            Decision::Preflight(result) => {
                let answer = preflight_answer(policy, result, req.head());
                return Either::Left(ready_future(Ok(req
                    .into_response(answer)
                    .map_into_right_body())));
            }
            // A same-origin request (browsers send `Origin` on same-origin POSTs) needs no
            // grant, and is neither blocked nor reported; checking costs a `ConnectionInfo`,
            // so only blocking policies ask.
            Decision::Actual(Err(_)) if policy.block_disallowed && is_same_origin(&req) => {
                Outcome::Refused
            }
            Decision::Actual(Err(reason)) => {
                report(policy, reason, false, req.head());
                if policy.block_disallowed {
                    let mut refusal = HttpResponse::new(StatusCode::FORBIDDEN);
                    // The same URL answers 200 or 403 depending on `Origin` alone.
                    vary_on_origin(refusal.headers_mut());
                    return Either::Left(ready_future(Ok(req
                        .into_response(refusal)
                        .map_into_right_body())));
                }
                Outcome::Refused
            }
        };
        Either::Right(CorsFuture {
            inner: self.service.call(req),
            pending: Some((Pending::Decorate(outcome), self.policy.clone())),
        })
    }
}

pin_project! {
    /// The future of a request passed to the wrapped service: its future, then decoration.
    pub struct CorsFuture<F> {
        #[pin]
        inner: F,
        pending: Option<(Pending, Rc<Policy>)>,
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
        let (pending, policy) = this
            .pending
            .take()
            .expect("CorsFuture polled after completion");
        let outcome = match pending {
            Pending::Decorate(outcome) => outcome,
            Pending::Delegated { decision, id } => {
                match &result {
                    Ok(response) if decided_beneath(response.request(), id) => {
                        return Poll::Ready(result.map(ServiceResponse::map_into_left_body));
                    }
                    Err(error) if error.as_error::<CorsError>().is_some() => {
                        return Poll::Ready(result.map(ServiceResponse::map_into_left_body));
                    }
                    _ => {}
                }
                return Poll::Ready(after_delegation(policy, decision, result));
            }
        };
        Poll::Ready(finish(policy, outcome, result))
    }
}

/// Decorates the wrapped service's answer: its response, or the response its error renders.
fn finish<B>(
    policy: Rc<Policy>,
    outcome: Outcome,
    result: Result<ServiceResponse<B>, Error>,
) -> Result<CorsResponse<B>, Error> {
    match result {
        Ok(mut response) => {
            decorate(&policy.inner, &outcome, response.headers_mut());
            Ok(response.map_into_left_body())
        }
        // The request is gone with the error, so the error itself carries the grant: its
        // response, wherever an outer layer renders it, is decorated like any other.
        Err(error) => Err(CorsError {
            policy,
            kind: CorsErrorKind::Decorated { error, outcome },
        }
        .into()),
    }
}

/// No policy beneath decided: a preflight is answered now, in place of the route's answer;
/// an actual request is decorated as usual.
fn after_delegation<B>(
    policy: Rc<Policy>,
    decision: Decision,
    result: Result<ServiceResponse<B>, Error>,
) -> Result<CorsResponse<B>, Error> {
    let outcome = match decision {
        Decision::NotCors => Outcome::NotCors,
        Decision::Actual(Ok(allow_origin)) => Outcome::Allowed(allow_origin),
        Decision::Actual(Err(reason)) => {
            if let Ok(response) = &result {
                report(&policy.inner, reason, false, response.request().head());
            }
            Outcome::Refused
        }
        Decision::Preflight(preflight) => {
            return match result {
                Ok(response) => {
                    let (request, _) = response.into_parts();
                    let answer = preflight_answer(&policy.inner, preflight, request.head());
                    Ok(ServiceResponse::new(request, answer).map_into_right_body())
                }
                // Without the request there is no response to build; answer through an error
                // that renders as the preflight answer.
                Err(_) => Err(CorsError {
                    policy,
                    kind: CorsErrorKind::Preflight(preflight),
                }
                .into()),
            };
        }
    };
    finish(policy, outcome, result)
}

fn decided_beneath(request: &HttpRequest, id: usize) -> bool {
    request
        .extensions()
        .get::<DecidedBy>()
        .is_some_and(|decided| decided.0 != id)
}

fn decorate(policy: &PolicyInner, outcome: &Outcome, headers: &mut HeaderMap) {
    // After `remove_grants`, no grant header is left, so ours are appended (cheaper than
    // `insert`, which hands back the old values).
    match outcome {
        Outcome::Allowed(allow_origin) => {
            let has_vary = remove_grants(headers);
            headers.append(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin.to_header_value());
            grant_actual(policy, headers, has_vary);
        }
        Outcome::NotCors if !policy.credentialed => {
            // A static `*` on every response: caches need no Vary.
            let has_vary = remove_grants(headers);
            headers.append(ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
            grant_actual(policy, headers, has_vary);
        }
        Outcome::NotCors => vary_on_origin(headers),
        Outcome::Refused => {
            let has_vary = remove_grants(headers);
            vary_on_origin_known(headers, has_vary);
        }
    }
}

/// Everything an allowed actual response carries besides the origin.
fn grant_actual(policy: &PolicyInner, headers: &mut HeaderMap, has_vary: HasVary) {
    if policy.credentialed {
        headers.append(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
        vary_on_origin_known(headers, has_vary);
    }
    if let Some(expose) = &policy.values.expose_headers {
        headers.append(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
    }
}

/// The answer to a preflight: `204` with the grant, or `403` with an empty body and no CORS
/// headers (nothing that reveals the policy); refusals are reported.
fn preflight_answer(
    policy: &PolicyInner,
    result: Result<PreflightGrant, Reason>,
    head: &RequestHead,
) -> HttpResponse {
    match result {
        Ok(grant) => preflight_grant(policy, grant),
        Err(reason) => {
            report(policy, reason, true, head);
            HttpResponse::new(StatusCode::FORBIDDEN)
        }
    }
}

fn preflight_grant(policy: &PolicyInner, grant: PreflightGrant) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::NO_CONTENT);
    let headers = response.headers_mut();
    headers.append(
        ACCESS_CONTROL_ALLOW_ORIGIN,
        grant.allow_origin.to_header_value(),
    );
    if policy.credentialed {
        headers.append(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
    headers.append(
        ACCESS_CONTROL_ALLOW_METHODS,
        policy.values.allow_methods.clone(),
    );
    if let Some(allow_headers) = grant.allow_headers {
        headers.append(ACCESS_CONTROL_ALLOW_HEADERS, allow_headers);
    }
    if let Some(max_age) = &policy.values.max_age {
        headers.append(ACCESS_CONTROL_MAX_AGE, max_age.clone());
    }
    if grant.private_network {
        headers.append(ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, TRUE);
    }
    headers.append(VARY, VARY_PREFLIGHT);
    response
}

fn report(policy: &PolicyInner, reason: Reason, preflight: bool, head: &RequestHead) {
    let rejection = Rejection {
        reason,
        preflight,
        head,
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
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case(info.scheme()) {
        return false;
    }
    // `Host` (or a proxy's forwarded host) may spell out the default port; `Origin` never does.
    let host = info.host();
    let host = match host.rsplit_once(':') {
        Some((name, port)) if default_port(scheme).is_some_and(|p| port.parse() == Ok(p)) => name,
        _ => host,
    };
    authority.eq_ignore_ascii_case(host)
}

/// An error that renders as a CORS answer: the wrapped service's error, decorated, or (when
/// no policy beneath answered a delegated preflight and the route failed) the preflight
/// answer itself.
struct CorsError {
    policy: Rc<Policy>,
    kind: CorsErrorKind,
}

enum CorsErrorKind {
    Decorated { error: Error, outcome: Outcome },
    Preflight(Result<PreflightGrant, Reason>),
}

impl fmt::Debug for CorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CorsErrorKind::Decorated { error, .. } => fmt::Debug::fmt(error, f),
            CorsErrorKind::Preflight(result) => write!(f, "CORS preflight answer: {result:?}"),
        }
    }
}

impl fmt::Display for CorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CorsErrorKind::Decorated { error, .. } => fmt::Display::fmt(error, f),
            CorsErrorKind::Preflight(Ok(_)) => f.write_str("CORS preflight allowed"),
            CorsErrorKind::Preflight(Err(reason)) => write!(f, "CORS preflight refused: {reason}"),
        }
    }
}

impl ResponseError for CorsError {
    fn status_code(&self) -> StatusCode {
        match &self.kind {
            CorsErrorKind::Decorated { error, .. } => error.as_response_error().status_code(),
            CorsErrorKind::Preflight(Ok(_)) => StatusCode::NO_CONTENT,
            CorsErrorKind::Preflight(Err(_)) => StatusCode::FORBIDDEN,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let policy = &self.policy.inner;
        match &self.kind {
            CorsErrorKind::Decorated { error, outcome } => {
                let mut response = error.error_response();
                decorate(policy, outcome, response.headers_mut());
                response
            }
            CorsErrorKind::Preflight(Ok(grant)) => preflight_grant(policy, grant.clone()),
            CorsErrorKind::Preflight(Err(_)) => HttpResponse::new(StatusCode::FORBIDDEN),
        }
    }
}

#[cfg(test)]
mod tests {
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
        let response = preflight_grant(&policy.inner, grant);
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
    }
}
