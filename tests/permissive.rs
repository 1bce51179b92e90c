//! The permissive, anonymous policy: `Access-Control-Allow-Origin: *` on every response, and
//! never credentials.

mod common;

use std::time::Duration;

use actix_scoped_cors::Cors;
use actix_web::{
    http::{Method, StatusCode},
    test::{self, TestRequest},
};
use common::*;

const PUBLIC: &str = "/public";

async fn permissive_app() -> TestApp {
    TestApp::at(PUBLIC, build(Cors::permissive())).await
}

/// What every actual response of a permissive policy carries.
#[track_caller]
fn assert_anonymous_grant(res: &impl HeaderLines) {
    assert_header(res, ACAO, "*");
    assert_absent(res, ACAC);
    assert_no_preflight_only_headers(res);
}

#[actix_web::test]
async fn every_response_gets_acao_star_and_no_credentials() {
    let app = permissive_app().await;

    let cases: Vec<(&str, TestRequest, StatusCode)> = vec![
        (
            "no Origin",
            TestRequest::get().uri("/public/items"),
            StatusCode::OK,
        ),
        (
            "any origin",
            get("/public/items", DISALLOWED),
            StatusCode::OK,
        ),
        ("null origin", get("/public/items", "null"), StatusCode::OK),
        (
            "two Origin lines",
            get("/public/items", ALLOWED).append_header(("origin", DISALLOWED)),
            StatusCode::OK,
        ),
        (
            "POST",
            actual(Method::POST, "/public/items", ALLOWED),
            StatusCode::OK,
        ),
        (
            "HEAD",
            actual(Method::HEAD, "/public/get-or-head", ALLOWED),
            StatusCode::OK,
        ),
        (
            "OPTIONS without ACRM",
            actual(Method::OPTIONS, "/public/items", ALLOWED),
            StatusCode::OK,
        ),
        (
            "handler 500",
            get("/public/status/500", ALLOWED),
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
        (
            "handler 302",
            get("/public/status/302", ALLOWED),
            StatusCode::FOUND,
        ),
        (
            "no route",
            get("/public/nope", ALLOWED),
            StatusCode::NOT_FOUND,
        ),
        (
            "no route, no Origin",
            TestRequest::get().uri("/public/nope"),
            StatusCode::NOT_FOUND,
        ),
        (
            "405",
            actual(Method::PUT, "/public/only-get", ALLOWED),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            "bad JSON",
            actual(Method::POST, "/public/json", ALLOWED)
                .insert_header(("content-type", "application/json"))
                .set_payload("{"),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (case, req, status) in cases {
        let res = app.call(req).await;
        assert_eq!(res.status(), status, "{case}");
        assert_anonymous_grant(&res);
    }
}

#[actix_web::test]
async fn inner_middleware_error_renders_with_acao_star() {
    let app = permissive_app().await;

    let err = match app.try_call(get("/public/unauthorized", ALLOWED)).await {
        Err(err) => err,
        Ok(res) => panic!("expected the inner Err to surface, got {}", res.status()),
    };
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_anonymous_grant(&res);
}

#[actix_web::test]
async fn acac_set_by_the_handler_is_removed() {
    let app = permissive_app().await;

    for req in [
        get("/public/preset/grants", ALLOWED),
        TestRequest::get().uri("/public/preset/grants"),
    ] {
        let res = app.call(req).await;
        // Exactly one ACAO, ours; the handler's credentials grant is gone.
        assert_anonymous_grant(&res);
        assert_absent(&res, ACEH);
    }
}

#[actix_web::test]
async fn preflight_answer_is_anonymous() {
    let app = permissive_app().await;

    let res = app
        .call(preflight("/public/items", DISALLOWED, "PATCH").insert_header((ACRH, "x-custom")))
        .await;

    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_header(&res, ACAO, "*");
    assert_absent(&res, ACAC);
    assert_header(&res, ACAM, "*");
    assert_header(&res, ACAH, "*");
    assert_header(&res, MAX_AGE, "7200");
    assert_absent(&res, ACEH);
    assert!(test::read_body(res).await.is_empty());
    assert_eq!(app.hits(), 0);
}

#[actix_web::test]
async fn any_header_is_star_plus_authorization_when_asked() {
    // `*` never covers Authorization (Fetch, "CORS-preflight fetch"): it must be named.
    let app = permissive_app().await;

    for (acrh, expected) in [
        ("x-custom", "*"),
        ("content-type,x-custom", "*"),
        ("authorization", "*, authorization"),
        ("authorization,x-custom", "*, authorization"),
        (" Authorization , X-Custom", "*, authorization"),
    ] {
        let res = app
            .call(preflight("/public/items", ALLOWED, "GET").insert_header((ACRH, acrh)))
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{acrh}");
        assert_header(&res, ACAH, expected);
    }
}

#[actix_web::test]
async fn restricted_methods_and_headers_are_enforced() {
    let policy = Cors::permissive()
        .allow_methods(["GET", "HEAD"])
        .allow_headers(["x-custom"])
        .max_age(Duration::from_secs(60));
    let app = TestApp::at(PUBLIC, build(policy)).await;

    let res = app.call(preflight("/public/items", ALLOWED, "GET")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_header(&res, ACAM, "GET, HEAD");
    assert_header(&res, ACAH, "x-custom");
    assert_header(&res, MAX_AGE, "60");

    // Refused a method or a header: `204` with `*` and the allowed lists, without the
    // refused item or a Max-Age, so that the browser names what was refused.
    for (req, refused) in [
        (preflight("/public/items", ALLOWED, "PUT"), "PUT"),
        (
            preflight("/public/items", ALLOWED, "GET").insert_header((ACRH, "authorization")),
            "authorization",
        ),
    ] {
        let res = app.call(req).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_header(&res, ACAO, "*");
        assert_absent(&res, ACAC);
        assert_header(&res, ACAM, "GET, HEAD");
        assert_header(&res, ACAH, "x-custom");
        assert_absent(&res, MAX_AGE);
        assert_not_echoed(&res, refused.as_bytes());
    }
}

#[actix_web::test]
async fn expose_any_header_sends_star() {
    let app = TestApp::at(PUBLIC, build(Cors::permissive().expose_any_header())).await;

    let res = app.call(get("/public/items", ALLOWED)).await;
    assert_anonymous_grant(&res);
    assert_header(&res, ACEH, "*");

    let app = TestApp::at(PUBLIC, build(Cors::permissive().expose_headers([EXPOSED]))).await;
    let res = app.call(get("/public/items", ALLOWED)).await;
    assert_header(&res, ACEH, EXPOSED);
}

#[actix_web::test]
async fn hostile_request_header_lists_are_rejected() {
    let app = permissive_app().await;
    let many_names = vec!["x-a"; 10_000].join(",");
    let commas = ",".repeat(64 * 1024);

    for (case, value) in [
        ("space inside a name", "x custom"),
        ("parameter with ;", "x-custom;q=1"),
        ("64 KiB of commas", commas.as_str()),
        ("10,000 names", many_names.as_str()),
    ] {
        let res = app
            .call(preflight("/public/items", ALLOWED, "GET").insert_header((ACRH, value)))
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{case}");
        assert_no_grant_headers(&res);
    }
}
