//! `Origin::parse` on arbitrary bytes: never panics, and whatever it accepts is a serialized
//! origin by the URL standard's own reckoning (the `url` crate), byte for byte.
//!
//! Set `CORS_FUZZ_COMPLETENESS=1` to also fail on the converse: a canonical http(s) origin
//! that the URL standard accepts and `Origin::parse` refuses (a false refusal, not a security
//! problem; not checked in CI).

#![no_main]

mod common;

use actix_scoped_cors::{testing::MAX_ORIGIN_LEN, Origin};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match Origin::parse(input) {
        Some(origin) => check_accepted(input, &origin),
        None => check_refused(input),
    }
});

fn check_accepted(input: &str, origin: &Origin<'_>) {
    assert!(input.len() <= MAX_ORIGIN_LEN, "longer than MAX_ORIGIN_LEN");
    assert_eq!(origin.as_str(), input);
    assert_eq!(origin.to_string(), input);

    // The accessors reassemble to the input.
    let rebuilt = match origin.port() {
        Some(port) => format!("{}://{}:{port}", origin.scheme(), origin.host()),
        None => format!("{}://{}", origin.scheme(), origin.host()),
    };
    assert_eq!(rebuilt, input, "accessors do not reassemble the input");

    // Scheme: `[a-z][a-z0-9+.-]*` (URL standard, "scheme state", lowercased).
    let scheme = origin.scheme().as_bytes();
    assert!(scheme.first().is_some_and(u8::is_ascii_lowercase), "scheme");
    assert!(
        scheme
            .iter()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'+' | b'-' | b'.')),
        "scheme characters"
    );
    let host = origin.host();
    assert!(!host.is_empty(), "empty host");
    assert!(
        !host.bytes().any(|b| b.is_ascii_uppercase()),
        "uppercase host"
    );
    assert!(host.is_ascii(), "non-ASCII host");
    assert_ne!(origin.port(), Some(0), "port 0");

    if origin.scheme() == "file" {
        // Finding `file-scheme`: `file:` documents send `Origin: null` (their origin is
        // opaque), so no browser sends `file://host`.
        assert!(
            common::tolerated("file-scheme"),
            "accepted {input:?}: browsers send null for file: pages"
        );
        return;
    }
    let url = match url::Url::parse(input) {
        Ok(url) => url,
        // Finding `punycode`: labels starting `xn--` are not checked to decode.
        Err(url::ParseError::IdnaError)
            if host.contains("xn--") && common::tolerated("punycode") =>
        {
            return;
        }
        Err(e) => panic!("accepted {input:?}, which is not a URL at all: {e}"),
    };
    assert_eq!(url.scheme(), origin.scheme());
    if common::TUPLE_SCHEMES.contains(&url.scheme()) {
        // A tuple origin whose serialization is the input itself: no default port, no path,
        // no userinfo, lowercase, punycode, canonical IP addresses.
        let serialized = url.origin().ascii_serialization();
        assert_eq!(serialized, input, "not the URL standard's serialization");
        let reference = common::reference_origin(input)
            .unwrap_or_else(|| panic!("accepted {input:?} outside the documented host rules"));
        assert_eq!(reference.host, host);
        assert_eq!(reference.port, origin.port());
        assert_eq!(
            reference.loopback,
            origin.is_loopback(),
            "is_loopback disagrees with the URL standard's host"
        );
    } else {
        // Other schemes (`chrome-extension://id`): the URL standard sees the same parts.
        assert_eq!(url.host_str(), Some(host), "host");
        assert_eq!(url.port(), origin.port(), "port");
        assert_eq!(url.path(), "", "path");
        assert_eq!(url.query(), None);
        assert_eq!(url.fragment(), None);
        assert_eq!(url.username(), "");
    }
}

fn check_refused(input: &str) {
    if std::env::var_os("CORS_FUZZ_COMPLETENESS").is_none() {
        return;
    }
    if let Some(reference) = common::reference_origin(input) {
        if reference.scheme == "http" || reference.scheme == "https" {
            panic!("refused {input:?}, a canonical origin: {reference:?}");
        }
    }
}
