//! The main demo: a strict, credentialed `/api` and a permissive, anonymous `/public`.
//!
//! ```sh
//! cargo run --example api_and_public
//! PORT=9000 ALLOWED_ORIGINS=https://app.example.com,http://localhost:5173 \
//!     cargo run --example api_and_public
//! ```

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use actix_scoped_cors::Cors;
use actix_web::{
    delete, get, http::StatusCode, middleware::Logger, post, put, web, App, HttpResponse,
    HttpServer,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize)]
struct Item {
    name: String,
}

static NEXT_REQUEST_ID: AtomicU64 = AtomicU64::new(1);

fn with_request_id(mut response: HttpResponse) -> HttpResponse {
    let id = NEXT_REQUEST_ID.fetch_add(1, Ordering::Relaxed);
    response.headers_mut().insert(
        "x-request-id".parse().expect("static header name"),
        id.into(),
    );
    response
}

#[get("/me")]
async fn me() -> HttpResponse {
    with_request_id(HttpResponse::Ok().json(serde_json::json!({ "user": "demo" })))
}

#[post("/items")]
async fn create_item(item: web::Json<Item>) -> HttpResponse {
    with_request_id(HttpResponse::Created().json(item.into_inner()))
}

#[put("/items/{id}")]
async fn replace_item(id: web::Path<u32>, item: web::Json<Item>) -> HttpResponse {
    let body = serde_json::json!({ "id": id.into_inner(), "name": item.name });
    with_request_id(HttpResponse::Ok().json(body))
}

#[delete("/items/{id}")]
async fn delete_item(_id: web::Path<u32>) -> HttpResponse {
    with_request_id(HttpResponse::NoContent().finish())
}

#[get("/fail")]
async fn fail() -> HttpResponse {
    with_request_id(
        HttpResponse::build(StatusCode::INTERNAL_SERVER_ERROR)
            .json(serde_json::json!({ "error": "something went wrong" })),
    )
}

#[get("/status")]
async fn status() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    // Request lines, and every CORS refusal with its reason (`RUST_LOG` overrides).
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,actix_scoped_cors=debug"),
    )
    .init();
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| {
            std::io::Error::other(format!("PORT must be a port number, not {port:?}"))
        })?,
        Err(_) => 8080,
    };
    let origins =
        std::env::var("ALLOWED_ORIGINS").unwrap_or_else(|_| "http://localhost:3000".to_owned());
    // Comma-separated, trimmed, empty entries dropped (`config::split_list` does the same
    // with the `serde` feature).
    let origins: Vec<&str> = origins
        .split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .collect();

    // Validated once, before the server starts; every problem is reported at once.
    let api = match Cors::strict(&origins)
        .allow_methods(["GET", "POST", "PUT", "DELETE"])
        .allow_headers(["content-type", "authorization"])
        .expose_headers(["x-request-id"])
        .max_age(Duration::from_secs(600))
        .try_build()
    {
        Ok(policy) => policy,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    let public = Cors::permissive()
        .allow_methods(["GET", "HEAD"])
        .try_build()
        .expect("the permissive policy is valid");

    print_usage(port, origins[0]);

    HttpServer::new(move || {
        App::new()
            .wrap(Logger::new("%r %s"))
            .service(
                web::scope("/api")
                    .wrap(api.clone())
                    .service(me)
                    .service(create_item)
                    .service(replace_item)
                    .service(delete_item)
                    .service(fail),
            )
            .service(web::scope("/public").wrap(public.clone()).service(status))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}

fn print_usage(port: u16, origin: &str) {
    let base = format!("http://127.0.0.1:{port}");
    println!("actix-scoped-cors demo on {base}");
    println!("  /api    strict: origins from ALLOWED_ORIGINS (now includes {origin}), credentials");
    println!("  /public permissive: Access-Control-Allow-Origin: *\n");
    println!("A preflight from an allowed origin (204 with the grant headers):");
    println!(
        "  curl -i -X OPTIONS {base}/api/items -H 'Origin: {origin}' \\\n    \
         -H 'Access-Control-Request-Method: POST' \\\n    \
         -H 'Access-Control-Request-Headers: content-type'"
    );
    println!("The same preflight from a disallowed origin (403, no CORS headers):");
    println!(
        "  curl -i -X OPTIONS {base}/api/items -H 'Origin: https://evil.example' \\\n    \
         -H 'Access-Control-Request-Method: POST'"
    );
    println!("An actual request from the allowed origin:");
    println!(
        "  curl -i -X POST {base}/api/items -H 'Origin: {origin}' \\\n    \
         -H 'Content-Type: application/json' -d '{{\"name\":\"pen\"}}'"
    );
    println!("An error response that the allowed page can still read:");
    println!("  curl -i {base}/api/fail -H 'Origin: {origin}'");
    println!("The public scope:");
    println!("  curl -i {base}/public/status -H 'Origin: https://anyone.example'");
    println!("Ask the CORS doctor what a browser would do with a credentialed JSON PUT:");
    println!(
        "  cargo run -p cors-doctor -- {base}/api/items/1 --origin {origin} --method PUT \\\n      --header content-type:application/json --credentials"
    );
    println!("Refusals are logged with their reason (RUST_LOG=actix_scoped_cors=debug, the default here).");
}
