//! `cors-doctor`: what would a browser say about this fetch, and how to fix it.
//!
//! ```sh
//! cors-doctor https://127.0.0.1:8443/api/items --origin http://localhost:3000 \
//!     --method PUT --header content-type:application/json --header authorization --credentials
//! ```
//!
//! Exit code: 0 allowed, 1 blocked, 2 usage or network error.

use cors_doctor::{diagnose, Checkup, USAGE};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return;
    }
    let code = match Checkup::from_args(args).and_then(|checkup| diagnose(&checkup)) {
        Ok(diagnosis) => {
            print!("{diagnosis}");
            diagnosis.exit_code()
        }
        Err(error) => {
            eprintln!("{error}");
            error.exit_code()
        }
    };
    std::process::exit(code);
}
