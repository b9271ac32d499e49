//! `sync`: the sync protocol's figures on SQLite and PostgreSQL — initial sync
//! of 5,000 and 50,000 rows, pushing 10,000 queued commands, poke-to-converged
//! with 100 clients, and peak memory — measured by the engine's release example
//! `sync_bench` (the real engine and the real server in one process).
//! PostgreSQL must be running at 127.0.0.1:5432 (the README's test command starts it).

use anyhow::Result;

use super::{Ctx, Figure};

pub fn run(ctx: &mut Ctx) -> Result<Vec<Figure>> {
    super::example::run(ctx, "sync_bench", &["s", "ms", "MiB"])
}
