//! The one trait every service implements for its writes, and the registry.
//!
//! Invariant: a domain rule runs in exactly one place, `Command::apply`; REST
//! handlers call `execute`, pushed commands go through `dispatch`.

use std::future::Future;

use chrono::{DateTime, Utc};
use houqin_shared::accounts::Role;
use houqin_shared::error::FieldError;
use houqin_shared::sync::NamedCommand;
use sea_orm::DatabaseTransaction;
use serde::de::DeserializeOwned;

use super::changes::{self, Changes};
use crate::authz::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What a command runs with: its transaction, the acting user, the time, and
/// the synced rows it changes.
pub struct Ctx<'a> {
    pub tx: &'a DatabaseTransaction,
    pub actor: &'a Principal,
    pub now: DateTime<Utc>,
    pub changes: Changes,
    /// The pushing device's client id (`None` for a REST write).
    pub client: Option<uuid::Uuid>,
}

pub trait Command: NamedCommand + DeserializeOwned + Send + Sync + Sized + 'static {
    /// Whether the acting user's roles allow it (checked per command, also at push).
    fn allowed(roles: &[Role]) -> bool;
    /// Shape rules; the shared crate's validation.
    fn validate(&self) -> Result<(), FieldError>;
    /// The domain rule. A business refusal is an `ApiError` other than `Db`/`Internal`;
    /// it rolls back what the command wrote.
    fn apply(self, ctx: &mut Ctx<'_>) -> impl Future<Output = ApiResult<()>> + Send;
}

/// Runs a command for a REST write: its own transaction, committed with its changes.
pub async fn execute<C: Command>(state: &AppState, actor: &Principal, cmd: C) -> ApiResult<()> {
    if !C::allowed(&actor.roles) {
        return Err(ApiError::Forbidden);
    }
    cmd.validate()?;
    let tx = state.db.write().await?;
    let now = state.clock.now();
    let mut ctx = Ctx {
        tx: &tx,
        actor,
        now,
        changes: Changes::default(),
        client: None,
    };
    cmd.apply(&mut ctx).await?;
    let moved = changes::commit(&*tx, actor.campus_id, ctx.changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(())
}

async fn run<C: Command>(payload: serde_json::Value, ctx: &mut Ctx<'_>) -> ApiResult<()> {
    let cmd: C = serde_json::from_value(payload)
        .map_err(|e| ApiError::validation("payload", e.to_string()))?;
    if !C::allowed(&ctx.actor.roles) {
        return Err(ApiError::Forbidden);
    }
    cmd.validate()?;
    cmd.apply(ctx).await
}

/// The registry: every command a client may push, by name.
pub async fn dispatch(name: &str, payload: serde_json::Value, ctx: &mut Ctx<'_>) -> ApiResult<()> {
    use houqin_shared::accounts::SetLangRequest;
    use houqin_shared::dining::{CancelOrder, PlaceOrder};
    use houqin_shared::kiosk::OfflineSale;
    use houqin_shared::notifications::MarkRead;
    use houqin_shared::payments::ReportCardLost;
    use houqin_shared::repairs::{Claim, Follow, Reassign, Report, Review, TakeStep, UsePart};
    match name {
        MarkRead::NAME => run::<MarkRead>(payload, ctx).await,
        SetLangRequest::NAME => run::<SetLangRequest>(payload, ctx).await,
        ReportCardLost::NAME => run::<ReportCardLost>(payload, ctx).await,
        OfflineSale::NAME => run::<OfflineSale>(payload, ctx).await,
        PlaceOrder::NAME => run::<PlaceOrder>(payload, ctx).await,
        CancelOrder::NAME => run::<CancelOrder>(payload, ctx).await,
        Report::NAME => run::<Report>(payload, ctx).await,
        TakeStep::NAME => run::<TakeStep>(payload, ctx).await,
        UsePart::NAME => run::<UsePart>(payload, ctx).await,
        Claim::NAME => run::<Claim>(payload, ctx).await,
        Reassign::NAME => run::<Reassign>(payload, ctx).await,
        Review::NAME => run::<Review>(payload, ctx).await,
        Follow::NAME => run::<Follow>(payload, ctx).await,
        _ => Err(ApiError::validation(
            "name",
            format!("unknown command {name:?}"),
        )),
    }
}

/// Brings a payload of the previous schema version up to the current one.
pub fn upcast(
    name: &str,
    schema_version: u32,
    payload: serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    use houqin_shared::sync::SCHEMA_VERSION;
    match schema_version {
        v if v == SCHEMA_VERSION => Ok(payload),
        // Version 0 payloads had the same shape for every command that existed then.
        v if v + 1 == SCHEMA_VERSION => Ok(payload),
        v => Err(ApiError::validation(
            "schema_version",
            format!("{name}: schema version {v} is not supported"),
        )),
    }
}
