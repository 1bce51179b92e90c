//! Concrete fixes for a blocked fetch, most likely first: what to change on the server (in
//! actix-scoped-cors terms where it helps) or in the script.

use actix_scoped_cors::testing::{AccessError, BlockReason, FetchReport, ReceivedResponse};

use crate::{
    redirect::MAX_REDIRECTS,
    report::{Blocked, Diagnosis},
    Checkup,
};

/// The fixes for `diagnosis`; empty when allowed.
pub(crate) fn fixes(diagnosis: &Diagnosis, checkup: &Checkup) -> Vec<String> {
    let Some(blocked) = diagnosis.blocked() else {
        return Vec::new();
    };
    let hops = &diagnosis.hops;
    let last = &diagnosis.last_hop().report;
    let redirected_from = (hops.len() > 1).then(|| &hops[hops.len() - 2].report.url);
    match blocked {
        Blocked::Cors(reason) => {
            let mut fixes = Vec::new();
            if let Some(from) = redirected_from {
                fixes.push(redirect_fix(from, last));
            }
            fixes.extend(cors_fixes(reason, last, checkup));
            fixes
        }
        Blocked::RedirectCredentials(url) => vec![format!(
            "the server redirected to '{url}', which holds a username or password: browsers \
             refuse that for CORS requests; redirect to a URL without credentials"
        )],
        Blocked::RedirectLocation(location) => vec![format!(
            "the Location '{location}' is not an http(s) URL: send an absolute or relative \
             http(s) URL"
        )],
        Blocked::TooManyRedirects => vec![format!(
            "more than {MAX_REDIRECTS} redirects (a loop?): fix the redirect chain starting at \
             {}",
            diagnosis.first_hop().report.url
        )],
        Blocked::Refused(_) => vec![format!(
            "the redirect goes to {}, which the browser refuses to load from this page (an \
             https page cannot fetch http): redirect to https",
            last.url
        )],
    }
}

/// The first fix after a redirect: every hop must pass the CORS check, and a cross-origin
/// redirect from another origin makes the browser send `Origin: null`.
fn redirect_fix(from: &str, last: &FetchReport) -> String {
    if last.origin == "null" {
        format!(
            "{from} redirected to another origin, so the browser sent `Origin: null` to {} \
             (Fetch: a redirect-tainted origin): fetch the final URL directly instead of \
             redirecting across origins (allowing `null` would allow any sandboxed page)",
            last.url
        )
    } else {
        format!(
            "the fetch was redirected from {from} to {}: the browser checks CORS at every \
             hop, so the redirect target must answer CORS for this origin too",
            last.url
        )
    }
}

/// The fixes for a failed CORS check at `report`'s URL.
fn cors_fixes(reason: &BlockReason, report: &FetchReport, checkup: &Checkup) -> Vec<String> {
    let preflight = report.preflight_exchange().map(|e| &e.response);
    let actual = report.actual.as_ref().map(|e| &e.response);
    match reason {
        BlockReason::PreflightDisallowedRedirect => {
            let response = preflight.expect("a redirect was received");
            vec![format!(
                "the preflight was redirected ({} to {}): preflights cannot follow redirects; \
                 fix the URL (trailing slash?) or answer OPTIONS before the redirect",
                response.status,
                response.header("location").unwrap_or("?")
            )]
        }
        BlockReason::PreflightAccess(AccessError::MissingAllowOriginHeader) => {
            let status = preflight.map_or(0, |r| r.status);
            vec![missing_on_preflight(status)]
        }
        BlockReason::PreflightAccess(error) => {
            access_fixes(error, preflight, &report.origin, checkup.credentials)
        }
        BlockReason::Access(error) => {
            access_fixes(error, actual, &report.origin, checkup.credentials)
        }
        // WebKit judges the status before the origin grant: a bare refusal, as the others
        // report it.
        BlockReason::PreflightInvalidStatus(status)
            if preflight.is_some_and(|r| r.header("access-control-allow-origin").is_none()) =>
        {
            vec![missing_on_preflight(*status)]
        }
        BlockReason::PreflightInvalidStatus(status) => {
            let mut fixes = vec![format!(
                "the preflight answered {status} although it carries CORS headers: a \
                 preflight must get a 2xx; answer OPTIONS before authentication and routing \
                 (wrapping the scope in actix-scoped-cors answers it with 204)"
            )];
            if matches!(status, 401 | 403 | 407) {
                fixes.push(AUTH_FIX.to_owned());
            }
            fixes
        }
        BlockReason::InvalidAllowMethods => vec![format!(
            "Access-Control-Allow-Methods ({}) is not a comma-separated list of methods: send \
             e.g. `GET, POST, PUT`",
            preflight_header(preflight, "access-control-allow-methods")
        )],
        BlockReason::InvalidAllowHeaders => vec![format!(
            "Access-Control-Allow-Headers ({}) is not a comma-separated list of header names: \
             send e.g. `content-type, authorization`",
            preflight_header(preflight, "access-control-allow-headers")
        )],
        BlockReason::MethodDisallowed(method) => {
            let allowed = preflight_header(preflight, "access-control-allow-methods");
            let mut fixes = vec![format!(
                "method {method} not in Access-Control-Allow-Methods ({allowed}): add it, e.g. \
                 `.allow_methods([.., \"{method}\"])`"
            )];
            if method.bytes().any(|b| b.is_ascii_lowercase())
                && allowed
                    .split(',')
                    .any(|m| m.trim() == method.to_ascii_uppercase())
            {
                fixes.push(format!(
                    "browsers send `{method}` exactly as the script wrote it (only DELETE, GET, \
                     HEAD, OPTIONS, POST, PUT are uppercased) and compare byte for byte: write \
                     `{}` in the script",
                    method.to_ascii_uppercase()
                ));
            }
            if checkup.credentials && allowed.split(',').any(|m| m.trim() == "*") {
                fixes.push(WILDCARD_LIST_FIX.to_owned());
            }
            fixes
        }
        BlockReason::HeaderDisallowed(name) => {
            let allowed = preflight_header(preflight, "access-control-allow-headers");
            let mut fixes = vec![format!(
                "add `{name}` to allow_headers (Access-Control-Allow-Headers is {allowed})"
            )];
            let wildcard = allowed.split(',').any(|h| h.trim() == "*");
            if wildcard && name == "authorization" && !checkup.credentials {
                fixes.push(
                    "`*` in Access-Control-Allow-Headers never covers `authorization`: name it"
                        .to_owned(),
                );
            } else if wildcard && checkup.credentials {
                fixes.push(WILDCARD_LIST_FIX.to_owned());
            }
            fixes
        }
        // `BlockReason` is non-exhaustive: future variants get Chromium's own words.
        other => vec![other.to_string()],
    }
}

const AUTH_FIX: &str = "put authentication inside the CORS layer (answer OPTIONS before \
                        auth): browsers never send cookies or Authorization with a preflight";

const WILDCARD_LIST_FIX: &str = "`*` is a literal name, not a wildcard, for credentialed \
                                 requests: list the methods and headers (Cors::strict does)";

fn missing_on_preflight(status: u16) -> String {
    match status {
        200..=299 => "No Access-Control-Allow-Origin on the preflight: the origin is not \
                      allowed, or nothing answers CORS on this route"
            .to_owned(),
        401 | 407 => format!("the preflight answered {status}: {AUTH_FIX}"),
        403 => "the preflight answered 403 without CORS headers: the server's CORS policy \
                refuses this origin or a malformed request (actix-scoped-cors answers a \
                method or header it refuses to an allowed origin with 204 and the allowed \
                lists instead), or an authorization layer runs before CORS; check the \
                allowed origins (and, with other servers, methods and headers)"
            .to_owned(),
        404 | 405 | 501 => format!(
            "the preflight answered {status}: nothing handles OPTIONS on this route; wrap the \
             scope in the CORS middleware (it answers preflights for every path below it) or \
             route OPTIONS to it"
        ),
        _ => format!(
            "the preflight answered {status} without CORS headers: answer OPTIONS with a 2xx \
             and the CORS headers before anything else runs"
        ),
    }
}

fn access_fixes(
    error: &AccessError,
    response: Option<&ReceivedResponse>,
    origin: &str,
    credentialed: bool,
) -> Vec<String> {
    let fix = match error {
        AccessError::MissingAllowOriginHeader => "No Access-Control-Allow-Origin: the origin is \
             not allowed, or nothing answers CORS on this route"
            .to_owned(),
        AccessError::WildcardOriginNotAllowed => "ACAO is `*` but the request is credentialed: \
             use Cors::strict (it reflects the allowed origin and sends \
             Access-Control-Allow-Credentials: true), or fetch without credentials"
            .to_owned(),
        AccessError::MultipleAllowOriginValues(value) => {
            let lines = response.map_or(0, |r| {
                r.header_values("access-control-allow-origin").count()
            });
            if lines > 1 {
                let count = match lines {
                    2 => "two".to_owned(),
                    n => n.to_string(),
                };
                format!(
                    "{count} Access-Control-Allow-Origin headers: a proxy and the app both add \
                     CORS; remove one"
                )
            } else {
                format!(
                    "Access-Control-Allow-Origin holds a list ('{value}'): send exactly one \
                     origin, the request's own when it is allowed (Cors::strict does)"
                )
            }
        }
        AccessError::InvalidAllowOriginValue(value) => format!(
            "Access-Control-Allow-Origin '{value}' is not an origin: send `{origin}` exactly \
             (scheme://host[:port], no path)"
        ),
        AccessError::AllowOriginMismatch(value) => format!(
            "Access-Control-Allow-Origin is '{value}' but the page's origin is '{origin}': \
             they must be equal byte for byte (scheme, host, port, no trailing slash)"
        ),
        AccessError::InvalidAllowCredentials(value) => {
            let value = if value.is_empty() {
                "absent".to_owned()
            } else {
                format!("'{value}'")
            };
            format!(
                "the request is credentialed but Access-Control-Allow-Credentials is {value} \
                 (it must be exactly `true`): use Cors::strict, or fetch without credentials"
            )
        }
        // `AccessError` is non-exhaustive: future variants get Chromium's own words.
        other => other.to_string(),
    };
    let mut fixes = vec![fix];
    if credentialed && matches!(error, AccessError::WildcardOriginNotAllowed) {
        fixes.push(
            "with actix-scoped-cors: Cors::permissive() is for anonymous requests only; mount \
             Cors::strict([origins]) on the credentialed routes"
                .to_owned(),
        );
    }
    fixes
}

fn preflight_header(response: Option<&ReceivedResponse>, name: &str) -> String {
    let values: Vec<String> = response
        .map(|r| {
            r.header_values(name)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect()
        })
        .unwrap_or_default();
    if values.is_empty() {
        "absent".to_owned()
    } else {
        format!("`{}`", values.join(", "))
    }
}
