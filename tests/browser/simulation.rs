//! The seam for running the case table through something other than Chromium (the crate's
//! browser-faithful simulation) and checking that it agrees with what Chromium did.
//!
//! An [`Oracle`] turns a [`Case`] into a [`Verdict`]; [`disagreements`] compares its verdicts
//! with Chromium's, case by case: allowed vs blocked, status, and which of the case's
//! headers of interest were readable. [`Simulation`] is the oracle backed by
//! `actix_scoped_cors::testing`, run on the very apps the browser talked to.

use std::collections::{BTreeSet, HashMap};

use actix_scoped_cors::testing::{self, FetchOutcome, FetchRequest, Page as SimulatedPage};
use actix_web::test;

use super::{
    cases::{Case, Credentials, Expected, Page},
    server::{main_app, outer_app, Policies, Server},
};

/// What a page's script got from a fetch, reduced to what every oracle can predict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed {
        status: u16,
        /// The case's headers of interest (`readable` and `hidden`) that the script could read.
        readable: BTreeSet<String>,
    },
    Blocked,
    /// `fetch()` threw before sending anything (never what Chromium did in this suite).
    Threw(String),
    /// The oracle cannot run this case (the simulation models no opaque origins, say).
    Unsupported(String),
}

/// Something that predicts what a browser does with a case.
pub trait Oracle {
    fn name(&self) -> &str;
    fn verdict(&self, case: &Case) -> Verdict;
}

/// The table's own expectations, as an oracle.
pub struct TableExpectations;

impl Oracle for TableExpectations {
    fn name(&self) -> &str {
        "the case table"
    }

    fn verdict(&self, case: &Case) -> Verdict {
        match &case.expected {
            Expected::Allowed {
                status, readable, ..
            } => Verdict::Allowed {
                status: *status,
                readable: readable.iter().map(|h| h.to_string()).collect(),
            },
            Expected::Blocked => Verdict::Blocked,
        }
    }
}

/// The headers whose readability the verdicts compare.
pub fn headers_of_interest(case: &Case) -> Vec<&'static str> {
    match &case.expected {
        Expected::Allowed {
            readable, hidden, ..
        } => readable.iter().chain(hidden.iter()).copied().collect(),
        Expected::Blocked => Vec::new(),
    }
}

/// One line per case where `oracle` and `reference` (Chromium, or another oracle) disagree.
/// Cases either side cannot run ([`Verdict::Unsupported`]) are left out; list them with
/// [`unsupported`].
pub fn disagreements(
    oracle: &dyn Oracle,
    cases: &[Case],
    reference: &str,
    observed: impl Fn(&Case) -> Option<Verdict>,
) -> Vec<String> {
    cases
        .iter()
        .filter_map(|case| {
            let predicted = oracle.verdict(case);
            match observed(case) {
                _ if matches!(predicted, Verdict::Unsupported(_)) => None,
                Some(Verdict::Unsupported(_)) => None,
                Some(observed) if observed == predicted => None,
                Some(observed) => Some(format!(
                    "{}: {} predicts {predicted:?}, {reference} did {observed:?}",
                    case.name,
                    oracle.name()
                )),
                None => Some(format!("{}: no result from {reference}", case.name)),
            }
        })
        .collect()
}

/// The cases an oracle could not run, with its reason.
pub fn unsupported(oracle: &dyn Oracle, cases: &[Case]) -> Vec<String> {
    cases
        .iter()
        .filter_map(|case| match oracle.verdict(case) {
            Verdict::Unsupported(why) => Some(format!("{}: {why}", case.name)),
            _ => None,
        })
        .collect()
}

/// The crate's browser-faithful simulation (`actix_scoped_cors::testing`), every case run on
/// the same apps (same policies, routes and origins) the browser used, one simulated page per
/// page origin (so preflight caching is shared as in Chromium), with the session cookie.
pub struct Simulation {
    verdicts: HashMap<&'static str, Verdict>,
}

impl Simulation {
    pub fn run(cases: &[Case], ports: (u16, u16), cookie: &str) -> Simulation {
        let port = |server| match server {
            Server::Main => ports.0,
            Server::Outer => ports.1,
        };
        let policies = Policies::new(ports.0, ports.1);
        let verdicts = actix_rt::System::new().block_on(async {
            let main = test::init_service(main_app!(&policies)).await;
            let outer = test::init_service(outer_app!(&policies)).await;
            let mut pages: HashMap<String, SimulatedPage> = HashMap::new();
            let mut verdicts = HashMap::new();
            for case in cases {
                let (host, server) = case.page.host();
                let origin = match case.page {
                    Page::SandboxedIn(..) => "null".to_owned(),
                    Page::At(..) => format!("http://{host}:{}", port(server)),
                };
                let page = pages
                    .entry(origin.clone())
                    .or_insert_with(|| SimulatedPage::new(origin).with_cookie(cookie));
                let (target, target_server) = case.target;
                let separator = if case.path.contains('?') { '&' } else { '?' };
                let url = format!(
                    "http://{target}:{}{}{separator}case={}",
                    port(target_server),
                    case.path,
                    case.name
                );
                let mut request =
                    FetchRequest::new(case.method, url).credentials(match case.credentials {
                        Credentials::Omit => testing::Credentials::Omit,
                        Credentials::SameOrigin => testing::Credentials::SameOrigin,
                        Credentials::Include => testing::Credentials::Include,
                    });
                for (name, value) in case.headers {
                    request = request.header(*name, *value);
                }
                if let Some(body) = case.body {
                    request = request.body(body);
                }
                let mut last = None;
                for _ in 0..case.fetches {
                    let report = match server_of(case) {
                        Server::Main => page.fetch(&main, request.clone()).await,
                        Server::Outer => page.fetch(&outer, request.clone()).await,
                    };
                    last = Some(report.outcome);
                }
                let verdict = match last {
                    Some(FetchOutcome::Allowed {
                        status, headers, ..
                    }) => Verdict::Allowed {
                        status: status.as_u16(),
                        readable: headers_of_interest(case)
                            .into_iter()
                            .filter(|name| headers.contains_key(*name))
                            .map(str::to_owned)
                            .collect(),
                    },
                    Some(FetchOutcome::Blocked { .. }) => Verdict::Blocked,
                    Some(FetchOutcome::TypeError { message }) => Verdict::Threw(message),
                    None => Verdict::Unsupported("no fetch".to_owned()),
                };
                verdicts.insert(case.name, verdict);
            }
            verdicts
        });
        Simulation { verdicts }
    }
}

fn server_of(case: &Case) -> Server {
    case.target.1
}

impl Oracle for Simulation {
    fn name(&self) -> &str {
        "actix_scoped_cors::testing"
    }

    fn verdict(&self, case: &Case) -> Verdict {
        self.verdicts
            .get(case.name)
            .cloned()
            .unwrap_or_else(|| Verdict::Unsupported("not run".to_owned()))
    }
}
