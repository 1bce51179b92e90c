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
        let bytes = serialized.as_bytes();
        if bytes.len() > MAX_ORIGIN_LEN {
            return None;
        }
        let scheme_len = scheme_len(bytes)?;
        // A `file:` page's origin is opaque: browsers send `null` for it (URL standard,
        // "origin"), never `file://host`.
        if &bytes[..scheme_len] == b"file" {
            return None;
        }
        let host_start = scheme_len + 3;
        if bytes.get(scheme_len..host_start)? != b"://" {
            return None;
        }
        let (host_len, maybe_address) = host_len(&bytes[host_start..])?;
        let host_end = host_start + host_len;
        if maybe_address && !is_canonical_address(&serialized[host_start..host_end]) {
            return None;
        }
        let port = match &bytes[host_end..] {
            [] => None,
            [b':', digits @ ..] => Some(origin_port(&bytes[..scheme_len], digits)?),
            _ => return None,
        };
        Some(Origin {
            serialized,
            scheme_len,
            host_end,
            port,
        })
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

// The parsing helpers below are single passes over bytes: `Origin::parse` runs on the
// request path whenever patterns or predicates are configured.

/// The length of a lowercase scheme (`[a-z][a-z0-9+.-]*`) at the start of `bytes`, if it is
/// followed by something else.
fn scheme_len(bytes: &[u8]) -> Option<usize> {
    if !bytes.first()?.is_ascii_lowercase() {
        return None;
    }
    bytes
        .iter()
        .position(|&b| BYTE_CLASS[usize::from(b)] & SCHEME == 0)
}

/// The length of the host at the start of `bytes`, up to a `:` or the end, and whether it
/// may be an IP address (bracketed, or a last label that starts with a digit), which
/// [`is_canonical_address`] then checks. Otherwise: lowercase labels of `[a-z0-9_-]`
/// (punycode allowed), none empty or longer than 63 bytes, no trailing dot, at most 253
/// bytes.
fn host_len(bytes: &[u8]) -> Option<(usize, bool)> {
    if bytes.first() == Some(&b'[') {
        let close = bytes.iter().position(|&b| b == b']')?;
        return Some((close + 1, true));
    }
    // One table lookup a byte; label lengths are checked at each dot and at the end.
    let mut label_start = 0;
    let mut end = bytes.len();
    for (at, &b) in bytes.iter().enumerate() {
        if BYTE_CLASS[usize::from(b)] & LABEL != 0 {
            continue;
        }
        match b {
            b'.' if at > label_start && at - label_start <= MAX_LABEL_LEN => label_start = at + 1,
            b':' => {
                end = at;
                break;
            }
            _ => return None,
        }
    }
    let last_label = end.checked_sub(label_start)?;
    (last_label > 0 && last_label <= MAX_LABEL_LEN && end <= MAX_HOST_LEN)
        .then(|| (end, bytes[label_start].is_ascii_digit()))
}

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

/// The port of an origin of `scheme`, from the digits after its `:`, if written as browsers
/// write it: canonical (see [`parse_port`]) and never the scheme's default, which they leave
/// out.
#[inline]
pub(crate) fn origin_port(scheme: &[u8], digits: &[u8]) -> Option<u16> {
    let port = parse_port(digits)?;
    (default_port(scheme) != Some(port)).then_some(port)
}

/// Whether `byte` may appear in a host name label (`[a-z0-9_-]`), as [`Origin::parse`] reads
/// labels.
pub(crate) fn is_label_byte(byte: u8) -> bool {
    BYTE_CLASS[usize::from(byte)] & LABEL != 0
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
