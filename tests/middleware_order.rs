//! Where other actix-web middleware must sit relative to a policy, as the crate docs say
//! ("Middleware order"): `ErrorHandlers` inside, authentication inside, and CORS headers never
//! in `DefaultHeaders`.

use actix_scoped_cors::Cors;
use actix_web::{
    dev::ServiceResponse,
    http::{header, StatusCode},
    middleware::{DefaultHeaders, ErrorHandlerResponse, ErrorHandlers},
    test::{self, TestRequest},
    web, App, HttpResponse,
};

const ALLOWED: &str = "https://app.example.com";
const REFUSED: &str = "https://evil.example.net";

fn policy() -> actix_scoped_cors::Policy {
    Cors::strict([ALLOWED]).try_build().unwrap()
}

/// An error page that replaces the response, as error handlers that render templates do.
fn error_page<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let (req, _) = res.into_parts();
    let page = HttpResponse::NotFound()
        .body("custom 404")
        .map_into_right_body();
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(
        req, page,
    )))
}

fn acao(res: &ServiceResponse<impl actix_web::body::MessageBody>) -> Vec<String> {
    res.headers()
        .get_all(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn error_handlers_inside_the_policy_keep_the_grant_and_outside_lose_it() {
    let inside = test::init_service(
        App::new().service(
            web::scope("/api")
                .wrap(ErrorHandlers::new().handler(StatusCode::NOT_FOUND, error_page))
                .wrap(policy()),
        ),
    )
    .await;
    let outside = test::init_service(
        App::new().service(
            web::scope("/api")
                .wrap(policy())
                .wrap(ErrorHandlers::new().handler(StatusCode::NOT_FOUND, error_page)),
        ),
    )
    .await;
    let req = || {
        TestRequest::get()
            .uri("/api/missing")
            .insert_header(("Origin", ALLOWED))
            .to_request()
    };

    let res = test::call_service(&inside, req()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(acao(&res), [ALLOWED]);
    assert_eq!(test::read_body(res).await, "custom 404");

    // Outside, the error page is built after the policy decorated: the page the browser gets
    // has no grant, so the script sees a CORS error instead of the 404.
    let res = test::call_service(&outside, req()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(acao(&res).is_empty());
}

#[actix_web::test]
async fn cors_headers_in_default_headers_outside_the_policy_leak_a_grant() {
    // `DefaultHeaders` adds a header only where the response has none: outside the policy it
    // puts its `*` on exactly the responses the policy refused.
    let app = test::init_service(
        App::new().service(
            web::scope("/api")
                .wrap(policy())
                .wrap(DefaultHeaders::new().add((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")))
                .route("", web::get().to(HttpResponse::Ok)),
        ),
    )
    .await;
    let req = TestRequest::get()
        .uri("/api")
        .insert_header(("Origin", REFUSED))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(acao(&res), ["*"], "why the docs forbid it");

    // Other default headers sit anywhere.
    let app = test::init_service(
        App::new().service(
            web::scope("/api")
                .wrap(policy())
                .wrap(DefaultHeaders::new().add(("x-frame-options", "DENY")))
                .route("", web::get().to(HttpResponse::Ok)),
        ),
    )
    .await;
    let req = TestRequest::get()
        .uri("/api")
        .insert_header(("Origin", ALLOWED))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(acao(&res), [ALLOWED]);
    assert_eq!(res.headers().get("x-frame-options").unwrap(), "DENY");
}
