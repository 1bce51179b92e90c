//! [`OriginMatcher`]: every way a strict policy can allow an origin, compiled once.
//!
//! Matching order, cheapest first: exact origins (one hash lookup, whatever the list size),
//! `any port` hosts and subdomain wildcards (one hash lookup per label of the request's
//! host, whatever the number of patterns), the regex set (one pass over the origin, all
//! regexes at once), then the predicates in the order they were added.

use std::{
    collections::{HashMap, HashSet},
    fmt,
    sync::Arc,
};

use actix_web::dev::RequestHead;
use regex::RegexSet;

use crate::{
    origin::{Origin, OriginPattern, PortRule, MAX_ORIGIN_LEN},
    shared::SharedOrigins,
};

/// A synchronous origin predicate, as given to
/// [`Cors::allow_origin_fn`](crate::Cors::allow_origin_fn).
pub(crate) type OriginPredicate = Arc<dyn Fn(&Origin<'_>, &RequestHead) -> bool + Send + Sync>;

/// Compiled origin rules of a strict policy.
#[derive(Default, Clone)]
pub(crate) struct OriginMatcher {
    exact: HashSet<Box<str>>,
    /// Keyed by host: the schemes under which any port is accepted.
    any_port: HashMap<Box<str>, Vec<Box<str>>>,
    /// Keyed by the suffix under the wildcard: scheme and port rules.
    subdomains: HashMap<Box<str>, Vec<(Box<str>, PortRule)>>,
    regexes: Option<RegexSet>,
    predicates: Vec<OriginPredicate>,
    shared: Vec<SharedOrigins>,
    allow_null: bool,
}

impl OriginMatcher {
    pub(crate) fn add_pattern(&mut self, pattern: OriginPattern) {
        match pattern {
            OriginPattern::Exact(origin) => {
                self.exact.insert(origin.into_boxed_str());
            }
            OriginPattern::AnyPort { scheme, host } => self
                .any_port
                .entry(host.into_boxed_str())
                .or_default()
                .push(scheme.into_boxed_str()),
            OriginPattern::Subdomains {
                scheme,
                suffix,
                port,
            } => self
                .subdomains
                .entry(suffix.into_boxed_str())
                .or_default()
                .push((scheme.into_boxed_str(), port)),
        }
    }

    pub(crate) fn set_regexes(&mut self, regexes: RegexSet) {
        self.regexes = (!regexes.is_empty()).then_some(regexes);
    }

    pub(crate) fn add_predicate(&mut self, predicate: OriginPredicate) {
        self.predicates.push(predicate);
    }

    pub(crate) fn add_shared(&mut self, shared: SharedOrigins) {
        self.shared.push(shared);
    }

    pub(crate) fn allow_null(&mut self) {
        self.allow_null = true;
    }

    /// Whether nothing at all can match.
    pub(crate) fn is_empty(&self) -> bool {
        self.exact.is_empty()
            && self.any_port.is_empty()
            && self.subdomains.is_empty()
            && self.regexes.is_none()
            && self.predicates.is_empty()
            && self.shared.is_empty()
            && !self.allow_null
    }

    /// Whether the `Origin` value `origin` (as received, not normalised) is allowed.
    ///
    /// Cost: bounded by [`MAX_ORIGIN_LEN`]; no allocation unless a predicate allocates.
    pub(crate) fn matches(&self, origin: &str, head: &RequestHead) -> bool {
        if origin.len() > MAX_ORIGIN_LEN {
            return false;
        }
        if self.exact.contains(origin) {
            return true;
        }
        if origin == "null" {
            return self.allow_null;
        }
        if self.any_port.is_empty()
            && self.subdomains.is_empty()
            && self.regexes.is_none()
            && self.predicates.is_empty()
            && self.shared.is_empty()
        {
            return false;
        }
        let Some(parsed) = Origin::parse(origin) else {
            return false;
        };
        self.matches_any_port(&parsed)
            || self.matches_subdomain(&parsed)
            || self
                .regexes
                .as_ref()
                .is_some_and(|set| set.is_match(origin))
            || self.shared.iter().any(|shared| shared.matches(&parsed))
            || self.predicates.iter().any(|allow| allow(&parsed, head))
    }

    /// Like [`matches`](Self::matches), without predicates: for callers that have no request.
    pub(crate) fn matches_static(&self, origin: &Origin<'_>) -> bool {
        self.exact.contains(origin.as_str())
            || self.matches_any_port(origin)
            || self.matches_subdomain(origin)
            || self
                .regexes
                .as_ref()
                .is_some_and(|set| set.is_match(origin.as_str()))
    }

    fn matches_any_port(&self, origin: &Origin<'_>) -> bool {
        self.any_port
            .get(origin.host())
            .is_some_and(|schemes| schemes.iter().any(|s| &**s == origin.scheme()))
    }

    /// Tries every proper suffix of the host that starts after a dot: one lookup per label.
    fn matches_subdomain(&self, origin: &Origin<'_>) -> bool {
        if self.subdomains.is_empty() {
            return false;
        }
        let host = origin.host();
        host.match_indices('.').any(|(dot, _)| {
            self.subdomains.get(&host[dot + 1..]).is_some_and(|rules| {
                rules.iter().any(|(scheme, port)| {
                    &**scheme == origin.scheme() && port.accepts(origin.port())
                })
            })
        })
    }
}

impl fmt::Debug for OriginMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginMatcher")
            .field("exact", &self.exact.len())
            .field("any_port", &self.any_port.len())
            .field("subdomains", &self.subdomains.len())
            .field("regexes", &self.regexes.as_ref().map_or(0, RegexSet::len))
            .field("predicates", &self.predicates.len())
            .field("shared", &self.shared.len())
            .field("allow_null", &self.allow_null)
            .finish()
    }
}

/// Anchors a user's regex so it must match the whole origin.
pub(crate) fn anchored(regex: &str) -> String {
    format!("^(?:{regex})$")
}

/// Public suffixes under which anyone can register a name, beyond single-label TLDs.
///
/// Not the whole Public Suffix List (that would be a dependency and a moving target): the
/// suffixes most often seen in CORS configurations. Every single-label suffix (`com`, `io`,
/// `dev`, ...) is refused regardless.
const PUBLIC_SUFFIXES: &[&str] = &[
    "ac.uk",
    "co.uk",
    "gov.uk",
    "ltd.uk",
    "me.uk",
    "net.uk",
    "org.uk",
    "plc.uk",
    "sch.uk",
    "co.jp",
    "ne.jp",
    "or.jp",
    "com.au",
    "net.au",
    "org.au",
    "co.nz",
    "org.nz",
    "co.za",
    "com.br",
    "com.cn",
    "com.mx",
    "com.tr",
    "co.in",
    "co.kr",
    "com.sg",
    "com.hk",
    "com.tw",
    "github.io",
    "gitlab.io",
    "herokuapp.com",
    "netlify.app",
    "vercel.app",
    "pages.dev",
    "workers.dev",
    "web.app",
    "firebaseapp.com",
    "appspot.com",
    "azurewebsites.net",
    "cloudfront.net",
    "amazonaws.com",
    "s3.amazonaws.com",
    "blogspot.com",
    "fly.dev",
    "onrender.com",
    "glitch.me",
    "ngrok.io",
    "ngrok-free.app",
    "repl.co",
    "surge.sh",
];

/// The public suffix a wildcard over `suffix` would cover, if it is one.
pub(crate) fn public_suffix(suffix: &str) -> Option<&str> {
    let single_label = !suffix.contains('.');
    (single_label || PUBLIC_SUFFIXES.contains(&suffix)).then_some(suffix)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn matcher(entries: &[&str]) -> OriginMatcher {
        let mut matcher = OriginMatcher::default();
        for entry in entries {
            matcher.add_pattern(OriginPattern::parse(entry).unwrap());
        }
        matcher
    }

    #[test]
    fn subdomain_wildcard_respects_label_boundary_scheme_and_port() {
        let m = matcher(&["https://*.example.com"]);
        let head = TestRequest::default().to_srv_request();
        let head = head.head();
        for (origin, expected) in [
            ("https://a.example.com", true),
            ("https://a.b.example.com", true),
            ("https://example.com", false),
            ("https://evilexample.com", false),
            ("https://a.example.com.evil.net", false),
            ("http://a.example.com", false),
            ("https://a.example.com:8443", false),
            ("https://.example.com", false),
        ] {
            assert_eq!(m.matches(origin, head), expected, "{origin}");
        }
    }

    #[test]
    fn public_suffixes_are_recognised() {
        assert_eq!(public_suffix("com"), Some("com"));
        assert_eq!(public_suffix("co.uk"), Some("co.uk"));
        assert_eq!(public_suffix("github.io"), Some("github.io"));
        assert_eq!(public_suffix("example.com"), None);
    }
}
