//! `sync`: the sync protocol's figures on SQLite and PostgreSQL — initial sync
//! of 5,000 and 50,000 rows, pushing 10,000 queued commands, poke-to-converged
//! with 100 clients, and peak memory — measured by the engine's release example
//! `sync_bench` (the real engine and the real server in one process).
//! PostgreSQL must be running at 127.0.0.1:5432 (the README's test command starts it).

use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::{Ctx, Figure};
use crate::workspace;

pub fn run(ctx: &mut Ctx) -> Result<Vec<Figure>> {
    eprintln!("   building and running the engine's sync_bench example (release)");
    let output = Command::new(workspace::cargo())
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "houqin-engine",
            "--example",
            "sync_bench",
        ])
        .current_dir(workspace::root())
        .stdout(Stdio::piped())
        .stderr(workspace::to_stderr()?)
        .output()
        .context("cannot run cargo")?;
    ctx.builds.push(
        "sync_bench: `release` profile (cargo run --release -p houqin-engine --example sync_bench)"
            .to_owned(),
    );
    if !output.status.success() {
        bail!("sync_bench failed ({})", output.status);
    }
    let mut figures = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let unit = match v["unit"].as_str() {
            Some("s") => "s",
            Some("ms") => "ms",
            Some("MiB") => "MiB",
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
        bail!("sync_bench printed no figures");
    }
    Ok(figures)
}
