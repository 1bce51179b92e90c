//! The seam for running the case table through something other than Chromium (the crate's
//! browser-faithful simulation) and checking that it agrees with what Chromium did.
//!
//! An [`Oracle`] turns a [`Case`] into a [`Verdict`]; [`disagreements`] compares its verdicts
//! with Chromium's, case by case: allowed vs blocked, status, and which of the case's
//! headers of interest were readable.

use std::collections::BTreeSet;

use super::cases::{Case, Expected};

/// What a page's script got from a fetch, reduced to what every oracle can predict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed {
        status: u16,
        /// The case's headers of interest (`readable` and `hidden`) that the script could read.
        readable: BTreeSet<String>,
    },
    Blocked,
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

/// One line per case where `oracle` and Chromium disagree (cases marked as known crate bugs
/// included: both sides see the same crate).
pub fn disagreements(
    oracle: &dyn Oracle,
    cases: &[Case],
    chromium: impl Fn(&Case) -> Option<Verdict>,
) -> Vec<String> {
    cases
        .iter()
        .filter_map(|case| {
            let predicted = oracle.verdict(case);
            match chromium(case) {
                Some(observed) if observed == predicted => None,
                Some(observed) => Some(format!(
                    "{}: {} predicts {predicted:?}, Chromium did {observed:?}",
                    case.name,
                    oracle.name()
                )),
                None => Some(format!("{}: no Chromium result", case.name)),
            }
        })
        .collect()
}
