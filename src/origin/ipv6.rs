//! The URL standard's IPv6 serializer (URL, "IPv6 serializer"), which is how browsers write
//! an IPv6 host in `Origin`: eight pieces in lowercase hex without leading zeros, the first
//! longest run of two or more zero pieces compressed to `::`, and never dotted IPv4 notation,
//! so `[::ffff:1.2.3.4]` is sent as `[::ffff:102:304]`.
//!
//! `std`'s `Display` for [`Ipv6Addr`] follows RFC 5952, which prints IPv4-mapped addresses
//! dotted; it cannot be the reference. This serializer writes to a stack buffer: it runs on
//! the request path, for every bracketed host in an `Origin`.

use std::net::Ipv6Addr;

/// The longest serialization: eight pieces of four hex digits and seven colons.
const MAX_LEN: usize = 39;

/// An IPv6 address as the URL standard serializes it, without the brackets.
pub(crate) struct SerializedIpv6 {
    bytes: [u8; MAX_LEN],
    len: usize,
}

impl SerializedIpv6 {
    /// Serializes `address` (URL, "IPv6 serializer", steps 1–5).
    pub(crate) fn new(address: &Ipv6Addr) -> Self {
        let pieces = address.segments();
        let compress = first_longest_zero_run(&pieces);
        let mut out = SerializedIpv6 {
            bytes: [0; MAX_LEN],
            len: 0,
        };
        let mut ignore_zero = false;
        for (index, &piece) in pieces.iter().enumerate() {
            if ignore_zero && piece == 0 {
                continue;
            }
            ignore_zero = false;
            if compress == Some(index) {
                out.push(if index == 0 { b"::" } else { b":" });
                ignore_zero = true;
                continue;
            }
            out.push_hex(piece);
            if index != 7 {
                out.push(b":");
            }
        }
        out
    }

    /// The serialization as bytes (ASCII hex digits and colons).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn push(&mut self, text: &[u8]) {
        self.bytes[self.len..self.len + text.len()].copy_from_slice(text);
        self.len += text.len();
    }

    /// Writes `piece` as the shortest lowercase hexadecimal number.
    fn push_hex(&mut self, piece: u16) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut started = false;
        for shift in [12, 8, 4, 0] {
            let nibble = usize::from((piece >> shift) & 0xf);
            if started || nibble != 0 || shift == 0 {
                started = true;
                self.push(&[DIGITS[nibble]]);
            }
        }
    }
}

/// The index of the first piece of the first longest run of two or more zero pieces, if there
/// is one (URL, "IPv6 serializer", step 2: a single zero piece is never compressed).
fn first_longest_zero_run(pieces: &[u16; 8]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    let mut index = 0;
    while index < pieces.len() {
        if pieces[index] != 0 {
            index += 1;
            continue;
        }
        let start = index;
        while index < pieces.len() && pieces[index] == 0 {
            index += 1;
        }
        let len = index - start;
        if len >= 2 && best.is_none_or(|(_, best_len)| len > best_len) {
            best = Some((start, len));
        }
    }
    best.map(|(start, _)| start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_serialized_as_the_url_standard_and_the_url_crate_do() {
        for (input, serialized) in [
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("2001:db8::1", "2001:db8::1"),
            ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            // IPv4-mapped, IPv4-compatible and NAT64 addresses: hex, never dotted.
            ("::ffff:1.2.3.4", "::ffff:102:304"),
            ("::ffff:0.0.0.0", "::ffff:0:0"),
            ("::ffff:255.255.255.255", "::ffff:ffff:ffff"),
            ("::1.2.3.4", "::102:304"),
            ("64:ff9b::1.2.3.4", "64:ff9b::102:304"),
            // A single zero piece is not compressed.
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            // The longest run is compressed; of equal runs, the first.
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("0:0:1:0:0:1:0:0", "::1:0:0:1:0:0"),
            ("1:0:0:0:0:0:0:0", "1::"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1"),
            (
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            (
                "abc:de:f:10:100:1000:a0b:c0d",
                "abc:de:f:10:100:1000:a0b:c0d",
            ),
        ] {
            let address: Ipv6Addr = input.parse().expect("a valid IPv6 address");
            let ours = SerializedIpv6::new(&address);
            assert_eq!(
                std::str::from_utf8(ours.as_bytes()),
                Ok(serialized),
                "{input}"
            );
            let url = url::Url::parse(&format!("http://[{input}]")).expect("a valid URL");
            assert_eq!(
                url.host_str(),
                Some(format!("[{serialized}]").as_str()),
                "the url crate serializes {input} differently"
            );
        }
    }
}
