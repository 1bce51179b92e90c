//! actix-web [`Guard`]s built on the same decision core as the middleware.
//!
//! - [`preflight()`]: the request is a CORS preflight.
//! - [`cross_origin()`]: the request carries an `Origin` other than its own.
//! - [`allowed_origin()`]: the request's `Origin` is allowed by a [`Policy`], so routes can be
//!   split by trust:
//!
//! ```
//! use actix_scoped_cors::{guard, Cors};
//! use actix_web::{web, App, HttpResponse};
//!
//! let partners = Cors::strict(["https://partner.example.org"]).try_build().unwrap();
//! let app = App::new().service(
//!     web::scope("/reports")
//!         .guard(guard::allowed_origin(&partners))
//!         .wrap(partners.clone())
//!         .route("", web::get().to(HttpResponse::Ok)),
//! );
//! # drop(app);
//! ```

use actix_web::{
    dev::RequestHead,
    guard::{Guard, GuardContext},
    http::header::{FORWARDED, HOST, ORIGIN},
};

use crate::{
    decision::{is_preflight, origin_is_allowed},
    origin::{default_port, Origin},
    policy::Policy,
};

/// Matches CORS preflights: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
///
/// ```
/// use actix_scoped_cors::guard;
/// use actix_web::{guard::Guard, test::TestRequest};
///
/// let req = TestRequest::default()
///     .method(actix_web::http::Method::OPTIONS)
///     .insert_header(("Origin", "https://app.example.com"))
///     .insert_header(("Access-Control-Request-Method", "PUT"))
///     .to_srv_request();
/// assert!(guard::preflight().check(&req.guard_ctx()));
/// ```
pub fn preflight() -> impl Guard {
    PreflightGuard
}

struct PreflightGuard;

impl Guard for PreflightGuard {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        is_preflight(ctx.head())
    }
}

/// Matches requests whose `Origin` differs from the request's own origin.
///
/// The request's own host comes from `Forwarded: host=`, `X-Forwarded-Host` or `Host` (an
/// explicit default port ignored), and its scheme from `Forwarded: proto=` or
/// `X-Forwarded-Proto` when present — the headers actix-web's `ConnectionInfo` reads.
/// Without a known scheme, only the host and port are compared. The same rule decides which
/// requests [`block_disallowed`](crate::Cors::block_disallowed) never blocks, except that the
/// middleware, like `ConnectionInfo`, falls back to the listener's scheme and the configured
/// host. Requests without `Origin` do not match; a present but malformed `Origin` (not
/// visible ASCII, not a serialized origin, `null`) does.
///
/// **Behind a TLS-terminating proxy**, have the proxy send `X-Forwarded-Proto` (or
/// `Forwarded: proto=`) and, if it rewrites `Host`, `X-Forwarded-Host` (or `Forwarded:
/// host=`). Without the protocol this guard compares host and port only, so a plain-http page
/// on the same host counts as same-origin; without the host every request looks
/// cross-origin; and the middleware's [`block_disallowed`](crate::Cors::block_disallowed),
/// which falls back to the listener's `http`, blocks same-origin requests from `https` pages.
pub fn cross_origin() -> impl Guard {
    CrossOriginGuard
}

struct CrossOriginGuard;

impl Guard for CrossOriginGuard {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        let head = ctx.head();
        let Some(origin) = head.headers.get(ORIGIN) else {
            return false;
        };
        // A serialized origin is visible ASCII (Fetch, "Origin header"); anything else is an
        // Origin no browser sent for this server's own pages, so it is not same-origin.
        let Ok(origin) = origin.to_str() else {
            return true;
        };
        match Origin::parse(origin) {
            Some(origin) => !is_own_origin(&origin, head, None, None),
            None => true,
        }
    }
}

/// Whether `origin` is the request's own origin: its host (and port) equal the request's
/// host, from `Forwarded: host=`, `X-Forwarded-Host` or `Host` (the first entry of a list;
/// an explicit default port ignored), and its scheme equals the request's scheme when that is
/// known (`Forwarded: proto=`, `X-Forwarded-Proto`, an absolute request URI, or the default).
/// Without a known scheme only host and port are compared.
/// The defaults stand in as they do for actix-web's `ConnectionInfo`: the configured server
/// host when the request names no host at all (HTTP/1.0, test requests), and the listener's
/// scheme when no proxy names one. A guard cannot see either, and passes `None`.
pub(crate) fn is_own_origin(
    origin: &Origin<'_>,
    head: &RequestHead,
    default_host: Option<&str>,
    default_scheme: Option<&str>,
) -> bool {
    let forwarded = head.headers.get(FORWARDED).and_then(|v| v.to_str().ok());
    let forwarded_param = |param: &str| {
        let first = forwarded?.split(',').next()?;
        first
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case(param))
            .map(|(_, value)| value.trim().trim_matches('"'))
    };
    let header = |name: &str| {
        let value = head.headers.get(name)?.to_str().ok()?;
        value.split(',').next().map(str::trim)
    };
    let host = forwarded_param("host")
        .or_else(|| header("x-forwarded-host"))
        .or_else(|| header(HOST.as_str()))
        .or_else(|| head.uri.authority().map(|a| a.as_str()))
        .or(default_host);
    let scheme = forwarded_param("proto")
        .or_else(|| header("x-forwarded-proto"))
        .or_else(|| head.uri.scheme_str())
        .or(default_scheme);
    let Some(host) = host else { return false };
    let host = match host.rsplit_once(':') {
        Some((name, port))
            if default_port(origin.scheme().as_bytes()).is_some_and(|p| port.parse() == Ok(p)) =>
        {
            name
        }
        _ => host,
    };
    let origin_authority = &origin.as_str()[origin.scheme().len() + 3..];
    origin_authority.eq_ignore_ascii_case(host)
        && scheme.is_none_or(|scheme| scheme.eq_ignore_ascii_case(origin.scheme()))
}

/// Matches requests whose `Origin` the policy allows (for a permissive policy: any request
/// with an `Origin`). Uses the policy's own matcher, including its predicates.
pub fn allowed_origin(policy: &Policy) -> impl Guard {
    AllowedOriginGuard {
        policy: policy.clone(),
    }
}

struct AllowedOriginGuard {
    policy: Policy,
}

impl Guard for AllowedOriginGuard {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        origin_is_allowed(&self.policy.inner, ctx.head())
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{http::header::HeaderValue, test::TestRequest};

    use super::*;

    fn cross(req: TestRequest) -> bool {
        cross_origin().check(&req.to_srv_request().guard_ctx())
    }

    #[test]
    fn same_origin_is_judged_from_forwarded_headers() {
        let origin = ("Origin", "https://api.example.com");
        assert!(!cross(
            TestRequest::default()
                .insert_header(origin)
                .insert_header(("Host", "api.example.com"))
        ));
        assert!(cross(
            TestRequest::default()
                .insert_header(origin)
                .insert_header(("Host", "api.example.com"))
                .insert_header(("X-Forwarded-Proto", "http"))
        ));
        assert!(!cross(
            TestRequest::default()
                .insert_header(origin)
                .insert_header(("Host", "backend:8080"))
                .insert_header(("Forwarded", "for=1.2.3.4;proto=https;host=api.example.com"))
        ));
        assert!(cross(
            TestRequest::default()
                .insert_header(("Origin", "https://app.example.com"))
                .insert_header(("Host", "api.example.com"))
        ));
        assert!(!cross(TestRequest::default()));
    }

    #[test]
    fn a_present_but_malformed_origin_is_cross_origin() {
        let host = ("Host", "api.example.com");
        for origin in [
            &b"https://api.example.com\xff"[..],
            "https://\u{e1}pi.example.com".as_bytes(),
            b"https://api.example.com\t",
            b"https://api.example.com/",
            b"null",
            b"",
        ] {
            let origin = HeaderValue::from_bytes(origin).expect("a representable header value");
            assert!(
                cross(
                    TestRequest::default()
                        .insert_header(("Origin", origin.clone()))
                        .insert_header(host)
                ),
                "{origin:?}"
            );
        }
    }
}
