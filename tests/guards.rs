//! The guards reuse the decision core: routes can be split by trust, preflights recognised,
//! cross-origin requests told from same-origin ones.

use actix_scoped_cors::{guard as cors_guard, Cors};
use actix_web::{
    guard::Guard,
    http::{Method, StatusCode},
    test::{self, TestRequest},
    web, App,
};

const PARTNER: &str = "https://partner.example.org";
const TENANT: &str = "https://acme.tenant.example.com";

#[actix_rt::test]
async fn allowed_origin_guard_splits_routes_by_trust_preflights_included() {
    let partner = Cors::strict([PARTNER])
        .allow_methods(["POST"])
        .expose_headers(["x-partner"])
        .try_build()
        .unwrap();
    let tenants = Cors::strict(["https://*.tenant.example.com"])
        .allow_methods(["GET", "POST"])
        .defer_to_inner_policies()
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new().service(
            web::scope("/api")
                .wrap(tenants)
                .service(
                    web::scope("")
                        .guard(cors_guard::allowed_origin(&partner))
                        .wrap(partner.clone())
                        .route("/reports", web::post().to(|| async { "partner" })),
                )
                .route("/reports", web::post().to(|| async { "tenant" })),
        ),
    )
    .await;

    for (origin, body, expose) in [
        (PARTNER, "partner", Some("x-partner")),
        (TENANT, "tenant", None),
    ] {
        let req = TestRequest::post()
            .uri("/api/reports")
            .insert_header(("Origin", origin))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(
            res.headers()
                .get("access-control-expose-headers")
                .map(|v| v.to_str().unwrap()),
            expose
        );
        assert_eq!(
            res.headers().get("access-control-allow-origin").unwrap(),
            origin
        );
        assert_eq!(test::read_body(res).await, body);

        let preflight = TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/api/reports")
            .insert_header(("Origin", origin))
            .insert_header(("Access-Control-Request-Method", "POST"))
            .to_request();
        let res = test::call_service(&app, preflight).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{origin}");
        let methods = if origin == PARTNER {
            "POST"
        } else {
            "GET, POST"
        };
        assert_eq!(
            res.headers().get("access-control-allow-methods").unwrap(),
            methods
        );
    }
}

#[test]
fn allowed_origin_guard_needs_exactly_one_allowed_origin() {
    let policy = Cors::strict([PARTNER]).try_build().unwrap();
    let guard = cors_guard::allowed_origin(&policy);
    let check = |req: TestRequest| guard.check(&req.to_srv_request().guard_ctx());
    assert!(check(TestRequest::get().insert_header(("Origin", PARTNER))));
    assert!(!check(TestRequest::get().insert_header(("Origin", TENANT))));
    assert!(!check(TestRequest::get()));
    assert!(!check(
        TestRequest::get()
            .append_header(("Origin", PARTNER))
            .append_header(("Origin", PARTNER))
    ));
    // A preflight for a method the policy refuses is still from an allowed origin: the
    // policy behind the guard gives the refusal.
    assert!(check(
        TestRequest::default()
            .method(Method::OPTIONS)
            .insert_header(("Origin", PARTNER))
            .insert_header(("Access-Control-Request-Method", "DELETE"))
    ));

    let anyone = Cors::permissive().try_build().unwrap();
    let guard = cors_guard::allowed_origin(&anyone);
    assert!(guard.check(
        &TestRequest::get()
            .insert_header(("Origin", "null"))
            .to_srv_request()
            .guard_ctx()
    ));
    assert!(!guard.check(&TestRequest::get().to_srv_request().guard_ctx()));
}

#[test]
fn preflight_guard_matches_only_preflights() {
    let guard = cors_guard::preflight();
    let check = |req: TestRequest| guard.check(&req.to_srv_request().guard_ctx());
    let options = || TestRequest::default().method(Method::OPTIONS);
    assert!(check(
        options()
            .insert_header(("Origin", TENANT))
            .insert_header(("Access-Control-Request-Method", "PUT"))
    ));
    assert!(!check(options().insert_header(("Origin", TENANT))));
    assert!(!check(
        options().insert_header(("Access-Control-Request-Method", "PUT"))
    ));
    assert!(!check(
        TestRequest::get()
            .insert_header(("Origin", TENANT))
            .insert_header(("Access-Control-Request-Method", "PUT"))
    ));
}

#[test]
fn cross_origin_guard_tells_same_origin_from_cross_origin() {
    let guard = cors_guard::cross_origin();
    let check = |req: TestRequest| guard.check(&req.to_srv_request().guard_ctx());
    let host = ("Host", "api.example.com");
    for (origin, extra, cross) in [
        ("https://api.example.com", None, false),
        ("http://api.example.com", None, false),
        (
            "https://api.example.com",
            Some(("X-Forwarded-Proto", "https")),
            false,
        ),
        (
            "http://api.example.com",
            Some(("X-Forwarded-Proto", "https")),
            true,
        ),
        ("https://api.example.com:8443", None, true),
        ("https://app.example.com", None, true),
        (
            "https://app.example.com",
            Some(("X-Forwarded-Host", "app.example.com")),
            false,
        ),
        (
            "https://app.example.com",
            Some(("Forwarded", "proto=https;host=app.example.com")),
            false,
        ),
        ("null", None, true),
        // A proxy that spells out the default port or lists several hosts.
        (
            "https://api.example.com",
            Some(("X-Forwarded-Host", "api.example.com:443, x")),
            false,
        ),
        (
            "http://api.example.com",
            Some(("X-Forwarded-Host", "api.example.com:80")),
            false,
        ),
        (
            "https://api.example.com",
            Some(("X-Forwarded-Host", "api.example.com:80")),
            true,
        ),
    ] {
        let mut req = TestRequest::post()
            .insert_header(host)
            .insert_header(("Origin", origin));
        if let Some(header) = extra {
            req = req.insert_header(header);
        }
        assert_eq!(check(req), cross, "{origin} {extra:?}");
    }
    assert!(!check(TestRequest::post().insert_header(host)), "no Origin");
}

/// Browsers send `Origin` on a WebSocket handshake but never apply CORS to it (Fetch, "main
/// fetch": a request in "websocket" mode gets "basic" response tainting, so no CORS check):
/// a CORS policy on the route lets a handshake from any site reach the handler, and only an
/// `Origin` check on the handshake keeps strangers out.
#[actix_rt::test]
async fn websocket_handshakes_need_their_own_origin_check() {
    let policy = Cors::strict(["https://app.example.com"])
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .service(
                web::resource("/cors-only")
                    .wrap(policy.clone())
                    .route(web::get().to(|| async { "upgraded" })),
            )
            .service(
                web::resource("/blocked")
                    .wrap(
                        Cors::strict(["https://app.example.com"])
                            .block_disallowed()
                            .try_build()
                            .unwrap(),
                    )
                    .route(web::get().to(|| async { "upgraded" })),
            )
            .service(
                web::resource("/checked")
                    .guard(cors_guard::allowed_origin(&policy))
                    .route(web::get().to(|| async { "upgraded" })),
            ),
    )
    .await;
    let handshake = |path: &str, origin: &str| {
        TestRequest::get()
            .uri(path)
            .insert_header(("Origin", origin))
            .insert_header(("Connection", "Upgrade"))
            .insert_header(("Upgrade", "websocket"))
            .insert_header(("Sec-WebSocket-Version", "13"))
            .insert_header(("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="))
            .to_request()
    };

    let res = test::call_service(&app, handshake("/cors-only", "https://evil.example.net")).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the handler ran for a stranger"
    );
    assert!(!res.headers().contains_key("access-control-allow-origin"));

    let res = test::call_service(&app, handshake("/blocked", "https://evil.example.net")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = test::call_service(&app, handshake("/checked", "https://evil.example.net")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = test::call_service(&app, handshake("/checked", "https://app.example.com")).await;
    assert_eq!(res.status(), StatusCode::OK);
}
