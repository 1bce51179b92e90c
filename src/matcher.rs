//! [`OriginMatcher`]: every way a strict policy can allow an origin, compiled once.
//!
//! Matching order, cheapest first: the exact origins and the `*.` / `:*` patterns (an
//! [`OriginTable`]), the regexes (one pass over the origin, all regexes at once), the shared
//! lists, then the predicates in the order they were added.

use std::{fmt, sync::Arc};

use actix_web::{dev::RequestHead, http::header::HeaderValue};
use regex::Regex;

use crate::{
    origin::{Origin, MAX_ORIGIN_LEN},
    pattern::OriginPattern,
    shared::SharedOrigins,
    table::OriginTable,
};

/// A synchronous origin predicate, as given to
/// [`Cors::allow_origin_fn`](crate::Cors::allow_origin_fn).
pub(crate) type OriginPredicate = Arc<dyn Fn(&Origin<'_>, &RequestHead) -> bool + Send + Sync>;

/// Compiled origin rules of a strict policy.
#[derive(Clone, Default)]
pub(crate) struct OriginMatcher {
    table: OriginTable,
    /// All regexes, anchored, as one alternation.
    regex: Option<Regex>,
    predicates: Vec<OriginPredicate>,
    shared: Vec<SharedOrigins>,
    allow_null: bool,
}

impl OriginMatcher {
    /// Adds `pattern`; an exact origin is reflected with `reflected(origin)`.
    pub(crate) fn add_pattern(
        &mut self,
        pattern: OriginPattern,
        reflected: fn(String) -> HeaderValue,
    ) {
        self.table.add(pattern, reflected);
    }

    /// Sets the regexes, already anchored, compiled as one alternation.
    pub(crate) fn set_regex(&mut self, regex: Option<Regex>) {
        self.regex = regex;
    }

    pub(crate) fn add_predicate(&mut self, predicate: OriginPredicate) {
        self.predicates.push(predicate);
    }

    pub(crate) fn add_shared(&mut self, shared: SharedOrigins) {
        self.shared.push(shared);
    }

    pub(crate) fn allow_null(&mut self) {
        self.allow_null = true;
    }

    /// Whether nothing at all can match.
    pub(crate) fn is_empty(&self) -> bool {
        !self.table.has_exact() && !self.allow_null && !self.has_rules_beyond_exact()
    }

    /// Whether anything but the exact list (and `null`) can match.
    fn has_rules_beyond_exact(&self) -> bool {
        self.table.has_patterns()
            || self.regex.is_some()
            || !self.predicates.is_empty()
            || !self.shared.is_empty()
    }

    /// Whether the `Origin` value `origin` (as received, not normalised) is allowed.
    ///
    /// Cost: bounded by [`MAX_ORIGIN_LEN`]; no allocation unless a predicate allocates.
    pub(crate) fn matches(&self, origin: &str, head: &RequestHead) -> bool {
        if origin.len() > MAX_ORIGIN_LEN {
            return false;
        }
        self.contains_exact(origin.as_bytes()) || self.matches_beyond_exact(origin.as_bytes(), head)
    }

    /// [`matches`](Self::matches) for the bytes of an `Origin` value already looked up on the
    /// exact list and not found there (and no longer than [`MAX_ORIGIN_LEN`]): `null`, then
    /// the patterns (on the bytes: see [`OriginTable::matches_patterns`]), then the regexes,
    /// shared lists and predicates, on the parsed origin. Whatever it accepts is visible ASCII
    /// (a canonical origin, or `null`).
    pub(crate) fn matches_beyond_exact(&self, origin: &[u8], head: &RequestHead) -> bool {
        if origin == b"null" {
            return self.allow_null;
        }
        if self.table.matches_patterns(origin) {
            return true;
        }
        if self.regex.is_none() && self.predicates.is_empty() && self.shared.is_empty() {
            return false;
        }
        // The parser checks every byte; UTF-8 only lets it borrow the value as text.
        let Some(parsed) = std::str::from_utf8(origin).ok().and_then(Origin::parse) else {
            return false;
        };
        self.regex
            .as_ref()
            .is_some_and(|regex| regex.is_match(parsed.as_str()))
            || self.shared.iter().any(|shared| shared.matches(&parsed))
            || self.predicates.iter().any(|allow| allow(&parsed, head))
    }

    /// Whether `origin` is on the exact list.
    pub(crate) fn contains_exact(&self, origin: &[u8]) -> bool {
        self.table.contains_exact(origin)
    }

    /// The value reflecting `origin`, if it is on the exact list: equal to `origin`, byte for
    /// byte.
    pub(crate) fn exact_value(&self, origin: &[u8]) -> Option<&HeaderValue> {
        self.table.exact_value(origin)
    }
}

impl fmt::Debug for OriginMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginMatcher")
            .field("table", &self.table)
            .field("regex", &self.regex.as_ref().map(Regex::as_str))
            .field("predicates", &self.predicates.len())
            .field("shared", &self.shared.len())
            .field("allow_null", &self.allow_null)
            .finish()
    }
}
