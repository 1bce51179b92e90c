//! The `testing` simulation against apps built with this crate and against hand-written,
//! deliberately misconfigured handlers: it must reach Chromium's verdict in each case.

use std::time::Duration;

use actix_scoped_cors::{
    testing::{AccessError, BlockReason, Credentials, Engine, FetchOutcome, FetchRequest, Page},
    Cors,
};
use actix_web::{
    http::{header, StatusCode},
    test, web, App, HttpRequest, HttpResponse,
};

const APP: &str = "https://app.example.com";
const API: &str = "https://api.example.com";

fn crate_app() -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .service(
            web::scope("/api")
                .wrap(
                    Cors::strict([APP])
                        .allow_headers(["content-type", "authorization"])
                        .expose_headers(["x-request-id"])
                        .max_age(Duration::from_secs(600)),
                )
                .route(
                    "/me",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .insert_header(("x-request-id", "7"))
                            .insert_header(("x-internal", "secret"))
                            .insert_header(("set-cookie", "session=1"))
                            .body("me")
                    }),
                )
                .route(
                    "/items",
                    web::put().to(|req: HttpRequest| async move {
                        let cookie = req
                            .headers()
                            .get(header::COOKIE)
                            .map(|c| c.to_str().unwrap().to_owned())
                            .unwrap_or_default();
                        HttpResponse::Ok().body(format!("cookie={cookie}"))
                    }),
                ),
        )
        .service(
            web::scope("/public")
                .wrap(Cors::permissive())
                .route("/status", web::get().to(|| async { "ok" })),
        )
}

fn url(path: &str) -> String {
    format!("{API}{path}")
}

#[actix_web::test]
async fn credentialed_get_from_allowed_origin_reads_only_exposed_headers() {
    let app = test::init_service(crate_app()).await;
    let page = Page::new(APP);
    let report = page
        .fetch(
            &app,
            FetchRequest::get(url("/api/me")).credentials(Credentials::Include),
        )
        .await;
    assert!(report.is_allowed(), "{report}");
    assert!(!report.preflight_sent());
    assert_eq!(report.status(), Some(StatusCode::OK));
    assert_eq!(report.header("x-request-id").unwrap(), "7");
    assert_eq!(report.header("content-length").unwrap(), "2");
    assert!(report.header("x-internal").is_none());
    assert!(report.header("set-cookie").is_none());
    assert_eq!(report.body().unwrap().as_ref(), b"me");
}

#[actix_web::test]
async fn json_put_is_preflighted_exactly_like_chromium() {
    let app = test::init_service(crate_app()).await;
    let page = Page::new(APP).with_cookie("session=abc");
    let report = page
        .fetch(
            &app,
            FetchRequest::put(url("/api/items"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer t")
                .credentials(Credentials::Include)
                .body("{}"),
        )
        .await;
    assert!(report.is_allowed(), "{report}");
    let preflight = report.preflight_exchange().unwrap();
    let sent: Vec<(&str, &str)> = preflight
        .request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
        .collect();
    assert_eq!(
        sent,
        [
            ("host", "api.example.com"),
            ("origin", APP),
            ("access-control-request-method", "PUT"),
            (
                "access-control-request-headers",
                "authorization,content-type"
            ),
            ("accept", "*/*"),
            ("sec-fetch-mode", "cors"),
        ]
    );
    assert_eq!(preflight.response.status, 204);
    // The actual request carries the cookie, the preflight never does.
    assert_eq!(report.body().unwrap().as_ref(), b"cookie=session=abc");
}

#[actix_web::test]
async fn cookies_go_cross_origin_only_with_include() {
    let app = test::init_service(crate_app()).await;
    let page = Page::new(APP).with_cookie("session=abc");
    let report = page
        .fetch(
            &app,
            FetchRequest::put(url("/api/items")).credentials(Credentials::SameOrigin),
        )
        .await;
    // A strict policy answers with ACAC, which a non-credentialed request does not need.
    assert!(report.is_allowed(), "{report}");
    assert_eq!(report.body().unwrap().as_ref(), b"cookie=");
}

#[actix_web::test]
async fn disallowed_origin_fails_the_preflight_without_acao() {
    let app = test::init_service(crate_app()).await;
    let page = Page::new("https://evil.example.net");
    let report = page
        .fetch(
            &app,
            FetchRequest::put(url("/api/items")).credentials(Credentials::Include),
        )
        .await;
    assert_eq!(
        report.block_reason(),
        Some(&BlockReason::PreflightAccess(
            AccessError::MissingAllowOriginHeader
        ))
    );
    assert_eq!(report.preflight_exchange().unwrap().response.status, 403);
    assert!(report.actual.is_none(), "the actual request is never sent");
    assert_eq!(
        report.console_message().unwrap(),
        "Access to fetch at 'https://api.example.com/api/items' from origin \
         'https://evil.example.net' has been blocked by CORS policy: Response to preflight \
         request doesn't pass access control check: No 'Access-Control-Allow-Origin' header \
         is present on the requested resource."
    );
}

#[actix_web::test]
async fn disallowed_origin_simple_get_is_sent_but_unreadable() {
    let app = test::init_service(crate_app()).await;
    let report = Page::new("https://evil.example.net")
        .fetch(&app, FetchRequest::get(url("/api/me")))
        .await;
    assert_eq!(
        report.block_reason(),
        Some(&BlockReason::Access(AccessError::MissingAllowOriginHeader))
    );
    assert_eq!(report.actual.as_ref().unwrap().response.status, 200);
}

#[actix_web::test]
async fn lowercase_patch_is_refused_by_the_preflight() {
    let app = test::init_service(crate_app()).await;
    let report = Page::new(APP)
        .fetch(&app, FetchRequest::new("patch", url("/api/items")))
        .await;
    let preflight = report.preflight_exchange().unwrap();
    assert_eq!(
        preflight.request.headers[2].1, "patch",
        "only six methods are uppercased"
    );
    assert!(!report.is_allowed());
}

#[actix_web::test]
async fn permissive_scope_blocks_credentialed_reads() {
    let app = test::init_service(crate_app()).await;
    let page = Page::new(APP);
    let anonymous = page
        .fetch(&app, FetchRequest::get(url("/public/status")))
        .await;
    assert!(anonymous.is_allowed());
    let credentialed = page
        .fetch(
            &app,
            FetchRequest::get(url("/public/status")).credentials(Credentials::Include),
        )
        .await;
    assert_eq!(
        credentialed.block_reason(),
        Some(&BlockReason::Access(AccessError::WildcardOriginNotAllowed))
    );
}

#[actix_web::test]
async fn same_origin_requests_need_no_cors() {
    let app = test::init_service(App::new().route(
        "/plain",
        web::post().to(|req: HttpRequest| async move {
            let origin = req.headers().get("origin").cloned();
            HttpResponse::Ok()
                .insert_header(("x-anything", "1"))
                .body(format!("{origin:?}"))
        }),
    ))
    .await;
    let report = Page::new(APP)
        .fetch(
            &app,
            FetchRequest::post("/plain").header("Content-Type", "application/json"),
        )
        .await;
    assert!(report.same_origin);
    assert!(report.is_allowed());
    assert!(!report.preflight_sent());
    assert_eq!(report.header("x-anything").unwrap(), "1");
    // Chromium sends Origin on same-origin requests other than GET/HEAD.
    assert_eq!(
        report.body().unwrap().as_ref(),
        b"Some(\"https://app.example.com\")"
    );
}

#[actix_web::test]
async fn preflight_cache_follows_max_age_and_credentials_mode() {
    let app = test::init_service(crate_app()).await;
    let page = Page::new(APP);
    let put = FetchRequest::put(url("/api/items")).credentials(Credentials::Include);
    assert!(page.fetch(&app, put.clone()).await.preflight_sent());
    assert!(!page.fetch(&app, put.clone()).await.preflight_sent());
    page.advance_time(Duration::from_secs(599));
    assert!(!page.fetch(&app, put.clone()).await.preflight_sent());
    page.advance_time(Duration::from_secs(1));
    assert!(page.fetch(&app, put.clone()).await.preflight_sent());
    // A header the cached result allows needs no new preflight; one it does not, does.
    let allowed = put.clone().header("Authorization", "Bearer t");
    assert!(!page.fetch(&app, allowed).await.preflight_sent());
    let other = put.header("X-Custom", "1");
    let report = page.fetch(&app, other).await;
    assert!(report.preflight_sent());
    assert!(!report.is_allowed());
}

#[actix_web::test]
async fn uncredentialed_preflight_does_not_serve_a_credentialed_request() {
    let app = test::init_service(
        App::new()
            .wrap(Cors::permissive())
            .route("/x", web::delete().to(HttpResponse::NoContent)),
    )
    .await;
    let page = Page::new(APP);
    let omit = FetchRequest::delete(url("/x")).credentials(Credentials::Omit);
    assert!(page.fetch(&app, omit.clone()).await.preflight_sent());
    assert!(!page.fetch(&app, omit.clone()).await.preflight_sent());
    let include = omit.credentials(Credentials::Include);
    let report = page.fetch(&app, include).await;
    assert!(report.preflight_sent());
    assert_eq!(
        report.block_reason(),
        Some(&BlockReason::PreflightAccess(
            AccessError::WildcardOriginNotAllowed
        ))
    );
}

// --- Hand-written, deliberately misconfigured servers -------------------------------------

fn handwritten(
    handler: fn(HttpRequest) -> HttpResponse,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new().default_service(web::to(move |req: HttpRequest| async move { handler(req) }))
}

fn is_preflight(req: &HttpRequest) -> bool {
    req.method() == "OPTIONS" && req.headers().contains_key("access-control-request-method")
}

/// How a case pins Chromium's console message.
#[derive(Debug, Clone, Copy)]
enum Console {
    Exact(&'static str),
    EndsWith(&'static str),
    Contains(&'static str),
    Unchecked,
}

/// One misconfigured server, one fetch from [`APP`], Chromium's verdict.
struct Misconfiguration {
    name: &'static str,
    server: fn(HttpRequest) -> HttpResponse,
    request: FetchRequest,
    reason: BlockReason,
    /// The preflight's status, where the case is about it.
    preflight_status: Option<u16>,
    console: Console,
}

fn misconfigurations() -> Vec<Misconfiguration> {
    vec![
        Misconfiguration {
            name: "wildcard with credentials",
            server: |_| {
                HttpResponse::Ok()
                    .insert_header(("access-control-allow-origin", "*"))
                    .insert_header(("access-control-allow-credentials", "true"))
                    .finish()
            },
            request: FetchRequest::get(url("/me")).credentials(Credentials::Include),
            reason: BlockReason::Access(AccessError::WildcardOriginNotAllowed),
            preflight_status: None,
            console: Console::Exact(
                "Access to fetch at 'https://api.example.com/me' from origin \
                 'https://app.example.com' has been blocked by CORS policy: The value of the \
                 'Access-Control-Allow-Origin' header in the response must not be the wildcard \
                 '*' when the request's credentials mode is 'include'.",
            ),
        },
        Misconfiguration {
            // Authentication in front of CORS: the preflight carries no Authorization.
            name: "preflight answered 401",
            server: |req| {
                if req.headers().contains_key("authorization") {
                    HttpResponse::Ok()
                        .insert_header(("access-control-allow-origin", APP))
                        .finish()
                } else {
                    HttpResponse::Unauthorized().finish()
                }
            },
            request: FetchRequest::get(url("/me")).header("Authorization", "Bearer t"),
            reason: BlockReason::PreflightAccess(AccessError::MissingAllowOriginHeader),
            preflight_status: Some(401),
            console: Console::Unchecked,
        },
        Misconfiguration {
            name: "preflight with ACAO but an error status",
            server: |_| {
                HttpResponse::MethodNotAllowed()
                    .insert_header(("access-control-allow-origin", APP))
                    .finish()
            },
            request: FetchRequest::delete(url("/items/1")),
            reason: BlockReason::PreflightInvalidStatus(405),
            preflight_status: None,
            console: Console::EndsWith(
                "Response to preflight request doesn't pass access control check: It does not \
                 have HTTP ok status.",
            ),
        },
        Misconfiguration {
            name: "two identical ACAO lines",
            server: |_| {
                HttpResponse::Ok()
                    .append_header(("access-control-allow-origin", APP))
                    .append_header(("access-control-allow-origin", APP))
                    .finish()
            },
            request: FetchRequest::get(url("/me")),
            reason: BlockReason::Access(AccessError::MultipleAllowOriginValues(format!(
                "{APP}, {APP}"
            ))),
            preflight_status: None,
            console: Console::Contains(
                "The 'Access-Control-Allow-Origin' header contains multiple values \
                 'https://app.example.com, https://app.example.com', but only one is allowed.",
            ),
        },
        Misconfiguration {
            name: "redirected preflight",
            server: |req| {
                if req.path().ends_with('/') {
                    HttpResponse::Ok()
                        .insert_header(("access-control-allow-origin", APP))
                        .finish()
                } else {
                    HttpResponse::PermanentRedirect()
                        .insert_header(("location", format!("{}/", req.path())))
                        .insert_header(("access-control-allow-origin", APP))
                        .finish()
                }
            },
            request: FetchRequest::put(url("/items")),
            reason: BlockReason::PreflightDisallowedRedirect,
            preflight_status: None,
            console: Console::Unchecked,
        },
        Misconfiguration {
            name: "method missing from Access-Control-Allow-Methods",
            server: |_| {
                HttpResponse::Ok()
                    .insert_header(("access-control-allow-origin", APP))
                    .insert_header(("access-control-allow-methods", "GET, POST"))
                    .finish()
            },
            request: FetchRequest::patch(url("/items/1")),
            reason: BlockReason::MethodDisallowed("PATCH".into()),
            preflight_status: None,
            console: Console::Unchecked,
        },
        Misconfiguration {
            name: "Access-Control-Allow-Credentials not exactly `true`",
            server: |_| {
                HttpResponse::Ok()
                    .insert_header(("access-control-allow-origin", APP))
                    .insert_header(("access-control-allow-credentials", "True"))
                    .finish()
            },
            request: FetchRequest::get(url("/me")).credentials(Credentials::Include),
            reason: BlockReason::Access(AccessError::InvalidAllowCredentials("True".into())),
            preflight_status: None,
            console: Console::Unchecked,
        },
    ]
}

#[actix_web::test]
async fn misconfigured_servers_are_blocked_with_chromiums_reason() {
    for case in misconfigurations() {
        let name = case.name;
        let app = test::init_service(handwritten(case.server)).await;
        let report = Page::new(APP).fetch(&app, case.request).await;
        assert_eq!(
            report.block_reason(),
            Some(&case.reason),
            "{name}: {report}"
        );
        if let Some(status) = case.preflight_status {
            assert_eq!(
                report.preflight_exchange().map(|e| e.response.status),
                Some(status),
                "{name}"
            );
        }
        let message = report.console_message().unwrap_or_default();
        match case.console {
            Console::Exact(expected) => assert_eq!(message, expected, "{name}"),
            Console::EndsWith(end) => assert!(message.ends_with(end), "{name}: {message}"),
            Console::Contains(part) => assert!(message.contains(part), "{name}: {message}"),
            Console::Unchecked => {}
        }
    }
}

#[actix_web::test]
async fn wildcard_allow_headers_never_covers_authorization() {
    let app = test::init_service(handwritten(|req| {
        let mut response = HttpResponse::Ok();
        response.insert_header(("access-control-allow-origin", "*"));
        if is_preflight(&req) {
            response
                .insert_header(("access-control-allow-methods", "*"))
                .insert_header(("access-control-allow-headers", "*"));
        }
        response.finish()
    }))
    .await;
    let page = Page::new(APP);
    let custom = page
        .fetch(&app, FetchRequest::put(url("/x")).header("X-Custom", "1"))
        .await;
    assert!(custom.is_allowed(), "{custom}");
    let auth = page
        .fetch(
            &app,
            FetchRequest::get(url("/y")).header("Authorization", "Bearer t"),
        )
        .await;
    assert_eq!(
        auth.block_reason(),
        Some(&BlockReason::HeaderDisallowed("authorization".into()))
    );
    assert!(auth.console_message().unwrap().ends_with(
        "Request header field authorization is not allowed by Access-Control-Allow-Headers in \
         preflight response."
    ));
}

#[actix_web::test]
async fn expose_wildcard_works_only_without_credentials_and_never_for_set_cookie() {
    let app = test::init_service(handwritten(|req| {
        let origin = req.headers().get("origin").unwrap().clone();
        HttpResponse::Ok()
            .insert_header(("access-control-allow-origin", origin))
            .insert_header(("access-control-allow-credentials", "true"))
            .insert_header(("access-control-expose-headers", "*"))
            .insert_header(("x-one", "1"))
            .insert_header(("set-cookie", "a=b"))
            .finish()
    }))
    .await;
    let page = Page::new(APP);
    let omit = page.fetch(&app, FetchRequest::get(url("/a"))).await;
    assert_eq!(omit.header("x-one").unwrap(), "1");
    assert!(omit.header("set-cookie").is_none());
    let include = page
        .fetch(
            &app,
            FetchRequest::get(url("/a")).credentials(Credentials::Include),
        )
        .await;
    assert!(include.is_allowed());
    assert!(include.header("x-one").is_none());
}

#[actix_web::test]
async fn fetch_itself_rejects_what_browsers_reject() {
    let app = test::init_service(handwritten(|_| HttpResponse::Ok().finish())).await;
    let page = Page::new(APP);
    for request in [
        FetchRequest::new("TRACE", url("/a")),
        FetchRequest::get(url("/a")).body("x"),
        FetchRequest::get(url("/a")).header("bad name", "x"),
        FetchRequest::get("ftp://api.example.com/a"),
    ] {
        let report = page.fetch(&app, request.clone()).await;
        assert!(
            matches!(report.outcome, FetchOutcome::TypeError { .. }),
            "{request:?}: {report}"
        );
        assert!(report.actual.is_none());
    }
}

#[actix_web::test]
async fn forbidden_headers_set_by_scripts_are_dropped() {
    let app = test::init_service(handwritten(|req| {
        let cookie = req.headers().contains_key("cookie");
        HttpResponse::Ok()
            .insert_header(("access-control-allow-origin", "*"))
            .body(format!("cookie sent: {cookie}"))
    }))
    .await;
    let report = Page::new(APP)
        .fetch(
            &app,
            FetchRequest::get(url("/a"))
                .header("Cookie", "stolen=1")
                .header("Origin", "https://other.example"),
        )
        .await;
    assert!(
        !report.preflight_sent(),
        "dropped headers need no preflight"
    );
    assert_eq!(report.body().unwrap().as_ref(), b"cookie sent: false");
}

// --- engines -------------------------------------------------------------------------------

#[actix_web::test]
async fn each_engine_words_a_refused_preflight_its_own_way() {
    use actix_scoped_cors::testing::Engine;

    let app = test::init_service(crate_app()).await;
    let put = FetchRequest::put(url("/api/items"))
        .header("Content-Type", "application/json")
        .credentials(Credentials::Include)
        .body("{}");
    let reason = |engine| {
        let app = &app;
        let put = put.clone();
        async move {
            let page = Page::new("https://evil.example.net").with_engine(engine);
            let report = page.fetch(app, put).await;
            (
                report.block_reason().cloned(),
                report.console_message().map(str::to_owned),
            )
        }
    };
    // The crate answers a disallowed origin's preflight with a bare 403: Chromium and Firefox
    // report the missing origin grant, WebKit the status, which it checks first.
    let (chromium, _) = reason(Engine::Chromium).await;
    assert_eq!(
        chromium,
        Some(BlockReason::PreflightAccess(
            AccessError::MissingAllowOriginHeader
        ))
    );
    let (firefox, message) = reason(Engine::Firefox).await;
    assert_eq!(firefox, chromium);
    assert_eq!(
        message.unwrap(),
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote \
         resource at https://api.example.com/api/items. (Reason: CORS header \
         ‘Access-Control-Allow-Origin’ missing). Status code: 403."
    );
    let (webkit, message) = reason(Engine::WebKit).await;
    assert_eq!(webkit, Some(BlockReason::PreflightInvalidStatus(403)));
    assert_eq!(
        message.unwrap(),
        "Preflight response is not successful. Status code: 403"
    );
}

#[actix_web::test]
async fn mixed_content_is_refused_before_any_traffic_in_every_engine() {
    use actix_scoped_cors::testing::Engine;

    let app = test::init_service(crate_app()).await;
    for engine in [Engine::Chromium, Engine::Firefox, Engine::WebKit] {
        let page = Page::new(APP).with_engine(engine);
        let report = page
            .fetch(
                &app,
                FetchRequest::get("http://api.example.com/public/feed"),
            )
            .await;
        match &report.outcome {
            FetchOutcome::TypeError { message } => {
                assert_eq!(message, engine.type_error_message())
            }
            other => panic!("{engine:?}: expected a TypeError, got {other:?}"),
        }
        assert!(report.actual.is_none() && !report.preflight_sent());
        // Loopback is potentially trustworthy: not mixed content.
        let local = page
            .fetch(&app, FetchRequest::get("http://127.0.0.1:8080/public/feed"))
            .await;
        assert!(
            local.actual.is_some(),
            "{engine:?}: loopback is not mixed content"
        );
    }
}

/// A preflight the crate refuses to an allowed origin is answered so that every engine names
/// the refused header or method, as each really prints it (the browser suite holds the
/// texts to the engines).
#[actix_web::test]
async fn refused_header_or_method_is_named_by_every_engine() {
    let app = test::init_service(crate_app()).await;
    let header = FetchRequest::put(url("/api/items"))
        .credentials(Credentials::Include)
        .header("X-Api-Key", "k");
    let method = FetchRequest::new("PROPFIND", url("/api/items")).credentials(Credentials::Include);
    let expected = [
        (
            Engine::Chromium,
            "Request header field x-api-key is not allowed by Access-Control-Allow-Headers in \
             preflight response.",
            "Method PROPFIND is not allowed by Access-Control-Allow-Methods in preflight response.",
        ),
        (
            Engine::Firefox,
            "(Reason: header ‘x-api-key’ is not allowed according to header \
             ‘Access-Control-Allow-Headers’ from CORS preflight response).",
            "(Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’).",
        ),
        (
            Engine::WebKit,
            "Request header field x-api-key is not allowed by Access-Control-Allow-Headers.",
            "Method PROPFIND is not allowed by Access-Control-Allow-Methods.",
        ),
    ];
    for (engine, header_text, method_text) in expected {
        let page = Page::new(APP).with_engine(engine);
        let report = page.fetch(&app, header.clone()).await;
        assert_eq!(
            report.block_reason(),
            Some(&BlockReason::HeaderDisallowed("x-api-key".into())),
            "{report}"
        );
        let console = report.console_message().unwrap();
        assert!(console.ends_with(header_text), "{engine:?}: {console}");
        let report = page.fetch(&app, method.clone()).await;
        assert_eq!(
            report.block_reason(),
            Some(&BlockReason::MethodDisallowed("PROPFIND".into())),
            "{report}"
        );
        let console = report.console_message().unwrap();
        assert!(console.ends_with(method_text), "{engine:?}: {console}");
    }
}
