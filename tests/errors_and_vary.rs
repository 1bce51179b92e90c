//! Error responses of every kind still carry the grant headers (so the page can read the
//! error), and headers the handler set are replaced or merged, never duplicated.

mod common;

use actix_scoped_cors::Cors;
use actix_web::{
    http::{Method, StatusCode},
    test::{self, TestRequest},
};
use common::*;

#[actix_web::test]
async fn handler_errors_carry_grant_headers() {
    let app = TestApp::new(build(strict())).await;

    for code in [400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503] {
        let res = app.call(get(&format!("/api/status/{code}"), ALLOWED)).await;
        assert_eq!(res.status().as_u16(), code);
        assert_header(&res, ACAO, ALLOWED);
        assert_header(&res, ACAC, "true");
        assert_vary_has_origin(&res);
        assert_no_preflight_only_headers(&res);
        assert_eq!(test::read_body(res).await, "status");

        let res = app
            .call(get(&format!("/api/status/{code}"), DISALLOWED))
            .await;
        assert_no_grant_headers(&res);
    }
}

#[actix_web::test]
async fn extractor_failures_carry_grant_headers() {
    let app = TestApp::new(build(strict())).await;
    let json_post = |body: &str| {
        actual(Method::POST, "/api/json", ALLOWED)
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_owned())
    };
    let too_large = format!(r#"{{"name":"{}"}}"#, "x".repeat(JSON_LIMIT));

    for (case, req, status) in [
        ("bad JSON", json_post("{not json"), StatusCode::BAD_REQUEST),
        (
            "wrong shape",
            json_post(r#"{"title":1}"#),
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong content type",
            actual(Method::POST, "/api/json", ALLOWED)
                .insert_header(("content-type", "text/plain"))
                .set_payload(r#"{"name":"a"}"#),
            StatusCode::BAD_REQUEST,
        ),
        (
            "payload too large",
            json_post(&too_large),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ] {
        let res = app.call(req).await;
        assert_eq!(res.status(), status, "{case}");
        assert_header(&res, ACAO, ALLOWED);
        assert_header(&res, ACAC, "true");
        assert_vary_has_origin(&res);
    }
    assert_eq!(app.hits(), 0);

    let res = app.call(json_post(r#"{"name":"a"}"#)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_actual_grant(&res, ALLOWED);
}

#[actix_web::test]
async fn default_service_404_and_405_carry_grant_headers() {
    let app = TestApp::new(build(strict())).await;

    for (case, method, path, status) in [
        (
            "no route",
            Method::GET,
            "/api/no-such-route",
            StatusCode::NOT_FOUND,
        ),
        (
            "#[get] route, POST",
            Method::POST,
            "/api/me",
            StatusCode::NOT_FOUND,
        ),
        (
            "GET-only resource, DELETE",
            Method::DELETE,
            "/api/only-get",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ] {
        let res = app.call(actual(method.clone(), path, ALLOWED)).await;
        assert_eq!(res.status(), status, "{case}");
        assert_header(&res, ACAO, ALLOWED);
        assert_header(&res, ACAC, "true");
        assert_vary_has_origin(&res);
        assert_no_preflight_only_headers(&res);

        let res = app.call(actual(method, path, DISALLOWED)).await;
        assert_eq!(res.status(), status, "{case}");
        assert_no_grant_headers(&res);
    }
    assert_eq!(app.hits(), 0);
}

#[actix_web::test]
async fn inner_middleware_error_renders_with_grant_headers() {
    let app = TestApp::new(build(strict())).await;

    // The error stays an error for outer layers; wherever it is rendered, its response
    // carries the grant headers.
    let err = match app.try_call(get("/api/unauthorized", ALLOWED)).await {
        Err(err) => err,
        Ok(res) => panic!("expected the inner Err to surface, got {}", res.status()),
    };
    assert_eq!(
        err.as_response_error().status_code(),
        StatusCode::UNAUTHORIZED
    );
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_header(&res, ACAO, ALLOWED);
    assert_header(&res, ACAC, "true");
    assert_header(&res, ACEH, EXPOSED);
    assert_vary_has_origin(&res);
    assert_no_preflight_only_headers(&res);
    assert_eq!(err.to_string(), "no session");

    let err = match app.try_call(get("/api/unauthorized", DISALLOWED)).await {
        Err(err) => err,
        Ok(res) => panic!("expected the inner Err to surface, got {}", res.status()),
    };
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_no_grant_headers(&res);
    assert_eq!(app.hits(), 0);
}

#[actix_web::test]
async fn grants_set_by_the_handler_are_replaced_not_duplicated() {
    let app = TestApp::new(build(strict())).await;

    let res = app.call(get("/api/preset/grants", ALLOWED)).await;
    assert_header(&res, ACAO, ALLOWED);
    assert_header(&res, ACAC, "true");
    assert_header(&res, ACEH, EXPOSED);
    assert_header(&res, "vary", "Accept-Encoding, Origin");

    // A refused request keeps none of what the handler granted.
    let res = app.call(get("/api/preset/grants", DISALLOWED)).await;
    assert_no_grant_headers(&res);
    assert_header(&res, "vary", "Accept-Encoding, Origin");
}

#[actix_web::test]
async fn vary_set_by_the_handler_is_merged() {
    let app = TestApp::new(build(strict())).await;

    for (kind, expected) in [
        ("vary", "Accept-Encoding, Origin"),
        ("vary-dup", "Accept-Encoding, Cookie, Origin"),
        ("vary-origin", "origin"),
        ("vary-star", "*"),
    ] {
        let path = format!("/api/preset/{kind}");
        for origin in [Some(ALLOWED), Some(DISALLOWED), None] {
            let req = match origin {
                Some(origin) => get(&path, origin),
                None => test::TestRequest::get().uri(&path),
            };
            let res = app.call(req).await;
            assert_header(&res, "vary", expected);
        }
    }
}

#[actix_web::test]
async fn strict_policy_removes_handler_grants_from_responses_without_origin() {
    // "Exactly one ACAO, never mixed" holds on every response a policy decorates, also for
    // requests without Origin: a handler's `*` beside a strict policy's credentials would
    // tell a cache (and the next browser) something this policy never granted.
    let app = TestApp::new(build(strict())).await;

    let res = app.call(TestRequest::get().uri("/api/preset/grants")).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_no_grant_headers(&res);
    assert_header(&res, "vary", "Accept-Encoding, Origin");
    assert_eq!(test::read_body(res).await, "preset");
}

#[actix_web::test]
async fn outer_strict_policy_removes_inner_permissive_grants_from_responses_without_origin() {
    // An outer policy that does not defer decides everything beneath it, so an inner
    // permissive policy's `*` never goes out beside (or instead of) the strict answer.
    let app = TestApp::nested(build(strict()), build(Cors::permissive())).await;
    let items = format!("{INNER_SCOPE}/items");
    let grants = format!("{INNER_SCOPE}/preset/grants");

    for (path, vary) in [(&items, "Origin"), (&grants, "Accept-Encoding, Origin")] {
        let res = app.call(TestRequest::get().uri(path)).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_no_grant_headers(&res);
        assert_header(&res, "vary", vary);

        // With an Origin the strict policy's answer is the only one.
        let res = app.call(get(path, ALLOWED)).await;
        assert_actual_grant(&res, ALLOWED);
        assert_header(&res, "vary", vary);
        let res = app.call(get(path, DISALLOWED)).await;
        assert_no_grant_headers(&res);
    }
}

#[actix_web::test]
async fn error_responses_without_origin_carry_no_inner_grants() {
    // The inner permissive policy decorates the inner middleware's `Err` with `*`; the outer
    // strict policy's decoration of the rendered error must remove it again.
    let app = TestApp::nested(build(strict()), build(Cors::permissive())).await;
    let path = format!("{INNER_SCOPE}/unauthorized");

    let err = match app.try_call(TestRequest::get().uri(&path)).await {
        Err(err) => err,
        Ok(res) => panic!("expected the inner Err to surface, got {}", res.status()),
    };
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_no_grant_headers(&res);
    assert_header(&res, "vary", "Origin");

    let err = match app.try_call(get(&path, ALLOWED)).await {
        Err(err) => err,
        Ok(res) => panic!("expected the inner Err to surface, got {}", res.status()),
    };
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_actual_grant(&res, ALLOWED);
}

/// An application's own error type, as an authentication middleware would return it.
#[derive(Debug)]
struct AuthError;

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not signed in")
    }
}

impl actix_web::ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        StatusCode::UNAUTHORIZED
    }
}

#[actix_web::test]
async fn an_outer_middleware_still_finds_the_inner_error_by_its_type() {
    use std::sync::{Arc, Mutex};

    use actix_web::{
        body::BoxBody,
        dev::{ServiceRequest, ServiceResponse},
        middleware::{from_fn, Next},
        test, web, App, Error, HttpResponse,
    };

    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&seen);
    let app = test::init_service(
        App::new()
            // The outer layer: recovers the application's error by its type.
            .wrap(from_fn(move |req: ServiceRequest, next: Next<_>| {
                let recorder = Arc::clone(&recorder);
                async move {
                    let result = next.call(req).await;
                    if let Err(error) = &result {
                        recorder
                            .lock()
                            .unwrap()
                            .push(error.as_error::<AuthError>().is_some());
                    }
                    result
                }
            }))
            .service(
                web::scope("/api")
                    // Authentication inside the policy, as the crate docs ask.
                    .wrap(from_fn(|_req: ServiceRequest, _next: Next<_>| async move {
                        Err::<ServiceResponse<BoxBody>, Error>(AuthError.into())
                    }))
                    .wrap(build(strict()))
                    .route("/items", web::get().to(HttpResponse::Ok)),
            ),
    )
    .await;

    let err = match test::try_call_service(&app, get("/api/items", ALLOWED).to_request()).await {
        Err(err) => err,
        Ok(res) => panic!("expected the inner Err to surface, got {}", res.status()),
    };
    assert!(err.as_error::<AuthError>().is_some(), "{err:?}");
    assert_eq!(*seen.lock().unwrap(), [true]);
    // Rendered wherever the outer layers choose, its response carries the grant.
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_header(&res, ACAO, ALLOWED);
    assert_header(&res, ACAC, "true");
}
