//! `block_disallowed()` (403 before the handler, never for same-origin requests) and the
//! `on_reject` hook.

mod common;

use actix_scoped_cors::Reason;
use actix_web::{
    http::{Method, StatusCode},
    test::{self, TestRequest},
};
use common::*;

async fn blocking_app() -> TestApp {
    TestApp::new(build(strict().block_disallowed())).await
}

#[actix_web::test]
async fn block_disallowed_answers_403_before_the_handler() {
    let app = blocking_app().await;

    for req in [
        get("/api/items", DISALLOWED),
        get("/api/items", "https://app.example.com.evil.net"),
        get("/api/items", "null"),
        get("/api/items", ""),
        get("/api/items", ALLOWED).append_header(("origin", DISALLOWED)),
        actual(Method::POST, "/api/items", DISALLOWED)
            .insert_header(("content-type", "text/plain"))
            .set_payload("hello"),
        actual(Method::DELETE, "/api/no-such-route", DISALLOWED),
        // The request's own host, but another scheme: cross-origin.
        get("/api/items", "https://localhost:8080"),
    ] {
        let res = app.call(req).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_no_grant_headers(&res);
        assert_not_echoed(&res, DISALLOWED.as_bytes());
        assert!(test::read_body(res).await.is_empty());
    }
    assert_eq!(app.hits(), 0);

    let res = app.call(get("/api/items", ALLOWED)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_actual_grant(&res, ALLOWED);
    assert_eq!(app.hits(), 1);
}

#[actix_web::test]
async fn block_disallowed_passes_requests_without_origin() {
    let app = blocking_app().await;

    let res = app
        .call(TestRequest::post().uri("/api/items").set_payload("x"))
        .await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_no_grant_headers(&res);
    assert_vary_has_origin(&res);
    assert_eq!(app.hits(), 1);
}

#[actix_web::test]
async fn block_disallowed_never_blocks_same_origin_requests() {
    // Browsers send Origin on same-origin requests whose method is not GET/HEAD; the request's
    // own origin is what actix-web's ConnectionInfo reports.
    let app = blocking_app().await;
    let same_origin = |method: Method, origin: &str| actual(method, "/api/items", origin);

    let cases: Vec<(&str, TestRequest)> = vec![
        (
            "test default host, plain http",
            same_origin(Method::POST, "http://localhost:8080"),
        ),
        (
            "Host header",
            same_origin(Method::POST, "http://api.internal:8080")
                .insert_header(("host", "api.internal:8080")),
        ),
        (
            "Host and X-Forwarded-Proto",
            same_origin(Method::PUT, "https://api.example.com")
                .insert_header(("host", "api.example.com"))
                .insert_header(("x-forwarded-proto", "https")),
        ),
        (
            "X-Forwarded-Host and X-Forwarded-Proto",
            same_origin(Method::DELETE, "https://api.example.com")
                .insert_header(("host", "backend:8080"))
                .insert_header(("x-forwarded-host", "api.example.com"))
                .insert_header(("x-forwarded-proto", "https")),
        ),
        (
            "Forwarded",
            same_origin(Method::PATCH, "https://api.example.com")
                .insert_header(("host", "backend:8080"))
                .insert_header((
                    "forwarded",
                    "for=192.0.2.1;proto=https;host=api.example.com",
                )),
        ),
        (
            "proxy spells the scheme in capitals and the default port out",
            same_origin(Method::POST, "https://api.example.com")
                .insert_header(("host", "api.example.com:443"))
                .insert_header(("x-forwarded-proto", "HTTPS")),
        ),
        (
            "plain http with the default port spelled out",
            same_origin(Method::POST, "http://api.example.com")
                .insert_header(("host", "api.example.com:80")),
        ),
        (
            "same-origin GET",
            same_origin(Method::GET, "https://api.example.com")
                .insert_header(("host", "api.example.com"))
                .insert_header(("x-forwarded-proto", "https")),
        ),
    ];
    let count = cases.len();
    for (case, req) in cases {
        let res = app.call(req).await;
        assert_eq!(res.status(), StatusCode::OK, "{case}");
        assert_eq!(test::read_body(res).await, "items", "{case}");
    }
    assert_eq!(app.hits(), count);

    // Same host, another port: cross-origin.
    let res = app
        .call(
            same_origin(Method::POST, "https://api.example.com")
                .insert_header(("host", "api.example.com:8443"))
                .insert_header(("x-forwarded-proto", "https")),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Same host, but the proxy says the page was served over another scheme.
    let res = app
        .call(
            same_origin(Method::POST, "https://api.example.com")
                .insert_header(("host", "api.example.com"))
                .insert_header(("x-forwarded-proto", "http")),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A lookalike of the own host.
    let res = app
        .call(
            same_origin(Method::POST, "https://api.example.com.evil.net")
                .insert_header(("host", "api.example.com"))
                .insert_header(("x-forwarded-proto", "https")),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.hits(), count);
}

#[actix_web::test]
async fn without_block_disallowed_refused_requests_reach_the_handler() {
    let app = TestApp::new(build(strict())).await;

    let res = app.call(get("/api/items", DISALLOWED)).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_no_grant_headers(&res);
    assert_eq!(app.hits(), 1);
}

#[actix_web::test]
async fn on_reject_receives_the_reason() {
    let rejections = Rejections::default();
    let app = TestApp::new(build(strict().on_reject(rejections.hook()))).await;
    let long = format!("https://{}.example.com", "a".repeat(5000));

    let table: Vec<(TestRequest, Reason, bool)> = vec![
        (
            get("/api/items", DISALLOWED),
            Reason::OriginNotAllowed,
            false,
        ),
        (get("/api/items", "null"), Reason::OriginNotAllowed, false),
        (get("/api/items", ""), Reason::InvalidOrigin, false),
        (get("/api/items", &long), Reason::InvalidOrigin, false),
        (
            get("/api/items", ALLOWED).append_header(("origin", ALLOWED)),
            Reason::InvalidOrigin,
            false,
        ),
        (
            TestRequest::get()
                .uri("/api/items")
                .insert_header(("origin", raw_value("https://äpp.example.com".as_bytes()))),
            Reason::InvalidOrigin,
            false,
        ),
        (
            preflight("/api/items", DISALLOWED, "PUT"),
            Reason::OriginNotAllowed,
            true,
        ),
        (
            preflight("/api/items", ALLOWED, "patch"),
            Reason::MethodNotAllowed,
            true,
        ),
        (
            preflight("/api/items", ALLOWED, "GET, PUT"),
            Reason::InvalidRequestMethod,
            true,
        ),
        (
            preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, "x-other")),
            Reason::HeaderNotAllowed,
            true,
        ),
        (
            preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, "x custom")),
            Reason::InvalidRequestHeaders,
            true,
        ),
        (
            preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, ",".repeat(64 * 1024))),
            Reason::InvalidRequestHeaders,
            true,
        ),
    ];
    for (req, reason, is_preflight) in table {
        app.call(req).await;
        let seen = rejections.take();
        assert_eq!(seen.len(), 1, "{reason:?}: {seen:?}");
        assert_eq!(seen[0].reason, reason);
        assert_eq!(seen[0].preflight, is_preflight, "{reason:?}");
        assert_eq!(seen[0].path, "/api/items");
    }

    // What the hook sees of the request.
    app.call(preflight("/api/no-route", DISALLOWED, "PUT"))
        .await;
    assert_eq!(
        rejections.take(),
        [Recorded {
            reason: Reason::OriginNotAllowed,
            preflight: true,
            origin: Some(DISALLOWED.to_owned()),
            method: "OPTIONS".to_owned(),
            path: "/api/no-route".to_owned(),
        }]
    );

    // Allowed and non-CORS requests are not rejections.
    app.call(get("/api/items", ALLOWED)).await;
    app.call(preflight("/api/items", ALLOWED, "PUT")).await;
    app.call(TestRequest::get().uri("/api/items")).await;
    assert_eq!(rejections.take(), []);
}

#[actix_web::test]
async fn on_reject_sees_blocked_requests() {
    let rejections = Rejections::default();
    let policy = strict().block_disallowed().on_reject(rejections.hook());
    let app = TestApp::new(build(policy)).await;

    let res = app
        .call(actual(Method::DELETE, "/api/items", DISALLOWED))
        .await;

    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        rejections.take(),
        [Recorded {
            reason: Reason::OriginNotAllowed,
            preflight: false,
            origin: Some(DISALLOWED.to_owned()),
            method: "DELETE".to_owned(),
            path: "/api/items".to_owned(),
        }]
    );
}

#[actix_web::test]

async fn blocked_responses_vary_on_origin() {
    // docs/CONFORMANCE.md rule 9: when the answer depends on the request's Origin, responses carry
    // `Vary: Origin`. With block_disallowed() the same GET gets 200 or 403 depending on the
    // Origin alone; a cache that stores the 403 (CDNs can be told to cache errors) must not
    // serve it to the allowed origin or to same-origin requests.
    let app = blocking_app().await;

    let res = app.call(get("/api/items", DISALLOWED)).await;

    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_no_grant_headers(&res);
    assert_header(&res, "vary", "Origin");
}

#[actix_web::test]
async fn same_origin_requests_are_not_reported_as_refusals_when_blocking() {
    // Browsers send Origin on same-origin POSTs; with block_disallowed() the policy knows the
    // request's own origin, so such requests are neither blocked nor reported.
    let rejections = Rejections::default();
    let app = TestApp::new(build(
        strict().block_disallowed().on_reject(rejections.hook()),
    ))
    .await;

    let res = app
        .call(
            actual(Method::POST, "/api/items", "https://api.example.com")
                .insert_header(("host", "api.example.com"))
                .insert_header(("x-forwarded-proto", "https")),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_no_grant_headers(&res);
    assert!(rejections.take().is_empty());

    let res = app
        .call(actual(Method::POST, "/api/items", DISALLOWED))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(rejections.take().len(), 1);
}

#[actix_web::test]
async fn same_origin_requests_are_never_reported_as_refusals() {
    // Browsers send Origin on same-origin POST, PUT, PATCH and DELETE. Such a request needs no
    // grant, so reporting it as "origin not allowed" would be a false alarm, whether the
    // policy blocks, serves, or decides after the route (deferring, nothing beneath).
    for (case, with) in [
        ("serving", strict as fn() -> _),
        ("blocking", || strict().block_disallowed()),
        ("deferring", || strict().defer_to_inner_policies()),
    ] {
        let rejections = Rejections::default();
        let app = TestApp::new(build(with().on_reject(rejections.hook()))).await;

        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            for req in [
                actual(method.clone(), "/api/items", "https://api.example.com")
                    .insert_header(("host", "api.example.com"))
                    .insert_header(("x-forwarded-proto", "https")),
                // The test server's default host, over the listener's plain http.
                actual(method.clone(), "/api/items", "http://localhost:8080"),
            ] {
                let res = app.call(req).await;
                assert_eq!(res.status(), StatusCode::OK, "{case} {method}");
                assert_no_grant_headers(&res);
            }
        }
        assert_eq!(rejections.take(), [], "{case}");

        // A cross-origin request is still reported, once.
        app.call(actual(Method::POST, "/api/items", DISALLOWED))
            .await;
        assert_eq!(
            rejections
                .take()
                .iter()
                .map(|r| r.reason)
                .collect::<Vec<_>>(),
            [Reason::OriginNotAllowed],
            "{case}"
        );
    }
}
