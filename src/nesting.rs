//! Who decides when policies nest.
//!
//! **Deferral.** A policy built with
//! [`defer_to_inner_policies`](crate::Cors::defer_to_inner_policies) opens a [`Claim`] on
//! each request before passing it down (preflights included) and keeps a handle to it. The
//! next policy the request reaches, deferring or not, marks that claim taken and decides as
//! usual (a deferring one opens its own claim for the policies beneath it). When the answer
//! comes back — a response or an `Err`, alike — the deferring policy looks at its own handle:
//! taken, it leaves the answer alone; not taken, it decides itself (a preflight is answered
//! only then, in place of whatever the route answered). Nothing depends on the error's type
//! or on any pointer identity, and nothing is inferred from how the app was built.
//!
//! A policy that does not defer pays one load of a process-wide flag per request: while no
//! deferring policy is mounted anywhere in the process, no claim can exist, so none is
//! looked for.
//!
//! **Reporting once.** When policies that do not defer nest, the outermost one decides
//! everything beneath it, so only its refusals are reported: it marks each actual request it
//! decides ([`DecidedAbove`]), and the policies beneath see the mark and stay silent — unless
//! one of them blocks what the outer one allowed, a refusal only it made. A deferring policy
//! reports only what nobody beneath claimed and nobody above decided. Inserting the mark
//! allocates, so it is set and read only while a refusal can be heard at all
//! ([`may_be_heard`]).

use std::{
    cell::Cell,
    rc::Rc,
    sync::atomic::{AtomicBool, Ordering},
};

use actix_web::{dev::ServiceRequest, HttpMessage};

use crate::policy::PolicyInner;

/// A deferring policy's question to the policies beneath it: did one of you decide?
#[derive(Debug, Clone)]
pub(crate) struct Claim(Rc<Cell<bool>>);

impl Claim {
    /// Opens a claim for the policies beneath; the caller keeps the returned handle.
    pub(crate) fn open(req: &ServiceRequest) -> Claim {
        let claim = Claim(Rc::new(Cell::new(false)));
        req.extensions_mut().insert(claim.clone());
        claim
    }

    /// Whether a policy beneath took the claim.
    pub(crate) fn is_taken(&self) -> bool {
        self.0.get()
    }
}

/// Takes the claim a deferring policy above opened, if any: this policy decides.
#[inline]
pub(crate) fn take_claim(req: &ServiceRequest) {
    // Claims are opened only by deferring policies, each of which is mounted (and sets the
    // flag) before it sees its first request.
    if DEFERRING_MOUNTED.load(Ordering::Relaxed) {
        take_open_claim(req);
    }
}

#[inline(never)]
fn take_open_claim(req: &ServiceRequest) {
    if let Some(claim) = req.extensions().get::<Claim>() {
        claim.0.set(true);
    }
}

/// Request extension: a policy that does not defer decided this request, overruling every
/// policy beneath it. Set only while refusals can be heard ([`may_be_heard`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DecidedAbove {
    /// Whether that policy refused the request (and so reported it).
    pub(crate) refused: bool,
}

/// Whether any mounted policy has an `on_reject` hook. Process-wide and only ever set: it
/// says whether a policy beneath could hear a refusal, never what any policy answers.
static HOOK_MOUNTED: AtomicBool = AtomicBool::new(false);

/// Whether any mounted policy defers to inner policies, i.e. whether a request can carry a
/// [`Claim`]. Process-wide and only ever set, like [`HOOK_MOUNTED`].
static DEFERRING_MOUNTED: AtomicBool = AtomicBool::new(false);

/// Notes that a policy is mounted (once per worker), for [`may_be_heard`] and
/// [`take_claim`].
pub(crate) fn mounted(policy: &PolicyInner) {
    if policy.on_reject.is_some() {
        HOOK_MOUNTED.store(true, Ordering::Relaxed);
    }
    if policy.defers_to_inner {
        DEFERRING_MOUNTED.store(true, Ordering::Relaxed);
    }
}

/// Marks `req` as decided by this policy, unless a policy above already did; returns the
/// mark of the policy above.
pub(crate) fn decide_above(req: &ServiceRequest, refused: bool) -> Option<DecidedAbove> {
    let above = req.extensions().get::<DecidedAbove>().copied();
    if above.is_none() {
        req.extensions_mut().insert(DecidedAbove { refused });
    }
    above
}

/// Whether a policy above that does not defer decided `req` (only known while refusals can be
/// heard).
pub(crate) fn decided_above(req: &ServiceRequest) -> bool {
    req.extensions().contains::<DecidedAbove>()
}

/// Whether any policy's refusal can be heard: some mounted policy has a hook, or the crate's
/// debug log is on. Decides whether [`DecidedAbove`] marks are worth their allocation.
#[inline]
pub(crate) fn may_be_heard() -> bool {
    HOOK_MOUNTED.load(Ordering::Relaxed)
        || log::log_enabled!(target: "actix_scoped_cors", log::Level::Debug)
}

/// Whether a refusal this policy reports is heard: it has a hook, or the crate's debug log is
/// on. What is not heard need not be worked out (is the request same-origin?) or kept.
#[inline]
pub(crate) fn is_heard(policy: &PolicyInner) -> bool {
    policy.on_reject.is_some() || log::log_enabled!(target: "actix_scoped_cors", log::Level::Debug)
}
