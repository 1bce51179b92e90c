//! Serialized origins as browsers send them, parsed on the request path without allocating.
//!
//! Configured allowlist entries are parsed elsewhere ([`crate::pattern`]); this module only
//! reads what arrives in the `Origin` request header.
//!
//! A browser sends the page's origin in the `Origin` request header as a *serialized origin*
//! (Fetch standard, "Origin header"; HTML, "serialization of an origin"): `scheme://host`,
//! followed by `:port` only when the port is not the scheme's default, with a lowercase scheme
//! and host, IDN hosts in punycode and IPv6 addresses bracketed and written by the URL
//! standard's IPv6 serializer (lowercase hex, the first longest run of zero pieces compressed
//! to `::`, never dotted IPv4: `[::ffff:1.2.3.4]` is sent as `[::ffff:102:304]`); or the
//! opaque value `null`.
//!
//! [`Origin::parse`] reads such values without allocating. Incoming values are never
//! normalised: a browser only ever sends the canonical form, so anything else (uppercase, a
//! trailing slash, an explicit default port, a trailing dot) is a request no browser made,
//! and is simply not allowed.

mod ipv6;

use std::fmt;

use ipv6::SerializedIpv6;

/// The longest `Origin` value the crate looks at, in bytes.
///
/// A DNS name is at most 253 bytes, a scheme and a port add a few dozen more; anything
/// longer than this cannot be an origin a browser sent, and is refused before it is hashed,
/// parsed or logged in full.
pub const MAX_ORIGIN_LEN: usize = 512;

/// A parsed serialized origin (`scheme://host[:port]`), borrowed from the text it was parsed
/// from.
///
/// Parsing is strict: it accepts exactly the forms a browser sends, and allocates nothing.
///
/// # Example
///
/// ```
/// use actix_scoped_cors::Origin;
///
/// let origin = Origin::parse("https://app.example.com:8443").unwrap();
/// assert_eq!(origin.scheme(), "https");
/// assert_eq!(origin.host(), "app.example.com");
/// assert_eq!(origin.port(), Some(8443));
/// assert_eq!(origin.as_str(), "https://app.example.com:8443");
///
/// // Not what a browser sends: uppercase, trailing slash, default port, `null`.
/// assert!(Origin::parse("https://App.example.com").is_none());
/// assert!(Origin::parse("https://app.example.com/").is_none());
/// assert!(Origin::parse("https://app.example.com:443").is_none());
/// assert!(Origin::parse("null").is_none());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin<'a> {
    serialized: &'a str,
    scheme_len: usize,
    host_end: usize,
    port: Option<u16>,
}

impl<'a> Origin<'a> {
    /// Parses a serialized tuple origin exactly as a browser would send it.
    ///
    /// Returns `None` for `null`, for anything longer than 512 bytes (no DNS name is that long), and for any
    /// value that is not in canonical form. Cost: one pass over the bytes.
    pub fn parse(serialized: &'a str) -> Option<Self> {
        Parts::canonical(serialized.as_bytes()).map(|parts| Origin::from_parts(serialized, parts))
    }

    /// The origin `serialized`, whose bytes [`Parts::canonical`] split into `parts`.
    #[inline]
    pub(crate) fn from_parts(serialized: &'a str, parts: Parts) -> Self {
        Origin {
            serialized,
            scheme_len: parts.scheme_len,
            host_end: parts.host_end,
            port: parts.port,
        }
    }

    /// The whole serialized origin, as received.
    pub fn as_str(&self) -> &'a str {
        self.serialized
    }

    /// The scheme, lowercase, without `://`.
    pub fn scheme(&self) -> &'a str {
        &self.serialized[..self.scheme_len]
    }

    /// The host: a lowercase DNS name (punycode for IDN), an IPv4 address, or a bracketed
    /// IPv6 address such as `[::1]`.
    pub fn host(&self) -> &'a str {
        &self.serialized[self.scheme_len + 3..self.host_end]
    }

    /// The port, present only when it is not the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Whether the host is a loopback name or address (`localhost`, `*.localhost`,
    /// `127.0.0.0/8`, `[::1]`), which browsers treat as potentially trustworthy even over
    /// `http`.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host())
    }
}

impl fmt::Debug for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Origin").field(&self.serialized).finish()
    }
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.serialized)
    }
}

/// Where the parts of a serialized origin end: what [`Origin::parse`] keeps.
#[derive(Clone, Copy)]
pub(crate) struct Parts {
    scheme_len: usize,
    host_end: usize,
    port: Option<u16>,
}

impl Parts {
    /// The parts of `bytes`, if they are a canonical serialized origin (see [`Origin::parse`]),
    /// which is then visible ASCII.
    ///
    /// One pass: runs on the request path whenever regexes or predicates are configured, so
    /// `https://` and `http://` are compared as one word, labels are read eight bytes a step
    /// ([`label_end`]), and the other loops index the bytes directly (each `at < len` test is
    /// the bounds check) with one table lookup a byte, rather than through iterator
    /// adaptors.
    ///
    /// The scheme is `[a-z][a-z0-9+.-]*`, followed by `://`. The host is up to a `:` or the
    /// end: lowercase labels of `[a-z0-9_-]` (punycode allowed), none empty or longer than
    /// 63 bytes, no trailing dot, at most 253 bytes; or an IP address (bracketed, or a last
    /// label that starts with a digit), which [`is_canonical_address`] then checks.
    pub(crate) fn canonical(bytes: &[u8]) -> Option<Parts> {
        let len = bytes.len();
        if len > MAX_ORIGIN_LEN {
            return None;
        }
        // Nearly every origin is `https://` or `http://`: one word compared, no scheme loop.
        let (scheme_len, mut at) = match bytes
            .first_chunk::<8>()
            .map(|head| u64::from_le_bytes(*head))
        {
            Some(head) if head & HTTPS.1 == HTTPS.0 => (5, 8),
            Some(head) if head & HTTP.1 == HTTP.0 => (4, 7),
            _ => {
                if !bytes.first()?.is_ascii_lowercase() {
                    return None;
                }
                let mut at = 1;
                while at < len && BYTE_CLASS[usize::from(bytes[at])] & SCHEME != 0 {
                    at += 1;
                }
                let scheme_len = at;
                // A `file:` page's origin is opaque: browsers send `null` for it (URL
                // standard, "origin"), never `file://host`.
                if bytes.get(at..at + 3)? != b"://" || &bytes[..scheme_len] == b"file" {
                    return None;
                }
                (scheme_len, at + 3)
            }
        };
        let host_start = at;
        let maybe_address = if bytes.get(at) == Some(&b'[') {
            at += bytes[at..].iter().position(|&b| b == b']')? + 1;
            true
        } else {
            let mut label_start = at;
            loop {
                at = label_end(bytes, at);
                if at == label_start || at - label_start > MAX_LABEL_LEN {
                    return None;
                }
                if at < len && bytes[at] == b'.' {
                    at += 1;
                    label_start = at;
                } else {
                    break;
                }
            }
            if at - host_start > MAX_HOST_LEN {
                return None;
            }
            bytes[label_start].is_ascii_digit()
        };
        let host_end = at;
        if maybe_address
            && !std::str::from_utf8(&bytes[host_start..host_end]).is_ok_and(is_canonical_address)
        {
            return None;
        }
        let port = match &bytes[host_end..] {
            [] => None,
            [b':', digits @ ..] => Some(origin_port(&bytes[..scheme_len], digits)?),
            _ => return None,
        };
        Some(Parts {
            scheme_len,
            host_end,
            port,
        })
    }
}

/// `bytes` as text if they are ASCII, as a canonical origin's are: an ASCII check where
/// `std::str::from_utf8` would validate UTF-8, at about half its cost on an origin, without
/// `unsafe` in this crate.
#[inline]
pub(crate) fn ascii_text(bytes: &[u8]) -> Option<&str> {
    ascii::AsciiStr::from_ascii(bytes)
        .ok()
        .map(ascii::AsciiStr::as_str)
}

/// `prefix` (one to eight bytes) as a little-endian word and the mask of its bytes: a value
/// of at least eight bytes starts with `prefix` when its first eight, read as a word and
/// masked, equal the word. One comparison instead of a byte loop or `memcmp`.
pub(crate) const fn prefix_word(prefix: &[u8]) -> (u64, u64) {
    assert!(!prefix.is_empty() && prefix.len() <= 8);
    let mut word = [0; 8];
    let mut at = 0;
    while at < prefix.len() {
        word[at] = prefix[at];
        at += 1;
    }
    (
        u64::from_le_bytes(word),
        u64::MAX >> (8 * (8 - prefix.len())),
    )
}

/// `https://` and `http://` as words ([`prefix_word`]).
const HTTPS: (u64, u64) = prefix_word(b"https://");
const HTTP: (u64, u64) = prefix_word(b"http://");

/// [`BYTE_CLASS`] bit: a byte of a scheme after its first (`[a-z0-9+.-]`).
const SCHEME: u8 = 1;
/// [`BYTE_CLASS`] bit: a byte of a host name label (`[a-z0-9_-]`).
const LABEL: u8 = 2;

/// The classes of every byte, for the parser's loops: one lookup instead of range tests.
static BYTE_CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let alphanumeric = byte.is_ascii_lowercase() || byte.is_ascii_digit();
        if alphanumeric || matches!(byte, b'+' | b'-' | b'.') {
            table[b] |= SCHEME;
        }
        if alphanumeric || matches!(byte, b'-' | b'_') {
            table[b] |= LABEL;
        }
        b += 1;
    }
    table
};

/// Whether a host that is an IP address is written as the URL standard serializes it: IPv4
/// in dotted decimal without leading zeros (any host whose last label is a number is an IPv4
/// address to a browser: `127.1` and `0x7f.0.0.1` become `127.0.0.1`), IPv6 as the URL
/// standard's IPv6 serializer writes it (lowercase hex, zeros compressed, never dotted IPv4:
/// `[::ffff:102:304]`, not `[::ffff:1.2.3.4]`). Domain names pass.
fn is_canonical_address(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        // std's parser accepts every spelling (dotted, uppercase, uncompressed); only the
        // one the serializer writes back is what a browser sends.
        return inner
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|address| SerializedIpv6::new(&address).as_bytes() == inner.as_bytes());
    }
    let last = host.rsplit('.').next().unwrap_or(host);
    let numeric =
        !last.is_empty() && (last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x"));
    if !numeric {
        return true;
    }
    let mut parts = 0;
    host.split('.').all(|part| {
        parts += 1;
        let canonical = part == "0" || !part.starts_with('0');
        canonical && part.len() <= 3 && part.parse::<u8>().is_ok()
    }) && parts == 4
}

/// The longest host name a browser sends, in bytes (DNS).
pub(crate) const MAX_HOST_LEN: usize = 253;
/// The longest label of a host name, in bytes (DNS).
pub(crate) const MAX_LABEL_LEN: usize = 63;

/// The commonest shape of a canonical origin, as a small automaton over bytes: `http://` or
/// `https://`, then labels of label bytes (`[a-z0-9_-]`) joined by dots, the last one not
/// starting with a digit (so the host is no address), and no port. A value of this shape is
/// a canonical origin ([`Parts::canonical`]) exactly if its labels and host are short enough,
/// which they are when it is at most [`SHAPED_MAX_LEN`] bytes long.
///
/// What it is for: when a policy is built, walking it beside a regex's DFA proves (or not)
/// that every value the regex matches has this shape; if so, a match of a short value is a
/// canonical origin, told without parsing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape(u8);

impl Shape {
    /// Nothing read yet.
    pub(crate) const START: Shape = Shape(0);
    /// How many states there are (each is below this).
    pub(crate) const COUNT: usize = 12;
    /// `://` read: a label starts.
    const LABEL_START: Shape = Shape(8);
    /// In a label that started with a letter, `-` or `_`: the value may end here.
    const NAME_LABEL: Shape = Shape(9);
    /// In a label that started with a digit: the value must not end here (it could be an
    /// address, which has its own canonical form).
    const DIGIT_LABEL: Shape = Shape(10);
    /// Not of the shape, whatever follows.
    const OUT: Shape = Shape(11);

    /// The state after `byte`.
    pub(crate) fn step(self, byte: u8) -> Shape {
        // The scheme and `://`, a byte a state: `http` (0 to 3), an optional `s` (4), `://`
        // (from 4 or 5, then 6 and 7).
        const SCHEME: &[u8; 8] = b"https://";
        match (self.0, byte) {
            (0..=3, _) if byte == SCHEME[usize::from(self.0)] => Shape(self.0 + 1),
            (4, b's') => Shape(5),
            (4 | 5, b':') => Shape(6),
            (6 | 7, b'/') => Shape(self.0 + 1),
            (8..=10, b'.') if self != Self::LABEL_START => Self::LABEL_START,
            (8, _) if byte.is_ascii_digit() => Self::DIGIT_LABEL,
            (8, _) if is_label_byte(byte) => Self::NAME_LABEL,
            (9 | 10, _) if is_label_byte(byte) => self,
            _ => Self::OUT,
        }
    }

    /// Whether a value that leads here has the shape.
    pub(crate) fn accepts(self) -> bool {
        self == Self::NAME_LABEL
    }

    /// This state's bit in a set of states (a `u16`).
    pub(crate) fn bit(self) -> u16 {
        1 << self.0
    }
}

/// The longest value of the [`Shape`] that is sure to be a canonical origin: `http://` and
/// a host no longer than a label, so that no label and no host is too long.
pub(crate) const SHAPED_MAX_LEN: usize = "http://".len() + MAX_LABEL_LEN;

/// The port of an origin of `scheme`, from the digits after its `:`, if written as browsers
/// write it: canonical (see [`parse_port`]) and never the scheme's default, which they leave
/// out.
#[inline]
pub(crate) fn origin_port(scheme: &[u8], digits: &[u8]) -> Option<u16> {
    let port = parse_port(digits)?;
    (default_port(scheme) != Some(port)).then_some(port)
}

/// What lies around a run of label bytes `m` in values `prefix`·`m`·`suffix`, when such a
/// value is a canonical origin ([`Parts::canonical`]) exactly if
/// `1 <= first_label + m.len() <= 63` and `first_label + m.len() + rest_of_host <= 253`
/// (and it is at most [`MAX_ORIGIN_LEN`] long): `(first_label, rest_of_host)`.
///
/// So it is when `prefix` is a scheme (not `file`), `://` and label bytes (the start of the
/// host's first label), and `suffix` is one or more labels each after a dot (the last not
/// starting with a digit: no address), then nothing or `:` and a port as browsers write it
/// for that scheme. `None` for any other prefix or suffix.
pub(crate) fn frame_lengths(prefix: &[u8], suffix: &[u8]) -> Option<(usize, usize)> {
    let scheme_end = prefix.windows(3).position(|w| w == b"://")?;
    let (scheme, first_label) = (&prefix[..scheme_end], &prefix[scheme_end + 3..]);
    let [first, rest @ ..] = scheme else {
        return None;
    };
    let scheme_ok = first.is_ascii_lowercase()
        && rest
            .iter()
            .all(|&b| BYTE_CLASS[usize::from(b)] & SCHEME != 0)
        && scheme != b"file";
    if !scheme_ok || !first_label.iter().all(|&b| is_label_byte(b)) {
        return None;
    }
    let (host, port) = match suffix.iter().position(|&b| b == b':') {
        Some(colon) => (&suffix[..colon], Some(&suffix[colon + 1..])),
        None => (suffix, None),
    };
    let labels = host.strip_prefix(b".")?;
    let labels_ok = labels.split(|&b| b == b'.').all(|label| {
        (1..=MAX_LABEL_LEN).contains(&label.len()) && label.iter().all(|&b| is_label_byte(b))
    });
    let last = labels.rsplit(|&b| b == b'.').next()?;
    if !labels_ok || last.first()?.is_ascii_digit() {
        return None;
    }
    if let Some(digits) = port {
        origin_port(scheme, digits)?;
    }
    Some((first_label.len(), host.len()))
}

/// Whether `byte` may appear in a host name label (`[a-z0-9_-]`), as [`Origin::parse`] reads
/// labels.
pub(crate) fn is_label_byte(byte: u8) -> bool {
    BYTE_CLASS[usize::from(byte)] & LABEL != 0
}

/// The index of the first byte at or after `at` that is not a label byte (`[a-z0-9_-]`), or
/// `bytes.len()`: eight bytes a step while eight remain ([`label_bytes`]), then one table
/// lookup a byte.
#[inline(always)]
pub(crate) fn label_end(bytes: &[u8], mut at: usize) -> usize {
    while let Some(word) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let run = label_bytes(u64::from_le_bytes(*word));
        at += run;
        if run < 8 {
            return at;
        }
    }
    while at < bytes.len() && is_label_byte(bytes[at]) {
        at += 1;
    }
    at
}

/// How many of the eight bytes of `word` (little-endian: its lowest byte first) are label
/// bytes before the first that is not, computed on the whole word (SWAR).
///
/// Each byte's low seven bits `x` are added to constants that set its high bit where
/// `x >= lo` (`x + 0x80 - lo`) or `x > hi` (`x + 0x7f - hi`); no sum carries into the next
/// byte, as `x <= 0x7f` and each constant is at most `0x53`. A byte whose own high bit is
/// set is not a label byte.
#[inline(always)]
fn label_bytes(word: u64) -> usize {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let low = word & !HIGH;
    let at_least = |lo: u8| low + ONES * u64::from(0x80 - lo);
    let above = |hi: u8| low + ONES * u64::from(0x7f - hi);
    let within = |lo: u8, hi: u8| at_least(lo) & !above(hi);
    let label = (within(b'a', b'z') | within(b'0', b'9') | within(b'-', b'-') | within(b'_', b'_'))
        & !word
        & HIGH;
    // The lowest byte that is not a label byte; 64 / 8 when there is none.
    ((!label & HIGH).trailing_zeros() / 8) as usize
}

/// A port as browsers write it: 1 to 65535, decimal, no leading zero.
fn parse_port(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || digits[0] == b'0' {
        return None;
    }
    let mut port: u32 = 0;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        port = port * 10 + u32::from(digit - b'0');
    }
    u16::try_from(port).ok()
}

/// Whether every byte is visible ASCII or a tab: what `HeaderValue::to_str` requires, eight
/// bytes at a time (a refused `Origin` is told apart from a malformed one by this).
pub(crate) fn is_visible_ascii(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let visible = |b: u8| (b' '..=b'~').contains(&b) || b == b'\t';
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes(chunk.try_into().expect("chunks of eight bytes"));
        // Some byte below 0x20 (exact: the "has less than" word test), or some byte of 0x7f
        // or more (0x7f + 1 sets the high bit; carries only come from bytes that have it).
        let below = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
        let above = (word.wrapping_add(ONES) | word) & HIGH;
        // A chunk that may hold a tab or a false alarm is checked byte by byte.
        if below | above != 0 && !chunk.iter().all(|&b| visible(b)) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| visible(b))
}

/// The port a scheme's origins leave out (`scheme` as bytes: the pattern matcher reads
/// unparsed values).
pub(crate) fn default_port(scheme: &[u8]) -> Option<u16> {
    match scheme {
        b"http" | b"ws" => Some(80),
        b"https" | b"wss" => Some(443),
        b"ftp" => Some(21),
        _ => None,
    }
}

pub(crate) fn is_ipv4(host: &str) -> bool {
    host.split('.').count() == 4 && host.split('.').all(|part| part.parse::<u8>().is_ok())
}

pub(crate) fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || (is_ipv4(host) && host.starts_with("127."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_ascii_is_what_header_value_to_str_accepts() {
        use actix_web::http::header::HeaderValue;
        // Every byte at every position of every length from 1 to 26, so each 8-byte chunk
        // and each remainder length is probed.
        let base = b"https://app.example.comxy";
        let mut inputs: Vec<Vec<u8>> = (0..=255u8)
            .flat_map(|b| {
                (0..=base.len()).flat_map(move |len| {
                    (0..=len).map(move |at| {
                        let mut bytes = base[..len].to_vec();
                        bytes.insert(at, b);
                        bytes
                    })
                })
            })
            .collect();
        inputs.extend([b"".to_vec(), b"\t\t\t\t\t\t\t\t\t".to_vec(), vec![0x7f; 9]]);
        for bytes in inputs {
            let expected = HeaderValue::from_bytes(&bytes).is_ok_and(|v| v.to_str().is_ok());
            assert_eq!(is_visible_ascii(&bytes), expected, "{bytes:?}");
        }
    }

    #[test]
    fn byte_classes_are_the_scheme_and_label_characters() {
        for b in 0..=255u8 {
            let scheme = b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b);
            let label = b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_".contains(&b);
            let class = BYTE_CLASS[usize::from(b)];
            assert_eq!(class & SCHEME != 0, scheme, "{b:#04x} in a scheme");
            assert_eq!(class & LABEL != 0, label, "{b:#04x} in a label");
            assert_eq!(class & !(SCHEME | LABEL), 0, "{b:#04x}: no other bit");
        }
    }

    #[test]
    fn parses_canonical_origins() {
        for (input, scheme, host, port) in [
            ("https://example.com", "https", "example.com", None),
            ("http://localhost:3000", "http", "localhost", Some(3000)),
            ("http://[::1]:8080", "http", "[::1]", Some(8080)),
            (
                "https://xn--bcher-kva.example",
                "https",
                "xn--bcher-kva.example",
                None,
            ),
            ("http://127.0.0.1", "http", "127.0.0.1", None),
            (
                "http://[2001:db8::1]:8080",
                "http",
                "[2001:db8::1]",
                Some(8080),
            ),
            ("https://0.0.0.0", "https", "0.0.0.0", None),
            ("https://a1.example.com", "https", "a1.example.com", None),
            (
                "chrome-extension://abcdef",
                "chrome-extension",
                "abcdef",
                None,
            ),
        ] {
            let origin = Origin::parse(input).unwrap_or_else(|| panic!("{input}"));
            assert_eq!(
                (origin.scheme(), origin.host(), origin.port()),
                (scheme, host, port)
            );
        }
    }

    #[test]
    fn refuses_what_browsers_never_send() {
        for input in [
            "",
            "null",
            "https://",
            "https://Example.com",
            "HTTPS://example.com",
            "https://example.com/",
            "https://example.com:443",
            "http://example.com:80",
            "https://example.com:",
            "https://example.com:0443",
            "https://example.com:65536",
            "https://example.com:0",
            "https://example.com.",
            "https://a..example.com",
            "https://user@example.com",
            "https://exa mple.com",
            "https://bücher.example",
            "https://[::1",
            "https://[::1]x",
            "http://127.1",
            "http://0x7f.0.0.1",
            "https://1.2.3.04",
            "https://1.2.3.256",
            "https://example.123",
            "https://[::::]",
            "https://[1.2.3.4]",
            "https://[0:0:0:0:0:0:0:1]",
            "https://[2001:DB8::1]",
            "example.com",
        ] {
            assert!(Origin::parse(input).is_none(), "{input:?} was accepted");
        }
        assert!(Origin::parse(&format!("https://{}", "a".repeat(600))).is_none());
    }

    /// The grammar [`Parts::canonical`] reads byte by byte, read again with string methods.
    fn reference(input: &str) -> Option<(&str, &str, Option<u16>)> {
        if input.len() > MAX_ORIGIN_LEN {
            return None;
        }
        let (scheme, rest) = input.split_once("://")?;
        let scheme_byte =
            |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b);
        if !scheme.starts_with(|c: char| c.is_ascii_lowercase())
            || !scheme.bytes().all(scheme_byte)
            || scheme == "file"
        {
            return None;
        }
        let host_len = match rest.strip_prefix('[') {
            Some(bracketed) => bracketed.find(']')? + 2,
            None => rest.find(':').unwrap_or(rest.len()),
        };
        let (host, port) = rest.split_at(host_len);
        if !host.starts_with('[') {
            let label_byte =
                |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_".contains(&b);
            let labels_ok = host.split('.').all(|label| {
                (1..=MAX_LABEL_LEN).contains(&label.len()) && label.bytes().all(label_byte)
            });
            if !labels_ok || host.len() > MAX_HOST_LEN {
                return None;
            }
        }
        let last_is_number = host
            .rsplit('.')
            .next()
            .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_digit()));
        if (host.starts_with('[') || last_is_number) && !is_canonical_address(host) {
            return None;
        }
        let port = match port.strip_prefix(':') {
            None if port.is_empty() => None,
            None => return None,
            Some(digits) => Some(origin_port(scheme.as_bytes(), digits.as_bytes())?),
        };
        Some((scheme, host, port))
    }

    /// A value of the [`Shape`] no longer than [`SHAPED_MAX_LEN`] is a canonical origin:
    /// every value of up to five bytes from an alphabet of each kind of byte, after prefixes
    /// from inside the scheme to inside the host; and hosts at the length limit, where the
    /// limit is also shown to be needed.
    #[test]
    fn a_short_value_of_the_shape_is_canonical() {
        let shaped = |value: &[u8]| value.iter().fold(Shape::START, |s, &b| s.step(b)).accepts();
        let alphabet = b"az09-_.:/As\xc3";
        let prefixes: [&[u8]; 8] = [
            b"",
            b"htt",
            b"https:/",
            b"http://",
            b"https://",
            b"https://a.",
            b"https://ab1.0",
            b"ftp://a",
        ];
        let (mut of_the_shape, mut canonical) = (0, 0);
        let mut value = Vec::new();
        for prefix in prefixes {
            for len in 0..=5u32 {
                for mut n in 0..alphabet.len().pow(len) {
                    value.clear();
                    value.extend_from_slice(prefix);
                    for _ in 0..len {
                        value.push(alphabet[n % alphabet.len()]);
                        n /= alphabet.len();
                    }
                    let is_canonical = Parts::canonical(&value).is_some();
                    canonical += usize::from(is_canonical);
                    if shaped(&value) {
                        of_the_shape += 1;
                        assert!(is_canonical, "{:?}", String::from_utf8_lossy(&value));
                    }
                }
            }
        }
        // Not vacuous, and not all canonical values: ports, addresses.
        assert!(of_the_shape > 10_000, "{of_the_shape}");
        assert!(canonical > of_the_shape, "{canonical} {of_the_shape}");
        // At the limit, a label as long as allowed; past it, one too long.
        for len in [SHAPED_MAX_LEN, SHAPED_MAX_LEN + 1] {
            let value = format!("http://{}", "a".repeat(len - "http://".len()));
            assert!(shaped(value.as_bytes()));
            assert_eq!(
                Parts::canonical(value.as_bytes()).is_some(),
                len == SHAPED_MAX_LEN
            );
        }
    }

    /// The word-at-a-time scan stops where a byte-at-a-time one does: every byte value at
    /// every place of a run of label bytes, from every start, across word boundaries and
    /// tails shorter than a word.
    #[test]
    fn label_end_stops_where_the_byte_table_does() {
        let by_bytes = |bytes: &[u8], mut at: usize| {
            while at < bytes.len() && is_label_byte(bytes[at]) {
                at += 1;
            }
            at
        };
        let mut stops = 0;
        for len in 0..=19 {
            for place in 0..len {
                for value in 0..=u8::MAX {
                    let mut bytes: Vec<u8> = (0..len).map(|i| b"az09-_m"[i % 7]).collect();
                    bytes[place] = value;
                    for start in 0..=len {
                        let end = label_end(&bytes, start);
                        assert_eq!(end, by_bytes(&bytes, start), "{bytes:?} from {start}");
                        stops += usize::from(end < len);
                    }
                }
            }
        }
        assert!(stops > 100_000, "{stops}");
    }

    /// The byte loops answer as the string reading on every value near a canonical one:
    /// each character replaced, removed or doubled, text inserted anywhere, and labels,
    /// hosts and origins at and past their limits.
    #[test]
    fn the_byte_loops_read_the_grammar() {
        let long_label = "a".repeat(MAX_LABEL_LEN);
        let long_host = format!("{long_label}.{long_label}.{long_label}.{}", "b".repeat(61));
        let seeds = [
            "https://partner.example.org".to_owned(),
            "http://localhost:3000".to_owned(),
            // The shortest values read past `https://` and `http://` as one word.
            "https://a".to_owned(),
            "http://a:1".to_owned(),
            "http://[::1]:8080".to_owned(),
            "https://[2001:db8::1]".to_owned(),
            "http://127.0.0.1:8000".to_owned(),
            "https://x_y-z.a1.example".to_owned(),
            "chrome-extension://abcdef".to_owned(),
            "a+b.c-d://h".to_owned(),
            format!("https://{long_label}.example.com"),
            format!("https://{long_host}"),
            format!("https://{long_host}:65535"),
            format!("https://{}.{}", "c".repeat(250), "d".repeat(250)),
            // 512 bytes: a scheme has no length limit of its own.
            format!("{}://h", "s".repeat(MAX_ORIGIN_LEN - 4)),
            "file://host".to_owned(),
        ];
        let inserted = [
            "a", "Z", "0", "9", ".", "-", "_", ":", "/", "[", "]", "@", " ", "+", "\u{e9}", "x:1",
            "::",
        ];
        let mut tried = 0;
        let mut accepted = 0;
        for seed in &seeds {
            for at in 0..=seed.len() {
                let (head, tail) = seed.split_at(at);
                let rest = tail.get(1..).unwrap_or("");
                let mut variants = vec![seed.clone(), format!("{head}{rest}")];
                if let Some(c) = tail.chars().next() {
                    variants.push(format!("{head}{c}{tail}"));
                }
                for text in inserted {
                    variants.push(format!("{head}{text}{tail}"));
                    variants.push(format!("{head}{text}{rest}"));
                }
                for variant in variants {
                    let parsed = Origin::parse(&variant).map(|o| (o.scheme(), o.host(), o.port()));
                    assert_eq!(parsed, reference(&variant), "{variant:?}");
                    tried += 1;
                    accepted += usize::from(parsed.is_some());
                }
            }
        }
        // Not a vacuous agreement: many variants, many of them accepted.
        assert!(
            tried > 10_000 && accepted > 1_000,
            "{tried} tried, {accepted} accepted"
        );
    }

    /// The URL standard's IPv6 serializer never writes dotted IPv4 notation (URL, "IPv6
    /// serializer"), so browsers send `[::ffff:102:304]` for `[::ffff:1.2.3.4]`.
    #[test]
    fn ipv6_hosts_are_accepted_only_as_the_url_standard_serializes_them() {
        for (input, accepted) in [
            ("http://[::ffff:102:304]", true),
            ("http://[::ffff:102:304]:8080", true),
            ("https://[::102:304]", true),
            ("https://[64:ff9b::102:304]", true),
            ("https://[::ffff:0:0]", true),
            ("http://[::ffff:1.2.3.4]", false),
            ("http://[::ffff:1.2.3.4]:8080", false),
            ("https://[::1.2.3.4]", false),
            ("https://[64:ff9b::1.2.3.4]", false),
            ("https://[::ffff:0.0.0.0]", false),
            ("https://[::FFFF:102:304]", false),
            ("https://[0:0:0:0:0:ffff:102:304]", false),
            ("https://[::ffff:0102:0304]", false),
        ] {
            assert_eq!(Origin::parse(input).is_some(), accepted, "{input}");
        }
    }
}
