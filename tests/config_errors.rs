//! Invalid configurations: `try_build()` reports every problem with the offending input and
//! the fix, and wrapping an unbuilt invalid builder stops the app from starting.

mod common;

use std::time::Duration;

use actix_scoped_cors::{ConfigError, ConfigProblem, Cors, HeaderList, OriginProblem, Policy};
use actix_service::IntoServiceFactory;
use actix_web::{
    dev::{AppConfig, ServiceFactory, Transform},
    test::{call_service, init_service, ok_service},
    web, App, HttpResponse,
};
use common::*;

fn origin_problem(input: &str, problem: OriginProblem) -> ConfigProblem {
    ConfigProblem::Origin {
        input: input.to_owned(),
        problem,
    }
}

fn regex_error(regex: &str) -> String {
    match regex::Regex::new(regex) {
        Ok(_) => panic!("{regex} compiles"),
        Err(error) => error.to_string(),
    }
}

fn canonical(origin: &str) -> Option<String> {
    Some(origin.to_owned())
}

#[track_caller]
fn expect_error(result: Result<Policy, ConfigError>) -> ConfigError {
    match result {
        Ok(policy) => panic!("expected a configuration error, built {policy:?}"),
        Err(error) => error,
    }
}

/// A case name, what `try_build()` returned, the one problem expected, and fragments the
/// message must contain (the input and the hint).
type Case = (
    &'static str,
    Result<Policy, ConfigError>,
    ConfigProblem,
    &'static [&'static str],
);

#[test]
fn each_invalid_setting_is_reported_with_its_input_and_hint() {
    let strict_with = |origin: &str| Cors::strict([origin]).try_build();
    let table: Vec<Case> = vec![
        (
            "trailing slash",
            strict_with("https://app.example.com/"),
            origin_problem(
                "https://app.example.com/",
                OriginProblem::TrailingSlash {
                    canonical: canonical("https://app.example.com"),
                },
            ),
            &[
                "\"https://app.example.com/\"",
                "trailing slash",
                "write \"https://app.example.com\"",
            ],
        ),
        (
            "path",
            strict_with("https://app.example.com/login"),
            origin_problem(
                "https://app.example.com/login",
                OriginProblem::PathQueryOrFragment {
                    canonical: canonical("https://app.example.com"),
                },
            ),
            &[
                "\"https://app.example.com/login\"",
                "path",
                "write \"https://app.example.com\"",
            ],
        ),
        (
            "default https port",
            strict_with("https://app.example.com:443"),
            origin_problem(
                "https://app.example.com:443",
                OriginProblem::DefaultPort {
                    canonical: canonical("https://app.example.com"),
                },
            ),
            &[
                "\"https://app.example.com:443\"",
                "default port",
                "write \"https://app.example.com\"",
            ],
        ),
        (
            "default http port on loopback",
            strict_with("http://localhost:80"),
            origin_problem(
                "http://localhost:80",
                OriginProblem::DefaultPort {
                    canonical: canonical("http://localhost"),
                },
            ),
            &["\"http://localhost:80\"", "write \"http://localhost\""],
        ),
        (
            "uppercase",
            strict_with("https://App.Example.com"),
            origin_problem(
                "https://App.Example.com",
                OriginProblem::Uppercase {
                    canonical: canonical("https://app.example.com"),
                },
            ),
            &[
                "\"https://App.Example.com\"",
                "uppercase",
                "write \"https://app.example.com\"",
            ],
        ),
        (
            "internationalised host",
            strict_with("https://bücher.example"),
            origin_problem(
                "https://bücher.example",
                OriginProblem::NotPunycode {
                    canonical: canonical("https://xn--bcher-kva.example"),
                },
            ),
            &["punycode", "write \"https://xn--bcher-kva.example\""],
        ),
        (
            "userinfo",
            strict_with("https://user:pw@app.example.com"),
            origin_problem(
                "https://user:pw@app.example.com",
                OriginProblem::Userinfo {
                    canonical: canonical("https://app.example.com"),
                },
            ),
            &["userinfo", "write \"https://app.example.com\""],
        ),
        (
            "misplaced wildcard",
            strict_with("https://a.*.example.com"),
            origin_problem("https://a.*.example.com", OriginProblem::MisplacedWildcard),
            &["\"https://a.*.example.com\"", "\"https://*.example.com\""],
        ),
        (
            "* in strict",
            strict_with("*"),
            ConfigProblem::WildcardOrigin,
            &["\"*\"", "credentials", "Cors::permissive()"],
        ),
        (
            "null in strict",
            strict_with("null"),
            ConfigProblem::NullOrigin,
            &["\"null\"", "allow_null_origin_insecure()"],
        ),
        (
            "http, not loopback",
            strict_with("http://app.example.com"),
            ConfigProblem::InsecureOrigin {
                input: "http://app.example.com".to_owned(),
            },
            &[
                "\"http://app.example.com\"",
                "https://",
                "allow_insecure_http_origins()",
            ],
        ),
        (
            "wildcard over .com",
            strict_with("https://*.com"),
            ConfigProblem::PublicSuffixWildcard {
                input: "https://*.com".to_owned(),
                suffix: "com".to_owned(),
            },
            &[
                "\"https://*.com\"",
                "public suffix \"com\"",
                "\"https://*.yourname.com\"",
            ],
        ),
        (
            "wildcard over .co.uk",
            strict_with("https://*.co.uk"),
            ConfigProblem::PublicSuffixWildcard {
                input: "https://*.co.uk".to_owned(),
                suffix: "co.uk".to_owned(),
            },
            &["\"https://*.co.uk\"", "\"co.uk\""],
        ),
        (
            "wildcard over .github.io",
            strict_with("https://*.github.io"),
            ConfigProblem::PublicSuffixWildcard {
                input: "https://*.github.io".to_owned(),
                suffix: "github.io".to_owned(),
            },
            &["\"https://*.github.io\"", "\"github.io\""],
        ),
        (
            "wildcard over a single-label suffix, any port",
            strict_with("https://*.dev:*"),
            ConfigProblem::PublicSuffixWildcard {
                input: "https://*.dev:*".to_owned(),
                suffix: "dev".to_owned(),
            },
            &["\"https://*.dev:*\""],
        ),
        (
            "wildcard over a hosting suffix",
            strict_with("https://*.herokuapp.com"),
            ConfigProblem::PublicSuffixWildcard {
                input: "https://*.herokuapp.com".to_owned(),
                suffix: "herokuapp.com".to_owned(),
            },
            &["\"herokuapp.com\""],
        ),
        (
            "regex that does not compile",
            Cors::strict([ALLOWED])
                .allow_origin_regex("https://(")
                .try_build(),
            ConfigProblem::InvalidRegex {
                input: "https://(".to_owned(),
                error: regex_error("https://("),
            },
            &["\"https://(\"", "does not compile"],
        ),
        (
            "* exposed with credentials",
            Cors::strict([ALLOWED]).expose_headers(["*"]).try_build(),
            ConfigProblem::WildcardHeader {
                list: HeaderList::Exposed,
            },
            &["exposed header \"*\"", "credentials"],
        ),
        (
            "* as an allowed header name",
            Cors::strict([ALLOWED]).allow_headers(["*"]).try_build(),
            ConfigProblem::WildcardHeader {
                list: HeaderList::Allowed,
            },
            &["allow_any_header()"],
        ),
        (
            "Set-Cookie exposed",
            Cors::strict([ALLOWED])
                .expose_headers(["Set-Cookie"])
                .try_build(),
            ConfigProblem::UnexposableHeader {
                input: "set-cookie".to_owned(),
            },
            &["\"set-cookie\"", "never"],
        ),
        (
            "CONNECT",
            Cors::strict([ALLOWED])
                .allow_methods(["CONNECT"])
                .try_build(),
            ConfigProblem::ForbiddenMethod {
                input: "CONNECT".to_owned(),
            },
            &["\"CONNECT\"", "forbidden"],
        ),
        (
            "TRACE",
            Cors::strict([ALLOWED]).allow_methods(["TRACE"]).try_build(),
            ConfigProblem::ForbiddenMethod {
                input: "TRACE".to_owned(),
            },
            &["\"TRACE\""],
        ),
        (
            "lowercase get",
            Cors::strict([ALLOWED]).allow_methods(["get"]).try_build(),
            ConfigProblem::NonCanonicalMethod {
                input: "get".to_owned(),
                canonical: "GET".to_owned(),
            },
            &["\"get\"", "write \"GET\""],
        ),
        (
            "* as a strict method",
            Cors::strict([ALLOWED]).allow_methods(["*"]).try_build(),
            ConfigProblem::WildcardMethod,
            &["allowed method \"*\"", "credentials"],
        ),
        (
            "max_age over a day",
            Cors::strict([ALLOWED])
                .max_age(Duration::from_secs(86_401))
                .try_build(),
            ConfigProblem::MaxAgeTooLong { secs: 86_401 },
            &["86401", "86400"],
        ),
        (
            "nothing allowed",
            Cors::strict(Vec::<&str>::new()).try_build(),
            ConfigProblem::NothingAllowed,
            &["no allowed origins"],
        ),
    ];

    for (case, result, problem, fragments) in table {
        let error = expect_error(result);
        assert_eq!(error.problems(), [problem], "{case}");
        let text = error.to_string();
        assert!(
            text.starts_with("invalid CORS configuration (1 problem):\n  1. "),
            "{case}: {text}"
        );
        for fragment in fragments {
            assert!(
                text.contains(fragment),
                "{case}: {fragment:?} not in {text}"
            );
        }
    }
}

#[test]
fn every_problem_is_listed_at_once_in_order() {
    let error = expect_error(
        Cors::strict([
            "https://app.example.com/",
            "https://app.example.com/api",
            "https://app.example.com:443",
            "https://APP.example.com",
            "https://ok.example.com",
            "*",
            "null",
            "http://app.example.com",
            "https://*.com",
            "https://*.co.uk",
            "https://*.github.io",
        ])
        .allow_methods(["GET", "CONNECT", "TRACE", "get"])
        .expose_headers(["*"])
        .max_age(Duration::from_secs(90_000))
        .try_build(),
    );

    let expected = [
        origin_problem(
            "https://app.example.com/",
            OriginProblem::TrailingSlash {
                canonical: canonical(ALLOWED),
            },
        ),
        origin_problem(
            "https://app.example.com/api",
            OriginProblem::PathQueryOrFragment {
                canonical: canonical(ALLOWED),
            },
        ),
        origin_problem(
            "https://app.example.com:443",
            OriginProblem::DefaultPort {
                canonical: canonical(ALLOWED),
            },
        ),
        origin_problem(
            "https://APP.example.com",
            OriginProblem::Uppercase {
                canonical: canonical(ALLOWED),
            },
        ),
        ConfigProblem::WildcardOrigin,
        ConfigProblem::NullOrigin,
        ConfigProblem::InsecureOrigin {
            input: "http://app.example.com".to_owned(),
        },
        ConfigProblem::PublicSuffixWildcard {
            input: "https://*.com".to_owned(),
            suffix: "com".to_owned(),
        },
        ConfigProblem::PublicSuffixWildcard {
            input: "https://*.co.uk".to_owned(),
            suffix: "co.uk".to_owned(),
        },
        ConfigProblem::PublicSuffixWildcard {
            input: "https://*.github.io".to_owned(),
            suffix: "github.io".to_owned(),
        },
        ConfigProblem::ForbiddenMethod {
            input: "CONNECT".to_owned(),
        },
        ConfigProblem::ForbiddenMethod {
            input: "TRACE".to_owned(),
        },
        ConfigProblem::NonCanonicalMethod {
            input: "get".to_owned(),
            canonical: "GET".to_owned(),
        },
        ConfigProblem::WildcardHeader {
            list: HeaderList::Exposed,
        },
        ConfigProblem::MaxAgeTooLong { secs: 90_000 },
    ];
    assert_eq!(error.problems(), expected);

    let text = error.to_string();
    assert!(
        text.starts_with("invalid CORS configuration (15 problems):"),
        "{text}"
    );
    for (index, problem) in expected.iter().enumerate() {
        let line = format!("\n  {}. {problem}", index + 1);
        assert!(text.contains(&line), "{line:?} not in {text}");
    }
    assert!(!text.contains("https://ok.example.com"));
}

#[test]
fn permissive_policies_report_their_own_problems() {
    let error = expect_error(
        Cors::permissive()
            .allow_methods(["CONNECT", "get", "PUT"])
            .allow_headers(["*", "bad header"])
            .max_age(Duration::from_secs(86_401))
            .try_build(),
    );
    assert_eq!(
        error.problems(),
        [
            ConfigProblem::ForbiddenMethod {
                input: "CONNECT".to_owned(),
            },
            ConfigProblem::NonCanonicalMethod {
                input: "get".to_owned(),
                canonical: "GET".to_owned(),
            },
            ConfigProblem::WildcardHeader {
                list: HeaderList::Allowed,
            },
            ConfigProblem::InvalidHeaderName {
                input: "bad header".to_owned(),
                list: HeaderList::Allowed,
            },
            ConfigProblem::MaxAgeTooLong { secs: 86_401 },
        ]
    );
}

#[test]
fn null_in_a_strict_allowlist_needs_the_insecure_opt_in() {
    let error = expect_error(Cors::strict([ALLOWED, "null"]).try_build());
    assert_eq!(error.problems(), [ConfigProblem::NullOrigin]);

    let policy = build(Cors::strict([ALLOWED, "null"]).allow_null_origin_insecure());
    assert!(policy.allows_origin("null"));
    assert!(!build(strict()).allows_origin("null"));
}

#[test]
fn strict_policies_refuse_wildcard_methods() {
    let error = expect_error(
        Cors::strict([ALLOWED])
            .allow_methods(["GET", "*"])
            .try_build(),
    );
    assert_eq!(error.problems(), [ConfigProblem::WildcardMethod]);
    // Anonymous policies may answer `*`.
    build(Cors::permissive().allow_methods(["*"]));
}

#[test]
fn block_disallowed_on_a_deferring_policy_is_a_config_error() {
    // A deferring policy decides only after the route ran: where no inner policy covers the
    // path, blocking would come too late to keep the handler from running.
    let error = expect_error(
        Cors::strict([ALLOWED])
            .block_disallowed()
            .defer_to_inner_policies()
            .try_build(),
    );
    assert_eq!(error.problems(), [ConfigProblem::BlockWhileDeferring]);
    let text = error.to_string();
    for fragment in [
        "block_disallowed()",
        "defer_to_inner_policies()",
        "put it on the innermost policies, which decide before the handler runs",
    ] {
        assert!(text.contains(fragment), "{fragment:?} not in {text}");
    }

    // Reported beside the other problems, in one pass.
    let error = expect_error(
        Cors::strict(["https://app.example.com/"])
            .defer_to_inner_policies()
            .block_disallowed()
            .try_build(),
    );
    assert_eq!(error.problems().len(), 2, "{error}");
    assert_eq!(error.problems()[1], ConfigProblem::BlockWhileDeferring);

    // Each control alone is fine.
    build(Cors::strict([ALLOWED]).block_disallowed());
    build(Cors::strict([ALLOWED]).defer_to_inner_policies());
}

#[test]
fn valid_configurations_build() {
    for cors in [
        Cors::strict([
            "https://app.example.com",
            "https://app.example.com:8443",
            "https://*.example.com",
            "https://*.example.co.uk",
            "https://example.org:*",
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            "http://[::1]:5173",
            "https://xn--bcher-kva.example",
        ]),
        Cors::strict(["http://app.example.com"]).allow_insecure_http_origins(),
        Cors::strict([ALLOWED])
            .allow_methods(["GET", "PATCH", "PROPFIND"])
            .max_age(Duration::from_secs(86_400)),
        Cors::strict(Vec::<&str>::new()).allow_origin_fn(|_, _| false),
        strict(),
    ] {
        if let Err(error) = cors.try_build() {
            panic!("{error}");
        }
    }
    build(Cors::permissive().expose_any_header());
}

#[actix_web::test]
async fn wrapping_an_unbuilt_invalid_builder_fails_the_service_factory() {
    let invalid = Cors::strict(["https://app.example.com/"]);
    assert!(Transform::new_transform(&invalid, ok_service())
        .await
        .is_err());

    let invalid = Cors::permissive().allow_methods(["TRACE"]);
    assert!(Transform::new_transform(&invalid, ok_service())
        .await
        .is_err());

    let app = App::new().service(
        web::scope("/api")
            .wrap(Cors::strict(["https://*.com"]))
            .route("/items", web::get().to(HttpResponse::Ok)),
    );
    let started = app.into_factory().new_service(AppConfig::default()).await;
    assert!(
        started.is_err(),
        "an invalid policy must stop the app from starting"
    );
}

#[actix_web::test]
async fn wrapping_an_unbuilt_valid_builder_serves() {
    let app = init_service(
        App::new().service(
            web::scope("/api")
                .wrap(Cors::strict([ALLOWED]))
                .route("/items", web::get().to(HttpResponse::Ok)),
        ),
    )
    .await;

    let res = call_service(&app, get("/api/items", ALLOWED).to_request()).await;

    assert_header(&res, ACAO, ALLOWED);
    assert_header(&res, ACAC, "true");
}

/// Every forbidden request-header name of the Fetch standard ("forbidden request-header"),
/// plus two of the `proxy-`/`sec-` prefixed ones: scripts can never set them, so allowing
/// them is a mistake, whichever spelling is written.
const FORBIDDEN_REQUEST_HEADERS: &[&str] = &[
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "proxy-authorization",
    "sec-fetch-site",
];

#[test]
fn allowing_a_forbidden_request_header_is_refused_with_a_hint() {
    for &name in FORBIDDEN_REQUEST_HEADERS {
        for spelling in [name.to_owned(), name.to_ascii_uppercase()] {
            for result in [
                Cors::strict([ALLOWED])
                    .allow_headers(["content-type", spelling.as_str()])
                    .try_build(),
                Cors::permissive()
                    .allow_headers([spelling.as_str()])
                    .try_build(),
            ] {
                let error = expect_error(result);
                assert_eq!(
                    error.problems(),
                    [ConfigProblem::ForbiddenRequestHeader {
                        input: name.to_owned()
                    }],
                    "{spelling}"
                );
                let text = error.to_string();
                for fragment in [
                    format!("allowed header {name:?}"),
                    "the browser sets it".to_owned(),
                    "remove it".to_owned(),
                ] {
                    assert!(text.contains(&fragment), "{fragment:?} not in {text}");
                }
            }
        }
    }
    // Cookies need credentials, not an allowed header.
    let text = expect_error(
        Cors::strict([ALLOWED])
            .allow_headers(["cookie"])
            .try_build(),
    )
    .to_string();
    assert!(text.contains("credentials"), "{text}");
    // Lookalikes that scripts may set stay allowed.
    build(Cors::strict([ALLOWED]).allow_headers([
        "x-host",
        "origin-trial",
        "x-forwarded-for",
        "secret",
        "proxy",
        "x-http-method-override",
        "authorization",
    ]));
}

#[test]
fn exposing_a_safelisted_response_header_is_refused_with_a_hint() {
    for name in [
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    ] {
        for spelling in [name.to_owned(), name.to_ascii_uppercase()] {
            for result in [
                Cors::strict([ALLOWED])
                    .expose_headers(["x-request-id", spelling.as_str()])
                    .try_build(),
                Cors::permissive()
                    .expose_headers([spelling.as_str()])
                    .try_build(),
            ] {
                let error = expect_error(result);
                assert_eq!(
                    error.problems(),
                    [ConfigProblem::SafelistedResponseHeader {
                        input: name.to_owned()
                    }],
                    "{spelling}"
                );
                let text = error.to_string();
                for fragment in [
                    format!("exposed header {name:?}"),
                    "always readable".to_owned(),
                    "remove it".to_owned(),
                ] {
                    assert!(text.contains(&fragment), "{fragment:?} not in {text}");
                }
            }
        }
    }
    build(Cors::strict([ALLOWED]).expose_headers(["x-request-id", "content-encoding", "etag"]));
}

/// `Access-Control-Max-Age` is whole seconds (Fetch, "HTTP new-header syntax":
/// `delta-seconds`): a fraction would silently become another value, and anything under a
/// second would become `0`, "do not cache".
#[test]
fn max_age_with_a_fraction_of_a_second_is_refused_with_the_whole_second_value() {
    for (configured, write) in [
        (Duration::from_millis(500), "Duration::from_secs(1)"),
        (Duration::from_millis(1), "Duration::from_secs(1)"),
        (Duration::from_nanos(1), "Duration::from_secs(1)"),
        (Duration::from_millis(1_500), "Duration::from_secs(2)"),
        (Duration::from_millis(1_499), "Duration::from_secs(1)"),
        (Duration::from_millis(600_250), "Duration::from_secs(600)"),
        (
            Duration::from_millis(86_400_900),
            "Duration::from_secs(86400)",
        ),
    ] {
        for result in [
            Cors::strict([ALLOWED]).max_age(configured).try_build(),
            Cors::permissive().max_age(configured).try_build(),
        ] {
            let error = expect_error(result);
            assert!(
                matches!(
                    error.problems(),
                    [ConfigProblem::MaxAgeNotWholeSeconds { configured: c, .. }] if *c == configured
                ),
                "{configured:?}: {error}"
            );
            let text = error.to_string();
            for fragment in [
                format!("max_age of {configured:?}"),
                "whole seconds".to_owned(),
                format!("write {write}"),
            ] {
                assert!(text.contains(&fragment), "{fragment:?} not in {text}");
            }
        }
    }
    // Whole seconds build, and zero stays "do not cache".
    for whole in [
        Duration::ZERO,
        Duration::from_secs(1),
        Duration::from_millis(600_000),
    ] {
        build(Cors::strict([ALLOWED]).max_age(whole));
    }
}
