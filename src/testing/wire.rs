//! A tiny blocking HTTP/1.1 client over `std::net::TcpStream`, enough for the doctor: one
//! request per connection (`Connection: close`), plain `http` only.

use std::{
    io::{Read, Write},
    net::{TcpStream, ToSocketAddrs},
    time::Duration,
};

use actix_web::{
    http::header::{HeaderName, HeaderValue, CONNECTION, CONTENT_LENGTH},
    web::Bytes,
};

use super::{protocol::HeaderList, ReceivedResponse, SentRequest};

/// The most bytes of a response read; the rest is ignored.
const MAX_RESPONSE_LEN: u64 = 4 * 1024 * 1024;

/// Sends `request` and reads the whole response. Adds `Content-Length: 0` to body-carrying
/// methods and `Connection: close`, recording them in `request`.
pub(crate) fn send(
    request: &mut SentRequest,
    timeout: Duration,
) -> Result<ReceivedResponse, String> {
    let url = url::Url::parse(&request.url).map_err(|e| format!("invalid URL: {e}"))?;
    if url.scheme() != "http" {
        return Err(format!(
            "only plain http is supported, not {}: (point the doctor at the server behind \
             the TLS terminator)",
            url.scheme()
        ));
    }
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().unwrap_or(80);
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    if !matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        request
            .headers
            .push((CONTENT_LENGTH, HeaderValue::from_static("0")));
    }
    request
        .headers
        .push((CONNECTION, HeaderValue::from_static("close")));

    let mut wire = format!("{} {target} HTTP/1.1\r\n", request.method).into_bytes();
    for (name, value) in &request.headers {
        wire.extend_from_slice(name.as_str().as_bytes());
        wire.extend_from_slice(b": ");
        wire.extend_from_slice(value.as_bytes());
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"\r\n");

    let address = (host.trim_matches(['[', ']']), port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {host}"))?;
    let mut stream = TcpStream::connect_timeout(&address, timeout)
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(&wire)
        .map_err(|e| format!("cannot send the request: {e}"))?;
    let mut raw = Vec::new();
    stream
        .take(MAX_RESPONSE_LEN)
        .read_to_end(&mut raw)
        .map_err(|e| format!("cannot read the response: {e}"))?;
    parse_response(&raw, request.method == "HEAD")
}

/// Parses a raw HTTP/1.1 response, skipping interim (1xx) responses.
pub(crate) fn parse_response(mut raw: &[u8], head: bool) -> Result<ReceivedResponse, String> {
    loop {
        let end = find(raw, b"\r\n\r\n").ok_or("the response ended before its headers did")?;
        let (head_bytes, rest) = (&raw[..end], &raw[end + 4..]);
        let text = String::from_utf8_lossy(head_bytes);
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .filter(|_| status_line.starts_with("HTTP/"))
            .ok_or_else(|| format!("not an HTTP response: {status_line:?}"))?;
        if (100..200).contains(&status) && status != 101 {
            raw = rest;
            continue;
        }
        let headers = parse_headers(&head_bytes[status_line.len()..]);
        let body = if head || status == 204 || status == 304 {
            Bytes::new()
        } else {
            body(&headers, rest)
        };
        return Ok(ReceivedResponse {
            status,
            headers,
            body,
        });
    }
}

fn parse_headers(block: &[u8]) -> HeaderList {
    block
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let name = HeaderName::from_bytes(&line[..colon]).ok()?;
            let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii()).ok()?;
            Some((name, value))
        })
        .collect()
}

fn body(headers: &HeaderList, rest: &[u8]) -> Bytes {
    let value = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.to_str().ok())
    };
    if value("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        return dechunk(rest);
    }
    match value("content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(len) => Bytes::copy_from_slice(&rest[..len.min(rest.len())]),
        None => Bytes::copy_from_slice(rest),
    }
}

fn dechunk(mut rest: &[u8]) -> Bytes {
    let mut body = Vec::new();
    while let Some(line_end) = find(rest, b"\r\n") {
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            break;
        };
        rest = &rest[line_end + 2..];
        if size == 0 || size > rest.len() {
            body.extend_from_slice(&rest[..size.min(rest.len())]);
            break;
        }
        body.extend_from_slice(&rest[..size]);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
    Bytes::from(body)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_repeated_headers_interim_responses_and_chunks() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\
            access-control-allow-origin: https://a.example\r\n\
            Access-Control-Allow-Origin:  https://a.example \r\n\
            transfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let response = parse_response(raw, false).unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(
            response
                .header_values("access-control-allow-origin")
                .collect::<Vec<_>>(),
            [
                b"https://a.example".as_slice(),
                b"https://a.example".as_slice()
            ]
        );
        assert_eq!(response.body.as_ref(), b"abcde");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_response(b"hello", false).is_err());
        assert!(parse_response(b"SSH-2.0\r\n\r\n", false).is_err());
        let response = parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\nab", false);
        assert_eq!(response.unwrap().body.as_ref(), b"ab");
    }
}
