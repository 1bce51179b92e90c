//! [`OriginTable`]: exact origins and wildcard patterns, compiled for lookups.
//!
//! Exact origins cost one lookup, whatever the list size; `any port` hosts and subdomain
//! wildcards one lookup per label of the request's host, whatever the number of patterns.
//! Tables of up to [`FEW`] entries are compared rather than hashed: a few short comparisons
//! cost less than one hash.

use std::{
    borrow::Borrow,
    collections::HashMap,
    fmt,
    hash::{BuildHasher, Hash, Hasher, RandomState},
};

use actix_web::http::header::HeaderValue;

use crate::{
    origin::Origin,
    pattern::{OriginPattern, PortRule},
};

/// The hasher for tables built from the application's own configuration: rustc's FxHash, a
/// multiply per word.
///
/// Not keyed, and that is safe for the application's own configuration: the set is built
/// once and never grows, so a request can choose which bucket it probes but cannot lengthen
/// any probe sequence; the worst lookup is bounded by the table the configuration built.
/// Tables whose entries users can choose ([`SharedOrigins`](crate::SharedOrigins)) use [`UntrustedHasher`].
pub(crate) type ConfiguredHasher = rustc_hash::FxBuildHasher;

/// The hasher for tables whose entries users may choose (a [`SharedOrigins`](crate::SharedOrigins) list filled as
/// tenants sign up): std's keyed SipHash, so nobody can register origins chosen to collide.
pub(crate) type UntrustedHasher = RandomState;

/// What a subdomain wildcard requires besides the host suffix.
type SchemeAndPort = (Box<str>, PortRule);

/// An exact origin, held as the header value that reflects it: an allowed request's
/// `Access-Control-Allow-Origin` is a copy of this (equal, byte for byte, to the request's
/// `Origin`), not a second reference to the request's own buffer. Found by its bytes.
#[derive(Clone)]
struct ExactOrigin(HeaderValue);

impl PartialEq for ExactOrigin {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes() == other.0.as_bytes()
    }
}

impl Eq for ExactOrigin {}

/// As the bytes hash, so that a lookup by `&[u8]` finds it.
impl Hash for ExactOrigin {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_bytes().hash(state);
    }
}

impl Borrow<[u8]> for ExactOrigin {
    fn borrow(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// `text` as a reference-counted header value whose clones never allocate.
///
/// For values that are not `'static`: the exact entries of a
/// [`SharedOrigins`](crate::SharedOrigins) list, which is replaced at run time, those of very
/// long configured lists, and what the interner no longer takes (see `compile::interned`).
pub(crate) fn counted_value(text: String) -> HeaderValue {
    let value = HeaderValue::try_from(text)
        .expect("origins, joined tokens and decimal digits are visible ASCII");
    // A value made from a `String` allocates its shared count at its first clone; take that
    // clone now, so that no request does.
    drop(value.clone());
    value
}

/// Compiled exact origins and `*.` / `:*` patterns, over the hasher `S`.
#[derive(Clone)]
pub(crate) struct OriginTable<S = ConfiguredHasher> {
    exact: SmallMap<ExactOrigin, (), S>,
    /// Keyed by host: the schemes under which any port is accepted.
    any_port: SmallMap<Box<str>, Vec<Box<str>>, S>,
    /// Keyed by the suffix under the wildcard: scheme and port rules.
    subdomains: SmallMap<Box<str>, Vec<SchemeAndPort>, S>,
}

impl<S> Default for OriginTable<S> {
    fn default() -> Self {
        OriginTable {
            exact: SmallMap::default(),
            any_port: SmallMap::default(),
            subdomains: SmallMap::default(),
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
    /// The stored key equal to `key`, and its value.
    fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        match self {
            SmallMap::Few(list) => list
                .iter()
                .find(|(k, _)| k.borrow() == key)
                .map(|(k, v)| (k, v)),
            SmallMap::Hashed(map) => map.get_key_value(key),
        }
    }

    fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.get_key_value(key).map(|(_, v)| v)
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

impl<S: BuildHasher + Default> OriginTable<S> {
    /// Adds `pattern`; an exact origin is stored as `reflected(origin)`, the value that
    /// reflects it ([`counted_value`], or a `'static` one).
    pub(crate) fn add(&mut self, pattern: OriginPattern, reflected: fn(String) -> HeaderValue) {
        match pattern {
            OriginPattern::Exact(origin) => {
                self.exact.entry(ExactOrigin(reflected(origin)));
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
}

impl<S: BuildHasher> OriginTable<S> {
    /// The value reflecting `origin` (the bytes of an `Origin` value), if it is on the exact
    /// list.
    pub(crate) fn exact_value(&self, origin: &[u8]) -> Option<&HeaderValue> {
        self.exact.get_key_value(origin).map(|(exact, ())| &exact.0)
    }

    /// Whether `origin` (the bytes of an `Origin` value) is on the exact list.
    pub(crate) fn contains_exact(&self, origin: &[u8]) -> bool {
        self.exact_value(origin).is_some()
    }

    /// Whether the exact list or a pattern matches `origin`.
    pub(crate) fn matches(&self, origin: &Origin<'_>) -> bool {
        self.contains_exact(origin.as_str().as_bytes()) || self.matches_patterns(origin)
    }

    /// Whether a `*.` or `:*` pattern matches `origin`.
    pub(crate) fn matches_patterns(&self, origin: &Origin<'_>) -> bool {
        self.has_patterns() && (self.matches_any_port(origin) || self.matches_subdomain(origin))
    }

    pub(crate) fn has_exact(&self) -> bool {
        !self.exact.is_empty()
    }

    pub(crate) fn has_patterns(&self) -> bool {
        !self.any_port.is_empty() || !self.subdomains.is_empty()
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
        // A plain loop: hosts are short, and a string searcher costs more to set up than
        // the scan.
        host.bytes().enumerate().any(|(at, b)| {
            b == b'.'
                && self.subdomains.get(&host[at + 1..]).is_some_and(|rules| {
                    rules.iter().any(|(scheme, port)| {
                        &**scheme == origin.scheme() && port.accepts(origin.port())
                    })
                })
        })
    }
}

impl<S: BuildHasher> fmt::Debug for OriginTable<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginTable")
            .field("exact", &self.exact.len())
            .field("any_port", &self.any_port.len())
            .field("subdomains", &self.subdomains.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(entries: &[&str]) -> OriginTable {
        let mut table = OriginTable::default();
        for entry in entries {
            table.add(OriginPattern::parse(entry).unwrap(), counted_value);
        }
        table
    }

    fn matches(table: &OriginTable, origin: &str) -> bool {
        Origin::parse(origin).is_some_and(|origin| table.matches(&origin))
    }

    #[test]
    fn subdomain_wildcard_respects_label_boundary_scheme_and_port() {
        let t = table(&["https://*.example.com"]);
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
            assert_eq!(matches(&t, origin), expected, "{origin}");
        }
    }

    #[test]
    fn exact_lists_answer_the_same_compared_or_hashed() {
        for size in [1, FEW, FEW + 1, 1000] {
            let origins: Vec<String> = (0..size)
                .map(|i| format!("https://o{i}.example.com"))
                .collect();
            let entries: Vec<&str> = origins.iter().map(String::as_str).collect();
            let t = table(&entries);
            for origin in &origins {
                assert!(matches(&t, origin), "{size}: {origin}");
            }
            assert!(!matches(&t, "https://o-1.example.com"), "{size}");
            assert!(!matches(&t, "https://o0.example.co"), "{size}");
        }
    }

    /// An exact origin is reflected with the table's own value, which must be the request's
    /// `Origin` byte for byte, whether compared or hashed, counted or `'static`.
    #[test]
    fn exact_values_are_the_origin_they_were_found_by() {
        fn leaked(text: String) -> HeaderValue {
            HeaderValue::from_static(Box::leak(text.into_boxed_str()))
        }
        for reflected in [counted_value as fn(String) -> HeaderValue, leaked] {
            for size in [1, FEW + 1] {
                let mut t = OriginTable::<ConfiguredHasher>::default();
                let origins: Vec<String> = (0..size)
                    .map(|i| format!("https://o{i}.example.com"))
                    .collect();
                for origin in &origins {
                    t.add(OriginPattern::parse(origin).unwrap(), reflected);
                }
                for origin in &origins {
                    let value = t.exact_value(origin.as_bytes()).expect("listed");
                    assert_eq!(value.as_bytes(), origin.as_bytes());
                }
                assert!(t.exact_value(b"https://o0.example.com.").is_none());
                assert!(t.exact_value(b"HTTPS://o0.example.com").is_none());
            }
        }
    }
}
