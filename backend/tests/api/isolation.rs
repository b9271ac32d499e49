//! One user cannot read or change another's data; one campus cannot see another.

use houqin_server::entities::{buildings, campuses, user_roles, users};
use houqin_server::testkit::TestDb;
use sea_orm::{EntityTrait, Set};
use serde_json::json;
use uuid::Uuid;

use crate::support::{Api, start};

async fn isolation(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    let a = api.login("student").await;
    let b = api.login("s202600001").await;
    let b_notes = api.get("/notifications", &b).await.expect(200).clone();
    let a_notes = api.get("/notifications", &a).await.expect(200).clone();
    let a_id = a_notes["items"][0]["id"]
        .as_str()
        .expect("welcome notice")
        .to_string();
    // B marks A's notification read: nothing happens to A's.
    api.post("/notifications/read", Some(&b), json!({"ids": [a_id]}))
        .await
        .expect(204);
    assert_eq!(
        api.get("/notifications", &a).await.expect(200)["unread"],
        a_notes["unread"]
    );
    assert!(
        b_notes["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|n| n["id"] != a_id.as_str())
    );
    // /me is always the caller.
    assert_eq!(
        api.get("/me", &b).await.expect(200)["username"],
        "s202600001"
    );

    // A second campus, with its own building and administrator.
    let conn = &server.state.db.conn;
    let campus2 = Uuid::now_v7();
    campuses::Entity::insert(campuses::ActiveModel {
        id: Set(campus2),
        code: Set("C2".into()),
        name_zh: Set("第二校区".into()),
        name_en: Set("Second Campus".into()),
    })
    .exec_without_returning(conn)
    .await
    .expect("campus");
    let building2 = Uuid::now_v7();
    buildings::Entity::insert(buildings::ActiveModel {
        id: Set(building2),
        campus_id: Set(campus2),
        zone_id: Set(None),
        code: Set("X1".into()),
        name_zh: Set("外校区楼".into()),
        name_en: Set("Other Building".into()),
        kind: Set("office".into()),
        floors: Set(2),
    })
    .exec_without_returning(conn)
    .await
    .expect("building");
    let admin2 = Uuid::now_v7();
    let hash = users::Entity::find()
        .one(conn)
        .await
        .expect("q")
        .expect("a user")
        .password_hash;
    users::Entity::insert(users::ActiveModel {
        id: Set(admin2),
        campus_id: Set(campus2),
        username: Set("admin2".into()),
        display_name: Set("二校管理员".into()),
        password_hash: Set(hash),
        lang: Set("zh-CN".into()),
        active: Set(true),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
    })
    .exec_without_returning(conn)
    .await
    .expect("user");
    user_roles::Entity::insert(user_roles::ActiveModel {
        id: Set(Uuid::now_v7()),
        campus_id: Set(campus2),
        user_id: Set(admin2),
        role: Set("admin".into()),
    })
    .exec_without_returning(conn)
    .await
    .expect("role");

    let admin = api.login("admin").await;
    let manager = api.login("manager").await;
    api.get(&format!("/directory/buildings/{building2}"), &admin)
        .await
        .expect_error(404, "not_found");
    let listed = api
        .get("/directory/buildings?limit=500", &manager)
        .await
        .expect(200)
        .clone();
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|b| b["id"] != building2.to_string().as_str())
    );
    api.post(
        &format!("/admin/users/{admin2}/deactivate"),
        Some(&admin),
        json!({}),
    )
    .await
    .expect_error(404, "not_found");
    let users_page = api
        .get("/admin/users?limit=500", &admin)
        .await
        .expect(200)
        .clone();
    assert!(
        users_page["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|u| u["username"] != "admin2")
    );
    // Neither overwriting the other campus's building nor creating one there.
    let my_campus = api.get("/directory/campuses", &manager).await.expect(200)[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let body = |campus: &str| json!({"campus_id": campus, "zone_id": null, "code": "HACK", "name": {"zh": "改", "en": "Mine"}, "kind": "office", "floors": 1});
    api.put(
        &format!("/directory/buildings/{building2}"),
        &manager,
        body(&my_campus),
    )
    .await
    .expect_error(404, "not_found");
    api.put(
        &format!("/directory/buildings/{}", Uuid::now_v7()),
        &manager,
        body(&campus2.to_string()),
    )
    .await
    .expect_error(422, "validation");
    let still = buildings::Entity::find_by_id(building2)
        .one(conn)
        .await
        .expect("q")
        .expect("building");
    assert_eq!(still.code, "X1");
    // The other campus's admin sees only their campus.
    let other = api.login("admin2").await;
    let theirs = api
        .get("/directory/buildings", &other)
        .await
        .expect(200)
        .clone();
    assert_eq!(theirs["items"].as_array().expect("items").len(), 1);
    assert_eq!(
        api.get("/admin/users", &other).await.expect(200)["items"]
            .as_array()
            .expect("items")
            .len(),
        1
    );
}

#[tokio::test]
async fn users_and_campuses_are_isolated_sqlite() {
    isolation(TestDb::Sqlite).await;
}

#[tokio::test]
async fn users_and_campuses_are_isolated_postgres() {
    isolation(TestDb::Postgres).await;
}
