//! `cors-doctor`: what would a browser say about this fetch, and how to fix it.
//!
//! ```sh
//! cors-doctor https://127.0.0.1:8443/api/items --origin http://localhost:3000 \
//!     --method PUT --header content-type:application/json --header authorization --credentials
//! ```
//!
//! Exit code: 0 allowed, 1 blocked, 2 usage or network error. With `--json`, the report
//! (or the error object) goes to stdout as JSON.

use cors_doctor::{diagnose, Command, USAGE};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return;
    }
    let json = args.iter().any(|a| a == "--json");
    let result = Command::from_args(args).and_then(|command| diagnose(&command.checkup));
    let code = match result {
        Ok(diagnosis) => {
            if json {
                println!("{:#}", diagnosis.to_json());
            } else {
                print!("{diagnosis}");
            }
            diagnosis.exit_code()
        }
        Err(error) => {
            if json {
                println!("{:#}", error.to_json());
            } else {
                eprintln!("{error}");
            }
            error.exit_code()
        }
    };
    std::process::exit(code);
}
