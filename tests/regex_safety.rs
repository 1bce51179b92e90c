//! A strict policy cannot be configured into reflecting an origin a stranger can register:
//! origin regexes are judged by their structure, wildcards by the full Public Suffix List.
//! Issue 9, holes 1–4: each row below used to build and reflect the stranger's origin.

use actix_scoped_cors::{ConfigProblem, Cors};

fn regex_problems(regex: &str) -> Vec<ConfigProblem> {
    match Cors::strict(Vec::<&str>::new())
        .allow_origin_regex(regex)
        .try_build()
    {
        Ok(_) => Vec::new(),
        Err(err) => err.problems().to_vec(),
    }
}

/// Hole 1: a `.` meant as a dot matches any character, and the error gives the escaped
/// regex and an origin a stranger could register.
#[test]
fn regexes_with_unescaped_dots_are_refused_with_the_escaped_regex() {
    for (regex, escaped, example) in [
        (
            r"https://pr-[0-9]+.preview.example.com",
            r"https://pr-[0-9]+\.preview\.example\.com",
            "https://pr-0.previewzexample.com",
        ),
        (
            r"https://app.example.com",
            r"https://app\.example\.com",
            "https://appzexample.com",
        ),
        (
            r"https://(staging|qa).example\.net",
            r"https://(staging|qa)\.example\.net",
            "https://stagingzexample.net",
        ),
    ] {
        let problems = regex_problems(regex);
        assert_eq!(
            problems,
            [ConfigProblem::RegexUnescapedDot {
                input: regex.to_owned(),
                escaped: escaped.to_owned(),
                example: Some(example.to_owned()),
            }],
            "{regex}"
        );
        let text = problems[0].to_string();
        assert!(text.contains(&format!("write {escaped:?}")), "{text}");
        // The fix it names builds.
        assert_eq!(regex_problems(escaped), [], "{escaped}");
    }
}

/// Holes 1 and 2: a regex whose hosts lie directly under a public suffix, whatever the
/// spelling, is refused naming the suffix.
#[test]
fn regexes_over_public_suffixes_are_refused_naming_the_suffix() {
    for (regex, suffix) in [
        (r"https://.*example\.com", "com"),
        (r"https://[a-z0-9-]+\.github\.io", "github.io"),
        (r"https://.*\.com", "com"),
        (r"https://.+\.(com|net|org)", "com"),
        (r"https://[a-z]+\.(example\.com|vercel\.app)", "vercel.app"),
        (r"https://([a-z]+\.)+co\.uk", "co.uk"),
        (r"https://app\.[a-z]+\.com", "com"),
        (
            r"https://[a-z0-9-]+\.s3\.us-east-1\.amazonaws\.com",
            "s3.us-east-1.amazonaws.com",
        ),
    ] {
        let problems = regex_problems(regex);
        assert_eq!(
            problems,
            [ConfigProblem::RegexOverPublicSuffix {
                input: regex.to_owned(),
                suffix: suffix.to_owned(),
            }],
            "{regex}"
        );
        assert!(problems[0].to_string().contains(suffix));
    }
}

/// Hole 3: the embedded list had 49 entries; the Public Suffix List (both sections) decides
/// now. `tests/public_suffix.rs` walks every rule of it.
#[test]
fn wildcards_over_public_suffixes_of_either_section_are_refused() {
    for (entry, suffix) in [
        (
            "https://*.s3.us-east-1.amazonaws.com",
            "s3.us-east-1.amazonaws.com",
        ),
        ("https://*.azurestaticapps.net", "azurestaticapps.net"),
        ("https://*.co.id", "co.id"),
        ("https://*.myshopify.com", "myshopify.com"),
        ("https://*.pages.dev", "pages.dev"),
    ] {
        let problems = Cors::strict([entry])
            .try_build()
            .unwrap_err()
            .problems()
            .to_vec();
        assert_eq!(
            problems,
            [ConfigProblem::PublicSuffixWildcard {
                input: entry.to_owned(),
                suffix: suffix.to_owned(),
            }],
            "{entry}"
        );
    }
    // A registrable domain with public suffixes beneath it: the wildcard reaches them.
    let problems = Cors::strict(["https://*.amazonaws.com"])
        .try_build()
        .unwrap_err()
        .problems()
        .to_vec();
    assert_eq!(
        problems,
        [ConfigProblem::PublicSuffixesBeneath {
            input: "https://*.amazonaws.com".to_owned(),
            domain: "amazonaws.com".to_owned(),
        }]
    );
}

/// Hole 4: every rule for exact entries holds for every origin a regex can match, so plain
/// http needs the same opt-in.
#[test]
fn plain_http_regexes_need_the_insecure_opt_in_like_exact_entries() {
    for regex in [
        r"http://app\.example\.com",
        r"http://[a-z]+\.example\.com",
        r"https?://app\.example\.com",
        r"(http|https)://app\.example\.com",
        r"https://app\.example\.com|http://app\.example\.org",
    ] {
        let problems = regex_problems(regex);
        assert!(
            matches!(&problems[..], [ConfigProblem::InsecureOrigin { input }
                | ConfigProblem::RegexTooBroad { input, .. }] if input == regex),
            "{regex}: {problems:?}"
        );
        Cors::strict(Vec::<&str>::new())
            .allow_origin_regex(regex)
            .allow_insecure_http_origins()
            .try_build()
            .unwrap_or_else(|err| panic!("{regex} with the opt-in: {err}"));
    }
    // Loopback needs no opt-in, as for exact entries.
    for regex in [r"http://localhost:[0-9]+", r"http://127\.0\.0\.1(:[0-9]+)?"] {
        assert_eq!(regex_problems(regex), [], "{regex}");
    }
}

#[test]
fn regexes_that_cannot_be_judged_safe_are_refused_with_the_reason() {
    for (regex, expected) in [
        (
            r"[a-z]+://app\.example\.com",
            ConfigProblem::RegexSchemeVaries {
                input: r"[a-z]+://app\.example\.com".to_owned(),
            },
        ),
        (
            r"https://app\.example\.com.*",
            ConfigProblem::RegexHostNotFixed {
                input: r"https://app\.example\.com.*".to_owned(),
            },
        ),
        (
            r"https://[a-z]+",
            ConfigProblem::RegexHostNotFixed {
                input: r"https://[a-z]+".to_owned(),
            },
        ),
        (
            r"app\.example\.com",
            ConfigProblem::RegexMatchesNoOrigin {
                input: r"app\.example\.com".to_owned(),
            },
        ),
        (
            r"https://APP\.example\.com",
            ConfigProblem::RegexMatchesNoOrigin {
                input: r"https://APP\.example\.com".to_owned(),
            },
        ),
    ] {
        assert_eq!(regex_problems(regex), [expected], "{regex}");
    }
}

#[test]
fn regexes_confined_to_a_domain_you_control_build_and_match() {
    for (regex, matching, not_matching) in [
        (
            r"https://pr-[0-9]+\.preview\.example\.com",
            "https://pr-12.preview.example.com",
            "https://pr-12.previewzexample.com",
        ),
        (
            r"https://[a-z0-9-]+\.example\.com",
            "https://acme.example.com",
            "https://acme.example.com.evil.net",
        ),
        (
            r"https://(app|www)\.example\.com(:[0-9]+)?",
            "https://www.example.com:8443",
            "https://wwwzexample.com",
        ),
        (
            r"(?i)https://APP\.example\.com",
            "https://app.example.com",
            "https://appzexample.com",
        ),
        (
            r"https://([a-z]+\.)*example\.com",
            "https://a.b.example.com",
            "https://evilexample.com",
        ),
        (
            r"https://[a-z]+\.me\.github\.io",
            "https://blog.me.github.io",
            "https://other.github.io",
        ),
        (
            r"https://me\.github\.io",
            "https://me.github.io",
            "https://you.github.io",
        ),
        (
            r"https://a.\.example\.com",
            "https://ab.example.com",
            "https://a.example.com",
        ),
    ] {
        let policy = Cors::strict(Vec::<&str>::new())
            .allow_origin_regex(regex)
            .try_build()
            .unwrap_or_else(|err| panic!("{regex}: {err}"));
        assert!(policy.allows_origin(matching), "{regex} vs {matching}");
        assert!(
            !policy.allows_origin(not_matching),
            "{regex} vs {not_matching}"
        );
    }
}
