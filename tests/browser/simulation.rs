//! The seam for running the case table through something other than a browser (the crate's
//! browser-faithful simulation) and checking that it agrees with what the engine did.
//!
//! An [`Oracle`] turns a [`Case`] into a [`Verdict`]; [`disagreements`] compares its verdicts
//! with an engine's, case by case: allowed, blocked (after reaching the server) or refused
//! before sending, status, and which of the case's headers of interest were readable.
//! [`Simulation`] is the oracle backed by `actix_scoped_cors::testing`, with a page that
//! plays the same engine, run on the very apps the browser talked to.

use std::collections::{BTreeSet, HashMap};

use actix_scoped_cors::testing::{self, FetchOutcome, FetchRequest, Page as SimulatedPage};
use actix_web::test;

use super::{
    cases::{Case, Credentials, Expected, Page},
    engine::Engine,
    server::{main_app, outer_app, Policies, Ports, Server},
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
    /// `fetch()` rejected before sending anything (mixed content); the message is not
    /// compared.
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
            Expected::NotSent => Verdict::Threw(String::new()),
        }
    }
}

/// The table's expectations for one engine (its per-engine expectation where the case
/// states one).
pub struct EngineExpectations(pub Engine);

impl Oracle for EngineExpectations {
    fn name(&self) -> &str {
        "the case table"
    }

    fn verdict(&self, case: &Case) -> Verdict {
        let mut case = case.clone();
        case.expected = case.expected_in(self.0).0.clone();
        TableExpectations.verdict(&case)
    }
}

/// Whether two verdicts agree (the messages of `Threw` aside).
fn agree(a: &Verdict, b: &Verdict) -> bool {
    match (a, b) {
        (Verdict::Threw(_), Verdict::Threw(_)) => true,
        (a, b) => a == b,
    }
}

/// The headers whose readability the verdicts compare.
pub fn headers_of_interest(case: &Case) -> Vec<&'static str> {
    match &case.expected {
        Expected::Allowed {
            readable, hidden, ..
        } => readable.iter().chain(hidden.iter()).copied().collect(),
        Expected::Blocked | Expected::NotSent => Vec::new(),
    }
}

/// One line per case where `oracle` and `reference` (an engine, or another oracle) disagree.
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
                Some(observed) if agree(&observed, &predicted) => None,
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
/// page origin (so preflight caching is shared as in the browser), playing `engine`, with the
/// session cookie.
pub struct Simulation {
    verdicts: HashMap<&'static str, Verdict>,
    /// The console message the simulation predicts for each blocked case.
    messages: HashMap<&'static str, String>,
}

impl Simulation {
    pub fn run(cases: &[Case], ports: Ports, engine: Engine, cookie: &str) -> Simulation {
        let policies = Policies::new(ports, true);
        let verdicts = actix_rt::System::new().block_on(async {
            let main = test::init_service(main_app!(&policies)).await;
            let outer = test::init_service(outer_app!(&policies)).await;
            let mut pages: HashMap<String, SimulatedPage> = HashMap::new();
            let mut verdicts = HashMap::new();
            let mut messages = HashMap::new();
            for case in cases {
                let (host, server) = case.page.host();
                let origin = match case.page {
                    Page::SandboxedIn(..) => "null".to_owned(),
                    Page::At(..) => ports.origin(host, server, case.page_via),
                };
                let page = pages.entry(origin.clone()).or_insert_with(|| {
                    SimulatedPage::new(origin)
                        .with_engine(engine.simulated())
                        .with_cookie(cookie)
                });
                let url = case_url(case, ports);
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
                    Some(FetchOutcome::Blocked { message, .. }) => {
                        messages.insert(case.name, message);
                        Verdict::Blocked
                    }
                    Some(FetchOutcome::TypeError { message }) => Verdict::Threw(message),
                    None => Verdict::Unsupported("no fetch".to_owned()),
                };
                verdicts.insert(case.name, verdict);
            }
            (verdicts, messages)
        });
        Simulation {
            verdicts: verdicts.0,
            messages: verdicts.1,
        }
    }

    /// The console message predicted for a blocked case.
    pub fn message(&self, case: &Case) -> Option<&str> {
        self.messages.get(case.name).map(String::as_str)
    }
}

/// The URL a case fetches, tagged with the case's name.
pub fn case_url(case: &Case, ports: Ports) -> String {
    let (host, server) = case.target;
    let separator = if case.path.contains('?') { '&' } else { '?' };
    format!(
        "{}{}{separator}case={}",
        ports.origin(host, server, case.target_via),
        case.path,
        case.name
    )
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
