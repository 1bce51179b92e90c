//! Allowlist entries as configured: parsed once, when a policy is built, into the kinds
//! the matcher compiles.
//!
//! The rules are the crate's "Allowlist entries" documentation ([`crate`]); this module
//! turns each entry into an [`OriginPattern`] and applies them.

use crate::{
    error::{ConfigProblem, OriginProblem},
    origin::{is_ipv4, is_loopback_host, Origin},
    public_suffix::{open_domain, OpenDomain},
};

/// Which ports a wildcard pattern accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PortRule {
    /// Exactly this port (`None`: the scheme's default, i.e. no port in the origin).
    Exact(Option<u16>),
    /// Any port, including the default (`https://example.com:*`).
    Any,
}

impl PortRule {
    pub(crate) fn accepts(self, port: Option<u16>) -> bool {
        match self {
            PortRule::Exact(expected) => expected == port,
            PortRule::Any => true,
        }
    }
}

/// One configured allowlist entry, parsed once when the policy is built.
///
/// Written as a string in [`Cors::strict`](crate::Cors::strict):
///
/// | entry | matches |
/// | --- | --- |
/// | `https://app.example.com` | exactly that origin, byte for byte |
/// | `https://*.example.com` | `https://a.example.com`, `https://a.b.example.com`; never `https://example.com`, never another scheme or port |
/// | `https://example.com:*` | `https://example.com` on any port, including the default |
/// | `https://*.example.com:*` | both of the above combined |
///
/// Regular expressions are configured separately, with
/// [`Cors::allow_origin_regex`](crate::Cors::allow_origin_regex), and always match the whole
/// origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OriginPattern {
    /// A canonical serialized origin.
    Exact(String),
    /// Any origin `scheme://<one or more labels>.suffix[:port]`.
    Subdomains {
        scheme: String,
        suffix: String,
        port: PortRule,
    },
    /// `scheme://host` on any port.
    AnyPort { scheme: String, host: String },
}

impl OriginPattern {
    /// Parses one configured entry, reporting what is wrong with it and how to write it.
    pub(crate) fn parse(input: &str) -> Result<Self, ConfigProblem> {
        let problem = |problem| ConfigProblem::Origin {
            input: input.to_owned(),
            problem,
        };
        if input.is_empty() {
            return Err(problem(OriginProblem::Empty));
        }
        if input == "*" {
            return Err(ConfigProblem::WildcardOrigin);
        }
        if input.eq_ignore_ascii_case("null") {
            return Err(ConfigProblem::NullOrigin);
        }
        let (base, any_port) = match input.strip_suffix(":*") {
            Some(base) => (base, true),
            None => (input, false),
        };
        // Pages of these schemes have opaque origins: browsers send `null` for them.
        if ["file", "data", "blob", "about", "javascript"]
            .iter()
            .any(|scheme| input.split_once(':').is_some_and(|(s, _)| s == *scheme))
        {
            return Err(problem(OriginProblem::OpaqueScheme));
        }
        let Some(scheme_len) = base.find("://") else {
            return Err(problem(OriginProblem::NotAnOrigin {
                canonical: canonical_spelling(input),
            }));
        };
        let after_scheme = &base[scheme_len + 3..];
        let (subdomains, rest) = match after_scheme.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, after_scheme),
        };
        if rest.contains('*') {
            return Err(problem(OriginProblem::MisplacedWildcard));
        }
        // Validate what remains as an ordinary origin, so the same canonical-form rules
        // (and hints) apply to the suffix of a wildcard pattern.
        let plain = format!("{}://{}", &base[..scheme_len], rest);
        let origin = canonical_origin(&plain).map_err(problem)?;
        if any_port && origin.port().is_some() {
            return Err(problem(OriginProblem::MisplacedWildcard));
        }
        let scheme = origin.scheme().to_owned();
        let host = origin.host().to_owned();
        Ok(match (subdomains, any_port) {
            (false, false) => OriginPattern::Exact(plain),
            (false, true) => OriginPattern::AnyPort { scheme, host },
            (true, _) => {
                if host.starts_with('[') || is_ipv4(&host) {
                    return Err(problem(OriginProblem::WildcardOverAddress));
                }
                let port = if any_port {
                    PortRule::Any
                } else {
                    PortRule::Exact(origin.port())
                };
                OriginPattern::Subdomains {
                    scheme,
                    suffix: host,
                    port,
                }
            }
        })
    }

    /// The scheme and host the pattern is about, for the strict-mode safety checks.
    pub(crate) fn scheme_and_host(&self) -> (&str, &str) {
        match self {
            OriginPattern::Exact(serialized) => {
                let origin = Origin::parse(serialized).expect("exact patterns are canonical");
                (origin.scheme(), origin.host())
            }
            OriginPattern::Subdomains { scheme, suffix, .. } => (scheme, suffix),
            OriginPattern::AnyPort { scheme, host } => (scheme, host),
        }
    }
}

/// Parses `input` as an origin in canonical form, or explains why it is not one.
fn canonical_origin(input: &str) -> Result<Origin<'_>, OriginProblem> {
    let canonical = canonical_spelling(input);
    let Some(origin) = Origin::parse(input) else {
        return Err(diagnose(input, canonical));
    };
    // For the schemes browsers actually put in `Origin`, the URL standard's own
    // serialization is the reference; our byte-level parser must agree with it.
    if matches!(origin.scheme(), "http" | "https") && canonical.as_deref() != Some(input) {
        return Err(diagnose(input, canonical));
    }
    Ok(origin)
}

/// The URL standard's serialization of the origin of `input`, when it has a tuple origin.
fn canonical_spelling(input: &str) -> Option<String> {
    let url = url::Url::parse(input).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Names the first thing that keeps `input` from being a canonical serialized origin.
fn diagnose(input: &str, canonical: Option<String>) -> OriginProblem {
    let after_scheme = input.find("://").map(|i| &input[i + 3..]).unwrap_or(input);
    let authority_end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let authority = &after_scheme[..authority_end];
    let tail = &after_scheme[authority_end..];
    if authority.contains('@') {
        OriginProblem::Userinfo { canonical }
    } else if tail == "/" {
        OriginProblem::TrailingSlash { canonical }
    } else if !tail.is_empty() {
        OriginProblem::PathQueryOrFragment { canonical }
    } else if !input.is_ascii() {
        OriginProblem::NotPunycode { canonical }
    } else if authority.ends_with('.') {
        OriginProblem::TrailingDot
    } else if input.bytes().any(|b| b.is_ascii_uppercase()) {
        OriginProblem::Uppercase { canonical }
    } else if bracketed_host(authority).is_some()
        && bracketed_host(authority)
            != canonical
                .as_deref()
                .and_then(canonical_authority)
                .and_then(bracketed_host)
    {
        OriginProblem::NonCanonicalIpv6 { canonical }
    } else if let (Some(canonical), Some(_)) = (&canonical, authority.rfind(':')) {
        // Parsed by the URL standard, and the only remaining difference is the port.
        if canonical.len() < input.len() && input.starts_with(canonical.as_str()) {
            OriginProblem::DefaultPort {
                canonical: Some(canonical.clone()),
            }
        } else {
            OriginProblem::NotAnOrigin {
                canonical: Some(canonical.clone()),
            }
        }
    } else {
        OriginProblem::NotAnOrigin { canonical }
    }
}

/// The authority of a serialized origin: what follows `://`.
fn canonical_authority(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, authority)| authority)
}

/// The bracketed IPv6 host at the start of an authority, brackets included.
fn bracketed_host(authority: &str) -> Option<&str> {
    if !authority.starts_with('[') {
        return None;
    }
    authority.find(']').map(|close| &authority[..=close])
}

/// The strict-mode safety opt-outs, each named for its risk.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OriginSafety {
    pub(crate) allow_null: bool,
    pub(crate) allow_insecure_http: bool,
}

/// Parses allowlist entries under the strict-mode safety rules, collecting every problem.
pub(crate) fn parse_origin_entries<I, S>(
    entries: I,
    safety: OriginSafety,
    problems: &mut Vec<ConfigProblem>,
) -> Vec<OriginPattern>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut patterns = Vec::new();
    for entry in entries {
        let input = entry.as_ref();
        if input == "null" && safety.allow_null {
            continue; // handled by the matcher's own flag
        }
        let pattern = match OriginPattern::parse(input) {
            Ok(pattern) => pattern,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let (scheme, host) = pattern.scheme_and_host();
        let loopback = is_loopback_host(host);
        if scheme == "http" && !loopback && !safety.allow_insecure_http {
            problems.push(ConfigProblem::InsecureOrigin {
                input: input.to_owned(),
            });
            continue;
        }
        if let OriginPattern::Subdomains { suffix, .. } = &pattern {
            match open_domain(suffix) {
                None => {}
                Some(OpenDomain::PublicSuffix { suffix, .. }) => {
                    problems.push(ConfigProblem::PublicSuffixWildcard {
                        input: input.to_owned(),
                        suffix,
                    });
                    continue;
                }
                Some(OpenDomain::HasPublicSuffixesBeneath { domain }) => {
                    problems.push(ConfigProblem::PublicSuffixesBeneath {
                        input: input.to_owned(),
                        domain,
                    });
                    continue;
                }
            }
        }
        patterns.push(pattern);
    }
    patterns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_parse_to_their_kind() {
        assert_eq!(
            OriginPattern::parse("https://*.example.com").unwrap(),
            OriginPattern::Subdomains {
                scheme: "https".into(),
                suffix: "example.com".into(),
                port: PortRule::Exact(None),
            }
        );
        assert_eq!(
            OriginPattern::parse("http://example.com:*").unwrap(),
            OriginPattern::AnyPort {
                scheme: "http".into(),
                host: "example.com".into(),
            }
        );
        assert_eq!(
            OriginPattern::parse("https://*.example.com:8443").unwrap(),
            OriginPattern::Subdomains {
                scheme: "https".into(),
                suffix: "example.com".into(),
                port: PortRule::Exact(Some(8443)),
            }
        );
    }

    #[test]
    fn non_canonical_entries_get_the_canonical_spelling_as_hint() {
        let cases = [
            (
                "https://app.example.com/",
                "trailing slash",
                "https://app.example.com",
            ),
            (
                "https://App.Example.com",
                "uppercase",
                "https://app.example.com",
            ),
            (
                "https://app.example.com:443",
                "default port",
                "https://app.example.com",
            ),
            (
                "https://app.example.com/path",
                "path",
                "https://app.example.com",
            ),
            (
                "https://bücher.example",
                "punycode",
                "https://xn--bcher-kva.example",
            ),
            (
                "https://u:p@app.example.com",
                "userinfo",
                "https://app.example.com",
            ),
        ];
        for (input, words, canonical) in cases {
            let text = OriginPattern::parse(input).unwrap_err().to_string();
            assert!(text.contains(words), "{input}: {text}");
            assert!(text.contains(canonical), "{input}: {text}");
            assert!(text.contains(input), "{input}: {text}");
        }
    }

    #[test]
    fn misplaced_wildcards_are_refused() {
        for input in [
            "https://*example.com",
            "https://a.*.example.com",
            "https://*.*.example.com",
            "*://example.com",
            "https://*.127.0.0.1",
            "https://example.com:8080:*",
        ] {
            assert!(OriginPattern::parse(input).is_err(), "{input}");
        }
    }
}
