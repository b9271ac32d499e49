//! Project tasks, run as `cargo xtask <task>` (the alias is in `.cargo/config.toml`).
//!
//! - `cargo xtask bench` runs every benchmark scenario and writes `bench/report.md`.
//! - `cargo xtask bench wasm-size cold-start` runs the named ones.
//! - `cargo xtask bench --list` lists them.

mod bench;
mod server;
mod workspace;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask bench [--list] [SCENARIO...]

  bench              run every benchmark scenario; write bench/report.md and print it
  bench NAME...      run only the named scenarios
  bench --list       list the scenarios";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bench") => bench::main(&args[1..]),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(true)
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        // Some scenario failed: the report says which and why.
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
