//! Find / act helpers shared by the tests.

use houqin_server::testkit::{TestDb, TestOptions, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub async fn start(db: TestDb) -> TestServer {
    TestServer::start(TestOptions {
        db,
        ..Default::default()
    })
    .await
}

pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub request_id: Option<String>,
    /// The raw body (files such as exports).
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("body", &self.body)
            .field("request_id", &self.request_id)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn field(&self) -> &str {
        self.body["field"].as_str().unwrap_or("")
    }

    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected reply: {:?}", self);
        &self.body
    }

    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (status, code),
            "unexpected reply: {:?}",
            self
        );
        &self.body
    }
}

pub enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

impl Api {
    pub fn new(server: &TestServer) -> Api {
        Api {
            base: format!("{}/api/v1", server.url),
            http: reqwest::Client::new(),
        }
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Body) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req = match body {
            Body::None => req,
            Body::Json(v) => req.json(&v),
            Body::Raw(ct, bytes) => req.header("content-type", ct).body(bytes),
        };
        let res = req.send().await.expect("request");
        let status = res.status();
        let request_id = res
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = res.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            request_id,
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), Body::None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Body::Json(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(token), Body::Json(body))
            .await
    }

    pub async fn login_full(&self, username: &str, password: &str, device: Option<&str>) -> Reply {
        self.post(
            "/auth/login",
            None,
            json!({"username": username, "password": password, "device_id": device}),
        )
        .await
    }

    /// Signs in a demo user (password `demo`) and returns the access token.
    pub async fn login(&self, username: &str) -> String {
        let r = self.login_full(username, "demo", Some("test-device")).await;
        r.expect(200)["access_token"]
            .as_str()
            .expect("token")
            .to_string()
    }

    /// Uploads a photo whole (one declaration, one chunk); answers its hash.
    pub async fn upload_photo(&self, token: &str, bytes: &[u8]) -> String {
        let hash = houqin_shared::attachments::ContentHash::of(bytes).to_string();
        self.post(
            "/attachments",
            Some(token),
            json!({"sha256": hash, "size": bytes.len(), "mime": "image/png"}),
        )
        .await
        .expect(200);
        let done = self
            .call(
                Method::PUT,
                &format!("/attachments/{hash}/chunks/0"),
                Some(token),
                Body::Raw("application/octet-stream", bytes.to_vec()),
            )
            .await;
        assert_eq!(done.expect(200)["complete"], true, "{done:?}");
        hash
    }

    pub async fn openapi(&self) -> Value {
        self.call(Method::GET, "/openapi.json", None, Body::None)
            .await
            .expect(200)
            .clone()
    }
}

/// Every (method, path) of the OpenAPI document, paths under `/api/v1`.
pub fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "delete", "patch"] {
            if item.get(method).is_some() {
                ops.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// Row counts of the tables writes touch, to prove a refused write changed nothing.
pub async fn counts(server: &TestServer) -> Vec<(String, i64)> {
    use sea_orm::{ConnectionTrait, Statement};
    let conn = &server.state.db.conn;
    let mut out = Vec::new();
    for table in [
        "users",
        "user_roles",
        "user_scopes",
        "buildings",
        "floors",
        "rooms",
        "resources",
        "devices",
        "notifications",
        "audit_log",
        "attachments",
        "attachment_chunks",
        "ledger_accounts",
        "ledger_transfers",
        "wallets",
        "cards",
        "sales",
        "refunds",
        "offline_sales",
        "offline_exceptions",
        "settlements",
        "kiosk_policies",
        "dish_details",
        "window_settings",
        "portions",
        "slot_loads",
        "orders",
        "order_lines",
        "canteen_calendars",
        "delivery_tasks",
        "ratings",
        "complaints",
        "inspections",
        "assets",
        "work_orders",
        "work_order_events",
        "work_order_followers",
        "parts",
        "part_uses",
        "technician_profiles",
        "sla_targets",
        "repair_settings",
    ] {
        let row = conn
            .query_one_raw(Statement::from_string(
                conn.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        out.push((table.to_string(), row.try_get::<i64>("", "n").expect("n")));
    }
    out
}
