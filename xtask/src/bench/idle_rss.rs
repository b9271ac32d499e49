//! `idle-rss`: the release server's resident memory when idle on the
//! default demo campus, after a sign-in and a few requests; and
//! `seed-default`, how long seeding that campus takes on a fresh SQLite file.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use super::{Ctx, Figure};
use crate::server::{self, Server};

/// The goal for seeding the default campus.
const SEED_GOAL_SECS: f64 = 30.0;

pub fn run(ctx: &mut Ctx) -> Result<Vec<Figure>> {
    let binary = ctx.server_binary()?;
    let data = tempfile::Builder::new()
        .prefix("houqin-bench-rss-")
        .tempdir()
        .context("temp dir")?;

    let started = Instant::now();
    server::run_to_end(&binary, data.path(), &["seed"])?;
    let seed_secs = started.elapsed().as_secs_f64();
    let verdict = if seed_secs < SEED_GOAL_SECS {
        "met"
    } else {
        "MISSED"
    };

    let mut server = Server::spawn(&binary, data.path())?;
    server.wait_ready(Duration::from_millis(20), Duration::from_secs(60))?;
    exercise(&server.url)?;
    std::thread::sleep(Duration::from_secs(2));
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid()))
        .context("read /proc/PID/status")?;
    let rss = kib_field(&status, "VmRSS:")?;
    let peak = kib_field(&status, "VmHWM:")?;
    server.stop()?;

    Ok(vec![
        Figure::new(
            "seed-default",
            seed_secs,
            "s",
            format!(
                "`houqin-server seed` (default scale) on a fresh SQLite file; goal < {SEED_GOAL_SECS:.0} s: {verdict}"
            ),
        ),
        Figure::new(
            "idle RSS",
            rss / 1024.0,
            "MiB",
            "VmRSS of `serve` on the default campus, 2 s after a sign-in and a few requests",
        ),
        Figure::new(
            "peak RSS",
            peak / 1024.0,
            "MiB",
            "VmHWM of the same process (start-up included)",
        ),
    ])
}

/// Signs in as the demo student and makes a few authenticated requests.
fn exercise(base: &str) -> Result<()> {
    let http = server::http(Duration::from_secs(30));
    let body = serde_json::json!({ "username": "student", "password": "demo" }).to_string();
    let mut resp = http
        .post(&format!("{base}/api/v1/auth/login"))
        .header("content-type", "application/json")
        .send(body.as_str())
        .context("POST /api/v1/auth/login")?;
    let text = resp.body_mut().read_to_string().context("login answer")?;
    ensure!(
        resp.status() == 200,
        "login as student answered {}: {text}",
        resp.status()
    );
    let answer: serde_json::Value =
        serde_json::from_str(&text).context("login answer is not JSON")?;
    let Some(token) = answer["access_token"].as_str() else {
        bail!("login answer has no access_token: {text}")
    };
    for path in ["/api/v1/me", "/api/v1/notifications", "/api/v1/me"] {
        let resp = http
            .get(&format!("{base}{path}"))
            .header("authorization", &format!("Bearer {token}"))
            .call()
            .with_context(|| format!("GET {path}"))?;
        ensure!(
            resp.status() == 200,
            "GET {path} answered {}",
            resp.status()
        );
    }
    Ok(())
}

/// A `Name:   1234 kB` line of /proc/PID/status, in KiB.
fn kib_field(status: &str, name: &str) -> Result<f64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {name} in /proc/PID/status"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_status_fields() -> Result<()> {
        let status = "Name:\thouqin-server\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\n";
        assert_eq!(kib_field(status, "VmRSS:")?, 40960.0);
        assert_eq!(kib_field(status, "VmHWM:")?, 51200.0);
        assert!(kib_field(status, "VmSwap:").is_err());
        Ok(())
    }
}
