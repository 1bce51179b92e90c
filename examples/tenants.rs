//! Composing policies: an app-wide permissive policy for assets, a strict `/api` for tenant
//! subdomains, and a `/api/webhooks` resource that only one partner may call.
//!
//! ```sh
//! cargo run --example tenants            # serves on 127.0.0.1:8081 (PORT overrides)
//! ```
//!
//! The innermost policy that covers a request decides it:
//!
//! | path | policy | allows |
//! | --- | --- | --- |
//! | `/assets/...` | app-wide permissive | anyone, anonymously (`*`) |
//! | `/api/...` | strict | `https://<tenant>.tenant.example.com`, with credentials |
//! | `/api/webhooks` | strict, on the resource | `https://partner.example.org` only |
//! | `/api/reports` | split by trust with `guard::allowed_origin` | the partner gets its own route and policy, tenants theirs |

use std::time::Duration;

use actix_scoped_cors::{guard as cors_guard, Cors};
use actix_web::{get, middleware::Logger, post, web, App, HttpResponse, HttpServer};

#[get("/logo.svg")]
async fn logo() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .body("<svg xmlns='http://www.w3.org/2000/svg'/>")
}

#[get("/me")]
async fn me() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "tenant": "from the session cookie" }))
}

async fn webhook() -> HttpResponse {
    HttpResponse::Accepted().finish()
}

#[post("/reports")]
async fn partner_report() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "view": "partner" }))
}

#[post("/reports")]
async fn tenant_report() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "view": "tenant" }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(8081);

    // Every policy is validated once, here; a mistake stops the program with every problem.
    let build = |cors: Result<_, actix_scoped_cors::ConfigError>| {
        cors.map_err(|error| std::io::Error::other(error.to_string()))
    };
    let assets = build(
        Cors::permissive()
            .allow_methods(["GET", "HEAD"])
            .try_build(),
    )?;
    let api = build(
        Cors::strict(["https://*.tenant.example.com"])
            .allow_methods(["GET", "POST", "PUT", "DELETE"])
            .allow_headers(["content-type", "authorization"])
            .max_age(Duration::from_secs(600))
            .try_build(),
    )?;
    let partner = build(
        Cors::strict(["https://partner.example.org"])
            .allow_methods(["POST"])
            .allow_headers(["content-type", "x-signature"])
            .block_disallowed()
            .try_build(),
    )?;

    println!("tenants demo on http://127.0.0.1:{port}");
    println!(
        "  curl -i -X OPTIONS http://127.0.0.1:{port}/api/webhooks \\\n    \
         -H 'Origin: https://partner.example.org' -H 'Access-Control-Request-Method: POST'"
    );
    println!(
        "  curl -i -X OPTIONS http://127.0.0.1:{port}/api/webhooks \\\n    \
         -H 'Origin: https://acme.tenant.example.com' -H 'Access-Control-Request-Method: POST'"
    );
    println!(
        "  curl -i http://127.0.0.1:{port}/api/me -H 'Origin: https://acme.tenant.example.com'"
    );
    println!(
        "  curl -i http://127.0.0.1:{port}/assets/logo.svg -H 'Origin: https://anyone.example'"
    );

    HttpServer::new(move || {
        App::new()
            .wrap(assets.clone())
            .wrap(Logger::new("%r %s"))
            .service(web::scope("/assets").service(logo))
            .service(
                web::scope("/api")
                    .wrap(api.clone())
                    .service(me)
                    // The method guard sits on the route, not the resource, so preflights
                    // reach the resource's own policy.
                    .service(
                        web::resource("/webhooks")
                            .wrap(partner.clone())
                            .route(web::post().to(webhook)),
                    )
                    // Same path, split by trust: the partner's requests (preflights included)
                    // take this scope, whose policy is then the innermost one.
                    .service(
                        web::scope("")
                            .guard(cors_guard::allowed_origin(&partner))
                            .wrap(partner.clone())
                            .service(partner_report),
                    )
                    .service(tenant_report),
            )
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
