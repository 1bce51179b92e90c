//! The doctor's transport: ureq, a maintained blocking HTTP/1.1 client, with rustls for
//! `https`. It sends exactly the request the browser would (no `User-Agent`, `Accept` or
//! `Accept-Encoding` of its own) and never follows redirects: the browser's CORS rules decide
//! what a redirect means.

use std::time::Duration;

use actix_scoped_cors::testing::{ReceivedResponse, SentRequest};
use actix_web::{
    http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, HOST},
    web::Bytes,
};
use ureq::{
    config::AutoHeaderValue,
    tls::{TlsConfig, TlsProvider},
    Agent,
};

/// The most bytes of a response body read; a longer body is an error.
const MAX_BODY_LEN: u64 = 4 * 1024 * 1024;

pub(crate) struct Client {
    agent: Agent,
}

impl Client {
    pub(crate) fn new(timeout: Duration, insecure: bool) -> Client {
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .disable_verification(insecure)
            .build();
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .allow_non_standard_methods(true)
            .user_agent(AutoHeaderValue::None)
            .accept(AutoHeaderValue::None)
            .accept_encoding(AutoHeaderValue::None)
            .proxy(None)
            .timeout_connect(Some(timeout))
            .timeout_per_read(Some(timeout))
            .timeout_per_write(Some(timeout))
            .tls_config(tls)
            .build();
        Client {
            agent: Agent::new_with_config(config),
        }
    }

    /// Sends `request` and reads the whole response. Body-carrying methods get
    /// `Content-Length: 0`, recorded in `request` as sent.
    pub(crate) fn send(&self, request: &mut SentRequest) -> Result<ReceivedResponse, String> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(request.url.as_str());
        // ureq writes `Host` from the URL, as the browser does.
        for (name, value) in request.headers.iter().filter(|(name, _)| *name != HOST) {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
        let with_body = !matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        let result = if with_body {
            request
                .headers
                .push((CONTENT_LENGTH, HeaderValue::from_static("0")));
            let http_request = builder.body(&[][..]).map_err(|e| e.to_string())?;
            self.agent.run(http_request)
        } else {
            let http_request = builder.body(()).map_err(|e| e.to_string())?;
            self.agent.run(http_request)
        };
        let mut response = result.map_err(describe)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((
                    HeaderName::from_bytes(name.as_str().as_bytes()).ok()?,
                    HeaderValue::from_bytes(value.as_bytes()).ok()?,
                ))
            })
            .collect();
        let body = if request.method == "HEAD" {
            Bytes::new()
        } else {
            response
                .body_mut()
                .with_config()
                .limit(MAX_BODY_LEN)
                .read_to_vec()
                .map(Bytes::from)
                .map_err(describe)?
        };
        Ok(ReceivedResponse {
            status,
            headers,
            body,
        })
    }
}

fn describe(error: ureq::Error) -> String {
    match error {
        ureq::Error::Io(error) => format!("cannot reach the server: {error}"),
        other => other.to_string(),
    }
}
