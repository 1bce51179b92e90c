//! Every refusal is logged exactly once, at debug level, with the reason, the origin and the
//! path — and offered to the `on_reject` hook — while the response reveals nothing.

use std::sync::{Arc, Mutex, OnceLock};

use actix_scoped_cors::{Cors, Reason};
use actix_web::{
    http::{Method, StatusCode},
    test::{self, TestRequest},
    web, App, HttpResponse,
};

struct Capture(Mutex<Vec<(log::Level, String, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0.lock().unwrap().push((
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(capture).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

/// Log lines from this crate that mention `marker` (each test uses its own paths, so tests
/// running in parallel do not see each other's lines).
fn lines_about(marker: &str) -> Vec<(log::Level, String)> {
    capture()
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, target, text)| target == "actix_scoped_cors" && text.contains(marker))
        .map(|(level, _, text)| (*level, text.clone()))
        .collect()
}

#[actix_rt::test]
async fn each_refusal_is_logged_once_with_reason_origin_and_path() {
    capture();
    let hooked = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&hooked);
    let policy = Cors::strict(["https://app.example.com"])
        .allow_methods(["GET", "PUT"])
        .on_reject(move |rejection| {
            sink.lock().unwrap().push((
                rejection.reason(),
                rejection.is_preflight(),
                rejection.origin().map(str::to_owned),
                rejection.path().to_owned(),
            ))
        })
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new().service(
            web::scope("/log-flat")
                .wrap(policy)
                .route("/items", web::get().to(HttpResponse::Ok)),
        ),
    )
    .await;

    let req = TestRequest::get()
        .uri("/log-flat/items")
        .insert_header(("Origin", "https://evil.example.net"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!res.headers().contains_key("access-control-allow-origin"));

    let req = TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/log-flat/items")
        .insert_header(("Origin", "https://app.example.com"))
        .insert_header(("Access-Control-Request-Method", "PATCH"))
        .to_request();
    let res = test::call_service(&app, req).await;
    // An allowed origin refused a method: `204` naming the allowed methods, so the browser
    // names the refused one.
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(
        test::read_body(res).await.is_empty(),
        "nothing leaks into the body"
    );

    // An allowed request logs nothing.
    let req = TestRequest::get()
        .uri("/log-flat/items")
        .insert_header(("Origin", "https://app.example.com"))
        .to_request();
    test::call_service(&app, req).await;

    let lines = lines_about("/log-flat/");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|(level, _)| *level == log::Level::Debug));
    assert!(lines[0].1.contains("origin not allowed"), "{}", lines[0].1);
    assert!(lines[0].1.contains("\"https://evil.example.net\""));
    assert!(lines[0].1.contains("GET /log-flat/items"));
    assert!(
        lines[1]
            .1
            .contains("preflight refused: method not allowed (PATCH);"),
        "{}",
        lines[1].1
    );
    assert!(lines[1].1.contains("OPTIONS /log-flat/items"));

    let hooked = hooked.lock().unwrap();
    assert_eq!(
        *hooked,
        [
            (
                Reason::OriginNotAllowed,
                false,
                Some("https://evil.example.net".to_owned()),
                "/log-flat/items".to_owned()
            ),
            (
                Reason::MethodNotAllowed,
                true,
                Some("https://app.example.com".to_owned()),
                "/log-flat/items".to_owned()
            ),
        ]
    );
}

#[actix_rt::test]
async fn nested_policies_log_a_refusal_once() {
    capture();
    let outer = Cors::strict(["https://outer.example.com"])
        .defer_to_inner_policies()
        .try_build()
        .unwrap();
    let inner = Cors::strict(["https://inner.example.com"])
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new().wrap(outer).service(
            web::scope("/log-nested")
                .wrap(inner)
                .route("/items", web::get().to(HttpResponse::Ok)),
        ),
    )
    .await;
    for method in [Method::GET, Method::OPTIONS] {
        let req = TestRequest::default()
            .method(method)
            .uri("/log-nested/items")
            .insert_header(("Origin", "https://evil.example.net"))
            .insert_header(("Access-Control-Request-Method", "GET"))
            .to_request();
        test::call_service(&app, req).await;
    }
    let lines = lines_about("/log-nested/");
    assert_eq!(lines.len(), 2, "{lines:?}");
}

#[actix_rt::test]
async fn an_oversized_origin_is_logged_truncated() {
    capture();
    let policy = Cors::strict(["https://app.example.com"])
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new().service(
            web::scope("/log-long")
                .wrap(policy)
                .route("", web::get().to(HttpResponse::Ok)),
        ),
    )
    .await;
    let origin = format!("https://{}.example.com", "a".repeat(4000));
    let req = TestRequest::get()
        .uri("/log-long")
        .insert_header(("Origin", origin))
        .to_request();
    test::call_service(&app, req).await;
    let lines = lines_about("/log-long");
    assert_eq!(lines.len(), 1);
    assert!(lines[0].1.contains("malformed Origin header"));
    assert!(lines[0].1.len() < 300, "{} bytes", lines[0].1.len());
}

/// A deferring policy reports its refusals also when the route answers with an `Err` (which
/// carries no request to report from).
#[actix_rt::test]
async fn deferring_policy_reports_refusals_on_error_paths() {
    use actix_web::middleware::{from_fn, Next};
    async fn fail(
        _req: actix_web::dev::ServiceRequest,
        _next: Next<impl actix_web::body::MessageBody>,
    ) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
        Err(actix_web::error::ErrorUnauthorized("no"))
    }
    capture();
    let hooked = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&hooked);
    let outer = Cors::strict(["https://app.example.com"])
        .allow_methods(["GET"])
        .defer_to_inner_policies()
        .on_reject(move |rejection| {
            sink.lock()
                .unwrap()
                .push((rejection.reason(), rejection.path().to_owned()))
        })
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new().wrap(outer).service(
            web::scope("/log-err")
                .wrap(from_fn(fail))
                .route("", web::get().to(HttpResponse::Ok)),
        ),
    )
    .await;

    let preflight = TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/log-err")
        .insert_header(("Origin", "https://app.example.com"))
        .insert_header(("Access-Control-Request-Method", "PUT"))
        .to_request();
    let err = test::try_call_service(&app, preflight).await.unwrap_err();
    // The allowed origin was refused `PUT`: the answer names the allowed methods.
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        res.headers().get("access-control-allow-methods").unwrap(),
        "GET"
    );
    assert!(!res.headers().contains_key("access-control-max-age"));

    let get = TestRequest::get()
        .uri("/log-err")
        .insert_header(("Origin", "https://evil.example.net"))
        .to_request();
    let err = test::try_call_service(&app, get).await.unwrap_err();
    let res = err.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(!res.headers().contains_key("access-control-allow-origin"));

    assert_eq!(
        *hooked.lock().unwrap(),
        [
            (Reason::MethodNotAllowed, "/log-err".to_owned()),
            (Reason::OriginNotAllowed, "/log-err".to_owned()),
        ]
    );
    assert_eq!(lines_about("/log-err").len(), 2);
}

/// What each policy's `on_reject` hook saw: the reason and the origin.
type Seen = Arc<Mutex<Vec<(Reason, String)>>>;

fn recording(seen: &Seen) -> impl Fn(&actix_scoped_cors::Rejection<'_>) + Send + Sync + 'static {
    let sink = Arc::clone(seen);
    move |rejection| {
        sink.lock().unwrap().push((
            rejection.reason(),
            rejection.origin().unwrap_or_default().to_owned(),
        ))
    }
}

#[actix_rt::test]
async fn same_origin_requests_are_never_logged() {
    capture();
    let seen = Seen::default();
    let policy = Cors::strict(["https://app.example.com"])
        .on_reject(recording(&seen))
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new().service(
            web::scope("/log-same")
                .wrap(policy)
                .route("", web::to(HttpResponse::Ok)),
        ),
    )
    .await;

    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let req = TestRequest::default()
            .method(method)
            .uri("/log-same")
            .insert_header(("Origin", "https://api.example.com"))
            .insert_header(("Host", "api.example.com"))
            .insert_header(("X-Forwarded-Proto", "https"))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(lines_about("/log-same"), []);
    assert_eq!(*seen.lock().unwrap(), []);

    // The same request from another origin is a refusal.
    let req = TestRequest::post()
        .uri("/log-same")
        .insert_header(("Origin", "https://evil.example.net"))
        .insert_header(("Host", "api.example.com"))
        .insert_header(("X-Forwarded-Proto", "https"))
        .to_request();
    test::call_service(&app, req).await;
    assert_eq!(lines_about("/log-same").len(), 1);
    assert_eq!(seen.lock().unwrap().len(), 1);
}
/// An outer policy that does not defer decides every request beneath it, so it alone reports:
/// the inner policies' opinions never reach the response (except a block, which only the
/// blocking policy can report).
#[actix_rt::test]
async fn nested_policies_that_do_not_defer_report_a_refusal_once() {
    const OUTER_ONLY: &str = "https://outer.example.com";
    const INNER_ONLY: &str = "https://inner.example.com";
    const NEITHER: &str = "https://evil.example.net";
    capture();
    let [outer_seen, inner_seen, blocking_seen, deferring_seen] = [(); 4].map(|()| Seen::default());
    let outer = Cors::strict([OUTER_ONLY])
        .on_reject(recording(&outer_seen))
        .try_build()
        .unwrap();
    let inner = Cors::strict([INNER_ONLY])
        .on_reject(recording(&inner_seen))
        .try_build()
        .unwrap();
    let blocking = Cors::strict([INNER_ONLY])
        .block_disallowed()
        .on_reject(recording(&blocking_seen))
        .try_build()
        .unwrap();
    let deferring = Cors::strict([INNER_ONLY])
        .defer_to_inner_policies()
        .on_reject(recording(&deferring_seen))
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new().service(
            web::scope("/log-overruled")
                .wrap(outer)
                .service(
                    web::scope("/inner")
                        .wrap(inner)
                        .route("", web::get().to(HttpResponse::Ok)),
                )
                .service(
                    web::scope("/blocking")
                        .wrap(blocking)
                        .route("", web::get().to(HttpResponse::Ok)),
                )
                .service(
                    web::scope("/deferring")
                        .wrap(deferring)
                        .route("", web::get().to(HttpResponse::Ok)),
                ),
        ),
    )
    .await;

    let seen = [&outer_seen, &inner_seen, &blocking_seen, &deferring_seen];
    // (path, origin, expected status, reports by outer, inner, blocking, deferring)
    let table: [(&str, &str, u16, [usize; 4]); 9] = [
        ("/log-overruled/inner", NEITHER, 200, [1, 0, 0, 0]),
        ("/log-overruled/inner", INNER_ONLY, 200, [1, 0, 0, 0]),
        ("/log-overruled/inner", OUTER_ONLY, 200, [0, 0, 0, 0]),
        ("/log-overruled/blocking", NEITHER, 403, [1, 0, 0, 0]),
        ("/log-overruled/blocking", INNER_ONLY, 200, [1, 0, 0, 0]),
        // The outer policy allowed it, but the inner one blocked it: its refusal alone.
        ("/log-overruled/blocking", OUTER_ONLY, 403, [0, 0, 1, 0]),
        ("/log-overruled/deferring", NEITHER, 200, [1, 0, 0, 0]),
        ("/log-overruled/deferring", INNER_ONLY, 200, [1, 0, 0, 0]),
        ("/log-overruled/deferring", OUTER_ONLY, 200, [0, 0, 0, 0]),
    ];
    for (path, origin, status, reports) in table {
        let logged_before = debug_lines_about(path);
        let req = TestRequest::get()
            .uri(path)
            .insert_header(("Origin", origin))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status().as_u16(), status, "{path} from {origin}");
        let got = seen.map(|s| std::mem::take(&mut *s.lock().unwrap()));
        assert_eq!(
            got.iter().map(Vec::len).collect::<Vec<_>>(),
            reports,
            "{path} from {origin}: {got:?}"
        );
        assert!(
            got.iter().flatten().all(|(_, o)| o == origin),
            "{path} from {origin}: {got:?}"
        );
        let logged = debug_lines_about(path) - logged_before;
        assert_eq!(
            logged,
            reports.iter().sum::<usize>(),
            "{path} from {origin}: log lines"
        );
    }

    // A preflight is answered by the outer policy at once: one report, from it.
    let before = lines_about("/log-overruled/inner").len();
    let req = TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/log-overruled/inner")
        .insert_header(("Origin", NEITHER))
        .insert_header(("Access-Control-Request-Method", "GET"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let got = seen.map(|s| std::mem::take(&mut *s.lock().unwrap()).len());
    assert_eq!(got, [1, 0, 0, 0]);
    assert_eq!(lines_about("/log-overruled/inner").len() - before, 1);
}

/// Every worker wraps the builder anew; the error is the same each time, and is logged once.
#[actix_rt::test]
async fn an_invalid_unbuilt_builder_is_reported_once_however_many_workers_wrap_it() {
    use actix_service::IntoServiceFactory;
    use actix_web::{
        dev::{ServiceFactory, Transform},
        test::ok_service,
    };
    capture();
    // A marker no other test's configuration contains.
    let invalid = Cors::strict(["https://report-once.example.com/"]);
    for _worker in 0..4 {
        let clone = invalid.clone();
        assert!(Transform::new_transform(&clone, ok_service())
            .await
            .is_err());
        // A builder written anew in each worker's factory, as `HttpServer::new` closures do.
        let fresh = Cors::strict(["https://report-once.example.com/"]);
        let app = App::new().service(
            web::scope("/report-once")
                .wrap(fresh)
                .route("/items", web::get().to(HttpResponse::Ok)),
        );
        let started = app
            .into_factory()
            .new_service(actix_web::dev::AppConfig::default())
            .await;
        assert!(started.is_err());
    }
    let lines = lines_about("report-once.example.com");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].0, log::Level::Error);
}

/// Warnings from this crate that mention `marker`.
fn warnings_about(marker: &str) -> Vec<String> {
    lines_about(marker)
        .into_iter()
        .filter(|(level, _)| *level == log::Level::Warn)
        .map(|(_, text)| text)
        .collect()
}

#[actix_rt::test]
async fn a_policy_overruled_by_an_outer_one_that_does_not_defer_is_warned_once() {
    const INNER: &str = "https://overruled-inner.example.com";
    capture();
    // Two workers, each building its own policies from the same builders (as a builder written
    // inside the `HttpServer::new` closure does): one warning for both.
    for _worker in 0..2 {
        let outer = Cors::strict(["https://overruling-outer.example.com"]);
        let inner = Cors::strict([INNER]);
        let app = test::init_service(
            App::new().service(
                web::scope("/warn-overruled").wrap(outer).service(
                    web::scope("/inner")
                        .wrap(inner)
                        .route("", web::get().to(HttpResponse::Ok)),
                ),
            ),
        )
        .await;

        for origin in [INNER, "https://overruling-outer.example.com", INNER] {
            let req = TestRequest::get()
                .uri("/warn-overruled/inner")
                .insert_header(("Origin", origin))
                .to_request();
            test::call_service(&app, req).await;
        }
    }

    let warnings = warnings_about(INNER);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let warning = &warnings[0];
    assert!(
        warning.contains(&format!("strict policy [{INNER}]"))
            && warning.contains("/warn-overruled/inner")
            && warning.contains(".defer_to_inner_policies() on the outer policy"),
        "{warning}"
    );
}

#[actix_rt::test]
async fn policies_composed_as_documented_give_no_warning() {
    const INNER: &str = "https://composed-inner.example.com";
    const OUTER: &str = "https://composed-outer.example.com";
    capture();
    let outer = Cors::strict([OUTER])
        .defer_to_inner_policies()
        .try_build()
        .unwrap();
    let inner = Cors::strict([INNER]).try_build().unwrap();
    let app = test::init_service(
        App::new().service(
            web::scope("/warn-composed")
                .wrap(outer)
                .service(
                    web::scope("/inner")
                        .wrap(inner)
                        .route("", web::get().to(HttpResponse::Ok)),
                )
                .route("/outer", web::get().to(HttpResponse::Ok)),
        ),
    )
    .await;

    for (path, origin) in [
        ("/warn-composed/inner", INNER),
        ("/warn-composed/inner", OUTER),
        ("/warn-composed/outer", OUTER),
    ] {
        let req = TestRequest::get()
            .uri(path)
            .insert_header(("Origin", origin))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    assert_eq!(warnings_about("composed-"), Vec::<String>::new());
}

#[actix_rt::test]
async fn grant_headers_set_beneath_a_policy_are_warned_once() {
    const ORIGIN: &str = "https://replaced.example.com";
    capture();
    let policy = Cors::strict([ORIGIN]).try_build().unwrap();
    // A migration mistake: actix-cors left in place beneath the new policy (the last
    // `wrap` is the outermost layer).
    let app = test::init_service(
        App::new().service(
            web::scope("/warn-replaced")
                .wrap(actix_cors::Cors::permissive())
                .wrap(policy)
                .route("", web::get().to(HttpResponse::Ok)),
        ),
    )
    .await;

    for _ in 0..3 {
        let req = TestRequest::get()
            .uri("/warn-replaced")
            .insert_header(("Origin", ORIGIN))
            .to_request();
        let res = test::call_service(&app, req).await;
        let acao: Vec<_> = res
            .headers()
            .get_all("access-control-allow-origin")
            .collect();
        assert_eq!(acao, [ORIGIN], "the policy's own grant, once");
    }

    let warnings = warnings_about(ORIGIN);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].contains("access-control-allow-origin")
            && warnings[0].contains("GET /warn-replaced"),
        "{}",
        warnings[0]
    );
}

#[actix_rt::test]
async fn a_same_host_origin_blocked_for_its_scheme_warns_about_the_proxy_once() {
    const ORIGIN: &str = "https://proxied.example.com";
    capture();
    let policy = Cors::strict(["https://app.example.com"])
        .block_disallowed()
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new().service(
            web::scope("/warn-proxy")
                .wrap(policy)
                .route("", web::post().to(HttpResponse::Ok)),
        ),
    )
    .await;
    let post = |proto: Option<&str>| {
        let req = TestRequest::post()
            .uri("/warn-proxy")
            .insert_header(("Host", "proxied.example.com"))
            .insert_header(("Origin", ORIGIN));
        match proto {
            Some(proto) => req.insert_header(("X-Forwarded-Proto", proto)),
            None => req,
        }
        .to_request()
    };

    // The proxy says where the request came from: same-origin, not blocked, no warning.
    let res = test::call_service(&app, post(Some("https"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(warnings_about(ORIGIN), Vec::<String>::new());

    // It does not: blocked (the documented behaviour), and the log says why.
    for _ in 0..2 {
        let res = test::call_service(&app, post(None)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    let warnings = warnings_about(ORIGIN);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains("X-Forwarded-Proto"), "{}", warnings[0]);

    // Another host is an ordinary refusal: no warning about schemes.
    let req = TestRequest::post()
        .uri("/warn-proxy")
        .insert_header(("Host", "proxied.example.com"))
        .insert_header(("Origin", "https://elsewhere.example.com"))
        .to_request();
    test::call_service(&app, req).await;
    assert_eq!(warnings_about("elsewhere"), Vec::<String>::new());
}

/// How many refusal (debug) lines mention `marker`; warnings are counted apart.
fn debug_lines_about(marker: &str) -> usize {
    lines_about(marker)
        .iter()
        .filter(|(level, _)| *level == log::Level::Debug)
        .count()
}
