//! Nested policies: when the enclosing policies defer (`defer_to_inner_policies`), the
//! innermost policy that covers a request decides it, for preflights, actual requests, error
//! responses and unrouted paths alike, and the response carries exactly one set of grant
//! headers, from that policy. Without deferring, the outer policy decides everything.
//!
//! Matrix: {inner policy on a scope under an app policy, on a resource under a scope policy,
//! on a resource under scope and app policies} × {preflight, actual, error response, no
//! route} × {origin allowed by the inner policy only, the outer only, both, neither}.

use actix_http::Request;
use actix_scoped_cors::{guard as cors_guard, Cors, Policy};
use actix_service::{boxed::BoxService, ServiceExt};
use actix_web::{
    body::MessageBody,
    dev::{Service, ServiceResponse},
    guard,
    http::{header::HeaderMap, Method, StatusCode},
    test::{self, TestRequest},
    web, App, Error, HttpResponse,
};

const INNER_ONLY: &str = "https://inner.example.com";
const OUTER_ONLY: &str = "https://outer.example.com";
const BOTH: &str = "https://both.example.com";
const NEITHER: &str = "https://neither.example.com";

/// The inner policy allows PUT and exposes `x-inner`; the outer allows PATCH and exposes
/// `x-outer`: the headers of a response say which policy decided it.
fn inner() -> Policy {
    Cors::strict([INNER_ONLY, BOTH])
        .allow_methods(["GET", "PUT"])
        .expose_headers(["x-inner"])
        .try_build()
        .unwrap()
}

fn outer() -> Policy {
    Cors::strict([OUTER_ONLY, BOTH])
        .allow_methods(["GET", "PATCH"])
        .expose_headers(["x-outer"])
        .defer_to_inner_policies()
        .try_build()
        .unwrap()
}

fn middle() -> Policy {
    Cors::strict([BOTH])
        .allow_methods(["GET", "DELETE"])
        .expose_headers(["x-middle"])
        .defer_to_inner_policies()
        .try_build()
        .unwrap()
}

async fn ok() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

async fn fail() -> HttpResponse {
    HttpResponse::InternalServerError().body("failed")
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    /// App policy (outer) around a scope policy (inner) on `/api`.
    AppAndScope,
    /// Scope policy (outer) on `/api` around a resource policy (inner) on `/api/items`.
    ScopeAndResource,
    /// App (outer), scope `/api` (middle) and resource `/api/items` (inner).
    AppScopeAndResource,
}

type TestApp = BoxService<Request, ServiceResponse, Error>;

fn boxed<S, B>(service: S) -> TestApp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    actix_service::boxed::service(service.map(ServiceResponse::map_into_boxed_body))
}

async fn app(layout: Layout) -> TestApp {
    // Routes under the inner policy: GET /api/items, GET /api/items/fail (500).
    let items = || {
        web::resource("/items")
            .route(web::get().to(ok))
            .route(web::post().to(ok))
    };
    let fail_route = || web::resource("/items/fail").route(web::get().to(fail));
    match layout {
        Layout::AppAndScope => boxed(
            test::init_service(
                App::new()
                    .wrap(outer())
                    .service(
                        web::scope("/api")
                            .wrap(inner())
                            .service(items())
                            .service(fail_route()),
                    )
                    .route("/other", web::get().to(ok)),
            )
            .await,
        ),
        Layout::ScopeAndResource => boxed(
            test::init_service(
                App::new().service(
                    web::scope("/api")
                        .wrap(outer())
                        .service(items().wrap(inner()))
                        .service(fail_route().wrap(inner()))
                        .route("/other", web::get().to(ok)),
                ),
            )
            .await,
        ),
        Layout::AppScopeAndResource => boxed(
            test::init_service(
                App::new().wrap(outer()).service(
                    web::scope("/api")
                        .wrap(middle())
                        .service(items().wrap(inner()))
                        .service(fail_route().wrap(inner()))
                        .route("/other", web::get().to(ok)),
                ),
            )
            .await,
        ),
    }
}

fn preflight(path: &str, origin: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", method))
}

fn get(path: &str, origin: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header(("Origin", origin))
}

fn values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// Which policy's grant a response carries: "inner", "middle", "outer" or "none".
fn granted_by(headers: &HeaderMap) -> &'static str {
    let acao = values(headers, "access-control-allow-origin");
    let aceh = values(headers, "access-control-expose-headers");
    let acam = values(headers, "access-control-allow-methods");
    assert!(acao.len() <= 1, "ACAO on more than one line: {acao:?}");
    assert!(aceh.len() <= 1, "ACEH on more than one line: {aceh:?}");
    let acac = values(headers, "access-control-allow-credentials");
    assert!(acac.len() <= 1, "ACAC on more than one line: {acac:?}");
    if acao.is_empty() {
        assert!(acac.is_empty() && aceh.is_empty() && acam.is_empty());
        return "none";
    }
    let marker = aceh.first().or(acam.first()).cloned().unwrap_or_default();
    match marker.as_str() {
        "x-inner" | "GET, PUT" => "inner",
        "x-middle" | "GET, DELETE" => "middle",
        "x-outer" | "GET, PATCH" => "outer",
        other => panic!("unknown grant marker {other:?}"),
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Preflight,
    Actual,
    ErrorResponse,
}

async fn run(layout: Layout, kind: Kind, origin: &str) -> (StatusCode, &'static str) {
    let app = app(layout).await;
    let req = match kind {
        Kind::Preflight => preflight("/api/items", origin, "GET"),
        Kind::Actual => get("/api/items", origin),
        Kind::ErrorResponse => get("/api/items/fail", origin),
    };
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    (status, granted_by(res.headers()))
}

#[actix_rt::test]
async fn innermost_policy_decides_preflights_actual_requests_and_errors() {
    use Kind::*;
    use Layout::*;
    for layout in [AppAndScope, ScopeAndResource, AppScopeAndResource] {
        for kind in [Preflight, Actual, ErrorResponse] {
            let ok_status = match kind {
                Preflight => StatusCode::NO_CONTENT,
                Actual => StatusCode::OK,
                ErrorResponse => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let refused_status = match kind {
                Preflight => StatusCode::FORBIDDEN,
                _ => ok_status,
            };
            for (origin, expected) in [
                (INNER_ONLY, (ok_status, "inner")),
                (OUTER_ONLY, (refused_status, "none")),
                (BOTH, (ok_status, "inner")),
                (NEITHER, (refused_status, "none")),
            ] {
                let got = run(layout, kind, origin).await;
                assert_eq!(got, expected, "{layout:?} {kind:?} from {origin}");
            }
        }
    }
}

/// Paths the inner policy does not cover are decided by the next policy out.
#[actix_rt::test]
async fn uncovered_paths_are_decided_by_the_enclosing_policy() {
    use Layout::*;
    for (layout, path, decider) in [
        // Not under the inner scope: the app policy decides (404 from the default service).
        (AppAndScope, "/nowhere", "outer"),
        (AppAndScope, "/other", "outer"),
        // Under the scope but no resource: the scope policy decides.
        (ScopeAndResource, "/api/nowhere", "outer"),
        (ScopeAndResource, "/api/other", "outer"),
        (AppScopeAndResource, "/api/other", "middle"),
        (AppScopeAndResource, "/elsewhere", "outer"),
    ] {
        let app = app(layout).await;
        let allowed_by_decider = match decider {
            "middle" => BOTH,
            _ => OUTER_ONLY,
        };
        let res = test::call_service(&app, get(path, allowed_by_decider).to_request()).await;
        assert_eq!(granted_by(res.headers()), decider, "{layout:?} GET {path}");

        let res = test::call_service(
            &app,
            preflight(path, allowed_by_decider, "GET").to_request(),
        )
        .await;
        assert_eq!(
            res.status(),
            StatusCode::NO_CONTENT,
            "{layout:?} OPTIONS {path}"
        );
        assert_eq!(
            granted_by(res.headers()),
            decider,
            "{layout:?} OPTIONS {path}"
        );

        let res = test::call_service(&app, preflight(path, INNER_ONLY, "PUT").to_request()).await;
        if decider == "outer" || decider == "middle" {
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{layout:?} {path}");
            assert_eq!(granted_by(res.headers()), "none");
        }
    }
}

/// A preflight under the inner scope to a path with no route is still answered by the inner
/// policy, with its methods.
#[actix_rt::test]
async fn preflight_to_unrouted_path_under_inner_scope_is_answered_by_inner_policy() {
    let app = app(Layout::AppAndScope).await;
    let res = test::call_service(
        &app,
        preflight("/api/no-such-route", INNER_ONLY, "PUT").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(granted_by(res.headers()), "inner");
    assert_eq!(
        values(res.headers(), "access-control-allow-methods"),
        ["GET, PUT"]
    );
}

/// The method asked for is judged by the innermost policy only.
#[actix_rt::test]
async fn preflight_method_is_judged_by_innermost_policy() {
    let app = app(Layout::AppAndScope).await;
    let put = test::call_service(&app, preflight("/api/items", BOTH, "PUT").to_request()).await;
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    let patch = test::call_service(&app, preflight("/api/items", BOTH, "PATCH").to_request()).await;
    // Refused by the inner policy, whose allowed methods the answer names.
    assert_eq!(patch.status(), StatusCode::NO_CONTENT);
    assert_eq!(granted_by(patch.headers()), "inner");
    assert!(!patch.headers().contains_key("access-control-max-age"));
}

/// A preflight the innermost policy answers never reaches the handler, even with an outer
/// policy passing it down.
#[actix_rt::test]
async fn nested_preflight_never_reaches_a_handler_without_method_guard() {
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = test::init_service(App::new().wrap(outer()).service(
        web::scope("/api").wrap(inner()).route(
            "/any",
            web::to(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { HttpResponse::Ok().finish() }
            }),
        ),
    ))
    .await;
    let res = test::call_service(&app, preflight("/api/any", BOTH, "PUT").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

/// Route macros put a method guard on the *resource*: a policy on the enclosing scope still
/// answers their preflights, because it sees the request before routing.
#[actix_rt::test]
async fn scope_policy_answers_preflights_for_route_macro_handlers() {
    #[actix_web::get("/me")]
    async fn me() -> HttpResponse {
        HttpResponse::Ok().finish()
    }
    #[actix_web::post("/items")]
    async fn create() -> HttpResponse {
        HttpResponse::Created().finish()
    }
    let app = test::init_service(
        App::new().service(web::scope("/api").wrap(inner()).service(me).service(create)),
    )
    .await;
    for (path, method) in [("/api/me", "GET"), ("/api/items", "PUT")] {
        let res = test::call_service(&app, preflight(path, INNER_ONLY, method).to_request()).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{path}");
        assert_eq!(granted_by(res.headers()), "inner");
    }
}

/// The resource-level pitfall: `#[get(.., wrap = ..)]` or `web::resource(..).guard(Get)`
/// guards the whole resource, so an `OPTIONS` preflight never matches it and its policy never
/// runs. The ways out: put the method guard on the route, or let preflights through the
/// resource guard with `guard::preflight()`.
#[actix_rt::test]
async fn resource_policy_with_method_guard_needs_preflight_guard_or_route_guard() {
    let pitfall = test::init_service(
        App::new().service(
            web::resource("/items")
                .guard(guard::Get())
                .wrap(inner())
                .to(ok),
        ),
    )
    .await;
    let res = test::call_service(
        &pitfall,
        preflight("/items", INNER_ONLY, "GET").to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "the pitfall, pinned");
    assert_eq!(granted_by(res.headers()), "none");

    let guard_on_route = test::init_service(
        App::new().service(
            web::resource("/items")
                .wrap(inner())
                .route(web::get().to(ok)),
        ),
    )
    .await;
    let with_preflight_guard = test::init_service(
        App::new().service(
            web::resource("/items")
                .guard(guard::Any(guard::Get()).or(cors_guard::preflight()))
                .wrap(inner())
                .to(ok),
        ),
    )
    .await;
    for app in [&guard_on_route, &with_preflight_guard] {
        let res =
            test::call_service(app, preflight("/items", INNER_ONLY, "GET").to_request()).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(granted_by(res.headers()), "inner");
        let res = test::call_service(app, get("/items", INNER_ONLY).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(granted_by(res.headers()), "inner");
    }
}

/// The same through the route macro: `#[route(.., method = "GET", method = "OPTIONS")]`.
#[actix_rt::test]
async fn route_macro_with_options_method_lets_resource_policy_answer_preflights() {
    #[actix_web::route("/items", method = "GET", method = "OPTIONS", wrap = "inner()")]
    async fn items() -> HttpResponse {
        HttpResponse::Ok().finish()
    }
    let app = test::init_service(App::new().service(items)).await;
    let res = test::call_service(&app, preflight("/items", INNER_ONLY, "GET").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(granted_by(res.headers()), "inner");
}

/// An `Err` from a middleware beneath the inner policy is decorated once, by the inner one.
#[actix_rt::test]
async fn inner_middleware_error_is_decorated_once_by_innermost_policy() {
    use actix_web::middleware::{from_fn, Next};
    async fn deny(
        _req: actix_web::dev::ServiceRequest,
        _next: Next<impl actix_web::body::MessageBody>,
    ) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, Error> {
        Err::<ServiceResponse<actix_web::body::BoxBody>, _>(actix_web::error::ErrorUnauthorized(
            "no",
        ))
    }
    let app = test::init_service(
        App::new().wrap(outer()).service(
            web::scope("/api")
                .wrap(inner())
                .wrap(from_fn(deny))
                .route("/items", web::get().to(ok)),
        ),
    )
    .await;
    // `.wrap(from_fn(deny))` after `.wrap(inner())` sits *outside* the inner policy; build
    // the opposite order too.
    let app_inside = test::init_service(
        App::new().wrap(outer()).service(
            web::scope("/api")
                .wrap(from_fn(deny))
                .wrap(inner())
                .route("/items", web::get().to(ok)),
        ),
    )
    .await;
    let err = test::try_call_service(&app_inside, get("/api/items", BOTH).to_request())
        .await
        .unwrap_err();
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(granted_by(res.headers()), "inner");

    // With the error raised outside the inner policy, the outer policy decorates it.
    let err = test::try_call_service(&app, get("/api/items", BOTH).to_request())
        .await
        .unwrap_err();
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(granted_by(res.headers()), "outer");
}

/// Without `defer_to_inner_policies`, the outer policy decides everything that passes
/// through it, preflights and actual requests alike, and still never mixes headers.
#[actix_rt::test]
async fn an_outer_policy_that_does_not_defer_decides_everything() {
    let not_deferring = Cors::strict([OUTER_ONLY, BOTH])
        .allow_methods(["GET", "PATCH"])
        .expose_headers(["x-outer"])
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new().wrap(not_deferring).service(
            web::scope("/api")
                .wrap(inner())
                .route("/items", web::get().to(ok)),
        ),
    )
    .await;
    for (origin, status, by) in [
        (INNER_ONLY, StatusCode::FORBIDDEN, "none"),
        (OUTER_ONLY, StatusCode::NO_CONTENT, "outer"),
        (BOTH, StatusCode::NO_CONTENT, "outer"),
    ] {
        let res =
            test::call_service(&app, preflight("/api/items", origin, "GET").to_request()).await;
        assert_eq!(
            (res.status(), granted_by(res.headers())),
            (status, by),
            "{origin}"
        );
        let res = test::call_service(&app, get("/api/items", origin).to_request()).await;
        let expected = if by == "none" { "none" } else { "outer" };
        assert_eq!(granted_by(res.headers()), expected, "{origin}");
    }
}

/// What one build of an app does is independent of the builds before it on the same thread
/// (actix-server builds one app per listener, one after another, on each worker).
#[actix_rt::test]
async fn app_builds_on_one_thread_do_not_influence_each_other() {
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };
    let calls = Arc::new(AtomicUsize::new(0));
    for build in 0..3 {
        let counter = Arc::clone(&calls);
        let app = test::init_service(
            App::new().service(
                web::scope("/api")
                    .wrap(
                        Cors::strict([INNER_ONLY])
                            .block_disallowed()
                            .try_build()
                            .unwrap(),
                    )
                    .route(
                        "/any",
                        web::to(move || {
                            counter.fetch_add(1, Ordering::SeqCst);
                            async { HttpResponse::Ok().finish() }
                        }),
                    ),
            ),
        )
        .await;
        let res =
            test::call_service(&app, preflight("/api/any", INNER_ONLY, "PUT").to_request()).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "build {build}");
        let res = test::call_service(
            &app,
            TestRequest::post()
                .uri("/api/any")
                .insert_header(("Origin", NEITHER))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "build {build}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "the handler never ran");
}
