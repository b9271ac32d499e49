//! `payments`: card payments per second through the HTTP API beside raw SQL
//! doing the same row work, on SQLite and PostgreSQL, with p50/p99 at half
//! that load; and tap-to-approved at the kiosk through pcscd, online and
//! offline — measured by the engine's release example `payments_bench`.
//! PostgreSQL and pcscd must be running (the README's test command starts both).

use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::{Ctx, Figure};
use crate::workspace;

pub fn run(ctx: &mut Ctx) -> Result<Vec<Figure>> {
    eprintln!("   building and running the engine's payments_bench example (release)");
    let output = Command::new(workspace::cargo())
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "houqin-engine",
            "--example",
            "payments_bench",
        ])
        .current_dir(workspace::root())
        .stdout(Stdio::piped())
        .stderr(workspace::to_stderr()?)
        .output()
        .context("cannot run cargo")?;
    ctx.builds.push(
        "payments_bench: `release` profile (cargo run --release -p houqin-engine --example payments_bench)"
            .to_owned(),
    );
    if !output.status.success() {
        bail!("payments_bench failed ({})", output.status);
    }
    let mut figures = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let unit = match v["unit"].as_str() {
            Some("ms") => "ms",
            Some("%") => "%",
            Some("payments/s") => "payments/s",
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
        bail!("payments_bench printed no figures");
    }
    Ok(figures)
}
