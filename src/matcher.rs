//! [`OriginMatcher`]: every way a strict policy can allow an origin, compiled once.
//!
//! Matching order, cheapest first: exact origins (one hash lookup, whatever the list size),
//! `any port` hosts and subdomain wildcards (one lookup per label of the request's host,
//! whatever the number of patterns), the regexes (one pass over the origin, all regexes at
//! once), then the predicates in the order they were added. Tables of up to [`FEW`] entries
//! are compared rather than hashed: a few short comparisons cost less than one hash.

use std::{
    borrow::Borrow,
    collections::HashMap,
    fmt,
    hash::{BuildHasher, Hash, RandomState},
    sync::Arc,
};

use actix_web::dev::RequestHead;
use regex::Regex;

use crate::{
    origin::{Origin, OriginPattern, PortRule, MAX_ORIGIN_LEN},
    shared::SharedOrigins,
};

/// A synchronous origin predicate, as given to
/// [`Cors::allow_origin_fn`](crate::Cors::allow_origin_fn).
pub(crate) type OriginPredicate = Arc<dyn Fn(&Origin<'_>, &RequestHead) -> bool + Send + Sync>;

/// The hasher for tables built from the application's own configuration: rustc's FxHash, a
/// multiply per word.
///
/// Not keyed, and that is safe for the application's own configuration: the set is built
/// once and never grows, so a request can choose which bucket it probes but cannot lengthen
/// any probe sequence; the worst lookup is bounded by the table the configuration built.
/// Tables whose entries users can choose ([`SharedOrigins`]) use [`UntrustedHasher`].
pub(crate) type ConfiguredHasher = rustc_hash::FxBuildHasher;

/// The hasher for tables whose entries users may choose (a [`SharedOrigins`] list filled as
/// tenants sign up): std's keyed SipHash, so nobody can register origins chosen to collide.
pub(crate) type UntrustedHasher = RandomState;

/// What a subdomain wildcard requires besides the host suffix.
type SchemeAndPort = (Box<str>, PortRule);

/// Compiled origin rules of a strict policy.
#[derive(Clone)]
pub(crate) struct OriginMatcher<S = ConfiguredHasher> {
    exact: SmallMap<Box<[u8]>, (), S>,
    /// Keyed by host: the schemes under which any port is accepted.
    any_port: SmallMap<Box<str>, Vec<Box<str>>, S>,
    /// Keyed by the suffix under the wildcard: scheme and port rules.
    subdomains: SmallMap<Box<str>, Vec<SchemeAndPort>, S>,
    /// All regexes, anchored, as one alternation.
    regex: Option<Regex>,
    predicates: Vec<OriginPredicate>,
    shared: Vec<SharedOrigins>,
    allow_null: bool,
}

impl<S> Default for OriginMatcher<S> {
    fn default() -> Self {
        OriginMatcher {
            exact: SmallMap::default(),
            any_port: SmallMap::default(),
            subdomains: SmallMap::default(),
            regex: None,
            predicates: Vec::new(),
            shared: Vec::new(),
            allow_null: false,
        }
    }
}

/// Up to this many entries, a table is a list compared in order rather than hashed.
const FEW: usize = 8;

/// A map that is a short list until it outgrows [`FEW`] entries, then a hash map.
#[derive(Clone)]
enum SmallMap<K, V, S> {
    Few(Vec<(K, V)>),
    Hashed(HashMap<K, V, S>),
}

impl<K, V, S> Default for SmallMap<K, V, S> {
    fn default() -> Self {
        SmallMap::Few(Vec::new())
    }
}

impl<K: Eq + Hash, V: Default, S: BuildHasher + Default> SmallMap<K, V, S> {
    /// The value for `key`, inserted as `V::default()` if absent.
    fn entry(&mut self, key: K) -> &mut V {
        if let SmallMap::Few(list) = self {
            if list.len() >= FEW && !list.iter().any(|(k, _)| *k == key) {
                let map = list.drain(..).collect();
                *self = SmallMap::Hashed(map);
            }
        }
        match self {
            SmallMap::Few(list) => {
                let index = match list.iter().position(|(k, _)| *k == key) {
                    Some(index) => index,
                    None => {
                        list.push((key, V::default()));
                        list.len() - 1
                    }
                };
                &mut list[index].1
            }
            SmallMap::Hashed(map) => map.entry(key).or_default(),
        }
    }
}

impl<K: Eq + Hash, V, S: BuildHasher> SmallMap<K, V, S> {
    fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        match self {
            SmallMap::Few(list) => list.iter().find(|(k, _)| k.borrow() == key).map(|(_, v)| v),
            SmallMap::Hashed(map) => map.get(key),
        }
    }

    fn len(&self) -> usize {
        match self {
            SmallMap::Few(list) => list.len(),
            SmallMap::Hashed(map) => map.len(),
        }
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<S: BuildHasher + Default> OriginMatcher<S> {
    pub(crate) fn add_pattern(&mut self, pattern: OriginPattern) {
        match pattern {
            OriginPattern::Exact(origin) => {
                self.exact.entry(origin.into_bytes().into_boxed_slice());
            }
            OriginPattern::AnyPort { scheme, host } => self
                .any_port
                .entry(host.into_boxed_str())
                .push(scheme.into_boxed_str()),
            OriginPattern::Subdomains {
                scheme,
                suffix,
                port,
            } => self
                .subdomains
                .entry(suffix.into_boxed_str())
                .push((scheme.into_boxed_str(), port)),
        }
    }

    /// Sets the regexes, already anchored, compiled as one alternation.
    pub(crate) fn set_regex(&mut self, regex: Option<Regex>) {
        self.regex = regex;
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
        self.exact.is_empty() && !self.allow_null && !self.has_rules_beyond_exact()
    }

    /// Whether anything but the exact list (and `null`) can match, i.e. whether parsing the
    /// origin can pay off.
    fn has_rules_beyond_exact(&self) -> bool {
        !self.any_port.is_empty()
            || !self.subdomains.is_empty()
            || self.regex.is_some()
            || !self.predicates.is_empty()
            || !self.shared.is_empty()
    }

    /// Whether the `Origin` value `origin` (as received, not normalised) is allowed.
    ///
    /// Cost: bounded by [`MAX_ORIGIN_LEN`]; no allocation unless a predicate allocates.
    pub(crate) fn matches(&self, origin: &str, head: &RequestHead) -> bool {
        if origin.len() > MAX_ORIGIN_LEN {
            return false;
        }
        if self.contains_exact(origin.as_bytes()) {
            return true;
        }
        if origin == "null" {
            return self.allow_null;
        }
        if !self.has_rules_beyond_exact() {
            return false;
        }
        let Some(parsed) = Origin::parse(origin) else {
            return false;
        };
        self.matches_patterns(&parsed)
            || self.shared.iter().any(|shared| shared.matches(&parsed))
            || self.predicates.iter().any(|allow| allow(&parsed, head))
    }

    /// Whether `origin` is on the exact list.
    pub(crate) fn contains_exact(&self, origin: &[u8]) -> bool {
        self.exact.get(origin).is_some()
    }

    /// The exact list, the wildcards and the regexes, without predicates: for callers that
    /// have no request.
    pub(crate) fn matches_static(&self, origin: &Origin<'_>) -> bool {
        self.contains_exact(origin.as_str().as_bytes()) || self.matches_patterns(origin)
    }

    fn matches_patterns(&self, origin: &Origin<'_>) -> bool {
        self.matches_any_port(origin)
            || self.matches_subdomain(origin)
            || self
                .regex
                .as_ref()
                .is_some_and(|regex| regex.is_match(origin.as_str()))
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

impl<S> fmt::Debug for OriginMatcher<S>
where
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginMatcher")
            .field("exact", &self.exact.len())
            .field("any_port", &self.any_port.len())
            .field("subdomains", &self.subdomains.len())
            .field("regex", &self.regex.as_ref().map(Regex::as_str))
            .field("predicates", &self.predicates.len())
            .field("shared", &self.shared.len())
            .field("allow_null", &self.allow_null)
            .finish()
    }
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
    fn exact_lists_answer_the_same_compared_or_hashed() {
        let head = TestRequest::default().to_srv_request();
        for size in [1, FEW, FEW + 1, 1000] {
            let origins: Vec<String> = (0..size)
                .map(|i| format!("https://o{i}.example.com"))
                .collect();
            let entries: Vec<&str> = origins.iter().map(String::as_str).collect();
            let m = matcher(&entries);
            for origin in &origins {
                assert!(m.matches(origin, head.head()), "{size}: {origin}");
            }
            assert!(!m.matches("https://o-1.example.com", head.head()), "{size}");
            assert!(!m.matches("https://o0.example.co", head.head()), "{size}");
        }
    }
}
