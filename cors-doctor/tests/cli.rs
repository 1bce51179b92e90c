//! The `cors-doctor` binary: exit codes, `--json`, `--engine`, `--insecure`, `--help`.

mod common;

use std::process::{Command, Output};

use common::{narrow_cors, wildcard_and_credentials, Server, ORIGIN};
use serde_json::Value;

fn doctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cors-doctor"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not JSON ({error}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn json_report_of_wildcard_with_credentials_over_https() {
    let server = Server::start_https(wildcard_and_credentials);
    let url = server.url("/api/me");
    let output = doctor(&[&url, "--origin", ORIGIN, "--credentials", "-k", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["verdict"], "blocked");
    assert_eq!(report["engine"], "chromium");
    assert_eq!(report["url"], url);
    assert_eq!(report["origin"], ORIGIN);
    let exchanges = report["exchanges"].as_array().unwrap();
    assert_eq!(exchanges.len(), 1, "a simple GET: no preflight");
    let actual = &exchanges[0];
    assert_eq!(actual["kind"], "actual");
    assert_eq!(actual["method"], "GET");
    assert_eq!(actual["http_version"], "HTTP/2");
    assert_eq!(actual["status"], 200);
    assert!(actual["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["name"] == "origin" && h["value"] == ORIGIN));
    let response_headers = actual["response_headers"].as_array().unwrap();
    assert!(response_headers
        .iter()
        .any(|h| h["name"] == "access-control-allow-origin" && h["value"] == "*"));
    assert!(response_headers
        .iter()
        .all(|h| h["name"].as_str().unwrap().starts_with("access-control-")));
    assert_eq!(
        report["reason"],
        "The value of the 'Access-Control-Allow-Origin' header in the response must not be \
         the wildcard '*' when the request's credentials mode is 'include'."
    );
    assert!(report["console_message"]
        .as_str()
        .unwrap()
        .starts_with(&format!(
            "Access to fetch at '{url}' from origin '{ORIGIN}'"
        )));
    assert!(report["fixes"][0]
        .as_str()
        .unwrap()
        .contains("use Cors::strict"));
}

#[test]
fn json_report_of_a_missing_allowed_header_over_https() {
    let server = Server::start_https(narrow_cors);
    let url = server.url("/api/items");
    let output = doctor(&[
        &url,
        "--origin",
        ORIGIN,
        "--method",
        "PUT",
        "--header",
        "x-api-key:k",
        "--insecure",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let exchanges = report["exchanges"].as_array().unwrap();
    assert_eq!(exchanges.len(), 1, "blocked at the preflight");
    assert_eq!(exchanges[0]["kind"], "preflight");
    assert_eq!(exchanges[0]["method"], "OPTIONS");
    assert_eq!(exchanges[0]["status"], 204);
    assert!(report["console_message"].as_str().unwrap().ends_with(
        "Request header field x-api-key is not allowed by Access-Control-Allow-Headers in \
         preflight response."
    ));
    assert!(report["fixes"][0]
        .as_str()
        .unwrap()
        .starts_with("add `x-api-key` to allow_headers"));
}

#[test]
fn engine_changes_the_console_message() {
    let server = Server::start(wildcard_and_credentials);
    let url = server.url("/api/me");
    let message = |engine: &str| {
        let output = doctor(&[
            &url,
            "--origin",
            ORIGIN,
            "--credentials",
            "--json",
            "--engine",
            engine,
        ]);
        assert_eq!(output.status.code(), Some(1));
        let report = json(&output);
        assert_eq!(report["engine"], engine);
        report["console_message"].as_str().unwrap().to_owned()
    };
    assert!(message("chromium").starts_with("Access to fetch at"));
    assert_eq!(
        message("firefox"),
        format!(
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote \
             resource at ‘{url}’. (Reason: Credential is not supported if the CORS header \
             ‘Access-Control-Allow-Origin’ is ‘*’)."
        )
    );
    assert_eq!(
        message("webkit"),
        "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true."
    );

    // The text report says so too.
    let output = doctor(&[
        &url,
        "--origin",
        ORIGIN,
        "--credentials",
        "--engine",
        "webkit",
    ]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains(", as WebKit"), "{text}");
    assert!(text.contains("Cannot use wildcard in Access-Control-Allow-Origin"));
}

#[test]
fn self_signed_certificate_needs_insecure() {
    let server = Server::start_https(|cfg| {
        cfg.default_service(actix_web::web::to(|| async {
            actix_web::HttpResponse::Ok()
                .insert_header(("access-control-allow-origin", "*"))
                .finish()
        }));
    });
    let url = server.url("/api/feed");
    let refused = doctor(&[&url, "--origin", ORIGIN]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("network error"), "{stderr}");
    assert!(stderr.contains("add --insecure (-k)"), "{stderr}");

    let refused = doctor(&[&url, "--origin", ORIGIN, "--json"]);
    assert_eq!(refused.status.code(), Some(2));
    let error = json(&refused);
    assert_eq!(error["verdict"], "error");
    assert_eq!(error["error"], "network");
    assert!(error["message"].as_str().unwrap().contains("--insecure"));

    let accepted = doctor(&[&url, "--origin", ORIGIN, "--insecure"]);
    assert_eq!(accepted.status.code(), Some(0));
    let text = String::from_utf8(accepted.stdout).unwrap();
    assert!(text.contains("verdict: allowed"), "{text}");
    assert!(text.contains("< HTTP/2 200 OK"), "{text}");
}

#[test]
fn usage_errors_exit_with_2() {
    let missing = doctor(&["http://127.0.0.1:1/"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("missing --origin"));

    let engine = doctor(&[
        "http://127.0.0.1:1/",
        "--origin",
        ORIGIN,
        "--engine",
        "trident",
    ]);
    assert_eq!(engine.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&engine.stderr).contains("unknown engine trident"));

    let json_error = doctor(&["http://127.0.0.1:1/", "--json"]);
    assert_eq!(json_error.status.code(), Some(2));
    let error = json(&json_error);
    assert_eq!(error["error"], "usage");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("missing --origin"));
}

#[test]
fn help_names_every_flag() {
    let help = doctor(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--origin",
        "--method",
        "--header",
        "--credentials",
        "--insecure",
        "--json",
        "--engine",
    ] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
}
