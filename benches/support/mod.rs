//! What `benches/cors.rs`, `benches/allocations.rs` and `tests/allocations.rs` share: the
//! scenarios, the three implementations set up with equivalent policies, a driver that calls
//! them without a runtime, and a per-thread allocation counter.
//!
//! Every implementation is the same shape: `Transform::new_transform` over one trivial inner
//! service (`req.into_response(HttpResponse::Ok())`), called with a `ServiceRequest` built by
//! `TestRequest::to_srv_request()` *outside* the measured section. "No middleware" is that
//! inner service alone, so "overhead" is exactly what the CORS layer adds: deciding, the
//! response it builds or decorates, its future, and dropping what it made.
//!
//! The floor ([`Floor`]) is the least any layer emitting a scenario's grant headers can
//! cost: it appends the very headers this crate sends, precomputed as `'static` values, with
//! no checks at all (it is set up per scenario, so it knows the answer in advance).

use std::{
    alloc::{GlobalAlloc, Layout, System},
    cell::Cell,
    future::Future,
    hint::black_box,
    marker::PhantomData,
    pin::pin,
    task::{Context, Poll, Waker},
    time::Duration,
};

mod bound;

use actix_web::{
    body::EitherBody,
    dev::{fn_service, Service, ServiceRequest, ServiceResponse, Transform},
    http::{
        header::{self, HeaderName, HeaderValue},
        Method, StatusCode,
    },
    test::TestRequest,
    Error, HttpResponse,
};

/// The implementations compared, in the order they are measured and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// The trivial inner service alone: the physical limit.
    None,
    /// actix-cors 0.7.
    ActixCors,
    /// This crate.
    ScopedCors,
    /// The floor: the scenario's grant headers, `'static`, appended without any check. Only
    /// for scenarios whose answer grants something ([`Scenario::floor`]).
    Floor,
    /// The bound ([`bound`]): the floor plus the least a layer that checks the request must
    /// do. Only where there is a floor, and only under callgrind (not in [`Impl::ALL`]).
    Bound,
}

impl Impl {
    pub const ALL: [Impl; 4] = [Impl::None, Impl::ActixCors, Impl::ScopedCors, Impl::Floor];

    /// The last segment of a bench ID.
    pub fn id(self) -> &'static str {
        match self {
            Impl::None => "none",
            Impl::ActixCors => "actix_cors",
            Impl::ScopedCors => "scoped_cors",
            Impl::Floor => "floor",
            Impl::Bound => "bound",
        }
    }

    /// The implementations measured for `scenario`: all but the floor where it has none.
    pub fn for_scenario(scenario: &Scenario) -> impl Iterator<Item = Impl> + '_ {
        Impl::ALL
            .into_iter()
            .filter(|&imp| imp != Impl::Floor || scenario.floor().is_some())
    }
}

/// Which origins the strict policy allows (every strict policy also allows
/// `https://app.example.com` exactly). Methods, request headers, exposed headers, max age and
/// credentials are the same in all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origins {
    /// `n` exact origins.
    Exact(usize),
    /// `n` subdomain wildcards `https://*.tenantI.example.com`.
    Wildcards(usize),
    /// One anchored regex `https://pr-[0-9]+\.preview\.example\.com`: a literal, a middle of
    /// label bytes and a literal of whole labels, which this crate matches without a parse.
    Regex,
    /// Two anchored regexes, that one and `https://[a-z0-9-]+\.staging\.example\.com`, each
    /// cut the same way and tried in turn: the request matches the second, the worst case.
    Regexes,
    /// One anchored regex this crate does not cut, `https://[a-z0-9-]+\.example\.(?:com|org)`
    /// (its end is no literal): checked canonical, then matched by a DFA of the whole regex,
    /// as any regex of another shape is.
    UncutRegex,
    /// A predicate accepting the host `partner.example.org`.
    Predicate,
    /// An asynchronous predicate accepting the host `partner.example.org` (actix-cors has
    /// none: its sync predicate is the equivalent).
    AsyncPredicate,
    /// Anonymous, `*`: any origin, method and request header.
    Permissive,
}

/// What kind of scenario, for the targets in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An actual request (GET): the handler runs.
    Actual,
    /// A well-formed preflight.
    Preflight,
    /// An adversarial preflight.
    Hostile,
}

/// One benchmarked situation: a policy and a request.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `group/variant`; bench IDs append `/none`, `/actix_cors` or `/scoped_cors`.
    pub id: &'static str,
    pub kind: Kind,
    pub origins: Origins,
    pub method: Method,
    pub origin: Option<String>,
    /// Whether a request is big (tens of KiB): fewer are built at once.
    pub big: bool,
    /// A `Vary` value the handler sets on its response, which the CORS layer must merge with.
    pub handler_vary: Option<&'static str>,
    /// The request's CORS header values as received ([`Wire`]).
    wire: Wire,
}

/// A scenario's request header values, made once and kept by the scenario, as a server's
/// decoder keeps the connection's read buffer: each request's values are references into
/// it (actix-http slices every header value out of the buffer it read the head into), so
/// a layer that keeps one (to reflect the origin) bumps a count and never frees it.
/// `TestRequest` would give each request values of its own, and whichever layer dropped a
/// value last would pay for freeing it, a cost no server pays per header.
#[derive(Debug, Clone, Default)]
struct Wire {
    origin: Option<HeaderValue>,
    request_method: Option<HeaderValue>,
    request_headers: Option<HeaderValue>,
}

impl Wire {
    fn new(
        origin: Option<&str>,
        request_method: Option<&str>,
        request_headers: Option<&str>,
    ) -> Self {
        let value = |text: Option<&str>| {
            text.map(|text| {
                let value = HeaderValue::try_from(text.to_owned()).expect("valid header value");
                // A value made from a `String` allocates its shared count at its first clone:
                // take that clone now.
                drop(value.clone());
                value
            })
        };
        Wire {
            origin: value(origin),
            request_method: value(request_method),
            request_headers: value(request_headers),
        }
    }
}

pub const ALLOWED: &str = "https://app.example.com";
pub const DISALLOWED: &str = "https://evil.example.net";
pub const REQUEST_HEADERS: &str = "content-type,authorization,x-requested-with";
const PATH: &str = "/api/items";

impl Scenario {
    fn get(id: &'static str, origins: Origins, origin: Option<&str>) -> Self {
        Scenario {
            id,
            kind: Kind::Actual,
            origins,
            method: Method::GET,
            origin: origin.map(str::to_owned),
            big: false,
            handler_vary: None,
            wire: Wire::new(origin, None, None),
        }
    }

    fn preflight(id: &'static str, kind: Kind, origin: String, headers: String) -> Self {
        Scenario {
            id,
            kind,
            origins: Origins::Exact(1),
            method: Method::OPTIONS,
            big: origin.len() + headers.len() > 4096,
            wire: Wire::new(Some(&origin), Some("PUT"), Some(&headers)),
            origin: Some(origin),
            handler_vary: None,
        }
    }

    /// A fresh request for this scenario, its CORS header values references into the
    /// scenario's [`Wire`] (as a server's are into its read buffer): cloning one, as both
    /// middlewares do to reflect the origin, bumps a count and never allocates or frees.
    pub fn request(&self) -> ServiceRequest {
        let mut req = TestRequest::default().method(self.method.clone()).uri(PATH);
        let wire = &self.wire;
        for (name, value) in [
            (header::ORIGIN, &wire.origin),
            (header::ACCESS_CONTROL_REQUEST_METHOD, &wire.request_method),
            (
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                &wire.request_headers,
            ),
        ] {
            if let Some(value) = value {
                req = req.insert_header((name, value.clone()));
            }
        }
        req.to_srv_request()
    }
}

/// What the floor does for a scenario: the headers this crate's answer carries.
#[derive(Debug, Clone, Copy)]
pub struct FloorAnswer {
    /// Answer at once with `204` (a preflight) instead of calling the inner service.
    pub preflight: bool,
    pub headers: &'static [(HeaderName, HeaderValue)],
}

impl Scenario {
    /// The floor's answer: the grant headers this crate sends for this scenario, in its
    /// order, as `'static` values; `None` where nothing is granted (refusals, no `Origin`).
    pub fn floor(&self) -> Option<FloorAnswer> {
        let origin = self.origin.as_deref()?;
        let granted = match self.kind {
            Kind::Actual => origin != DISALLOWED,
            Kind::Preflight => origin == ALLOWED && self.id == "preflight/allowed",
            Kind::Hostile => false,
        };
        if !granted {
            return None;
        }
        // Leaked once per floor set up, outside any measurement: the floor's values are
        // `'static` by definition.
        let leak = |text: String| -> HeaderValue {
            HeaderValue::from_static(Box::leak(text.into_boxed_str()))
        };
        let allow_origin = (header::ACCESS_CONTROL_ALLOW_ORIGIN, leak(origin.to_owned()));
        let headers: Vec<(HeaderName, HeaderValue)> = match (self.kind, self.origins) {
            (_, Origins::Permissive) => vec![(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            )],
            (Kind::Preflight, _) => vec![
                allow_origin,
                (
                    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    HeaderValue::from_static("true"),
                ),
                (
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    leak(METHODS.map(|m| m.to_string()).join(", ")),
                ),
                (
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    leak(HEADERS.join(", ")),
                ),
                (header::ACCESS_CONTROL_MAX_AGE, leak(MAX_AGE.to_string())),
                (
                    header::VARY,
                    HeaderValue::from_static(
                        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
                    ),
                ),
            ],
            _ => vec![
                allow_origin,
                (
                    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    HeaderValue::from_static("true"),
                ),
                (header::VARY, HeaderValue::from_static("Origin")),
                (
                    header::ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_static(EXPOSE),
                ),
            ],
        };
        Some(FloorAnswer {
            preflight: self.kind == Kind::Preflight,
            headers: Vec::leak(headers),
        })
    }
}

/// The floor: the cheapest layer that emits a scenario's grant headers. It appends them
/// (precomputed `'static` names and values: clones are copies, no reference counts) and
/// checks nothing; a preflight is answered `204` at once. Its response type is a CORS
/// layer's (`EitherBody`: the inner body or its own answer).
pub struct Floor<S> {
    service: S,
    answer: FloorAnswer,
}

fn append_all(headers: &mut header::HeaderMap, answer: &FloorAnswer) {
    for (name, value) in answer.headers {
        headers.append(name.clone(), value.clone());
    }
}

pin_project_lite::pin_project! {
    /// The floor's future: its own answer, or the inner future and then the headers.
    #[project = FloorProjection]
    pub enum FloorFuture<F, B> {
        Answered { answer: Option<ServiceResponse<EitherBody<B>>> },
        Inner { #[pin] inner: F, answer: FloorAnswer },
    }
}

impl<F, B> Future for FloorFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            FloorProjection::Answered { answer } => {
                Poll::Ready(Ok(answer.take().expect("polled once")))
            }
            FloorProjection::Inner { inner, answer } => {
                let mut response = std::task::ready!(inner.poll(cx))?;
                append_all(response.headers_mut(), answer);
                Poll::Ready(Ok(response.map_into_left_body()))
            }
        }
    }
}

impl<S, B> Service<ServiceRequest> for Floor<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = FloorFuture<S::Future, B>;

    actix_service::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if self.answer.preflight {
            let mut response = HttpResponse::new(StatusCode::NO_CONTENT);
            append_all(response.headers_mut(), &self.answer);
            return FloorFuture::Answered {
                answer: Some(req.into_response(response).map_into_right_body()),
            };
        }
        FloorFuture::Inner {
            inner: self.service.call(req),
            answer: self.answer,
        }
    }
}

/// Every scenario, in report order.
pub fn scenarios() -> Vec<Scenario> {
    let allowed = Some(ALLOWED);
    let mut list = vec![
        Scenario::get("allowed_get/1_origin", Origins::Exact(1), allowed),
        Scenario::get("allowed_get/1000_origins", Origins::Exact(1_000), allowed),
        Scenario::get(
            "allowed_get/100000_origins",
            Origins::Exact(100_000),
            allowed,
        ),
        Scenario::get(
            "wildcard_get/1_pattern",
            Origins::Wildcards(1),
            Some("https://acme.tenant0.example.com"),
        ),
        Scenario::get(
            "wildcard_get/100_patterns",
            Origins::Wildcards(100),
            // The last pattern: the worst case for a linear scan.
            Some("https://acme.tenant99.example.com"),
        ),
        Scenario::get(
            "regex_get/1_regex",
            Origins::Regex,
            Some("https://pr-42.preview.example.com"),
        ),
        Scenario::get(
            "regex_get/2_regexes",
            Origins::Regexes,
            Some(STAGING_ORIGIN),
        ),
        Scenario::get(
            "regex_get/uncut_regex",
            Origins::UncutRegex,
            Some("https://shop.example.org"),
        ),
        Scenario::get(
            "predicate_get/1_fn",
            Origins::Predicate,
            Some("https://partner.example.org"),
        ),
        Scenario::get(
            "predicate_get/1_async_fn",
            Origins::AsyncPredicate,
            Some("https://partner.example.org"),
        ),
        Scenario::preflight(
            "preflight/allowed",
            Kind::Preflight,
            ALLOWED.to_owned(),
            REQUEST_HEADERS.to_owned(),
        ),
        // An allowed origin asking for a header the policy does not allow: the explained
        // refusal (`204` with the allowed lists, naming nothing refused).
        Scenario::preflight(
            "preflight/refused_header",
            Kind::Preflight,
            ALLOWED.to_owned(),
            "content-type,x-api-key".to_owned(),
        ),
        Scenario::preflight(
            "preflight/disallowed",
            Kind::Preflight,
            DISALLOWED.to_owned(),
            REQUEST_HEADERS.to_owned(),
        ),
        Scenario::get(
            "disallowed_get/1_origin",
            Origins::Exact(1),
            Some(DISALLOWED),
        ),
        Scenario::get("no_origin_get/1_origin", Origins::Exact(1), None),
        Scenario {
            handler_vary: Some("Accept-Encoding"),
            ..Scenario::get("vary_get/handler_vary", Origins::Exact(1), allowed)
        },
        Scenario::get("permissive_get/any_origin", Origins::Permissive, allowed),
    ];
    let hostile = |id, origin: String, headers: String| {
        Scenario::preflight(id, Kind::Hostile, origin, headers)
    };
    list.extend([
        hostile(
            "hostile_preflight/acrh_1024_commas",
            ALLOWED.to_owned(),
            ",".repeat(1024),
        ),
        hostile(
            "hostile_preflight/acrh_1000_repeats",
            ALLOWED.to_owned(),
            vec!["x-requested-with"; 1000].join(","),
        ),
        hostile(
            "hostile_preflight/acrh_64k_spaces",
            ALLOWED.to_owned(),
            " ".repeat(64 * 1024),
        ),
        hostile(
            "hostile_preflight/origin_8k",
            format!("https://{}.example.com", "a".repeat(8 * 1024 - 20)),
            REQUEST_HEADERS.to_owned(),
        ),
    ]);
    list
}

const METHODS: [Method; 4] = [Method::GET, Method::POST, Method::PUT, Method::DELETE];
const HEADERS: [&str; 3] = ["content-type", "authorization", "x-requested-with"];
const EXPOSE: &str = "x-request-id";
const MAX_AGE: u64 = 600;
const REGEX: &str = r"https://pr-[0-9]+\.preview\.example\.com";
/// The regexes of [`Origins::Regexes`]: [`REGEX`] and a staging one.
const REGEXES: [&str; 2] = [REGEX, r"https://[a-z0-9-]+\.staging\.example\.com"];
/// What [`Origins::Regexes`] is asked: an origin only its second regex matches.
pub const STAGING_ORIGIN: &str = "https://ci-7.staging.example.com";
/// The regex of [`Origins::UncutRegex`].
const UNCUT_REGEX: &str = r"https://[a-z0-9-]+\.example\.(?:com|org)";

/// The regexes a regex scenario's policies are given, in order (none for other scenarios).
fn regexes(origins: Origins) -> &'static [&'static str] {
    match origins {
        Origins::Regex => &REGEXES[..1],
        Origins::Regexes => &REGEXES,
        Origins::UncutRegex => &[UNCUT_REGEX],
        _ => &[],
    }
}
const PARTNER_HOST: &str = "partner.example.org";

fn exact_origins(n: usize) -> impl Iterator<Item = String> {
    std::iter::once(ALLOWED.to_owned()).chain((1..n).map(|i| format!("https://app{i}.example.com")))
}

fn wildcard_suffixes(n: usize) -> Vec<String> {
    (0..n).map(|i| format!(".tenant{i}.example.com")).collect()
}

/// This crate's policy for `origins`.
pub fn scoped_policy(origins: Origins) -> actix_scoped_cors::Policy {
    use actix_scoped_cors::Cors;
    let strict = |entries: Vec<String>| {
        Cors::strict(entries)
            .allow_methods(METHODS.iter().map(Method::as_str))
            .allow_headers(HEADERS)
            .expose_headers([EXPOSE])
            .max_age(Duration::from_secs(MAX_AGE))
    };
    let built = match origins {
        Origins::Exact(n) => strict(exact_origins(n).collect()).try_build(),
        Origins::Wildcards(n) => {
            let mut entries = vec![ALLOWED.to_owned()];
            entries.extend(
                wildcard_suffixes(n)
                    .iter()
                    .map(|suffix| format!("https://*{suffix}")),
            );
            strict(entries).try_build()
        }
        Origins::Regex | Origins::Regexes | Origins::UncutRegex => regexes(origins)
            .iter()
            .fold(strict(vec![ALLOWED.to_owned()]), |cors, regex| {
                cors.allow_origin_regex(*regex)
            })
            .try_build(),
        Origins::Predicate => strict(vec![ALLOWED.to_owned()])
            .allow_origin_fn(|origin, _head| origin.host() == PARTNER_HOST)
            .try_build(),
        Origins::AsyncPredicate => strict(vec![ALLOWED.to_owned()])
            .allow_origin_async(|origin| async move {
                origin.strip_prefix("https://") == Some(PARTNER_HOST)
            })
            .try_build(),
        Origins::Permissive => Cors::permissive().try_build(),
    };
    built.expect("benchmark policies are valid")
}

/// actix-cors' closest equivalent of [`scoped_policy`].
pub fn actix_policy(origins: Origins) -> actix_cors::Cors {
    use actix_cors::Cors;
    let strict = || {
        Cors::default()
            .allowed_origin(ALLOWED)
            .allowed_methods(METHODS)
            .allowed_headers(HEADERS)
            .expose_headers([EXPOSE])
            .max_age(MAX_AGE as usize)
            .supports_credentials()
            // Like this crate: serve disallowed actual requests without CORS headers.
            .block_on_origin_mismatch(false)
    };
    match origins {
        Origins::Exact(n) => exact_origins(n)
            .skip(1)
            .fold(strict(), |cors, origin| cors.allowed_origin(&origin)),
        // actix-cors has no subdomain patterns: its closest is a predicate doing what a
        // careful user would write, a scheme check and a label-boundary suffix check per
        // pattern (a linear scan).
        Origins::Wildcards(n) => {
            let suffixes = wildcard_suffixes(n);
            strict().allowed_origin_fn(move |origin, _head| {
                let Some(host) = origin
                    .to_str()
                    .ok()
                    .and_then(|o| o.strip_prefix("https://"))
                else {
                    return false;
                };
                suffixes
                    .iter()
                    .any(|suffix| host.len() > suffix.len() && host.ends_with(suffix.as_str()))
            })
        }
        // actix-cors has no regex option: a predicate over an anchored `Regex` (for two, one
        // anchored alternation of both).
        Origins::Regex | Origins::Regexes | Origins::UncutRegex => {
            let pattern = format!("^(?:{})$", regexes(origins).join("|"));
            let regex = regex::Regex::new(&pattern).expect("valid regex");
            strict().allowed_origin_fn(move |origin, _head| {
                origin.to_str().is_ok_and(|origin| regex.is_match(origin))
            })
        }
        Origins::Predicate | Origins::AsyncPredicate => {
            strict().allowed_origin_fn(|origin, _head| {
                origin
                    .to_str()
                    .ok()
                    .and_then(|o| o.strip_prefix("https://"))
                    == Some(PARTNER_HOST)
            })
        }
        // `actix_cors::Cors::permissive()` is credentialed and reflects the origin; the
        // anonymous `*` policy is this.
        Origins::Permissive => Cors::default()
            .allow_any_origin()
            .send_wildcard()
            .allow_any_method()
            .allow_any_header()
            .max_age(7200),
    }
}

/// One implementation, set up and ready to be called.
pub trait Driver {
    /// Calls the service with `req` and drops the response (both are part of the cost).
    fn call(&self, req: ServiceRequest);
    /// Calls the service and returns the status and `Access-Control-Allow-Origin`, to check
    /// that the implementations agree.
    fn outcome(&self, req: ServiceRequest) -> (u16, Option<String>);
}

struct Driven<S, B>(S, PhantomData<B>);

impl<S, B> Driver for Driven<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    fn call(&self, req: ServiceRequest) {
        drop(black_box(now(self.0.call(black_box(req)))));
    }

    fn outcome(&self, req: ServiceRequest) -> (u16, Option<String>) {
        match now(self.0.call(req)) {
            Ok(res) => (
                res.status().as_u16(),
                res.headers()
                    .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                    .map(|v| v.to_str().unwrap_or("<binary>").to_owned()),
            ),
            Err(err) => (err.as_response_error().status_code().as_u16(), None),
        }
    }
}

/// `imp` set up for `scenario`'s policy, around the trivial handler (which sets the
/// scenario's `Vary`, if any, from a static value).
pub fn driver(imp: Impl, scenario: &Scenario) -> Box<dyn Driver> {
    let origins = scenario.origins;
    let vary = scenario.handler_vary;
    let inner = fn_service(move |req: ServiceRequest| async move {
        let response = match vary {
            None => HttpResponse::Ok().finish(),
            Some(vary) => HttpResponse::Ok()
                .insert_header((header::VARY, header::HeaderValue::from_static(vary)))
                .finish(),
        };
        Ok::<ServiceResponse, Error>(req.into_response(response))
    });
    match imp {
        Impl::None => Box::new(Driven(inner, PhantomData)),
        Impl::ActixCors => {
            let service = now(actix_policy(origins).new_transform(inner))
                .expect("actix-cors policy is valid");
            Box::new(Driven(service, PhantomData))
        }
        Impl::ScopedCors => {
            let service =
                now(scoped_policy(origins).new_transform(inner)).expect("policy is valid");
            Box::new(Driven(service, PhantomData))
        }
        Impl::Floor => {
            let answer = scenario
                .floor()
                .unwrap_or_else(|| panic!("{} has no floor", scenario.id));
            Box::new(Driven(
                Floor {
                    service: inner,
                    answer,
                },
                PhantomData,
            ))
        }
        Impl::Bound => {
            let bound = bound::Bound::new(inner, scenario)
                .unwrap_or_else(|| panic!("{} has no bound", scenario.id));
            Box::new(Driven(bound, PhantomData))
        }
    }
}

/// Polls a future that is ready at once (every future here is: the handler never waits).
pub fn now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a benchmarked service future was not ready at once"),
    }
}

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// A global allocator that counts this thread's allocations (`alloc`, `alloc_zeroed` and
/// `realloc` each count one), so that tests running in parallel do not disturb each other.
pub struct CountingAlloc;

impl CountingAlloc {
    fn count() {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every method forwards to `System` unchanged; counting touches only a
// const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::count();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::count();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// This thread's allocations so far.
pub fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// The median of the allocations made by one call (response dropped), over `samples` calls
/// after `warm_up` unmeasured ones.
pub fn allocations_per_request(
    driver: &dyn Driver,
    scenario: &Scenario,
    warm_up: usize,
    samples: usize,
) -> u64 {
    for _ in 0..warm_up {
        driver.call(scenario.request());
    }
    let mut counts: Vec<u64> = (0..samples)
        .map(|_| {
            let req = scenario.request();
            let before = allocations();
            driver.call(req);
            allocations() - before
        })
        .collect();
    median(&mut counts)
}

/// The median (upper median for an even count).
pub fn median<T: Ord + Copy>(values: &mut [T]) -> T {
    values.sort_unstable();
    values[values.len() / 2]
}
