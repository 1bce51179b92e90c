//! Origin matching that cannot be fooled: a table of origins against configured entries,
//! property tests against an independent model of the rules, the async predicate and the
//! live-reloadable allowlist.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use actix_scoped_cors::{
    testing::{decide, AllowOrigin, Decision},
    ConfigProblem, Cors, OriginProblem, Policy, SharedOrigins,
};
use actix_web::{
    dev::Service,
    http::{header::HeaderValue, Method, StatusCode},
    test::{self, TestRequest},
    web, App, HttpResponse,
};
use proptest::prelude::*;

/// The origin a policy reflects for a GET from `origin`, if any.
fn reflected(policy: &Policy, origin: &[u8]) -> Option<Vec<u8>> {
    let value = HeaderValue::from_bytes(origin).expect("a representable header value");
    let req = TestRequest::get()
        .insert_header(("Origin", value))
        .to_srv_request();
    match decide(policy, req.head()) {
        Decision::Actual(Ok(AllowOrigin::Reflect(value))) => Some(value.as_bytes().to_vec()),
        Decision::Actual(Ok(AllowOrigin::Any)) => panic!("a strict policy answered *"),
        Decision::Actual(Err(_)) => None,
        other => panic!("unexpected decision {other:?}"),
    }
}

fn policy(entries: &[&str]) -> Policy {
    Cors::strict(entries)
        .try_build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn origin_table() {
    let exact = &["https://app.example.com"][..];
    let wildcard = &["https://*.example.com"][..];
    let tenant = &["https://*.tenant.example.com"][..];
    let any_port = &["https://example.com:*"][..];
    let both = &["https://*.example.com:*"][..];
    let port = &["https://*.example.com:8443"][..];
    let loopback = &[
        "http://localhost:3000",
        "http://127.0.0.1:8080",
        "http://[::1]:5173",
    ][..];
    let ipv6 = &["https://[2001:db8::1]"][..];
    let idn = &["https://xn--bcher-kva.example"][..];
    let mapped = &["https://[::ffff:102:304]"][..];
    let many = &[
        "https://a.example.com",
        "https://b.example.com",
        "https://c.example.net",
    ][..];
    #[rustfmt::skip]
    let cases: &[(&[&str], &str, bool)] = &[
        // Exact: byte for byte, nothing else.
        (exact, "https://app.example.com", true),
        (exact, "https://app.example.com.evil.net", false),
        (exact, "https://xapp.example.com", false),
        (exact, "https://app-example.com", false),
        (exact, "https://app.example.com.", false),
        (exact, "https://APP.example.com", false),
        (exact, "https://App.Example.Com", false),
        (exact, "HTTPS://app.example.com", false),
        (exact, "https://app.example.com:443", false),
        (exact, "https://app.example.com/", false),
        (exact, "https://app.example.com/path", false),
        (exact, "http://app.example.com", false),
        (exact, "wss://app.example.com", false),
        (exact, "https://app.example.com:8443", false),
        (exact, "https://user@app.example.com", false),
        (exact, " https://app.example.com", false),
        (exact, "https://app.example.com ", false),
        (exact, "https://app.example.co", false),
        (exact, "https://pp.example.com", false),
        (exact, "null", false),
        (exact, "", false),
        (exact, "*", false),
        (exact, "https://app.example.com,https://evil.net", false),
        // Subdomain wildcard: one or more labels, label boundary, never the apex.
        (wildcard, "https://a.example.com", true),
        (wildcard, "https://app.example.com", true),
        (wildcard, "https://a.b.example.com", true),
        (wildcard, "https://a.b.c.d.example.com", true),
        (wildcard, "https://x-y.example.com", true),
        (wildcard, "https://example.com", false),
        (wildcard, "https://evilexample.com", false),
        (wildcard, "https://a.evilexample.com", false),
        (wildcard, "https://app-example.com", false),
        (wildcard, "https://a.example.com.evil.net", false),
        (wildcard, "https://example.com.evil.net", false),
        (wildcard, "https://a.example.com.", false),
        (wildcard, "https://.example.com", false),
        (wildcard, "https://a..example.com", false),
        (wildcard, "https://A.example.com", false),
        (wildcard, "https://a.example.com:443", false),
        (wildcard, "https://a.example.com:8443", false),
        (wildcard, "http://a.example.com", false),
        (wildcard, "https://a.example.org", false),
        (wildcard, "https://a.example.com/", false),
        // A deeper wildcard does not cover the level above it.
        (tenant, "https://acme.tenant.example.com", true),
        (tenant, "https://eu.acme.tenant.example.com", true),
        (tenant, "https://tenant.example.com", false),
        (tenant, "https://a.example.com", false),
        (tenant, "https://acme.tenantexample.com", false),
        // Port wildcard: that host, any port, including the default.
        (any_port, "https://example.com", true),
        (any_port, "https://example.com:8443", true),
        (any_port, "https://example.com:1", true),
        (any_port, "https://a.example.com:8443", false),
        (any_port, "http://example.com:8080", false),
        (any_port, "https://example.com:443", false),
        (any_port, "https://example.com:", false),
        (any_port, "https://example.com:08443", false),
        (any_port, "https://example.com:65536", false),
        (both, "https://a.example.com:3000", true),
        (both, "https://a.b.example.com", true),
        (both, "https://example.com:3000", false),
        (port, "https://a.example.com:8443", true),
        (port, "https://a.example.com", false),
        (port, "https://a.example.com:8444", false),
        // Loopback over plain http is fine; other ports and hosts are not.
        (loopback, "http://localhost:3000", true),
        (loopback, "http://127.0.0.1:8080", true),
        (loopback, "http://[::1]:5173", true),
        (loopback, "http://localhost:3001", false),
        (loopback, "http://localhost", false),
        (loopback, "https://localhost:3000", false),
        (loopback, "http://127.0.0.2:8080", false),
        (loopback, "http://[0:0:0:0:0:0:0:1]:5173", false),
        (ipv6, "https://[2001:db8::1]", true),
        (ipv6, "https://[2001:0db8::1]", false),
        (ipv6, "https://[2001:DB8::1]", false),
        (ipv6, "https://2001:db8::1", false),
        // IPv4-mapped IPv6: browsers send hex pieces, never dotted IPv4 (URL, "IPv6
        // serializer").
        (mapped, "https://[::ffff:102:304]", true),
        (mapped, "https://[::ffff:1.2.3.4]", false),
        (mapped, "https://[0:0:0:0:0:ffff:102:304]", false),
        (mapped, "https://1.2.3.4", false),
        (idn, "https://xn--bcher-kva.example", true),
        (idn, "https://bücher.example", false),
        (many, "https://a.example.com", true),
        (many, "https://b.example.com", true),
        (many, "https://c.example.net", true),
        (many, "https://c.example.com", false),
    ];
    assert!(cases.len() >= 60, "{} cases", cases.len());
    for &(entries, origin, expected) in cases {
        let policy = policy(entries);
        let got = reflected(&policy, origin.as_bytes());
        assert_eq!(got.is_some(), expected, "{entries:?} vs {origin:?}");
        if let Some(value) = got {
            assert_eq!(value, origin.as_bytes(), "reflection must be byte-exact");
        }
    }
}

/// Allowlist entries for IPv6 hosts are written as browsers send them: lowercase hex pieces,
/// the first longest run of zero pieces compressed, never dotted IPv4 (URL, "IPv6
/// serializer"); any other spelling is refused with that spelling as the hint.
#[test]
fn ipv6_entries_are_written_as_browsers_send_them() {
    for (entry, hint) in [
        ("https://[::ffff:102:304]", None),
        ("https://[::ffff:102:304]:8443", None),
        ("https://[2001:db8::1]", None),
        ("https://[::ffff:1.2.3.4]", Some("https://[::ffff:102:304]")),
        (
            "https://[::ffff:1.2.3.4]:8443",
            Some("https://[::ffff:102:304]:8443"),
        ),
        ("https://[::1.2.3.4]", Some("https://[::102:304]")),
        (
            "https://[0:0:0:0:0:ffff:102:304]",
            Some("https://[::ffff:102:304]"),
        ),
        (
            "https://[2001:db8:0:0:1:0:0:1]",
            Some("https://[2001:db8::1:0:0:1]"),
        ),
    ] {
        let result = Cors::strict([entry]).try_build();
        match (result, hint) {
            (Ok(policy), None) => assert!(policy.allows_origin(entry), "{entry}"),
            (Err(err), Some(hint)) => {
                assert!(
                    matches!(
                        err.problems(),
                        [ConfigProblem::Origin {
                            input,
                            problem: OriginProblem::NonCanonicalIpv6 { canonical: Some(c) },
                        }] if input == entry && c == hint
                    ),
                    "{entry}: {err}"
                );
                let text = err.to_string();
                assert!(text.contains(&format!("write {hint:?}")), "{entry}: {text}");
            }
            (Ok(_), Some(hint)) => panic!("{entry} built; expected the hint {hint}"),
            (Err(err), None) => panic!("{entry} refused: {err}"),
        }
    }
}

#[test]
fn hostile_origin_values_are_never_allowed() {
    let policy = Cors::strict(["https://app.example.com", "https://*.example.com"])
        .allow_origin_regex(r"https://[a-z]+\.example\.org")
        .allow_origin_fn(|_, _| true)
        .try_build()
        .unwrap();
    let long = format!("https://{}.example.com", "a".repeat(8 * 1024));
    // Bytes the header map can hold at all (control characters other than tab never get
    // this far: the HTTP parser refuses them, see tests/real_http.rs).
    for origin in [
        long.as_bytes(),
        b"https://app.example.com\t",
        b"https://app.example.com\xff",
        "https://ápp.example.com".as_bytes(),
        b"",
    ] {
        assert_eq!(reflected(&policy, origin), None, "{origin:?}");
    }
}

#[test]
fn regexes_are_anchored_and_matched_together() {
    let policy = Cors::strict(Vec::<&str>::new())
        .allow_origin_regex(r"https://pr-[0-9]+\.preview\.example\.com")
        .allow_origin_regex(r"https://(staging|qa)\.example\.net")
        .try_build()
        .unwrap();
    for (origin, expected) in [
        ("https://pr-1.preview.example.com", true),
        ("https://pr-123.preview.example.com", true),
        ("https://qa.example.net", true),
        ("https://staging.example.net", true),
        ("https://pr-1.preview.example.com.evil.net", false),
        ("https://evil.net/?https://qa.example.net", false),
        ("xhttps://qa.example.net", false),
        ("https://pr-x.preview.example.com", false),
        ("https://dev.example.net", false),
    ] {
        assert_eq!(
            reflected(&policy, origin.as_bytes()).is_some(),
            expected,
            "{origin}"
        );
    }
}

#[test]
fn configuration_refuses_unsafe_entries_with_a_named_fix() {
    let err = Cors::strict([
        "*",
        "null",
        "https://*.com",
        "https://*.co.uk",
        "https://*.github.io",
        "http://app.example.com",
        "http://*.example.com",
        "https://*example.com",
        "https://a.*.example.com",
        "https://App.example.com",
    ])
    .allow_origin_regex("https://(unclosed")
    .try_build()
    .unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 11, "{err}");
    assert!(matches!(problems[0], ConfigProblem::WildcardOrigin));
    assert!(matches!(problems[1], ConfigProblem::NullOrigin));
    for (index, suffix) in [(2, "com"), (3, "co.uk"), (4, "github.io")] {
        assert!(
            matches!(&problems[index], ConfigProblem::PublicSuffixWildcard { suffix: s, .. } if s == suffix),
            "{:?}",
            problems[index]
        );
    }
    assert!(matches!(problems[5], ConfigProblem::InsecureOrigin { .. }));
    assert!(matches!(problems[6], ConfigProblem::InsecureOrigin { .. }));
    assert!(matches!(problems[7], ConfigProblem::Origin { .. }));
    assert!(matches!(problems[8], ConfigProblem::Origin { .. }));
    assert!(err
        .to_string()
        .contains("write \"https://app.example.com\""));
    assert!(matches!(problems[10], ConfigProblem::InvalidRegex { .. }));
}

#[test]
fn risky_origins_need_the_opt_in_named_for_the_risk() {
    let null = Cors::strict(["https://app.example.com"])
        .allow_null_origin_insecure()
        .try_build()
        .unwrap();
    assert_eq!(reflected(&null, b"null"), Some(b"null".to_vec()));
    let http = Cors::strict(["http://intranet.example.com"])
        .allow_insecure_http_origins()
        .try_build()
        .unwrap();
    assert!(http.allows_origin("http://intranet.example.com"));
}

#[test]
fn predicates_see_only_well_formed_origins() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let policy = Cors::strict(["https://app.example.com"])
        .allow_origin_fn(move |origin, head| {
            counter.fetch_add(1, Ordering::SeqCst);
            origin.host() == "partner.example.org" && head.method == Method::GET
        })
        .try_build()
        .unwrap();
    assert!(reflected(&policy, b"https://partner.example.org").is_some());
    assert!(reflected(&policy, b"https://other.example.org").is_none());
    assert!(reflected(&policy, b"https://app.example.com").is_some());
    for malformed in [&b"null"[..], b"https://partner.example.org/", b""] {
        assert!(reflected(&policy, malformed).is_none());
    }
    // The exact match and the malformed values never reached the predicate.
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

/// A GET of `/api/me` from `origin`.
fn get_me(origin: &str) -> TestRequest {
    TestRequest::get()
        .uri("/api/me")
        .insert_header(("Origin", origin))
}

#[actix_rt::test]
async fn async_predicate_decides_preflights_and_actual_requests() {
    // A predicate that waits must be woken through the request's own waker: were it lost,
    // this would hang rather than fail.
    actix_rt::time::timeout(Duration::from_secs(10), async_predicate_decides())
        .await
        .expect("the requests finished: the predicate's wake-up reached them");
}

async fn async_predicate_decides() {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let policy = Cors::strict(["https://app.example.com"])
        .allow_origin_async(move |origin| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                actix_rt::time::sleep(Duration::from_millis(1)).await;
                origin.ends_with(".customers.example.com")
            }
        })
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new().service(
            web::scope("/api")
                .wrap(policy)
                .route("/me", web::get().to(HttpResponse::Ok)),
        ),
    )
    .await;
    let preflight = |origin: &str| {
        TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/api/me")
            .insert_header(("Origin", origin))
            .insert_header(("Access-Control-Request-Method", "PUT"))
            .to_request()
    };
    let get = |origin: &str| get_me(origin).to_request();

    let res = test::call_service(&app, preflight("https://acme.customers.example.com")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        "https://acme.customers.example.com"
    );
    let res = test::call_service(&app, get("https://acme.customers.example.com")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        "https://acme.customers.example.com"
    );
    assert_eq!(
        res.headers()
            .get("access-control-allow-credentials")
            .unwrap(),
        "true"
    );

    let res = test::call_service(&app, preflight("https://evil.example.net")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!res.headers().contains_key("access-control-allow-origin"));
    let res = test::call_service(&app, get("https://evil.example.net")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!res.headers().contains_key("access-control-allow-origin"));
    assert_eq!(asked.load(Ordering::SeqCst), 4);

    // Exact matches and malformed origins never wait for the predicate.
    test::call_service(&app, get("https://app.example.com")).await;
    test::call_service(&app, get("https://acme.customers.example.com/")).await;
    test::call_service(&app, get("null")).await;
    assert_eq!(asked.load(Ordering::SeqCst), 4);
}

thread_local! {
    /// Set by an outer layer while it polls the request's future, as a task-local or a
    /// tracing span would be.
    static AROUND_THE_REQUEST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The predicate's future runs where the request's future is polled: inside whatever an outer
/// layer sets around that future (a task-local, an entered span), even when it is ready at
/// once, and not earlier in the middleware's `call`, before that context exists.
#[actix_rt::test]
async fn async_predicate_runs_inside_the_context_around_the_request_future() {
    let inside = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&inside);
    let policy = Cors::strict(["https://app.example.com"])
        .allow_origin_async(move |origin| {
            let count = Arc::clone(&count);
            async move {
                if AROUND_THE_REQUEST.with(|around| around.get()) {
                    count.fetch_add(1, Ordering::SeqCst);
                }
                origin == "https://partner.example.org"
            }
        })
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .wrap(policy)
            .wrap_fn(|req, srv| {
                let request = srv.call(req);
                async move {
                    AROUND_THE_REQUEST.with(|around| around.set(true));
                    let response = request.await;
                    AROUND_THE_REQUEST.with(|around| around.set(false));
                    response
                }
            })
            .route("/", web::get().to(HttpResponse::Ok)),
    )
    .await;
    let req = TestRequest::get()
        .insert_header(("Origin", "https://partner.example.org"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(
        res.headers().get("access-control-allow-origin").unwrap(),
        "https://partner.example.org"
    );
    assert_eq!(
        inside.load(Ordering::SeqCst),
        1,
        "asked outside the request's future"
    );
}

/// An actual request whose origin only the asynchronous predicate accepts is decorated like any
/// allowed one, also when the policy blocks and reports refusals (the request then takes the
/// general path, not the quick one): the handler runs, exactly one grant of each kind, `Vary`
/// merged with the handler's, nothing reported.
#[actix_rt::test]
async fn async_predicate_grant_is_whole_where_refusals_are_blocked_and_heard() {
    let reported = Arc::new(AtomicUsize::new(0));
    let hook_count = Arc::clone(&reported);
    let policy = Cors::strict(["https://app.example.com"])
        .allow_origin_async(|origin| async move { origin == "https://partner.example.org" })
        .expose_headers(["x-request-id"])
        .block_disallowed()
        .on_reject(move |_| {
            hook_count.fetch_add(1, Ordering::SeqCst);
        })
        .try_build()
        .unwrap();
    let app = test::init_service(App::new().service(web::scope("/api").wrap(policy).route(
        "/me",
        web::get().to(|| async {
            HttpResponse::Ok()
                .insert_header(("vary", "Accept-Encoding"))
                .insert_header(("access-control-allow-origin", "*"))
                .finish()
        }),
    )))
    .await;
    let get = |origin: &str| get_me(origin).to_request();

    let res = test::call_service(&app, get("https://partner.example.org")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let lines = |name: &str| -> Vec<String> {
        res.headers()
            .get_all(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        lines("access-control-allow-origin"),
        ["https://partner.example.org"]
    );
    assert_eq!(lines("access-control-allow-credentials"), ["true"]);
    assert_eq!(lines("access-control-expose-headers"), ["x-request-id"]);
    assert_eq!(lines("vary"), ["Accept-Encoding, Origin"]);
    assert!(res.headers().get("access-control-allow-methods").is_none());
    assert_eq!(reported.load(Ordering::SeqCst), 0);

    // Refused by the predicate: blocked before the handler, and reported once.
    let res = test::call_service(&app, get("https://evil.example.net")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!res.headers().contains_key("access-control-allow-origin"));
    assert_eq!(reported.load(Ordering::SeqCst), 1);
}

#[actix_rt::test]
async fn shared_origins_take_effect_without_restart() {
    let tenants = SharedOrigins::new(["https://acme.example.com"]).unwrap();
    let policy = Cors::strict(Vec::<&str>::new())
        .allow_shared_origins(tenants.clone())
        .try_build()
        .unwrap();
    let app = test::init_service(
        App::new().service(
            web::scope("/api")
                .wrap(policy)
                .route("/me", web::get().to(HttpResponse::Ok)),
        ),
    )
    .await;
    let allowed = |origin: &'static str| {
        let app = &app;
        async move {
            let req = TestRequest::get()
                .uri("/api/me")
                .insert_header(("Origin", origin))
                .to_request();
            test::call_service(app, req)
                .await
                .headers()
                .contains_key("access-control-allow-origin")
        }
    };
    assert!(allowed("https://acme.example.com").await);
    assert!(!allowed("https://globex.example.com").await);

    tenants
        .replace([
            "https://globex.example.com",
            "https://*.initech.example.com",
        ])
        .unwrap();
    assert!(!allowed("https://acme.example.com").await, "revoked");
    assert!(allowed("https://globex.example.com").await, "signed up");
    assert!(allowed("https://eu.initech.example.com").await);

    let err = tenants
        .replace([
            "https://ok.example.com",
            "https://*.com",
            "http://plain.example.com",
        ])
        .unwrap_err();
    assert_eq!(err.problems().len(), 2, "{err}");
    assert!(allowed("https://globex.example.com").await, "old list kept");
}

/// Readers racing a writer only ever see a whole list: the old one or the new one.
#[test]
fn shared_origins_reads_are_never_torn() {
    let list_a: Vec<String> = (0..200)
        .map(|i| format!("https://a{i}.example.com"))
        .collect();
    let list_b: Vec<String> = (0..200)
        .map(|i| format!("https://b{i}.example.com"))
        .collect();
    let shared = SharedOrigins::new(&list_a).unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let shared = shared.clone();
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut checks = 0;
                while !stop.load(Ordering::Relaxed) {
                    let view = shared.snapshot();
                    let a = ["https://a0.example.com", "https://a199.example.com"]
                        .map(|origin| view.contains(origin));
                    let b = ["https://b0.example.com", "https://b199.example.com"]
                        .map(|origin| view.contains(origin));
                    assert!(
                        (a == [true, true] && b == [false, false])
                            || (a == [false, false] && b == [true, true]),
                        "a torn list: {a:?} {b:?}"
                    );
                    checks += 1;
                }
                checks
            })
        })
        .collect();
    for round in 0..2_000 {
        let list = if round % 2 == 0 { &list_b } else { &list_a };
        shared.replace(list).unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(reader.join().unwrap() > 0);
    }
}

// ---- Property tests against an independent model of the matching rules ----

/// The rules, restated as simply as possible: what a browser could send, and what an entry
/// covers.
mod model {
    pub fn is_canonical(origin: &str) -> bool {
        let Some((scheme, authority)) = origin.split_once("://") else {
            return false;
        };
        if !matches!(scheme, "http" | "https") {
            return false;
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let labels_ok = host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
        let port_ok = match port {
            None => true,
            Some(port) => {
                !port.is_empty()
                    && !port.starts_with('0')
                    && port.bytes().all(|b| b.is_ascii_digit())
                    && port.parse::<u32>().is_ok_and(|p| p <= 65535)
                    && !(scheme == "https" && port == "443")
                    && !(scheme == "http" && port == "80")
            }
        };
        labels_ok && port_ok
    }

    pub fn covers(entry: &str, origin: &str) -> bool {
        if !is_canonical(origin) {
            return false;
        }
        let (scheme, authority) = origin.split_once("://").unwrap();
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let (entry_scheme, entry_authority) = entry.split_once("://").unwrap();
        if scheme != entry_scheme {
            return false;
        }
        let (entry_host, entry_port) = match entry_authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (entry_authority, None),
        };
        let port_ok = entry_port == Some("*") || entry_port == port;
        let host_ok = match entry_host.strip_prefix("*.") {
            Some(suffix) => host
                .strip_suffix(suffix)
                .and_then(|front| front.strip_suffix('.'))
                .is_some_and(|front| !front.is_empty()),
            None => host == entry_host,
        };
        port_ok && host_ok
    }
}

fn label() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a", "b", "app", "x-y", "tenant", "example", "evil", "n9",
    ])
    .prop_map(str::to_owned)
}

fn host(max_labels: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 1..=max_labels).prop_map(|labels| labels.join("."))
}

fn scheme() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["http", "https"])
}

fn port() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        None,
        Some("8443"),
        Some("443"),
        Some("80"),
        Some("3000"),
    ])
}

/// Allowlist entries: exact origins, subdomain wildcards, port wildcards (never over a
/// single-label suffix, which the crate refuses).
fn entry() -> impl Strategy<Value = String> {
    let exact = (scheme(), host(3), port()).prop_filter_map("canonical", |(s, h, p)| {
        let origin = match p {
            Some(p) => format!("{s}://{h}:{p}"),
            None => format!("{s}://{h}"),
        };
        model::is_canonical(&origin).then_some(origin)
    });
    let wildcard =
        (scheme(), label(), label(), port()).prop_filter_map("canonical", |(s, a, b, p)| {
            let base = match p {
                Some(p) => format!("{s}://{a}.{b}:{p}"),
                None => format!("{s}://{a}.{b}"),
            };
            model::is_canonical(&base).then(|| base.replacen("://", "://*.", 1))
        });
    let any_port = (scheme(), host(2)).prop_map(|(s, h)| format!("{s}://{h}:*"));
    prop_oneof![exact, wildcard, any_port]
}

/// Origins, including lookalikes and non-canonical spellings.
fn origin() -> impl Strategy<Value = String> {
    let plain = (scheme(), host(4), port()).prop_map(|(s, h, p)| match p {
        Some(p) => format!("{s}://{h}:{p}"),
        None => format!("{s}://{h}"),
    });
    (plain, 0..6usize).prop_map(|(origin, mutation)| match mutation {
        0 => origin.to_uppercase(),
        1 => format!("{origin}/"),
        2 => format!("{origin}."),
        _ => origin,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn reflected_if_and_only_if_an_entry_covers_it(
        entries in prop::collection::vec(entry(), 1..5),
        probes in prop::collection::vec(origin(), 1..20),
    ) {
        let policy = Cors::strict(&entries)
            .allow_insecure_http_origins()
            .try_build();
        let policy = match policy {
            Ok(policy) => policy,
            // Wildcards the crate refuses (public suffixes) are not the subject here.
            Err(err) => {
                prop_assert!(
                    err.problems().iter().all(|p| matches!(p, ConfigProblem::PublicSuffixWildcard { .. })),
                    "{err}"
                );
                return Ok(());
            }
        };
        // Probe with the entries' own origins too, so matches are not rare.
        let own = entries.iter().map(|e| e.replace("*.", "z.").replace(":*", ":3000"));
        for probe in probes.iter().cloned().chain(own) {
            let expected = entries.iter().any(|e| model::covers(e, &probe));
            let got = reflected(&policy, probe.as_bytes());
            prop_assert_eq!(got.is_some(), expected, "entries {:?}, origin {:?}", entries, probe);
            if let Some(value) = got {
                prop_assert_eq!(value, probe.as_bytes().to_vec());
            }
        }
    }
}

/// A regex that is invalid on its own must not become valid — and unanchored — once wrapped.
#[test]
fn regexes_cannot_escape_their_anchors() {
    let err = Cors::strict(Vec::<&str>::new())
        .allow_origin_regex(r"https://a\.example\.com)|(.*")
        .try_build()
        .unwrap_err();
    assert!(
        matches!(err.problems(), [ConfigProblem::InvalidRegex { .. }]),
        "{err}"
    );
}

/// Regexes that accept origins nobody configured are refused, naming an example.
#[test]
fn over_broad_regexes_are_refused() {
    for (regex, example) in [
        (".*", "https://cors-probe.invalid"),
        (r"https://.*", "https://cors-probe.invalid"),
        (
            r"https?://app\.example\.com|http://.*",
            "http://cors-probe.invalid",
        ),
        (r"null|https://app\.example\.com", "null"),
        (r"https://[^/]+", "https://cors-probe.invalid"),
    ] {
        let err = Cors::strict(Vec::<&str>::new())
            .allow_origin_regex(regex)
            .try_build()
            .unwrap_err();
        assert!(
            matches!(&err.problems()[0], ConfigProblem::RegexTooBroad { example: e, .. } if e == example),
            "{regex}: {err}"
        );
    }
    // With the matching opt-in, the http probe no longer refuses.
    Cors::strict(Vec::<&str>::new())
        .allow_origin_regex(r"https?://app\.example\.com")
        .allow_insecure_http_origins()
        .try_build()
        .unwrap();
}

/// Verbose-mode regexes with a trailing comment still anchor correctly.
#[test]
fn verbose_regexes_with_comments_are_anchored() {
    let policy = Cors::strict(Vec::<&str>::new())
        .allow_origin_regex("(?x) https://app \\. example \\. com  # the app")
        .try_build()
        .unwrap();
    assert!(reflected(&policy, b"https://app.example.com").is_some());
    assert!(reflected(&policy, b"https://app.example.com.evil.net").is_none());
    assert!(reflected(&policy, b"https://xhttps://app.example.com").is_none());
}

/// Found by the `origin_parse` fuzz target: `file://host` parsed, and built as an exact
/// entry. `file:` (and `data:`, `blob:`, `about:`, `javascript:`) pages send `Origin: null`.
#[test]
fn opaque_origin_schemes_are_neither_parsed_nor_configurable() {
    use actix_scoped_cors::{Origin, OriginProblem};
    for origin in [
        "file://localhost",
        "file://localhost:3000",
        "file://host.example",
    ] {
        assert!(Origin::parse(origin).is_none(), "{origin}");
    }
    for entry in [
        "file://localhost",
        "file:///home/me/index.html",
        "data:text/html,hi",
        "blob:https://app.example.com/1234",
        "about:blank",
        "javascript:alert(1)",
    ] {
        let err = Cors::strict([entry]).try_build().unwrap_err();
        assert!(
            matches!(
                err.problems(),
                [ConfigProblem::Origin {
                    problem: OriginProblem::OpaqueScheme,
                    ..
                }]
            ),
            "{entry}: {err}"
        );
    }
}
