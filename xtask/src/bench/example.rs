//! Runs one of the engine's release examples (`sync_bench`,
//! `payments_bench`, `dining_bench`: the real server and engine in one
//! process) and reads its figures: one JSON line each, `{"name", "value",
//! "unit", "note"}`. Units outside `units` fail the scenario (a typo would
//! otherwise reach the report).

use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::{Ctx, Figure};
use crate::workspace;

pub fn run(ctx: &mut Ctx, example: &str, units: &[&'static str]) -> Result<Vec<Figure>> {
    eprintln!("   building and running the engine's {example} example (release)");
    let output = Command::new(workspace::cargo())
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "houqin-engine",
            "--example",
            example,
        ])
        .current_dir(workspace::root())
        .stdout(Stdio::piped())
        .stderr(workspace::to_stderr()?)
        .output()
        .context("cannot run cargo")?;
    ctx.builds.push(format!(
        "{example}: `release` profile (cargo run --release -p houqin-engine --example {example})"
    ));
    if !output.status.success() {
        bail!("{example} failed ({})", output.status);
    }
    let mut figures = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let unit = v["unit"].as_str();
        let Some(unit) = units.iter().find(|u| Some(**u) == unit) else {
            bail!("unexpected unit {unit:?} in {line}");
        };
        figures.push(Figure::new(
            v["name"].as_str().unwrap_or("?"),
            v["value"].as_f64().unwrap_or(f64::NAN),
            unit,
            v["note"].as_str().unwrap_or(""),
        ));
    }
    if figures.is_empty() {
        bail!("{example} printed no figures");
    }
    Ok(figures)
}
