//! Live pokes: `GET /sync/events` is a server-sent event stream telling a client
//! which of its scopes changed, so it pulls at once. Data only flows by pull.
//!
//! A browser's EventSource cannot send an `Authorization` header, so the stream
//! opens with a ticket from `POST /sync/events/ticket`: valid for 60 seconds,
//! signed with a key of its own so it is never an access token, and only ever
//! in a query string our request logs leave out (they log the path alone).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use houqin_shared::ApiErrorBody;
use serde::Deserialize;
use utoipa::IntoParams;

use super::scopes;
use crate::accounts::tokens::{AccessClaims, TokenError};
use crate::authz::{Principal, load_principal};
use crate::entities::sessions;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::state::AppState;
use sea_orm::EntityTrait;

pub const TICKET_TTL_SECS: i64 = 60;

pub use houqin_shared::sync::{EventTicket, Poke};

/// A ticket that opens this session's event stream for the next minute.
#[utoipa::path(post, path = "/sync/events/ticket", tag = "sync",
    responses((status = 200, body = EventTicket), (status = 401, body = ApiErrorBody)))]
pub async fn ticket(State(state): State<AppState>, p: Principal) -> Json<EventTicket> {
    let expires_at = state.clock.now() + chrono::Duration::seconds(TICKET_TTL_SECS);
    let ticket = state.keys.sign_ticket(&AccessClaims {
        sid: p.session_id,
        uid: p.user_id,
        exp: expires_at.timestamp(),
    });
    Json(EventTicket { ticket, expires_at })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// From `POST /sync/events/ticket`.
    pub ticket: String,
}

/// Server-sent events: `poke` with the changed scopes (one at connect, so a
/// client that missed pokes while away pulls at once), and keep-alives.
#[utoipa::path(get, path = "/sync/events", tag = "sync", security(()), params(EventsQuery),
    responses((status = 200, description = "text/event-stream of `poke` events", content_type = "text/event-stream"),
        (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    if q.ticket.len() > 512 {
        return Err(ApiError::validation("ticket", "too long"));
    }
    let claims = state
        .keys
        .verify_ticket(&q.ticket, state.clock.now())
        .map_err(|e| match e {
            TokenError::Expired => ApiError::SessionExpired,
            _ => ApiError::Unauthenticated,
        })?;
    let session = sessions::Entity::find_by_id(claims.sid)
        .one(&state.db.conn)
        .await?;
    if !session.is_some_and(|s| s.revoked_at.is_none() && s.user_id == claims.uid) {
        return Err(ApiError::Unauthenticated);
    }
    let p = load_principal(&state, claims.uid, claims.sid).await?;
    let mine = scopes::authorized(&p);
    let rx = state.pokes.subscribe();
    let hello = Poke {
        scopes: mine.clone(),
    };
    let first = futures::stream::once(async move { Ok(event(&hello)) });
    let rest = futures::stream::unfold((rx, mine), |(mut rx, mine)| async move {
        loop {
            match rx.recv().await {
                Ok(changed) => {
                    let scopes: Vec<String> = changed
                        .iter()
                        .filter(|s| mine.contains(s))
                        .cloned()
                        .collect();
                    if !scopes.is_empty() {
                        return Some((Ok(event(&Poke { scopes })), (rx, mine)));
                    }
                }
                // Fell behind: tell the client to pull everything.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let all = Poke {
                        scopes: mine.clone(),
                    };
                    return Some((Ok(event(&all)), (rx, mine)));
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    use futures::StreamExt;
    Ok(Sse::new(first.chain(rest)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn event(poke: &Poke) -> Event {
    Event::default()
        .event("poke")
        .data(serde_json::to_string(poke).unwrap_or_default())
}
