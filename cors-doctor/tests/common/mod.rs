//! Local servers for the doctor's tests: actix-web on 127.0.0.1, over http, or over https
//! (rustls, HTTP/2 and HTTP/1.1 by ALPN) with a certificate made at test start.

#![allow(dead_code)] // Each test binary uses part of it.

use std::{net::SocketAddr, sync::mpsc, thread};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

/// The page's origin in every test.
pub const ORIGIN: &str = "http://localhost:3000";

/// A server running on its own thread and actix system, stopped on drop.
pub struct Server {
    addr: SocketAddr,
    system: actix_rt::System,
    scheme: &'static str,
}

impl Server {
    /// An http server with `configure`'s routes.
    pub fn start<F>(configure: F) -> Server
    where
        F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
    {
        Server::start_with(configure, None)
    }

    /// The same, over https with a fresh self-signed certificate for 127.0.0.1.
    pub fn start_https<F>(configure: F) -> Server
    where
        F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
    {
        Server::start_with(configure, Some(self_signed()))
    }

    fn start_with<F>(configure: F, tls: Option<rustls::ServerConfig>) -> Server
    where
        F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
    {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            actix_rt::System::new().block_on(async move {
                let server =
                    HttpServer::new(move || App::new().configure(configure.clone())).workers(1);
                // actix-web offers `h2` and `http/1.1` by ALPN on rustls listeners.
                let server = match tls {
                    Some(tls) => server.bind_rustls_0_23(("127.0.0.1", 0), tls),
                    None => server.bind(("127.0.0.1", 0)),
                }
                .expect("bind to an ephemeral port");
                let addr = server.addrs()[0];
                let running = server.run();
                tx.send((addr, actix_rt::System::current()))
                    .expect("the test waits for the address");
                running.await
            })
        });
        let (addr, system) = rx.recv().expect("the server starts");
        Server {
            addr,
            system,
            scheme,
        }
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.system.stop();
    }
}

fn self_signed() -> rustls::ServerConfig {
    let certified = rcgen::generate_simple_self_signed(["127.0.0.1".to_owned()])
        .expect("a self-signed certificate");
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
    rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default versions")
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key.into())
    .expect("a valid certificate and key")
}

/// The request's `Origin`, or empty.
pub fn reflect_origin(req: &HttpRequest) -> String {
    req.headers()
        .get("origin")
        .and_then(|o| o.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// `*` with credentials on every response: the classic mistake.
pub fn wildcard_and_credentials(cfg: &mut web::ServiceConfig) {
    cfg.default_service(web::to(|| async {
        HttpResponse::Ok()
            .insert_header(("access-control-allow-origin", "*"))
            .insert_header(("access-control-allow-credentials", "true"))
            .finish()
    }));
}

/// Reflects the origin with credentials, but answers preflights with a fixed, too short
/// list of methods (`GET, POST, PUT`) and headers (`content-type`).
pub fn narrow_cors(cfg: &mut web::ServiceConfig) {
    cfg.default_service(web::to(|req: HttpRequest| async move {
        let mut response = if req.method() == "OPTIONS" {
            HttpResponse::NoContent()
        } else {
            HttpResponse::Ok()
        };
        response
            .insert_header(("access-control-allow-origin", reflect_origin(&req)))
            .insert_header(("access-control-allow-credentials", "true"));
        if req.method() == "OPTIONS" {
            response
                .insert_header(("access-control-allow-methods", "GET, POST, PUT"))
                .insert_header(("access-control-allow-headers", "content-type"));
        }
        response.finish()
    }));
}
