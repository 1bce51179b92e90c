//! Arbitrary structured configuration into `try_build()`: never panics; the same builder
//! gives the same answer twice; an `Err` lists at least one problem, counts them in its
//! text, and each problem that is about an input names that input (as written, or as the
//! builder lowercased it); an `Ok` respects the limits (max-age) and the mode's promises on
//! a few requests (strict: never `*`, reflection byte-equal, `null` only with the opt-in).

#![no_main]

mod common;

use std::time::Duration;

use actix_scoped_cors::{
    testing::{decide, AllowOrigin, Decision},
    ConfigError, ConfigProblem, Cors, Mode, Policy,
};
use actix_web::{
    http::{
        header::{ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN},
        Method,
    },
    test::TestRequest,
};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Config {
    strict: bool,
    origins: Vec<String>,
    regexes: Vec<String>,
    methods: Option<Vec<String>>,
    headers: Option<Vec<String>>,
    /// Called after `headers` when true, before it otherwise (the last call wins).
    any_header: Option<bool>,
    expose: Option<Vec<String>>,
    expose_any: bool,
    max_age: Option<(u64, u32)>,
    no_max_age: bool,
    allow_null: bool,
    allow_insecure_http: bool,
    block_disallowed: bool,
    private_network: bool,
    defer: bool,
}

const MAX_ITEMS: usize = 6;
const MAX_REGEX_LEN: usize = 200;

fuzz_target!(|config: Config| {
    let config = config.bounded();
    if config.strict {
        let mut cors = Cors::strict(&config.origins);
        for regex in &config.regexes {
            cors = cors.allow_origin_regex(regex);
        }
        if config.allow_null {
            cors = cors.allow_null_origin_insecure();
        }
        if config.allow_insecure_http {
            cors = cors.allow_insecure_http_origins();
        }
        if config.private_network {
            // Strict policies only: the builder has no such method for permissive ones.
            cors = cors.allow_private_network();
        }
        if config.block_disallowed {
            cors = cors.block_disallowed();
        }
        check(&config, shared(&config, cors));
    } else {
        let mut cors = Cors::permissive();
        if config.expose_any {
            cors = cors.expose_any_header();
        }
        check(&config, shared(&config, cors));
    }
});

impl Config {
    fn bounded(mut self) -> Config {
        self.origins.truncate(MAX_ITEMS);
        self.regexes.truncate(2);
        self.regexes.retain(|r| r.len() <= MAX_REGEX_LEN);
        for list in [&mut self.methods, &mut self.headers, &mut self.expose]
            .into_iter()
            .flatten()
        {
            list.truncate(MAX_ITEMS);
        }
        self
    }

    fn max_age(&self) -> Option<Duration> {
        self.max_age
            .map(|(secs, nanos)| Duration::new(secs, nanos % 1_000_000_000))
    }

    /// The max-age the policy ends up with: the strict and permissive defaults unless set.
    fn effective_max_age(&self) -> Option<Duration> {
        if self.no_max_age {
            None
        } else {
            self.max_age().or(Some(Duration::from_secs(600)))
        }
    }

    /// Every input as written and as the builder may have lowercased it.
    fn inputs(&self) -> Vec<String> {
        let mut inputs: Vec<String> = self.origins.clone();
        inputs.extend(self.regexes.iter().cloned());
        inputs.push(self.regexes.join(" | "));
        for list in [&self.methods, &self.headers, &self.expose]
            .into_iter()
            .flatten()
        {
            for item in list {
                inputs.push(item.clone());
                inputs.push(item.to_ascii_lowercase());
            }
        }
        inputs
    }
}

/// The builder methods both modes have, in an order that exercises "the last call wins".
fn shared<M: Mode>(config: &Config, mut cors: Cors<M>) -> Cors<M> {
    if let Some(methods) = &config.methods {
        cors = cors.allow_methods(methods);
    }
    if config.any_header == Some(false) {
        cors = cors.allow_any_header();
    }
    if let Some(headers) = &config.headers {
        cors = cors.allow_headers(headers);
    }
    if config.any_header == Some(true) {
        cors = cors.allow_any_header();
    }
    if let Some(expose) = &config.expose {
        cors = cors.expose_headers(expose);
    }
    if let Some(max_age) = config.max_age() {
        cors = cors.max_age(max_age);
    }
    if config.no_max_age {
        cors = cors.no_max_age();
    }
    if config.defer {
        cors = cors.defer_to_inner_policies();
    }
    cors
}

fn check<M: Mode>(config: &Config, cors: Cors<M>) {
    let again = cors.clone().try_build();
    match cors.try_build() {
        Err(error) => {
            assert_eq!(Some(&error), again.as_ref().err(), "two builds disagree");
            check_error(config, &error);
        }
        Ok(policy) => {
            assert!(again.is_ok(), "two builds disagree");
            // The harness never calls `without_credentials()`: a strict policy is credentialed.
            assert_eq!(policy.is_credentialed(), M::REFLECTS);
            if let Some(max_age) = config.effective_max_age() {
                assert!(
                    max_age.as_secs() <= 86_400,
                    "built with max_age {max_age:?}"
                );
            }
            check_policy(config, &policy);
        }
    }
}

fn check_error(config: &Config, error: &ConfigError) {
    let problems = error.problems();
    assert!(!problems.is_empty(), "an error without problems");
    let text = error.to_string();
    let noun = if problems.len() == 1 {
        "problem"
    } else {
        "problems"
    };
    assert!(
        text.contains(&format!("({} {noun})", problems.len())),
        "{text}"
    );
    let inputs = config.inputs();
    for problem in problems {
        let shown = problem.to_string();
        assert!(text.contains(&shown), "{shown:?} missing from {text:?}");
        let named = match problem {
            ConfigProblem::Origin { input, .. }
            | ConfigProblem::InsecureOrigin { input }
            | ConfigProblem::PublicSuffixWildcard { input, .. }
            | ConfigProblem::InvalidRegex { input, .. }
            | ConfigProblem::RegexTooBroad { input, .. }
            | ConfigProblem::InvalidMethod { input }
            | ConfigProblem::ForbiddenMethod { input }
            | ConfigProblem::NonCanonicalMethod { input, .. }
            | ConfigProblem::InvalidHeaderName { input, .. }
            | ConfigProblem::UnexposableHeader { input } => Some(input),
            ConfigProblem::MaxAgeTooLong { secs } => {
                assert!(*secs > 86_400, "{shown}");
                assert!(shown.contains(&secs.to_string()), "{shown}");
                None
            }
            ConfigProblem::NullOrigin | ConfigProblem::WildcardOrigin => {
                assert!(config.strict, "{shown}");
                None
            }
            _ => None,
        };
        if let Some(input) = named {
            assert!(inputs.contains(input), "{problem:?} names no input");
            assert!(
                shown.contains(&format!("{input:?}")),
                "{shown:?} does not quote {input:?}"
            );
        }
    }
}

/// A few requests against the built policy: each configured origin, `null`, and a stranger,
/// as an actual request and as a preflight.
fn check_policy(config: &Config, policy: &Policy) {
    let mut origins: Vec<&str> = config.origins.iter().map(String::as_str).collect();
    origins.extend(["null", "https://stranger.example.net"]);
    for origin in origins {
        let Ok(value) = actix_web::http::header::HeaderValue::from_str(origin) else {
            continue;
        };
        let actual = TestRequest::get()
            .insert_header((ORIGIN, value.clone()))
            .to_srv_request();
        let preflight = TestRequest::default()
            .method(Method::OPTIONS)
            .insert_header((ORIGIN, value))
            .insert_header((ACCESS_CONTROL_REQUEST_METHOD, "PUT"))
            .insert_header((ACCESS_CONTROL_REQUEST_HEADERS, "authorization,x-custom"))
            .to_srv_request();
        for req in [actual, preflight] {
            let (allow_origin, allow_headers) = match decide(policy, req.head()) {
                Decision::Actual(Ok(allow_origin)) => (allow_origin, None),
                Decision::Preflight(Ok(grant)) => (grant.allow_origin, grant.allow_headers),
                Decision::Actual(Err(_)) | Decision::Preflight(Err(_)) => continue,
                Decision::NotCors => panic!("a request with Origin is not CORS"),
            };
            if !config.strict {
                assert_eq!(allow_origin, AllowOrigin::Any);
                continue;
            }
            match allow_origin {
                AllowOrigin::Any => panic!("a strict policy answered `*`"),
                AllowOrigin::Reflect(reflected) => assert_eq!(reflected, origin),
            }
            if origin == "null" {
                assert!(config.allow_null, "null allowed without the opt-in");
            } else {
                assert!(common::well_formed(origin), "allowed malformed {origin:?}");
            }
            if let Some(acah) = allow_headers {
                assert!(
                    !common::list_elements([acah.as_bytes()]).contains(&&b"*"[..]),
                    "`*` in ACAH with credentials"
                );
            }
        }
    }
}
