//! User administration: create, import, roles, deactivation.

use houqin_server::entities::users;
use houqin_server::testkit::TestDb;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::support::{Api, Body, start};

async fn administration(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    let admin = api.login("admin").await;
    let zone = api.get("/directory/zones", &admin).await.expect(200)[0]["id"]
        .as_str()
        .expect("zone")
        .to_string();

    // Create, and a retry of the same create is recognised.
    let id = uuid::Uuid::now_v7().to_string();
    let req = json!({"id": id, "username": "t.new", "display_name": "新技师", "password": "first-password",
        "roles": ["technician"], "scopes": [{"kind": "zone", "id": zone}]});
    let created = api
        .post("/admin/users", Some(&admin), req.clone())
        .await
        .expect(201)
        .clone();
    assert_eq!(created["roles"], json!(["technician"]));
    assert_eq!(created["scopes"][0]["id"], zone.as_str());
    api.post("/admin/users", Some(&admin), req)
        .await
        .expect(200);
    let taken = api
        .post("/admin/users", Some(&admin), json!({"username": "t.new", "display_name": "x", "password": "other-password", "roles": ["staff"]}))
        .await;
    taken.expect_error(409, "conflict");
    assert_eq!(taken.field(), "username");
    let tech = api
        .login_full("t.new", "first-password", None)
        .await
        .expect(200)["access_token"]
        .as_str()
        .expect("t")
        .to_string();
    assert_eq!(
        api.get("/me", &tech).await.expect(200)["scopes"][0]["kind"],
        "zone"
    );

    // Bulk import: good rows land, bad rows are reported by line and field.
    let csv = "username,display_name,password,roles\n\
               imp.one,导入一,password-one,student\n\
               imp.two,导入二,password-two,staff;supervisor\n\
               imp.bad,坏角色,password-bad,wizard\n\
               imp.one,重复,password-dup,student\n\
               imp.short,短密码,short,student\n\
               student,已存在,password-x,student\n\
               imp.three,导入三,password-three,cashier\n";
    let report = api
        .call(
            Method::POST,
            "/admin/users/import",
            Some(&admin),
            Body::Raw("text/csv", csv.as_bytes().to_vec()),
        )
        .await;
    let report = report.expect(200).clone();
    assert_eq!(report["created"], 3, "{report}");
    let errors: Vec<(u64, String)> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().expect("line"),
                e["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (4, "roles".into()),
            (5, "username".into()),
            (6, "password".into()),
            (7, "username".into())
        ]
    );
    let two = api
        .login_full("imp.two", "password-two", None)
        .await
        .expect(200)
        .clone();
    assert_eq!(two["user"]["roles"], json!(["staff", "supervisor"]));
    // Real users never share a hash, even with equal passwords elsewhere.
    let hashes: Vec<String> = users::Entity::find()
        .filter(users::Column::Username.is_in(["imp.one", "imp.two", "imp.three", "t.new"]))
        .all(&server.state.db.conn)
        .await
        .expect("users")
        .into_iter()
        .map(|u| u.password_hash)
        .collect();
    assert_eq!(hashes.len(), 4);
    assert!(hashes.iter().all(|h| h.starts_with("$argon2id$")));
    let mut unique = hashes.clone();
    unique.dedup();
    assert_eq!(unique.len(), 4);

    // Roles change, and the change is audited with before and after.
    let user_id = created["id"].as_str().expect("id").to_string();
    api.put(
        &format!("/admin/users/{user_id}/roles"),
        &admin,
        json!({"roles": ["technician", "supervisor"]}),
    )
    .await
    .expect(200);
    let manager = api.login("manager").await;
    let log = api
        .get("/audit?action=roles_changed", &manager)
        .await
        .expect(200)
        .clone();
    assert_eq!(log[0]["target"], format!("user:{user_id}"));
    assert_eq!(log[0]["detail"], "technician -> technician,supervisor");

    // Deactivation ends every session at once and stops sign-in; reactivation undoes it.
    api.post(
        &format!("/admin/users/{user_id}/deactivate"),
        Some(&admin),
        json!({}),
    )
    .await
    .expect(200);
    api.get("/me", &tech)
        .await
        .expect_error(401, "unauthenticated");
    api.login_full("t.new", "first-password", None)
        .await
        .expect_error(403, "account_disabled");
    api.post(
        &format!("/admin/users/{user_id}/reactivate"),
        Some(&admin),
        json!({}),
    )
    .await
    .expect(200);
    api.login_full("t.new", "first-password", None)
        .await
        .expect(200);
    let me = api.get("/me", &admin).await.expect(200)["id"]
        .as_str()
        .expect("id")
        .to_string();
    api.post(
        &format!("/admin/users/{me}/deactivate"),
        Some(&admin),
        json!({}),
    )
    .await
    .expect_error(422, "validation");

    // Paging through users.
    let page = api
        .get("/admin/users?limit=5", &admin)
        .await
        .expect(200)
        .clone();
    assert_eq!(page["items"].as_array().expect("items").len(), 5);
    let after = page["next_after"].as_str().expect("more pages");
    let next = api
        .get(&format!("/admin/users?limit=5&after={after}"), &admin)
        .await
        .expect(200)
        .clone();
    assert!(next["items"][0]["id"].as_str().expect("id") > after);
    let techs = api
        .get("/admin/users?role=technician&limit=500", &admin)
        .await
        .expect(200)
        .clone();
    assert!(techs["items"].as_array().expect("items").iter().all(|u| {
        u["roles"]
            .as_array()
            .expect("roles")
            .contains(&json!("technician"))
    }));
}

#[tokio::test]
async fn administration_sqlite() {
    administration(TestDb::Sqlite).await;
}

#[tokio::test]
async fn administration_postgres() {
    administration(TestDb::Postgres).await;
}
