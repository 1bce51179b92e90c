//! Judging one case as one engine ran it: what the script saw, what the engine logged, what
//! reached the server.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{
    cases::{Case, CookieSent, Expected, Page},
    engine::Engine,
    server::{Ports, Servers, CORS_SET_COOKIE, SESSION_COOKIE},
    simulation::{self, case_url, Verdict},
};

/// The `Origin` the case's requests must carry.
pub fn expected_origin(case: &Case, ports: Ports) -> String {
    match case.page {
        Page::At(host, server) => ports.origin(host, server, case.page_via),
        Page::SandboxedIn(..) => "null".to_owned(),
    }
}

/// The engine's CORS errors about this case's URL.
pub fn cors_errors(engine: Engine, case: &Case, logs: &[String], ports: Ports) -> BTreeSet<String> {
    engine.cors_errors(&case_url(case, ports), logs)
}

/// Everything wrong with one case; empty when it behaved as the table says for `engine`.
/// `console` says whether the engine's console was read at all.
pub fn check_case(
    engine: Engine,
    console: bool,
    case: &Case,
    result: Option<&Value>,
    logs: &[String],
    servers: &Servers,
) -> Vec<String> {
    let ports = servers.ports;
    let mut problems = Vec::new();
    let Some(result) = result else {
        return vec!["no result from the browser".to_owned()];
    };
    if let Some(error) = result.get("harnessError") {
        return vec![format!("harness error in the page: {error}")];
    }
    let origin = result["origin"].as_str().unwrap_or_default();
    let expected_origin = expected_origin(case, ports);
    if origin != expected_origin {
        problems.push(format!(
            "ran in origin {origin}, not {expected_origin} (harness)"
        ));
    }
    let fetches = result["fetches"].as_array().cloned().unwrap_or_default();
    if fetches.len() != case.fetches {
        problems.push(format!(
            "{} fetch results, expected {}",
            fetches.len(),
            case.fetches
        ));
    }
    let cors_errors = cors_errors(engine, case, logs, ports);
    let (expected, _) = case.expected_in(engine);
    match expected {
        Expected::Allowed {
            status,
            readable,
            hidden,
            body,
        } => {
            for (i, fetch) in fetches.iter().enumerate() {
                let n = i + 1;
                if fetch["ok"] != json!(true) {
                    problems.push(format!(
                        "fetch {n}: expected allowed ({status}), got {}",
                        fetch["error"]
                    ));
                    continue;
                }
                if fetch["status"] != json!(status) {
                    problems.push(format!(
                        "fetch {n}: status {}, expected {status}",
                        fetch["status"]
                    ));
                }
                let headers = &fetch["headers"];
                for name in readable.iter() {
                    if headers.get(name).is_none() {
                        problems.push(format!(
                            "fetch {n}: header {name} not readable (readable: {headers})"
                        ));
                    }
                }
                for name in hidden.iter() {
                    if headers.get(name).is_some() {
                        problems.push(format!("fetch {n}: header {name} readable, must not be"));
                    }
                }
                if let Some(text) = body {
                    let got = fetch["body"].as_str().unwrap_or_default();
                    if !got.contains(text) {
                        problems.push(format!("fetch {n}: body {got:?} lacks {text:?}"));
                    }
                }
            }
            if !cors_errors.is_empty() {
                problems.push(format!("the console has CORS errors: {cors_errors:?}"));
            }
        }
        Expected::Blocked | Expected::NotSent => {
            let type_error = format!("TypeError: {}", engine.type_error());
            for (i, fetch) in fetches.iter().enumerate() {
                let n = i + 1;
                let error = fetch["error"].as_str().unwrap_or_default();
                if fetch["ok"] == json!(true) {
                    problems.push(format!(
                        "fetch {n}: expected blocked, the script read status {} \
                         (readable headers {})",
                        fetch["status"], fetch["headers"]
                    ));
                } else if error != type_error {
                    problems.push(format!(
                        "fetch {n}: rejected with {error}, not {type_error}"
                    ));
                }
            }
            if matches!(expected, Expected::Blocked) {
                if console && cors_errors.is_empty() {
                    problems.push("no CORS error in the console".to_owned());
                }
                if let (true, Some(refused)) = (console, case.refused) {
                    let text = refused.console_text(engine);
                    if !cors_errors.iter().any(|error| error.contains(&text)) {
                        problems.push(format!(
                            "the console does not name the refused item ({text:?}): \
                             {cors_errors:?}"
                        ));
                    }
                }
            } else {
                if console && !engine.logged_mixed_content(&case_url(case, ports), logs) {
                    problems.push("no mixed-content error in the console".to_owned());
                }
                // WebKit words a blocked mixed-content fetch like a CORS failure ("Not
                // allowed to request resource", "... due to access control checks."),
                // after its "[blocked] ... requested insecure content" line.
                if engine != Engine::WebKit && !cors_errors.is_empty() {
                    problems.push(format!(
                        "blocked before CORS, yet the console has CORS errors: {cors_errors:?}"
                    ));
                }
            }
        }
    }
    problems.extend(check_hits(engine, case, servers));
    problems
}

/// Preflights and actual requests that reached the server, and their cookies.
fn check_hits(engine: Engine, case: &Case, servers: &Servers) -> Vec<String> {
    let ports = servers.ports;
    let (_, expected_hits) = case.expected_in(engine);
    let mut problems = Vec::new();
    let hits = servers.hits_for(case.name);
    let preflights = hits.iter().filter(|h| h.method == "OPTIONS").count();
    let actual: Vec<_> = hits.iter().filter(|h| h.method == case.method).collect();
    let other: Vec<_> = hits
        .iter()
        .filter(|h| h.method != "OPTIONS" && h.method != case.method)
        .map(|h| h.method.as_str())
        .collect();
    let preflights_expected = expected_hits.preflights..=expected_hits.preflights_up_to;
    if !preflights_expected.contains(&preflights) || actual.len() != expected_hits.actual {
        let expected_preflights = if preflights_expected.start() == preflights_expected.end() {
            expected_hits.preflights.to_string()
        } else {
            format!("{preflights_expected:?}")
        };
        problems.push(format!(
            "server saw {preflights} preflight(s) and {} {} request(s), expected \
             {expected_preflights} and {}",
            actual.len(),
            case.method,
            expected_hits.actual
        ));
    }
    if !other.is_empty() {
        problems.push(format!("server saw unexpected methods {other:?}"));
    }
    let expected_origin = expected_origin(case, ports);
    let target_origin = {
        let (host, server) = case.target;
        ports.origin(host, server, case.target_via)
    };
    let same_origin = matches!(case.page, Page::At(..)) && target_origin == expected_origin;
    let path = case.path.split('?').next().unwrap_or_default();
    let scheme = target_origin.split("://").next().unwrap_or_default();
    for hit in &hits {
        if hit.server != case.target.1 || hit.path != path || hit.scheme != scheme {
            problems.push(format!(
                "{} reached {:?} {} over {}, expected {:?} {path} over {scheme} (harness)",
                hit.method, hit.server, hit.path, hit.scheme, case.target.1
            ));
        }
        // Every engine omits Origin only on same-origin GET/HEAD.
        let origin_omitted = same_origin && matches!(case.method, "GET" | "HEAD");
        let expected = (!origin_omitted).then_some(expected_origin.as_str());
        if hit.origin.as_deref() != expected {
            problems.push(format!(
                "{} carried Origin {:?}, expected {expected:?}",
                hit.method, hit.origin
            ));
        }
    }
    for hit in &actual {
        let cookie = hit.cookie.as_deref().unwrap_or_default();
        match case.cookie {
            CookieSent::Yes if !cookie.contains(SESSION_COOKIE) => problems.push(format!(
                "the session cookie did not reach the server (Cookie: {cookie:?})"
            )),
            CookieSent::No
                if cookie.contains(SESSION_COOKIE) || cookie.contains(CORS_SET_COOKIE) =>
            {
                problems.push(format!("cookies sent in omit mode: {cookie:?}"))
            }
            _ => {}
        }
    }
    problems
}

/// What the engine did with a case, reduced to a [`Verdict`]: a rejected fetch is
/// [`Verdict::Blocked`] when the case's requests reached the server, [`Verdict::Threw`]
/// when nothing did (mixed content).
pub fn observed_verdict(case: &Case, result: &Value, servers: &Servers) -> Verdict {
    let Some(last) = result["fetches"].as_array().and_then(|f| f.last()) else {
        return Verdict::Blocked;
    };
    if last["ok"] != json!(true) {
        return if servers.hits_for(case.name).is_empty() {
            Verdict::Threw(last["error"].as_str().unwrap_or_default().to_owned())
        } else {
            Verdict::Blocked
        };
    }
    let readable = simulation::headers_of_interest(case)
        .into_iter()
        .filter(|name| last["headers"].get(*name).is_some())
        .map(str::to_owned)
        .collect();
    Verdict::Allowed {
        status: last["status"].as_u64().unwrap_or(0) as u16,
        readable,
    }
}
