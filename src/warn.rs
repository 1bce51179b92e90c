//! One-time warnings about mistakes that only the running app shows: how policies were
//! composed, and what the deployment in front of them does.
//!
//! Each kind of mistake is warned about at most once per policy configuration in the process,
//! at `warn` level on target `actix_scoped_cors`, so the log shows the mistake without
//! repeating it per request or per worker: a policy built once and cloned into every worker
//! shares one [`Warnings`], and policies built alike in each worker (a builder written inside
//! the `HttpServer::new` closure) share a process-wide record keyed by their label. Detecting
//! the mistakes costs nothing on the paths of a correct app except [`Deciding`]: one
//! thread-local flag read by every policy, and set and reset around the call of a policy that
//! does not defer and may sit above another (one mounted after another on the same thread).

use std::{
    cell::Cell,
    sync::{
        atomic::{AtomicBool, Ordering},
        Mutex,
    },
};

use actix_web::dev::RequestHead;

use crate::{headers::Replaced, policy::PolicyInner};

/// Which warnings one policy already gave.
#[derive(Debug, Default)]
pub(crate) struct Warnings {
    overruled: AtomicBool,
    replaced_grants: AtomicBool,
    other_scheme: AtomicBool,
}

/// The kinds of mistake, for the process-wide record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Overruled,
    ReplacedGrants,
    OtherScheme,
}

/// Whether the crate's warnings are logged at all.
fn warnings_enabled() -> bool {
    log::log_enabled!(target: "actix_scoped_cors", log::Level::Warn)
}

/// Runs `warn` unless this policy (`given`), or another policy with the same `label`, gave
/// this `kind` of warning already. Nothing is recorded while warnings are not logged, so
/// a logger installed later still hears it.
fn once(given: &AtomicBool, kind: Kind, label: &str, warn: impl FnOnce()) {
    if given.load(Ordering::Relaxed) || !warnings_enabled() || given.swap(true, Ordering::Relaxed) {
        return;
    }
    static GIVEN: Mutex<Vec<(Kind, Box<str>)>> = Mutex::new(Vec::new());
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if given.iter().any(|(k, l)| *k == kind && **l == *label) {
        return;
    }
    given.push((kind, label.into()));
    drop(given);
    warn();
}

thread_local! {
    /// Set while a policy that does not defer calls the service it wraps.
    static DECIDING: Cell<bool> = const { Cell::new(false) };
}

thread_local! {
    /// How many policies were mounted on this thread so far (saturating).
    static MOUNTED_HERE: Cell<u32> = const { Cell::new(0) };
}

/// Notes that a policy is mounted on this thread and returns whether it may sit above
/// another, i.e. whether its calls need marking as [`Deciding`]: whether a policy was mounted
/// on this thread before it. A policy wraps a service that exists before it does, built on the
/// same thread (services are not `Send`), so every policy beneath it was mounted first. The
/// first policy mounted on a thread (in a server, usually each worker's only one) has none
/// beneath it, and its requests pay nothing for the mark.
pub(crate) fn mounted() -> MayOverrule {
    let before = MOUNTED_HERE.get();
    MOUNTED_HERE.set(before.saturating_add(1));
    MayOverrule(before > 0)
}

/// Whether a mounted policy may sit above another (see [`mounted`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MayOverrule(pub(crate) bool);

/// Marks the synchronous extent of a non-deferring policy's call to the service it wraps: a
/// policy whose own `call` runs meanwhile is beneath it, so overruled. Actix-web resolves
/// scopes and resources inside that call, so every policy mounted on them is seen; one behind a
/// middleware that calls onward only later, from its future, is not (a missed warning, never
/// a false one: a worker runs nothing else during a synchronous call).
pub(crate) struct Deciding {
    before: bool,
}

impl Deciding {
    pub(crate) fn start() -> Self {
        Deciding {
            before: DECIDING.replace(true),
        }
    }
}

impl Drop for Deciding {
    fn drop(&mut self) {
        DECIDING.set(self.before);
    }
}

/// Warns, once, that `policy` sits beneath a policy that does not defer, which decides every
/// request here.
#[inline]
pub(crate) fn if_overruled(policy: &PolicyInner, head: &RequestHead) {
    if DECIDING.get() {
        overruled(policy, head);
    }
}

#[cold]
#[inline(never)]
fn overruled(policy: &PolicyInner, head: &RequestHead) {
    once(
        &policy.warnings.overruled,
        Kind::Overruled,
        &policy.label,
        || {
            log::warn!(
                target: "actix_scoped_cors",
                "the {} on {} is overruled: a CORS policy around it does not \
                 defer_to_inner_policies(), so that policy decides every request here and this \
                 one's grants never reach a response (only its block_disallowed() refusals do); \
                 call .defer_to_inner_policies() on the outer policy, or remove this one",
                policy.label,
                head.uri.path(),
            );
        },
    );
}

/// Warns, once, that the handler or a layer inside `policy` had set grant headers that the
/// policy replaced with its own decision. `head` is `None` for an error's response, which
/// carries no request.
pub(crate) fn replaced_grants(
    policy: &PolicyInner,
    head: Option<&RequestHead>,
    replaced: Replaced,
) {
    once(
        &policy.warnings.replaced_grants,
        Kind::ReplacedGrants,
        &policy.label,
        || {
            let on = match head {
                Some(head) => format!("the response to {} {}", head.method, head.uri.path()),
                None => "an error response".to_owned(),
            };
            log::warn!(
                target: "actix_scoped_cors",
                "the {} replaced CORS headers ({}) that the handler or a layer inside the policy \
                 had set on {on}: this policy decides these requests, so remove them there \
                 (another CORS middleware, DefaultHeaders, a handler writing Access-Control-* \
                 headers)",
                policy.label,
                replaced.names(),
            );
        },
    );
}

/// Whether an [`other_scheme`] warning could still be given by `policy`: checked before the
/// work of finding out, which blocked requests should not pay for over and over.
pub(crate) fn other_scheme_pending(policy: &PolicyInner) -> bool {
    !policy.warnings.other_scheme.load(Ordering::Relaxed) && warnings_enabled()
}

/// Warns, once, that `block_disallowed()` refused an `Origin` naming the request's own host
/// with the other scheme: the sign of a TLS-terminating proxy that does not say so.
pub(crate) fn other_scheme(policy: &PolicyInner, head: &RequestHead, origin: &str) {
    once(
        &policy.warnings.other_scheme,
        Kind::OtherScheme,
        &policy.label,
        || {
            log::warn!(
                target: "actix_scoped_cors",
                "the {} blocked Origin {origin} on {} although it names this server's own host: \
                 the request arrived with the other scheme, which is what a TLS-terminating proxy \
                 does when it sends no X-Forwarded-Proto (or Forwarded: proto=); configure the \
                 proxy to send it, and to overwrite any a client sent",
                policy.label,
                head.uri.path(),
            );
        },
    );
}
