//! `repairs`: the storm — 1,000 faults reported within one simulated hour
//! (most of them early) across the campus, each dispatched automatically by
//! skill, zone, shift and load or left to the claim pool, at 30× speed
//! through the server's injected clock: dispatch latency p50/p99, the share
//! dispatched automatically, failed reports, the busiest technician's jobs
//! — measured by the engine's release example `repairs_bench` (SQLite;
//! about 3 minutes, 2 of them the storm itself).

use anyhow::Result;

use super::{Ctx, Figure};

pub fn run(ctx: &mut Ctx) -> Result<Vec<Figure>> {
    super::example::run(
        ctx,
        "repairs_bench",
        &["ms", "%", "reports", "reports/s", "ops"],
    )
}
