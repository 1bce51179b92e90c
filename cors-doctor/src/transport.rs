//! The doctor's transport: reqwest's blocking client over rustls (ring), offering `h2` and
//! `http/1.1` by ALPN as browsers do, so an `https` server that speaks HTTP/2 is diagnosed
//! over HTTP/2. It sends exactly the request the browser would (no `User-Agent` or
//! `Accept-Encoding` of its own, no proxy) and never follows redirects: the browser's CORS
//! rules decide what a redirect means (see the crate's redirect handling).

use std::{fmt, io::Read, sync::Arc, time::Duration};

use actix_scoped_cors::testing::{ReceivedResponse, SentRequest};
use actix_web::{
    http::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_LENGTH, HOST},
    web::Bytes,
};
use reqwest::blocking::Client;
use rustls::{
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::{self, CryptoProvider},
    pki_types::{CertificateDer, ServerName, UnixTime},
    ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use serde::Serialize;

use crate::DoctorError;

/// The most bytes of a response body read; a longer body is an error.
const MAX_BODY_LEN: u64 = 4 * 1024 * 1024;

/// The HTTP version a response came over, as the client reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum HttpVersion {
    /// HTTP/1.0.
    #[serde(rename = "HTTP/1.0")]
    Http10,
    /// HTTP/1.1: plain `http`, or `https` to a server that does not offer `h2` by ALPN.
    #[serde(rename = "HTTP/1.1")]
    Http11,
    /// HTTP/2, negotiated by ALPN over TLS.
    #[serde(rename = "HTTP/2")]
    Http2,
}

impl fmt::Display for HttpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HttpVersion::Http10 => "HTTP/1.0",
            HttpVersion::Http11 => "HTTP/1.1",
            HttpVersion::Http2 => "HTTP/2",
        })
    }
}

pub(crate) struct Transport {
    client: Client,
}

impl Transport {
    pub(crate) fn new(timeout: Duration, insecure: bool) -> Result<Transport, DoctorError> {
        let client = Client::builder()
            .tls_backend_preconfigured(tls_config(insecure)?)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .map_err(|error| DoctorError::Network(describe(&error)))?;
        Ok(Transport { client })
    }

    /// Sends `request` and reads the whole response. Body-carrying methods get
    /// `Content-Length: 0`, and every request the `Accept: */*` reqwest adds when there is
    /// none (Chromium sends it on preflights too); both are recorded in `request` as sent.
    pub(crate) fn send(
        &self,
        request: &mut SentRequest,
    ) -> Result<(ReceivedResponse, HttpVersion), DoctorError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| DoctorError::Usage(format!("invalid method {}", request.method)))?;
        if !request.headers.iter().any(|(name, _)| name == ACCEPT) {
            request
                .headers
                .push((ACCEPT, HeaderValue::from_static("*/*")));
        }
        let with_body = !matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        if with_body {
            request
                .headers
                .push((CONTENT_LENGTH, HeaderValue::from_static("0")));
        }
        let mut builder = self.client.request(method, request.url.as_str());
        // The client writes `Host` (HTTP/1.1) or `:authority` (HTTP/2) from the URL.
        for (name, value) in request.headers.iter().filter(|(name, _)| *name != HOST) {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
        if with_body {
            builder = builder.body(Vec::new());
        }
        let response = builder
            .send()
            .map_err(|error| DoctorError::Network(describe(&error)))?;
        let status = response.status().as_u16();
        let version = match response.version() {
            reqwest::Version::HTTP_2 => HttpVersion::Http2,
            reqwest::Version::HTTP_10 | reqwest::Version::HTTP_09 => HttpVersion::Http10,
            _ => HttpVersion::Http11,
        };
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
            read_body(response)?
        };
        Ok((
            ReceivedResponse {
                status,
                headers,
                body,
            },
            version,
        ))
    }
}

fn read_body(response: reqwest::blocking::Response) -> Result<Bytes, DoctorError> {
    let mut body = Vec::new();
    response
        .take(MAX_BODY_LEN + 1)
        .read_to_end(&mut body)
        .map_err(|error| DoctorError::Network(format!("reading the response body: {error}")))?;
    if body.len() as u64 > MAX_BODY_LEN {
        return Err(DoctorError::Network(format!(
            "the response body is longer than {MAX_BODY_LEN} bytes"
        )));
    }
    Ok(Bytes::from(body))
}

/// rustls on ring, `h2` then `http/1.1` by ALPN; the Mozilla roots, or no verification of
/// the certificate's issuer and name with `insecure` (signatures are still checked).
fn tls_config(insecure: bool) -> Result<ClientConfig, DoctorError> {
    let provider = Arc::new(crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|error| DoctorError::Network(format!("TLS setup: {error}")))?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// `--insecure`: any certificate, for any name, as `curl -k`.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The whole chain of causes, and a hint when the server's certificate was refused.
fn describe(error: &reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut certificate = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        // `io::Error::source` skips the error it wraps: look inside it as well.
        let inner = cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
        for error in [Some(cause), inner].into_iter().flatten() {
            if let Some(rustls::Error::InvalidCertificate(_)) = error.downcast_ref() {
                certificate = true;
            }
        }
        let text = cause.to_string();
        if !causes.iter().any(|c: &String| c.contains(&text)) {
            causes.push(text);
        }
        source = inner.or_else(|| cause.source());
    }
    let message = if error.is_connect() && !certificate {
        format!("cannot reach the server: {}", causes.join(": "))
    } else {
        causes.join(": ")
    };
    if certificate {
        format!(
            "{message}\nthe server's TLS certificate is not trusted; for a test server with a \
             self-signed certificate, add --insecure (-k), as with curl -k"
        )
    } else {
        message
    }
}
