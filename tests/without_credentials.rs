//! A strict allowlist without credentials (`Cors::strict(..).without_credentials()`, for
//! bearer-token APIs) and the preflight success status (`preflight_status`).

mod common;

use actix_scoped_cors::{
    testing::{AccessError, BlockReason, Credentials, FetchRequest, Page},
    ConfigProblem, Cors,
};
use actix_web::{
    http::StatusCode,
    test::{self as actix_test},
    App,
};
use common::*;

fn bearer_api() -> Cors<actix_scoped_cors::Strict> {
    strict().without_credentials()
}

#[actix_web::test]
async fn allowed_origin_is_reflected_without_credentials() {
    let app = TestApp::new(build(bearer_api())).await;

    let res = app.call(get("/api/items", ALLOWED)).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_header(&res, ACAO, ALLOWED);
    assert_header(&res, ACEH, EXPOSED);
    assert_absent(&res, ACAC);
    assert_vary_has_origin(&res);
}

#[actix_web::test]
async fn refused_and_originless_requests_get_no_grant_and_never_a_star() {
    let app = TestApp::new(build(bearer_api())).await;

    let refused = app.call(get("/api/items", DISALLOWED)).await;
    assert_no_grant_headers(&refused);
    assert_vary_has_origin(&refused);

    // A permissive policy answers `*` here; an allowlist must not.
    let originless = app
        .call(actix_test::TestRequest::get().uri("/api/items"))
        .await;
    assert_no_grant_headers(&originless);
    assert_vary_has_origin(&originless);
}

#[actix_web::test]
async fn preflight_is_granted_without_credentials() {
    let app = TestApp::new(build(bearer_api())).await;

    let res = app
        .call(preflight("/api/items", TENANT, "PUT").insert_header((ACRH, "authorization")))
        .await;

    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_header(&res, ACAO, TENANT);
    assert_header(&res, ACAM, STRICT_METHODS);
    assert_header(&res, ACAH, STRICT_HEADERS);
    assert_absent(&res, ACAC);

    let refused = app.call(preflight("/api/items", DISALLOWED, "PUT")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_no_grant_headers(&refused);
}

#[actix_web::test]
async fn wildcards_in_lists_are_honoured_without_credentials_only() {
    // Browsers honour `*` for methods, request and exposed headers on requests without
    // credentials, so these are accepted here...
    let policy = build(
        Cors::strict([ALLOWED])
            .without_credentials()
            .allow_methods(["*"])
            .allow_any_header()
            .expose_headers(["*"]),
    );
    let app = TestApp::new(policy).await;
    let res = app
        .call(preflight("/api/items", ALLOWED, "PURGE").insert_header((ACRH, "x-api-key")))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_header(&res, ACAM, "*");
    assert_header(&res, ACAH, "*");
    assert_absent(&res, ACAC);
    let res = app.call(get("/api/items", ALLOWED)).await;
    assert_header(&res, ACEH, "*");

    // ...and still refused with credentials.
    let err = Cors::strict([ALLOWED])
        .allow_methods(["*"])
        .expose_headers(["*"])
        .try_build()
        .unwrap_err();
    assert!(err.problems().contains(&ConfigProblem::WildcardMethod));
    assert_eq!(err.problems().len(), 2, "{err}");
}

#[actix_web::test]
async fn the_origin_rules_are_those_of_a_credentialed_allowlist() {
    let err = Cors::strict(["*", "http://app.example.com", "https://*.co.uk"])
        .without_credentials()
        .try_build()
        .unwrap_err();
    assert_eq!(err.problems().len(), 3, "{err}");
}

#[actix_web::test]
async fn browsers_read_bearer_requests_and_refuse_cookie_requests() {
    let app = actix_test::init_service(
        App::new().service(
            actix_web::web::scope("/api")
                .wrap(build(bearer_api()))
                .configure(routes(Default::default())),
        ),
    )
    .await;
    let url = "https://api.example.com/api/items";

    let bearer = Page::new(ALLOWED)
        .fetch(
            &app,
            FetchRequest::put(url).header("authorization", "Bearer t0ken"),
        )
        .await;
    assert!(bearer.is_allowed(), "{:?}", bearer.console_message());

    let with_cookies = Page::new(ALLOWED)
        .with_cookie("session=1")
        .fetch(
            &app,
            FetchRequest::get(url).credentials(Credentials::Include),
        )
        .await;
    assert_eq!(
        with_cookies.block_reason(),
        Some(&BlockReason::Access(AccessError::InvalidAllowCredentials(
            String::new()
        )))
    );
}

#[actix_web::test]
async fn preflight_status_200_is_sent_for_grants_and_explained_refusals() {
    let policy = build(strict().preflight_status(StatusCode::OK));
    let app = TestApp::new(policy).await;

    let granted = app.call(preflight("/api/items", ALLOWED, "PUT")).await;
    assert_eq!(granted.status(), StatusCode::OK);
    assert_header(&granted, ACAO, ALLOWED);
    assert!(actix_test::read_body(granted).await.is_empty());

    let explained = app
        .call(preflight("/api/items", ALLOWED, "PUT").insert_header((ACRH, "x-api-key")))
        .await;
    assert_eq!(explained.status(), StatusCode::OK);
    assert_absent(&explained, MAX_AGE);

    let refused = app.call(preflight("/api/items", DISALLOWED, "PUT")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let public = TestApp::new(build(Cors::permissive().preflight_status(StatusCode::OK))).await;
    let res = public
        .call(preflight("/api/items", DISALLOWED, "PUT"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_header(&res, ACAO, "*");
}

#[test]
fn preflight_status_other_than_200_or_204_is_a_config_error() {
    for status in [
        StatusCode::ACCEPTED,
        StatusCode::MULTIPLE_CHOICES,
        StatusCode::FORBIDDEN,
        StatusCode::INTERNAL_SERVER_ERROR,
    ] {
        let err = strict().preflight_status(status).try_build().unwrap_err();
        assert_eq!(
            err.problems(),
            [ConfigProblem::PreflightStatus {
                status: status.as_u16()
            }],
            "{status}"
        );
        assert!(err.to_string().contains("StatusCode::OK"), "{err}");
    }
    for status in [StatusCode::OK, StatusCode::NO_CONTENT] {
        assert!(strict().preflight_status(status).try_build().is_ok());
    }
}
