//! Criterion: the same scenarios, in the same run, for no middleware, actix-cors, this
//! crate and the floor (the scenario's grant headers, `'static`, appended unchecked), each
//! with an equivalent policy (see `support/mod.rs` for the policies and where actix-cors
//! only has a closest equivalent).
//!
//! ```text
//! cargo bench --bench cors                          # everything, about 3 minutes
//! cargo bench --bench cors -- preflight/allowed     # one scenario, three implementations
//! ```
//!
//! Bench IDs are `scenario/variant/implementation`, e.g. `allowed_get/1_origin/scoped_cors`
//! (`/floor` only where the scenario grants something).
//! Each iteration calls the service with a request built beforehand (not timed) and drops
//! the response (timed).

// Shared with the allocation bench and test, which use the parts this one does not.
#[allow(dead_code)]
mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use support::Impl;

fn bench(c: &mut Criterion) {
    for scenario in support::scenarios() {
        let (group, variant) = scenario
            .id
            .split_once('/')
            .expect("scenario IDs are group/variant");
        let mut group = c.benchmark_group(group);
        let batch = if scenario.big { 32 } else { 256 };
        for imp in Impl::for_scenario(&scenario) {
            let driver = support::driver(imp, &scenario);
            group.bench_function(format!("{variant}/{}", imp.id()), |b| {
                b.iter_batched(
                    || scenario.request(),
                    |req| driver.call(req),
                    BatchSize::NumIterations(batch),
                )
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = bench
}
criterion_main!(benches);
