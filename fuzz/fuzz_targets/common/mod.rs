//! What the fuzz targets share: an origin reference written from the URL standard (through
//! the `url` crate, never through the crate under test), request-head builders that skip
//! bytes a header value cannot hold instead of panicking, and a browser's preflight checks
//! (CONFORMANCE.md, "The browser's checks", 1–4).

// Each target uses its own subset.
#![allow(dead_code)]

use std::{
    future::Future,
    net::Ipv6Addr,
    pin::pin,
    task::{Context, Poll, Waker},
};

use actix_scoped_cors::testing::MAX_ORIGIN_LEN;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

/// An origin as the URL standard sees it, with the parts a policy matches on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefOrigin {
    pub scheme: String,
    /// Lowercase DNS name, dotted IPv4, or bracketed compressed IPv6.
    pub host: String,
    /// `None` for the scheme's default port.
    pub port: Option<u16>,
    pub is_domain: bool,
    /// `localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`.
    pub loopback: bool,
}

/// The schemes whose URLs have a tuple origin (URL standard, "special schemes" but `file`).
pub const TUPLE_SCHEMES: [&str; 5] = ["http", "https", "ws", "wss", "ftp"];

/// `s` as a browser could send it in `Origin` for a page of a special scheme: the URL
/// standard's ASCII serialization of the origin of `s` is `s` itself, and the host obeys
/// the DNS limits the crate documents (labels of `[a-z0-9_-]`, 1 to 63 bytes, at most 253
/// bytes in all), and the whole value is at most `MAX_ORIGIN_LEN` bytes.
pub fn reference_origin(s: &str) -> Option<RefOrigin> {
    if s.len() > MAX_ORIGIN_LEN {
        return None;
    }
    let url = match url::Url::parse(s) {
        Ok(url) => url,
        // Finding `punycode`: judge the value as if its `xn--` labels were valid punycode
        // (`zz--`, same length), keeping its own host.
        Err(url::ParseError::IdnaError) if s.contains("xn--") && tolerated("punycode") => {
            let stand_in = s.replace("xn--", "zz--");
            return reference_origin(&stand_in).map(|origin| RefOrigin {
                host: origin.host.replace("zz--", "xn--"),
                ..origin
            });
        }
        Err(_) => return None,
    };
    let origin = url.origin();
    if !origin.is_tuple() || origin.ascii_serialization() != s {
        return None;
    }
    if !TUPLE_SCHEMES.contains(&url.scheme()) {
        return None;
    }
    let (is_domain, loopback) = match url.host()? {
        url::Host::Domain(name) => {
            let labels_ok = name.len() <= 253
                && name.split('.').all(|label| {
                    (1..=63).contains(&label.len())
                        && label
                            .bytes()
                            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'))
                });
            if !labels_ok {
                return None;
            }
            (true, name == "localhost" || name.ends_with(".localhost"))
        }
        url::Host::Ipv4(address) => (false, address.octets()[0] == 127),
        url::Host::Ipv6(address) => (false, address == Ipv6Addr::LOCALHOST),
    };
    Some(RefOrigin {
        scheme: url.scheme().to_owned(),
        host: url.host_str()?.to_owned(),
        port: url.port(),
        is_domain,
        loopback,
    })
}

/// Whether `s` is a well-formed tuple origin a strict policy may ever reflect without any
/// opt-in: well-formed per [`reference_origin`], and `https` or loopback `http`.
pub fn reflectable_without_opt_in(s: &str) -> bool {
    reference_origin(s).is_some_and(|o| o.scheme == "https" || (o.scheme == "http" && o.loopback))
}

/// Well-formed: a tuple origin per the URL standard, or an origin of another scheme with a
/// plain host (`chrome-extension://id`) that the URL standard reads the same way.
pub fn well_formed(candidate: &str) -> bool {
    if reference_origin(candidate).is_some() {
        return true;
    }
    if candidate.starts_with("file://") && tolerated("file-scheme") {
        return true;
    }
    let Ok(url) = url::Url::parse(candidate) else {
        return false;
    };
    !TUPLE_SCHEMES.contains(&url.scheme())
        && url.scheme() != "file"
        && actix_scoped_cors::Origin::parse(candidate).is_some_and(|o| {
            url.host_str() == Some(o.host()) && url.port() == o.port() && url.path().is_empty()
        })
}

/// A header value from arbitrary bytes, dropping the bytes no header value may hold
/// (controls other than tab, DEL), so that building a request never panics.
pub fn header_value(bytes: &[u8]) -> HeaderValue {
    let kept: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
        .collect();
    HeaderValue::from_bytes(&kept).expect("filtered to valid header-value bytes")
}

/// Polls a future that is ready at once (the middleware over a synchronous inner service).
pub fn now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the CORS middleware over a ready service was not ready"),
    }
}

/// The `tchar` of RFC 9110.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The elements of a comma-separated header list over all its lines, trimmed of optional
/// whitespace, empty ones dropped.
pub fn list_elements<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Vec<&'a [u8]> {
    lines
        .into_iter()
        .flat_map(|line| line.split(|&b| b == b','))
        .map(trim_ows)
        .filter(|name| !name.is_empty())
        .collect()
}

/// Trims spaces and tabs (HTTP's optional whitespace) from both ends.
pub fn trim_ows(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

/// The single value of `name`, if the response carries exactly one line of it.
pub fn single<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
    let mut lines = headers.get_all(name);
    match (lines.next(), lines.next()) {
        (Some(value), None) => Some(value),
        _ => None,
    }
}

/// A browser's CORS check on a response (Fetch, "CORS check"): one ACAO line, `*` only for
/// anonymous requests, otherwise byte-equal to the request's origin; with credentials, one
/// ACAC line that is exactly `true`.
pub fn browser_cors_check(headers: &HeaderMap, origin: &[u8], credentialed: bool) -> bool {
    use actix_web::http::header::{
        ACCESS_CONTROL_ALLOW_CREDENTIALS as ACAC, ACCESS_CONTROL_ALLOW_ORIGIN as ACAO,
    };
    let Some(acao) = single(headers, &ACAO) else {
        return false;
    };
    if acao == "*" {
        return !credentialed;
    }
    if acao.as_bytes() != origin {
        return false;
    }
    !credentialed || single(headers, &ACAC).is_some_and(|v| v == "true")
}

/// A browser's checks on a preflight response for `method` and the request header `names`
/// (Fetch, "CORS-preflight fetch", steps 6–8): 2xx, the CORS check, the method safelisted or
/// listed byte-exactly (or `*` without credentials), every name listed case-insensitively (or
/// covered by `*` without credentials, which never covers `authorization`).
pub fn browser_preflight_check(
    status: u16,
    headers: &HeaderMap,
    origin: &[u8],
    credentialed: bool,
    method: &[u8],
    names: &[&[u8]],
) -> Result<(), String> {
    use actix_web::http::header::{
        ACCESS_CONTROL_ALLOW_HEADERS as ACAH, ACCESS_CONTROL_ALLOW_METHODS as ACAM,
    };
    if !(200..300).contains(&status) {
        return Err(format!("status {status}"));
    }
    if !browser_cors_check(headers, origin, credentialed) {
        return Err("CORS check fails".into());
    }
    // Browsers parse each of these as one list over all lines; a line that is not a valid
    // list makes the preflight fail, so a well-behaved server sends tokens only.
    let acam: Vec<&[u8]> = list_elements(headers.get_all(ACAM).map(HeaderValue::as_bytes));
    let acah: Vec<&[u8]> = list_elements(headers.get_all(ACAH).map(HeaderValue::as_bytes));
    for item in acam.iter().chain(&acah) {
        if !item.iter().all(|&b| is_tchar(b)) {
            return Err(format!("not a token in ACAM/ACAH: {:?}", show(item)));
        }
    }
    let safelisted = matches!(method, b"GET" | b"HEAD" | b"POST");
    let method_ok =
        safelisted || acam.contains(&method) || (!credentialed && acam.iter().any(|m| *m == b"*"));
    if !method_ok {
        return Err(format!("method {:?} not in ACAM {acam:?}", show(method)));
    }
    // With credentials `*` means nothing (CONFORMANCE.md: never bare `*`). Finding
    // `star-echo`: a requested name `*` is echoed into ACAH.
    if credentialed && acam.iter().chain(&acah).any(|t| *t == b"*") && !tolerated("star-echo") {
        return Err(format!(
            "`*` with credentials in ACAM {acam:?} or ACAH {acah:?}"
        ));
    }
    for name in names {
        let listed = acah.iter().any(|h| h.eq_ignore_ascii_case(name));
        let star = !credentialed
            && !name.eq_ignore_ascii_case(b"authorization")
            && acah.iter().any(|h| *h == b"*");
        if !listed && !star {
            return Err(format!("header {:?} not covered by ACAH", show(name)));
        }
    }
    Ok(())
}

/// Bytes as text for messages.
pub fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Whether the known finding `name` is tolerated in this run: listed in the comma-separated
/// `CORS_FUZZ_TOLERATE` (see fuzz/README.md, "Findings"). Nothing is tolerated by default,
/// so CI fails on every finding until `src/` fixes it.
pub fn tolerated(name: &str) -> bool {
    static LIST: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        let list: Vec<String> = std::env::var("CORS_FUZZ_TOLERATE")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if !list.is_empty() {
            eprintln!("CORS_FUZZ_TOLERATE: tolerating the known findings {list:?}");
        }
        list
    })
    .iter()
    .any(|t| t == name)
}
