//! Shared fixtures for the integration tests: the policies, the app they wrap, request
//! builders and assertions on header lines.
//!
//! # What pins what
//!
//! Each line of `docs/CONFORMANCE.md`, "What the middleware does, pinned by tests", and the
//! server side of the browser's checks 1–10, with the tests that pin it (file::test).
//!
//! | CONFORMANCE.md | tests |
//! | --- | --- |
//! | Allowed origin, simple GET → status, ACAO, ACAC `true`, ACEH, `Vary: Origin`; no ACAM/ACAH/Max-Age on actual responses | actual_requests::allowed_origin_simple_get_gets_exactly_the_actual_grant_headers, actual_requests::allowed_post_and_delete_get_the_same_grant_headers, real_http::allowed_get_has_one_line_per_grant_header |
//! | Disallowed, lookalike, wrong scheme, default port, uppercase, trailing slash → no grant headers | actual_requests::disallowed_and_lookalike_origins_get_no_grant_headers, preflight::refused_preflights_are_403_with_an_empty_body_and_no_grant_headers |
//! | Several allowed origins → ACAO only the matching one | actual_requests::each_allowed_origin_is_reflected_alone, preflight::each_allowed_origin_gets_its_own_preflight_answer |
//! | `Origin: null` rejected unless opted in | actual_requests::null_origin_is_rejected_by_default, actual_requests::null_origin_is_allowed_only_when_opted_in, preflight::refused_preflights_are_403_with_an_empty_body_and_no_grant_headers, config_errors::null_in_a_strict_allowlist_needs_the_insecure_opt_in |
//! | No Origin → pass through, no grant headers (strict: `Vary: Origin`; permissive: `*`) | actual_requests::request_without_origin_passes_through_with_vary_origin, permissive::every_response_gets_acao_star_and_no_credentials |
//! | Preflight allowed → 204, empty body, handler not called, ACAM/ACAH, Max-Age, ACAC | preflight::allowed_preflight_is_204_with_empty_body_and_handler_not_called, preflight::allowed_preflight_carries_exactly_the_preflight_grant_headers, preflight::max_age_is_sent_as_configured, real_http::allowed_preflight_over_http_is_204_without_body |
//! | Preflight refused (method, header, `patch` vs `PATCH`, origin) → 403, no grant headers, no reflection, no body | preflight::refused_preflights_are_403_with_an_empty_body_and_no_grant_headers, preflight::preflight_with_lowercase_patch_is_rejected, real_http::refused_preflight_over_http_is_403_without_body |
//! | ACRH variants (spaces, empty elements, empty, split lines) → same answer as the clean form | preflight::request_header_list_variants_get_the_clean_answer, preflight::any_header_with_credentials_echoes_the_cleaned_list, real_http::request_headers_split_over_two_lines_get_the_clean_answer |
//! | ACRH with a space in a name, non-ASCII, `;` → rejected; 64 KiB of commas, 10,000 names → rejected in bounded time | preflight::malformed_request_header_lists_are_rejected, permissive::hostile_request_header_lists_are_rejected, real_http::hostile_request_header_lists_over_http_are_rejected |
//! | OPTIONS with Origin, no ACRM → handler answers with actual headers; ACRM without Origin → pass through | actual_requests::options_with_origin_but_no_acrm_is_an_actual_request, actual_requests::options_with_acrm_but_no_origin_passes_through |
//! | Permissive → ACAO `*` everywhere (also without Origin), no ACAC | permissive::every_response_gets_acao_star_and_no_credentials, permissive::acac_set_by_the_handler_is_removed, permissive::preflight_answer_is_anonymous, real_http::permissive_scope_answers_star_on_one_line |
//! | Any-header: without credentials `*` (+ `authorization`), with credentials the validated list | permissive::any_header_is_star_plus_authorization_when_asked, preflight::any_header_with_credentials_echoes_the_cleaned_list |
//! | 4xx/5xx, extractor failure, 404/405 of the default service, inner middleware `Err` → grant headers | errors_and_vary::handler_errors_carry_grant_headers, errors_and_vary::extractor_failures_carry_grant_headers, errors_and_vary::default_service_404_and_405_carry_grant_headers, errors_and_vary::inner_middleware_error_renders_with_grant_headers, real_http::inner_middleware_error_over_http_carries_grant_headers |
//! | Handler set ACAO/ACAC/Vary → one ACAO, one ACAC; Vary merged, deduplicated, `*` left alone | errors_and_vary::grants_set_by_the_handler_are_replaced_not_duplicated, errors_and_vary::vary_set_by_the_handler_is_merged, without Origin: errors_and_vary::strict_policy_removes_handler_grants_from_responses_without_origin, errors_and_vary::outer_strict_policy_removes_inner_permissive_grants_from_responses_without_origin, errors_and_vary::error_responses_without_origin_carry_no_inner_grants, real_http::handler_grants_are_not_duplicated_on_the_wire |
//! | Two Origin lines, empty, >4 KiB, control or non-ASCII bytes → not allowed, never echoed, no panic | actual_requests::malformed_origin_headers_are_not_allowed_and_never_echoed, preflight::malformed_origins_are_refused_on_preflight, real_http::malformed_origin_lines_over_http_are_not_allowed |
//! | HEAD like GET; 3xx from the handler carries grant headers | actual_requests::head_behaves_like_get, actual_requests::redirect_from_the_handler_carries_grant_headers, real_http::head_over_http_has_grant_headers_and_no_body |
//! | On a scope: preflight to an unrouted path is answered; `#[get]` routes reachable by preflight | preflight::preflight_to_a_path_without_route_is_answered, preflight::preflight_to_a_get_macro_route_is_answered, nesting::scope_policy_answers_preflights_for_route_macro_handlers; the resource-level pitfall and its ways out: nesting::resource_policy_with_method_guard_needs_preflight_guard_or_route_guard, nesting::route_macro_with_options_method_lets_resource_policy_answer_preflights |
//! | Nested policies: innermost decides, never duplicated or mixed | nesting::innermost_policy_decides_preflights_actual_requests_and_errors (matrix), nesting::uncovered_paths_are_decided_by_the_enclosing_policy, nesting::inner_middleware_error_is_decorated_once_by_innermost_policy, logging::nested_policies_log_a_refusal_once, logging::nested_policies_that_do_not_defer_report_a_refusal_once |
//! | CORS is not CSRF protection (`text/plain` POST not preflighted) | documentation; server side: actual_requests::disallowed_simple_post_still_reaches_the_handler shows the handler runs (only the browser's read is blocked), block_and_reject::block_disallowed_answers_403_before_the_handler shows the opt-in |
//! | `block_disallowed()` → 403 for disallowed actual requests, never for same-origin | block_and_reject::block_disallowed_answers_403_before_the_handler, block_and_reject::block_disallowed_never_blocks_same_origin_requests, block_and_reject::block_disallowed_passes_requests_without_origin, block_and_reject::blocked_responses_vary_on_origin |
//! | `on_reject` hook gets the right `Reason`; same-origin requests are never reported | block_and_reject::on_reject_receives_the_reason, block_and_reject::same_origin_requests_are_never_reported_as_refusals, logging::same_origin_requests_are_never_logged |
//! | Invalid configuration → every problem, with input and hint; unbuilt invalid builder fails start | config_errors::* |
//! | Configuration that could reflect a stranger's origin (wildcards and regexes over public suffixes, unescaped dots, plain-http regexes) → refused | regex_safety::* (holes 1–4 of issue 9), public_suffix::* (every Public Suffix List rule), origin_matching::over_broad_regexes_are_refused |
//!
//! | Browser check | server side, pinned by |
//! | --- | --- |
//! | 1. ACAO one line, byte-equal or `*`; ACAC exactly `true` | every `assert_actual_grant`/`assert_header` call asserts exactly one line; real_http::* counts the lines on the wire |
//! | 2. Preflight answered before auth, 2xx, never 3xx | preflight::preflight_is_answered_before_an_inner_middleware_that_refuses, preflight::preflight_to_a_redirecting_route_is_answered_not_redirected |
//! | 3. Method byte-exact, `*` only without credentials | preflight::preflight_with_lowercase_patch_is_rejected, permissive::preflight_answer_is_anonymous, config_errors::strict_policies_refuse_wildcard_methods |
//! | 4. Headers case-insensitive; `*` never covers Authorization | preflight::request_header_names_match_case_insensitively, permissive::any_header_is_star_plus_authorization_when_asked |
//! | 5. Safelisted request headers need no preflight | browser-side rule; the server cannot see whether a browser preflighted. actual_requests::disallowed_simple_post_still_reaches_the_handler pins what the server does with such a request |
//! | 6. ACEH; `*` only without credentials; never Set-Cookie | actual_requests::allowed_origin_simple_get_gets_exactly_the_actual_grant_headers, permissive::expose_any_header_sends_star, config_errors::each_invalid_setting_is_reported_with_its_input_and_hint |
//! | 7. Max-Age as configured, ≤ 86400 | preflight::max_age_is_sent_as_configured, config_errors::each_invalid_setting_is_reported_with_its_input_and_hint |
//! | 8. Origin canonical form, `null` | actual_requests::disallowed_and_lookalike_origins_get_no_grant_headers, actual_requests::wildcard_origin_allows_only_whole_labels_of_the_suffix, actual_requests::origin_predicates_and_regexes_see_only_well_formed_origins, actual_requests::origin_regexes_match_the_whole_origin, config_errors::each_invalid_setting_is_reported_with_its_input_and_hint |
//! | 9. `Vary: Origin` when the answer depends on Origin; preflights vary on ACRM/ACRH | actual_requests::request_without_origin_passes_through_with_vary_origin, actual_requests::disallowed_and_lookalike_origins_get_no_grant_headers, errors_and_vary::vary_set_by_the_handler_is_merged, preflight::allowed_preflight_carries_exactly_the_preflight_grant_headers, block_and_reject::blocked_responses_vary_on_origin. Refused *preflights* are not asked to vary: responses to OPTIONS are not cacheable (RFC 9110 §9.3.7) |
//! | 10. Private Network Access only on preflight, only when enabled | preflight::private_network_access_is_granted_only_on_opted_in_preflights |

// Each test binary uses its own subset of these fixtures.
#![allow(dead_code)]

use std::{
    future::Future,
    pin::Pin,
    rc::Rc,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use actix_scoped_cors::{Cors, Mode, Policy, Reason, Rejection, Strict};
use actix_web::{
    body::BoxBody,
    dev::{Service, ServiceRequest, ServiceResponse},
    get,
    http::{
        header::{HeaderMap, HeaderValue},
        Method, StatusCode,
    },
    middleware::{from_fn, Next},
    test::{self, TestRequest},
    web, App, Error, HttpResponse,
};
use serde::Deserialize;

// ---------------------------------------------------------------------------------------------
// Origins and policies
// ---------------------------------------------------------------------------------------------

/// The main allowed origin.
pub const ALLOWED: &str = "https://app.example.com";
/// A second exact origin on the same allowlist.
pub const ALSO_ALLOWED: &str = "https://admin.example.com";
/// Matched by the `https://*.tenant.example.com` pattern.
pub const TENANT: &str = "https://acme.tenant.example.com";
/// Not on any allowlist.
pub const DISALLOWED: &str = "https://evil.example.net";
/// The response header the strict policy exposes (the handlers set it).
pub const EXPOSED: &str = "x-request-id";
/// The scope every test app mounts its policy on.
pub const SCOPE: &str = "/api";
/// The scope [`TestApp::nested`] mounts its inner policy on, under [`SCOPE`].
pub const INNER_SCOPE: &str = "/api/inner";
/// The JSON extractor limit of the test routes, small enough to trigger `413`.
pub const JSON_LIMIT: usize = 64;

pub const STRICT_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE";
pub const STRICT_HEADERS: &str = "content-type, authorization, x-custom";
pub const VARY_PREFLIGHT: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

pub const ACAO: &str = "access-control-allow-origin";
pub const ACAC: &str = "access-control-allow-credentials";
pub const ACAM: &str = "access-control-allow-methods";
pub const ACAH: &str = "access-control-allow-headers";
pub const ACEH: &str = "access-control-expose-headers";
pub const MAX_AGE: &str = "access-control-max-age";
pub const ACAPN: &str = "access-control-allow-private-network";
pub const ACRM: &str = "access-control-request-method";
pub const ACRH: &str = "access-control-request-headers";
pub const ACRPN: &str = "access-control-request-private-network";

/// Every header that grants something to a cross-origin page.
pub const GRANT_HEADERS: [&str; 7] = [ACAO, ACAC, ACAM, ACAH, ACEH, MAX_AGE, ACAPN];
/// Grant headers that belong on preflight answers only.
pub const PREFLIGHT_ONLY_HEADERS: [&str; 4] = [ACAM, ACAH, MAX_AGE, ACAPN];

/// The strict policy most tests use: two exact origins and a subdomain pattern, credentials,
/// an explicit method and header list, one exposed header, max-age 600 s.
pub fn strict() -> Cors<Strict> {
    Cors::strict([ALLOWED, ALSO_ALLOWED, "https://*.tenant.example.com"])
        .allow_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allow_headers(["content-type", "authorization", "x-custom"])
        .expose_headers([EXPOSED])
        .max_age(Duration::from_secs(600))
}

/// Builds a policy the test knows to be valid.
pub fn build<M: Mode>(cors: Cors<M>) -> Policy {
    cors.try_build().expect("the test policy is valid")
}

// ---------------------------------------------------------------------------------------------
// The app under test
// ---------------------------------------------------------------------------------------------

/// Counts handler invocations, to prove that preflights and blocked requests never reach one.
#[derive(Debug, Clone, Default)]
pub struct Hits(Arc<AtomicUsize>);

impl Hits {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn hit(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

type Call =
    Box<dyn Fn(TestRequest) -> Pin<Box<dyn Future<Output = Result<ServiceResponse, Error>>>>>;

/// The app under test: a policy on a scope wrapping [`routes`], behind a boxed call so that
/// tests need not name actix-http's request type.
pub struct TestApp {
    call: Call,
    hits: Hits,
}

impl TestApp {
    /// `policy` on [`SCOPE`].
    pub async fn new(policy: Policy) -> Self {
        Self::at(SCOPE, policy).await
    }

    /// `policy` on the scope `path`.
    pub async fn at(path: &str, policy: Policy) -> Self {
        let hits = Hits::default();
        let app = App::new().service(
            web::scope(path)
                .wrap(policy)
                .configure(routes(hits.clone())),
        );
        let app = Rc::new(test::init_service(app).await);
        let call: Call = Box::new(move |req: TestRequest| {
            let app = Rc::clone(&app);
            Box::pin(async move {
                app.call(req.to_request())
                    .await
                    .map(ServiceResponse::map_into_boxed_body)
            })
        });
        TestApp { call, hits }
    }

    /// `outer` on [`SCOPE`] around `inner` on the scope [`INNER_SCOPE`], which holds the
    /// [`routes`].
    pub async fn nested(outer: Policy, inner: Policy) -> Self {
        let hits = Hits::default();
        let app = App::new().service(
            web::scope(SCOPE).wrap(outer).service(
                web::scope(&INNER_SCOPE[SCOPE.len()..])
                    .wrap(inner)
                    .configure(routes(hits.clone())),
            ),
        );
        let app = Rc::new(test::init_service(app).await);
        let call: Call = Box::new(move |req: TestRequest| {
            let app = Rc::clone(&app);
            Box::pin(async move {
                app.call(req.to_request())
                    .await
                    .map(ServiceResponse::map_into_boxed_body)
            })
        });
        TestApp { call, hits }
    }

    /// Sends `req`; the app must answer with a response (not an `Err`).
    pub async fn call(&self, req: TestRequest) -> ServiceResponse {
        (self.call)(req)
            .await
            .expect("the app answered with a response, not an Err")
    }

    /// Sends `req`, keeping an `Err` the app returns.
    pub async fn try_call(&self, req: TestRequest) -> Result<ServiceResponse, Error> {
        (self.call)(req).await
    }

    /// How many times a handler ran so far.
    pub fn hits(&self) -> usize {
        self.hits.count()
    }
}

/// The routes under the scope (paths relative to it):
///
/// | path | what |
/// | --- | --- |
/// | `/items` | any method: `200`, body `items`, sets [`EXPOSED`] |
/// | `/me` | `#[get]` (a method guard on the resource) |
/// | `/only-get` | resource with a single `GET` route: other methods get `405` |
/// | `/get-or-head` | `GET` and `HEAD` routes |
/// | `/status/{code}` | answers `code`; 3xx with `Location` |
/// | `/json` | `POST` with a `web::Json` extractor limited to [`JSON_LIMIT`] bytes |
/// | `/redirect` | any method: `302` |
/// | `/preset/{kind}` | the handler sets CORS or `Vary` headers itself |
/// | `/unauthorized` | an inner middleware returns `Err(401)` before the handler |
pub fn routes(hits: Hits) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(hits))
            .app_data(web::JsonConfig::default().limit(JSON_LIMIT))
            .service(me)
            .service(web::resource("/items").to(items))
            .service(web::resource("/only-get").route(web::get().to(items)))
            .service(
                web::resource("/get-or-head")
                    .route(web::get().to(items))
                    .route(web::head().to(items)),
            )
            .service(web::resource("/status/{code}").to(status))
            .service(web::resource("/json").route(web::post().to(json)))
            .service(web::resource("/redirect").to(redirect))
            .service(web::resource("/preset/{kind}").to(preset))
            .service(
                web::resource("/unauthorized")
                    .wrap(from_fn(refuse_unauthenticated))
                    .to(items),
            );
    }
}

#[get("/me")]
async fn me(hits: web::Data<Hits>) -> HttpResponse {
    hits.hit();
    HttpResponse::Ok().insert_header((EXPOSED, "1")).body("me")
}

async fn items(hits: web::Data<Hits>) -> HttpResponse {
    hits.hit();
    HttpResponse::Ok()
        .insert_header((EXPOSED, "1"))
        .body("items")
}

async fn status(hits: web::Data<Hits>, code: web::Path<u16>) -> HttpResponse {
    hits.hit();
    let code = StatusCode::from_u16(code.into_inner()).expect("tests use valid status codes");
    let mut response = HttpResponse::build(code);
    if code.is_redirection() {
        response.insert_header(("location", "/api/items"));
    }
    response.body("status")
}

#[derive(Debug, Deserialize)]
struct Item {
    #[allow(dead_code)]
    name: String,
}

async fn json(hits: web::Data<Hits>, _item: web::Json<Item>) -> HttpResponse {
    hits.hit();
    HttpResponse::Created().finish()
}

async fn redirect(hits: web::Data<Hits>) -> HttpResponse {
    hits.hit();
    HttpResponse::Found()
        .insert_header(("location", "/api/items"))
        .finish()
}

/// A handler that sets headers the middleware also manages.
async fn preset(hits: web::Data<Hits>, kind: web::Path<String>) -> HttpResponse {
    hits.hit();
    let mut response = HttpResponse::Ok();
    match kind.as_str() {
        "grants" => {
            response
                .append_header((ACAO, "https://handler.example"))
                .append_header((ACAO, "*"))
                .append_header((ACAC, "true"))
                .append_header((ACAC, "true"))
                .append_header((ACEH, "x-handler"))
                .append_header(("vary", "Accept-Encoding"));
        }
        "vary" => {
            response.append_header(("vary", "Accept-Encoding"));
        }
        "vary-dup" => {
            response
                .append_header(("vary", "Accept-Encoding"))
                .append_header(("vary", "accept-encoding, Cookie"));
        }
        "vary-star" => {
            response.append_header(("vary", "*"));
        }
        "vary-origin" => {
            response.append_header(("vary", "origin"));
        }
        other => panic!("unknown preset {other}"),
    }
    response.body("preset")
}

/// Stands in for an authentication layer: refuses every request with an `Err`.
async fn refuse_unauthenticated(
    _req: ServiceRequest,
    _next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    Err(actix_web::error::ErrorUnauthorized("no session"))
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// `method path` with `Origin: origin`.
pub fn actual(method: Method, path: &str, origin: &str) -> TestRequest {
    TestRequest::default()
        .method(method)
        .uri(path)
        .insert_header(("origin", origin))
}

/// `GET path` with `Origin: origin`.
pub fn get(path: &str, origin: &str) -> TestRequest {
    actual(Method::GET, path, origin)
}

/// A preflight: `OPTIONS path` with `Origin` and `Access-Control-Request-Method`.
pub fn preflight(path: &str, origin: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header(("origin", origin))
        .insert_header((ACRM, method))
}

/// A header value from raw bytes (which may be non-ASCII).
pub fn raw_value(bytes: &[u8]) -> HeaderValue {
    HeaderValue::from_bytes(bytes).expect("a valid (possibly obs-text) header value")
}

// ---------------------------------------------------------------------------------------------
// Assertions on header lines
// ---------------------------------------------------------------------------------------------

/// Anything with response header lines: actix responses, and raw HTTP responses.
pub trait HeaderLines {
    /// Every line of header `name` (lowercase), in order.
    fn lines(&self, name: &str) -> Vec<Vec<u8>>;
    /// Every header line, name lowercase.
    fn all_lines(&self) -> Vec<(String, Vec<u8>)>;
}

impl HeaderLines for HeaderMap {
    fn lines(&self, name: &str) -> Vec<Vec<u8>> {
        self.get_all(name).map(|v| v.as_bytes().to_vec()).collect()
    }

    fn all_lines(&self) -> Vec<(String, Vec<u8>)> {
        self.iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
            .collect()
    }
}

impl<B> HeaderLines for ServiceResponse<B> {
    fn lines(&self, name: &str) -> Vec<Vec<u8>> {
        self.headers().lines(name)
    }

    fn all_lines(&self) -> Vec<(String, Vec<u8>)> {
        self.headers().all_lines()
    }
}

impl<B> HeaderLines for HttpResponse<B> {
    fn lines(&self, name: &str) -> Vec<Vec<u8>> {
        self.headers().lines(name)
    }

    fn all_lines(&self) -> Vec<(String, Vec<u8>)> {
        self.headers().all_lines()
    }
}

fn show(lines: &[Vec<u8>]) -> Vec<String> {
    lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect()
}

/// Header `name` is present on exactly one line, equal to `expected` byte for byte.
#[track_caller]
pub fn assert_header(res: &impl HeaderLines, name: &str, expected: &str) {
    let lines = res.lines(name);
    assert_eq!(
        show(&lines),
        [expected],
        "{name}: expected exactly one line {expected:?}"
    );
}

/// Header `name` is absent.
#[track_caller]
pub fn assert_absent(res: &impl HeaderLines, name: &str) {
    let lines = res.lines(name);
    assert!(
        lines.is_empty(),
        "{name} must be absent, found {:?}",
        show(&lines)
    );
}

/// No header grants anything to a cross-origin page.
#[track_caller]
pub fn assert_no_grant_headers(res: &impl HeaderLines) {
    for name in GRANT_HEADERS {
        assert_absent(res, name);
    }
}

/// No header that belongs on preflight answers only.
#[track_caller]
pub fn assert_no_preflight_only_headers(res: &impl HeaderLines) {
    for name in PREFLIGHT_ONLY_HEADERS {
        assert_absent(res, name);
    }
}

/// The `Vary` tokens, over every line, in order.
pub fn vary_tokens(res: &impl HeaderLines) -> Vec<String> {
    res.lines("vary")
        .iter()
        .flat_map(|line| {
            String::from_utf8_lossy(line)
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `Vary` names `Origin` (once).
#[track_caller]
pub fn assert_vary_has_origin(res: &impl HeaderLines) {
    let tokens = vary_tokens(res);
    let origins = tokens
        .iter()
        .filter(|t| t.eq_ignore_ascii_case("origin"))
        .count();
    assert_eq!(origins, 1, "Vary must name Origin once, found {tokens:?}");
}

/// What an allowed actual request of the [`strict`] policy gets: ACAO `origin`, ACAC `true`,
/// ACEH, `Vary: Origin`, and nothing that belongs on preflights.
#[track_caller]
pub fn assert_actual_grant(res: &impl HeaderLines, origin: &str) {
    assert_header(res, ACAO, origin);
    assert_header(res, ACAC, "true");
    assert_header(res, ACEH, EXPOSED);
    assert_vary_has_origin(res);
    assert_no_preflight_only_headers(res);
}

/// No header value anywhere contains `needle` (a refused origin is never reflected).
#[track_caller]
pub fn assert_not_echoed(res: &impl HeaderLines, needle: &[u8]) {
    if needle.is_empty() {
        return;
    }
    for (name, value) in res.all_lines() {
        assert!(
            !value.windows(needle.len()).any(|w| w == needle),
            "header {name} echoes {:?}",
            String::from_utf8_lossy(needle)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Rejections seen by the `on_reject` hook
// ---------------------------------------------------------------------------------------------

/// One call of the `on_reject` hook, copied out of the borrowed [`Rejection`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub reason: Reason,
    pub preflight: bool,
    pub origin: Option<String>,
    pub method: String,
    pub path: String,
}

/// Records every call of an `on_reject` hook.
#[derive(Debug, Clone, Default)]
pub struct Rejections(Arc<Mutex<Vec<Recorded>>>);

impl Rejections {
    /// A hook to pass to `Cors::on_reject`.
    pub fn hook(&self) -> impl Fn(&Rejection<'_>) + Send + Sync + 'static {
        let seen = self.0.clone();
        move |rejection| {
            seen.lock()
                .expect("no test panics while holding it")
                .push(Recorded {
                    reason: rejection.reason(),
                    preflight: rejection.is_preflight(),
                    origin: rejection.origin().map(str::to_owned),
                    method: rejection.method().to_string(),
                    path: rejection.path().to_owned(),
                })
        }
    }

    /// Every recorded call since the last `take`.
    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.0.lock().expect("no test panics while holding it"))
    }
}
