//! The servers the browser talks to, built in-process with this crate, and the log of every
//! request they received.
//!
//! Both listen on 127.0.0.1 only, with TLS in an https run (a certificate made at start with
//! `rcgen`); the browsers reach them under many host names (Chromium's
//! `--host-resolver-rules`, Firefox's `network.dns.forceResolve`, a forwarding proxy for
//! WebKit), so one port serves pages for every page origin and the API. An https run also
//! serves the main app over plain http on a third port, for the scheme-mismatch and
//! mixed-content cases.
//!
//! - **main** (`http://*.test:MAIN`): a strict credentialed `/api`, permissive `/public`,
//!   `/nocache` (Max-Age 0), `/patchy` (allows `PATCH`), and two nestings: permissive scope
//!   around a strict scope (`/nested`), strict scope around a permissive resource (`/res`).
//! - **outer** (`http://*.test:OUTER`): an app-level permissive policy around a strict `/api`.
//!
//! Every request is recorded before any middleware answers it, tagged with the `case` query
//! parameter that the suite puts on every URL, so a test can tell whether a preflight or the
//! actual request of a case reached the server.

use std::{
    net::TcpListener,
    sync::{mpsc, Arc, Mutex},
    thread,
    time::{Duration, Instant},
};

use actix_scoped_cors::{Cors, Policy};
use actix_web::HttpServer;
use actix_web::{
    dev::{ServerHandle, Service, ServiceResponse},
    error::{ErrorConflict, ErrorUnauthorized},
    http::{header, StatusCode},
    web, HttpRequest, HttpResponse,
};

use super::engine::Scheme;
use serde_json::{json, Value};

/// The value of the session cookie the suite makes the browser store for `api.test`.
pub const SESSION_COOKIE: &str = "sid=browser-suite-session";
/// The value of the cookie set by a credentialed CORS response.
pub const CORS_SET_COOKIE: &str = "sid2=set-by-cors-response";

/// Which in-process server a page or a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Main,
    Outer,
}

/// The scheme of a page or a request: the run's, or plain http in an https run (served by
/// the main app's plain listener).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Run,
    PlainHttp,
}

/// The ports of one run: the two servers in the run's scheme, and in an https run the main
/// app over plain http.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    pub scheme: Scheme,
    pub main: u16,
    pub outer: u16,
    pub plain: Option<u16>,
}

impl Ports {
    /// `scheme://host:port` of `server` reached `via` the run's scheme or plain http.
    pub fn origin(&self, host: &str, server: Server, via: Via) -> String {
        match via {
            Via::Run => format!("{}://{host}:{}", self.scheme.as_str(), self.port(server)),
            Via::PlainHttp => format!(
                "http://{host}:{}",
                self.plain
                    .expect("a plain-http case runs only in an https run")
            ),
        }
    }

    pub fn port(&self, server: Server) -> u16 {
        match server {
            Server::Main => self.main,
            Server::Outer => self.outer,
        }
    }
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Hit {
    pub server: Server,
    /// `http` or `https`, as the connection was.
    pub scheme: String,
    pub method: String,
    pub path: String,
    pub case: Option<String>,
    pub origin: Option<String>,
    pub cookie: Option<String>,
}

pub type HitLog = Arc<Mutex<Vec<Hit>>>;

/// Both servers, running on their own actix system thread until dropped.
pub struct Servers {
    pub ports: Ports,
    pub hits: HitLog,
    handles: Vec<ServerHandle>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Servers {
    /// The requests recorded for one case.
    pub fn hits_for(&self, case: &str) -> Vec<Hit> {
        self.hits
            .lock()
            .expect("hit log lock")
            .iter()
            .filter(|hit| hit.case.as_deref() == Some(case))
            .cloned()
            .collect()
    }

    pub fn all_hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("hit log lock").clone()
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for handle in &self.handles {
            // The stop command is sent at once; the returned future only awaits completion.
            drop(handle.stop(false));
        }
        // Bounded: a server that does not stop must not hang the test binary.
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Some(thread) = self.thread.take() {
            if thread.is_finished() {
                let _ = thread.join();
            } else if Instant::now() < deadline {
                self.thread = Some(thread);
                thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// The main server's app (without the request recorder), for the server and the simulation.
macro_rules! main_app {
    ($policies:expr) => {
        actix_web::App::new().configure(|cfg| $crate::server::main_routes(cfg, $policies))
    };
}
pub(crate) use main_app;

/// The outer server's app: an app-level permissive policy around a strict scope.
macro_rules! outer_app {
    ($policies:expr) => {
        actix_web::App::new()
            .wrap(actix_scoped_cors::Cors::permissive().defer_to_inner_policies())
            .configure(|cfg| $crate::server::outer_routes(cfg, $policies))
    };
}
pub(crate) use outer_app;

/// Records every request (outermost layer, before any CORS middleware can answer it).
macro_rules! recorded {
    ($app:expr, $server:expr, $log:expr) => {{
        let log: HitLog = $log;
        $app.wrap_fn(move |req, srv| {
            let header = |name: header::HeaderName| {
                req.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let case = web::Query::<std::collections::HashMap<String, String>>::from_query(
                req.query_string(),
            )
            .ok()
            .and_then(|q| q.get("case").cloned());
            let cookie = cookie_header(req.headers());
            let hit = Hit {
                server: $server,
                scheme: req.connection_info().scheme().to_owned(),
                method: req.method().to_string(),
                path: req.path().to_owned(),
                case,
                origin: header(header::ORIGIN),
                cookie,
            };
            log.lock().expect("hit log lock").push(hit);
            srv.call(req)
        })
    }};
}

/// Starts both servers for a run over `scheme`; `secure_cookies` says whether the session
/// cookies carry `Secure` (WebKit over plain http stores no `Secure` cookie, so its http
/// run gets `SameSite=None` alone).
pub fn start(scheme: Scheme, secure_cookies: bool) -> Servers {
    let bind = |what: &str| {
        TcpListener::bind(("127.0.0.1", 0)).unwrap_or_else(|e| panic!("bind {what}: {e}"))
    };
    let port = |listener: &TcpListener| listener.local_addr().expect("local address").port();
    let (main_socket, outer_socket) = (bind("main server"), bind("outer server"));
    let plain_socket = (scheme == Scheme::Https).then(|| bind("plain main server"));
    let ports = Ports {
        scheme,
        main: port(&main_socket),
        outer: port(&outer_socket),
        plain: plain_socket.as_ref().map(port),
    };
    let tls = (scheme == Scheme::Https).then(tls_config);
    let hits = HitLog::default();
    let policies = Policies::new(ports, secure_cookies);
    let (started, on_start) = mpsc::channel();
    let log = hits.clone();
    let thread = thread::spawn(move || {
        let system = actix_rt::System::new();
        system.block_on(async move {
            let (p, l) = (policies.clone(), log.clone());
            let main = HttpServer::new(move || recorded!(main_app!(&p), Server::Main, l.clone()))
                .workers(1)
                .disable_signals()
                .shutdown_timeout(1);
            let main = match (&tls, plain_socket) {
                (Some(tls), Some(plain)) => main
                    .listen_rustls_0_23(main_socket, tls.clone())
                    .and_then(|server| server.listen(plain)),
                _ => main.listen(main_socket),
            }
            .expect("listen main")
            .run();
            let (p, l) = (policies, log);
            let outer =
                HttpServer::new(move || recorded!(outer_app!(&p), Server::Outer, l.clone()))
                    .workers(1)
                    .disable_signals()
                    .shutdown_timeout(1);
            let outer = match tls {
                Some(tls) => outer.listen_rustls_0_23(outer_socket, tls),
                None => outer.listen(outer_socket),
            }
            .expect("listen outer")
            .run();
            started
                .send(vec![main.handle(), outer.handle()])
                .expect("report start");
            let outer = actix_rt::spawn(outer);
            let _ = main.await;
            let _ = outer.await;
        });
    });
    let handles = on_start
        .recv_timeout(Duration::from_secs(30))
        .expect("test servers started");
    Servers {
        ports,
        hits,
        handles,
        thread: Some(thread),
    }
}

/// A rustls configuration with a self-signed certificate made now (the browsers are told to
/// accept it: `--ignore-certificate-errors`, `acceptInsecureCerts`).
fn tls_config() -> rustls::ServerConfig {
    let certified = rcgen::generate_simple_self_signed(vec![
        "api.test".to_owned(),
        "app.test".to_owned(),
        "localhost".to_owned(),
    ])
    .expect("generate the test certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS 1.2 and 1.3 with ring")
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key)
    .expect("the test certificate and key match")
}

/// Every policy of the test apps, built once for both servers.
#[derive(Clone)]
pub struct Policies {
    /// The attributes of the session cookies (`SameSite=None; Secure`, or without `Secure`).
    cookie_attributes: &'static str,
    api: Policy,
    no_cache: Policy,
    /// A bearer-token API: the allowlist without credentials, preflights answered `200`.
    bearer: Policy,
    patchy: Policy,
    public: Policy,
    nested_strict: Policy,
    res_strict: Policy,
    outer_strict: Policy,
}

impl Policies {
    pub fn new(ports: Ports, secure_cookies: bool) -> Policies {
        let scheme = ports.scheme.as_str();
        let (main, outer) = (ports.main, ports.outer);
        let app = format!("{scheme}://app.test:{main}");
        let tenants = format!("{scheme}://*.tenant.test:{main}");
        // The scheme-mismatch case: `http://app.test:PLAIN` against this `https` entry, which
        // differs from the page's origin by the scheme only.
        let mismatched = ports.plain.map(|plain| format!("https://app.test:{plain}"));
        // In the http run the test origins are plain-http, non-loopback names, which a strict
        // policy refuses with credentials unless told otherwise: hence
        // `allow_insecure_http_origins()`. On the browser side the same origins are made
        // secure contexts (Chromium's `--unsafely-treat-insecure-origin-as-secure`, Firefox's
        // `dom.securecontext.allowlist`), so `Secure` cookies work over http.
        let strict = |origins: Vec<String>| {
            Cors::strict(origins)
                .allow_insecure_http_origins()
                .allow_methods(["GET", "HEAD", "POST", "PUT", "DELETE"])
                .allow_headers(["content-type", "authorization", "x-allowed"])
                .expose_headers(["x-request-id"])
        };
        let build = |cors: Result<Policy, actix_scoped_cors::ConfigError>| {
            cors.unwrap_or_else(|e| panic!("test policy must be valid: {e}"))
        };
        Policies {
            cookie_attributes: if secure_cookies {
                "SameSite=None; Secure"
            } else {
                "SameSite=None"
            },
            api: build(
                strict(
                    [app.clone(), tenants]
                        .into_iter()
                        .chain(mismatched)
                        .collect(),
                )
                .max_age(Duration::from_secs(600))
                .try_build(),
            ),
            no_cache: build(
                strict(vec![app.clone()])
                    .max_age(Duration::ZERO)
                    .try_build(),
            ),
            bearer: build(
                strict(vec![app.clone()])
                    .without_credentials()
                    .preflight_status(actix_web::http::StatusCode::OK)
                    .try_build(),
            ),
            patchy: build(
                strict(vec![app.clone()])
                    .allow_methods(["GET", "PATCH"])
                    .try_build(),
            ),
            public: build(
                Cors::permissive()
                    .expose_headers(["x-request-id"])
                    .try_build(),
            ),
            nested_strict: build(strict(vec![app.clone()]).try_build()),
            res_strict: build(
                strict(vec![app.clone()])
                    .defer_to_inner_policies()
                    .try_build(),
            ),
            outer_strict: build(
                strict(vec![app, format!("{scheme}://app.test:{outer}")]).try_build(),
            ),
        }
    }
}

/// The `Set-Cookie` attributes of the run, for the handlers.
#[derive(Clone, Copy)]
struct CookieAttributes(&'static str);

pub fn main_routes(cfg: &mut web::ServiceConfig, p: &Policies) {
    cfg.app_data(web::Data::new(CookieAttributes(p.cookie_attributes)))
        .route("/page", web::get().to(page))
        .route("/favicon.ico", web::get().to(HttpResponse::NoContent))
        .service(
            web::scope("/api")
                .wrap(p.api.clone())
                .route("/login", web::get().to(login))
                // One resource with both methods, so other methods get its 405.
                .service(
                    web::resource("/me")
                        .route(web::get().to(me))
                        .route(web::head().to(me)),
                )
                .route("/items", web::post().to(create_item))
                .route("/items/{id}", web::put().to(replace_item))
                .route("/items/{id}", web::patch().to(replace_item))
                .route("/items/{id}", web::delete().to(HttpResponse::NoContent))
                .route("/echo", web::post().to(echo))
                .route("/set-cookie", web::get().to(set_cookie))
                .route("/missing", web::get().to(missing))
                .route("/fail", web::get().to(fail))
                .route("/err", web::get().to(err))
                .service(
                    web::scope("/guarded")
                        .wrap_fn(|req, srv| {
                            let inner = srv.call(req);
                            async move {
                                drop(inner);
                                Err::<ServiceResponse, _>(ErrorUnauthorized(
                                    "inner middleware refused",
                                ))
                            }
                        })
                        .route("", web::get().to(me)),
                ),
        )
        .service(
            web::scope("/nocache")
                .wrap(p.no_cache.clone())
                .route("/items/{id}", web::put().to(replace_item)),
        )
        .service(
            web::scope("/bearer")
                .wrap(p.bearer.clone())
                .route("/me", web::get().to(me))
                .route("/items/{id}", web::put().to(replace_item)),
        )
        .service(
            web::scope("/patchy")
                .wrap(p.patchy.clone())
                .route("/items/{id}", web::patch().to(replace_item)),
        )
        .service(
            web::scope("/public")
                .wrap(p.public.clone())
                .route("/feed", web::get().to(feed))
                .route("/feed", web::post().to(create_item))
                .route("/feed", web::put().to(create_item))
                .route("/feed", web::patch().to(create_item))
                .route("/feed", web::delete().to(HttpResponse::NoContent)),
        )
        .service(
            web::scope("/nested")
                .wrap(Cors::permissive().defer_to_inner_policies())
                .route("/open", web::get().to(feed))
                .service(
                    web::scope("/strict")
                        .wrap(p.nested_strict.clone())
                        .route("/me", web::get().to(me))
                        .route("/items/{id}", web::put().to(replace_item)),
                ),
        )
        .service(
            web::scope("/res")
                .wrap(p.res_strict.clone())
                .service(
                    web::resource("/open")
                        .wrap(Cors::permissive())
                        .route(web::get().to(feed))
                        .route(web::put().to(create_item)),
                )
                .route("/closed", web::get().to(me)),
        );
}

pub fn outer_routes(cfg: &mut web::ServiceConfig, p: &Policies) {
    cfg.route("/page", web::get().to(page))
        .route("/favicon.ico", web::get().to(HttpResponse::NoContent))
        .route("/open", web::get().to(feed))
        .service(
            web::scope("/api")
                .wrap(p.outer_strict.clone())
                .route("/me", web::get().to(me))
                .route("/items/{id}", web::put().to(replace_item)),
        );
}

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body("<!doctype html><html><head><title>page</title></head><body>page</body></html>")
}

/// Loaded as a top-level page of `api.test`: a first-party `Set-Cookie`.
async fn login(attributes: web::Data<CookieAttributes>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::SET_COOKIE,
            format!("{SESSION_COOKIE}; {}; Path=/", attributes.0),
        ))
        .content_type("text/html; charset=utf-8")
        .body("<!doctype html><title>login</title>logged in")
}

/// Reads the cookie from a credentialed CORS response (set as a third-party cookie).
async fn set_cookie(attributes: web::Data<CookieAttributes>) -> HttpResponse {
    with_headers(HttpResponse::Ok())
        .insert_header((
            header::SET_COOKIE,
            format!("{CORS_SET_COOKIE}; {}; Path=/", attributes.0),
        ))
        .json(json!({ "set": true }))
}

/// Every `Cookie` field joined: over HTTP/2 a browser may send each cookie in a field of its
/// own (RFC 9113, 8.2.3), which `HeaderMap::get` would cut to the first.
pub fn cookie_header(headers: &header::HeaderMap) -> Option<String> {
    let crumbs: Vec<&str> = headers
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!crumbs.is_empty()).then(|| crumbs.join("; "))
}

fn with_headers(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header(("x-request-id", "42"))
        .insert_header(("x-secret", "not-exposed"));
    builder
}

async fn me(req: HttpRequest) -> HttpResponse {
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    with_headers(HttpResponse::Ok()).json(json!({
        "user": "browser-suite",
        "cookie": cookie_header(req.headers()),
        "authorization": header(header::AUTHORIZATION),
    }))
}

async fn create_item(item: web::Json<Value>) -> HttpResponse {
    with_headers(HttpResponse::Created()).json(item.into_inner())
}

async fn replace_item(id: web::Path<String>, item: web::Json<Value>) -> HttpResponse {
    with_headers(HttpResponse::Ok()).json(json!({ "id": id.into_inner(), "item": item.0 }))
}

async fn echo(body: String) -> HttpResponse {
    with_headers(HttpResponse::Ok())
        .content_type("text/plain; charset=utf-8")
        .body(body)
}

async fn feed() -> HttpResponse {
    with_headers(HttpResponse::Ok()).json(json!({ "feed": "public" }))
}

async fn missing() -> HttpResponse {
    with_headers(HttpResponse::NotFound()).json(json!({ "error": "no such item" }))
}

async fn fail() -> HttpResponse {
    with_headers(HttpResponse::build(StatusCode::INTERNAL_SERVER_ERROR))
        .json(json!({ "error": "something went wrong" }))
}

async fn err() -> Result<HttpResponse, actix_web::Error> {
    Err(ErrorConflict("handler returned Err: conflict"))
}
