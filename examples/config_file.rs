//! A policy from a configuration file: `/api` gets the strict policy `examples/cors.toml`
//! describes, `/public` an anonymous one.
//!
//! ```sh
//! cargo run --example config_file                    # examples/cors.toml, 127.0.0.1:8082
//! cargo run --example config_file -- my-cors.toml    # another file (PORT changes the port)
//! ```
//!
//! A file that cannot be read or parsed, or whose policy is invalid, stops the start with
//! every problem it has.

use std::path::{Path, PathBuf};

use actix_scoped_cors::{config::CorsConfig, Cors, Policy};
use actix_web::{
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    get,
    middleware::Logger,
    web, App, HttpResponse, HttpServer,
};

/// The file read when no path is given.
pub fn default_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cors.toml")
}

/// Reads, parses and builds the policy in `path`; the error says which step failed.
pub fn load(path: &Path) -> Result<Policy, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let config: CorsConfig =
        toml::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?;
    config
        .try_build()
        .map_err(|error| format!("{}: {error}", path.display()))
}

#[get("/me")]
async fn me() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-request-id", "1"))
        .json(serde_json::json!({ "user": "demo" }))
}

#[get("/status")]
async fn status() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The app: `/api` with the configured policy, `/public` anonymous.
pub fn app(
    api: &Policy,
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
        .service(web::scope("/api").wrap(api.clone()).service(me))
        .service(
            web::scope("/public")
                .wrap(Cors::permissive())
                .service(status),
        )
}

#[allow(dead_code)] // the tests include this file as a module, without calling `main`
#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(default_path, PathBuf::from);
    let api = match load(&path) {
        Ok(policy) => policy,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(8082);
    println!(
        "/api policy from {} on http://127.0.0.1:{port}",
        path.display()
    );
    println!(
        "  curl -i -X OPTIONS http://127.0.0.1:{port}/api/me -H 'Origin: https://app.example.com' \\\n    \
         -H 'Access-Control-Request-Method: PUT'"
    );
    HttpServer::new(move || app(&api).wrap(Logger::new("%r %s")))
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
