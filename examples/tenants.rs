//! Composing policies: an app-wide permissive policy for assets, a strict `/api` for tenant
//! subdomains, and a `/api/webhooks` resource that only one partner may call.
//!
//! ```sh
//! cargo run --example tenants            # serves on 127.0.0.1:8081 (PORT overrides)
//! ```
//!
//! The outer policies defer (`defer_to_inner_policies`), so the innermost policy that covers
//! a request decides it:
//!
//! | path | policy | allows |
//! | --- | --- | --- |
//! | `/assets/...` | app-wide permissive | anyone, anonymously (`*`) |
//! | `/api/...` | strict | `https://<tenant>.tenant.example.com`, with credentials |
//! | `/api/webhooks` | strict, on the resource | `https://partner.example.org` only |
//! | `/api/reports` | split by trust with `guard::allowed_origin` | the partner gets its own route and policy, tenants theirs |

use std::time::Duration;

use actix_scoped_cors::{guard as cors_guard, ConfigError, Cors, Policy};
use actix_web::{
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    get,
    middleware::Logger,
    post, web, App, HttpResponse, HttpServer,
};

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

/// The three policies, validated once.
#[derive(Clone)]
pub struct Policies {
    assets: Policy,
    api: Policy,
    partner: Policy,
}

impl Policies {
    /// Every policy is validated here; a mistake is reported with every problem at once.
    pub fn new() -> Result<Policies, ConfigError> {
        Ok(Policies {
            // The app-wide and /api policies defer to the more specific policies inside them.
            assets: Cors::permissive()
                .allow_methods(["GET", "HEAD"])
                .defer_to_inner_policies()
                .try_build()?,
            api: Cors::strict(["https://*.tenant.example.com"])
                .allow_methods(["GET", "POST", "PUT", "DELETE"])
                .allow_headers(["content-type", "authorization"])
                .max_age(Duration::from_secs(600))
                .defer_to_inner_policies()
                .try_build()?,
            partner: Cors::strict(["https://partner.example.org"])
                .allow_methods(["POST"])
                .allow_headers(["content-type", "x-signature"])
                .block_disallowed()
                .try_build()?,
        })
    }
}

/// The application: what every worker serves.
pub fn app(
    p: &Policies,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(p.assets.clone())
        .wrap(Logger::new("%r %s"))
        .service(web::scope("/assets").service(logo))
        .service(
            web::scope("/api")
                .wrap(p.api.clone())
                .service(me)
                // The method guard sits on the route, not the resource, so preflights reach
                // the resource's own policy.
                .service(
                    web::resource("/webhooks")
                        .wrap(p.partner.clone())
                        .route(web::post().to(webhook)),
                )
                // Same path, split by trust: the partner's requests (preflights included)
                // take this scope, whose policy is then the innermost one.
                .service(
                    web::scope("")
                        .guard(cors_guard::allowed_origin(&p.partner))
                        .wrap(p.partner.clone())
                        .service(partner_report),
                )
                .service(tenant_report),
        )
}

#[allow(dead_code)] // the tests include this file as a module, without calling `main`
#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(8081);
    let policies = Policies::new().map_err(|error| std::io::Error::other(error.to_string()))?;

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
        "  curl -i -X POST http://127.0.0.1:{port}/api/reports -H 'Origin: https://partner.example.org'"
    );
    println!(
        "  curl -i http://127.0.0.1:{port}/assets/logo.svg -H 'Origin: https://anyone.example'"
    );

    HttpServer::new(move || app(&policies))
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
