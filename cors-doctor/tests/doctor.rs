//! The doctor against real servers on 127.0.0.1: seven classic misconfigurations, each
//! written by hand, and one correct server built with this crate.

use std::{net::SocketAddr, sync::mpsc, thread};

use actix_scoped_cors::{
    testing::{AccessError, BlockReason},
    Cors,
};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use cors_doctor::{diagnose, Checkup, Diagnosis, DoctorError};

const ORIGIN: &str = "http://localhost:3000";

/// A server running on its own thread and actix system, stopped on drop.
struct Server {
    addr: SocketAddr,
    system: actix_rt::System,
    scheme: &'static str,
}

impl Server {
    fn start(configure: fn(&mut web::ServiceConfig)) -> Server {
        Server::start_with(configure, None)
    }

    /// The same, over https with a fresh self-signed certificate for 127.0.0.1.
    fn start_https(configure: fn(&mut web::ServiceConfig)) -> Server {
        Server::start_with(configure, Some(self_signed()))
    }

    fn start_with(
        configure: fn(&mut web::ServiceConfig),
        tls: Option<rustls::ServerConfig>,
    ) -> Server {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            actix_rt::System::new().block_on(async move {
                let server = HttpServer::new(move || App::new().configure(configure)).workers(1);
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

    fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.addr)
    }
}

fn self_signed() -> rustls::ServerConfig {
    let certified = rcgen::generate_simple_self_signed(["127.0.0.1".to_owned()])
        .expect("a self-signed certificate");
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
    rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key.into())
        .expect("a valid certificate and key")
}

impl Drop for Server {
    fn drop(&mut self) {
        self.system.stop();
    }
}

fn run(checkup: Checkup) -> Diagnosis {
    let diagnosis = diagnose(&checkup).expect("the server answers");
    println!("{diagnosis}");
    diagnosis
}

fn assert_fix(diagnosis: &Diagnosis, expected: &str) {
    assert!(
        diagnosis.fixes.iter().any(|fix| fix.contains(expected)),
        "no fix contains {expected:?}:\n{diagnosis}"
    );
    assert!(diagnosis.to_string().contains(expected));
    assert_eq!(diagnosis.exit_code(), 1);
}

fn reflect_origin(req: &HttpRequest) -> String {
    req.headers()
        .get("origin")
        .and_then(|o| o.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[test]
fn no_acao_on_the_actual_response() {
    let server = Server::start(|cfg| {
        cfg.default_service(web::to(|| async { HttpResponse::Ok().body("data") }));
    });
    let diagnosis = run(Checkup::new(server.url("/api/me"), ORIGIN));
    assert!(!diagnosis.report.preflight_sent());
    assert_eq!(
        diagnosis.report.block_reason(),
        Some(&BlockReason::Access(AccessError::MissingAllowOriginHeader))
    );
    assert_fix(
        &diagnosis,
        "No Access-Control-Allow-Origin: the origin is not allowed, or nothing answers CORS on \
         this route",
    );
}

#[test]
fn preflight_not_handled_405() {
    let server = Server::start(|cfg| {
        cfg.service(web::resource("/api/items").route(web::put().to(
            |req: HttpRequest| async move {
                HttpResponse::Ok()
                    .insert_header(("access-control-allow-origin", reflect_origin(&req)))
                    .finish()
            },
        )));
    });
    let diagnosis = run(Checkup::new(server.url("/api/items"), ORIGIN).method("PUT"));
    let preflight = diagnosis.report.preflight_exchange().unwrap();
    assert_eq!(preflight.response.status, 405);
    assert_fix(
        &diagnosis,
        "the preflight answered 405: nothing handles OPTIONS on this route",
    );
}

#[test]
fn preflight_answered_401_by_authentication() {
    let server = Server::start(|cfg| {
        cfg.default_service(web::to(|req: HttpRequest| async move {
            if !req.headers().contains_key("authorization") {
                return HttpResponse::Unauthorized().finish();
            }
            HttpResponse::Ok()
                .insert_header(("access-control-allow-origin", reflect_origin(&req)))
                .finish()
        }));
    });
    let diagnosis =
        run(Checkup::new(server.url("/api/me"), ORIGIN).header("Authorization", "Bearer t"));
    assert_eq!(
        diagnosis.report.block_reason(),
        Some(&BlockReason::PreflightAccess(
            AccessError::MissingAllowOriginHeader
        ))
    );
    assert_fix(
        &diagnosis,
        "the preflight answered 401: put authentication inside the CORS layer (answer OPTIONS \
         before auth)",
    );
}

#[test]
fn wildcard_with_credentials() {
    let server = Server::start(|cfg| {
        cfg.default_service(web::to(|| async {
            HttpResponse::Ok()
                .insert_header(("access-control-allow-origin", "*"))
                .insert_header(("access-control-allow-credentials", "true"))
                .finish()
        }));
    });
    let diagnosis = run(Checkup::new(server.url("/api/me"), ORIGIN).credentials(true));
    assert_eq!(
        diagnosis.report.block_reason(),
        Some(&BlockReason::Access(AccessError::WildcardOriginNotAllowed))
    );
    assert_fix(
        &diagnosis,
        "ACAO is `*` but the request is credentialed: use Cors::strict",
    );
    // Without credentials the same server is fine.
    let anonymous = run(Checkup::new(server.url("/api/me"), ORIGIN));
    assert!(anonymous.is_allowed());
    assert_eq!(anonymous.exit_code(), 0);
}

/// Answers preflights with a fixed, too short list of methods and headers.
fn narrow_cors(cfg: &mut web::ServiceConfig) {
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

#[test]
fn header_not_allowed() {
    let server = Server::start(narrow_cors);
    let diagnosis = run(Checkup::new(server.url("/api/items"), ORIGIN)
        .method("PUT")
        .header("content-type", "application/json")
        .header("authorization", "Bearer t")
        .credentials(true));
    assert_eq!(
        diagnosis.report.block_reason(),
        Some(&BlockReason::HeaderDisallowed("authorization".into()))
    );
    assert_fix(&diagnosis, "add `authorization` to allow_headers");
}

#[test]
fn method_not_allowed() {
    let server = Server::start(narrow_cors);
    let diagnosis = run(Checkup::new(server.url("/api/items/1"), ORIGIN).method("PATCH"));
    assert_eq!(
        diagnosis.report.block_reason(),
        Some(&BlockReason::MethodDisallowed("PATCH".into()))
    );
    assert_fix(
        &diagnosis,
        "method PATCH not in Access-Control-Allow-Methods (`GET, POST, PUT`)",
    );
    assert!(
        diagnosis.report.actual.is_none(),
        "never sent after a failed preflight"
    );
}

#[test]
fn redirect_on_preflight() {
    let server = Server::start(|cfg| {
        cfg.default_service(web::to(|req: HttpRequest| async move {
            if req.path().ends_with('/') {
                return HttpResponse::Ok()
                    .insert_header(("access-control-allow-origin", reflect_origin(&req)))
                    .finish();
            }
            HttpResponse::PermanentRedirect()
                .insert_header(("location", format!("{}/", req.path())))
                .finish()
        }));
    });
    let diagnosis = run(Checkup::new(server.url("/api/items"), ORIGIN).method("DELETE"));
    assert_eq!(
        diagnosis.report.block_reason(),
        Some(&BlockReason::PreflightDisallowedRedirect)
    );
    assert_fix(
        &diagnosis,
        "the preflight was redirected (308 to /api/items/): preflights cannot follow \
         redirects; fix the URL (trailing slash?) or answer OPTIONS before the redirect",
    );
}

#[test]
fn duplicate_acao() {
    let server = Server::start(|cfg| {
        cfg.default_service(web::to(|req: HttpRequest| async move {
            // The app adds CORS, and so does a proxy in front of it.
            HttpResponse::Ok()
                .append_header(("access-control-allow-origin", reflect_origin(&req)))
                .append_header(("access-control-allow-origin", "*"))
                .finish()
        }));
    });
    let diagnosis = run(Checkup::new(server.url("/api/me"), ORIGIN));
    assert_eq!(
        diagnosis.report.block_reason(),
        Some(&BlockReason::Access(
            AccessError::MultipleAllowOriginValues(format!("{ORIGIN}, *"))
        ))
    );
    assert_fix(
        &diagnosis,
        "two Access-Control-Allow-Origin headers: a proxy and the app both add CORS; remove one",
    );
}

#[test]
fn correct_server_built_with_this_crate() {
    let server = Server::start(|cfg| {
        cfg.service(
            web::scope("/api")
                .wrap(
                    Cors::strict([ORIGIN])
                        .allow_methods(["GET", "PUT"])
                        .allow_headers(["content-type", "authorization"]),
                )
                .route(
                    "/items",
                    web::put().to(|| async { HttpResponse::Ok().body("saved") }),
                ),
        );
    });
    let diagnosis = run(Checkup::new(server.url("/api/items"), ORIGIN)
        .method("PUT")
        .header("content-type", "application/json")
        .header("authorization", "Bearer t")
        .credentials(true));
    assert!(diagnosis.is_allowed(), "{diagnosis}");
    assert_eq!(diagnosis.exit_code(), 0);
    assert!(diagnosis.fixes.is_empty());
    let printout = diagnosis.to_string();
    assert!(
        printout.contains("> OPTIONS /api/items HTTP/1.1"),
        "{printout}"
    );
    assert!(printout.contains("> access-control-request-headers: authorization,content-type"));
    assert!(printout.contains("< HTTP/1.1 204 No Content"));
    assert!(printout.contains("verdict: allowed"));
    assert_eq!(diagnosis.report.body().unwrap().as_ref(), b"saved");

    // The same server refuses another origin; the doctor says why.
    let refused = run(
        Checkup::new(server.url("/api/items"), "http://localhost:4000")
            .method("PUT")
            .credentials(true),
    );
    assert_fix(&refused, "the preflight answered 403 without CORS headers");
}

#[test]
fn usage_and_network_errors_exit_with_2() {
    let missing = Checkup::from_args(["http://127.0.0.1:1/".to_owned()]).unwrap_err();
    assert!(matches!(missing, DoctorError::Usage(_)));
    assert_eq!(missing.exit_code(), 2);

    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let error = diagnose(&Checkup::new(format!("http://{closed_port}/"), ORIGIN)).unwrap_err();
    assert!(matches!(error, DoctorError::Network(_)), "{error}");
    assert_eq!(error.exit_code(), 2);

    let https = diagnose(&Checkup::new("https://127.0.0.1:1/", ORIGIN)).unwrap_err();
    assert!(matches!(https, DoctorError::Network(_)), "{https}");
    assert_eq!(https.exit_code(), 2);
}

#[test]
fn https_url_speaks_tls() {
    // A plain-http server behind an https URL: the doctor attempts a TLS handshake (it used
    // to refuse every https URL), which fails as a network error, with or without
    // `--insecure`.
    let server = Server::start(|cfg| {
        cfg.default_service(web::to(HttpResponse::Ok));
    });
    let url = server.url("/api/me").replacen("http://", "https://", 1);
    for insecure in [false, true] {
        let error = diagnose(&Checkup::new(url.clone(), ORIGIN).insecure(insecure)).unwrap_err();
        assert!(matches!(error, DoctorError::Network(_)), "{error}");
        assert_eq!(error.exit_code(), 2);
    }
}

#[test]
fn insecure_flag_is_parsed() {
    for flag in ["--insecure", "-k"] {
        let args = ["https://127.0.0.1:8443/api/me", "--origin", ORIGIN, flag];
        let checkup = Checkup::from_args(args.map(String::from)).unwrap();
        assert_eq!(
            checkup,
            Checkup::new("https://127.0.0.1:8443/api/me", ORIGIN).insecure(true)
        );
    }
}

/// `*` with credentials, as the wildcard test's server.
fn wildcard_and_credentials(cfg: &mut web::ServiceConfig) {
    cfg.default_service(web::to(|| async {
        HttpResponse::Ok()
            .insert_header(("access-control-allow-origin", "*"))
            .insert_header(("access-control-allow-credentials", "true"))
            .finish()
    }));
}

#[test]
fn https_server_with_wildcard_and_credentials() {
    let server = Server::start_https(wildcard_and_credentials);
    // A self-signed certificate is refused unless told otherwise, as by curl.
    let untrusted =
        diagnose(&Checkup::new(server.url("/api/me"), ORIGIN).credentials(true)).unwrap_err();
    assert!(matches!(untrusted, DoctorError::Network(_)), "{untrusted}");
    assert!(
        untrusted.to_string().contains("add --insecure (-k)"),
        "{untrusted}"
    );
    assert_eq!(untrusted.exit_code(), 2);

    let diagnosis = run(Checkup::new(server.url("/api/me"), ORIGIN)
        .credentials(true)
        .insecure(true));
    assert_eq!(
        diagnosis.report.block_reason(),
        Some(&BlockReason::Access(AccessError::WildcardOriginNotAllowed))
    );
    assert_fix(
        &diagnosis,
        "ACAO is `*` but the request is credentialed: use Cors::strict",
    );
}

#[test]
fn https_server_with_a_missing_allowed_header() {
    let server = Server::start_https(narrow_cors);
    let diagnosis = run(Checkup::new(server.url("/api/items"), ORIGIN)
        .method("PUT")
        .header("content-type", "application/json")
        .header("x-api-key", "k")
        .insecure(true));
    assert_eq!(
        diagnosis.report.block_reason(),
        Some(&BlockReason::HeaderDisallowed("x-api-key".into()))
    );
    assert_fix(&diagnosis, "add `x-api-key` to allow_headers");
    assert!(diagnosis.report.url.starts_with("https://"));
}
