//! What differs between the three engines, as far as the suite is concerned: their names, how
//! to install them, their `TypeError` text and the wording of their console's CORS errors,
//! and the [`Browser`] seam each engine's driver plugs into.

use std::collections::BTreeSet;

use serde_json::Value;

use actix_scoped_cors::testing::Engine as SimulatedEngine;

/// A browser engine the suite drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
    WebKit,
}

/// The scheme every page and API of one run uses (a few cases cross over to the other).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

impl Engine {
    /// The name printed in the suite's summary lines.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// The Debian packages the engine needs.
    pub fn install_line(self) -> &'static str {
        match self {
            Engine::Chromium => "apt-get install -y chromium chromium-driver",
            Engine::Firefox => "apt-get install -y firefox-esr",
            Engine::WebKit => {
                "apt-get install -y webkit2gtk-driver xvfb xauth python3-gi gir1.2-webkit2-4.1"
            }
        }
    }

    /// The same engine in the crate's simulation.
    pub fn simulated(self) -> SimulatedEngine {
        match self {
            Engine::Chromium => SimulatedEngine::Chromium,
            Engine::Firefox => SimulatedEngine::Firefox,
            Engine::WebKit => SimulatedEngine::WebKit,
        }
    }

    /// The `TypeError` message of a `fetch()` the engine blocked.
    pub fn type_error(self) -> &'static str {
        self.simulated().type_error_message()
    }

    /// The engine's CORS errors about `url` in its console `logs`, reduced to the reason (the
    /// same message may come from two log sources; a set removes the repeat).
    pub fn cors_errors(self, url: &str, logs: &[String]) -> BTreeSet<String> {
        match self {
            Engine::Chromium => {
                const BLOCKED: &str = "has been blocked by CORS policy: ";
                let url = format!("'{url}'");
                logs.iter()
                    .filter(|m| m.contains(&url))
                    .filter_map(|m| m.split_once(BLOCKED))
                    .map(|(_, reason)| {
                        let end = reason.find("\", source:").unwrap_or(reason.len());
                        reason[..end].to_owned()
                    })
                    .collect()
            }
            // The URL is quoted (‘…’) in some of Firefox's messages, bare in others.
            Engine::Firefox => {
                let (bare, quoted) = (format!("at {url}. "), format!("at ‘{url}’. "));
                logs.iter()
                    .filter(|m| m.starts_with("Cross-Origin Request Blocked"))
                    .filter_map(|m| m.split_once(&bare).or_else(|| m.split_once(&quoted)))
                    .map(|(_, reason)| reason.to_owned())
                    .collect()
            }
            // The console browser prints `CONSOLE SECURITY ERROR <text>` lines; the one naming
            // the URL is `Fetch API cannot load <url> due to access control checks.`, the
            // reason comes just before it.
            Engine::WebKit => {
                let cannot_load = format!("Fetch API cannot load {url} due to access control");
                let mut reasons = BTreeSet::new();
                for (i, message) in logs.iter().enumerate() {
                    if message.contains(&cannot_load) {
                        reasons.insert(message.clone());
                        if let Some(previous) = i.checked_sub(1).and_then(|p| logs.get(p)) {
                            if !previous.contains("Fetch API cannot load") {
                                reasons.insert(previous.clone());
                            }
                        }
                    }
                }
                reasons
            }
        }
    }
}

impl Engine {
    /// The part of a console `message` about `url` that [`Engine::cors_errors`] returns, to
    /// compare the simulation's message with what the engine logged.
    pub fn reason_of(self, message: &str, url: &str) -> String {
        let reason = match self {
            Engine::Chromium => message.split_once("has been blocked by CORS policy: "),
            Engine::Firefox => message
                .split_once(&format!("at {url}. "))
                .or_else(|| message.split_once(&format!("at ‘{url}’. "))),
            Engine::WebKit => None,
        };
        reason.map_or(message, |(_, reason)| reason).to_owned()
    }
}

impl Engine {
    /// Whether the engine logged that it blocked `url` as mixed content.
    pub fn logged_mixed_content(self, url: &str, logs: &[String]) -> bool {
        let needle = match self {
            Engine::Chromium => format!("but requested an insecure resource '{url}'"),
            Engine::Firefox => format!("Blocked loading mixed active content “{url}”"),
            Engine::WebKit => format!("requested insecure content from {url}."),
        };
        logs.iter().any(|m| m.contains(&needle))
    }
}

/// One running browser with one session, shared by every page of a run.
pub trait Browser {
    /// Loads `url` in the session's tab and waits for the load.
    fn navigate(&mut self, url: &str) -> Result<(), String>;
    /// Runs `runner.js` on the current page with the page's `cases`; returns its results.
    fn run_cases(&mut self, runner: &str, cases: Value) -> Result<Value, String>;
    /// Evaluates a JavaScript expression on the current page.
    fn eval(&mut self, expression: &str) -> Result<Value, String>;
    /// The console messages collected since the last call.
    fn console(&mut self) -> Vec<String>;
    /// Whether [`Browser::console`] carries the engine's own CORS errors.
    fn reads_console(&self) -> bool {
        true
    }
}
