//! The CORS doctor: runs one `fetch()` against a live server, over http or https (HTTP/1.1
//! or HTTP/2), the way a browser engine would, follows redirects as browsers do for CORS,
//! and explains the verdict with a concrete fix.
//!
//! It uses the same rules as the simulation of [`actix_scoped_cors::testing`] (through
//! [`Page::fetch_with`](actix_scoped_cors::testing::Page::fetch_with), one call per URL of a
//! redirect chain), so any server, not only one built with actix-scoped-cors, can be
//! checked. From the command line (`cargo install --path cors-doctor`):
//!
//! ```sh
//! cors-doctor https://127.0.0.1:8443/api/items --origin http://localhost:3000 \
//!     --method PUT --header content-type:application/json --header authorization \
//!     --credentials --insecure --json --engine firefox
//! ```
//!
//! or from code:
//!
//! ```no_run
//! use cors_doctor::{diagnose, Checkup};
//!
//! let checkup = Checkup::new("https://127.0.0.1:8443/api/me", "http://localhost:3000")
//!     .header("authorization", "Bearer t")
//!     .credentials(true)
//!     .insecure(true); // a self-signed test certificate
//! let diagnosis = diagnose(&checkup).expect("the server answered");
//! println!("{diagnosis}");
//! std::process::exit(diagnosis.exit_code());
//! ```
//!
//! **It sends the actual request when the preflight passes**, as a browser would: point it
//! at a test server, or use a method without side effects.
//!
//! # Redirects
//!
//! A redirected preflight is blocked, as in every browser. A redirected request is
//! followed by the doctor itself, hop by hop, as the Fetch standard's "HTTP-redirect fetch"
//! says: each response must pass the CORS check before its redirect is followed; a request
//! that needs a preflight is preflighted again at each new URL; `301`/`302` turn `POST`
//! into `GET` and `303` every method but `HEAD`; a hop to another origin drops
//! `Authorization`; after a hop from an origin other than the page's to a different origin
//! the browser sends `Origin: null` (a redirect-tainted origin); a `Location` with a
//! username or password, or not `http(s)`, and a 21st redirect are network errors. The
//! console messages of these network errors are the doctor's wording (Chromium's shape);
//! the simulation has none for them.
#![deny(rust_2018_idioms, nonstandard_style)]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod checkup;
mod fixes;
mod redirect;
mod report;
mod transport;

use std::fmt;

pub use self::{
    checkup::{Checkup, Command, USAGE},
    report::{Blocked, Diagnosis, Hop, Verdict},
    transport::HttpVersion,
};

/// Why the doctor could not reach a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoctorError {
    /// Bad command line or a request `fetch()` itself would refuse.
    Usage(String),
    /// The server could not be reached, its TLS certificate is not trusted, or it did not
    /// answer HTTP.
    Network(String),
}

impl fmt::Display for DoctorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DoctorError::Usage(message) => f.write_str(message),
            DoctorError::Network(message) => write!(f, "network error: {message}"),
        }
    }
}

impl std::error::Error for DoctorError {}

impl DoctorError {
    /// The exit code: 2.
    pub fn exit_code(&self) -> i32 {
        2
    }

    /// The `--json` error object: `{"verdict": "error", "error": "usage" | "network",
    /// "message": ...}`.
    pub fn to_json(&self) -> serde_json::Value {
        let (kind, message) = match self {
            DoctorError::Usage(message) => ("usage", message),
            DoctorError::Network(message) => ("network", message),
        };
        serde_json::json!({ "verdict": "error", "error": kind, "message": message })
    }
}

/// Runs the checkup against the live server: at each URL of the redirect chain, the
/// preflight if the browser would send one, then (if it passes) the request, judged as
/// the checkup's engine would.
///
/// Blocking. See [Redirects](crate#redirects) for how redirects are followed.
///
/// # Errors
///
/// [`DoctorError::Usage`] when `fetch()` would refuse the request (bad method, header or
/// URL), [`DoctorError::Network`] when a server cannot be reached, its TLS certificate is
/// not trusted (see [`Checkup::insecure`]), or it does not answer HTTP.
pub fn diagnose(checkup: &Checkup) -> Result<Diagnosis, DoctorError> {
    let transport = transport::Transport::new(checkup.timeout, checkup.insecure)?;
    redirect::run(checkup, &transport)
}
