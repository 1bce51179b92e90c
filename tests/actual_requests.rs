//! Actual (non-preflight) CORS requests to a strict, credentialed policy: who gets the grant
//! headers, and what they are exactly.

mod common;

use actix_scoped_cors::Cors;
use actix_web::{
    http::{Method, StatusCode},
    test::{self, TestRequest},
};
use common::*;

#[actix_web::test]
async fn allowed_origin_simple_get_gets_exactly_the_actual_grant_headers() {
    let app = TestApp::new(build(strict())).await;

    let res = app.call(get("/api/items", ALLOWED)).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_header(&res, ACAO, ALLOWED);
    assert_header(&res, ACAC, "true");
    assert_header(&res, ACEH, EXPOSED);
    assert_header(&res, "vary", "Origin");
    assert_no_preflight_only_headers(&res);
    assert_eq!(test::read_body(res).await, "items");
    assert_eq!(app.hits(), 1);
}

#[actix_web::test]
async fn allowed_post_and_delete_get_the_same_grant_headers() {
    let app = TestApp::new(build(strict())).await;

    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let res = app
            .call(actual(method.clone(), "/api/items", ALLOWED))
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{method}");
        assert_actual_grant(&res, ALLOWED);
    }
}

#[actix_web::test]
async fn each_allowed_origin_is_reflected_alone() {
    let app = TestApp::new(build(strict())).await;

    for origin in [
        ALLOWED,
        ALSO_ALLOWED,
        TENANT,
        "https://eu.acme.tenant.example.com",
    ] {
        let res = app.call(get("/api/items", origin)).await;
        // One line, one origin: never the list, never another allowed origin.
        assert_actual_grant(&res, origin);
    }
}

#[actix_web::test]
async fn disallowed_and_lookalike_origins_get_no_grant_headers() {
    let app = TestApp::new(build(strict())).await;

    for origin in [
        DISALLOWED,
        "https://app.example.com.evil.net",
        "https://xapp.example.com",
        "https://example.com",
        "http://app.example.com",
        "https://app.example.com:443",
        "https://app.example.com:8443",
        "https://APP.example.com",
        "HTTPS://app.example.com",
        "https://app.example.com/",
        "https://app.example.com.",
        " https://app.example.com",
        "https://app.example.com ",
        "https://tenant.example.com",
        "https://eviltenant.example.com",
        "https://acme.tenant.example.com.evil.net",
        "http://acme.tenant.example.com",
        "https://app.example.com, https://admin.example.com",
        "*",
        "null",
    ] {
        let res = app.call(get("/api/items", origin)).await;
        // The handler still runs: CORS only decides whether the page may read the response.
        assert_eq!(res.status(), StatusCode::OK, "{origin:?}");
        assert_no_grant_headers(&res);
        assert_vary_has_origin(&res);
        if origin != "null" && origin != "*" {
            assert_not_echoed(&res, origin.as_bytes());
        }
    }
    assert_eq!(app.hits(), 20);
}

#[actix_web::test]
async fn disallowed_simple_post_still_reaches_the_handler() {
    // CORS is not CSRF protection: a form or text/plain POST is sent without a preflight and
    // the server runs it; only the page's read of the response is blocked.
    let app = TestApp::new(build(strict())).await;

    let req = actual(Method::POST, "/api/items", DISALLOWED)
        .insert_header(("content-type", "text/plain"))
        .set_payload("hello");
    let res = app.call(req).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_no_grant_headers(&res);
    assert_eq!(app.hits(), 1);
}

#[actix_web::test]
async fn null_origin_is_rejected_by_default() {
    let app = TestApp::new(build(strict())).await;

    let res = app.call(get("/api/items", "null")).await;
    assert_no_grant_headers(&res);

    let res = app.call(preflight("/api/items", "null", "PUT")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_no_grant_headers(&res);
}

#[actix_web::test]
async fn null_origin_is_allowed_only_when_opted_in() {
    let app = TestApp::new(build(strict().allow_null_origin_insecure())).await;

    let res = app.call(get("/api/items", "null")).await;
    assert_actual_grant(&res, "null");

    let res = app.call(preflight("/api/items", "null", "PUT")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_header(&res, ACAO, "null");
    assert_header(&res, ACAC, "true");

    // The opt-in is about `null` only.
    let res = app.call(get("/api/items", DISALLOWED)).await;
    assert_no_grant_headers(&res);
}

#[actix_web::test]
async fn request_without_origin_passes_through_with_vary_origin() {
    let app = TestApp::new(build(strict())).await;

    for method in [Method::GET, Method::POST, Method::OPTIONS] {
        let req = TestRequest::default()
            .method(method.clone())
            .uri("/api/items");
        let res = app.call(req).await;
        assert_eq!(res.status(), StatusCode::OK, "{method}");
        assert_no_grant_headers(&res);
        // The answer would differ with an Origin, so caches must key on it.
        assert_header(&res, "vary", "Origin");
    }
    assert_eq!(app.hits(), 3);
}

#[actix_web::test]
async fn options_with_origin_but_no_acrm_is_an_actual_request() {
    let app = TestApp::new(build(strict())).await;

    let req = actual(Method::OPTIONS, "/api/items", ALLOWED).insert_header((ACRH, "x-custom"));
    let res = app.call(req).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_actual_grant(&res, ALLOWED);
    assert_eq!(test::read_body(res).await, "items");
    assert_eq!(app.hits(), 1);
}

#[actix_web::test]
async fn options_with_acrm_but_no_origin_passes_through() {
    let app = TestApp::new(build(strict())).await;

    let req = TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/api/items")
        .insert_header((ACRM, "PUT"));
    let res = app.call(req).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_no_grant_headers(&res);
    assert_eq!(test::read_body(res).await, "items");
    assert_eq!(app.hits(), 1);
}

#[actix_web::test]
async fn head_behaves_like_get() {
    let app = TestApp::new(build(strict())).await;

    for path in ["/api/items", "/api/get-or-head"] {
        let get = app.call(get(path, ALLOWED)).await;
        let head = app.call(actual(Method::HEAD, path, ALLOWED)).await;
        assert_eq!(head.status(), get.status(), "{path}");
        assert_actual_grant(&head, ALLOWED);
        for name in GRANT_HEADERS.iter().chain(&["vary"]) {
            assert_eq!(head.lines(name), get.lines(name), "{path}: {name}");
        }

        let head = app.call(actual(Method::HEAD, path, DISALLOWED)).await;
        assert_no_grant_headers(&head);
    }
}

#[actix_web::test]
async fn redirect_from_the_handler_carries_grant_headers() {
    let app = TestApp::new(build(strict())).await;

    for path in [
        "/api/redirect",
        "/api/status/301",
        "/api/status/303",
        "/api/status/307",
    ] {
        let res = app.call(get(path, ALLOWED)).await;
        assert!(res.status().is_redirection(), "{path}: {}", res.status());
        assert_header(&res, "location", "/api/items");
        assert_actual_grant(&res, ALLOWED);
    }
}

#[actix_web::test]
async fn malformed_origin_headers_are_not_allowed_and_never_echoed() {
    let app = TestApp::new(build(strict())).await;
    let long = format!("https://{}.example.com", "a".repeat(5000));

    let cases: Vec<(&str, TestRequest, Vec<u8>)> = vec![
        (
            "two identical Origin lines",
            get("/api/items", ALLOWED).append_header(("origin", ALLOWED)),
            Vec::new(),
        ),
        (
            "two different allowed Origin lines",
            get("/api/items", ALLOWED).append_header(("origin", ALSO_ALLOWED)),
            Vec::new(),
        ),
        (
            "allowed and disallowed Origin lines",
            get("/api/items", DISALLOWED).append_header(("origin", ALLOWED)),
            DISALLOWED.into(),
        ),
        ("empty Origin", get("/api/items", ""), Vec::new()),
        (
            "Origin over 4 KiB",
            get("/api/items", &long),
            long.clone().into(),
        ),
        (
            "non-ASCII Origin",
            TestRequest::get()
                .uri("/api/items")
                .insert_header(("origin", raw_value("https://äpp.example.com".as_bytes()))),
            "äpp".into(),
        ),
        (
            "Latin-1 byte in Origin",
            TestRequest::get()
                .uri("/api/items")
                .insert_header(("origin", raw_value(b"https://app.example.com\xff"))),
            b"app.example.com\xff".to_vec(),
        ),
        (
            "tab inside Origin",
            get("/api/items", "https://app.example.com\t"),
            b"app.example.com\t".to_vec(),
        ),
    ];

    for (case, req, needle) in cases {
        let res = app.call(req).await;
        assert_eq!(res.status(), StatusCode::OK, "{case}");
        assert_no_grant_headers(&res);
        assert_not_echoed(&res, &needle);
        // An allowed value on a second line must not be picked either.
        assert_vary_has_origin(&res);
    }
}

#[actix_web::test]
async fn wildcard_origin_allows_only_whole_labels_of_the_suffix() {
    let app = TestApp::new(build(Cors::strict(["https://*.example.com"]))).await;

    for (origin, allowed) in [
        ("https://a.example.com", true),
        ("https://a.b.example.com", true),
        ("https://example.com", false),
        ("https://aexample.com", false),
        ("https://a.example.com.evil.net", false),
        ("http://a.example.com", false),
        ("https://a.example.com:8443", false),
    ] {
        let res = app.call(get("/api/items", origin)).await;
        if allowed {
            assert_header(&res, ACAO, origin);
            assert_header(&res, ACAC, "true");
        } else {
            assert_no_grant_headers(&res);
        }
    }
}

#[actix_web::test]
async fn origin_predicates_and_regexes_see_only_well_formed_origins() {
    // Even a predicate that accepts everything, and a regex that would match every malformed
    // value below, never turn `null`, a malformed or an oversized value into an allowed
    // origin: they only ever see canonical origins. (A regex as broad as `.*` is refused
    // when the policy is built, and so is one whose hosts do not all end in `.example.com`
    // or `.example.org`, such as `[a-z.]*example\.com`, which matches `evilexample.com`.)
    let policy = Cors::strict(Vec::<&str>::new())
        .allow_origin_fn(|_origin, _head| true)
        .allow_origin_regex(r"(?i)(https://)?([a-z]+\.)*example\.(com|org)(:443)?/?");
    let app = TestApp::new(build(policy)).await;

    let res = app
        .call(get("/api/items", "https://anyone.example.org"))
        .await;
    assert_header(&res, ACAO, "https://anyone.example.org");

    let long = format!("https://{}.example.com", "a".repeat(600));
    for origin in [
        "null",
        "",
        "https://APP.example.com",
        "https://app.example.com/",
        "https://app.example.com:443",
        "app.example.com",
        long.as_str(),
    ] {
        let res = app.call(get("/api/items", origin)).await;
        assert_no_grant_headers(&res);
        let res = app.call(preflight("/api/items", origin, "GET")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{origin:?}");
    }
}

#[actix_web::test]
async fn origin_regexes_match_the_whole_origin() {
    let policy = Cors::strict(Vec::<&str>::new())
        .allow_origin_regex(r"https://pr-[0-9]+\.preview\.example\.com");
    let app = TestApp::new(build(policy)).await;

    let res = app
        .call(get("/api/items", "https://pr-42.preview.example.com"))
        .await;
    assert_header(&res, ACAO, "https://pr-42.preview.example.com");
    for origin in [
        "https://pr-42.preview.example.com.evil.net",
        "https://xpr-42.preview.example.com",
        "http://pr-42.preview.example.com",
    ] {
        let res = app.call(get("/api/items", origin)).await;
        assert_no_grant_headers(&res);
    }
}

#[actix_web::test]
async fn origin_predicate_sees_the_request_head() {
    let policy = Cors::strict([ALLOWED]).allow_origin_fn(|origin, head| {
        origin.host() == "partner.example.org" && head.uri.path() == "/api/items"
    });
    let app = TestApp::new(build(policy)).await;
    let partner = "https://partner.example.org";

    let res = app.call(get("/api/items", partner)).await;
    assert_header(&res, ACAO, partner);
    let res = app.call(preflight("/api/items", partner, "PUT")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_header(&res, ACAO, partner);

    let res = app.call(get("/api/me", partner)).await;
    assert_no_grant_headers(&res);
}

#[actix_web::test]
async fn shared_origins_take_effect_on_the_next_request() {
    let tenants = actix_scoped_cors::SharedOrigins::new([TENANT]).expect("valid list");
    let policy = Cors::strict([ALLOWED]).allow_shared_origins(tenants.clone());
    let app = TestApp::new(build(policy)).await;
    let newcomer = "https://globex.example.com";

    assert_header(&app.call(get("/api/items", TENANT)).await, ACAO, TENANT);
    assert_no_grant_headers(&app.call(get("/api/items", newcomer)).await);

    tenants.replace([newcomer]).expect("valid list");
    assert_no_grant_headers(&app.call(get("/api/items", TENANT)).await);
    assert_header(&app.call(get("/api/items", newcomer)).await, ACAO, newcomer);

    // A bad list is refused as a whole; the one in force stays.
    assert!(tenants.replace(["https://*.com"]).is_err());
    assert_header(&app.call(get("/api/items", newcomer)).await, ACAO, newcomer);
    // The static allowlist is untouched by replacements.
    assert_header(&app.call(get("/api/items", ALLOWED)).await, ACAO, ALLOWED);
}
