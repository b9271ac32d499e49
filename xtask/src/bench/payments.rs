//! `payments`: card payments per second through the HTTP API beside raw SQL
//! doing the same row work, on SQLite and PostgreSQL, with p50/p99 at half
//! that load; and tap-to-approved at the kiosk through pcscd, online and
//! offline — measured by the engine's release example `payments_bench`.
//! PostgreSQL and pcscd must be running (the README's test command starts both).

use anyhow::Result;

use super::{Ctx, Figure};

pub fn run(ctx: &mut Ctx) -> Result<Vec<Figure>> {
    super::example::run(ctx, "payments_bench", &["ms", "%", "payments/s"])
}
