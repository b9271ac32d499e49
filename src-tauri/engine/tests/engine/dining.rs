//! Ordering from a phone with no network: the order shows at once (placed,
//! pending; the dish's portions go down on the device), and when it reaches
//! the server after someone else bought the last portion it is rejected
//! with the reason, and its effect leaves the view.

use houqin_engine::{ActionState, RowFilter};
use houqin_shared::calendar::MealPeriod;
use houqin_shared::dining::{PlaceOrder, period_slots};
use houqin_shared::ids::{DishId, OrderId, WindowId};
use houqin_shared::kiosk::campus_day;
use houqin_shared::sync::{NamedCommand, scope};
use serde_json::{Value, json};

use super::harness::Backend;
use super::{login_as, open};

fn rows(engine: &houqin_engine::Engine, scope: &str, entity: &str) -> Vec<Value> {
    engine
        .rows(&RowFilter {
            scope: Some(scope.to_owned()),
            entity: Some(entity.into()),
        })
        .expect("rows")
}

#[tokio::test]
async fn an_order_placed_offline_for_a_dish_sold_out_meanwhile_is_rejected_with_the_reason() {
    let backend = Backend::start().await;
    let url = backend.url();
    let (a_dir, b_dir, c_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let phone = open(a_dir.path(), &url);
    let me = phone
        .login(login_as("student", "demo"))
        .await
        .expect("login");
    let other = open(b_dir.path(), &url);
    other
        .login(login_as("s202600001", "demo"))
        .await
        .expect("login");
    let kiosk = open(c_dir.path(), &url);
    kiosk
        .login(login_as("cashier", "demo"))
        .await
        .expect("login");

    // Tomorrow's lunch: there are slots whenever the test runs.
    let tomorrow = campus_day(chrono::Utc::now()).succ_opt().expect("a day");
    let slot = period_slots(tomorrow, MealPeriod::Lunch)[0];
    let canteens = phone
        .call("GET", "/directory/canteens", None)
        .await
        .expect("canteens");
    let canteen = canteens[0]["id"].as_str().expect("id").to_string();
    let menu = phone
        .call(
            "GET",
            &format!("/dining/canteens/{canteen}/menu?day={tomorrow}"),
            None,
        )
        .await
        .expect("menu");
    let dish = &menu["dishes"][0];
    let dish_id: DishId = serde_json::from_value(dish["id"].clone()).expect("dish id");
    let window: WindowId = serde_json::from_value(dish["window_id"].clone()).expect("window");
    // One portion left.
    kiosk
        .call(
            "PUT",
            "/dining/portions",
            Some(json!({"dish_id": dish_id, "day": tomorrow, "period": "lunch", "total": 1})),
        )
        .await
        .expect("portions");
    phone.sync_once().await.expect("sync");
    let menu_scope = scope::menu(me.campus_id.0);
    let left = |engine: &houqin_engine::Engine| {
        rows(engine, &menu_scope, "portions")
            .into_iter()
            .find(|p| {
                p["dish_id"] == json!(dish_id)
                    && p["day"] == json!(tomorrow)
                    && p["period"] == "lunch"
            })
            .map(|p| p["left"].as_u64().expect("left"))
    };
    assert_eq!(left(&phone), Some(1), "the phone knows one is left");

    // The phone orders with no network (nothing pushed yet): shown at once.
    let order = PlaceOrder {
        id: OrderId::new(),
        window_id: window,
        day: tomorrow,
        period: MealPeriod::Lunch,
        slot,
        lines: vec![houqin_shared::dining::LineRequest {
            dish_id,
            quantity: 1,
        }],
        takeout: None,
    };
    phone
        .enqueue(
            PlaceOrder::NAME,
            serde_json::to_value(&order).expect("json"),
        )
        .expect("queued");
    let mine = rows(&phone, &scope::user(me.id.0), "order");
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["status"], "placed");
    assert_eq!(left(&phone), Some(0), "the portion is taken on the phone");

    // Meanwhile someone online takes the last portion.
    let theirs = PlaceOrder {
        id: OrderId::new(),
        ..order.clone()
    };
    other
        .call(
            "POST",
            "/dining/orders",
            Some(serde_json::to_value(&theirs).expect("json")),
        )
        .await
        .expect("their order");

    // The phone's order arrives: rejected with the reason; its effect goes.
    let report = phone.sync_once().await.expect("sync");
    assert_eq!((report.accepted, report.rejected), (0, 1), "{report:?}");
    let pending = phone.pending().expect("pending");
    let refused = pending
        .iter()
        .find(|a| a.name == PlaceOrder::NAME)
        .expect("the order is listed");
    assert_eq!(refused.state, ActionState::Rejected);
    let reason = refused.reason.as_ref().expect("a reason");
    assert!(reason.message.contains("sold out"), "{reason:?}");
    assert_eq!(reason.field.as_deref(), Some("lines.0.dish_id"));
    assert!(
        rows(&phone, &scope::user(me.id.0), "order").is_empty(),
        "the refused order is no longer shown as placed"
    );
    assert_eq!(left(&phone), Some(0), "sold out, as the server says");
}
