//! `cargo xtask bench`: run scenarios, collect their figures, write
//! `bench/report.md` (git-ignored) and print it.
//!
//! A scenario is one module with `pub fn run(&mut Ctx) -> Result<Vec<Figure>>`
//! and one line in [`SCENARIOS`]. Scenarios share what is costly through
//! [`Ctx`] (the release server is built once).

mod cold_start;
mod dining;
mod example;
mod idle_rss;
mod payments;
mod repairs;
mod report;
mod sync;
mod wasm_size;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::{server, workspace};

/// One measured number.
#[derive(Debug, Clone)]
pub struct Figure {
    pub name: String,
    pub value: f64,
    pub unit: &'static str,
    /// What was measured, and the goal if there is one.
    pub note: String,
}

impl Figure {
    pub fn new(name: &str, value: f64, unit: &'static str, note: impl Into<String>) -> Figure {
        Figure {
            name: name.to_owned(),
            value,
            unit,
            note: note.into(),
        }
    }
}

pub struct Scenario {
    pub name: &'static str,
    pub about: &'static str,
    pub run: fn(&mut Ctx) -> Result<Vec<Figure>>,
}

/// Every scenario, in the order `cargo xtask bench` runs them.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "wasm-size",
        about: "the UI's .wasm and JS glue in app/dist, raw and gzip",
        run: wasm_size::run,
    },
    Scenario {
        name: "cold-start",
        about: "release server: spawn to first 200 from /api/v1/ready",
        run: cold_start::run,
    },
    Scenario {
        name: "idle-rss",
        about: "release server's resident memory when idle on the default campus; time to seed it",
        run: idle_rss::run,
    },
    Scenario {
        name: "sync",
        about: "sync on SQLite and PostgreSQL: initial sync (5k, 50k rows), 10k queued commands, poke-to-converged with 100 clients, memory",
        run: sync::run,
    },
    Scenario {
        name: "payments",
        about: "card payments/s through the API vs raw SQL (SQLite, PostgreSQL), p50/p99 at half load; tap-to-approved through pcscd, online and offline",
        run: payments::run,
    },
    Scenario {
        name: "dining",
        about: "lunch rush at 10× speed: 4,000 students ordering ahead and paying in 30 simulated minutes across 20 windows, kiosk sales alongside; p50/p99, failed operations, slots overbooked",
        run: dining::run,
    },
    Scenario {
        name: "repairs",
        about: "a storm at 30× speed: 1,000 faults reported in a simulated hour, dispatched automatically; dispatch latency p50/p99, share dispatched, failed reports",
        run: repairs::run,
    },
];

/// What scenarios share: the release server binary (built on first use) and
/// notes on how things were built, for the report.
#[derive(Default)]
pub struct Ctx {
    server_binary: Option<PathBuf>,
    pub builds: Vec<String>,
}

impl Ctx {
    /// The release `houqin-server`, built the first time it is asked for.
    pub fn server_binary(&mut self) -> Result<PathBuf> {
        if let Some(bin) = &self.server_binary {
            return Ok(bin.clone());
        }
        let bin = server::build_release()?;
        self.builds.push(
            "houqin-server: `release` profile (cargo build --release -p houqin-server)".to_owned(),
        );
        self.server_binary = Some(bin.clone());
        Ok(bin)
    }
}

/// What one scenario produced.
pub struct Outcome {
    pub scenario: &'static str,
    pub result: Result<Vec<Figure>>,
}

/// Runs `cargo xtask bench ARGS`; answers whether every scenario succeeded.
pub fn main(args: &[String]) -> Result<bool> {
    if args.iter().any(|a| a == "--list") {
        for s in SCENARIOS {
            println!("{:<12} {}", s.name, s.about);
        }
        return Ok(true);
    }
    if let Some(flag) = args.iter().find(|a| a.starts_with('-')) {
        bail!("unknown option {flag}; try `cargo xtask bench --list`");
    }
    let chosen: Vec<&Scenario> = if args.is_empty() {
        SCENARIOS.iter().collect()
    } else {
        args.iter()
            .map(|name| {
                SCENARIOS.iter().find(|s| s.name == name).with_context(|| {
                    let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
                    format!("no scenario {name:?}; there are: {}", names.join(", "))
                })
            })
            .collect::<Result<_>>()?
    };

    let machine = report::Machine::observe();
    let mut ctx = Ctx::default();
    let mut outcomes = Vec::new();
    for scenario in chosen {
        eprintln!("── {}: {}", scenario.name, scenario.about);
        let started = std::time::Instant::now();
        let result = (scenario.run)(&mut ctx);
        match &result {
            Ok(_) => eprintln!("   done in {:.1} s", started.elapsed().as_secs_f64()),
            Err(e) => eprintln!("   FAILED: {e:#}"),
        }
        outcomes.push(Outcome {
            scenario: scenario.name,
            result,
        });
    }

    let text = report::render(&machine, &ctx.builds, &outcomes);
    let dir = workspace::root().join("bench");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("report.md");
    std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
    println!("{text}");
    eprintln!("written to {}", path.display());
    Ok(outcomes.iter().all(|o| o.result.is_ok()))
}
