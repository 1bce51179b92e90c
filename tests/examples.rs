//! The `tenants` example does what its table says: the example file is included here as a
//! module, and its `app()` is served through `actix_web::test`.

#[path = "../examples/tenants.rs"]
mod tenants;

use actix_web::{
    http::{header::HeaderMap, Method, StatusCode},
    test::{self, TestRequest},
};

const TENANT: &str = "https://acme.tenant.example.com";
const PARTNER: &str = "https://partner.example.org";
const STRANGER: &str = "https://stranger.example.net";

fn acao(headers: &HeaderMap) -> Option<&str> {
    let mut lines = headers.get_all("access-control-allow-origin");
    let first = lines.next().map(|v| v.to_str().unwrap());
    assert!(lines.next().is_none(), "ACAO on two lines");
    first
}

fn preflight(path: &str, origin: &str, method: &str) -> actix_http::Request {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", method))
        .to_request()
}

fn request(method: Method, path: &str, origin: &str) -> actix_http::Request {
    TestRequest::default()
        .method(method)
        .uri(path)
        .insert_header(("Origin", origin))
        .to_request()
}

#[actix_rt::test]
async fn tenants_example_follows_its_table() {
    let policies = tenants::Policies::new().expect("the example's policies are valid");
    let app = test::init_service(tenants::app(&policies)).await;

    // /assets: the app-wide permissive policy, anyone, anonymously.
    let res = test::call_service(&app, request(Method::GET, "/assets/logo.svg", STRANGER)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(acao(res.headers()), Some("*"));

    // /api: tenants, with credentials; the app-wide policy does not interfere.
    let res = test::call_service(&app, request(Method::GET, "/api/me", TENANT)).await;
    assert_eq!(acao(res.headers()), Some(TENANT));
    assert_eq!(
        res.headers()
            .get("access-control-allow-credentials")
            .unwrap(),
        "true"
    );
    let res = test::call_service(&app, request(Method::GET, "/api/me", STRANGER)).await;
    assert_eq!(acao(res.headers()), None);
    let res = test::call_service(&app, preflight("/api/me", TENANT, "PUT")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(res.headers()), Some(TENANT));

    // /api/webhooks: the partner only, and tenants are refused there.
    let res = test::call_service(&app, preflight("/api/webhooks", PARTNER, "POST")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(res.headers()), Some(PARTNER));
    assert_eq!(
        res.headers().get("access-control-allow-methods").unwrap(),
        "POST"
    );
    let res = test::call_service(&app, preflight("/api/webhooks", TENANT, "POST")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(acao(res.headers()), None);

    // /api/reports: split by trust, each caller answered by its own route and policy.
    for (origin, body, methods) in [
        (PARTNER, r#"{"view":"partner"}"#, "POST"),
        (TENANT, r#"{"view":"tenant"}"#, "GET, POST, PUT, DELETE"),
    ] {
        let res = test::call_service(&app, preflight("/api/reports", origin, "POST")).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{origin}");
        assert_eq!(
            res.headers().get("access-control-allow-methods").unwrap(),
            methods
        );
        let res = test::call_service(&app, request(Method::POST, "/api/reports", origin)).await;
        assert_eq!(acao(res.headers()), Some(origin));
        assert_eq!(test::read_body(res).await, body);
    }
}
