//! Policies from configuration files and environment variables (`actix_scoped_cors::config`,
//! the `serde` feature): the same `CorsConfig` from TOML, JSON, YAML and the environment;
//! every field acting as its builder method does; every setting a mode does not have
//! refused; the example's file building the README's `/api` policy.

#[path = "../examples/config_file.rs"]
mod config_file;

use std::time::Duration;

use actix_scoped_cors::{
    config::{split_list, CorsBuilder, CorsConfig, CorsMode, HeaderNames, MaxAge},
    testing::{Credentials, FetchRequest, Page},
    ConfigProblem, Cors, HeaderList, Policy,
};
use actix_web::{
    http::{Method, StatusCode},
    test::{self, TestRequest},
    web, App, HttpResponse,
};

const API: &str = "https://api.example.com";

fn toml_config(text: &str) -> CorsConfig {
    toml::from_str(text).unwrap_or_else(|error| panic!("{text}\n{error}"))
}

#[track_caller]
fn problems(config: CorsConfig) -> Vec<ConfigProblem> {
    match config.try_build() {
        Ok(policy) => panic!("expected a configuration error, built {policy:?}"),
        Err(error) => error.problems().to_vec(),
    }
}

/// The README's `/api` policy, written in code.
fn readme_api_policy() -> Policy {
    Cors::strict(["https://app.example.com", "https://*.tenant.example.com"])
        .allow_methods(["GET", "POST", "PUT", "DELETE"])
        .allow_headers(["content-type", "authorization"])
        .expose_headers(["x-request-id"])
        .try_build()
        .expect("the README's policy is valid")
}

// ---------------------------------------------------------------------------------------
// The example's file and the README

#[actix_rt::test]
async fn sample_file_builds_the_readme_api_policy() {
    let from_file = config_file::load(&config_file::default_path()).expect("examples/cors.toml");
    let from_code = readme_api_policy();
    assert_eq!(format!("{from_file:?}"), format!("{from_code:?}"));

    let file_app = test::init_service(config_file::app(&from_file)).await;
    let code_app = test::init_service(config_file::app(&from_code)).await;
    let me = format!("{API}/api/me");
    let fetches = [
        ("https://app.example.com", FetchRequest::get(&me)),
        (
            "https://acme.tenant.example.com",
            FetchRequest::put(&me)
                .header("Content-Type", "application/json")
                .credentials(Credentials::Include)
                .text("{}"),
        ),
        ("https://tenant.example.com", FetchRequest::get(&me)),
        (
            "https://app.example.com",
            FetchRequest::patch(&me).credentials(Credentials::Include),
        ),
        (
            "https://app.example.com",
            FetchRequest::delete(&me).header("X-Api-Key", "k"),
        ),
        ("https://stranger.example.net", FetchRequest::put(&me)),
    ];
    let mut allowed = 0;
    for (origin, fetch) in fetches {
        let page = Page::new(origin);
        let by_file = page.fetch(&file_app, fetch.clone()).await;
        let by_code = Page::new(origin).fetch(&code_app, fetch).await;
        // Every exchange, header by header, and the verdict.
        assert_eq!(by_file.to_string(), by_code.to_string());
        allowed += usize::from(by_file.is_allowed());
    }
    // The requests tell allowed from refused (the comparison is not between two blanks).
    assert_eq!(allowed, 2);
}

#[actix_rt::test]
async fn the_example_app_serves_the_configured_policy_on_api_only() {
    let policy = config_file::load(&config_file::default_path()).unwrap();
    let app = test::init_service(config_file::app(&policy)).await;
    let page = Page::new("https://acme.tenant.example.com");
    let report = page
        .fetch(
            &app,
            FetchRequest::get(format!("{API}/api/me")).credentials(Credentials::Include),
        )
        .await;
    assert!(report.is_allowed(), "{report}");
    assert_eq!(report.header("x-request-id").unwrap(), "1");
    let report = Page::new("https://stranger.example.net")
        .fetch(&app, FetchRequest::get(format!("{API}/public/status")))
        .await;
    assert!(report.is_allowed(), "{report}");
}

#[test]
fn the_example_reports_a_bad_file_with_its_path_and_every_problem() {
    let dir = std::env::temp_dir().join(format!("cors-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "mode = \"permissive\"\norigins = [\"https://app.example.com\"]\nallow_methods = [\"TRACE\"]\n",
    )
    .unwrap();
    let error = config_file::load(&path).unwrap_err();
    assert!(error.starts_with(&path.display().to_string()), "{error}");
    assert!(error.contains("2 problems"), "{error}");
    assert!(error.contains("origins: only strict policies"), "{error}");
    assert!(error.contains("\"TRACE\""), "{error}");

    std::fs::write(&path, "orgins = []\n").unwrap();
    let error = config_file::load(&path).unwrap_err();
    assert!(error.contains("unknown field `orgins`"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The README's "Configuration from files and environment" shows the example's file.
#[test]
fn readme_shows_the_sample_file() {
    let readme = include_str!("../README.md");
    let section = readme
        .split("### Configuration from files and environment")
        .nth(1)
        .expect("the README section");
    let block = section
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a toml block in the section");
    let sample = std::fs::read_to_string(config_file::default_path()).unwrap();
    assert_eq!(toml_config(block), toml_config(&sample));
}

// ---------------------------------------------------------------------------------------
// Formats

const FULL_TOML: &str = r#"
mode = "strict"
origins = ["https://app.example.com", "https://*.tenant.example.com"]
origin_regexes = ['https://pr-[0-9]{1,4}\.preview\.example\.com']
allow_methods = ["GET", "PATCH"]
allow_headers = "*"
expose_headers = ["x-request-id", "etag"]
max_age = 300
credentials = true
block_disallowed = true
allow_private_network = true
allow_insecure_http_origins = false
allow_null_origin_insecure = false
defer_to_inner_policies = false
preflight_status = 200
"#;

const FULL_JSON: &str = r#"{
  "mode": "strict",
  "origins": ["https://app.example.com", "https://*.tenant.example.com"],
  "origin_regexes": ["https://pr-[0-9]{1,4}\\.preview\\.example\\.com"],
  "allow_methods": ["GET", "PATCH"],
  "allow_headers": "*",
  "expose_headers": ["x-request-id", "etag"],
  "max_age": 300,
  "credentials": true,
  "block_disallowed": true,
  "allow_private_network": true,
  "allow_insecure_http_origins": false,
  "allow_null_origin_insecure": false,
  "defer_to_inner_policies": false,
  "preflight_status": 200
}"#;

const FULL_YAML: &str = r#"
mode: strict
origins:
  - https://app.example.com
  - https://*.tenant.example.com
origin_regexes:
  - 'https://pr-[0-9]{1,4}\.preview\.example\.com'
allow_methods: [GET, PATCH]
allow_headers: "*"
expose_headers: [x-request-id, etag]
max_age: 300
credentials: true
block_disallowed: true
allow_private_network: true
allow_insecure_http_origins: false
allow_null_origin_insecure: false
defer_to_inner_policies: false
preflight_status: 200
"#;

fn full_config() -> CorsConfig {
    let mut config = CorsConfig::default();
    config.origins = Some(vec![
        "https://app.example.com".to_owned(),
        "https://*.tenant.example.com".to_owned(),
    ]);
    config.origin_regexes = Some(vec![
        r"https://pr-[0-9]{1,4}\.preview\.example\.com".to_owned()
    ]);
    config.allow_methods = Some(vec!["GET".to_owned(), "PATCH".to_owned()]);
    config.allow_headers = Some(HeaderNames::Any);
    config.expose_headers = Some(HeaderNames::List(vec![
        "x-request-id".to_owned(),
        "etag".to_owned(),
    ]));
    config.max_age = Some(MaxAge::Seconds(300));
    config.credentials = Some(true);
    config.block_disallowed = Some(true);
    config.allow_private_network = Some(true);
    config.allow_insecure_http_origins = Some(false);
    config.allow_null_origin_insecure = Some(false);
    config.defer_to_inner_policies = Some(false);
    config.preflight_status = Some(200);
    config
}

#[test]
fn the_same_config_reads_from_toml_json_and_yaml() {
    let expected = full_config();
    assert_eq!(toml_config(FULL_TOML), expected);
    assert_eq!(
        serde_json::from_str::<CorsConfig>(FULL_JSON).unwrap(),
        expected
    );
    assert_eq!(
        serde_norway::from_str::<CorsConfig>(FULL_YAML).unwrap(),
        expected
    );
    expected
        .try_build()
        .expect("the full configuration is valid");
}

#[test]
fn configs_round_trip_through_each_format() {
    let mut permissive = CorsConfig::default();
    permissive.mode = CorsMode::Permissive;
    permissive.expose_headers = Some(HeaderNames::Any);
    permissive.max_age = Some(MaxAge::Disabled);
    for config in [full_config(), permissive, CorsConfig::default()] {
        let text = toml::to_string(&config).unwrap();
        assert_eq!(toml_config(&text), config, "{text}");
        let text = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<CorsConfig>(&text).unwrap(), config);
        let text = serde_norway::to_string(&config).unwrap();
        assert_eq!(serde_norway::from_str::<CorsConfig>(&text).unwrap(), config);
    }
}

#[test]
fn an_unknown_field_is_an_error_naming_it_in_every_format() {
    let error = toml::from_str::<CorsConfig>("orgins = [\"https://app.example.com\"]")
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `orgins`"), "{error}");
    let error = serde_json::from_str::<CorsConfig>(r#"{"allow_header": ["x-a"]}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `allow_header`"), "{error}");
    let error = serde_norway::from_str::<CorsConfig>("max-age: 600")
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `max-age`"), "{error}");
}

#[test]
fn values_of_the_wrong_shape_are_errors_when_the_file_is_read() {
    for (text, expected) in [
        ("mode = \"STRICT\"", "unknown variant `STRICT`"),
        (
            "allow_headers = \"content-type, authorization\"",
            "a list of header names, or \"*\" for any",
        ),
        (
            "expose_headers = \"x-request-id\"",
            "a list of header names, or \"*\" for any",
        ),
        ("max_age = true", "a whole number of seconds"),
        ("max_age = -1", "a whole number of seconds"),
        ("max_age = \"10m\"", "a whole number of seconds"),
        ("max_age = 1.5", "a whole number of seconds"),
        ("origins = \"https://app.example.com\"", "a sequence"),
        ("block_disallowed = \"yes\"", "a boolean"),
    ] {
        let error = toml::from_str::<CorsConfig>(text)
            .map(|config| format!("read as {config:?}"))
            .unwrap_or_else(|error| error.to_string());
        assert!(error.contains(expected), "{text}: {error}");
    }
}

#[test]
fn max_age_spellings() {
    for (text, expected) in [
        ("max_age = 0", MaxAge::Seconds(0)),
        ("max_age = 86400", MaxAge::Seconds(86_400)),
        ("max_age = false", MaxAge::Disabled),
        ("max_age = \"none\"", MaxAge::Disabled),
    ] {
        assert_eq!(toml_config(text).max_age, Some(expected), "{text}");
    }
    // JSON's and YAML's null is "not given": the mode's default.
    let config: CorsConfig = serde_json::from_str(r#"{"max_age": null}"#).unwrap();
    assert_eq!(config.max_age, None);
    let config: CorsConfig = serde_norway::from_str("max_age: ~").unwrap();
    assert_eq!(config.max_age, None);
    // The builder's bounds, with the builder's problem.
    let config = toml_config("origins = [\"https://app.example.com\"]\nmax_age = 86401");
    assert_eq!(
        problems(config),
        [ConfigProblem::MaxAgeTooLong { secs: 86_401 }]
    );
}

// ---------------------------------------------------------------------------------------
// Every field acts as its builder method

/// Status and CORS headers of a fixed set of requests through `policy`, from origins and
/// with preflights that tell every setting apart; and the policy's `Debug`.
async fn fingerprint(policy: &Policy) -> String {
    let app = test::init_service(App::new().wrap(policy.clone()).default_service(web::to(
        || async {
            HttpResponse::Ok()
                .insert_header(("x-request-id", "1"))
                .insert_header(("etag", "\"1\""))
                .finish()
        },
    )))
    .await;
    let mut lines = vec![format!("{policy:?}")];
    let origins = [
        "https://app.example.com",
        "http://app.example.com",
        "https://acme.tenant.example.com",
        "https://pr-7.preview.example.com",
        "https://stranger.example.net",
        "null",
    ];
    for origin in origins {
        let requests = [
            TestRequest::get().insert_header(("Origin", origin)),
            TestRequest::default()
                .method(Method::OPTIONS)
                .insert_header(("Origin", origin))
                .insert_header(("Access-Control-Request-Method", "PATCH")),
            TestRequest::default()
                .method(Method::OPTIONS)
                .insert_header(("Origin", origin))
                .insert_header(("Access-Control-Request-Method", "GET"))
                .insert_header(("Access-Control-Request-Headers", "x-custom")),
            TestRequest::default()
                .method(Method::OPTIONS)
                .insert_header(("Origin", origin))
                .insert_header(("Access-Control-Request-Method", "GET"))
                .insert_header(("Access-Control-Request-Private-Network", "true")),
        ];
        for request in requests {
            let response = test::call_service(&app, request.uri("/x").to_request()).await;
            let mut headers: Vec<String> = response
                .headers()
                .iter()
                .filter(|(name, _)| {
                    name.as_str().starts_with("access-control-") || name.as_str() == "vary"
                })
                .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
                .collect();
            headers.sort();
            lines.push(format!("{origin} {} {headers:?}", response.status()));
        }
    }
    lines.join("\n")
}

const BASE: &str = "origins = [\"https://app.example.com\"]\n";

fn base() -> Cors<actix_scoped_cors::Strict> {
    Cors::strict(["https://app.example.com"])
}

#[actix_rt::test]
async fn each_field_acts_as_its_builder_method() {
    let cases: Vec<(&str, String, Policy)> = vec![
        (
            "origins",
            "origins = [\"https://app.example.com\", \"https://*.tenant.example.com\"]".into(),
            Cors::strict(["https://app.example.com", "https://*.tenant.example.com"])
                .try_build()
                .unwrap(),
        ),
        (
            "origin_regexes",
            format!("{BASE}origin_regexes = ['https://pr-[0-9]{{1,4}}\\.preview\\.example\\.com']"),
            base()
                .allow_origin_regex(r"https://pr-[0-9]{1,4}\.preview\.example\.com")
                .try_build()
                .unwrap(),
        ),
        (
            "allow_methods",
            format!("{BASE}allow_methods = [\"GET\", \"DELETE\"]"),
            base().allow_methods(["GET", "DELETE"]).try_build().unwrap(),
        ),
        (
            "allow_headers list",
            format!("{BASE}allow_headers = [\"x-custom\"]"),
            base().allow_headers(["x-custom"]).try_build().unwrap(),
        ),
        (
            "allow_headers *",
            format!("{BASE}allow_headers = \"*\""),
            base().allow_any_header().try_build().unwrap(),
        ),
        (
            "expose_headers",
            format!("{BASE}expose_headers = [\"x-request-id\"]"),
            base().expose_headers(["x-request-id"]).try_build().unwrap(),
        ),
        (
            "max_age seconds",
            format!("{BASE}max_age = 60"),
            base().max_age(Duration::from_secs(60)).try_build().unwrap(),
        ),
        (
            "max_age false",
            format!("{BASE}max_age = false"),
            base().no_max_age().try_build().unwrap(),
        ),
        (
            "credentials false",
            format!("{BASE}credentials = false"),
            base().without_credentials().try_build().unwrap(),
        ),
        (
            "credentials false, expose_headers *",
            format!("{BASE}credentials = false\nexpose_headers = \"*\""),
            base()
                .without_credentials()
                .expose_headers(["*"])
                .try_build()
                .unwrap(),
        ),
        (
            "preflight_status",
            format!("{BASE}preflight_status = 200"),
            base().preflight_status(StatusCode::OK).try_build().unwrap(),
        ),
        (
            "block_disallowed",
            format!("{BASE}block_disallowed = true"),
            base().block_disallowed().try_build().unwrap(),
        ),
        (
            "allow_private_network",
            format!("{BASE}allow_private_network = true"),
            base().allow_private_network().try_build().unwrap(),
        ),
        (
            "allow_insecure_http_origins",
            "origins = [\"http://app.example.com\"]\nallow_insecure_http_origins = true".into(),
            Cors::strict(["http://app.example.com"])
                .allow_insecure_http_origins()
                .try_build()
                .unwrap(),
        ),
        (
            "allow_null_origin_insecure",
            format!("{BASE}allow_null_origin_insecure = true"),
            base().allow_null_origin_insecure().try_build().unwrap(),
        ),
        (
            "defer_to_inner_policies",
            format!("{BASE}defer_to_inner_policies = true"),
            base().defer_to_inner_policies().try_build().unwrap(),
        ),
        (
            "permissive",
            "mode = \"permissive\"".into(),
            Cors::permissive().try_build().unwrap(),
        ),
        (
            "permissive allow_methods",
            "mode = \"permissive\"\nallow_methods = [\"GET\"]".into(),
            Cors::permissive()
                .allow_methods(["GET"])
                .try_build()
                .unwrap(),
        ),
        (
            "permissive allow_headers",
            "mode = \"permissive\"\nallow_headers = [\"x-other\"]".into(),
            Cors::permissive()
                .allow_headers(["x-other"])
                .try_build()
                .unwrap(),
        ),
        (
            "permissive expose_headers *",
            "mode = \"permissive\"\nexpose_headers = \"*\"".into(),
            Cors::permissive().expose_any_header().try_build().unwrap(),
        ),
        (
            "permissive preflight_status",
            "mode = \"permissive\"\npreflight_status = 200".into(),
            Cors::permissive()
                .preflight_status(StatusCode::OK)
                .try_build()
                .unwrap(),
        ),
        (
            "permissive max_age",
            "mode = \"permissive\"\nmax_age = 5".into(),
            Cors::permissive()
                .max_age(Duration::from_secs(5))
                .try_build()
                .unwrap(),
        ),
    ];
    let strict_base = fingerprint(&base().try_build().unwrap()).await;
    let permissive_base = fingerprint(&Cors::permissive().try_build().unwrap()).await;
    for (name, text, from_code) in cases {
        let from_config = toml_config(&text)
            .try_build()
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let expected = fingerprint(&from_code).await;
        assert_eq!(fingerprint(&from_config).await, expected, "{name}");
        // The requests see the setting: without it the answers differ.
        let without = if text.contains("permissive") && name != "permissive" {
            &permissive_base
        } else {
            &strict_base
        };
        assert_ne!(
            &expected, without,
            "{name}: the probes do not see the setting"
        );
    }
}

#[test]
fn try_from_and_into_builder_build_the_same_policy() {
    let config = toml_config(FULL_TOML);
    let by_try_from = Policy::try_from(config.clone()).unwrap();
    let by_builder = config.into_builder().unwrap().try_build().unwrap();
    assert_eq!(format!("{by_try_from:?}"), format!("{by_builder:?}"));
}

#[test]
fn into_builder_leaves_the_origins_to_code() {
    let CorsBuilder::Strict(cors) = CorsConfig::default().into_builder().unwrap() else {
        panic!("the default mode is strict");
    };
    let policy = cors
        .allow_origin_fn(|origin, _| origin.host() == "partner.example.org")
        .try_build()
        .unwrap();
    assert!(policy.allows_origin("https://partner.example.org"));
    // Built as it is, the same configuration allows nothing.
    assert_eq!(
        problems(CorsConfig::default()),
        [ConfigProblem::NothingAllowed]
    );
}

// ---------------------------------------------------------------------------------------
// Settings the mode does not have

#[test]
fn each_strict_only_setting_is_an_error_in_a_permissive_config() {
    for (field, line) in [
        ("origins", "origins = [\"https://app.example.com\"]"),
        ("origins", "origins = []"),
        (
            "origin_regexes",
            "origin_regexes = ['https://a\\.example\\.com']",
        ),
        ("block_disallowed", "block_disallowed = true"),
        ("block_disallowed", "block_disallowed = false"),
        ("allow_private_network", "allow_private_network = true"),
        (
            "allow_insecure_http_origins",
            "allow_insecure_http_origins = true",
        ),
        (
            "allow_null_origin_insecure",
            "allow_null_origin_insecure = false",
        ),
    ] {
        let config = toml_config(&format!("mode = \"permissive\"\n{line}"));
        let expected = [ConfigProblem::StrictOnlySetting { field }];
        assert_eq!(problems(config.clone()), expected, "{line}");
        let error = config.into_builder().unwrap_err();
        assert_eq!(error.problems(), expected, "{line}");
        assert!(
            error.to_string().contains(&format!("{field}: only strict")),
            "{error}"
        );
    }
}

#[test]
fn credentials_with_a_permissive_config_is_an_error() {
    let config = toml_config("mode = \"permissive\"\ncredentials = true");
    assert_eq!(
        problems(config.clone()),
        [ConfigProblem::CredentialsWithPermissive]
    );
    assert_eq!(
        config.into_builder().unwrap_err().problems(),
        [ConfigProblem::CredentialsWithPermissive]
    );
    // `false` says what a permissive policy is, and is accepted.
    let policy = toml_config("mode = \"permissive\"\ncredentials = false")
        .try_build()
        .unwrap();
    assert!(!policy.is_credentialed());
    assert!(policy.allows_origin("https://anyone.example.net"));
}

#[test]
fn strict_credentials_are_on_unless_turned_off() {
    let on = toml_config(&format!("{BASE}credentials = true")).try_build();
    assert!(on.unwrap().is_credentialed());
    assert!(toml_config(BASE).try_build().unwrap().is_credentialed());
    let off = toml_config(&format!("{BASE}credentials = false")).try_build();
    assert!(!off.unwrap().is_credentialed());
}

#[test]
fn a_preflight_status_other_than_200_or_204_is_an_error() {
    // A status code: the builder's problem.
    let config = toml_config(&format!("{BASE}preflight_status = 201"));
    assert_eq!(
        problems(config.clone()),
        [ConfigProblem::PreflightStatus { status: 201 }]
    );
    assert!(config.into_builder().is_ok());
    // No status code at all: the same problem, found before the builder.
    for status in [0, 99, 1000, 65535] {
        let config = toml_config(&format!("{BASE}preflight_status = {status}"));
        let expected = [ConfigProblem::PreflightStatus { status }];
        assert_eq!(problems(config.clone()), expected);
        assert_eq!(config.into_builder().unwrap_err().problems(), expected);
    }
    let error = toml::from_str::<CorsConfig>("preflight_status = 70000").unwrap_err();
    assert!(error.to_string().contains("u16"), "{error}");
}

#[test]
fn mode_problems_and_builder_problems_are_reported_together() {
    let config = toml_config(
        r#"
        mode = "permissive"
        origins = ["https://app.example.com"]
        block_disallowed = true
        allow_methods = ["get", "TRACE"]
        expose_headers = ["set-cookie"]
        "#,
    );
    let error = config.try_build().unwrap_err();
    assert_eq!(
        error.problems(),
        [
            ConfigProblem::StrictOnlySetting { field: "origins" },
            ConfigProblem::StrictOnlySetting {
                field: "block_disallowed"
            },
            ConfigProblem::NonCanonicalMethod {
                input: "get".to_owned(),
                canonical: "GET".to_owned()
            },
            ConfigProblem::ForbiddenMethod {
                input: "TRACE".to_owned()
            },
            ConfigProblem::UnexposableHeader {
                input: "set-cookie".to_owned()
            },
        ]
    );
    assert!(error.to_string().contains("(5 problems)"), "{error}");
}

#[test]
fn expose_any_header_is_refused_in_a_strict_config_by_the_builder() {
    let config = toml_config(&format!("{BASE}expose_headers = \"*\""));
    assert_eq!(
        problems(config),
        [ConfigProblem::WildcardHeader {
            list: HeaderList::Exposed
        }]
    );
}

#[test]
fn builder_problems_name_their_input() {
    let config = toml_config(
        r#"
        origins = ["https://app.example.com/", "*"]
        origin_regexes = ['https://.*\.com']
        allow_headers = ["cookie"]
        "#,
    );
    let text = config.try_build().unwrap_err().to_string();
    for input in [
        "\"https://app.example.com/\"",
        "allowed origin \"*\"",
        "https://.*\\\\.com",
        "\"cookie\"",
    ] {
        assert!(text.contains(input), "{input} in {text}");
    }
}

// ---------------------------------------------------------------------------------------
// The environment. Each test has its own prefix: the environment is the process's.

fn set(vars: &[(&str, &str)]) {
    for (name, value) in vars {
        std::env::set_var(name, value);
    }
}

#[test]
fn the_environment_gives_the_same_config_as_a_file() {
    set(&[
        ("CFGT_FULL_MODE", "strict"),
        (
            "CFGT_FULL_ORIGINS",
            " https://app.example.com , https://*.tenant.example.com,",
        ),
        (
            "CFGT_FULL_ORIGIN_REGEXES",
            r"  https://pr-[0-9]{1,4}\.preview\.example\.com ",
        ),
        ("CFGT_FULL_ALLOW_METHODS", "GET,PATCH"),
        ("CFGT_FULL_ALLOW_HEADERS", " * "),
        ("CFGT_FULL_EXPOSE_HEADERS", "x-request-id, etag"),
        ("CFGT_FULL_MAX_AGE", "300"),
        ("CFGT_FULL_CREDENTIALS", "true"),
        ("CFGT_FULL_BLOCK_DISALLOWED", "true"),
        ("CFGT_FULL_ALLOW_PRIVATE_NETWORK", "true"),
        ("CFGT_FULL_ALLOW_INSECURE_HTTP_ORIGINS", "false"),
        ("CFGT_FULL_ALLOW_NULL_ORIGIN_INSECURE", "false"),
        ("CFGT_FULL_DEFER_TO_INNER_POLICIES", "false"),
        ("CFGT_FULL_PREFLIGHT_STATUS", " 200"),
    ]);
    assert_eq!(CorsConfig::from_env("CFGT_FULL_").unwrap(), full_config());
}

#[test]
fn no_variables_is_the_default_config() {
    assert_eq!(
        CorsConfig::from_env("CFGT_NONE_").unwrap(),
        CorsConfig::default()
    );
}

#[test]
fn permissive_mode_and_max_age_spellings_from_the_environment() {
    set(&[
        ("CFGT_PERM_MODE", "permissive"),
        ("CFGT_PERM_MAX_AGE", "none"),
        ("CFGT_PERM_EXPOSE_HEADERS", "*"),
    ]);
    let config = CorsConfig::from_env("CFGT_PERM_").unwrap();
    assert_eq!(config.mode, CorsMode::Permissive);
    assert_eq!(config.max_age, Some(MaxAge::Disabled));
    assert_eq!(config.expose_headers, Some(HeaderNames::Any));
    config.try_build().unwrap();
    set(&[("CFGT_PERM2_MAX_AGE", "false")]);
    let config = CorsConfig::from_env("CFGT_PERM2_").unwrap();
    assert_eq!(config.max_age, Some(MaxAge::Disabled));
}

#[test]
fn an_empty_list_variable_is_an_empty_list() {
    set(&[
        ("CFGT_EMPTY_ORIGINS", "https://app.example.com"),
        ("CFGT_EMPTY_ALLOW_HEADERS", ""),
        ("CFGT_EMPTY_EXPOSE_HEADERS", " , "),
    ]);
    let config = CorsConfig::from_env("CFGT_EMPTY_").unwrap();
    assert_eq!(config.allow_headers, Some(HeaderNames::List(vec![])));
    assert_eq!(config.expose_headers, Some(HeaderNames::List(vec![])));
    config.try_build().unwrap();
}

#[test]
fn every_unreadable_variable_is_reported_at_once_in_name_order() {
    set(&[
        ("CFGT_BAD_MODE", "Strict"),
        ("CFGT_BAD_PREFLIGHT_STATUS", "OK"),
        ("CFGT_BAD_CREDENTIALS", "1"),
        ("CFGT_BAD_MAX_AGE", "10m"),
        ("CFGT_BAD_BLOCK_DISALLOWED", "yes"),
        ("CFGT_BAD_ALLOW_PRIVATE_NETWORK", ""),
        ("CFGT_BAD_ORIGIN", "https://app.example.com"),
    ]);
    let error = CorsConfig::from_env("CFGT_BAD_").unwrap_err();
    let value = |name: &str, value: &str, expected: &'static str| ConfigProblem::EnvVarValue {
        name: name.to_owned(),
        value: value.to_owned(),
        expected,
    };
    assert_eq!(
        error.problems(),
        [
            value("CFGT_BAD_ALLOW_PRIVATE_NETWORK", "", "`true` or `false`"),
            value("CFGT_BAD_BLOCK_DISALLOWED", "yes", "`true` or `false`"),
            value("CFGT_BAD_CREDENTIALS", "1", "`true` or `false`"),
            value(
                "CFGT_BAD_MAX_AGE",
                "10m",
                "a whole number of seconds, or `none` or `false` for no max-age"
            ),
            value("CFGT_BAD_MODE", "Strict", "`strict` or `permissive`"),
            ConfigProblem::UnknownEnvVar {
                name: "CFGT_BAD_ORIGIN".to_owned()
            },
            value(
                "CFGT_BAD_PREFLIGHT_STATUS",
                "OK",
                "a status code, `204` or `200`"
            ),
        ]
    );
    let text = error.to_string();
    assert!(
        text.contains("environment variable CFGT_BAD_MAX_AGE=\"10m\": expected a whole number"),
        "{text}"
    );
    assert!(
        text.contains(
            "environment variable CFGT_BAD_ORIGIN: it has the CORS configuration's prefix"
        ),
        "{text}"
    );
}

#[test]
fn environment_problems_of_the_policy_come_from_try_build() {
    set(&[
        ("CFGT_MODEPROB_MODE", "permissive"),
        ("CFGT_MODEPROB_ORIGINS", "https://app.example.com"),
    ]);
    let config = CorsConfig::from_env("CFGT_MODEPROB_").unwrap();
    assert_eq!(
        problems(config),
        [ConfigProblem::StrictOnlySetting { field: "origins" }]
    );
}

#[test]
fn regexes_in_the_environment_are_separated_by_whitespace_and_keep_their_commas() {
    set(&[(
        "CFGT_RE_ORIGIN_REGEXES",
        "https://pr-[0-9]{1,4}\\.preview\\.example\\.com\n\thttps://[a-z]{2,8}\\.docs\\.example\\.com",
    )]);
    let config = CorsConfig::from_env("CFGT_RE_").unwrap();
    assert_eq!(
        config.origin_regexes.as_deref().unwrap(),
        [
            r"https://pr-[0-9]{1,4}\.preview\.example\.com",
            r"https://[a-z]{2,8}\.docs\.example\.com",
        ]
    );
    let policy = config.try_build().unwrap();
    assert!(policy.allows_origin("https://pr-12.preview.example.com"));
    assert!(policy.allows_origin("https://api.docs.example.com"));
}

#[cfg(unix)]
#[test]
fn a_variable_that_is_not_utf8_is_an_error_naming_it() {
    use std::{ffi::OsStr, os::unix::ffi::OsStrExt};

    std::env::set_var(
        "CFGT_UTF_ORIGINS",
        OsStr::from_bytes(b"https://app.example.com,\xff"),
    );
    let error = CorsConfig::from_env("CFGT_UTF_").unwrap_err();
    assert_eq!(
        error.problems(),
        [ConfigProblem::EnvVarValue {
            name: "CFGT_UTF_ORIGINS".to_owned(),
            value: "https://app.example.com,\u{fffd}".to_owned(),
            expected: "UTF-8 text",
        }]
    );
}

#[test]
fn split_list_trims_and_drops_empty_entries() {
    let cases: [(&str, &[&str]); 10] = [
        ("", &[]),
        ("   ", &[]),
        (",,,", &[]),
        (" , \t, ", &[]),
        ("a", &["a"]),
        (" a ", &["a"]),
        ("a,b", &["a", "b"]),
        (" a , b ,", &["a", "b"]),
        (",a,,b,", &["a", "b"]),
        ("a b ,\tc\n", &["a b", "c"]),
    ];
    for (input, expected) in cases {
        assert_eq!(split_list(input), expected, "{input:?}");
    }
}
