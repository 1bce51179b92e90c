//! Heap allocations the middleware adds over no middleware, per request.
//!
//! Both sides are the same shape (the trivial inner service, alone or wrapped), called with
//! the same request, built before counting starts; the response is dropped inside the
//! counted section. The counter is per thread, so tests running in parallel do not disturb
//! each other. Scenarios and policies are the benches' (`benches/support/mod.rs`).

#[allow(dead_code)]
#[path = "../benches/support/mod.rs"]
mod support;

use support::{Impl, Scenario};

#[global_allocator]
static ALLOC: support::CountingAlloc = support::CountingAlloc;

const WARM_UP: usize = 50;
const SAMPLES: usize = 101;

/// A preflight builds its answer without allocating, explained refusals included; a hostile
/// one allocates no more.
const PREFLIGHT_BOUND: i64 = 0;

fn scenario(id: &str) -> Scenario {
    support::scenarios()
        .into_iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no scenario {id}"))
}

/// Median allocations per request of this crate minus those of no middleware.
fn added_allocations(id: &str) -> i64 {
    let scenario = scenario(id);
    let [none, ours] = [Impl::None, Impl::ScopedCors].map(|imp| {
        let driver = support::driver(imp, &scenario);
        support::allocations_per_request(&*driver, &scenario, WARM_UP, SAMPLES)
    });
    ours as i64 - none as i64
}

fn assert_at_most(ids: &[&str], bound: i64) {
    let over: Vec<(&str, i64)> = ids
        .iter()
        .map(|&id| (id, added_allocations(id)))
        .filter(|&(_, added)| added > bound)
        .collect();
    assert!(
        over.is_empty(),
        "allocations over no middleware above {bound}: {over:?}"
    );
}

#[test]
fn counter_sees_allocations_of_this_thread() {
    let before = support::allocations();
    drop(std::hint::black_box(Box::new(1_u64)));
    assert_eq!(support::allocations() - before, 1);
}

#[test]
fn scenarios_take_the_paths_they_are_named_for() {
    let expect = [
        ("allowed_get/1_origin", 200, Some(support::ALLOWED)),
        ("disallowed_get/1_origin", 200, None),
        ("no_origin_get/1_origin", 200, None),
        ("permissive_get/any_origin", 200, Some("*")),
        (
            "regex_get/1_regex",
            200,
            Some("https://pr-42.preview.example.com"),
        ),
        ("regex_get/2_regexes", 200, Some(support::STAGING_ORIGIN)),
        (
            "regex_get/uncut_regex",
            200,
            Some("https://shop.example.org"),
        ),
        ("preflight/allowed", 204, Some(support::ALLOWED)),
        ("preflight/refused_header", 204, Some(support::ALLOWED)),
        ("preflight/disallowed", 403, None),
        ("hostile_preflight/acrh_64k_spaces", 403, None),
        ("hostile_preflight/origin_8k", 403, None),
    ];
    for (id, status, allow_origin) in expect {
        let scenario = scenario(id);
        let driver = support::driver(Impl::ScopedCors, &scenario);
        let outcome = driver.outcome(scenario.request());
        assert_eq!(outcome, (status, allow_origin.map(str::to_owned)), "{id}");
    }
}

#[test]
fn actual_requests_allocate_nothing_over_no_middleware() {
    assert_at_most(
        &[
            "allowed_get/1_origin",
            "allowed_get/1000_origins",
            "wildcard_get/1_pattern",
            "wildcard_get/100_patterns",
            "regex_get/1_regex",
            "regex_get/2_regexes",
            "regex_get/uncut_regex",
            "predicate_get/1_fn",
            "disallowed_get/1_origin",
            "no_origin_get/1_origin",
            "permissive_get/any_origin",
            "vary_get/handler_vary",
        ],
        0,
    );
}

#[test]
fn preflights_allocate_nothing_over_no_middleware() {
    assert_at_most(
        &[
            "preflight/allowed",
            "preflight/refused_header",
            "preflight/disallowed",
        ],
        PREFLIGHT_BOUND,
    );
}

#[test]
fn hostile_preflights_allocate_no_more_than_a_preflight() {
    assert_at_most(
        &[
            "hostile_preflight/acrh_1024_commas",
            "hostile_preflight/acrh_1000_repeats",
            "hostile_preflight/acrh_64k_spaces",
            "hostile_preflight/origin_8k",
        ],
        PREFLIGHT_BOUND,
    );
}

/// The asynchronous predicate's own two allocations are its API: the `String` it is given
/// and the future it returns. The policy adds none of its own (the request waits in
/// `CorsFuture` itself).
#[test]
fn an_async_predicate_allocates_only_its_string_and_its_future() {
    assert_at_most(&["predicate_get/1_async_fn"], 2);
}
