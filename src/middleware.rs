//! The actix-web glue: classify, [decide](crate::decide), decorate. Nothing else.
//!
//! - Preflights are answered here (`204` or `403`); the wrapped service never sees them.
//! - Actual requests reach the wrapped service; its response is decorated on the way out.
//!   An `Err` from the wrapped service stays an `Err` (outer layers still see an error), but
//!   its rendered response is decorated too.
//!
//! # Nested policies: the innermost one decides, when the outer one defers
//!
//! A policy built with [`defer_to_inner_policies`](crate::Cors::defer_to_inner_policies)
//! marks each request with its own identity before passing it down — preflights included.
//! Any policy the request then reaches sees the mark, replaces it with its own identity, and
//! decides as usual. When the response comes back, the deferring policy finds whether a
//! policy beneath claimed the request: if so it leaves the response alone; if not, it decides
//! itself (a preflight is answered only then, in place of whatever the route answered).
//!
//! A policy that does not defer pays one lookup in an empty extensions map per request.
//!
//! # Refusals are reported once, by the policy whose decision wins
//!
//! When policies that do not defer nest, the outermost one decides everything beneath it, so
//! only its refusals are reported: it marks each actual request it decides (`DecidedAbove`),
//! and the policies beneath see the mark and stay silent — unless one of them blocks what the
//! outer one allowed, a refusal only it made. A deferring policy reports only what nobody
//! beneath claimed and nobody above decided. Inserting the mark allocates, so it is set and
//! read only while a refusal can be heard at all: some mounted policy has an `on_reject` hook,
//! or the crate's debug log is enabled.

use std::{
    fmt,
    future::Future,
    pin::Pin,
    rc::Rc,
    sync::atomic::{AtomicBool, Ordering},
    task::{ready, Context, Poll},
};

use actix_service::{Service, Transform};
use actix_web::{
    body::EitherBody,
    dev::{RequestHead, ServiceRequest, ServiceResponse},
    http::{
        header::{
            HeaderMap, HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
            ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
            ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ORIGIN, VARY,
        },
        Method, StatusCode, Uri,
    },
    Error, HttpMessage, HttpRequest, HttpResponse, ResponseError,
};
use futures_util::future::{ready as ready_future, Either, LocalBoxFuture, Ready};
use pin_project_lite::pin_project;

use crate::{
    decision::{
        decide_with, AllowOrigin, Decision, OriginCheck, PreflightGrant, Reason, Rejection,
    },
    guard::is_own_origin,
    headers::{
        remove_grants, vary_on_origin, vary_on_origin_known, HasVary,
        ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, ANY, TRUE, VARY_PREFLIGHT,
    },
    origin::Origin,
    policy::{Cors, Mode, Policy, PolicyInner},
};

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
    /// Per worker: the request path clones this `Rc`, not the shared `Arc`. Its address
    /// identifies this middleware in [`DecidedBy`].
    policy: Rc<Policy>,
}

impl<S> fmt::Debug for CorsMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsMiddleware")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// Request extension: the innermost policy that saw the request, set only when a deferring
/// policy passed it down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DecidedBy(usize);

/// Request extension: a policy that does not defer decided this request, overruling every
/// policy beneath it. Set only while refusals can be heard ([`may_be_heard`]).
#[derive(Debug, Clone, Copy)]
struct DecidedAbove {
    /// Whether that policy refused the request (and so reported it).
    refused: bool,
}

/// Whether any mounted policy has an `on_reject` hook. Process-wide and only ever set: it
/// says whether a policy beneath could hear a refusal, never what any policy answers.
static HOOK_MOUNTED: AtomicBool = AtomicBool::new(false);

impl<S> CorsMiddleware<S> {
    fn new(service: S, policy: Policy) -> Self {
        if policy.inner.on_reject.is_some() {
            HOOK_MOUNTED.store(true, Ordering::Relaxed);
        }
        CorsMiddleware {
            service: Rc::new(service),
            policy: Rc::new(policy),
        }
    }

    fn id(&self) -> usize {
        Rc::as_ptr(&self.policy) as usize
    }

    fn defers(&self) -> bool {
        self.policy.inner.defers_to_inner
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
    Delegated {
        decision: Decision,
        id: usize,
        refused: Option<Box<RequestLine>>,
    },
}

/// What a refusal report needs of a request that may come back as an error.
#[derive(Debug)]
struct RequestLine {
    method: Method,
    uri: Uri,
    origin: Option<HeaderValue>,
}

impl RequestLine {
    fn of(head: &RequestHead) -> Self {
        RequestLine {
            method: head.method.clone(),
            uri: head.uri.clone(),
            origin: head.headers.get(ORIGIN).cloned(),
        }
    }

    fn head(&self) -> RequestHead {
        let mut head = RequestHead::default();
        head.method = self.method.clone();
        head.uri = self.uri.clone();
        if let Some(origin) = &self.origin {
            head.headers.insert(ORIGIN, origin.clone());
        }
        head
    }
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
                let this = CorsMiddleware {
                    service: Rc::clone(&self.service),
                    policy: Rc::clone(&self.policy),
                };
                return Either::Right(Box::pin(async move {
                    let decision = match future.await {
                        true => decide_with(&this.policy.inner, req.head(), OriginCheck::Vouched),
                        false => decision,
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
        if self.defers() {
            req.extensions_mut().insert(DecidedBy(self.id()));
            // Kept for reporting a refusal if the request comes back as an error, which
            // carries no request. `None` when there is nothing to report: nobody listens, the
            // request is same-origin, or a policy above that does not defer decided it (its
            // decision is the response's, and so is the report).
            let reported = is_heard(&self.policy.inner)
                && !req.extensions().contains::<DecidedAbove>()
                && match decision {
                    Decision::Preflight(Err(_)) => true,
                    Decision::Actual(Err(_)) => !is_same_origin(&req),
                    _ => false,
                };
            let refused = reported.then(|| Box::new(RequestLine::of(req.head())));
            return Either::Right(CorsFuture {
                inner: self.service.call(req),
                pending: Some((
                    Pending::Delegated {
                        decision,
                        id: self.id(),
                        refused,
                    },
                    Rc::clone(&self.policy),
                )),
            });
        }
        // A deferring policy above passed this request down: this policy claims it.
        if req.extensions().contains::<DecidedBy>() {
            req.extensions_mut().insert(DecidedBy(self.id()));
        }
        let policy = &*self.policy.inner;
        let above = match &decision {
            Decision::Actual(result) if may_be_heard() => decide_above(&req, result.is_err()),
            _ => None,
        };
        let outcome = match decision {
            Decision::NotCors => Outcome::NotCors,
            Decision::Actual(Ok(allow_origin)) => Outcome::Allowed(allow_origin),
            Decision::Preflight(result) => {
                if let Err(reason) = result {
                    report(policy, reason, true, req.head());
                }
                let answer = preflight_answer(policy, result);
                return Either::Left(ready_future(Ok(req
                    .into_response(answer)
                    .map_into_right_body())));
            }
            Decision::Actual(Err(reason)) => {
                // Overruled by a policy above, this one reports only a block of what that one
                // allowed: anything else the response carries is the other policy's decision.
                let reports = is_heard(policy)
                    && above.is_none_or(|above| !above.refused && policy.block_disallowed);
                // A same-origin request (browsers send `Origin` on same-origin POSTs) needs no
                // grant, and is neither blocked nor reported; only a policy that would do
                // either asks.
                let same_origin = (policy.block_disallowed || reports) && is_same_origin(&req);
                if reports && !same_origin {
                    report(policy, reason, false, req.head());
                }
                if policy.block_disallowed && !same_origin {
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
            Pending::Delegated {
                decision,
                id,
                refused,
            } => {
                match &result {
                    Ok(response) if decided_beneath(response.request(), id) => {
                        return Poll::Ready(result.map(ServiceResponse::map_into_left_body));
                    }
                    Err(error) if error.as_error::<CorsError>().is_some() => {
                        return Poll::Ready(result.map(ServiceResponse::map_into_left_body));
                    }
                    _ => {}
                }
                return Poll::Ready(after_delegation(policy, decision, refused, result));
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
    refused: Option<Box<RequestLine>>,
    result: Result<ServiceResponse<B>, Error>,
) -> Result<CorsResponse<B>, Error> {
    // An error carries no request: report from what was kept of it.
    let report_refusal = |reason, preflight| match (&result, &refused) {
        (Ok(response), Some(_)) => {
            report(&policy.inner, reason, preflight, response.request().head())
        }
        (Err(_), Some(line)) => report(&policy.inner, reason, preflight, &line.head()),
        // Nobody listens, or a same-origin request: nothing to report.
        (_, None) => {}
    };
    let outcome = match decision {
        Decision::NotCors => Outcome::NotCors,
        Decision::Actual(Ok(allow_origin)) => Outcome::Allowed(allow_origin),
        Decision::Actual(Err(reason)) => {
            report_refusal(reason, false);
            Outcome::Refused
        }
        Decision::Preflight(preflight) => {
            if let Err(reason) = preflight {
                report_refusal(reason, true);
            }
            return match result {
                Ok(response) => {
                    let (request, _) = response.into_parts();
                    let answer = preflight_answer(&policy.inner, preflight);
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
        // A strict policy grants nothing to a request without `Origin`, so nothing a handler
        // or an inner layer granted may stay either: it would be a grant this policy never
        // made (a second ACAO line, `*` beside credentials).
        Outcome::NotCors | Outcome::Refused => {
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
/// headers (nothing that reveals the policy). The caller reports refusals.
fn preflight_answer(policy: &PolicyInner, result: Result<PreflightGrant, Reason>) -> HttpResponse {
    match result {
        Ok(grant) => preflight_grant(policy, grant),
        Err(_) => HttpResponse::new(StatusCode::FORBIDDEN),
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

/// Marks `req` as decided by this policy, unless a policy above already did; returns the
/// mark of the policy above.
fn decide_above(req: &ServiceRequest, refused: bool) -> Option<DecidedAbove> {
    let above = req.extensions().get::<DecidedAbove>().copied();
    if above.is_none() {
        req.extensions_mut().insert(DecidedAbove { refused });
    }
    above
}

/// Whether any policy's refusal can be heard: some mounted policy has a hook, or the crate's
/// debug log is on. Decides whether [`DecidedAbove`] marks are worth their allocation.
fn may_be_heard() -> bool {
    HOOK_MOUNTED.load(Ordering::Relaxed)
        || log::log_enabled!(target: "actix_scoped_cors", log::Level::Debug)
}

/// Whether a refusal this policy reports is heard: it has a hook, or the crate's debug log is
/// on. What is not heard need not be worked out (is the request same-origin?) or kept.
fn is_heard(policy: &PolicyInner) -> bool {
    policy.on_reject.is_some() || log::log_enabled!(target: "actix_scoped_cors", log::Level::Debug)
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

/// Whether `Origin` names the request's own origin, by the rule of
/// [`guard::cross_origin`](crate::guard::cross_origin), with actix-web's `ConnectionInfo`
/// defaults (configured host, the listener's scheme) where the request names neither.
fn is_same_origin(req: &ServiceRequest) -> bool {
    req.headers()
        .get(ORIGIN)
        .and_then(|origin| origin.to_str().ok())
        .and_then(Origin::parse)
        .is_some_and(|origin| {
            let config = req.app_config();
            let scheme = if config.secure() { "https" } else { "http" };
            is_own_origin(&origin, req.head(), Some(config.host()), Some(scheme))
        })
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
