//! A technician completes a job offline, with an after-photo, while a
//! supervisor reassigns it online: when the tablet is back, the photo
//! uploads, the completion is accepted (the job stays with who did it, the
//! new assignee is told), the step that no longer fits is rejected with its
//! reason, and a reassignment after completion is refused.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use houqin_engine::client::HttpTransport;
use houqin_engine::{ActionState, Engine, EngineConfig, RowFilter};
use houqin_shared::repairs::{Report, Step, TakeStep};
use houqin_shared::sync::{NamedCommand, entity::WORK_ORDER, scope};
use serde_json::json;
use uuid::Uuid;

use super::attachments::Switch;
use super::harness::Backend;
use super::{login_as, open};

fn job_on(engine: &Engine, scope_name: &str, id: Uuid) -> Option<serde_json::Value> {
    engine
        .rows(&RowFilter {
            scope: Some(scope_name.to_owned()),
            entity: Some(WORK_ORDER.into()),
        })
        .expect("rows")
        .into_iter()
        .find(|w| w["id"] == id.to_string())
}

#[tokio::test]
async fn a_completion_made_offline_survives_a_reassignment_made_online() {
    let backend = Backend::start().await;
    let url = backend.url();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
    let transport = Arc::new(Switch {
        http: HttpTransport::new(&url).expect("transport"),
        down: std::sync::atomic::AtomicBool::new(false),
    });
    let tablet =
        Engine::open_with_transport(EngineConfig::new(dirs[0].path(), &url), transport.clone())
            .expect("engine");
    let tech = tablet
        .login(login_as("technician", "demo"))
        .await
        .expect("login");
    let office = open(dirs[1].path(), &url);
    office
        .login(login_as("supervisor", "demo"))
        .await
        .expect("login");
    let phone = open(dirs[2].path(), &url);
    let student = phone
        .login(login_as("student", "demo"))
        .await
        .expect("login");

    // A student reports a leak in the technician's zone (queued on the
    // phone, sent at the next sync); the supervisor gives it to them.
    let zone = tech
        .scopes
        .iter()
        .find_map(|s| match s {
            houqin_shared::accounts::Scope::Zone(z) => Some(*z),
            _ => None,
        })
        .expect("a zone");
    let buildings = tablet
        .call("GET", "/directory/buildings?limit=500", None)
        .await
        .expect("buildings");
    let building = buildings["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|b| b["zone_id"] == zone.to_string())
        .expect("a building")["id"]
        .clone();
    let id = Uuid::now_v7();
    let report = Report {
        id,
        category: houqin_shared::repairs::Category::Plumbing,
        urgency: houqin_shared::repairs::Urgency::High,
        building_id: serde_json::from_value(building).expect("building id"),
        room: Some("105".into()),
        asset_code: None,
        description: "洗手池下水管漏水".into(),
        photos: vec![],
    };
    phone
        .enqueue(Report::NAME, serde_json::to_value(&report).expect("json"))
        .expect("queued");
    let mine = job_on(&phone, &scope::user(student.id.0), id).expect("shown at once");
    assert_eq!(mine["status"], "open");
    assert_eq!(mine["number"], "", "no number until the server has it");
    phone.sync_once().await.expect("sync");
    let path = format!("/repairs/{id}/reassign");
    office
        .call(
            "POST",
            &path,
            Some(json!({"to": tech.id, "reason": "离得最近"})),
        )
        .await
        .or_else(|e| {
            // Dispatch may have chosen them already.
            if e.field.as_deref() == Some("to") {
                Ok(serde_json::Value::Null)
            } else {
                Err(e)
            }
        })
        .expect("reassigned to the technician");
    tablet.sync_once().await.expect("sync");
    let own = scope::user(tech.id.0);
    assert_eq!(
        job_on(&tablet, &own, id).expect("the job is on the tablet")["assignee_id"],
        tech.id.to_string()
    );

    // In the basement: no signal. Start, a photo of the fixed pipe, complete.
    transport.down.store(true, Ordering::SeqCst);
    let step = |s: Step| {
        serde_json::to_value(TakeStep {
            work_order_id: id,
            step: s,
        })
        .expect("json")
    };
    tablet
        .enqueue(TakeStep::NAME, step(Step::Start))
        .expect("queued");
    let mut photo = b"\xFF\xD8\xFF\xE0".to_vec();
    photo.extend((0..50_000u32).map(|i| (i * 7 % 251) as u8));
    let after = tablet.add_attachment(&photo).expect("photo kept");
    tablet
        .enqueue(
            TakeStep::NAME,
            step(Step::Complete {
                notes: "换了下水管".into(),
                minutes: 35,
                after_photos: vec![after.sha256.to_string()],
            }),
        )
        .expect("queued");
    let here = job_on(&tablet, &own, id).expect("still shown");
    assert_eq!(here["status"], "completed", "done on the tablet at once");
    assert!(tablet.sync_once().await.is_err(), "offline");

    // Meanwhile, online, the supervisor gives the job to a colleague.
    let techs = office
        .call("GET", "/repairs/technicians", None)
        .await
        .expect("technicians");
    let colleague = techs
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["user_id"] != tech.id.to_string())
        .expect("a colleague")["user_id"]
        .clone();
    office
        .call(
            "POST",
            &path,
            Some(json!({"to": colleague, "reason": "原师傅联系不上"})),
        )
        .await
        .expect("reassigned online");

    // Signal again: the photo uploads, the completion stands, the start
    // (no longer theirs to start) is rejected with the reason.
    transport.down.store(false, Ordering::SeqCst);
    let report = tablet.sync_once().await.expect("sync");
    assert_eq!(report.uploads, 1, "{report:?}");
    // Accepted commands leave the outbox; the refused start stays, with its reason.
    let actions = tablet.pending().expect("actions");
    let steps: Vec<_> = actions
        .iter()
        .filter(|a| a.name == TakeStep::NAME)
        .collect();
    assert_eq!(steps.len(), 1, "{actions:?}");
    assert_eq!(steps[0].state, ActionState::Rejected);
    assert!(
        steps[0]
            .reason
            .as_ref()
            .is_some_and(|r| r.message.contains("someone else")),
        "the reason is kept: {:?}",
        steps[0]
    );
    let server = office
        .call("GET", &format!("/repairs/{id}"), None)
        .await
        .expect("the job");
    assert_eq!(server["status"], "completed");
    assert_eq!(server["assignee_id"], tech.id.to_string());
    assert_eq!(server["after_photos"], json!([after.sha256.to_string()]));
    let kinds: Vec<&str> = server["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"late_completion"), "{kinds:?}");
    assert_eq!(
        job_on(&tablet, &own, id).expect("on the tablet")["status"],
        "completed"
    );

    // Reassigning it now is refused, with the reason.
    let refused = office
        .call(
            "POST",
            &path,
            Some(json!({"to": colleague, "reason": "再派一次"})),
        )
        .await
        .expect_err("refused");
    assert_eq!(refused.code, houqin_shared::ErrorCode::Conflict);
    assert!(refused.message.contains("completed"), "{refused:?}");
}
