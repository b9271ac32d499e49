//! `dining`: the lunch rush — 4,000 students ordering ahead and paying
//! within 30 simulated minutes across the 20 windows, kiosk sales alongside,
//! at 10× speed through the server's injected clock: orders placed, failed
//! operations, p50/p99 of placing an order and of a kiosk charge, orders/s,
//! and the database checked afterwards (no slot overbooked, no portions
//! oversold, the ledger balanced) — measured by the engine's release example
//! `dining_bench` (SQLite; about 4 minutes, 3 of them the rush itself).

use anyhow::Result;

use super::{Ctx, Figure};

pub fn run(ctx: &mut Ctx) -> Result<Vec<Figure>> {
    super::example::run(
        ctx,
        "dining_bench",
        &[
            "ms", "%", "orders", "orders/s", "sales", "ops", "slots", "dishes",
        ],
    )
}
