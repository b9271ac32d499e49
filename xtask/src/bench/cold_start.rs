//! `cold-start`: how long the release server takes from being spawned to
//! answering `GET /api/v1/ready` with 200, on a tiny seeded SQLite campus.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::{Ctx, Figure};
use crate::server::{self, Server};

const RUNS: usize = 5;
const POLL_EVERY: Duration = Duration::from_millis(5);

pub fn run(ctx: &mut Ctx) -> Result<Vec<Figure>> {
    let binary = ctx.server_binary()?;
    let data = tempfile::Builder::new()
        .prefix("houqin-bench-cold-")
        .tempdir()
        .context("temp dir")?;
    server::run_to_end(&binary, data.path(), &["seed", "--scale", "tiny"])?;

    let mut millis = Vec::with_capacity(RUNS);
    for run in 1..=RUNS {
        let started = Instant::now();
        let mut server = Server::spawn(&binary, data.path())?;
        server.wait_ready(POLL_EVERY, Duration::from_secs(60))?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        eprintln!("   run {run}: ready in {ms:.1} ms");
        millis.push(ms);
        server.stop()?;
    }
    millis.sort_by(f64::total_cmp);
    let median = millis[millis.len() / 2];
    let max = millis[millis.len() - 1];
    let note = format!(
        "{RUNS} starts on a tiny seeded SQLite db; spawn → first 200 from /api/v1/ready, polled every 5 ms"
    );
    Ok(vec![
        Figure::new("cold start, median", median, "ms", note),
        Figure::new("cold start, max", max, "ms", ""),
    ])
}
