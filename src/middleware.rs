//! The actix-web glue: classify, [decide](crate::decision), decorate. Nothing else.
//!
//! - Preflights are answered here (`204` or the configured `200`, also for a refusal the
//!   browser can explain, or
//!   `403`, [`crate::headers`]); the wrapped service never sees them, unless the policy
//!   defers ([`crate::nesting`]).
//! - Actual requests reach the wrapped service; its response is decorated on the way out.
//!   An `Err` from the wrapped service stays that very error: outer layers still find it
//!   with `Error::as_error::<T>()`, and a response mapper added to it decorates whatever
//!   response it renders.

use std::{
    any::Any,
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
        header::{HeaderValue, ORIGIN},
        Method, Uri,
    },
    Error,
};
use futures_util::future::{ready as ready_future, LocalBoxFuture, Ready};
use pin_project_lite::pin_project;

use crate::{
    builder::{Cors, Mode},
    decision::{
        decide_with, origin_verdict, ActualGrant, AllowOrigin, Decision, Naming, OriginCheck,
        PreflightGrant, PreflightRefusal,
    },
    guard::is_own_origin,
    headers::{blocked_answer, decorate, preflight_answer},
    nesting::{self, Claim},
    origin::{ascii_text, Origin, Parts},
    policy::{Policy, PolicyInner},
    rejection::{report, Reason, Refused},
    warn,
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

/// Wrapping an unbuilt [`Cors`] builder validates it when the server starts: once per
/// builder (clones share the result), not once per worker. An invalid configuration stops
/// the server from starting; the [`ConfigError`](crate::ConfigError) is printed to stderr
/// (and logged) once per process. Prefer [`Cors::try_build`] to handle it yourself.
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
        match self.built() {
            Ok(policy) => ready_future(Ok(CorsMiddleware::new(service, policy.clone()))),
            Err(error) => {
                crate::builder::report_start_failure(error);
                ready_future(Err(()))
            }
        }
    }
}

/// The middleware service created by wrapping a [`Policy`] or a [`Cors`] builder.
pub struct CorsMiddleware<S> {
    service: Rc<S>,
    /// Per worker: the request path clones this `Rc`, not the shared `Arc`.
    policy: Rc<Policy>,
    /// Whether its calls to `service` are marked as [`warn::Deciding`].
    may_overrule: warn::MayOverrule,
}

impl<S> fmt::Debug for CorsMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsMiddleware")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<S> CorsMiddleware<S> {
    fn new(service: S, policy: Policy) -> Self {
        nesting::mounted(&policy.inner);
        CorsMiddleware {
            service: Rc::new(service),
            policy: Rc::new(policy),
            may_overrule: warn::mounted(),
        }
    }
}

/// What a deferring policy does once the wrapped service answered: policies beneath may have
/// decided; if none did, it applies this decision. Boxed in the future: only deferring
/// policies delegate (and they allocate their claim anyway), while a whole [`Decision`] in
/// every future would be moved about on every request.
#[derive(Debug)]
struct Delegation {
    decision: Decision,
    claim: Claim,
    refused: Option<RequestLine>,
}

/// What a refusal report needs of a request that may come back as an error.
#[derive(Debug)]
struct RequestLine {
    method: Method,
    uri: Uri,
    origin: Option<actix_web::http::header::HeaderValue>,
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

pin_project! {
    /// The future of a request through a CORS policy: answered at once (a preflight, a
    /// blocked request), the wrapped service's future and then decoration (or, for a policy
    /// that defers, its decision unless a policy beneath took the request), or, when an
    /// asynchronous origin predicate must be asked first, its future and then one of those.
    pub struct CorsFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<F, B> {
        Answered { answer: Option<Result<CorsResponse<B>, Error>> },
        Decorating { #[pin] inner: F, grant: Option<(ActualGrant, Rc<Policy>)> },
        Delegating { #[pin] inner: F, delegation: Option<(Box<Delegation>, Rc<Policy>)> },
        Asking { ask: LocalBoxFuture<'static, bool>, asked: Option<Asked<F, B>> },
    }
}

/// A request waiting for the asynchronous origin predicate, and how to go on with it.
///
/// The wrapped service's type is not in [`CorsFuture`]'s (only its future's is), so the
/// service travels as `dyn Any` and `resume` is [`CorsMiddleware::resume`] for its type:
/// no box beyond the predicate's own future.
struct Asked<F, B> {
    req: ServiceRequest,
    service: Rc<dyn Any>,
    policy: Rc<Policy>,
    may_overrule: warn::MayOverrule,
    naming: Naming,
    /// Whether the request is a preflight (else an actual request) refused for its origin.
    preflight: bool,
    /// The request's `Origin`, which an accepted actual request reflects as it is.
    origin: HeaderValue,
    resume: fn(Asked<F, B>, bool) -> CorsFuture<F, B>,
}

impl<F, B> CorsFuture<F, B> {
    fn answered(answer: CorsResponse<B>) -> Self {
        CorsFuture {
            state: State::Answered {
                answer: Some(Ok(answer)),
            },
        }
    }

    /// The wrapped service's future, whose answer gets `grant`.
    fn decorating(inner: F, grant: ActualGrant, policy: Rc<Policy>) -> Self {
        CorsFuture {
            state: State::Decorating {
                inner,
                grant: Some((grant, policy)),
            },
        }
    }

    /// The wrapped service's future, after which `delegation` applies unless a policy beneath
    /// decided.
    fn delegating(inner: F, delegation: Box<Delegation>, policy: Rc<Policy>) -> Self {
        CorsFuture {
            state: State::Delegating {
                inner,
                delegation: Some((delegation, policy)),
            },
        }
    }
}

impl<F, B> fmt::Debug for CorsFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsFuture").finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = CorsResponse<B>;
    type Error = Error;
    type Future = CorsFuture<S::Future, B>;

    actix_service::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        warn::if_overruled(&self.policy.inner, req.head());
        let policy = &*self.policy.inner;
        if req.method() == Method::OPTIONS {
            // A refusal nobody hears need not name what it refused; only a preflight's can
            // name anything (a refused method or header), so only a preflight asks the logger.
            let naming = match nesting::is_heard(policy) {
                true => Naming::Always,
                false => Naming::Never,
            };
            let decision = decide_with(policy, req.head(), OriginCheck::Match, naming);
            // Unless the asynchronous predicate is to be asked, a policy that does not defer
            // answers at once: what `decided` would do.
            let answer_now = !policy.defers_to_inner
                && (policy.async_origin.is_none() || !decision.awaits_origin_predicate());
            return match decision {
                Decision::Preflight(result) if answer_now => {
                    nesting::take_claim(&req);
                    self.answer_preflight(req, result)
                }
                decision => self.decided(req, decision, naming),
            };
        }
        // A permissive policy decorates every actual response alike, `Origin` or not, and
        // refuses none: unless its decision could matter to a refusal heard beneath it
        // (`nesting::decide_above`), it need not look at the request's headers.
        // Nor need it build a decision: this is `proceed` with `Decision::NotCors`, for a
        // policy that does not defer (one that does keeps a claim, in `proceed`).
        if !policy.reflects && self.may_skip_decision() {
            return self.serve(req, ActualGrant::NotCors);
        }
        // No `Origin` (a strict policy only adds `Vary: Origin`), an allowed actual request,
        // or a refused one that no asynchronous predicate may still accept and nobody blocks
        // or hears (`decided` and `proceed` would do just this).
        let decision = match origin_verdict(policy, req.head(), OriginCheck::Match) {
            None if self.may_skip_decision() => return self.serve(req, ActualGrant::NotCors),
            Some(Ok(allow_origin)) if self.may_skip_decision() => {
                return self.serve(req, ActualGrant::Allowed(allow_origin))
            }
            Some(Err(_)) if policy.async_origin.is_none() && self.may_serve_refused() => {
                return self.serve(req, ActualGrant::Refused)
            }
            None => Decision::NotCors,
            Some(result) => Decision::Actual(result),
        };
        self.decided(req, decision, Naming::Never)
    }
}

impl<S, B> CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    /// Goes on with a judged request (by `decide_with`, or `origin_verdict` for an actual
    /// request not served at once): asks the asynchronous predicate if the
    /// origin is all that stands in the way, else serves or answers it.
    fn decided(
        &self,
        req: ServiceRequest,
        decision: Decision,
        naming: Naming,
    ) -> CorsFuture<S::Future, B> {
        let policy = &*self.policy.inner;
        if decision.awaits_origin_predicate() {
            if let Some((ask, origin)) = self.ask_origin_predicate(&req) {
                let service: Rc<dyn Any> = Rc::clone(&self.service) as Rc<dyn Any>;
                return CorsFuture {
                    state: State::Asking {
                        ask,
                        asked: Some(Asked {
                            preflight: matches!(decision, Decision::Preflight(_)),
                            req,
                            service,
                            policy: Rc::clone(&self.policy),
                            may_overrule: self.may_overrule,
                            naming,
                            origin,
                            resume: Self::resume,
                        }),
                    },
                };
            }
        }
        // The predicate had its say. A policy that does not defer answers a preflight at once;
        // a refused actual request that is neither blocked nor reported is served as
        // `proceed` would.
        match decision {
            Decision::Preflight(result) if !policy.defers_to_inner => {
                nesting::take_claim(&req);
                return self.answer_preflight(req, result);
            }
            Decision::Actual(Err(_)) if self.may_serve_refused() => {
                return self.serve(req, ActualGrant::Refused)
            }
            _ => {}
        }
        self.proceed(req, decision)
    }

    /// The asynchronous predicate's future for this request's origin, and that origin, if the
    /// policy has a predicate and the origin is well-formed.
    fn ask_origin_predicate(
        &self,
        req: &ServiceRequest,
    ) -> Option<(LocalBoxFuture<'static, bool>, HeaderValue)> {
        let predicate = self.policy.inner.async_origin.as_ref()?;
        let origin = req.headers().get(ORIGIN)?;
        // The parser checks every byte, and a canonical origin is ASCII: the ASCII check
        // only lets the value be borrowed as text.
        Parts::canonical(origin.as_bytes())?;
        let text = ascii_text(origin.as_bytes())?;
        Some((predicate(text.to_owned()), origin.clone()))
    }

    /// Goes on with a request once the asynchronous predicate answered: the origin it accepts
    /// is judged as vouched for; one it refuses stays refused, as it was before it asked.
    fn resume(asked: Asked<S::Future, B>, accepted: bool) -> CorsFuture<S::Future, B> {
        let Asked {
            req,
            service,
            policy,
            may_overrule,
            naming,
            preflight,
            origin,
            ..
        } = asked;
        let Ok(service) = Rc::downcast::<S>(service) else {
            unreachable!("an Asked holds the service of the middleware that made it")
        };
        let this = CorsMiddleware {
            service,
            policy,
            may_overrule,
        };
        let decision = match (accepted, preflight) {
            // An actual request was refused for its origin alone, which `ask_origin_predicate`
            // found well-formed: vouched for, it is reflected as it is (what `decide_with`
            // with `OriginCheck::Vouched` would say, without looking at the request again).
            (true, false) if this.may_skip_decision() => {
                return this.serve(req, ActualGrant::Allowed(AllowOrigin::Reflect(origin)));
            }
            (true, false) => Decision::Actual(Ok(AllowOrigin::Reflect(origin))),
            (true, true) => {
                decide_with(&this.policy.inner, req.head(), OriginCheck::Vouched, naming)
            }
            // What `decide_with` said before asking (`awaits_origin_predicate`).
            (false, true) => Decision::Preflight(Err(Reason::OriginNotAllowed.into())),
            (false, false) => Decision::Actual(Err(Reason::OriginNotAllowed)),
        };
        this.proceed(req, decision)
    }

    fn proceed(&self, req: ServiceRequest, decision: Decision) -> CorsFuture<S::Future, B> {
        let policy = &*self.policy.inner;
        // A deferring policy above passed this request down: this policy decides it.
        nesting::take_claim(&req);
        if policy.defers_to_inner {
            let claim = Claim::open(&req);
            // Kept for reporting a refusal if the request comes back as an error, which
            // carries no request. `None` when there is nothing to report: nobody listens, the
            // request is same-origin, or a policy above that does not defer decided it (its
            // decision is the response's, and so is the report).
            let reported = nesting::is_heard(policy)
                && !nesting::decided_above(&req)
                && match decision {
                    Decision::Preflight(Err(_)) => true,
                    Decision::Actual(Err(_)) => !is_same_origin(&req),
                    _ => false,
                };
            let refused = reported.then(|| RequestLine::of(req.head()));
            let delegation = Box::new(Delegation {
                decision,
                claim,
                refused,
            });
            return CorsFuture::delegating(
                self.service.call(req),
                delegation,
                Rc::clone(&self.policy),
            );
        }
        let above = match &decision {
            Decision::Actual(result) if nesting::may_be_heard() => {
                nesting::decide_above(&req, result.is_err())
            }
            _ => None,
        };
        let decision = match decision {
            Decision::Preflight(result) => return self.answer_preflight(req, result),
            decision => decision,
        };
        match &decision {
            Decision::Actual(Err(reason)) => {
                // Overruled by a policy above, this one reports only a block of what that one
                // allowed: anything else the response carries is the other policy's decision.
                let reports = nesting::is_heard(policy)
                    && above.is_none_or(|above| !above.refused && policy.block_disallowed);
                // A same-origin request (browsers send `Origin` on same-origin POSTs) needs no
                // grant, and is neither blocked nor reported; only a policy that would do
                // either asks.
                let same_origin = (policy.block_disallowed || reports) && is_same_origin(&req);
                if reports && !same_origin {
                    report(
                        policy.on_reject.as_ref(),
                        (*reason).into(),
                        false,
                        req.head(),
                    );
                }
                if policy.block_disallowed && !same_origin {
                    warn_if_other_scheme(policy, &req);
                    let answer = req.into_response(blocked_answer());
                    return CorsFuture::answered(answer.map_into_right_body());
                }
            }
            Decision::NotCors | Decision::Actual(Ok(_)) | Decision::Preflight(_) => {}
        }
        CorsFuture::decorating(
            self.call_service(req),
            decision.into_actual(),
            Rc::clone(&self.policy),
        )
    }

    /// Answers a preflight this policy decided (one that defers only once no policy beneath
    /// claimed it), reporting a refusal.
    #[inline(always)]
    fn answer_preflight(
        &self,
        req: ServiceRequest,
        result: Result<PreflightGrant, PreflightRefusal>,
    ) -> CorsFuture<S::Future, B> {
        let policy = &*self.policy.inner;
        match &result {
            Err(refusal) if nesting::is_heard(policy) => {
                report(policy.on_reject.as_ref(), refusal.into(), true, req.head());
            }
            // Nothing reported is heard: no report to build.
            _ => {}
        }
        let answer = preflight_answer(policy, result);
        CorsFuture::answered(req.into_response(answer).map_into_right_body())
    }

    /// Whether an actual request may skip [`proceed`](Self::proceed) and be
    /// [served](Self::serve) at once: the policy keeps no claim (it does not defer) and no
    /// refusal beneath it can be heard (no [`DecidedAbove`](crate::nesting::DecidedAbove) mark
    /// is needed). A refused request also needs this policy not to block it
    /// ([`may_serve_refused`](Self::may_serve_refused)).
    fn may_skip_decision(&self) -> bool {
        !self.policy.inner.defers_to_inner && !nesting::may_be_heard()
    }

    /// Whether a refused actual request may be [served](Self::serve) at once: it [may skip
    /// the decision](Self::may_skip_decision) (so nobody hears a refusal: a policy's own hook
    /// counts among those that may be heard) and the policy does not block it.
    fn may_serve_refused(&self) -> bool {
        !self.policy.inner.block_disallowed && self.may_skip_decision()
    }

    /// `proceed` with an actual request (allowed, without `Origin`, or refused but neither
    /// blocked nor reported), for a policy that [may skip it](Self::may_skip_decision): the
    /// service runs, and its response gets `grant`.
    #[inline(always)]
    fn serve(&self, req: ServiceRequest, grant: ActualGrant) -> CorsFuture<S::Future, B> {
        nesting::take_claim(&req);
        CorsFuture::decorating(self.call_service(req), grant, Rc::clone(&self.policy))
    }

    /// Calls the wrapped service, marked as [`warn::Deciding`] if it may hold a policy this
    /// one overrules.
    fn call_service(&self, req: ServiceRequest) -> S::Future {
        match self.may_overrule.0 {
            true => {
                let _deciding = warn::Deciding::start();
                self.service.call(req)
            }
            false => self.service.call(req),
        }
    }
}

impl<F, B> Future for CorsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<CorsResponse<B>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.as_mut().project().state.project() {
            StateProjection::Answered { answer } => {
                Poll::Ready(answer.take().expect("CorsFuture polled after completion"))
            }
            StateProjection::Asking { .. } => self.poll_asking(cx),
            StateProjection::Decorating { inner, grant } => {
                let result = ready!(inner.poll(cx));
                let (grant, policy) = grant.take().expect("CorsFuture polled after completion");
                Poll::Ready(finish(policy, grant, result))
            }
            StateProjection::Delegating { inner, delegation } => {
                let result = ready!(inner.poll(cx));
                let (delegation, policy) = delegation
                    .take()
                    .expect("CorsFuture polled after completion");
                Poll::Ready(match delegation.claim.is_taken() {
                    true => result.map(ServiceResponse::map_into_left_body),
                    false => {
                        let Delegation {
                            decision, refused, ..
                        } = *delegation;
                        after_delegation(policy, decision, refused, result)
                    }
                })
            }
        }
    }
}

impl<F, B> CorsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    /// [`poll`](Future::poll) while the asynchronous predicate is asked: once it answered,
    /// this future becomes what the decision makes of the request, and is polled as that.
    /// Out of line, so that `poll` stays small for every other request.
    #[inline(never)]
    fn poll_asking(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<CorsResponse<B>, Error>> {
        let StateProjection::Asking { ask, asked } = self.as_mut().project().state.project() else {
            unreachable!("poll_asking is called in the Asking state");
        };
        let accepted = ready!(ask.as_mut().poll(cx));
        let asked = asked.take().expect("CorsFuture polled after completion");
        let next = (asked.resume)(asked, accepted);
        self.as_mut().project().state.set(next.state);
        self.poll(cx)
    }
}

/// Decorates the wrapped service's answer: its response, or the response its error renders.
/// Inlined into `poll`, so that the response is built in place rather than moved through
/// this function's frame.
#[inline(always)]
fn finish<B>(
    policy: Rc<Policy>,
    grant: ActualGrant,
    result: Result<ServiceResponse<B>, Error>,
) -> Result<CorsResponse<B>, Error> {
    match result {
        Ok(mut response) => {
            let replaced = decorate(&policy.inner, grant, response.headers_mut());
            if replaced.any() {
                warn::replaced_grants(&policy.inner, Some(response.request().head()), replaced);
            }
            Ok(response.map_into_left_body())
        }
        Err(error) => Err(decorate_error(policy, grant, error)),
    }
}

/// The request is gone with the error, so the error itself carries the grant: its
/// response, wherever an outer layer renders it, is decorated like any other. The error
/// keeps its type.
#[cold]
#[inline(never)]
fn decorate_error(policy: Rc<Policy>, grant: ActualGrant, mut error: Error) -> Error {
    error.add_response_mapper(move |mut response| {
        let replaced = decorate(&policy.inner, grant.clone(), response.headers_mut());
        if replaced.any() {
            warn::replaced_grants(&policy.inner, None, replaced);
        }
        response
    });
    error
}

/// No policy beneath decided: a preflight is answered now, in place of the route's answer;
/// an actual request is decorated as usual.
fn after_delegation<B>(
    policy: Rc<Policy>,
    decision: Decision,
    refused: Option<RequestLine>,
    result: Result<ServiceResponse<B>, Error>,
) -> Result<CorsResponse<B>, Error> {
    // An error carries no request: report from what was kept of it.
    let report_refusal = |reason: Refused<'_>, preflight| {
        let hook = policy.inner.on_reject.as_ref();
        match (&result, &refused) {
            (Ok(response), Some(_)) => report(hook, reason, preflight, response.request().head()),
            (Err(_), Some(line)) => report(hook, reason, preflight, &line.head()),
            // Nobody listens, or a same-origin request: nothing to report.
            (_, None) => {}
        }
    };
    match &decision {
        Decision::Actual(Err(reason)) => report_refusal((*reason).into(), false),
        Decision::Preflight(Err(refusal)) => report_refusal(refusal.into(), true),
        Decision::NotCors | Decision::Actual(Ok(_)) | Decision::Preflight(Ok(_)) => {}
    }
    let preflight = match decision {
        Decision::Preflight(preflight) => preflight,
        decision => return finish(policy, decision.into_actual(), result),
    };
    match result {
        Ok(response) => {
            let (request, _) = response.into_parts();
            let answer = preflight_answer(&policy.inner, preflight);
            Ok(ServiceResponse::new(request, answer).map_into_right_body())
        }
        // Without the request there is no response to build; the route's error, still
        // itself, renders as the preflight answer.
        Err(mut error) => {
            error.add_response_mapper(move |_| preflight_answer(&policy.inner, preflight.clone()));
            Err(error)
        }
    }
}

/// Warns, once, when `Origin` names the request's own host with the other scheme (see
/// [`warn::other_scheme`]).
fn warn_if_other_scheme(policy: &PolicyInner, req: &ServiceRequest) {
    if !warn::other_scheme_pending(policy) {
        return;
    }
    let Some(text) = req.headers().get(ORIGIN).and_then(|o| o.to_str().ok()) else {
        return;
    };
    let Some(origin) = Origin::parse(text) else {
        return;
    };
    // The caller found the request not same-origin with the listener's scheme.
    let config = req.app_config();
    let other = if config.secure() { "http" } else { "https" };
    if is_own_origin(&origin, req.head(), Some(config.host()), Some(other)) {
        warn::other_scheme(policy, req.head(), text);
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

#[cfg(test)]
mod tests {
    use actix_web::HttpResponse;

    use super::*;
    use crate::decision::{AllowOrigin, PreflightGrant};

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
        let response: HttpResponse = preflight_answer(&policy.inner, Ok(grant));
        assert_eq!(response.status(), actix_web::http::StatusCode::NO_CONTENT);
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
