//! Every grant header is written here: what an actual response gets ([`decorate`]), what a
//! preflight answer contains ([`preflight_answer`]), what a blocked request gets
//! ([`blocked_answer`]), and how `Vary` is merged.
//!
//! Values that depend only on the configuration (joined method and header lists, max-age)
//! were computed when the policy was built ([`Precomputed`](crate::policy::Precomputed)); the
//! request path only copies ready `HeaderValue`s (`'static` while the interner's bound
//! allows, else reference-counted: see `compile::interned`) and inserts them.

use std::cell::RefCell;

use actix_web::{
    http::{
        header::{
            HeaderMap, HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS,
            ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
            ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
            VARY,
        },
        StatusCode,
    },
    HttpResponse,
};

use crate::{
    compile::interned,
    decision::{ActualGrant, PreflightGrant, PreflightRefusal},
    header_names::{ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, ANY, TRUE, VARY_ORIGIN, VARY_PREFLIGHT},
    policy::PolicyInner,
};

/// Decorates the response to an actual request (or to a request without `Origin`) with what
/// `grant` grants (moved into the response: no reference count is taken), and only that:
/// grant headers a handler or an inner layer set are
/// removed first, so exactly one `Access-Control-Allow-Origin` leaves the policy.
///
/// Returns which grant headers were there before, for [`warn::replaced_grants`](crate::warn::replaced_grants).
#[inline(always)]
pub(crate) fn decorate(
    policy: &PolicyInner,
    grant: ActualGrant,
    headers: &mut HeaderMap,
) -> Replaced {
    // After `remove_grants`, no grant header is left, so ours are appended (cheaper than
    // `insert`, which hands back the old values).
    let (has_vary, replaced) = remove_grants(headers);
    match grant {
        ActualGrant::Allowed(allow_origin) => {
            headers.append(
                ACCESS_CONTROL_ALLOW_ORIGIN,
                allow_origin.into_header_value(),
            );
            grant_actual(policy, headers, has_vary);
        }
        ActualGrant::NotCors if !policy.reflects => {
            // A static `*` on every response: caches need no Vary.
            headers.append(ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
            grant_actual(policy, headers, has_vary);
        }
        // A policy that reflects grants nothing to a request without `Origin` or a refused one, so
        // nothing a handler or an inner layer granted may stay either: it would be a grant
        // this policy never made (a second ACAO line, `*` beside credentials). Preflights
        // are answered, never decorated; should one get here, it gets no grant either.
        ActualGrant::NotCors | ActualGrant::Refused => {
            vary_on_origin_known(headers, has_vary);
        }
    }
    replaced
}

/// Everything an allowed actual response carries besides the origin.
#[inline(always)]
fn grant_actual(policy: &PolicyInner, headers: &mut HeaderMap, has_vary: HasVary) {
    if policy.credentialed {
        headers.append(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
    if policy.reflects {
        vary_on_origin_known(headers, has_vary);
    }
    if let Some(expose) = &policy.values.expose_headers {
        headers.append(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
    }
}

/// The answer to a preflight: `204` (or the policy's
/// [`preflight_status`](crate::Cors::preflight_status)) with the grant; for an explained
/// refusal, the same status with the
/// origin grant and the allowed lists (never the refused item), so that the browser's own
/// check names the refused method or header; otherwise `403` with an empty body and no CORS
/// headers (nothing that reveals the policy). The caller reports refusals.
///
/// The decision's values are moved into the answer: no reference count is taken for them.
#[inline(always)]
pub(crate) fn preflight_answer(
    policy: &PolicyInner,
    result: Result<PreflightGrant, PreflightRefusal>,
) -> HttpResponse {
    // `Some(private network granted)` for a grant, `None` for an explained refusal.
    let (allow_origin, allow_headers, granted) = match result {
        Ok(grant) => (
            grant.allow_origin,
            grant.allow_headers,
            Some(grant.private_network),
        ),
        Err(PreflightRefusal {
            explanation: Some(explanation),
            ..
        }) => (explanation.allow_origin, explanation.allow_headers, None),
        Err(_) => return HttpResponse::new(StatusCode::FORBIDDEN),
    };
    let mut response = HttpResponse::new(policy.preflight_status);
    let headers = response.headers_mut();
    headers.append(
        ACCESS_CONTROL_ALLOW_ORIGIN,
        allow_origin.into_header_value(),
    );
    if policy.credentialed {
        headers.append(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
    headers.append(
        ACCESS_CONTROL_ALLOW_METHODS,
        policy.values.allow_methods.clone(),
    );
    if let Some(allow_headers) = allow_headers {
        headers.append(ACCESS_CONTROL_ALLOW_HEADERS, allow_headers);
    }
    if let Some(private_network) = granted {
        // Only a grant is cached. A refusal with a `Max-Age` would be cached by the
        // browser's preflight cache as a grant of what it lists (the origin, the allowed
        // methods and headers), which is harmless but keeps a configuration fix from
        // showing until the entry expires; and no private-network access is granted.
        if let Some(max_age) = &policy.values.max_age {
            headers.append(ACCESS_CONTROL_MAX_AGE, max_age.clone());
        }
        if private_network {
            headers.append(ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, TRUE);
        }
    }
    headers.append(VARY, VARY_PREFLIGHT);
    response
}

/// The answer [`block_disallowed`](crate::Cors::block_disallowed) gives a refused actual
/// request instead of running the handler.
pub(crate) fn blocked_answer() -> HttpResponse {
    let mut refusal = HttpResponse::new(StatusCode::FORBIDDEN);
    // The same URL answers 200 or 403 depending on `Origin` alone.
    vary_on_origin(refusal.headers_mut());
    refusal
}

/// The grant headers a policy writes, and so removes from what a handler or an inner layer
/// set.
const GRANT_NAMES: [HeaderName; 7] = [
    ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_ALLOW_CREDENTIALS,
    ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
];

/// Which of [`GRANT_NAMES`] a response carried before its policy decorated it (one bit each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "grants someone else set are a composition mistake worth a warning"]
pub(crate) struct Replaced(u8);

impl Replaced {
    /// Whether any grant header was replaced.
    pub(crate) fn any(self) -> bool {
        self.0 != 0
    }

    /// The replaced names, for a log line.
    pub(crate) fn names(self) -> String {
        GRANT_NAMES
            .iter()
            .enumerate()
            .filter(|(bit, _)| self.0 & (1 << bit) != 0)
            .map(|(_, name)| name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Removes grant headers a handler (or an inner layer) may have set, so that a refused
/// request never carries any and an allowed one carries exactly ours; returns whether the
/// response has a `Vary` header, found in the same pass, and which grants were removed.
///
/// One pass over the names first: responses almost never carry grant headers, and a scan of
/// a few names is cheaper than seven lookups.
#[inline(always)]
fn remove_grants(headers: &mut HeaderMap) -> (HasVary, Replaced) {
    let mut has_grant = false;
    let mut has_vary = false;
    for name in headers.keys() {
        has_grant |= name.as_str().starts_with("access-control-");
        has_vary |= *name == VARY;
    }
    let mut replaced = 0;
    if has_grant {
        for (bit, name) in GRANT_NAMES.iter().enumerate() {
            if headers.remove(name).next().is_some() {
                replaced |= 1 << bit;
            }
        }
    }
    (HasVary(has_vary), Replaced(replaced))
}

/// Whether a response has a `Vary` header, as [`remove_grants`] found.
#[derive(Debug, Clone, Copy)]
struct HasVary(bool);

/// [`vary_on_origin`] for a response whose `Vary` presence is already known.
#[inline(always)]
fn vary_on_origin_known(headers: &mut HeaderMap, has_vary: HasVary) {
    if has_vary.0 {
        vary_on_origin(headers);
    } else {
        headers.append(VARY, VARY_ORIGIN);
    }
}

/// Up to this many tokens, an existing `Vary` is merged and deduplicated; beyond it (a
/// handler echoing request data into `Vary`?) `Origin` goes on a line of its own, which
/// HTTP reads as the same list, so the work stays linear in the header's size.
const VARY_MERGE_LIMIT: usize = 32;

/// Adds `Origin` to the response's `Vary`, keeping what is there.
///
/// No `Vary` yet: one precomputed value is inserted. `Vary: *` or a `Vary` that already names
/// `Origin`: left alone. Otherwise the existing tokens are merged into one line,
/// deduplicated case-insensitively, with `Origin` last.
pub(crate) fn vary_on_origin(headers: &mut HeaderMap) {
    let lines = headers.get_all(VARY).len();
    if lines == 0 {
        headers.append(VARY, VARY_ORIGIN);
        return;
    }
    // Handlers set the same few values over and over: after the first response, the merge
    // is a lookup, a reference-count bump and a value replaced in place, with no allocation.
    if lines == 1 {
        if let Some(line) = headers.get_mut(VARY) {
            if let Some(merged) = merged_before(line) {
                *line = merged;
                return;
            }
        }
    }
    let existing = headers.get_all(VARY);
    let single = existing
        .as_slice()
        .first()
        .filter(|_| existing.len() == 1)
        .cloned();
    let mut tokens: Vec<&str> = Vec::new();
    let mut mergeable = true;
    for value in existing {
        let Ok(text) = value.to_str() else {
            // A non-visible-ASCII Vary is the handler's business; add ours beside it.
            mergeable = false;
            continue;
        };
        for token in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if token == "*" || token.eq_ignore_ascii_case("origin") {
                return;
            }
            if tokens.len() == VARY_MERGE_LIMIT {
                mergeable = false;
            }
            if mergeable && !tokens.iter().any(|t| t.eq_ignore_ascii_case(token)) {
                tokens.push(token);
            }
        }
    }
    if !mergeable {
        headers.append(VARY, VARY_ORIGIN);
        return;
    }
    tokens.push("Origin");
    let merged = tokens.join(", ");
    let merged = match single {
        Some(single) => remember_merged(single, merged),
        None => merged_value(merged),
    };
    headers.insert(VARY, merged);
}

/// Tokens of visible-ASCII values joined by commas: a valid value.
fn merged_value(merged: String) -> HeaderValue {
    HeaderValue::try_from(merged)
        .expect("tokens of visible-ASCII header values joined by commas are a valid value")
}

/// How many merged `Vary` values each worker thread keeps. Values a handler derives from
/// requests could be endless; past this many, merges are simply not remembered.
const MERGED_VARY_CACHE: usize = 16;

thread_local! {
    /// `(the handler's single Vary line, that line merged with Origin)`, per worker thread.
    static MERGED_VARY: RefCell<Vec<(HeaderValue, HeaderValue)>> =
        const { RefCell::new(Vec::new()) };
}

fn merged_before(existing: &HeaderValue) -> Option<HeaderValue> {
    MERGED_VARY.with_borrow(|cache| {
        cache
            .iter()
            .find(|(handler, _)| handler == existing)
            .map(|(_, merged)| merged.clone())
    })
}

/// `merged`, the merge of the handler's single line `existing`, as a header value, remembered
/// while the worker's cache has room. A remembered value is interned (`'static` while the
/// interner's bound allows), so that every later response copies it rather than counting a
/// reference; one the cache has no room for is not, so that handlers deriving `Vary` from
/// requests never spend the process's interner (nor take its lock on every response).
fn remember_merged(existing: HeaderValue, merged: String) -> HeaderValue {
    MERGED_VARY.with_borrow_mut(|cache| {
        if cache.len() >= MERGED_VARY_CACHE {
            return merged_value(merged);
        }
        let merged = interned(merged);
        // A copy, so the cache never keeps a larger buffer the value may be a slice of.
        let key = HeaderValue::from_bytes(existing.as_bytes()).unwrap_or(existing);
        cache.push((key, merged.clone()));
        merged
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vary_after(existing: &[&'static str]) -> Vec<String> {
        let mut headers = HeaderMap::new();
        for value in existing {
            headers.append(VARY, HeaderValue::from_static(value));
        }
        vary_on_origin(&mut headers);
        headers
            .get_all(VARY)
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// Only what a worker remembers is interned: handlers that derive `Vary` from requests
    /// never spend the process's interner past the 16 lines each worker keeps.
    #[test]
    fn only_remembered_vary_merges_are_interned() {
        std::thread::spawn(|| {
            let lines: Vec<String> = (0..40)
                .map(|i| format!("x-only-remembered-vary-{i}"))
                .collect();
            for line in &lines {
                let mut headers = HeaderMap::new();
                headers.append(VARY, HeaderValue::from_str(line).unwrap());
                vary_on_origin(&mut headers);
                assert_eq!(headers.get(VARY).unwrap(), &format!("{line}, Origin"));
            }
            let interned: Vec<bool> = lines
                .iter()
                .map(|line| crate::compile::is_interned(&format!("{line}, Origin")))
                .collect();
            // What the cache had no room for is never interned. (What it kept is, unless
            // another test filled the interner's bound first.)
            assert!(!interned[MERGED_VARY_CACHE..].iter().any(|&i| i));
        })
        .join()
        .unwrap();
    }

    #[test]
    fn vary_is_inserted_merged_deduplicated_or_left_alone() {
        assert_eq!(vary_after(&[]), ["Origin"]);
        assert_eq!(
            vary_after(&["Accept-Encoding"]),
            ["Accept-Encoding, Origin"]
        );
        assert_eq!(
            vary_after(&["Accept-Encoding", "accept-encoding, Cookie"]),
            ["Accept-Encoding, Cookie, Origin"]
        );
        assert_eq!(vary_after(&["origin"]), ["origin"]);
        assert_eq!(vary_after(&["*"]), ["*"]);
        assert_eq!(vary_after(&[" , "]), ["Origin"]);
        // Not visible ASCII, or too many tokens to merge: `Origin` on a line of its own.
        let opaque = HeaderValue::from_bytes(b"x-caf\xe9").unwrap();
        let mut headers = HeaderMap::new();
        headers.append(VARY, opaque.clone());
        vary_on_origin(&mut headers);
        assert_eq!(
            headers.get_all(VARY).collect::<Vec<_>>(),
            [&opaque, &VARY_ORIGIN]
        );
        let many: &'static str = Box::leak(
            (0..10_000)
                .map(|i| format!("x-{i}"))
                .collect::<Vec<_>>()
                .join(", ")
                .into_boxed_str(),
        );
        assert_eq!(vary_after(&[many]).len(), 2);
        assert_eq!(vary_after(&[many])[1], "Origin");
        let many_with_origin: &'static str = Box::leak(format!("{many}, origin").into_boxed_str());
        assert_eq!(vary_after(&[many_with_origin]).len(), 1);
    }
}
