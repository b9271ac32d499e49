//! Each command's local side, in one place: the shape check before it is
//! queued, and its optimistic effect on the view, one function per command.
//!
//! A command unknown to this build still queues (a newer screen may send it,
//! the server decides) but has no optimistic effect.
//!
//! Invariant: an effect only writes through [`View`] (the overlay), and it is
//! deterministic from the view and the command, so a rebase that re-applies
//! it after new server rows gives the same answer as a server that applied it.
//! Effects are idempotent, because an accepted command is re-applied on top of
//! rows that may already show it.

use chrono::{DateTime, Utc};
use houqin_shared::accounts::SetLangRequest;
use houqin_shared::dining::{
    CancelOrder, MenuDish, Order, OrderLine, OrderSource, OrderStatus, PlaceOrder, Portions,
    portions_id,
};
use houqin_shared::error::FieldError;
use houqin_shared::ids::UserId;
use houqin_shared::kiosk::OfflineSale;
use houqin_shared::notifications::MarkRead;
use houqin_shared::payments::{CardStatus, ReportCardLost};
use houqin_shared::sync::{NamedCommand, scope};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::mirror::View;
use crate::store::StoreError;

pub use houqin_shared::sync::entity::{CARD, DISH, NOTIFICATION, ORDER, PORTIONS, PROFILE};

/// The server refuses a push with a longer name as a whole (422), which would
/// wedge the queue; so the engine refuses it before queueing.
pub const NAME_MAX: usize = 64;
/// A bigger payload could not fit a push under the server's body limit.
pub const PAYLOAD_MAX_BYTES: usize = 64 * 1024;

/// Checks a command before it is queued. Known commands must have their
/// payload's shape and pass their shared rules; unknown ones only a sane
/// name and size.
pub(crate) fn validate(name: &str, payload: &Value) -> Result<(), FieldError> {
    let sane = name.len() <= NAME_MAX
        && name.split('.').count() >= 2
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        });
    if !sane {
        return Err(FieldError::new(
            "name",
            "must be like `service.action`: lowercase letters, digits and '_', at most 64 characters",
        ));
    }
    let size = serde_json::to_string(payload)
        .map(|s| s.len())
        .unwrap_or(usize::MAX);
    if size > PAYLOAD_MAX_BYTES {
        return Err(FieldError::new("payload", "is too large (at most 64 KiB)"));
    }
    match name {
        MarkRead::NAME => parse::<MarkRead>(payload)?.validate(),
        SetLangRequest::NAME => parse::<SetLangRequest>(payload).map(drop),
        ReportCardLost::NAME => parse::<ReportCardLost>(payload).map(drop),
        PlaceOrder::NAME => parse::<PlaceOrder>(payload)?.validate(),
        CancelOrder::NAME => parse::<CancelOrder>(payload).map(drop),
        OfflineSale::NAME => parse::<OfflineSale>(payload)?.validate(),
        _ => Ok(()),
    }
}

/// What an effect knows about the queued command besides its payload.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Queued {
    pub user_id: UserId,
    /// The device's clock when queued: stands in for the server's time until
    /// the server's rows arrive.
    pub created_at: DateTime<Utc>,
}

/// Applies the command's optimistic effect to the view.
pub(crate) fn apply(
    view: &View<'_>,
    name: &str,
    payload: &Value,
    cmd: Queued,
) -> Result<(), StoreError> {
    match name {
        MarkRead::NAME => match parse(payload) {
            Ok(p) => mark_read(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        SetLangRequest::NAME => match parse(payload) {
            Ok(p) => set_lang(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        ReportCardLost::NAME => match parse(payload) {
            Ok(p) => report_lost(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        PlaceOrder::NAME => match parse(payload) {
            Ok(p) => place_order(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        CancelOrder::NAME => match parse(payload) {
            Ok(p) => cancel_order(view, cmd, p),
            Err(error) => skip(name, &error),
        },
        _ => Ok(()),
    }
}

fn to_value<T: serde::Serialize>(what: &'static str, v: &T) -> Result<Value, StoreError> {
    serde_json::to_value(v).map_err(|source| StoreError::EncodeJson { what, source })
}

fn from_value<T: DeserializeOwned>(v: Value) -> Option<T> {
    serde_json::from_value(v).ok()
}

/// `dining.place_order`: the order shows at once as placed (its number
/// comes from the server), and the dishes' portions left go down — as far
/// as this device knows; the server decides.
fn place_order(view: &View<'_>, cmd: Queued, p: PlaceOrder) -> Result<(), StoreError> {
    let user_scope = scope::user(cmd.user_id.0);
    if view.get(&user_scope, ORDER, p.id.0)?.is_some() {
        // Re-applied after the server's row arrived: the server's row stands.
        return Ok(());
    }
    let Some(me) = view
        .get(&user_scope, PROFILE, cmd.user_id.0)?
        .and_then(from_value::<houqin_shared::accounts::Me>)
    else {
        return Ok(());
    };
    let menu = scope::menu(me.campus_id.0);
    let mut lines = Vec::new();
    let mut total = 0;
    let mut canteen = None;
    for l in &p.lines {
        let Some(dish) = view
            .get(&menu, DISH, l.dish_id.0)?
            .and_then(from_value::<MenuDish>)
        else {
            continue;
        };
        canteen = Some(dish.canteen_id);
        total += dish.price * i64::from(l.quantity);
        lines.push(OrderLine {
            dish_id: dish.id,
            name: dish.name.clone(),
            quantity: l.quantity,
            price: dish.price,
        });
        let pid = portions_id(l.dish_id, p.day, p.period);
        if let Some(mut portions) = view
            .get(&menu, PORTIONS, pid)?
            .and_then(from_value::<Portions>)
        {
            portions.left = portions.left.saturating_sub(l.quantity);
            view.put(&menu, PORTIONS, pid, &to_value("portions", &portions)?)?;
        }
    }
    let Some(canteen_id) = canteen else {
        return Ok(());
    };
    if p.takeout.is_some() {
        total += houqin_shared::dining::TAKEOUT_FEE;
    }
    let order = Order {
        id: p.id,
        user_id: Some(cmd.user_id),
        canteen_id,
        window_id: p.window_id,
        source: OrderSource::App,
        day: p.day,
        period: p.period,
        slot: p.slot,
        lines,
        total,
        takeout: p.takeout,
        status: OrderStatus::Placed,
        number: String::new(),
        ready_at: None,
        placed_at: cmd.created_at,
        updated_at: cmd.created_at,
    };
    view.put(&user_scope, ORDER, p.id.0, &to_value("an order", &order)?)
}

/// `dining.cancel_order`: the order shows cancelled at once if the window
/// had not started on it (as far as this device knows).
fn cancel_order(view: &View<'_>, cmd: Queued, p: CancelOrder) -> Result<(), StoreError> {
    let user_scope = scope::user(cmd.user_id.0);
    let Some(mut order) = view
        .get(&user_scope, ORDER, p.order_id.0)?
        .and_then(from_value::<Order>)
    else {
        return Ok(());
    };
    if order.status == OrderStatus::Placed {
        order.status = OrderStatus::Cancelled;
        order.updated_at = cmd.created_at;
        view.put(
            &user_scope,
            ORDER,
            p.order_id.0,
            &to_value("an order", &order)?,
        )?;
    }
    Ok(())
}

/// `notifications.mark_read`: the user's listed notifications (all, when the
/// list is empty) read as of the command's time. Others' ids are ignored, as
/// the server does.
fn mark_read(view: &View<'_>, cmd: Queued, p: MarkRead) -> Result<(), StoreError> {
    let scope = scope::user(cmd.user_id.0);
    let targets = if p.ids.is_empty() {
        view.list(&scope, NOTIFICATION)?
    } else {
        let mut found = Vec::new();
        for id in p.ids {
            if let Some(data) = view.get(&scope, NOTIFICATION, id.0)? {
                found.push((id.0, data));
            }
        }
        found
    };
    let read_at =
        serde_json::to_value(cmd.created_at).map_err(|source| StoreError::EncodeJson {
            what: "a timestamp",
            source,
        })?;
    for (id, mut data) in targets {
        let Some(fields) = data.as_object_mut() else {
            continue;
        };
        if fields.get("read_at").is_none_or(Value::is_null) {
            fields.insert("read_at".into(), read_at.clone());
            view.put(&scope, NOTIFICATION, id, &data)?;
        }
    }
    Ok(())
}

/// `accounts.set_lang`: the user's profile in the new language.
fn set_lang(view: &View<'_>, cmd: Queued, p: SetLangRequest) -> Result<(), StoreError> {
    let scope = scope::user(cmd.user_id.0);
    let Some(mut profile) = view.get(&scope, PROFILE, cmd.user_id.0)? else {
        // Not pulled yet: the server's row will bring the new language.
        return Ok(());
    };
    if let Some(fields) = profile.as_object_mut() {
        fields.insert("lang".into(), Value::String(p.lang.as_str().to_owned()));
        view.put(&scope, PROFILE, cmd.user_id.0, &profile)?;
    }
    Ok(())
}

/// `cards.report_lost`: the user's own active card shows frozen at once (a
/// replaced card stays replaced, as on the server).
fn report_lost(view: &View<'_>, cmd: Queued, p: ReportCardLost) -> Result<(), StoreError> {
    let scope = scope::user(cmd.user_id.0);
    let Some(mut card) = view.get(&scope, CARD, p.card_id.0)? else {
        return Ok(());
    };
    let active = Value::String(CardStatus::Active.slug().to_owned());
    if let Some(fields) = card.as_object_mut()
        && fields.get("status") == Some(&active)
    {
        fields.insert(
            "status".into(),
            Value::String(CardStatus::Frozen.slug().to_owned()),
        );
        view.put(&scope, CARD, p.card_id.0, &card)?;
    }
    Ok(())
}

fn parse<T: DeserializeOwned>(payload: &Value) -> Result<T, FieldError> {
    T::deserialize(payload).map_err(|e| FieldError::new("payload", e.to_string()))
}

/// A queued payload this build cannot read (queued by another version): it
/// still goes to the server, which decides; it just has no local effect.
fn skip(name: &str, error: &FieldError) -> Result<(), StoreError> {
    tracing::warn!(name, error = %error.message, "queued command has no local effect");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_may_be_queued() {
        let ok = [
            ("notifications.mark_read", json!({"ids": []})),
            (
                "notifications.mark_read",
                json!({"ids": ["0190a1b2-0000-7000-8000-000000000001"]}),
            ),
            ("accounts.set_lang", json!({"lang": "en"})),
            ("accounts.set_lang", json!({"lang": "zh-CN"})),
            (
                "cards.report_lost",
                json!({"card_id": "0190a1b2-0000-7000-8000-000000000001"}),
            ),
            // Unknown to this build: queued for the server to judge.
            ("repairs.open_ticket", json!({"anything": 1})),
            ("a.b_2.c", json!(null)),
        ];
        for (name, payload) in ok {
            assert_eq!(validate(name, &payload), Ok(()), "{name} {payload}");
        }
        let long = format!("x.{}", "y".repeat(NAME_MAX));
        let bad = [
            ("accounts.set_lang", json!({"lang": "fr"}), "payload"),
            ("accounts.set_lang", json!({}), "payload"),
            (
                "notifications.mark_read",
                json!({"ids": ["not-a-uuid"]}),
                "payload",
            ),
            ("notifications.mark_read", json!([1]), "payload"),
            ("cards.report_lost", json!({"card_id": 7}), "payload"),
            ("", json!({}), "name"),
            ("noservice", json!({}), "name"),
            ("Accounts.SetLang", json!({}), "name"),
            ("a..b", json!({}), "name"),
            ("a.b c", json!({}), "name"),
            (long.as_str(), json!({}), "name"),
            (
                "x.y",
                json!({"blob": "z".repeat(PAYLOAD_MAX_BYTES)}),
                "payload",
            ),
        ];
        for (name, payload, field) in bad {
            let err = validate(name, &payload).unwrap_err();
            assert_eq!(err.field, field, "{name}");
            assert!(!err.message.is_empty());
        }
    }
}
