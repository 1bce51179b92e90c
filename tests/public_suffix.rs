//! Every rule of the Public Suffix List is refused as a wildcard base and as the domain of a
//! regex, in both of the list's sections; so is every domain with public suffixes beneath it.
//!
//! The list is the one the crate is built with: the `psl` crate's own copy of it, found
//! through `cargo metadata`, so this test follows the list when the dependency is updated.

use std::{collections::HashSet, path::PathBuf, process::Command};

use actix_scoped_cors::{ConfigProblem, Cors};

/// The `psl` package's copy of the list, one rule a line.
fn rules() -> Vec<String> {
    // Only the host's dependencies are on disk (and needed): ask for those.
    let rustc = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .expect("rustc -vV names the host");
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{output:?}");
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let manifest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|package| package["name"] == "psl")
        .expect("psl is a dependency")["manifest_path"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = PathBuf::from(manifest)
        .with_file_name("data")
        .join("rules.txt");
    std::fs::read_to_string(&list)
        .unwrap_or_else(|e| panic!("{}: {e}", list.display()))
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .map(str::to_owned)
        .collect()
}

/// A name in the form allowlist entries are written in: punycode, as browsers send it.
fn ascii(name: &str) -> String {
    url::Url::parse(&format!("https://{name}"))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .host_str()
        .unwrap()
        .to_owned()
}

fn problems_of_wildcard(domain: &str) -> Vec<ConfigProblem> {
    match Cors::strict([format!("https://*.{domain}")]).try_build() {
        Ok(_) => Vec::new(),
        Err(err) => err.problems().to_vec(),
    }
}

fn problems_of_regex(domain: &str) -> Vec<ConfigProblem> {
    let regex = format!(r"https://[a-z0-9-]+\.{}", regex::escape(domain));
    match Cors::strict(Vec::<&str>::new())
        .allow_origin_regex(regex)
        .try_build()
    {
        Ok(_) => Vec::new(),
        Err(err) => err.problems().to_vec(),
    }
}

#[test]
fn every_public_suffix_list_rule_is_refused_as_a_wildcard_and_a_regex_base() {
    let rules = rules();
    assert!(rules.len() > 9_000, "only {} rules", rules.len());
    let mut suffixes = Vec::new();
    let mut exceptions = 0;
    for rule in &rules {
        if rule.starts_with('!') {
            // An exception (`!www.ck`) is a registrable domain, not a suffix.
            exceptions += 1;
            continue;
        }
        // `*.ck` makes every name directly under `ck` a public suffix.
        let base = match rule.strip_prefix("*.") {
            Some(parent) => format!("cors-test.{parent}"),
            None => rule.clone(),
        };
        suffixes.push(ascii(&base));
    }

    let mut failures = Vec::new();
    for suffix in &suffixes {
        let wildcard = problems_of_wildcard(suffix);
        if !matches!(&wildcard[..], [ConfigProblem::PublicSuffixWildcard { suffix: s, .. }] if s == suffix)
        {
            failures.push(format!("wildcard over {suffix}: {wildcard:?}"));
        }
        let regex = problems_of_regex(suffix);
        if !matches!(&regex[..], [ConfigProblem::RegexOverPublicSuffix { suffix: s, .. }] if s == suffix)
        {
            failures.push(format!("regex over {suffix}: {regex:?}"));
        }
    }
    println!(
        "public suffix list: {} rules; {} suffixes refused as wildcard and as regex bases, \
         {} failures; {exceptions} exception rules",
        rules.len(),
        suffixes.len() - failures.len(),
        failures.len(),
    );
    assert!(
        failures.is_empty(),
        "{} failures: {:#?}",
        failures.len(),
        &failures[..failures.len().min(20)]
    );
}

#[test]
fn every_domain_with_public_suffixes_beneath_it_is_refused_as_a_base() {
    let rules = rules();
    let suffixes: HashSet<String> = rules
        .iter()
        .filter(|rule| !rule.starts_with('!'))
        .map(|rule| ascii(rule.strip_prefix("*.").unwrap_or(rule)))
        .collect();
    // `s3.us-east-1.amazonaws.com` is a rule; `us-east-1.amazonaws.com` and `amazonaws.com`
    // are parents of one. A wildcard over a parent reaches names under the rule.
    let mut parents = HashSet::new();
    for suffix in &suffixes {
        let labels: Vec<&str> = suffix.split('.').collect();
        for start in 1..labels.len() {
            parents.insert(labels[start..].join("."));
        }
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    for parent in parents.iter().filter(|parent| !suffixes.contains(*parent)) {
        checked += 1;
        for problems in [problems_of_wildcard(parent), problems_of_regex(parent)] {
            let refused = matches!(
                &problems[..],
                [ConfigProblem::PublicSuffixesBeneath { domain, .. }] if domain == parent
            ) || matches!(
                &problems[..],
                [ConfigProblem::PublicSuffixWildcard { .. }
                    | ConfigProblem::RegexOverPublicSuffix { .. }]
                    if !parent.contains('.')
            );
            if !refused {
                failures.push(format!("{parent}: {problems:?}"));
            }
        }
    }
    println!("public suffix list: {checked} domains with public suffixes beneath them refused");
    assert!(checked > 300, "{checked}");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn registrable_domains_stay_usable_as_wildcard_and_regex_bases() {
    for domain in [
        "example.com",
        "example.co.uk",
        "me.github.io",
        "shop.myshopify.com",
        "www.ck",
        "xn--bcher-kva.example",
    ] {
        assert_eq!(problems_of_wildcard(domain), [], "{domain}");
        assert_eq!(problems_of_regex(domain), [], "{domain}");
    }
}
