//! The report: the machine, the commit, the builds, and a table of figures.

use std::fmt::Write as _;
use std::process::Command;

use super::Outcome;
use crate::workspace;

/// Where and on what the figures were taken.
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub os: String,
    /// The 1/5/15-minute load averages when the run began: the machines are shared.
    pub load: String,
    pub rustc: String,
    pub commit: String,
    pub date: String,
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(workspace::root())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

impl Machine {
    pub fn observe() -> Machine {
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")
                    .and_then(|rest| rest.split_once(':'))
                    .map(|(_, v)| v.trim())
            })
            .unwrap_or("unknown")
            .to_owned();
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let memory = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0))
            .unwrap_or_else(|| "unknown".to_owned());
        let distro = read("/etc/os-release")
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_owned())
            .unwrap_or_else(|| std::env::consts::OS.to_owned());
        let kernel = read("/proc/sys/kernel/osrelease").trim().to_owned();
        let os = if kernel.is_empty() {
            distro
        } else {
            format!("{distro}, Linux {kernel}")
        };
        let load = read("/proc/loadavg")
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        let rustc = command_line("rustc", &["--version"]).unwrap_or_else(|| "unknown".to_owned());
        let commit = match command_line("git", &["rev-parse", "--short", "HEAD"]) {
            Some(hash) => {
                let dirty =
                    command_line("git", &["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
                if dirty {
                    format!("{hash} (dirty)")
                } else {
                    hash
                }
            }
            None => "no commit yet".to_owned(),
        };
        let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
        Machine {
            cpu,
            cores,
            memory,
            os,
            load,
            rustc,
            commit,
            date,
        }
    }
}

/// A value with as many decimals as its unit deserves.
fn format_value(value: f64, unit: &str) -> String {
    match unit {
        "s" => format!("{value:.2}"),
        "B" | "count" => format!("{value:.0}"),
        _ => format!("{value:.1}"),
    }
}

/// Table cells may not hold `|` or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render(machine: &Machine, builds: &[String], outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Houqin benchmarks\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Date | {} |", machine.date);
    let _ = writeln!(out, "| Commit | {} |", machine.commit);
    let _ = writeln!(
        out,
        "| CPU | {} ({} cores) |",
        cell(&machine.cpu),
        machine.cores
    );
    let _ = writeln!(out, "| Memory | {} |", machine.memory);
    let _ = writeln!(out, "| OS | {} |", cell(&machine.os));
    let _ = writeln!(out, "| Load average at start | {} |", machine.load);
    let _ = writeln!(out, "| Toolchain | {} |", cell(&machine.rustc));
    let profile = if builds.is_empty() {
        "nothing built by this run".to_owned()
    } else {
        builds.join("; ")
    };
    let _ = writeln!(out, "| Build profile | {} |", cell(&profile));
    let _ = writeln!(
        out,
        "\n| Scenario | Figure | Value | Unit | Note |\n|---|---|---:|---|---|"
    );
    for outcome in outcomes {
        match &outcome.result {
            Ok(figures) => {
                for f in figures {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} |",
                        outcome.scenario,
                        cell(&f.name),
                        format_value(f.value, f.unit),
                        f.unit,
                        cell(&f.note)
                    );
                }
            }
            Err(e) => {
                let _ = writeln!(
                    out,
                    "| {} | — | failed | | {} |",
                    outcome.scenario,
                    cell(&format!("{e:#}"))
                );
            }
        }
    }
    out
}
