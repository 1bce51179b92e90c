//! CORS for actix-web 4, done right: a **strict, credentialed** policy on private routes and a
//! **permissive, anonymous** one on public routes, mounted per scope or per resource.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use actix_scoped_cors::Cors;
//! use actix_web::{web, App, HttpResponse, HttpServer};
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     // Built and validated once, shared by every worker.
//!     let api = Cors::strict(["https://app.example.com", "https://*.tenant.example.com"])
//!         .allow_methods(["GET", "POST", "PUT", "DELETE"])
//!         .allow_headers(["content-type", "authorization"])
//!         .expose_headers(["x-request-id"])
//!         .max_age(Duration::from_secs(600))
//!         .try_build()
//!         .map_err(std::io::Error::other)?;
//!
//!     HttpServer::new(move || {
//!         App::new()
//!             .service(
//!                 web::scope("/api")
//!                     .wrap(api.clone())
//!                     .route("/me", web::get().to(HttpResponse::Ok)),
//!             )
//!             .service(
//!                 web::scope("/public")
//!                     .wrap(Cors::permissive())
//!                     .route("/status", web::get().to(HttpResponse::Ok)),
//!             )
//!     })
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await
//! }
//! ```
//!
//! # What the middleware does
//!
//! | request | answer |
//! | --- | --- |
//! | no `Origin` | passed through; strict policies add `Vary: Origin`, permissive ones `Access-Control-Allow-Origin: *` |
//! | `OPTIONS` + `Origin` + `Access-Control-Request-Method` (a **preflight**) | answered by the middleware, the handler never runs: `204` with the grant headers, or `403` with an empty body and no CORS headers |
//! | any other request with `Origin` | the handler runs; an allowed origin gets `Access-Control-Allow-Origin` (+ credentials and exposed headers), a refused one gets no grant headers (or `403` with [`Cors::block_disallowed`]) |
//!
//! Grant headers are also added to error responses of every kind (handler `4xx`/`5xx`,
//! extractor errors, the default service's `404`/`405`, an `Err` from an inner middleware),
//! so the page's script can read them. Headers are inserted, never duplicated; `Vary` is
//! merged with what the handler set.
//!
//! # Strict and permissive
//!
//! [`Cors::strict`] sends `Access-Control-Allow-Credentials: true` and reflects the request's
//! `Origin` only when it is on the allowlist, matched by a pattern or a regex, or accepted by a
//! predicate ([`origin`] explains each kind). It never answers `*` and never trusts `null`
//! unless told so by a method whose name says the risk.
//!
//! [`Cors::permissive`] answers `*` and never sends credentials; nothing can make it
//! credentialed, because the builder type has no such method.
//!
//! # Configuration errors are values
//!
//! [`Cors::try_build`] returns a [`ConfigError`] listing every problem at once, each with the
//! offending input and the fix. Wrapping an unbuilt builder checks it when the server starts
//! and stops the start with the same text.
//!
//! # CORS is not CSRF protection
//!
//! A `text/plain` or form `POST` from any site is sent without a preflight, with cookies;
//! CORS only decides whether the *page* may read the response. Protect state-changing routes
//! with `SameSite` cookies, CSRF tokens, or by requiring a non-safelisted `Content-Type`.
#![deny(rust_2018_idioms, nonstandard_style)]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod decision;
mod error;
pub mod guard;
mod headers;
mod matcher;
mod middleware;
pub mod origin;
mod policy;
mod shared;

pub use crate::{
    decision::{
        decide, AllowOrigin, Decision, PreflightGrant, Reason, Rejection, MAX_REQUEST_HEADERS_LEN,
        MAX_REQUEST_HEADER_NAMES,
    },
    error::{ConfigError, ConfigProblem, HeaderList, OriginProblem},
    middleware::{CorsFuture, CorsMiddleware},
    origin::{Origin, MAX_ORIGIN_LEN},
    policy::{Cors, Mode, Permissive, Policy, Strict},
    shared::SharedOrigins,
};
