//! Allocations and time per request, this crate vs actix-cors vs no middleware, in one table.
//!
//! ```text
//! cargo bench --bench allocations                 # every scenario
//! cargo bench --bench allocations -- preflight    # scenarios whose ID contains "preflight"
//! ```
//!
//! For each scenario and implementation: the median allocations of one request (after a
//! warm-up), and the median of several batches of `Instant`-timed requests, the three
//! implementations interleaved batch by batch so that machine noise hits them alike.
//! Criterion (`cargo bench --bench cors`) remains the authoritative timing; this table is for
//! the ratios and the allocation counts side by side. `benches/callgrind.sh` runs the
//! `--callgrind` mode below under valgrind for noise-free instruction counts.

mod support;

use std::{hint::black_box, time::Instant};

use actix_web::dev::ServiceRequest;
use support::{Driver, Impl, Kind, Scenario};

#[global_allocator]
static ALLOC: support::CountingAlloc = support::CountingAlloc;

const WARM_UP: usize = 200;
const ALLOC_SAMPLES: usize = 501;
const BATCHES: usize = 41;

/// One scenario's medians, indexed by `Impl as usize`; `None` for the floor where the
/// scenario has none.
struct Row {
    scenario: Scenario,
    ns: [Option<f64>; 4],
    allocs: [Option<u64>; 4],
}

impl Row {
    fn overhead(&self, imp: Impl) -> Option<f64> {
        Some(self.ns[imp as usize]? - self.ns[Impl::None as usize]?)
    }

    fn added_allocs(&self, imp: Impl) -> Option<i64> {
        Some(self.allocs[imp as usize]? as i64 - self.allocs[Impl::None as usize]? as i64)
    }

    /// Our overhead over `theirs` (actix-cors or the floor).
    fn ratio(&self, theirs: Impl) -> Option<f64> {
        let theirs = self.overhead(theirs)?;
        (theirs > 0.0).then(|| self.overhead(Impl::ScopedCors).unwrap_or(0.0) / theirs)
    }
}

fn show<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| v.to_string())
}

/// Calls `driver` with one request and drops the response. Never inlined, so that
/// callgrind can count exactly this (`benches/callgrind.sh`).
#[inline(never)]
fn measured_call(driver: &dyn Driver, req: ServiceRequest) {
    driver.call(black_box(req));
}

/// Calls `driver` once per request, for the timed batches.
#[inline(never)]
fn measured_calls(driver: &dyn Driver, requests: Vec<ServiceRequest>) {
    for req in requests {
        driver.call(req);
    }
}

fn batch_size(scenario: &Scenario) -> usize {
    if scenario.big {
        100
    } else {
        1_000
    }
}

/// Nanoseconds per request, one batch.
fn time_batch(driver: &dyn Driver, scenario: &Scenario) -> f64 {
    let n = batch_size(scenario);
    let requests: Vec<_> = (0..n).map(|_| scenario.request()).collect();
    let start = Instant::now();
    measured_calls(driver, black_box(requests));
    start.elapsed().as_nanos() as f64 / n as f64
}

fn measure(scenario: &Scenario) -> Row {
    let drivers = Impl::ALL.map(|imp| {
        Impl::for_scenario(scenario)
            .any(|i| i == imp)
            .then(|| support::driver(imp, scenario))
    });
    let allocs = drivers.each_ref().map(|driver| {
        let driver = driver.as_deref()?;
        Some(support::allocations_per_request(
            driver,
            scenario,
            WARM_UP,
            ALLOC_SAMPLES,
        ))
    });
    let mut times: [Vec<f64>; 4] = Default::default();
    for batch in 0..=BATCHES {
        for (driver, times) in drivers.iter().zip(&mut times) {
            let Some(driver) = driver else { continue };
            let ns = time_batch(&**driver, scenario);
            if batch > 0 {
                times.push(ns); // batch 0 is a warm-up
            }
        }
    }
    let ns = times.map(|mut t| {
        t.sort_by(f64::total_cmp);
        t.get(t.len() / 2).copied()
    });
    Row {
        scenario: scenario.clone(),
        ns,
        allocs,
    }
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "| scenario | ns none | ns overhead over none (ours) | ns overhead (actix-cors) | ns overhead (floor) | ratio ours/actix-cors | ratio ours/floor | allocs over none (ours) | allocs over none (actix-cors) | allocs over none (floor) | allocs/request none, actix-cors, ours, floor |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let ns = |v: Option<f64>| show(v.map(|v| format!("{v:.0}")));
    let ratio = |v: Option<f64>| show(v.map(|v| format!("{v:.2}")));
    let added = |v: Option<i64>| show(v.map(|v| format!("{v:+}")));
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}, {}, {}, {} |",
            row.scenario.id,
            ns(row.ns[Impl::None as usize]),
            ns(row.overhead(Impl::ScopedCors)),
            ns(row.overhead(Impl::ActixCors)),
            ns(row.overhead(Impl::Floor)),
            ratio(row.ratio(Impl::ActixCors)),
            ratio(row.ratio(Impl::Floor)),
            added(row.added_allocs(Impl::ScopedCors)),
            added(row.added_allocs(Impl::ActixCors)),
            added(row.added_allocs(Impl::Floor)),
            show(row.allocs[0]),
            show(row.allocs[1]),
            show(row.allocs[2]),
            show(row.allocs[3]),
        );
    }
}

fn find<'a>(rows: &'a [Row], id: &str) -> Option<&'a Row> {
    rows.iter().find(|row| row.scenario.id == id)
}

/// The issue's targets, judged on this run's numbers.
fn print_targets(rows: &[Row]) {
    let verdict = |met: bool| if met { "met" } else { "NOT MET" };
    println!();
    println!("Targets (this run):");
    for row in rows {
        if let Some(ratio) = row.ratio(Impl::ActixCors) {
            println!(
                "  overhead <= 0.5x actix-cors, {}: {:.2}x: {}",
                row.scenario.id,
                ratio,
                verdict(ratio <= 0.5)
            );
        }
        if let Some(ratio) = row.ratio(Impl::Floor) {
            println!(
                "  overhead <= 1.5x the floor, {}: {:.2}x: {}",
                row.scenario.id,
                ratio,
                verdict(ratio <= 1.5)
            );
        }
    }
    for row in rows {
        let added = row.added_allocs(Impl::ScopedCors).unwrap_or_default();
        println!(
            "  added allocations <= 0, {}: {added}: {}",
            row.scenario.id,
            verdict(added <= 0)
        );
    }
    let scaled = |base: &str, big: &str, limit: f64| {
        if let (Some(base), Some(big)) = (find(rows, base), find(rows, big)) {
            let (b, g) = (
                base.overhead(Impl::ScopedCors).unwrap_or_default(),
                big.overhead(Impl::ScopedCors).unwrap_or_default(),
            );
            let percent = (limit - 1.0) * 100.0;
            println!(
                "  {} overhead within {percent:.0}% of {}: {g:.0} vs {b:.0} ns: {}",
                big.scenario.id,
                base.scenario.id,
                verdict(g <= b * limit)
            );
        }
    };
    scaled("allowed_get/1_origin", "allowed_get/100000_origins", 1.1);
    scaled("wildcard_get/1_pattern", "wildcard_get/100_patterns", 1.5);
    if let Some(normal) = find(rows, "preflight/allowed") {
        let limit = 2.0 * normal.overhead(Impl::ScopedCors).unwrap_or_default();
        for row in rows.iter().filter(|r| r.scenario.kind == Kind::Hostile) {
            let overhead = row.overhead(Impl::ScopedCors).unwrap_or_default();
            println!(
                "  {} overhead <= 2x preflight/allowed: {overhead:.0} vs {limit:.0} ns: {}",
                row.scenario.id,
                verdict(overhead <= limit)
            );
        }
    }
}

/// Under valgrind: calls one implementation with `count` requests, each inside
/// `measured_call` (which `benches/callgrind.sh` counts with `--toggle-collect`). Exits with
/// status 2, measuring nothing, for the floor of a scenario that has none.
fn callgrind(id: &str, imp: &str, count: usize) {
    let scenario = support::scenarios()
        .into_iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no scenario {id}"));
    // The bound is measured here only: it is where `benches/callgrind.sh` proves a target
    // out of reach, not a contender in the timed runs.
    let measured = || {
        let bound = scenario.floor().is_some().then_some(Impl::Bound);
        Impl::for_scenario(&scenario).chain(bound)
    };
    let imp = Impl::ALL
        .into_iter()
        .chain([Impl::Bound])
        .find(|i| i.id() == imp)
        .unwrap_or_else(|| panic!("no implementation {imp}"));
    if !measured().any(|i| i == imp) {
        std::process::exit(2);
    }
    // Every process builds all of them, so that the heap is in the same state whichever
    // implementation is counted (a 100,000-origin policy changes what `free` costs).
    let drivers: Vec<_> = measured()
        .map(|i| (i, support::driver(i, &scenario)))
        .collect();
    let (_, driver) = drivers
        .iter()
        .find(|(i, _)| *i == imp)
        .expect("built above");
    if imp == Impl::Bound {
        // A check that failed would make the bound cheap by sending nothing.
        let floor = support::driver(Impl::Floor, &scenario).outcome(scenario.request());
        let bound = driver.outcome(scenario.request());
        assert_eq!(
            bound, floor,
            "{id}: the bound must answer as the floor does"
        );
    }
    for _ in 0..10 {
        driver.call(scenario.request()); // warm-up: outside `measured_call`, not counted
    }
    // One request at a time, as a server handles them: each is built (not counted), then
    // called and dropped (counted). The heap is in the same steady state at every request,
    // so the count per request does not depend on how many are counted; building them all
    // first and freeing them in the counted section made `free` cost vary by hundreds of
    // instructions per request between runs of different lengths.
    for _ in 0..count {
        measured_call(&**driver, scenario.request());
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list-scenarios") {
        for scenario in support::scenarios() {
            println!("{}", scenario.id);
        }
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--callgrind") {
        let [id, imp, count] = &args[at + 1..at + 4] else {
            panic!("usage: --callgrind SCENARIO IMPL COUNT");
        };
        callgrind(id, imp, count.parse().expect("COUNT is a number"));
        return;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let scenarios: Vec<Scenario> = support::scenarios()
        .into_iter()
        .filter(|s| filters.is_empty() || filters.iter().any(|f| s.id.contains(f.as_str())))
        .collect();

    println!("Outcome per implementation (status, Access-Control-Allow-Origin):");
    for scenario in &scenarios {
        let outcomes: Vec<String> = Impl::for_scenario(scenario)
            .map(|imp| {
                let (status, acao) = support::driver(imp, scenario).outcome(scenario.request());
                let acao = acao.map_or("-".to_owned(), |a| a.chars().take(40).collect::<String>());
                format!("{}: {status} {acao}", imp.id())
            })
            .collect();
        println!("  {}: {}", scenario.id, outcomes.join("; "));
    }

    let rows: Vec<Row> = scenarios
        .iter()
        .map(|scenario| {
            eprintln!("measuring {}", scenario.id);
            measure(scenario)
        })
        .collect();
    print_table(&rows);
    print_targets(&rows);
}
