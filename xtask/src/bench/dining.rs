//! `dining`: the lunch rush — 4,000 students ordering ahead and paying
//! within 30 simulated minutes across the 20 windows, kiosk sales alongside,
//! at 10× speed through the server's injected clock: orders placed, failed
//! operations, p50/p99 of placing an order and of a kiosk charge, orders/s,
//! and the database checked afterwards (no slot overbooked, no portions
//! oversold, the ledger balanced) — measured by the engine's release example
//! `dining_bench` (SQLite; about 4 minutes, 3 of them the rush itself).

use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::{Ctx, Figure};
use crate::workspace;

pub fn run(ctx: &mut Ctx) -> Result<Vec<Figure>> {
    eprintln!("   building and running the engine's dining_bench example (release)");
    let output = Command::new(workspace::cargo())
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "houqin-engine",
            "--example",
            "dining_bench",
        ])
        .current_dir(workspace::root())
        .stdout(Stdio::piped())
        .stderr(workspace::to_stderr()?)
        .output()
        .context("cannot run cargo")?;
    ctx.builds.push(
        "dining_bench: `release` profile (cargo run --release -p houqin-engine --example dining_bench)"
            .to_owned(),
    );
    if !output.status.success() {
        bail!("dining_bench failed ({})", output.status);
    }
    let mut figures = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let unit = match v["unit"].as_str() {
            Some("ms") => "ms",
            Some("%") => "%",
            Some("orders") => "orders",
            Some("orders/s") => "orders/s",
            Some("sales") => "sales",
            Some("ops") => "ops",
            Some("slots") => "slots",
            Some("dishes") => "dishes",
            other => bail!("unexpected unit {other:?} in {line}"),
        };
        figures.push(Figure::new(
            v["name"].as_str().unwrap_or("?"),
            v["value"].as_f64().unwrap_or(f64::NAN),
            unit,
            v["note"].as_str().unwrap_or(""),
        ));
    }
    if figures.is_empty() {
        bail!("dining_bench printed no figures");
    }
    Ok(figures)
}
