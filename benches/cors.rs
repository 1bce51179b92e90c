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
//! Each iteration builds a request (not timed), then calls the service with it and drops the
//! response (timed), one request at a time as a server handles them (and as
//! `benches/callgrind.sh` counts them): building a batch first and dropping it in the timed
//! loop made the allocator's cost depend on the batch, not on the layer. The clock read per
//! request is the same for every implementation, so the overheads over no middleware are
//! free of it.

// Shared with the allocation bench and test, which use the parts this one does not.
#[allow(dead_code)]
mod support;

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use criterion::{criterion_group, criterion_main, Criterion};
use support::Impl;

fn bench(c: &mut Criterion) {
    for scenario in support::scenarios() {
        let (group, variant) = scenario
            .id
            .split_once('/')
            .expect("scenario IDs are group/variant");
        let mut group = c.benchmark_group(group);
        for imp in Impl::for_scenario(&scenario) {
            let driver = support::driver(imp, &scenario);
            group.bench_function(format!("{variant}/{}", imp.id()), |b| {
                b.iter_custom(|iterations| {
                    let mut timed = Duration::ZERO;
                    for _ in 0..iterations {
                        let req = black_box(scenario.request());
                        let start = Instant::now();
                        driver.call(req);
                        timed += start.elapsed();
                    }
                    timed
                })
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
