//! The requests a browser sends and the responses it gets, recorded for reports.

use std::fmt;

use actix_web::{
    http::{header::HeaderName, StatusCode},
    web::Bytes,
};

use super::protocol::HeaderList;

/// A request as sent on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRequest {
    /// The method, as sent (normalised).
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// The headers, in the order sent (including `Host`).
    pub headers: HeaderList,
}

/// A response as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedResponse {
    /// The status code.
    pub status: u16,
    /// All headers, in the order received (for the simulation: the order of actix's
    /// `HeaderMap`, which is not the wire order).
    pub headers: HeaderList,
    /// The body (empty for `HEAD`, and for preflights whose body was not read).
    pub body: Bytes,
}

impl ReceivedResponse {
    /// All values of a header, in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_bytes())
    }

    /// The first value of a header as text, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.to_str().ok())
    }
}

/// One request and its response.
///
/// Its [`Display`](fmt::Display) reads like `curl -v`: `>` lines for the request, `<` lines
/// for the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// What the browser sent.
    pub request: SentRequest,
    /// What it got back.
    pub response: ReceivedResponse,
}

impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = url::Url::parse(&self.request.url)
            .map(|url| match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            })
            .unwrap_or_else(|_| self.request.url.clone());
        writeln!(f, "> {} {target} HTTP/1.1", self.request.method)?;
        write_headers(f, "> ", &self.request.headers)?;
        let reason = StatusCode::from_u16(self.response.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        writeln!(f, "< HTTP/1.1 {} {reason}", self.response.status)?;
        write_headers(f, "< ", &self.response.headers)?;
        if !self.response.body.is_empty() {
            const SHOWN: usize = 200;
            let body = &self.response.body;
            let shown = String::from_utf8_lossy(&body[..body.len().min(SHOWN)]);
            let cut = if body.len() > SHOWN { "…" } else { "" };
            writeln!(f, "<")?;
            writeln!(f, "< {}{cut}", shown.replace('\n', "\n< "))?;
        }
        Ok(())
    }
}

fn write_headers(
    f: &mut fmt::Formatter<'_>,
    prefix: &str,
    headers: &[(HeaderName, actix_web::http::header::HeaderValue)],
) -> fmt::Result {
    for (name, value) in headers {
        writeln!(
            f,
            "{prefix}{}: {}",
            name,
            String::from_utf8_lossy(value.as_bytes())
        )?;
    }
    Ok(())
}
