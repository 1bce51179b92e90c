//! Validation and compilation: a builder's raw inputs become a [`Policy`] or a
//! [`ConfigError`] listing every problem.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use actix_web::http::{header::HeaderName, header::HeaderValue, Method, StatusCode};
use regex::Regex;

use crate::{
    error::{ConfigError, ConfigProblem, HeaderList},
    header_names::{
        is_cors_safelisted_response_header_name, is_forbidden_request_header_name, ANY,
    },
    matcher::{OriginMatcher, OriginPredicate},
    origin_regex,
    pattern::{parse_origin_entries, OriginPattern, OriginSafety},
    policy::{
        AllowedHeaders, AllowedMethods, AllowedOrigins, AsyncOriginPredicate, Expose, Policy,
        PolicyInner, Precomputed,
    },
    rejection::RejectionHook,
    shared::SharedOrigins,
    table::counted_value,
    warn::Warnings,
};

/// The longest preflight cache any browser honours (Firefox), in seconds.
const MAX_AGE_LIMIT: u64 = 86_400;

/// A strict policy's default `Access-Control-Max-Age`: WebKit's cap, so every engine caches
/// a preflight as long.
pub(crate) const STRICT_MAX_AGE: Duration = Duration::from_secs(600);

/// A permissive policy's default `Access-Control-Max-Age`: Chromium's cap.
pub(crate) const PERMISSIVE_MAX_AGE: Duration = Duration::from_secs(7200);

/// A builder's raw inputs, as written; nothing here is validated yet.
#[derive(Clone, Default)]
pub(crate) struct Config {
    pub(crate) origins: Vec<String>,
    pub(crate) regexes: Vec<String>,
    pub(crate) predicates: Vec<OriginPredicate>,
    pub(crate) async_predicate: Option<AsyncOriginPredicate>,
    pub(crate) shared: Vec<SharedOrigins>,
    pub(crate) methods: Option<Vec<String>>,
    pub(crate) headers: Option<Vec<String>>,
    pub(crate) any_header: bool,
    pub(crate) expose: Vec<String>,
    pub(crate) max_age: Option<Duration>,
    pub(crate) block_disallowed: bool,
    pub(crate) on_reject: Option<RejectionHook>,
    pub(crate) private_network: bool,
    pub(crate) defers_to_inner: bool,
    pub(crate) safety: OriginSafety,
    /// [`Cors::without_credentials`](crate::Cors::without_credentials): a strict allowlist
    /// that sends no `Access-Control-Allow-Credentials`.
    pub(crate) without_credentials: bool,
    /// [`Cors::preflight_status`](crate::Cors::preflight_status); `None` is `204`.
    pub(crate) preflight_status: Option<StatusCode>,
}

/// Builds a policy of one mode: `reflects` for a strict one (an allowlist whose matches are
/// reflected, credentialed unless [`Config::without_credentials`]), not for a permissive one
/// (`*`, never credentials).
pub(crate) fn build(config: Config, reflects: bool) -> Result<Policy, ConfigError> {
    let mut problems = Vec::new();
    let credentialed = reflects && !config.without_credentials;

    let origins = if reflects {
        AllowedOrigins::Matching(Box::new(build_matcher(&config, &mut problems)))
    } else {
        AllowedOrigins::Any
    };
    let methods = build_methods(
        config.methods.as_deref(),
        reflects,
        credentialed,
        &mut problems,
    );
    let headers = if config.any_header {
        AllowedHeaders::Any
    } else {
        let names = config
            .headers
            .as_deref()
            .unwrap_or(&["content-type".to_owned(), "authorization".to_owned()])
            .to_vec();
        AllowedHeaders::List(parse_header_names(
            &names,
            HeaderList::Allowed,
            &mut problems,
        ))
    };
    let expose = build_expose(&config.expose, credentialed, &mut problems);
    if let Some(problem) = config.max_age.and_then(max_age_problem) {
        problems.push(problem);
    }
    if config.block_disallowed && config.defers_to_inner {
        problems.push(ConfigProblem::BlockWhileDeferring);
    }
    let preflight_status = config.preflight_status.unwrap_or(StatusCode::NO_CONTENT);
    if !matches!(preflight_status, StatusCode::OK | StatusCode::NO_CONTENT) {
        problems.push(ConfigProblem::PreflightStatus {
            status: preflight_status.as_u16(),
        });
    }
    if !problems.is_empty() {
        return Err(ConfigError::new(problems));
    }

    let values = Precomputed::new(&methods, &headers, &expose, config.max_age);
    let label = label(&config, reflects);
    Ok(Policy {
        inner: Arc::new(PolicyInner {
            origins,
            reflects,
            credentialed,
            methods,
            headers,
            values,
            block_disallowed: config.block_disallowed,
            private_network: config.private_network,
            defers_to_inner: config.defers_to_inner,
            preflight_status,
            label,
            warnings: Warnings::default(),
            on_reject: config.on_reject,
            async_origin: config.async_predicate,
        }),
    })
}

/// How log lines name a policy: `permissive policy`, or `strict policy [` its first three
/// origin entries, and how many more entries, regexes and predicates it has `]`.
fn label(config: &Config, reflects: bool) -> Box<str> {
    if !reflects {
        return "permissive policy".into();
    }
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = config.origins.iter().take(SHOWN).cloned().collect();
    let mut more = |count: usize, what: &str| {
        if count > 0 {
            parts.push(format!("{count} {what}"));
        }
    };
    more(config.origins.len().saturating_sub(SHOWN), "more");
    more(config.regexes.len(), "regex");
    more(
        config.predicates.len() + usize::from(config.async_predicate.is_some()),
        "predicate",
    );
    more(config.shared.len(), "shared list");
    format!("strict policy [{}]", parts.join(", ")).into()
}

/// What is wrong with a max-age, if anything. `Access-Control-Max-Age` is a number of whole
/// seconds (Fetch, "HTTP new-header syntax": `delta-seconds`), so a fraction cannot be sent;
/// the hint rounds to the nearest second, but never down to `0`, which means "do not cache".
fn max_age_problem(max_age: Duration) -> Option<ConfigProblem> {
    let secs = max_age.as_secs();
    if secs > MAX_AGE_LIMIT {
        return Some(ConfigProblem::MaxAgeTooLong { secs });
    }
    let nanos = max_age.subsec_nanos();
    if nanos == 0 {
        return None;
    }
    let rounded = if nanos >= 500_000_000 { secs + 1 } else { secs };
    Some(ConfigProblem::MaxAgeNotWholeSeconds {
        configured: max_age,
        secs: rounded.clamp(1, MAX_AGE_LIMIT),
    })
}

fn build_matcher(config: &Config, problems: &mut Vec<ConfigProblem>) -> OriginMatcher {
    let mut matcher = OriginMatcher::default();
    let patterns = parse_origin_entries(&config.origins, config.safety, problems);
    // Exact origins are reflected with values of their own, `'static` for a list of the
    // usual few: no reference count on an allowed request. A long list is counted rather
    // than leaked, and leaves the interner's bound to the other values.
    let exact_bytes: usize = patterns
        .iter()
        .map(|pattern| match pattern {
            OriginPattern::Exact(origin) => origin.len(),
            _ => 0,
        })
        .sum();
    let reflected = match exact_bytes <= INTERNED_ORIGINS_LIMIT {
        true => interned,
        false => counted_value,
    };
    for pattern in patterns {
        matcher.add_pattern(pattern, reflected);
    }
    if config.safety.allow_null {
        matcher.allow_null();
    }
    // Each regex is checked on its own, so an error names it; then all of them are compiled
    // as one anchored alternation, matched in a single pass.
    let mut anchored_regexes = Vec::with_capacity(config.regexes.len());
    for regex in &config.regexes {
        match checked_regex(regex, config.safety) {
            Ok(anchored) => anchored_regexes.push(anchored),
            Err(problem) => problems.push(problem),
        }
    }
    if !anchored_regexes.is_empty() {
        match Regex::new(&anchored_regexes.join("|")) {
            Ok(regex) => matcher.set_regex(regex, &anchored_regexes),
            Err(error) => problems.push(ConfigProblem::InvalidRegex {
                input: config.regexes.join(" | "),
                error: error.to_string(),
            }),
        }
    }
    for predicate in &config.predicates {
        matcher.add_predicate(predicate.clone());
    }
    for shared in &config.shared {
        matcher.add_shared(shared.clone());
    }
    if matcher.is_empty() && config.async_predicate.is_none() && problems.is_empty() {
        problems.push(ConfigProblem::NothingAllowed);
    }
    matcher
}

/// Parses, checks and anchors one configured regex.
///
/// The anchors go around the *parsed* expression, printed back as a regex: pasting `^(?:` and
/// `)$` around the text would let a regex that is invalid on its own (`a)|(.*`) become a
/// valid, unanchored one, and would break regexes that end in an `(?x)` comment.
///
/// Safety comes from the regex's structure ([`origin_regex::check`]): every origin it can
/// match must spell out its scheme and have a fixed host or one under a domain that is not
/// open to strangers. Probes with origins no strict policy may accept unasked (`null`, and
/// hosts under the reserved `.invalid` domain, RFC 6761, over https and plain http) run
/// first, as a second line that also gives the clearest example for the grossest mistakes
/// (`.*`, `https://.*`).
fn checked_regex(input: &str, safety: OriginSafety) -> Result<String, ConfigProblem> {
    let invalid = |error: String| ConfigProblem::InvalidRegex {
        input: input.to_owned(),
        error,
    };
    let hir = regex_syntax::Parser::new()
        .parse(input)
        .map_err(|error| invalid(error.to_string()))?;
    let anchored = format!("^(?:{hir})$");
    let regex = Regex::new(&anchored).map_err(|error| invalid(error.to_string()))?;
    let mut probes = vec![
        "https://cors-probe.invalid",
        "https://a.b.cors-probe.invalid",
    ];
    if !safety.allow_insecure_http {
        probes.push("http://cors-probe.invalid");
    }
    if !safety.allow_null {
        probes.push("null");
    }
    if let Some(probe) = probes.into_iter().find(|probe| regex.is_match(probe)) {
        return Err(ConfigProblem::RegexTooBroad {
            input: input.to_owned(),
            example: probe.to_owned(),
        });
    }
    origin_regex::check(input, &hir, safety)?;
    Ok(anchored)
}

fn build_methods(
    methods: Option<&[String]>,
    reflects: bool,
    credentialed: bool,
    problems: &mut Vec<ConfigProblem>,
) -> AllowedMethods {
    let Some(methods) = methods else {
        return if reflects {
            AllowedMethods::List(vec![
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
        } else {
            AllowedMethods::Any
        };
    };
    let mut list: Vec<Method> = Vec::with_capacity(methods.len());
    // Every entry is checked, also after a `*`: each problem is reported.
    let mut any = false;
    for input in methods {
        if input == "*" {
            if credentialed {
                problems.push(ConfigProblem::WildcardMethod);
            }
            any = true;
            continue;
        }
        let upper = input.to_ascii_uppercase();
        if matches!(upper.as_str(), "CONNECT" | "TRACE" | "TRACK") {
            problems.push(ConfigProblem::ForbiddenMethod {
                input: input.clone(),
            });
            continue;
        }
        // Browsers normalise these six to uppercase (Fetch, "normalize a method").
        let normalised = matches!(
            upper.as_str(),
            "DELETE" | "GET" | "HEAD" | "OPTIONS" | "POST" | "PUT"
        );
        if normalised && upper != *input {
            problems.push(ConfigProblem::NonCanonicalMethod {
                input: input.clone(),
                canonical: upper,
            });
            continue;
        }
        match Method::from_bytes(input.as_bytes()) {
            Ok(method) if !list.contains(&method) => list.push(method),
            Ok(_) => {}
            Err(_) => problems.push(ConfigProblem::InvalidMethod {
                input: input.clone(),
            }),
        }
    }
    if any {
        AllowedMethods::Any
    } else {
        AllowedMethods::List(list)
    }
}

fn build_expose(
    expose: &[String],
    credentialed: bool,
    problems: &mut Vec<ConfigProblem>,
) -> Expose {
    let any = expose.iter().any(|name| name == "*");
    if any && credentialed {
        problems.push(ConfigProblem::WildcardHeader {
            list: HeaderList::Exposed,
        });
    }
    for name in expose {
        if name == "set-cookie" || name == "set-cookie2" {
            problems.push(ConfigProblem::UnexposableHeader {
                input: name.clone(),
            });
        }
    }
    // The other entries are checked even beside a `*`: each problem is reported.
    let listed: Vec<String> = expose.iter().filter(|name| *name != "*").cloned().collect();
    let names = parse_header_names(&listed, HeaderList::Exposed, problems);
    if any {
        Expose::Any
    } else if names.is_empty() {
        Expose::Nothing
    } else {
        Expose::List(names)
    }
}

fn parse_header_names(
    names: &[String],
    list: HeaderList,
    problems: &mut Vec<ConfigProblem>,
) -> Vec<HeaderName> {
    let mut parsed: Vec<HeaderName> = Vec::with_capacity(names.len());
    for input in names {
        if input == "*" {
            problems.push(ConfigProblem::WildcardHeader { list });
            continue;
        }
        if let Some(problem) = pointless_header_name(input, list) {
            problems.push(problem);
            continue;
        }
        match HeaderName::from_bytes(input.as_bytes()) {
            Ok(name) if !parsed.contains(&name) => parsed.push(name),
            Ok(_) => {}
            Err(_) => problems.push(ConfigProblem::InvalidHeaderName {
                input: input.clone(),
                list,
            }),
        }
    }
    parsed
}

/// A header name that can never take effect in `list`: one scripts may not set (so no
/// preflight ever asks for it), or one scripts may always read (Fetch, "forbidden
/// request-header" and "CORS-safelisted response-header name").
fn pointless_header_name(input: &str, list: HeaderList) -> Option<ConfigProblem> {
    match list {
        HeaderList::Allowed if is_forbidden_request_header_name(input) => {
            Some(ConfigProblem::ForbiddenRequestHeader {
                input: input.to_owned(),
            })
        }
        HeaderList::Exposed if is_cors_safelisted_response_header_name(input) => {
            Some(ConfigProblem::SafelistedResponseHeader {
                input: input.to_owned(),
            })
        }
        _ => None,
    }
}

impl Precomputed {
    fn new(
        methods: &AllowedMethods,
        headers: &AllowedHeaders,
        expose: &Expose,
        max_age: Option<Duration>,
    ) -> Self {
        let allow_methods = match methods {
            AllowedMethods::Any => ANY,
            AllowedMethods::List(list) => joined(list.iter().map(|m| m.as_str())),
        };
        let allow_headers = match headers {
            AllowedHeaders::Any => Some(ANY),
            AllowedHeaders::List(list) if list.is_empty() => None,
            AllowedHeaders::List(list) => Some(joined(list.iter().map(HeaderName::as_str))),
        };
        let expose_headers = match expose {
            Expose::Nothing => None,
            Expose::Any => Some(ANY),
            Expose::List(list) => Some(joined(list.iter().map(HeaderName::as_str))),
        };
        let max_age = max_age.map(|age| interned(age.as_secs().to_string()));
        let method_names = match methods {
            AllowedMethods::Any => Box::default(),
            AllowedMethods::List(list) => {
                list.iter().map(|m| m.as_str().as_bytes().into()).collect()
            }
        };
        let header_names = match headers {
            AllowedHeaders::Any => Box::default(),
            AllowedHeaders::List(list) => list
                .iter()
                .map(|name| name.as_str().as_bytes().into())
                .collect(),
        };
        Precomputed {
            allow_methods,
            method_names,
            allow_headers,
            header_names,
            expose_headers,
            max_age,
        }
    }
}

fn joined<'a>(items: impl Iterator<Item = &'a str>) -> HeaderValue {
    interned(items.collect::<Vec<_>>().join(", "))
}

/// How many bytes of distinct header values [`interned`] leaks at most in a process; past it,
/// values are reference-counted as before.
const INTERNED_BYTES_LIMIT: usize = 64 * 1024;

/// A policy whose exact origins add up to at most this many bytes (about a hundred origins)
/// reflects them with [`interned`] values; a longer list, with counted ones.
const INTERNED_ORIGINS_LIMIT: usize = 4 * 1024;

/// The values [`interned`] leaked, and their total length.
struct Interned {
    set: BTreeSet<&'static str>,
    bytes: usize,
}

static INTERNED: Mutex<Interned> = Mutex::new(Interned {
    set: BTreeSet::new(),
    bytes: 0,
});

/// `text` as a `'static` header value, leaked once per distinct text in the process.
///
/// Every grant clones the precomputed values into its response; a `'static` value is copied,
/// with no reference count to bump and drop (a count every worker shares). The leak is bounded
/// twice. By what is interned: a policy's joined method, header and exposed lists, its
/// max-age and its exact origins (a list of at most [`INTERNED_ORIGINS_LIMIT`] bytes), and the
/// merged `Vary` lines a worker remembers (`headers::remember_merged`, at most 16 per
/// thread), each distinct text once, so rebuilding a policy (in every worker, in every test)
/// adds nothing, nor does a request or a [`SharedOrigins`](crate::SharedOrigins)
/// replacement, which changes no precomputed value.
/// And by [`INTERNED_BYTES_LIMIT`]: a process that builds policies from ever-new lists (per
/// tenant, on every reload, a fuzzer), or whose handlers set ever-new `Vary` values, gets
/// reference-counted values once 64 KiB are held.
pub(crate) fn interned(text: String) -> HeaderValue {
    let mut interned = INTERNED.lock().unwrap_or_else(PoisonError::into_inner);
    let text = match interned.set.get(text.as_str()) {
        Some(&text) => text,
        None if interned.bytes + text.len() > INTERNED_BYTES_LIMIT => return counted_value(text),
        None => {
            interned.bytes += text.len();
            let leaked: &'static str = Box::leak(text.into_boxed_str());
            interned.set.insert(leaked);
            leaked
        }
    };
    // Tokens joined by ", ", decimal digits, or a serialized origin: visible ASCII.
    HeaderValue::from_static(text)
}

/// Whether `text` was interned (for tests elsewhere in the crate).
#[cfg(test)]
pub(crate) fn is_interned(text: &str) -> bool {
    INTERNED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .set
        .contains(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_bounded_and_values_stay_exact_past_the_bound() {
        // Far more distinct text than the bound: every value is still the text it was given.
        for n in 0..2_000 {
            let text = format!("x-tenant-{n:04}-{}", "h".repeat(40));
            assert_eq!(interned(text.clone()).as_bytes(), text.as_bytes());
        }
        let held = INTERNED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes;
        assert!(held <= INTERNED_BYTES_LIMIT, "{held} bytes leaked");
        // The first value was interned before the bound was reached: still the same `'static`.
        let first = format!("x-tenant-0000-{}", "h".repeat(40));
        let set = &INTERNED.lock().unwrap_or_else(PoisonError::into_inner).set;
        assert!(set.contains(first.as_str()));
    }
}
