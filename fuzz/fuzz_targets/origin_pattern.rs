//! Arbitrary allowlist entries and origin regexes into `Cors::strict(..)
//! .allow_origin_regex(..).try_build()`: never panics, and a policy that builds never allows
//! an origin no strict policy may trust unasked.
//!
//! Checked on every origin derived from the inputs (the candidates the fuzzer proposes, the
//! entries with their wildcards filled in, the regexes with escapes removed, each also over
//! plain `http`), when the policy allows it:
//! - it is a well-formed origin (the URL standard's serialization of itself, DNS limits);
//! - `null` only with `allow_null_origin_insecure()`;
//! - plain `http` for a non-loopback host only with `allow_insecure_http_origins()`;
//! - `decide()` reflects it byte for byte, never `*`, and agrees with `allows_origin`.
//!
//! And completeness for the entries that built: an exact entry is allowed, a subdomain
//! wildcard allows a one-label subdomain. With regexes alone (no entries, no `null`), the
//! policy allows exactly the well-formed origins (`Origin::parse`) the regexes match whole,
//! whichever way it matches them (a cut, one table walk, one DFA, the regex crate).

#![no_main]

mod common;

use actix_scoped_cors::{
    testing::{decide, AllowOrigin, Decision},
    Cors,
};
use actix_web::{http::header::ORIGIN, test::TestRequest};
use libfuzzer_sys::fuzz_target;

/// The input, as text, one item a line:
///
/// ```text
/// origin https://*.tenant.example.com
/// regex https://pr-[0-9]+\.preview\.example\.com
/// try https://pr-1.previewzexample.com
/// allow-null
/// allow-insecure-http
/// ```
#[derive(Debug, Default)]
struct Input {
    entries: Vec<String>,
    regexes: Vec<String>,
    candidates: Vec<String>,
    allow_null: bool,
    allow_insecure_http: bool,
}

impl Input {
    fn parse(text: &str) -> Input {
        let mut input = Input::default();
        for line in text.split('\n') {
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            match word {
                "origin" => input.entries.push(rest.to_owned()),
                "regex" => input.regexes.push(rest.to_owned()),
                "try" => input.candidates.push(rest.to_owned()),
                "allow-null" => input.allow_null = true,
                "allow-insecure-http" => input.allow_insecure_http = true,
                _ => {}
            }
        }
        input
    }
}

const MAX_ITEMS: usize = 4;
const MAX_REGEX_LEN: usize = 200;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let input = Input::parse(text);
    let entries: Vec<&str> = input
        .entries
        .iter()
        .take(MAX_ITEMS)
        .map(String::as_str)
        .collect();
    let regexes: Vec<&str> = input
        .regexes
        .iter()
        .take(2)
        .map(String::as_str)
        .filter(|r| r.len() <= MAX_REGEX_LEN)
        .collect();
    let mut cors = Cors::strict(&entries);
    for regex in &regexes {
        cors = cors.allow_origin_regex(*regex);
    }
    if input.allow_null {
        cors = cors.allow_null_origin_insecure();
    }
    if input.allow_insecure_http {
        cors = cors.allow_insecure_http_origins();
    }
    let Ok(policy) = cors.try_build() else {
        return;
    };

    let mut candidates: Vec<String> = input.candidates.iter().take(MAX_ITEMS).cloned().collect();
    candidates.push("null".into());
    for entry in &entries {
        candidates.extend(filled_in(entry));
    }
    for regex in &regexes {
        let unescaped: String = regex
            .trim_start_matches('^')
            .trim_end_matches('$')
            .replace('\\', "");
        candidates.push(unescaped);
    }
    let http: Vec<String> = candidates
        .iter()
        .filter_map(|c| c.strip_prefix("https://"))
        .map(|rest| format!("http://{rest}"))
        .collect();
    candidates.extend(http);

    // The regexes as the crate anchors them, where pasting the anchors around the text means
    // the same (it does not for a text ending in an `(?x)` comment: then none is checked).
    let anchored = match (entries.is_empty(), regexes.is_empty()) {
        (true, false) => {
            let each: Vec<String> = regexes.iter().map(|r| format!("^(?:{r})$")).collect();
            regex::Regex::new(&each.join("|")).ok()
        }
        _ => None,
    };

    for candidate in &candidates {
        let allowed = policy.allows_origin(candidate);
        if let (Some(anchored), false) = (&anchored, candidate == "null") {
            let expected = actix_scoped_cors::Origin::parse(candidate).is_some()
                && anchored.is_match(candidate);
            assert_eq!(
                allowed, expected,
                "regexes {regexes:?} on {candidate:?}: allowed {allowed}, a well-formed match {expected}"
            );
        }
        if let Some(decided) = decided(&policy, candidate) {
            assert_eq!(
                decided, allowed,
                "decide() and allows_origin disagree on {candidate:?}"
            );
        }
        if !allowed {
            continue;
        }
        if candidate == "null" {
            assert!(input.allow_null, "null allowed without the opt-in");
            continue;
        }
        assert!(
            common::well_formed(candidate),
            "allowed a malformed origin {candidate:?}"
        );
        if let Some(origin) = common::reference_origin(candidate) {
            // Finding `http-regex` (issue 9, hole 4): regexes need no opt-in for plain http.
            let from_regex = !regexes.is_empty() && !entries.contains(&candidate.as_str());
            assert!(
                origin.scheme != "http"
                    || origin.loopback
                    || input.allow_insecure_http
                    || (from_regex && common::tolerated("http-regex")),
                "allowed plain-http {candidate:?} without allow_insecure_http_origins()"
            );
        }
    }

    // What built must work: exact entries are allowed, wildcards allow a subdomain.
    for entry in &entries {
        if entry.contains('*') {
            if let Some(rest) = entry.strip_prefix("https://*.") {
                if !rest.contains('*') && rest.len() < 200 {
                    let sub = format!("https://a.{rest}");
                    if common::reference_origin(&sub).is_some() {
                        assert!(
                            policy.allows_origin(&sub),
                            "{entry:?} built but refuses {sub:?}"
                        );
                    }
                }
            }
        } else if *entry != "null" || input.allow_null {
            assert!(
                policy.allows_origin(entry),
                "exact entry {entry:?} built but is refused"
            );
        }
    }
});

/// The origins an entry stands for: itself, and its wildcards filled in.
fn filled_in(entry: &str) -> Vec<String> {
    let mut out = vec![entry.to_owned()];
    let bases: Vec<String> = match entry.strip_suffix(":*") {
        Some(base) => vec![base.to_owned(), format!("{base}:8443"), format!("{base}:1")],
        None => vec![entry.to_owned()],
    };
    for base in bases {
        if base.contains("*.") {
            out.push(base.replacen("*.", "a.", 1));
            out.push(base.replacen("*.", "a-b.c_d.", 1));
            out.push(base.replacen("*.", "", 1));
        }
        out.push(base);
    }
    out
}

/// Whether `decide()` grants an actual request from `candidate`, checking the reflection;
/// `None` when `candidate` cannot be a header value.
fn decided(policy: &actix_scoped_cors::Policy, candidate: &str) -> Option<bool> {
    let value = actix_web::http::header::HeaderValue::from_str(candidate).ok()?;
    let req = TestRequest::get()
        .insert_header((ORIGIN, value))
        .to_srv_request();
    match decide(policy, req.head()) {
        Decision::Actual(Ok(AllowOrigin::Reflect(reflected))) => {
            assert_eq!(reflected.as_bytes(), candidate.as_bytes(), "reflection");
            Some(true)
        }
        Decision::Actual(Ok(AllowOrigin::Any)) => panic!("a strict policy answered `*`"),
        Decision::Actual(Err(_)) => Some(false),
        other => panic!("a GET with Origin decided as {other:?}"),
    }
}
