//! CORS preflights (`OPTIONS` + `Origin` + `Access-Control-Request-Method`) against a strict,
//! credentialed policy: answered by the middleware, `204` with exact grant headers, `204`
//! naming the allowed lists for an allowed origin refused a method or header, or `403` with
//! nothing at all.

mod common;

use std::time::{Duration, Instant};

use actix_scoped_cors::Cors;
use actix_web::{dev::ServiceResponse, http::StatusCode, test, test::TestRequest};
use common::*;

#[actix_web::test]
async fn allowed_preflight_is_204_with_empty_body_and_handler_not_called() {
    let app = TestApp::new(build(strict())).await;

    let res = app
        .call(preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, "content-type")))
        .await;

    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_header(&res, ACAO, ALLOWED);
    assert!(test::read_body(res).await.is_empty());
    assert_eq!(app.hits(), 0, "the handler must not run for a preflight");
}

#[actix_web::test]
async fn allowed_preflight_carries_exactly_the_preflight_grant_headers() {
    let app = TestApp::new(build(strict())).await;

    let res = app
        .call(
            preflight("/api/items", ALLOWED, "DELETE")
                .insert_header((ACRH, "authorization,content-type,x-custom")),
        )
        .await;

    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_header(&res, ACAO, ALLOWED);
    assert_header(&res, ACAC, "true");
    assert_header(&res, ACAM, STRICT_METHODS);
    assert_header(&res, ACAH, STRICT_HEADERS);
    assert_header(&res, MAX_AGE, "600");
    assert_header(&res, "vary", VARY_PREFLIGHT);
    // Exposed headers belong on actual responses; PNA only when asked for and enabled.
    assert_absent(&res, ACEH);
    assert_absent(&res, ACAPN);
}

#[actix_web::test]
async fn each_allowed_origin_gets_its_own_preflight_answer() {
    let app = TestApp::new(build(strict())).await;

    for origin in [ALLOWED, ALSO_ALLOWED, TENANT] {
        let res = app.call(preflight("/api/items", origin, "PUT")).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{origin}");
        assert_header(&res, ACAO, origin);
    }
}

#[actix_web::test]
async fn allowed_methods_are_matched_byte_exactly() {
    let app = TestApp::new(build(strict())).await;

    for method in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] {
        let res = app.call(preflight("/api/items", ALLOWED, method)).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{method}");
        assert_header(&res, ACAM, STRICT_METHODS);
    }
}

/// The answer to a preflight from an allowed origin refused a method or header by the
/// policy's lists: `204` with the origin grant and the allowed lists, no `Max-Age`, no body,
/// so that the browser's own check names the refused item.
async fn assert_explained(res: ServiceResponse, acah: Option<&str>, refused: &str, case: &str) {
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "{case}");
    assert_header(&res, ACAO, ALLOWED);
    assert_header(&res, ACAC, "true");
    assert_header(&res, ACAM, STRICT_METHODS);
    match acah {
        Some(acah) => assert_header(&res, ACAH, acah),
        None => assert_absent(&res, ACAH),
    }
    // A refusal is never cached as a grant.
    assert_absent(&res, MAX_AGE);
    assert_absent(&res, ACEH);
    assert_absent(&res, ACAPN);
    assert_header(&res, "vary", VARY_PREFLIGHT);
    assert_not_echoed(&res, refused.as_bytes());
    assert!(test::read_body(res).await.is_empty(), "{case}");
}

#[actix_web::test]
async fn preflight_with_lowercase_patch_is_refused_with_the_allowed_methods() {
    // Browsers uppercase only DELETE/GET/HEAD/OPTIONS/POST/PUT: `fetch(url, {method: "patch"})`
    // sends `patch`, which `PATCH` in Access-Control-Allow-Methods does not cover. The answer
    // lists `PATCH`, which is what the browser compares `patch` with, byte for byte.
    let app = TestApp::new(build(strict())).await;

    let res = app.call(preflight("/api/items", ALLOWED, "patch")).await;
    assert_explained(res, Some(STRICT_HEADERS), "patch", "patch").await;

    let res = app.call(preflight("/api/items", ALLOWED, "PATCH")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_header(&res, MAX_AGE, "600");
    assert_eq!(app.hits(), 0);
}

#[actix_web::test]
async fn refused_method_or_header_from_an_allowed_origin_names_the_allowed_lists() {
    let app = TestApp::new(build(strict())).await;

    let cases: Vec<(&str, TestRequest, &str)> = vec![
        (
            "disallowed method",
            preflight("/api/items", ALLOWED, "PROPFIND"),
            "PROPFIND",
        ),
        (
            "OPTIONS is not listed",
            preflight("/api/items", ALLOWED, "OPTIONS"),
            "OPTIONS",
        ),
        (
            "lowercase put (browsers would uppercase it)",
            preflight("/api/items", ALLOWED, "put"),
            "put",
        ),
        (
            "disallowed method and header",
            preflight("/api/items", ALLOWED, "PROPFIND").insert_header((ACRH, "x-other")),
            "PROPFIND",
        ),
        (
            "header not allowed",
            preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, "x-other")),
            "x-other",
        ),
        (
            "one of several headers not allowed",
            preflight("/api/items", ALLOWED, "PUT")
                .insert_header((ACRH, "content-type,x-custom,x-other")),
            "x-other",
        ),
        (
            "`*` asked with credentials",
            preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, "content-type,*")),
            "*",
        ),
    ];
    for (case, req, refused) in cases {
        let res = app.call(req).await;
        assert_explained(res, Some(STRICT_HEADERS), refused, case).await;
    }
    assert_eq!(app.hits(), 0);
}

#[actix_web::test]
async fn refused_header_with_an_empty_header_list_sends_no_allow_headers() {
    let app = TestApp::new(build(strict().allow_headers(Vec::<&str>::new()))).await;

    let res = app
        .call(preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, "x-api-key")))
        .await;
    assert_explained(res, None, "x-api-key", "empty list").await;
}

#[actix_web::test]
async fn any_header_policy_sends_the_asked_headers_with_a_refused_method() {
    let app = TestApp::new(build(strict().allow_any_header())).await;

    let res = app
        .call(preflight("/api/items", ALLOWED, "PROPFIND").insert_header((ACRH, "x-api-key")))
        .await;
    assert_explained(res, Some("x-api-key"), "PROPFIND", "any header").await;

    // A `*` with credentials is refused, and the echo would name it: a bare 403.
    let res = app
        .call(preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, "x-api-key,*")))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_no_grant_headers(&res);
}

#[actix_web::test]
async fn refused_preflights_are_403_with_an_empty_body_and_no_grant_headers() {
    let app = TestApp::new(build(strict())).await;

    let cases: Vec<(&str, TestRequest, &str)> = vec![
        (
            "disallowed origin",
            preflight("/api/items", DISALLOWED, "PUT"),
            DISALLOWED,
        ),
        (
            "disallowed origin asking for a disallowed method and header",
            preflight("/api/items", DISALLOWED, "PROPFIND").insert_header((ACRH, "x-other")),
            "x-other",
        ),
        (
            "lookalike origin",
            preflight("/api/items", "https://app.example.com.evil.net", "GET"),
            "evil.net",
        ),
        (
            "trailing slash",
            preflight("/api/items", "https://app.example.com/", "GET"),
            "example.com/",
        ),
        (
            "uppercase host",
            preflight("/api/items", "https://APP.example.com", "GET"),
            "APP",
        ),
        (
            "explicit default port",
            preflight("/api/items", "https://app.example.com:443", "GET"),
            ":443",
        ),
        ("null origin", preflight("/api/items", "null", "GET"), ""),
        ("empty method", preflight("/api/items", ALLOWED, ""), ""),
        (
            "two methods in one value",
            preflight("/api/items", ALLOWED, "GET, PUT"),
            "",
        ),
        (
            "two method lines",
            preflight("/api/items", ALLOWED, "GET").append_header((ACRM, "PUT")),
            "",
        ),
        (
            "malformed header list",
            preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, "content-type,x y")),
            "",
        ),
        (
            "unlisted header before a malformed one",
            preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, "x-other,x y")),
            "x-other",
        ),
        (
            "disallowed method with a malformed header list",
            preflight("/api/items", ALLOWED, "PROPFIND").insert_header((ACRH, "x(y")),
            "PROPFIND",
        ),
        (
            "too many header names",
            preflight("/api/items", ALLOWED, "PUT")
                .insert_header((ACRH, vec!["x-other"; 65].join(","))),
            "",
        ),
    ];

    for (case, req, needle) in cases {
        let res = app.call(req).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{case}");
        assert_no_grant_headers(&res);
        assert_not_echoed(&res, needle.as_bytes());
        let body = test::read_body(res).await;
        assert!(body.is_empty(), "{case}: body {body:?} reveals the policy");
    }
    assert_eq!(app.hits(), 0);
}

#[actix_web::test]
async fn malformed_origins_are_refused_on_preflight() {
    let app = TestApp::new(build(strict())).await;
    let long = format!("https://{}.example.com", "a".repeat(5000));

    for (case, req) in [
        (
            "two Origin lines",
            preflight("/api/items", ALLOWED, "PUT").append_header(("origin", ALLOWED)),
        ),
        ("empty Origin", preflight("/api/items", "", "PUT")),
        ("Origin over 4 KiB", preflight("/api/items", &long, "PUT")),
        (
            "non-ASCII Origin",
            preflight("/api/items", ALLOWED, "PUT")
                .insert_header(("origin", raw_value("https://äpp.example.com".as_bytes()))),
        ),
    ] {
        let res = app.call(req).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{case}");
        assert_no_grant_headers(&res);
        assert_not_echoed(&res, b"example.com");
    }
}

#[actix_web::test]
async fn request_header_names_match_case_insensitively() {
    let app = TestApp::new(build(strict())).await;

    for acrh in ["X-Custom", "CONTENT-TYPE", "Authorization,x-CUSTOM"] {
        let res = app
            .call(preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, acrh)))
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{acrh}");
        assert_header(&res, ACAH, STRICT_HEADERS);
    }
}

/// Sends a preflight for PUT with the given `Access-Control-Request-Headers` lines.
fn with_request_headers(lines: &[&str]) -> TestRequest {
    let mut req = preflight("/api/items", ALLOWED, "PUT");
    for line in lines {
        req = req.append_header((ACRH, *line));
    }
    req
}

/// Status and every grant header line, to compare two answers.
fn answer(res: &actix_web::dev::ServiceResponse) -> (StatusCode, Vec<Vec<Vec<u8>>>) {
    let lines = GRANT_HEADERS
        .iter()
        .chain(&["vary"])
        .map(|name| res.lines(name))
        .collect();
    (res.status(), lines)
}

#[actix_web::test]
async fn request_header_list_variants_get_the_clean_answer() {
    let app = TestApp::new(build(strict())).await;

    let table: [(&[&str], &[&str]); 6] = [
        (&["content-type,x-custom"], &[" X-Custom ,  CONTENT-TYPE"]),
        (&["content-type,x-custom"], &["content-type", "x-custom"]),
        (
            &["content-type,x-custom"],
            &[" content-type", " x-custom , "],
        ),
        (&["x-custom"], &[",,x-custom,,"]),
        (&["x-custom"], &["x-custom", ""]),
        (&[], &[""]),
    ];
    for (clean, variant) in table {
        let expected = app.call(with_request_headers(clean)).await;
        let got = app.call(with_request_headers(variant)).await;
        assert_eq!(expected.status(), StatusCode::NO_CONTENT, "{clean:?}");
        assert_eq!(answer(&got), answer(&expected), "{variant:?} vs {clean:?}");
    }
}

#[actix_web::test]
async fn any_header_with_credentials_echoes_the_cleaned_list() {
    // With credentials `*` is a literal header name to browsers, so the validated request
    // list is echoed instead, lowercased, without spaces or empty elements.
    let app = TestApp::new(build(strict().allow_any_header())).await;

    let table: [(&[&str], Option<&str>); 8] = [
        (&["content-type,x-custom"], Some("content-type,x-custom")),
        (
            &[" X-Custom ,  CONTENT-TYPE"],
            Some("x-custom,content-type"),
        ),
        (&[",,x-custom,,"], Some("x-custom")),
        (&["content-type", "x-custom"], Some("content-type,x-custom")),
        (&["authorization"], Some("authorization")),
        (&["x-anything-at-all"], Some("x-anything-at-all")),
        (&[""], None),
        (&[], None),
    ];
    for (lines, expected) in table {
        let res = app.call(with_request_headers(lines)).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{lines:?}");
        assert_header(&res, ACAC, "true");
        match expected {
            Some(expected) => assert_header(&res, ACAH, expected),
            None => assert_absent(&res, ACAH),
        }
    }
}

#[actix_web::test]
async fn any_header_with_credentials_never_echoes_a_star() {
    // Found by the `request_headers` fuzz target: `*` is a valid token, and was echoed as
    // `Access-Control-Allow-Headers: *,x-custom` next to credentials.
    let app = TestApp::new(build(strict().allow_any_header())).await;
    for lines in [&["*,x-custom"][..], &["x-custom", "*"], &["*"]] {
        let res = app.call(with_request_headers(lines)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{lines:?}");
        assert_no_grant_headers(&res);
    }
}

#[actix_web::test]
async fn malformed_request_header_lists_are_rejected() {
    let many_names = vec!["x-a"; 10_000].join(",");
    let commas = ",".repeat(64 * 1024);
    let cases: [(&str, Vec<u8>); 7] = [
        ("space inside a name", b"x custom".to_vec()),
        ("non-ASCII name", "x-cüstom".as_bytes().to_vec()),
        ("Latin-1 byte", b"x-custom\xe9".to_vec()),
        ("parameter with ;", b"x-custom;q=1".to_vec()),
        ("quoted name", b"\"x-custom\"".to_vec()),
        ("64 KiB of commas", commas.into_bytes()),
        ("10,000 names", many_names.into_bytes()),
    ];

    for (policy_name, policy) in [
        ("strict", build(strict())),
        ("strict, any header", build(strict().allow_any_header())),
    ] {
        let app = TestApp::new(policy).await;
        for (case, value) in &cases {
            let started = Instant::now();
            let res = app
                .call(
                    preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, raw_value(value))),
                )
                .await;
            let elapsed = started.elapsed();
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{policy_name}: {case}");
            assert_no_grant_headers(&res);
            assert!(test::read_body(res).await.is_empty());
            // Reported, not asserted: timings on a shared machine are noise.
            eprintln!("{policy_name}: {case}: refused in {elapsed:?}");
        }
    }
}

#[actix_web::test]
async fn max_age_is_sent_as_configured() {
    let table = [
        ("default of strict()", Cors::strict([ALLOWED]), Some("600")),
        (
            "one hour",
            Cors::strict([ALLOWED]).max_age(Duration::from_secs(3600)),
            Some("3600"),
        ),
        (
            "the Firefox cap",
            Cors::strict([ALLOWED]).max_age(Duration::from_secs(86_400)),
            Some("86400"),
        ),
        (
            "zero: do not cache",
            Cors::strict([ALLOWED]).max_age(Duration::ZERO),
            Some("0"),
        ),
        ("none", Cors::strict([ALLOWED]).no_max_age(), None),
    ];
    for (case, cors, expected) in table {
        let app = TestApp::new(build(cors)).await;
        let res = app.call(preflight("/api/items", ALLOWED, "PUT")).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{case}");
        match expected {
            Some(secs) => assert_header(&res, MAX_AGE, secs),
            None => assert_absent(&res, MAX_AGE),
        }
        // Never on actual responses.
        let res = app.call(get("/api/items", ALLOWED)).await;
        assert_absent(&res, MAX_AGE);
    }
}

#[actix_web::test]
async fn private_network_access_is_granted_only_on_opted_in_preflights() {
    let enabled = TestApp::new(build(strict().allow_private_network())).await;
    let disabled = TestApp::new(build(strict())).await;
    let asking = || preflight("/api/items", ALLOWED, "GET").insert_header((ACRPN, "true"));

    let res = enabled.call(asking()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_header(&res, ACAPN, "true");

    let res = enabled.call(preflight("/api/items", ALLOWED, "GET")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_absent(&res, ACAPN);

    let res = disabled.call(asking()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_absent(&res, ACAPN);

    let res = enabled
        .call(preflight("/api/items", DISALLOWED, "GET").insert_header((ACRPN, "true")))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_no_grant_headers(&res);

    // Never on actual responses, even when the request carries the preflight header.
    let res = enabled
        .call(get("/api/items", ALLOWED).insert_header((ACRPN, "true")))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_absent(&res, ACAPN);
}

#[actix_web::test]
async fn preflight_to_a_path_without_route_is_answered() {
    let app = TestApp::new(build(strict())).await;

    for path in ["/api/no-such-route", "/api/deeper/still/none", "/api"] {
        let res = app.call(preflight(path, ALLOWED, "PUT")).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{path}");
        assert_header(&res, ACAO, ALLOWED);
        assert_header(&res, ACAM, STRICT_METHODS);

        let res = app.call(preflight(path, DISALLOWED, "PUT")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        assert_no_grant_headers(&res);
    }
}

#[actix_web::test]
async fn preflight_to_a_get_macro_route_is_answered() {
    // `#[get("/me")]` puts a GET guard on the resource, so an OPTIONS request never matches
    // it; the policy on the scope answers the preflight before routing.
    let app = TestApp::new(build(strict())).await;

    for path in ["/api/me", "/api/only-get"] {
        let res = app
            .call(preflight(path, ALLOWED, "GET").insert_header((ACRH, "authorization")))
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{path}");
        assert_header(&res, ACAO, ALLOWED);
        assert_header(&res, ACAH, STRICT_HEADERS);
    }
    let res = app.call(get("/api/me", ALLOWED)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_actual_grant(&res, ALLOWED);
    assert_eq!(app.hits(), 1);
}

#[actix_web::test]
async fn preflight_to_a_redirecting_route_is_answered_not_redirected() {
    // A 3xx fails a preflight in every browser.
    let app = TestApp::new(build(strict())).await;

    let res = app.call(preflight("/api/redirect", ALLOWED, "POST")).await;

    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_absent(&res, "location");
    assert_eq!(app.hits(), 0);
}

#[actix_web::test]
async fn preflight_is_answered_before_an_inner_middleware_that_refuses() {
    // Preflights carry no cookies and no Authorization: an authentication layer inside the
    // policy must never see them.
    let app = TestApp::new(build(strict())).await;

    let res = app
        .call(preflight("/api/unauthorized", ALLOWED, "PUT").insert_header((ACRH, "authorization")))
        .await;

    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_header(&res, ACAO, ALLOWED);
    assert_header(&res, ACAC, "true");
}
