//! The Tauri host: commands over IPC to the native side, which keeps the
//! tokens (the UI never sees them) and talks to the backend.
//!
//! The contract with `src-tauri` (every command takes one JSON object):
//!
//! | command       | args                                   | answer        |
//! |---------------|----------------------------------------|---------------|
//! | `login`       | `{"req": LoginRequest}`                | `Me`          |
//! | `logout`      | `{}`                                   | `null`        |
//! | `current_user`| `{}`                                   | `Me \| null`  |
//! | `api_call`    | `{"method", "path", "body": json\|null}` | json        |
//! | `enqueue`     | `{"name", "payload"}`                  | command id    |
//! | `sync_now`    | `{}`                                   | `SyncReport`  |
//! | `sync_status` | `{}`                                   | `SyncStatus`  |
//! | `pending_actions` | `{}`                               | `PendingAction[]` |
//! | `dismiss_rejected` | `{"seq"}`                         | `bool`        |
//! | `synced_rows` | `{"filter": {"scope"?, "entity"?}}`    | row JSON[]    |
//! | `read_card`   | `{"waitSecs"}`                         | card id (hex) |
//! | `pay_code`    | `{}`                                   | pay code text |
//! | `kiosk_charge` | `{"charge"}`                          | `ChargeOutcome` (online, or offline) |
//! | `offline_allowance` | `{}`                             | `OfflineAllowance` |
//!
//! `path` is under `/api/v1` (e.g. `/me/lang`); `method` is `GET`, `POST`,
//! `PUT` or `DELETE`. Every command rejects with an `ApiErrorBody`; a network
//! failure is code `unavailable`.
//!
//! Offline-first parts: writes that sync (`notifications.mark_read`,
//! `accounts.set_lang`, `cards.report_lost`) go through `enqueue`, and
//! notifications, cards and the last known balance are read from
//! `synced_rows` — the server's rows with this device's queued commands
//! applied on top — so both work with no network and show a change at once.

use houqin_shared::accounts::{LoginRequest, Me};
use houqin_shared::notifications::{Notification, NotificationList};
use houqin_shared::payments::{Card, WalletSummary};
use houqin_shared::sync::{NamedCommand, entity, scope};
use houqin_shared::{ApiErrorBody, ErrorCode};
use serde::Serialize;
use serde_json::{Value, json};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{ApiError, Method, PendingAction, SyncStatus, decode, encode, sync_changed};

/// As many notifications as the server's own list shows.
const NOTIFICATIONS_SHOWN: usize = 100;

const BRIDGE: &str = "__TAURI_INTERNALS__";

fn bridge() -> Option<JsValue> {
    let window = web_sys::window()?;
    let bridge = js_sys::Reflect::get(&window, &JsValue::from_str(BRIDGE)).ok()?;
    (!bridge.is_undefined() && !bridge.is_null()).then_some(bridge)
}

/// Whether the page runs inside the Tauri app.
pub(super) fn available() -> bool {
    bridge().is_some()
}

pub(super) async fn login(req: LoginRequest) -> Result<Me, ApiError> {
    decode(invoke("login", json!({ "req": encode(&req)? })).await?)
}

pub(super) async fn logout() -> Result<(), ApiError> {
    decode(invoke("logout", json!({})).await?)
}

pub(super) async fn current_user() -> Result<Option<Me>, ApiError> {
    decode(invoke("current_user", json!({})).await?)
}

pub(super) async fn api_call(
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, ApiError> {
    let args = json!({ "method": method.as_str(), "path": path, "body": body });
    invoke("api_call", args).await
}

/// Queues `command` in the engine's outbox, which applies its effect to the
/// local view at once and sends it when it can.
pub(super) async fn enqueue<C: NamedCommand + Serialize>(command: &C) -> Result<(), ApiError> {
    let args = json!({ "name": C::NAME, "payload": encode(command)? });
    let queued = invoke("enqueue", args).await.map(drop);
    sync_changed();
    queued
}

pub(super) async fn sync_status() -> Result<SyncStatus, ApiError> {
    decode(invoke("sync_status", json!({})).await?)
}

pub(super) async fn pending_actions() -> Result<Vec<PendingAction>, ApiError> {
    decode(invoke("pending_actions", json!({})).await?)
}

pub(super) async fn dismiss_rejected(seq: u64) -> Result<bool, ApiError> {
    decode(invoke("dismiss_rejected", json!({ "seq": seq })).await?)
}

/// One sync now; what it did is not the UI's concern (the status says).
pub(super) async fn sync_now() -> Result<(), ApiError> {
    invoke("sync_now", json!({})).await.map(drop)
}

/// A fresh pay code, signed by the engine with this device's key.
pub(super) async fn pay_code() -> Result<String, ApiError> {
    decode(invoke("pay_code", json!({})).await?)
}

/// A sale at the kiosk: the engine charges online, or offline when the server is out of reach.
pub(super) async fn kiosk_charge(
    charge: &houqin_shared::payments::Charge,
) -> Result<houqin_shared::payments::ChargeOutcome, ApiError> {
    decode(invoke("kiosk_charge", json!({ "charge": charge })).await?)
}

/// What this kiosk may still sell offline.
pub(super) async fn offline_allowance() -> Result<houqin_shared::kiosk::OfflineAllowance, ApiError>
{
    decode(invoke("offline_allowance", json!({})).await?)
}

/// Keeps a photo on the device for upload and sends it now if it can;
/// answers its hash and whether the server has it.
pub(super) async fn add_photo(bytes: &[u8]) -> Result<(String, bool), ApiError> {
    #[derive(serde::Deserialize)]
    struct Added {
        sha256: String,
        uploaded: bool,
    }
    let data = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
    let added: Added = decode(invoke("add_photo", json!({ "data": data })).await?)?;
    Ok((added.sha256, added.uploaded))
}

/// A photo as a `data:` URL (the device's copy, else the server's).
pub(super) async fn photo(hash: &str) -> Result<String, ApiError> {
    decode(invoke("photo", json!({ "sha256": hash })).await?)
}

/// Waits for a card on the kiosk's reader and answers its authenticated id.
pub(super) async fn read_card(wait_secs: u64) -> Result<String, ApiError> {
    decode(invoke("read_card", json!({ "waitSecs": wait_secs })).await?)
}

async fn synced_rows(scope: &str, entity: &str) -> Result<Vec<Value>, ApiError> {
    let filter = json!({ "scope": scope, "entity": entity });
    decode(invoke("synced_rows", json!({ "filter": filter })).await?)
}

/// The signed-in user's notifications from the engine's view. Right after a
/// user signs in on this device their scope may not have been pulled yet (no
/// profile row): then this syncs once first, and says so if it cannot.
pub(super) async fn notifications() -> Result<NotificationList, ApiError> {
    let me: Option<Me> = current_user().await?;
    let Some(me) = me else {
        return Err(ApiError::from_code(
            ErrorCode::Unauthenticated,
            "not signed in",
        ));
    };
    let scope = scope::user(me.id.0);
    // The profile first: it arrives with the scope's first pull, so once it is
    // here the scope has been pulled. (Reading the notifications first could
    // find none, then a pull could land before the profile is read.)
    if synced_rows(&scope, entity::PROFILE).await?.is_empty() {
        sync_now().await?;
        sync_changed();
    }
    let rows = synced_rows(&scope, entity::NOTIFICATION).await?;
    Ok(notification_list(rows))
}

/// The signed-in person's balance and cards from the engine's view (the last
/// sync, with this device's queued changes on top).
pub(super) async fn saved_wallet() -> Result<(Option<WalletSummary>, Vec<Card>), ApiError> {
    let me: Option<Me> = current_user().await?;
    let Some(me) = me else {
        return Err(ApiError::from_code(
            ErrorCode::Unauthenticated,
            "not signed in",
        ));
    };
    let scope = scope::user(me.id.0);
    let summary = synced_rows(&scope, entity::WALLET)
        .await?
        .into_iter()
        .find_map(|row| serde_json::from_value(row).ok());
    let mut cards: Vec<Card> = synced_rows(&scope, entity::CARD)
        .await?
        .into_iter()
        .filter_map(|row| serde_json::from_value(row).ok())
        .collect();
    cards.sort_by_key(|c| std::cmp::Reverse(c.issued_at));
    Ok((summary, cards))
}

/// A canteen's menu for a day from the engine's view of `menu:{campus}`
/// (what the last sync brought, with this device's queued orders on top).
pub(super) async fn saved_menu(
    canteen: houqin_shared::ids::CanteenId,
    day: chrono::NaiveDate,
) -> Result<houqin_shared::dining::MenuView, ApiError> {
    use houqin_shared::dining::{MenuDish, MenuView, Portions, SlotLoad};
    let me: Option<Me> = current_user().await?;
    let Some(me) = me else {
        return Err(ApiError::from_code(
            ErrorCode::Unauthenticated,
            "not signed in",
        ));
    };
    let menu = scope::menu(me.campus_id.0);
    let dishes: Vec<MenuDish> = synced_rows(&menu, entity::DISH)
        .await?
        .into_iter()
        .filter_map(|row| serde_json::from_value::<MenuDish>(row).ok())
        .filter(|d| d.canteen_id == canteen)
        .collect();
    let windows: std::collections::HashSet<_> = dishes.iter().map(|d| d.window_id).collect();
    let portions = synced_rows(&menu, entity::PORTIONS)
        .await?
        .into_iter()
        .filter_map(|row| serde_json::from_value::<Portions>(row).ok())
        .filter(|p| p.day == day && windows.contains(&p.window_id))
        .collect();
    let slots = synced_rows(&menu, entity::SLOT)
        .await?
        .into_iter()
        .filter_map(|row| serde_json::from_value::<SlotLoad>(row).ok())
        .filter(|s| windows.contains(&s.window_id))
        .collect();
    Ok(MenuView {
        dishes,
        portions,
        slots,
        // The synced copy does not know the calendar: the server decides.
        open_periods: Vec::new(),
    })
}

/// Work orders from the engine's view: the user's own (reported, or
/// theirs to do) and their zones' (the pool), newest first; and the parts store.
pub(super) async fn saved_repairs() -> Result<
    (
        Vec<houqin_shared::repairs::WorkOrder>,
        Vec<houqin_shared::repairs::Part>,
    ),
    ApiError,
> {
    let me: Option<Me> = current_user().await?;
    let Some(me) = me else {
        return Err(ApiError::from_code(
            ErrorCode::Unauthenticated,
            "not signed in",
        ));
    };
    let mut scopes = vec![scope::user(me.id.0)];
    for s in &me.scopes {
        if let houqin_shared::accounts::Scope::Zone(z) = s {
            scopes.push(scope::zone(*z));
        }
    }
    let mut jobs: Vec<houqin_shared::repairs::WorkOrder> = Vec::new();
    for sc in scopes {
        for row in synced_rows(&sc, entity::WORK_ORDER).await? {
            if let Ok(w) = serde_json::from_value::<houqin_shared::repairs::WorkOrder>(row)
                && !jobs.iter().any(|j| j.id == w.id)
            {
                jobs.push(w);
            }
        }
    }
    jobs.sort_by_key(|w| std::cmp::Reverse(w.created_at));
    let parts = synced_rows(&scope::repairs(me.campus_id.0), entity::PART)
        .await?
        .into_iter()
        .filter_map(|row| serde_json::from_value(row).ok())
        .collect();
    Ok((jobs, parts))
}

/// The signed-in person's orders from the engine's view, newest first.
pub(super) async fn saved_orders() -> Result<Vec<houqin_shared::dining::Order>, ApiError> {
    let me: Option<Me> = current_user().await?;
    let Some(me) = me else {
        return Err(ApiError::from_code(
            ErrorCode::Unauthenticated,
            "not signed in",
        ));
    };
    let mut orders: Vec<houqin_shared::dining::Order> =
        synced_rows(&scope::user(me.id.0), entity::ORDER)
            .await?
            .into_iter()
            .filter_map(|row| serde_json::from_value(row).ok())
            .collect();
    orders.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
    Ok(orders)
}

/// Rows as the server's list: newest first, at most [`NOTIFICATIONS_SHOWN`],
/// with every unread one counted. A row this version cannot read is left out
/// rather than hiding the others.
fn notification_list(rows: Vec<Value>) -> NotificationList {
    let mut items: Vec<Notification> = rows
        .into_iter()
        .filter_map(|row| serde_json::from_value(row).ok())
        .collect();
    let unread = items.iter().filter(|n| n.read_at.is_none()).count();
    items.sort_by_key(|n| std::cmp::Reverse((n.created_at, n.id.0)));
    items.truncate(NOTIFICATIONS_SHOWN);
    NotificationList {
        items,
        unread: u32::try_from(unread).unwrap_or(u32::MAX),
    }
}

/// `window.__TAURI_INTERNALS__.invoke(cmd, args)`, which returns a Promise.
async fn invoke(command: &str, args: Value) -> Result<Value, ApiError> {
    let bridge = bridge().ok_or(ApiError::Network)?;
    let invoke: js_sys::Function = js_sys::Reflect::get(&bridge, &JsValue::from_str("invoke"))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| ApiError::Decode("the Tauri bridge has no invoke".to_owned()))?;
    let js_args = js_sys::JSON::parse(&args.to_string()).map_err(|e| rejection(&e))?;
    let promise: js_sys::Promise = invoke
        .call2(&bridge, &JsValue::from_str(command), &js_args)
        .map_err(|e| rejection(&e))?
        .dyn_into()
        .map_err(|_| ApiError::Decode("invoke did not return a Promise".to_owned()))?;
    match JsFuture::from(promise).await {
        Ok(value) => to_json(&value),
        Err(e) => Err(rejection(&e)),
    }
}

fn to_json(value: &JsValue) -> Result<Value, ApiError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    let text = js_sys::JSON::stringify(value)
        .map_err(|e| ApiError::Decode(format!("{e:?}")))?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| ApiError::Decode(e.to_string()))
}

/// The native side rejects with an `ApiErrorBody`; Tauri itself rejects with a
/// string (e.g. an unknown command), which is not ours to interpret.
fn rejection(error: &JsValue) -> ApiError {
    let text = match error.as_string() {
        Some(text) => text,
        None => match to_json(error) {
            Ok(json) => json.to_string(),
            Err(e) => return e,
        },
    };
    parse_rejection(&text)
}

fn parse_rejection(text: &str) -> ApiError {
    match serde_json::from_str::<ApiErrorBody>(text) {
        Ok(body) => ApiError::Server(body),
        Err(_) => ApiError::Decode(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: &str, at: &str, read: bool) -> Value {
        json!({
            "id": id,
            "service": null,
            "title": {"zh": "你好", "en": "Hello"},
            "body": {"zh": "正文", "en": "Body"},
            "link": null,
            "created_at": at,
            "read_at": if read { json!("2026-03-02T00:00:00Z") } else { Value::Null },
        })
    }

    #[test]
    fn synced_rows_become_the_servers_list() {
        let a = "0190a1b2-0000-7000-8000-00000000000a";
        let b = "0190a1b2-0000-7000-8000-00000000000b";
        let c = "0190a1b2-0000-7000-8000-00000000000c";
        // The engine orders rows by id (oldest first); the list is newest first.
        let list = notification_list(vec![
            note(a, "2026-03-01T08:00:00Z", true),
            note(b, "2026-03-01T09:00:00Z", false),
            json!({"id": "not a notification"}),
            note(c, "2026-03-01T09:00:00Z", false),
        ]);
        let ids: Vec<String> = list.items.iter().map(|n| n.id.0.to_string()).collect();
        assert_eq!(ids, [c, b, a]);
        assert_eq!(list.unread, 2);

        let many = (0..150)
            .map(|i| {
                let id = format!("0190a1b2-0000-7000-8000-{i:012}");
                note(&id, "2026-03-01T08:00:00Z", i % 2 == 0)
            })
            .collect();
        let list = notification_list(many);
        assert_eq!(list.items.len(), NOTIFICATIONS_SHOWN);
        assert_eq!(list.unread, 75, "every unread row counts, shown or not");
    }

    #[test]
    fn rejections_are_error_bodies() {
        let e = parse_rejection(r#"{"code":"unavailable","message":"offline"}"#);
        assert!(e.is_unreachable());
        let e = parse_rejection(r#"{"code":"session_expired","message":"m"}"#);
        assert_eq!(e.code(), Some(ErrorCode::SessionExpired));
        assert!(matches!(
            parse_rejection("command not found"),
            ApiError::Decode(_)
        ));
    }
}
