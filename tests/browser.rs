//! The real-browser suite: headless Chromium (Debian's `chromium` + `chromium-driver`) runs
//! every case of [`cases::table`] as a JavaScript `fetch()` from a page of the case's origin
//! against servers built in-process with this crate, and each case is asserted on three
//! sides: what the script saw (resolved or `TypeError`, status, readable headers, body), what
//! Chromium logged (its own CORS error for every blocked case), and what reached the server
//! (preflights and actual requests counted per case, cookies seen).
//!
//! ```sh
//! apt-get install -y chromium chromium-driver
//! cargo test --test browser
//! ```
//!
//! Without Chromium the suite is not run and says so on stderr; with `CI` set it fails.
//! A report of every case is written to `$CARGO_TARGET_TMPDIR/browser-suite-report.txt`.

#[path = "browser/cases.rs"]
mod cases;
#[path = "browser/chromium.rs"]
mod chromium;
#[path = "browser/server.rs"]
mod server;
#[path = "browser/simulation.rs"]
mod simulation;
#[path = "browser/webdriver.rs"]
mod webdriver;

use std::{
    collections::{BTreeSet, HashMap},
    fmt::Write as _,
    io::Write as _,
    path::PathBuf,
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use serde_json::{json, Value};

use crate::{
    cases::{Case, CookieSent, Expected, Page},
    chromium::{Binaries, Driver},
    server::{Server, Servers, CORS_SET_COOKIE, SESSION_COOKIE},
    simulation::{Oracle, Simulation, TableExpectations, Verdict},
    webdriver::Session,
};

const RUNNER: &str = include_str!("browser/runner.js");

#[test]
fn case_table_is_well_formed() {
    let table = cases::table();
    assert!(table.len() >= 50, "only {} cases", table.len());
    let mut names = BTreeSet::new();
    for case in &table {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
        assert!(
            case.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "case name {} must be [a-z0-9_]: it is put in the URL",
            case.name
        );
        assert!(case.fetches >= 1, "{}: no fetch", case.name);
        if matches!(case.expected, Expected::Blocked) {
            assert!(
                case.hits.preflights + case.hits.actual > 0,
                "{}: a blocked case must show that it reached the server",
                case.name
            );
        }
    }
}

/// The table through the crate's simulation alone: runs with or without Chromium, so the
/// table keeps checking the crate on machines without a browser.
#[test]
fn simulation_runs_every_case_as_the_table_says() {
    let table = cases::table();
    // No server listens: the simulation calls the apps in-process; the ports only shape the
    // origins and URLs, as in the browser run.
    let simulated = Simulation::run(&table, (8001, 8002), SESSION_COOKIE);
    let checked: Vec<Case> = table
        .iter()
        .filter(|c| c.known_bug.is_none())
        .cloned()
        .collect();
    let disagreeing =
        simulation::disagreements(&TableExpectations, &checked, simulated.name(), |case| {
            Some(simulated.verdict(case))
        });
    assert!(
        disagreeing.is_empty(),
        "the simulation disagrees with the case table:\n{}",
        disagreeing.join("\n")
    );
}

#[test]
fn chromium_runs_every_case_as_the_table_says() {
    let binaries = match Binaries::find() {
        Ok(binaries) => binaries,
        Err(missing) => return not_run(&missing),
    };
    let started = Instant::now();
    let table = cases::table();
    let servers = server::start();
    let scratch = Scratch::new();
    let chrome_log = scratch.0.join("chrome.log");
    let driver =
        Driver::start(&binaries, &chrome_log).unwrap_or_else(|e| panic!("chromedriver: {e}"));
    let session = driver
        .session(
            &binaries,
            &scratch.0.join("profile"),
            &secure_origins(&table, &servers),
        )
        .unwrap_or_else(|e| panic!("starting a Chromium session failed: {e}"));
    log_in(&session, &servers);

    let mut results = HashMap::new();
    let mut logs = Vec::new();
    for (host, server, cases) in by_page(&table) {
        let page = format!("http://{host}:{}/page", servers.port(server));
        session
            .navigate(&page)
            .unwrap_or_else(|e| panic!("loading {page}: {e}"));
        let args = cases
            .iter()
            .map(|case| case_to_js(case, &servers))
            .collect();
        let value = session
            .execute_async(RUNNER, vec![Value::Array(args)])
            .unwrap_or_else(|e| panic!("running the cases of {page}: {e}"));
        let Value::Array(page_results) = value else {
            panic!("the runner failed on {page}: {value}");
        };
        for result in page_results {
            let name = result["name"].as_str().unwrap_or_default().to_owned();
            results.insert(name, result);
        }
        logs.extend(session.browser_log().unwrap_or_else(|e| panic!("{e}")));
    }
    drop(session);
    drop(driver);
    let browser_done = started.elapsed();
    // Console messages of every frame, sandboxed iframes included.
    let chrome_log = std::fs::read_to_string(&chrome_log).unwrap_or_default();
    logs.extend(
        chrome_log
            .lines()
            .filter(|line| line.contains(":CONSOLE"))
            .map(str::to_owned),
    );

    let mut report = String::new();
    let mut failures = Vec::new();
    let mut known = Vec::new();
    for case in &table {
        let problems = check_case(case, results.get(case.name), &logs, &servers);
        let status = match (problems.is_empty(), case.known_bug) {
            (true, None) => "ok",
            (true, Some(_)) => "ok (marked known bug: remove the marker)",
            (false, Some(_)) => "KNOWN BUG",
            (false, None) => "FAILED",
        };
        let _ = writeln!(report, "{status:>9}  {}", case.name);
        for problem in &problems {
            let _ = writeln!(report, "             {problem}");
        }
        match case.known_bug {
            Some(bug) if !problems.is_empty() => {
                known.push(format!(
                    "{}: {bug}\n    {}",
                    case.name,
                    problems.join("\n    ")
                ));
            }
            Some(_) => {}
            None if !problems.is_empty() => {
                failures.push(format!("{}:\n    {}", case.name, problems.join("\n    ")));
            }
            None => {}
        }
    }
    for hit in servers.all_hits() {
        if hit.method == "OPTIONS" && hit.cookie.is_some() {
            failures.push(format!("a preflight carried cookies: {hit:?}"));
        }
    }
    // The same verdicts through the oracle seam the simulation module plugs into.
    let verdict_of = |case: &Case| results.get(case.name).map(|r| chromium_verdict(case, r));
    let checked: Vec<Case> = table
        .iter()
        .filter(|c| c.known_bug.is_none())
        .cloned()
        .collect();
    failures.extend(simulation::disagreements(
        &TableExpectations,
        &checked,
        "Chromium",
        verdict_of,
    ));
    // Every case through the crate's simulation, on the same apps: it must agree with
    // Chromium (known-bug cases included: both run the same crate code).
    let simulated = Simulation::run(
        &table,
        (servers.main_port, servers.outer_port),
        SESSION_COOKIE,
    );
    let disagreeing = simulation::disagreements(&simulated, &table, "Chromium", verdict_of);
    let not_simulated = simulation::unsupported(&simulated, &table);
    let _ = writeln!(
        report,
        "\nsimulation (actix_scoped_cors::testing) vs Chromium: {} of {} cases compared, {} disagree",
        table.len() - not_simulated.len(),
        table.len(),
        disagreeing.len()
    );
    for line in disagreeing.iter().chain(&not_simulated) {
        let _ = writeln!(report, "  {line}");
    }
    failures.extend(
        disagreeing
            .into_iter()
            .map(|d| format!("simulation disagrees: {d}")),
    );

    let _ = writeln!(
        report,
        "\n{} cases, {} failed, {} known crate bugs; Chromium part {:.1?}, total {:.1?}",
        table.len(),
        failures.len(),
        known.len(),
        browser_done,
        started.elapsed()
    );
    if std::env::var_os("BROWSER_SUITE_LOG").is_some() {
        let _ = writeln!(report, "\nChromium console:\n{}", logs.join("\n"));
    }
    let report_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-suite-report.txt");
    let _ = std::fs::write(&report_path, &report);
    if !known.is_empty() {
        // Visible even though the test passes (written past the test harness's capture).
        let mut message = format!(
            "\nbrowser suite: {} case(s) fail because of known crate bugs (not counted):\n",
            known.len()
        );
        for entry in &known {
            let _ = writeln!(message, "  {entry}");
        }
        let _ = writeln!(message, "full report: {}", report_path.display());
        let _ = std::io::stderr().write_all(message.as_bytes());
    }
    assert!(
        failures.is_empty(),
        "{report}\n{} browser case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Chromium is missing: fail in CI, otherwise say loudly that the suite did not run.
fn not_run(missing: &str) {
    let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    if in_ci {
        panic!(
            "Chromium suite required in CI: apt-get install -y chromium chromium-driver \
             ({missing})"
        );
    }
    // Written straight to stderr, past the test harness's output capture: a skipped suite
    // must not pass silently.
    let banner = format!(
        "\n\
         ==================================================================\n\
         BROWSER SUITE NOT RUN: {missing}.\n\
         The real-Chromium CORS cases were skipped, not passed. To run them:\n\
         \x20   apt-get install -y chromium chromium-driver\n\
         \x20   cargo test --test browser\n\
         (with CI set, a missing Chromium fails the test instead)\n\
         ==================================================================\n"
    );
    let _ = std::io::stderr().write_all(banner.as_bytes());
}

/// A fresh directory for Chromium's profile and log, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "actix-scoped-cors-chromium-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create the Chromium scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every origin a page or a request of the suite uses.
fn secure_origins(table: &[Case], servers: &Servers) -> Vec<String> {
    let mut origins = BTreeSet::new();
    for case in table {
        for (host, server) in [case.page.host(), case.target] {
            origins.insert(format!("http://{host}:{}", servers.port(server)));
        }
    }
    origins.into_iter().collect()
}

/// Stores the session cookie for `api.test` through a real `Set-Cookie` (a first-party
/// navigation) and proves that Chromium kept it.
fn log_in(session: &Session, servers: &Servers) {
    let api = format!("http://api.test:{}", servers.main_port);
    session
        .navigate(&format!("{api}/api/login"))
        .unwrap_or_else(|e| panic!("loading the login page: {e}"));
    let cookies = session
        .execute("return document.cookie", vec![])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        cookies.as_str().is_some_and(|c| c.contains(SESSION_COOKIE)),
        "harness: Chromium did not store the `Secure; SameSite=None` cookie of {api} \
         (document.cookie = {cookies}); is --unsafely-treat-insecure-origin-as-secure honoured?"
    );
    let _ = session.browser_log();
}

/// The pages to load, in table order, each with its cases (sandboxed ones included).
fn by_page(table: &[Case]) -> Vec<(&'static str, Server, Vec<&Case>)> {
    let mut pages: Vec<(&'static str, Server, Vec<&Case>)> = Vec::new();
    for case in table {
        let (host, server) = case.page.host();
        match pages
            .iter_mut()
            .find(|(h, s, _)| *h == host && *s == server)
        {
            Some((_, _, cases)) => cases.push(case),
            None => pages.push((host, server, vec![case])),
        }
    }
    pages
}

fn case_url(case: &Case, servers: &Servers) -> String {
    let (host, server) = case.target;
    let separator = if case.path.contains('?') { '&' } else { '?' };
    format!(
        "http://{host}:{}{}{separator}case={}",
        servers.port(server),
        case.path,
        case.name
    )
}

fn case_to_js(case: &Case, servers: &Servers) -> Value {
    let headers: serde_json::Map<String, Value> = case
        .headers
        .iter()
        .map(|(name, value)| (name.to_string(), json!(value)))
        .collect();
    json!({
        "name": case.name,
        "url": case_url(case, servers),
        "method": case.method,
        "headers": headers,
        "credentials": case.credentials.as_js(),
        "body": case.body,
        "fetches": case.fetches,
        "sandboxed": matches!(case.page, Page::SandboxedIn(..)),
    })
}

fn expected_origin(case: &Case, servers: &Servers) -> String {
    match case.page {
        Page::At(host, server) => format!("http://{host}:{}", servers.port(server)),
        Page::SandboxedIn(..) => "null".to_owned(),
    }
}

/// Chromium's CORS errors about this case's URL (the reason only, deduplicated: the same
/// message may come from both log sources).
fn cors_errors(case: &Case, logs: &[String], servers: &Servers) -> BTreeSet<String> {
    const BLOCKED: &str = "has been blocked by CORS policy: ";
    let url = format!("{}'", case_url(case, servers));
    logs.iter()
        .filter(|m| m.contains(&url))
        .filter_map(|m| m.split_once(BLOCKED))
        .map(|(_, reason)| {
            let end = reason.find("\", source:").unwrap_or(reason.len());
            reason[..end].to_owned()
        })
        .collect()
}

/// Everything wrong with one case; empty when it behaved as the table says.
fn check_case(
    case: &Case,
    result: Option<&Value>,
    logs: &[String],
    servers: &Servers,
) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(result) = result else {
        return vec!["no result from the browser".to_owned()];
    };
    if let Some(error) = result.get("harnessError") {
        return vec![format!("harness error in the page: {error}")];
    }
    let origin = result["origin"].as_str().unwrap_or_default();
    let expected_origin = expected_origin(case, servers);
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
    let cors_errors = cors_errors(case, logs, servers);
    match &case.expected {
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
                problems.push(format!("Chromium logged CORS errors: {cors_errors:?}"));
            }
        }
        Expected::Blocked => {
            for (i, fetch) in fetches.iter().enumerate() {
                let n = i + 1;
                let error = fetch["error"].as_str().unwrap_or_default();
                if fetch["ok"] == json!(true) {
                    problems.push(format!(
                        "fetch {n}: expected blocked, the script read status {} \
                         (readable headers {})",
                        fetch["status"], fetch["headers"]
                    ));
                } else if !error.starts_with("TypeError") {
                    problems.push(format!("fetch {n}: rejected with {error}, not TypeError"));
                }
            }
            if cors_errors.is_empty() {
                problems.push("no CORS error in Chromium's console log".to_owned());
            }
        }
    }
    problems.extend(check_hits(case, servers));
    problems
}

/// Preflights and actual requests that reached the server, and their cookies.
fn check_hits(case: &Case, servers: &Servers) -> Vec<String> {
    let mut problems = Vec::new();
    let hits = servers.hits_for(case.name);
    let preflights = hits.iter().filter(|h| h.method == "OPTIONS").count();
    let actual: Vec<_> = hits.iter().filter(|h| h.method == case.method).collect();
    let other: Vec<_> = hits
        .iter()
        .filter(|h| h.method != "OPTIONS" && h.method != case.method)
        .map(|h| h.method.as_str())
        .collect();
    if preflights != case.hits.preflights || actual.len() != case.hits.actual {
        problems.push(format!(
            "server saw {preflights} preflight(s) and {} {} request(s), expected {} and {}",
            actual.len(),
            case.method,
            case.hits.preflights,
            case.hits.actual
        ));
    }
    if !other.is_empty() {
        problems.push(format!("server saw unexpected methods {other:?}"));
    }
    let expected_origin = expected_origin(case, servers);
    let same_origin = case.target.0 == case.page.host().0 && case.target.1 == case.page.host().1;
    let path = case.path.split('?').next().unwrap_or_default();
    for hit in &hits {
        if hit.server != case.target.1 || hit.path != path {
            problems.push(format!(
                "{} reached {:?} {}, expected {:?} {path} (harness)",
                hit.method, hit.server, hit.path, case.target.1
            ));
        }
        // Chromium omits Origin only on same-origin GET/HEAD.
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

/// What Chromium did with a case, reduced to a [`Verdict`].
fn chromium_verdict(case: &Case, result: &Value) -> Verdict {
    let Some(last) = result["fetches"].as_array().and_then(|f| f.last()) else {
        return Verdict::Blocked;
    };
    if last["ok"] != json!(true) {
        return Verdict::Blocked;
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
