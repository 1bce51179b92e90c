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
//! | `OPTIONS` + `Origin` + `Access-Control-Request-Method` (a **preflight**) | answered by the middleware, the handler never runs: `204` with the grant headers; for an allowed origin refused a method or header, `204` with the origin grant and the allowed lists (never the refused item, no `Max-Age`), so the browser names what was refused; otherwise `403` with an empty body and no CORS headers |
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
//! predicate ([Allowlist entries](#allowlist-entries) explains each kind). It never answers `*` and never trusts `null`
//! unless told so by a method whose name says the risk. For APIs authenticated by a bearer
//! token rather than cookies, [`Cors::without_credentials`] keeps the allowlist and the
//! reflection but sends no `Access-Control-Allow-Credentials`, so browsers refuse every
//! cookie-carrying request.
//!
//! [`Cors::permissive`] answers `*` and never sends credentials; nothing can make it
//! credentialed, because the builder type has no such method.
//!
//! # Allowlist entries
//!
//! Each entry given to [`Cors::strict`] (or
//! [`SharedOrigins`]) is parsed once, when the policy is built, into one
//! of these kinds:
//!
//! | entry | matches | never matches |
//! | --- | --- | --- |
//! | `https://app.example.com` | exactly that origin, byte for byte | `https://app.example.com:443`, `https://APP.example.com`, `http://app.example.com` |
//! | `https://*.example.com` | one **or more** labels in front of `example.com`: `https://a.example.com`, `https://a.b.example.com` | the apex `https://example.com`, `https://evilexample.com`, `https://a.example.com.evil.net`, another scheme or port |
//! | `https://*.example.com:8443` | subdomains on exactly port 8443 | the default port, any other port |
//! | `https://example.com:*` | that host on any port, including the default | another host or scheme |
//! | `https://*.example.com:*` | subdomains on any port | the apex |
//!
//! Regular expressions ([`Cors::allow_origin_regex`](crate::Cors::allow_origin_regex)) are
//! always matched against the **whole** origin: the crate anchors them as `^(?:...)$`.
//!
//! Security notes, enforced when the policy is built:
//!
//! - An entry must be written in the canonical form browsers send; otherwise the error gives
//!   the canonical spelling (`write "https://xn--bcher-kva.example"`, `write
//!   "https://[::ffff:102:304]"` for `https://[::ffff:1.2.3.4]`).
//! - `*` and `null` are refused in a strict allowlist: `null` is sent by sandboxed iframes and
//!   local files, so trusting it trusts everyone
//!   ([`allow_null_origin_insecure`](crate::Cors::allow_null_origin_insecure) opts in).
//! - Plain `http://` origins other than loopback (`localhost`, `127.0.0.0/8`, `[::1]`) are
//!   refused with credentials, because anyone on the path can forge such a page
//!   ([`allow_insecure_http_origins`](crate::Cors::allow_insecure_http_origins) opts in).
//! - A wildcard directly over a public suffix (`https://*.com`, `https://*.co.uk`,
//!   `https://*.github.io`, `https://*.s3.us-east-1.amazonaws.com`) is refused: anyone can
//!   register a name there. The full Public Suffix List decides (its ICANN and private
//!   sections, from the `psl` crate), and every single-label suffix counts as one. So is a
//!   wildcard over a domain with public suffixes beneath it (`https://*.amazonaws.com`).
//!   Exact entries under a public suffix (`https://me.github.io`) are fine.
//! - Every rule above also applies to every origin a regex can match, judged from the
//!   regex's structure (see [`Cors::allow_origin_regex`](crate::Cors::allow_origin_regex)).
//! - `*` is only ever a whole label or a whole port: `https://*example.com` and
//!   `https://a.*.example.com` are errors, so a wildcard cannot turn into a string suffix
//!   check.
//!
//! # Configuration errors are values
//!
//! [`Cors::try_build`] returns a [`ConfigError`] listing every problem at once, each with the
//! offending input and the fix. Wrapping an unbuilt builder checks it when the server starts
//! and stops the start with the same text.
//!
//! # Composing policies
//!
//! **The innermost policy that covers a request decides it, once the policies around it
//! defer** ([`Cors::defer_to_inner_policies`]) — preflights, actual requests, error responses
//! and unrouted paths alike — and the response carries exactly one set of grant headers, from
//! that policy. Paths no inner policy covers are decided by the deferring policy itself.
//!
//! ```
//! use actix_scoped_cors::Cors;
//! use actix_web::{web, App, HttpResponse};
//!
//! let app = App::new()
//!     // Assets and everything else: anonymous; /api decides for itself.
//!     .wrap(Cors::permissive().defer_to_inner_policies())
//!     .service(
//!         web::scope("/api")
//!             .wrap(Cors::strict(["https://app.example.com"]).defer_to_inner_policies())
//!             .service(
//!                 web::resource("/webhooks")
//!                     .wrap(Cors::strict(["https://partner.example.org"])) // only this
//!                     .route(web::post().to(HttpResponse::Ok)),
//!             ),
//!     );
//! # drop(app);
//! ```
//!
//! How: a deferring policy marks each request before passing it down; the next policy the
//! request reaches claims it and decides as usual; on the way back the deferring policy leaves
//! claimed responses alone and decides the rest (a preflight nobody claimed is answered only
//! then). A policy that does not defer decides everything that passes through it, overruling
//! any policy nested inside it, and answers preflights at once. Nothing is inferred from how
//! the app was built, so two apps built on one thread, sibling scopes and several listeners
//! never influence each other.
//!
//! Pitfalls, and their fixes:
//!
//! - **Nesting without deferring**: the outer policy wins everywhere beneath it (never mixed
//!   with the inner one), and it alone reports refusals: an inner policy's hook hears only
//!   the requests it blocks itself. Call `defer_to_inner_policies()` on every policy that has
//!   more specific policies inside it.
//! - **A method guard on a resource hides its preflights.** `#[get("/x", wrap = "...")]` and
//!   `web::resource("/x").guard(guard::Get()).wrap(...)` guard the whole resource, so an
//!   `OPTIONS` preflight never matches it and its policy never runs (the app answers `404`).
//!   Put the policy on the enclosing scope (it sees requests before routing); or put the
//!   method guard on the route (`web::resource("/x").wrap(cors).route(web::get().to(h))`); or
//!   let preflights through the resource guard:
//!   `.guard(guard::Any(guard::Get()).or(actix_scoped_cors::guard::preflight()))`; with the
//!   macros, `#[route("/x", method = "GET", method = "OPTIONS", wrap = "...")]`.
//! - **A deferring policy passes preflights down.** Where no inner policy covers the path,
//!   the route answers first and the deferring policy then replaces that answer with its own:
//!   a handler with no method guard (`web::to(...)`) runs for `OPTIONS` preflights there. Give
//!   such handlers method guards.
//! - **`block_disallowed()` on a deferring policy** could only refuse after the route ran, so
//!   it is a configuration error ([`ConfigProblem::BlockWhileDeferring`]); put it on the
//!   innermost policies, which decide before the handler runs.
//! - **Errors from beneath a deferring policy**: a preflight it answers after the route
//!   returned an `Err` reaches outer layers as an `Err` that renders as the preflight answer.
//! - **Middleware order inside a scope**: the last `.wrap()` is the outermost. Authentication
//!   that rejects unauthenticated requests must sit *inside* the CORS policy (wrapped
//!   before it), because preflights carry no credentials.
//!
//! # Testing your configuration
//!
//! `testing::Page` runs a `fetch()` against your actix `App` the way Chromium would (or
//! Firefox or WebKit, with `Page::with_engine`) — preflight or not, the checks in the
//! engine's order, the preflight cache, the readable headers — and reports `Allowed` or
//! `Blocked` with the engine's console message. The crate's own real-browser suite holds this
//! simulation to the verdicts and console messages of Chromium, Firefox and WebKit, over http
//! and https. It is compiled only
//! with the `testing` feature, off by default, so production builds never contain it; enable
//! it for your tests alone:
//!
//! ```toml
//! [dev-dependencies]
//! actix-scoped-cors = { version = "0.1", features = ["testing"] }
//! ```
//!
//! The CORS doctor, the `cors-doctor` crate of this repository (`cargo install --path
//! cors-doctor`, then `cors-doctor <url> --origin <origin>`), applies the same rules to any
//! server over HTTP and names the fix.
//!
//! # WebSocket handshakes are not protected by CORS
//!
//! Browsers send `Origin` on a WebSocket handshake but never apply CORS to it (Fetch, "main
//! fetch": a `websocket`-mode request gets no CORS check), so any site can open a WebSocket to
//! your server, with the user's cookies, and read every message: the grant headers a policy
//! adds to the handshake answer are ignored, and a handshake from any origin reaches the
//! handler (only a strict policy with [`Cors::block_disallowed`] refuses it). Check the
//! handshake's `Origin` yourself. A guard on the handshake route does it with the same matcher
//! as your policy (requests without `Origin`, from non-browser clients, do not match it
//! either); inside a handler, [`Policy::allows_origin`] answers the same question.
//!
//! ```
//! use actix_scoped_cors::{guard, Cors};
//! use actix_web::{web, App, HttpResponse};
//!
//! let sockets = Cors::strict(["https://app.example.com"]).try_build().unwrap();
//! let app = App::new().service(
//!     web::resource("/ws")
//!         .guard(guard::allowed_origin(&sockets))
//!         .route(web::get().to(HttpResponse::Ok)), // your handshake handler
//! );
//! # drop(app);
//! ```
//!
//! # Coming from actix-cors
//!
//! `docs/MIGRATION.md` in the repository maps every actix-cors builder method, names the
//! differences in behaviour (actix-cors' `permissive()` reflects any origin with credentials;
//! ours is an anonymous `*`) and has a recipe for local development with cookies; its
//! recipes are compiled as doctests.
//!
//! # CORS is not CSRF protection
//!
//! A `text/plain` or form `POST` from any site is sent without a preflight, with cookies;
//! CORS only decides whether the *page* may read the response. Protect state-changing routes
//! with `SameSite` cookies, CSRF tokens, or by requiring a non-safelisted `Content-Type`.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(rust_2018_idioms, nonstandard_style)]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod builder;
mod compile;
mod decision;
mod error;
pub mod guard;
mod header_names;
mod headers;
mod matcher;
mod middleware;
mod nesting;
mod origin;
mod origin_regex;
mod pattern;
mod policy;
mod public_suffix;
mod rejection;
mod shared;
mod table;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use crate::{
    builder::{Cors, Mode, Permissive, Strict},
    error::{ConfigError, ConfigProblem, HeaderList, OriginProblem},
    middleware::{CorsFuture, CorsMiddleware},
    origin::Origin,
    policy::Policy,
    rejection::{Reason, Rejection},
    shared::{OriginsSnapshot, SharedOrigins},
};

/// The migration guide's recipes (`docs/MIGRATION.md`), compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/MIGRATION.md")]
pub struct MigrationGuide;
