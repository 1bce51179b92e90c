//! [`OriginTable`]: exact origins and wildcard patterns, compiled for lookups.
//!
//! Exact origins cost one lookup, whatever the list size; `any port` hosts and subdomain
//! wildcards one lookup per label of the request's host, whatever the number of patterns.
//! Tables of up to [`FEW`] entries are compared rather than hashed: a few short comparisons
//! cost less than one hash.
//!
//! Patterns are matched on the `Origin` value's bytes, not on a parsed [`Origin`]: what a
//! pattern names (scheme, host, suffix) was parsed as canonical when the policy was built, so
//! only what it leaves open (the labels under a wildcard, the port) is checked, as
//! [`Origin::parse`] checks it. A pattern therefore never accepts a value the parser
//! refuses, and costs no parse. While every pattern is a wildcard of a fixed port, the value
//! is not even cut at its delimiters: it is compared with what the wildcards of one scheme
//! and port fix around the host (`https://`, `:8443`), and the host between is looked up
//! label by label.

use std::{
    borrow::Borrow,
    collections::HashMap,
    fmt,
    hash::{BuildHasher, Hash, Hasher, RandomState},
};

use actix_web::http::header::HeaderValue;

use crate::{
    origin::{
        is_label_byte, origin_port, prefix_word, Origin, MAX_HOST_LEN, MAX_LABEL_LEN,
        MAX_ORIGIN_LEN,
    },
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

/// Configured text (a scheme, a host, a suffix), held as the bytes requests are compared with.
type Text = Box<[u8]>;

/// What a subdomain wildcard requires besides the host suffix.
type SchemeAndPort = (Text, PortRule);

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
    any_port: SmallMap<Text, Vec<Text>, S>,
    /// Keyed by the suffix under the wildcard: scheme and port rules.
    subdomains: SmallMap<Text, Vec<SchemeAndPort>, S>,
    /// The subdomain wildcards of a fixed port (also in `subdomains`), grouped by scheme and
    /// port: matched this way while they are the only patterns.
    groups: Vec<FrameGroup<S>>,
    /// How many patterns are not in `groups`: the `:*` ones, with or without a wildcard.
    ungrouped: usize,
}

/// Fixed-port wildcards of one scheme and port: the bytes they fix around the host
/// (`https://`, and `:8443` or nothing), and their suffixes, looked up once per label of the
/// host between. No cutting of the value at its delimiters, and no parse.
#[derive(Clone)]
struct FrameGroup<S> {
    before: Text,
    /// `before` as a little-endian word and the mask of its bytes, when it fits in eight
    /// (`https://`, `http://`, `wss://`): compared in one step, not by `memcmp`.
    before_word: Option<(u64, u64)>,
    port: Text,
    suffixes: SmallMap<Text, (), S>,
}

impl<S: BuildHasher> FrameGroup<S> {
    /// Whether `origin` is `before`, labels, a dot and one of the suffixes, then `port`. The
    /// port came from a canonical origin; a value with another port, or one where none is
    /// fixed, keeps a `:` in what is read as the host, which no label accepts.
    fn matches(&self, origin: &[u8]) -> bool {
        let rest = match (self.before_word, origin.first_chunk::<8>()) {
            (Some((word, mask)), Some(head)) if u64::from_le_bytes(*head) & mask == word => {
                &origin[self.before.len()..]
            }
            (Some(_), Some(_)) => return false,
            _ => match origin.strip_prefix(&*self.before) {
                Some(rest) => rest,
                None => return false,
            },
        };
        // Most wildcards fix no port: nothing to compare.
        let host = match self.port.is_empty() {
            true => rest,
            false => match rest.strip_suffix(&*self.port) {
                Some(host) => host,
                None => return false,
            },
        };
        // The suffix set is asked directly rather than through `SmallMap::get`: a short list
        // compared inline and a hashed set's `contains_key` inlined here measured cheaper on
        // the wildcard rows than `get` (whose hashed lookup is out of line for the exact
        // lists' sake).
        under_a_suffix(host, |suffix| match &self.suffixes {
            SmallMap::Few(list) => list.iter().any(|(known, ())| {
                known.len() == suffix.len() && crate::decision::same_bytes(known, suffix)
            }),
            SmallMap::Hashed(map) => map.contains_key(suffix),
        })
    }
}

/// Whether `host` is one or more labels, as [`Origin::parse`] reads them, a dot, then a
/// suffix `accepts` (tried after each dot, left to right; the labels are checked on the way,
/// up to the first byte the parser would refuse). The suffix must be a configured one, hence
/// canonical, and so is the host's last label (no wildcard is built over an address).
fn under_a_suffix(host: &[u8], mut accepts: impl FnMut(&[u8]) -> bool) -> bool {
    if host.len() > MAX_HOST_LEN {
        return false;
    }
    // Index loops, as `crate::origin::Parts::canonical` reads labels: one table lookup a
    // byte.
    let len = host.len();
    let mut at = 0;
    loop {
        let label_start = at;
        while at < len && is_label_byte(host[at]) {
            at += 1;
        }
        let label = at - label_start;
        if label == 0 || label > MAX_LABEL_LEN || at == len || host[at] != b'.' {
            return false;
        }
        at += 1;
        if accepts(&host[at..]) {
            return true;
        }
    }
}

impl<S> Default for OriginTable<S> {
    fn default() -> Self {
        OriginTable {
            exact: SmallMap::default(),
            any_port: SmallMap::default(),
            subdomains: SmallMap::default(),
            groups: Vec::new(),
            ungrouped: 0,
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
    #[inline(always)]
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
            SmallMap::Hashed(map) => hashed_get_key_value(map, key),
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

/// [`SmallMap::get_key_value`] of a hashed map, out of line: the short lists' comparisons are
/// inlined into the request path, the hash lookup is not.
#[inline(never)]
fn hashed_get_key_value<'m, K, V, S, Q>(
    map: &'m HashMap<K, V, S>,
    key: &Q,
) -> Option<(&'m K, &'m V)>
where
    K: Eq + Hash + Borrow<Q>,
    S: BuildHasher,
    Q: Eq + Hash + ?Sized,
{
    map.get_key_value(key)
}

impl<S: BuildHasher + Default> OriginTable<S> {
    /// Adds `pattern`; an exact origin is stored as `reflected(origin)`, the value that
    /// reflects it ([`counted_value`], or a `'static` one).
    pub(crate) fn add(&mut self, pattern: OriginPattern, reflected: fn(String) -> HeaderValue) {
        match pattern {
            OriginPattern::Exact(origin) => {
                self.exact.entry(ExactOrigin(reflected(origin)));
            }
            OriginPattern::AnyPort { scheme, host } => {
                self.ungrouped += 1;
                self.any_port
                    .entry(host.into_bytes().into_boxed_slice())
                    .push(scheme.into_bytes().into_boxed_slice());
            }
            OriginPattern::Subdomains {
                scheme,
                suffix,
                port,
            } => {
                match port {
                    PortRule::Exact(port) => {
                        self.group(&scheme, port).entry(suffix.as_bytes().into());
                    }
                    PortRule::Any => self.ungrouped += 1,
                }
                self.subdomains
                    .entry(suffix.into_bytes().into_boxed_slice())
                    .push((scheme.into_bytes().into_boxed_slice(), port));
            }
        }
    }

    /// The suffixes of the fixed-port wildcards of `scheme` and `port`.
    fn group(&mut self, scheme: &str, port: Option<u16>) -> &mut SmallMap<Text, (), S> {
        let before: Text = format!("{scheme}://").into_bytes().into();
        let port: Text = port
            .map(|port| format!(":{port}"))
            .unwrap_or_default()
            .into_bytes()
            .into();
        let at = match self
            .groups
            .iter()
            .position(|g| g.before == before && g.port == port)
        {
            Some(at) => at,
            None => {
                let before_word = (1..=8)
                    .contains(&before.len())
                    .then(|| prefix_word(&before));
                self.groups.push(FrameGroup {
                    before,
                    before_word,
                    port,
                    suffixes: SmallMap::default(),
                });
                self.groups.len() - 1
            }
        };
        &mut self.groups[at].suffixes
    }
}

impl<S: BuildHasher> OriginTable<S> {
    /// The value reflecting `origin` (the bytes of an `Origin` value), if it is on the exact
    /// list.
    #[inline(always)]
    pub(crate) fn exact_value(&self, origin: &[u8]) -> Option<&HeaderValue> {
        self.exact.get_key_value(origin).map(|(exact, ())| &exact.0)
    }

    /// Whether `origin` (the bytes of an `Origin` value) is on the exact list.
    pub(crate) fn contains_exact(&self, origin: &[u8]) -> bool {
        self.exact_value(origin).is_some()
    }

    /// Whether the exact list or a pattern matches `origin`.
    pub(crate) fn matches(&self, origin: &Origin<'_>) -> bool {
        let bytes = origin.as_str().as_bytes();
        self.contains_exact(bytes) || self.matches_patterns(bytes)
    }

    /// Whether a `*.` or `:*` pattern matches `origin`, the bytes of an `Origin` value (not
    /// parsed): the answer [`Origin::parse`] and a match on the parsed origin would give.
    pub(crate) fn matches_patterns(&self, origin: &[u8]) -> bool {
        if !self.has_patterns() || origin.len() > MAX_ORIGIN_LEN {
            return false;
        }
        if self.ungrouped == 0 {
            return self.groups.iter().any(|group| group.matches(origin));
        }
        let Some(parts) = Parts::split(origin) else {
            return false;
        };
        self.matches_any_port(&parts) || self.matches_subdomain(&parts)
    }

    pub(crate) fn has_exact(&self) -> bool {
        !self.exact.is_empty()
    }

    pub(crate) fn has_patterns(&self) -> bool {
        !self.any_port.is_empty() || !self.subdomains.is_empty()
    }

    /// The host is a configured one, hence canonical; so is the scheme it is compared with.
    fn matches_any_port(&self, origin: &Parts<'_>) -> bool {
        self.any_port
            .get(origin.host)
            .is_some_and(|schemes| schemes.iter().any(|s| **s == *origin.scheme))
    }

    /// Tries every proper suffix of the host that starts after a dot: one lookup per label
    /// ([`under_a_suffix`]). Not asked while every pattern is a fixed-port wildcard: those
    /// are matched by their [`FrameGroup`]s.
    fn matches_subdomain(&self, origin: &Parts<'_>) -> bool {
        if self.subdomains.is_empty() {
            return false;
        }
        under_a_suffix(origin.host, |suffix| {
            self.subdomains.get(suffix).is_some_and(|rules| {
                rules
                    .iter()
                    .any(|(scheme, port)| **scheme == *origin.scheme && port.accepts(origin.port))
            })
        })
    }
}

/// An `Origin` value cut where a pattern looks, `scheme://host[:port]`. Only the port is
/// checked (as [`Origin::parse`] checks it: canonical, never the scheme's default); scheme
/// and host are checked by comparing them with configured, canonical ones.
struct Parts<'a> {
    scheme: &'a [u8],
    host: &'a [u8],
    port: Option<u16>,
}

impl<'a> Parts<'a> {
    fn split(origin: &'a [u8]) -> Option<Self> {
        // A scheme never holds a `:`; a scheme that is not canonical matches no pattern's.
        let colon = origin.iter().position(|&b| b == b':')?;
        let (scheme, rest) = origin.split_at(colon);
        let rest = rest.strip_prefix(b"://")?;
        let (host, digits) = if rest.first() == Some(&b'[') {
            let end = rest.iter().position(|&b| b == b']')? + 1;
            match &rest[end..] {
                [] => (rest, None),
                [b':', digits @ ..] => (&rest[..end], Some(digits)),
                _ => return None,
            }
        } else {
            // A port has at most five digits, so its `:` is among the last six bytes; a host
            // name holds none. (A `:` before those stays in the host, where no label and no
            // configured host or suffix accepts it.)
            let tail = rest.len().saturating_sub(6);
            match rest[tail..].iter().rposition(|&b| b == b':') {
                Some(at) => (&rest[..tail + at], Some(&rest[tail + at + 1..])),
                None => (rest, None),
            }
        };
        let port = match digits {
            None => None,
            Some(digits) => Some(origin_port(scheme, digits)?),
        };
        Some(Parts { scheme, host, port })
    }
}

impl<S: BuildHasher> fmt::Debug for OriginTable<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginTable")
            .field("exact", &self.exact.len())
            .field("any_port", &self.any_port.len())
            .field("subdomains", &self.subdomains.len())
            .field("groups", &self.groups.len())
            .field("ungrouped", &self.ungrouped)
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

    /// What the patterns should answer, read off the parsed origin with plain string tests.
    fn reference(patterns: &[OriginPattern], origin: &str) -> bool {
        let Some(origin) = Origin::parse(origin) else {
            return false;
        };
        patterns.iter().any(|pattern| match pattern {
            OriginPattern::Exact(_) => false,
            OriginPattern::AnyPort { scheme, host } => {
                origin.scheme() == scheme && origin.host() == host
            }
            OriginPattern::Subdomains {
                scheme,
                suffix,
                port,
            } => {
                origin.scheme() == scheme
                    && origin
                        .host()
                        .strip_suffix(suffix.as_str())
                        .is_some_and(|under| under.len() > 1 && under.ends_with('.'))
                    && port.accepts(origin.port())
            }
        })
    }

    /// Patterns read the unparsed bytes, checking only what they leave open: every value
    /// near a matching one (each byte replaced, removed or doubled, hosts and labels at and
    /// past their limits) gets the answer the parser and a plain reading of the patterns
    /// give, so a pattern never accepts what `Origin::parse` refuses.
    #[test]
    fn patterns_answer_as_the_parser_would() {
        // A scheme long enough for an origin past `MAX_ORIGIN_LEN` to fit under a wildcard.
        let long_scheme = "h".repeat(300);
        let entries = [
            "https://*.example.com".to_owned(),
            "https://*.b.example.org:8443".to_owned(),
            "http://*.svc.test:*".to_owned(),
            "https://api.example.net:*".to_owned(),
            "https://[::1]:*".to_owned(),
            "wss://*.0x.example".to_owned(),
            // Scheme prefixes of 4, 5 and 7 bytes, compared as part of a word.
            "a://*.y".to_owned(),
            "ws://*.ws.example".to_owned(),
            "http://*.svc.example:8080".to_owned(),
            format!("{long_scheme}://*.example.com"),
        ];
        let all: Vec<OriginPattern> = entries
            .iter()
            .map(|entry| OriginPattern::parse(entry).unwrap())
            .collect();
        let fixed_ports: Vec<OriginPattern> = all
            .iter()
            .filter(|p| {
                matches!(
                    p,
                    OriginPattern::Subdomains {
                        port: PortRule::Exact(_),
                        ..
                    }
                )
            })
            .cloned()
            .collect();
        let fillers = |any_port: bool| {
            (0..FEW).flat_map(move |i| {
                let mut entries = vec![format!("https://*.filler{i}.example")];
                if any_port {
                    entries.push(format!("https://filler{i}.example:*"));
                }
                entries
            })
        };
        // Grouped, compared then hashed; cut at delimiters, compared then hashed.
        let tables = [
            (&fixed_ports, None, "grouped"),
            (&fixed_ports, Some(fillers(false)), "grouped"),
            (&all, None, "general"),
            (&all, Some(fillers(true)), "general"),
        ];
        for (patterns, fillers, expected_path) in tables {
            let mut t = OriginTable::<ConfiguredHasher>::default();
            for pattern in patterns {
                t.add(pattern.clone(), counted_value);
            }
            for entry in fillers.into_iter().flatten() {
                t.add(OriginPattern::parse(&entry).unwrap(), counted_value);
            }
            let hashed = matches!(t.subdomains, SmallMap::Hashed(_));
            let path = if t.ungrouped == 0 {
                "grouped"
            } else {
                "general"
            };
            assert_eq!(path, expected_path);
            let long_label = "l".repeat(63);
            // With `.example.com`, a host of 253 bytes: the longest the parser accepts.
            let long_host = format!("{long_label}.{long_label}.{long_label}.{}", "m".repeat(49));
            let mut seeds = vec![
                "https://a.example.com".to_owned(),
                "https://a-b_c.d9.example.com".to_owned(),
                "https://x.b.example.org:8443".to_owned(),
                // The fixed port left out, and a port where none is fixed.
                "https://x.b.example.org".to_owned(),
                "https://a.example.com:8443".to_owned(),
                "https://a.example.com:443".to_owned(),
                "http://x.svc.test:80".to_owned(),
                "http://x.svc.test".to_owned(),
                "http://x.y.svc.test:8080".to_owned(),
                "https://api.example.net".to_owned(),
                "https://api.example.net:65535".to_owned(),
                "https://[::1]:3000".to_owned(),
                "https://[::1]".to_owned(),
                "https://x.b.example.org:8443:8443".to_owned(),
                "wss://1.0x.example".to_owned(),
                // Shorter than a word: the prefix is compared as bytes.
                "a://x.y".to_owned(),
                "wss://x".to_owned(),
                "https:/".to_owned(),
                "ws://q.ws.example".to_owned(),
                "http://q.svc.example:8080".to_owned(),
                format!("https://{long_label}.example.com"),
                format!("https://l{long_label}.example.com"),
                format!("https://{long_host}.example.com"),
                format!("https://{}.example.com", &long_host[1..]),
                format!("https://{}{}.example.com", "s".repeat(400), ".a"),
            ];
            // 515 bytes, past `MAX_ORIGIN_LEN`; and 512 bytes, at it.
            seeds.push(format!("{long_scheme}://{}.example.com", &long_host[..200]));
            seeds.push(format!("{long_scheme}://{}.example.com", &long_host[..197]));
            let mut candidates = Vec::new();
            let replacements = b"a.-_:/[]09A@%\x00 \xff";
            for seed in &seeds {
                candidates.push(seed.as_bytes().to_vec());
                for at in 0..=seed.len() {
                    let (head, tail) = seed.as_bytes().split_at(at);
                    for &b in replacements {
                        candidates.push([head, &[b], tail].concat());
                        if let Some((_, rest)) = tail.split_first() {
                            candidates.push([head, &[b], rest].concat());
                        }
                    }
                    if let Some((first, rest)) = tail.split_first() {
                        candidates.push([head, rest].concat());
                        candidates.push([head, &[*first, *first], rest].concat());
                    }
                }
            }
            let mut accepted = 0;
            for candidate in &candidates {
                let expected =
                    std::str::from_utf8(candidate).is_ok_and(|text| reference(patterns, text));
                let got = t.matches_patterns(candidate);
                let candidate = String::from_utf8_lossy(candidate);
                assert_eq!(got, expected, "{path}, hashed {hashed}: {candidate:?}");
                accepted += usize::from(got);
            }
            // The corpus holds both answers in number.
            assert!(
                accepted > 100 && accepted * 2 < candidates.len(),
                "{accepted}"
            );
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
