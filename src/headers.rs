//! Header values computed once per policy, and the response decoration that uses them.
//!
//! Everything here that depends only on the configuration (joined method and header lists,
//! max-age, `Vary` values) is built in [`Precomputed::new`]; the request path only clones
//! ready `HeaderValue`s (a reference-count bump or a copy of a static) and inserts them.

use std::{cell::RefCell, time::Duration};

use actix_web::http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS,
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, VARY,
};

use crate::policy::{AllowedHeaders, AllowedMethods, Expose};

/// `Access-Control-Request-Private-Network` (Private Network Access draft).
pub(crate) const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
/// `Access-Control-Allow-Private-Network` (Private Network Access draft).
pub(crate) const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

pub(crate) const ANY: HeaderValue = HeaderValue::from_static("*");
pub(crate) const TRUE: HeaderValue = HeaderValue::from_static("true");
pub(crate) const VARY_ORIGIN: HeaderValue = HeaderValue::from_static("Origin");
/// A preflight's answer depends on all three request headers (Fetch, "CORS protocol and
/// HTTP caches").
pub(crate) const VARY_PREFLIGHT: HeaderValue = HeaderValue::from_static(
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
);
/// `*` with `authorization` added: `*` never covers it (Fetch, "CORS-preflight fetch").
pub(crate) const ANY_AND_AUTHORIZATION: HeaderValue = HeaderValue::from_static("*, authorization");

/// Header values that depend only on the policy.
#[derive(Debug)]
pub(crate) struct Precomputed {
    pub(crate) allow_methods: HeaderValue,
    /// `None` when the allowed list is empty (then no header is sent).
    pub(crate) allow_headers: Option<HeaderValue>,
    pub(crate) expose_headers: Option<HeaderValue>,
    pub(crate) max_age: Option<HeaderValue>,
}

impl Precomputed {
    pub(crate) fn new(
        methods: &AllowedMethods,
        headers: &AllowedHeaders,
        expose: &Expose,
        max_age: Option<Duration>,
    ) -> Self {
        let allow_methods = match methods {
            AllowedMethods::Any => ANY,
            AllowedMethods::List(list) => joined(list.iter().map(|m| m.as_str())),
        };
        let allow_headers = match headers {
            AllowedHeaders::Any => Some(ANY),
            AllowedHeaders::List(list) if list.is_empty() => None,
            AllowedHeaders::List(list) => Some(joined(list.iter().map(HeaderName::as_str))),
        };
        let expose_headers = match expose {
            Expose::Nothing => None,
            Expose::Any => Some(ANY),
            Expose::List(list) => Some(joined(list.iter().map(HeaderName::as_str))),
        };
        let max_age = max_age.map(|age| HeaderValue::from(age.as_secs()));
        Precomputed {
            allow_methods,
            allow_headers,
            expose_headers,
            max_age,
        }
    }
}

fn joined<'a>(items: impl Iterator<Item = &'a str>) -> HeaderValue {
    let text = items.collect::<Vec<_>>().join(", ");
    HeaderValue::from_str(&text).expect("methods and header names are valid header values")
}

/// Removes grant headers a handler (or an inner layer) may have set, so that a refused
/// request never carries any and an allowed one carries exactly ours; returns whether the
/// response has a `Vary` header, found in the same pass.
///
/// One pass over the names first: responses almost never carry grant headers, and a scan of
/// a few names is cheaper than seven lookups.
#[must_use = "the Vary finding saves vary_on_origin a lookup"]
pub(crate) fn remove_grants(headers: &mut HeaderMap) -> HasVary {
    let mut has_grant = false;
    let mut has_vary = false;
    for name in headers.keys() {
        has_grant |= name.as_str().starts_with("access-control-");
        has_vary |= *name == VARY;
    }
    if has_grant {
        for name in [
            ACCESS_CONTROL_ALLOW_ORIGIN,
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            ACCESS_CONTROL_EXPOSE_HEADERS,
            ACCESS_CONTROL_ALLOW_METHODS,
            ACCESS_CONTROL_ALLOW_HEADERS,
            ACCESS_CONTROL_MAX_AGE,
            ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
        ] {
            headers.remove(name);
        }
    }
    HasVary(has_vary)
}

/// Whether a response has a `Vary` header, as [`remove_grants`] found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HasVary(bool);

/// [`vary_on_origin`] for a response whose `Vary` presence is already known.
pub(crate) fn vary_on_origin_known(headers: &mut HeaderMap, has_vary: HasVary) {
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
    let existing = headers.get_all(VARY);
    if existing.len() == 0 {
        headers.append(VARY, VARY_ORIGIN);
        return;
    }
    // Handlers set the same few values over and over: after the first response, the merge
    // is a lookup and a reference-count bump, with no allocation.
    let single = existing
        .as_slice()
        .first()
        .filter(|_| existing.len() == 1)
        .cloned();
    if let Some(merged) = single.as_ref().and_then(merged_before) {
        headers.insert(VARY, merged);
        return;
    }
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
    let merged = HeaderValue::from_str(&tokens.join(", "))
        .expect("tokens of visible-ASCII header values joined by commas are a valid value");
    if let Some(single) = single {
        remember_merged(single, merged.clone());
    }
    headers.insert(VARY, merged);
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

fn remember_merged(existing: HeaderValue, merged: HeaderValue) {
    MERGED_VARY.with_borrow_mut(|cache| {
        if cache.len() < MERGED_VARY_CACHE {
            // A copy, so the cache never keeps a larger buffer the value may be a slice of.
            let key = HeaderValue::from_bytes(existing.as_bytes()).unwrap_or(existing);
            cache.push((key, merged));
        }
    });
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
