//! The doctor against real servers on 127.0.0.1, over http (HTTP/1.1) and https (HTTP/2 by
//! ALPN): the classic misconfigurations, each written by hand, and one correct server built
//! with this crate.

mod common;

use actix_scoped_cors::{
    testing::{AccessError, BlockReason, Engine},
    Cors,
};
use actix_web::{web, HttpRequest, HttpResponse};
use common::{narrow_cors, reflect_origin, wildcard_and_credentials, Server, ORIGIN};
use cors_doctor::{diagnose, Checkup, Command, Diagnosis, DoctorError, HttpVersion};

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

#[test]
fn no_acao_on_the_actual_response() {
    let server = Server::start(|cfg| {
        cfg.default_service(web::to(|| async { HttpResponse::Ok().body("data") }));
    });
    let diagnosis = run(Checkup::new(server.url("/api/me"), ORIGIN));
    assert!(!diagnosis.first_hop().report.preflight_sent());
    assert_eq!(
        diagnosis.block_reason(),
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
    let preflight = diagnosis.first_hop().preflight().unwrap();
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
        diagnosis.block_reason(),
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
        diagnosis.block_reason(),
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

#[test]
fn header_not_allowed() {
    let server = Server::start(narrow_cors);
    let diagnosis = run(Checkup::new(server.url("/api/items"), ORIGIN)
        .method("PUT")
        .header("content-type", "application/json")
        .header("authorization", "Bearer t")
        .credentials(true));
    assert_eq!(
        diagnosis.block_reason(),
        Some(&BlockReason::HeaderDisallowed("authorization".into()))
    );
    assert_fix(&diagnosis, "add `authorization` to allow_headers");
}

#[test]
fn method_not_allowed() {
    let server = Server::start(narrow_cors);
    let diagnosis = run(Checkup::new(server.url("/api/items/1"), ORIGIN).method("PATCH"));
    assert_eq!(
        diagnosis.block_reason(),
        Some(&BlockReason::MethodDisallowed("PATCH".into()))
    );
    assert_fix(
        &diagnosis,
        "method PATCH not in Access-Control-Allow-Methods (`GET, POST, PUT`)",
    );
    assert!(
        diagnosis.first_hop().actual().is_none(),
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
        diagnosis.block_reason(),
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
        diagnosis.block_reason(),
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
    let server = Server::start(strict_items);
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
    assert_eq!(
        diagnosis
            .last_hop()
            .actual()
            .unwrap()
            .response
            .body
            .as_ref(),
        b"saved"
    );
    // Plain http: HTTP/1.1, as browsers (no h2c).
    assert_eq!(
        diagnosis.first_hop().preflight_version,
        Some(HttpVersion::Http11)
    );
    assert_eq!(
        diagnosis.first_hop().actual_version,
        Some(HttpVersion::Http11)
    );

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
    let missing = Command::from_args(["http://127.0.0.1:1/".to_owned()]).unwrap_err();
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
        let command = Command::from_args(args.map(String::from)).unwrap();
        assert_eq!(
            command.checkup,
            Checkup::new("https://127.0.0.1:8443/api/me", ORIGIN).insecure(true)
        );
    }
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
        diagnosis.block_reason(),
        Some(&BlockReason::Access(AccessError::WildcardOriginNotAllowed))
    );
    assert_fix(
        &diagnosis,
        "ACAO is `*` but the request is credentialed: use Cors::strict",
    );
    // Negotiated by ALPN: actix-web offers h2 first.
    assert_eq!(
        diagnosis.first_hop().actual_version,
        Some(HttpVersion::Http2)
    );
    assert!(
        diagnosis.to_string().contains("< HTTP/2 200 OK"),
        "{diagnosis}"
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
        diagnosis.block_reason(),
        Some(&BlockReason::HeaderDisallowed("x-api-key".into()))
    );
    assert_fix(&diagnosis, "add `x-api-key` to allow_headers");
    assert!(diagnosis.first_hop().report.url.starts_with("https://"));
    assert_eq!(
        diagnosis.first_hop().preflight_version,
        Some(HttpVersion::Http2)
    );
    assert!(
        diagnosis
            .to_string()
            .contains("> OPTIONS /api/items HTTP/2"),
        "{diagnosis}"
    );
}

fn strict_items(cfg: &mut web::ServiceConfig) {
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
}

#[test]
fn correct_https_server_over_http2() {
    let server = Server::start_https(strict_items);
    let diagnosis = run(Checkup::new(server.url("/api/items"), ORIGIN)
        .method("PUT")
        .header("content-type", "application/json")
        .header("authorization", "Bearer t")
        .credentials(true)
        .insecure(true));
    assert!(diagnosis.is_allowed(), "{diagnosis}");
    assert_eq!(diagnosis.exit_code(), 0);
    let hop = diagnosis.first_hop();
    assert_eq!(hop.preflight().unwrap().response.status, 204);
    assert_eq!(hop.preflight_version, Some(HttpVersion::Http2));
    assert_eq!(hop.actual_version, Some(HttpVersion::Http2));
    let printout = diagnosis.to_string();
    assert!(printout.contains("< HTTP/2 204 No Content"), "{printout}");
    assert!(
        printout.contains(&format!(
            "> :authority: {}",
            server.url("").replace("https://", "")
        )),
        "{printout}"
    );
}

#[test]
fn origin_not_reflected() {
    // A fixed production origin, whatever the request's origin.
    let server = Server::start(|cfg| {
        cfg.default_service(web::to(|| async {
            HttpResponse::Ok()
                .insert_header(("access-control-allow-origin", "https://app.example.com"))
                .finish()
        }));
    });
    let diagnosis = run(Checkup::new(server.url("/api/me"), ORIGIN));
    assert_eq!(
        diagnosis.block_reason(),
        Some(&BlockReason::Access(AccessError::AllowOriginMismatch(
            "https://app.example.com".into()
        )))
    );
    assert_fix(
        &diagnosis,
        "Access-Control-Allow-Origin is 'https://app.example.com' but the page's origin is \
         'http://localhost:3000'",
    );
}

/// Redirects every request to `target`, with a CORS grant for the request's origin (so the
/// redirect itself passes the CORS check).
fn redirect_to(target: String, status: u16) -> impl Fn(&mut web::ServiceConfig) + Clone + Send {
    move |cfg: &mut web::ServiceConfig| {
        let target = target.clone();
        cfg.default_service(web::to(move |req: HttpRequest| {
            let target = target.clone();
            async move {
                let mut response = if req.method() == "OPTIONS" {
                    HttpResponse::NoContent()
                } else {
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                };
                response
                    .insert_header(("access-control-allow-origin", reflect_origin(&req)))
                    .insert_header(("access-control-allow-methods", "GET, PUT"))
                    .insert_header((
                        "access-control-allow-headers",
                        "authorization, content-type",
                    ));
                if req.method() != "OPTIONS" {
                    response.insert_header(("location", target));
                }
                response.finish()
            }
        }));
    }
}

/// Allows only [`ORIGIN`], and tells which `Origin` and `Authorization` it received.
fn allowlist_telling_origin(cfg: &mut web::ServiceConfig) {
    cfg.default_service(web::to(|req: HttpRequest| async move {
        let origin = reflect_origin(&req);
        let mut response = HttpResponse::Ok();
        if origin == ORIGIN {
            response.insert_header(("access-control-allow-origin", ORIGIN));
        }
        response
            .insert_header(("x-seen-origin", origin))
            .insert_header((
                "x-seen-authorization",
                req.headers().contains_key("authorization").to_string(),
            ))
            .body(req.method().to_string())
    }));
}

#[test]
fn cross_origin_redirect_taints_the_origin_to_null() {
    let target = Server::start(allowlist_telling_origin);
    let redirector = Server::start(redirect_to(target.url("/api/data"), 302));
    let diagnosis = run(Checkup::new(redirector.url("/api/data"), ORIGIN));
    assert_eq!(diagnosis.hops.len(), 2);
    assert_eq!(diagnosis.first_hop().origin_sent(), ORIGIN);
    // The redirect goes from an origin that is not the page's to another origin.
    let hop = diagnosis.last_hop();
    assert_eq!(hop.origin_sent(), "null");
    let exchange = hop.actual().unwrap();
    assert_eq!(exchange.response.header("x-seen-origin"), Some("null"));
    assert_eq!(
        diagnosis.block_reason(),
        Some(&BlockReason::Access(AccessError::MissingAllowOriginHeader))
    );
    assert_fix(&diagnosis, "so the browser sent `Origin: null` to");
    assert_eq!(
        diagnosis.console_message().unwrap(),
        format!(
            "Access to fetch at '{}' (redirected from '{}') from origin '{ORIGIN}' has been \
             blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the \
             requested resource.",
            target.url("/api/data"),
            redirector.url("/api/data")
        )
    );
    let printout = diagnosis.to_string();
    assert!(printout.contains("hop 2: "), "{printout}");
    assert!(printout.contains("> origin: null"), "{printout}");
    let json = diagnosis.to_json();
    assert_eq!(json["exchanges"][1]["hop"], 2);
    assert!(json["exchanges"][1]["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["name"] == "origin" && h["value"] == "null"));

    // A target that answers `null` passes: the check is against `null`.
    let reflecting = Server::start(|cfg| {
        cfg.default_service(web::to(|req: HttpRequest| async move {
            HttpResponse::Ok()
                .insert_header(("access-control-allow-origin", reflect_origin(&req)))
                .finish()
        }));
    });
    let redirector = Server::start(redirect_to(reflecting.url("/api/data"), 302));
    let allowed = run(Checkup::new(redirector.url("/api/data"), ORIGIN));
    assert!(allowed.is_allowed(), "{allowed}");
    assert_eq!(
        allowed
            .last_hop()
            .actual()
            .unwrap()
            .response
            .header("access-control-allow-origin"),
        Some("null")
    );
}

#[test]
fn cross_origin_redirect_drops_authorization() {
    let target = Server::start(allowlist_telling_origin);
    let redirector = Server::start(redirect_to(target.url("/api/data"), 307));
    let diagnosis =
        run(Checkup::new(redirector.url("/api/data"), ORIGIN).header("authorization", "Bearer t"));
    // Preflighted at the first URL; at the second, without Authorization, the GET is
    // simple and needs none.
    assert!(diagnosis.first_hop().report.preflight_sent());
    let hop = diagnosis.last_hop();
    assert!(!hop.report.preflight_sent(), "{diagnosis}");
    let exchange = hop.actual().unwrap();
    assert_eq!(
        exchange.response.header("x-seen-authorization"),
        Some("false")
    );
}

#[test]
fn redirect_303_turns_put_into_get_without_body_headers() {
    // Same origin: the redirect does not taint the origin.
    let server = Server::start(|cfg| {
        cfg.service(
            web::resource("/api/moved").to(|req: HttpRequest| async move {
                HttpResponse::Ok()
                    .insert_header(("access-control-allow-origin", reflect_origin(&req)))
                    .body(format!(
                        "{} content-type={}",
                        req.method(),
                        req.headers().contains_key("content-type")
                    ))
            }),
        )
        .default_service(web::to(|req: HttpRequest| async move {
            let mut response = if req.method() == "OPTIONS" {
                HttpResponse::NoContent()
            } else {
                HttpResponse::SeeOther()
            };
            response
                .insert_header(("access-control-allow-origin", reflect_origin(&req)))
                .insert_header(("access-control-allow-methods", "PUT"))
                .insert_header(("access-control-allow-headers", "content-type"));
            if req.method() != "OPTIONS" {
                response.insert_header(("location", "/api/moved"));
            }
            response.finish()
        }));
    });
    let diagnosis = run(Checkup::new(server.url("/api/items"), ORIGIN)
        .method("PUT")
        .header("content-type", "application/json"));
    assert!(diagnosis.is_allowed(), "{diagnosis}");
    assert_eq!(diagnosis.hops.len(), 2);
    let hop = diagnosis.last_hop();
    assert_eq!(hop.origin_sent(), ORIGIN);
    assert!(
        !hop.report.preflight_sent(),
        "a GET without headers is simple"
    );
    let exchange = hop.actual().unwrap();
    assert_eq!(exchange.request.method, "GET");
    assert_eq!(exchange.response.body.as_ref(), b"GET content-type=false");
}

#[test]
fn redirect_307_keeps_the_method_and_preflights_again() {
    let target = Server::start(narrow_cors);
    let new_url = target.url("/api/new");
    let server = Server::start(redirect_to(new_url.clone(), 307));
    let diagnosis = run(Checkup::new(server.url("/api/old"), ORIGIN)
        .method("PUT")
        .header("content-type", "application/json"));
    assert_eq!(diagnosis.hops.len(), 2, "{diagnosis}");
    let hop = diagnosis.last_hop();
    // From the redirector's origin (not the page's) to another: tainted.
    assert_eq!(hop.origin_sent(), "null");
    let preflight = hop.preflight().expect("a new preflight at the new URL");
    assert_eq!(preflight.request.url, new_url);
    assert!(diagnosis.is_allowed(), "{diagnosis}");
    assert_eq!(hop.actual().unwrap().request.method, "PUT");
}

#[test]
fn same_origin_redirect_keeps_the_origin() {
    let server = Server::start(|cfg| {
        cfg.service(web::resource("/api/new").to(|req: HttpRequest| async move {
            HttpResponse::Ok()
                .insert_header(("access-control-allow-origin", reflect_origin(&req)))
                .insert_header(("x-seen-origin", reflect_origin(&req)))
                .finish()
        }))
        .default_service(web::to(|req: HttpRequest| async move {
            HttpResponse::PermanentRedirect()
                .insert_header(("access-control-allow-origin", reflect_origin(&req)))
                .insert_header(("location", "/api/new"))
                .finish()
        }));
    });
    let diagnosis = run(Checkup::new(server.url("/api/old"), ORIGIN));
    assert!(diagnosis.is_allowed(), "{diagnosis}");
    let exchange = diagnosis.last_hop().actual().unwrap();
    assert_eq!(exchange.response.header("x-seen-origin"), Some(ORIGIN));
}

#[test]
fn redirect_without_cors_on_the_redirect_is_blocked_before_following() {
    let target = Server::start(allowlist_telling_origin);
    let target_url = target.url("/api/data");
    let server = Server::start(move |cfg: &mut web::ServiceConfig| {
        let target_url = target_url.clone();
        cfg.default_service(web::to(move || {
            let target_url = target_url.clone();
            async move {
                HttpResponse::Found()
                    .insert_header(("location", target_url))
                    .finish()
            }
        }));
    });
    let diagnosis = run(Checkup::new(server.url("/api/data"), ORIGIN));
    assert_eq!(diagnosis.hops.len(), 1, "the redirect is not followed");
    assert_eq!(
        diagnosis.block_reason(),
        Some(&BlockReason::Access(AccessError::MissingAllowOriginHeader))
    );
}

#[test]
fn redirect_to_a_url_with_credentials_is_a_network_error() {
    let target = Server::start(allowlist_telling_origin);
    let location = target
        .url("/api/data")
        .replacen("://", "://user:secret@", 1);
    let redirector = Server::start(redirect_to(location.clone(), 302));
    let diagnosis = run(Checkup::new(redirector.url("/api/data"), ORIGIN));
    assert_eq!(diagnosis.hops.len(), 1);
    assert_eq!(
        diagnosis.blocked(),
        Some(&cors_doctor::Blocked::RedirectCredentials(location.clone()))
    );
    assert!(diagnosis
        .console_message()
        .unwrap()
        .contains("contains a username and password"));
    assert_fix(&diagnosis, "which holds a username or password");
}

#[test]
fn redirect_loop_stops_after_20_redirects() {
    let server = Server::start(redirect_to("/api/loop".to_owned(), 302));
    let diagnosis = run(Checkup::new(server.url("/api/loop"), ORIGIN));
    assert_eq!(
        diagnosis.blocked(),
        Some(&cors_doctor::Blocked::TooManyRedirects)
    );
    // The first request and 20 followed redirects; the 21st is refused.
    assert_eq!(diagnosis.hops.len(), 21);
    assert_fix(&diagnosis, "more than 20 redirects (a loop?)");
}

#[test]
fn webkit_judges_the_preflight_status_first() {
    // A bare 403 to the preflight, as an authorization layer in front of CORS answers.
    let server = Server::start(|cfg| {
        cfg.default_service(web::to(HttpResponse::Forbidden));
    });
    let checkup = Checkup::new(server.url("/api/items"), ORIGIN).method("DELETE");
    let chromium = run(checkup.clone());
    assert_eq!(
        chromium.block_reason(),
        Some(&BlockReason::PreflightAccess(
            AccessError::MissingAllowOriginHeader
        ))
    );
    let webkit = run(checkup.engine(Engine::WebKit));
    assert_eq!(webkit.engine, Engine::WebKit);
    assert_eq!(
        webkit.block_reason(),
        Some(&BlockReason::PreflightInvalidStatus(403))
    );
    assert_eq!(
        webkit.console_message(),
        Some("Preflight response is not successful. Status code: 403")
    );
    // The same advice in both: the preflight was refused without CORS headers.
    assert_fix(&webkit, "the preflight answered 403 without CORS headers");
    assert_fix(&chromium, "the preflight answered 403 without CORS headers");
}

#[test]
fn redirect_back_to_the_page_origin_with_credentials_is_a_network_error() {
    // The page is served by `page`'s origin; a cross-origin hop to `redirector` makes the
    // fetch a CORS one, so credentials in a Location are refused even towards the page's
    // own origin.
    let page = Server::start(allowlist_telling_origin);
    let page_origin = page.url("");
    let location = page.url("/api/data").replacen("://", "://user:secret@", 1);
    let redirector = Server::start(redirect_to(location.clone(), 302));
    let diagnosis = run(Checkup::new(redirector.url("/api/data"), page_origin));
    assert_eq!(diagnosis.hops.len(), 1, "{diagnosis}");
    assert_eq!(
        diagnosis.blocked(),
        Some(&cors_doctor::Blocked::RedirectCredentials(location))
    );
}
