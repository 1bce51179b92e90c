//! The CORS doctor: what would a browser say about this fetch, and how to fix it.
//!
//! ```sh
//! cargo run --example doctor -- http://127.0.0.1:8080/api/items --origin http://localhost:3000 \
//!     --method PUT --header content-type:application/json --header authorization --credentials
//! ```
//!
//! Talks plain HTTP/1.1 to any server, prints the preflight (when a browser would send one)
//! and the actual exchange, Chromium's verdict and console message, and concrete fixes.
//! Exit code: 0 allowed, 1 blocked, 2 usage or network error. It sends the actual request
//! when the preflight passes, as a browser would.

use actix_scoped_cors::testing::doctor::{diagnose, Checkup, USAGE};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return;
    }
    let result = Checkup::from_args(args).and_then(|checkup| diagnose(&checkup));
    match result {
        Ok(diagnosis) => {
            print!("{diagnosis}");
            std::process::exit(diagnosis.exit_code());
        }
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(error.exit_code());
        }
    }
}
