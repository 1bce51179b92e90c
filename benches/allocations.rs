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

struct Row {
    scenario: Scenario,
    ns: [f64; 3],
    allocs: [u64; 3],
}

impl Row {
    fn overhead(&self, imp: Impl) -> f64 {
        self.ns[imp as usize] - self.ns[Impl::None as usize]
    }

    fn added_allocs(&self, imp: Impl) -> i64 {
        self.allocs[imp as usize] as i64 - self.allocs[Impl::None as usize] as i64
    }

    fn ratio(&self) -> Option<f64> {
        let theirs = self.overhead(Impl::ActixCors);
        (theirs > 0.0).then(|| self.overhead(Impl::ScopedCors) / theirs)
    }
}

/// Calls `driver` once per request. Never inlined, so that callgrind can count exactly this.
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
    let drivers = Impl::ALL.map(|imp| support::driver(imp, scenario));
    let allocs = drivers.each_ref().map(|driver| {
        support::allocations_per_request(&**driver, scenario, WARM_UP, ALLOC_SAMPLES)
    });
    let mut times: [Vec<f64>; 3] = Default::default();
    for batch in 0..=BATCHES {
        for (driver, times) in drivers.iter().zip(&mut times) {
            let ns = time_batch(&**driver, scenario);
            if batch > 0 {
                times.push(ns); // batch 0 is a warm-up
            }
        }
    }
    let ns = times.map(|mut t| {
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
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
        "| scenario | ns none | ns overhead over none (ours) | ns overhead (actix-cors) | ratio ours/actix-cors | allocs over none (ours) | allocs over none (actix-cors) | allocs/request none, actix-cors, ours |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        let ratio = row
            .ratio()
            .map_or_else(|| "n/a".to_owned(), |r| format!("{r:.2}"));
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {} | {:+} | {:+} | {}, {}, {} |",
            row.scenario.id,
            row.ns[Impl::None as usize],
            row.overhead(Impl::ScopedCors),
            row.overhead(Impl::ActixCors),
            ratio,
            row.added_allocs(Impl::ScopedCors),
            row.added_allocs(Impl::ActixCors),
            row.allocs[0],
            row.allocs[1],
            row.allocs[2],
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
    for row in rows.iter().filter(|r| r.scenario.kind != Kind::Hostile) {
        if let Some(ratio) = row.ratio() {
            println!(
                "  overhead <= 0.5x actix-cors, {}: {:.2}x: {}",
                row.scenario.id,
                ratio,
                verdict(ratio <= 0.5)
            );
        }
    }
    for row in rows {
        let added = row.added_allocs(Impl::ScopedCors);
        let bound = if row.scenario.kind == Kind::Actual {
            0
        } else {
            1
        };
        println!(
            "  added allocations <= {bound}, {}: {added}: {}",
            row.scenario.id,
            verdict(added <= bound)
        );
    }
    let scaled = |base: &str, big: &str, limit: f64| {
        if let (Some(base), Some(big)) = (find(rows, base), find(rows, big)) {
            let (b, g) = (
                base.overhead(Impl::ScopedCors),
                big.overhead(Impl::ScopedCors),
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
        let limit = 2.0 * normal.overhead(Impl::ScopedCors);
        for row in rows.iter().filter(|r| r.scenario.kind == Kind::Hostile) {
            let overhead = row.overhead(Impl::ScopedCors);
            println!(
                "  {} overhead <= 2x preflight/allowed: {overhead:.0} vs {limit:.0} ns: {}",
                row.scenario.id,
                verdict(overhead <= limit)
            );
        }
    }
}

/// Under valgrind: builds `count` requests, then calls one implementation with them inside
/// `measured_calls` (which `benches/callgrind.sh` counts with `--toggle-collect`).
fn callgrind(id: &str, imp: &str, count: usize) {
    let scenario = support::scenarios()
        .into_iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no scenario {id}"));
    let imp = Impl::ALL
        .into_iter()
        .find(|i| i.id() == imp)
        .unwrap_or_else(|| panic!("no implementation {imp}"));
    // Every process builds all three, so that the heap is in the same state whichever
    // implementation is counted (a 100,000-origin policy changes what `free` costs).
    let drivers = Impl::ALL.map(|imp| support::driver(imp, &scenario));
    let driver = &drivers[imp as usize];
    for _ in 0..10 {
        driver.call(scenario.request()); // warm-up: outside `measured_calls`, not counted
    }
    let requests: Vec<_> = (0..count).map(|_| scenario.request()).collect();
    measured_calls(&**driver, requests);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
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
        let outcomes: Vec<String> = Impl::ALL
            .iter()
            .map(|&imp| {
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
