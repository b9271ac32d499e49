//! For every endpoint in the OpenAPI document, every role (and no one) gets the
//! expected allow or deny. A new endpoint without a row here fails the test.

use houqin_server::testkit::TestDb;
use reqwest::Method;
use serde_json::json;

use crate::support::{Api, Body, operations, start};

#[derive(Debug, Clone, Copy)]
enum Who {
    /// No sign-in needed.
    Anyone,
    /// Any signed-in user.
    SignedIn,
    /// Only these roles.
    Only(&'static [&'static str]),
}

const MANAGERS: Who = Who::Only(&["manager", "admin"]);
const ADMIN: Who = Who::Only(&["admin"]);

/// Written independently of the server's policy table: this is the specification.
const MATRIX: &[(&str, &str, Who)] = &[
    ("GET", "/api/v1/health", Who::Anyone),
    ("GET", "/api/v1/ready", Who::Anyone),
    ("GET", "/api/v1/openapi.json", Who::Anyone),
    ("POST", "/api/v1/auth/login", Who::Anyone),
    ("POST", "/api/v1/auth/refresh", Who::Anyone),
    ("POST", "/api/v1/auth/logout", Who::SignedIn),
    ("GET", "/api/v1/me", Who::SignedIn),
    ("PUT", "/api/v1/me/lang", Who::SignedIn),
    ("POST", "/api/v1/me/password", Who::SignedIn),
    ("GET", "/api/v1/notifications", Who::SignedIn),
    ("POST", "/api/v1/notifications/read", Who::SignedIn),
    ("GET", "/api/v1/audit", MANAGERS),
    ("GET", "/api/v1/wallet", Who::SignedIn),
    ("GET", "/api/v1/wallet/transfers", Who::SignedIn),
    ("POST", "/api/v1/wallet/top-ups", Who::SignedIn),
    ("PUT", "/api/v1/wallet/settings", Who::SignedIn),
    ("PUT", "/api/v1/wallet/pin", Who::SignedIn),
    ("POST", "/api/v1/cards", MANAGERS),
    ("POST", "/api/v1/cards/report-lost", Who::SignedIn),
    ("POST", "/api/v1/cards/{id}/unfreeze", Who::SignedIn),
    ("POST", "/api/v1/cards/{id}/replace", MANAGERS),
    (
        "POST",
        "/api/v1/payments/charges",
        Who::Only(&["cashier", "supervisor"]),
    ),
    ("GET", "/api/v1/payments/audit", MANAGERS),
    ("GET", "/api/v1/dining/canteens/{id}/menu", Who::SignedIn),
    ("GET", "/api/v1/dining/windows/{id}/slots", Who::SignedIn),
    ("GET", "/api/v1/dining/orders", Who::SignedIn),
    ("GET", "/api/v1/dining/nutrition/week", Who::SignedIn),
    ("POST", "/api/v1/dining/orders", Who::SignedIn),
    ("POST", "/api/v1/dining/orders/{id}/cancel", Who::SignedIn),
    (
        "POST",
        "/api/v1/dining/orders/{id}/advance",
        Who::Only(&["cashier", "supervisor"]),
    ),
    (
        "POST",
        "/api/v1/dining/walk-ins",
        Who::Only(&["cashier", "supervisor"]),
    ),
    (
        "GET",
        "/api/v1/dining/canteens/{id}/queue",
        Who::Only(&["cashier", "supervisor"]),
    ),
    (
        "PUT",
        "/api/v1/dining/portions",
        Who::Only(&["cashier", "supervisor", "manager", "admin"]),
    ),
    ("PUT", "/api/v1/dining/dishes/{id}", MANAGERS),
    (
        "GET",
        "/api/v1/dining/canteens/{id}/calendar",
        Who::SignedIn,
    ),
    ("PUT", "/api/v1/dining/canteens/{id}/calendar", MANAGERS),
    ("POST", "/api/v1/dining/ratings", Who::SignedIn),
    ("GET", "/api/v1/dining/canteens/{id}/ratings", Who::SignedIn),
    ("GET", "/api/v1/dining/complaints", Who::SignedIn),
    ("POST", "/api/v1/dining/complaints", Who::SignedIn),
    (
        "POST",
        "/api/v1/dining/complaints/{id}/reply",
        Who::Only(&["supervisor"]),
    ),
    ("POST", "/api/v1/dining/inspections", MANAGERS),
    ("GET", "/api/v1/repairs", Who::SignedIn),
    ("POST", "/api/v1/repairs", Who::SignedIn),
    ("GET", "/api/v1/repairs/{id}", Who::SignedIn),
    ("GET", "/api/v1/repairs/assets/{code}", Who::SignedIn),
    ("POST", "/api/v1/repairs/{id}/review", Who::SignedIn),
    ("POST", "/api/v1/repairs/{id}/follow", Who::SignedIn),
    ("GET", "/api/v1/repairs/sla", Who::SignedIn),
    ("PUT", "/api/v1/repairs/sla", MANAGERS),
    (
        "POST",
        "/api/v1/repairs/{id}/steps",
        Who::Only(&["technician"]),
    ),
    (
        "POST",
        "/api/v1/repairs/{id}/parts",
        Who::Only(&["technician"]),
    ),
    (
        "POST",
        "/api/v1/repairs/{id}/claim",
        Who::Only(&["technician"]),
    ),
    (
        "GET",
        "/api/v1/repairs/parts",
        Who::Only(&["technician", "supervisor", "manager", "admin"]),
    ),
    (
        "POST",
        "/api/v1/repairs/{id}/reassign",
        Who::Only(&["supervisor", "manager", "admin"]),
    ),
    (
        "GET",
        "/api/v1/repairs/technicians",
        Who::Only(&["supervisor", "manager", "admin"]),
    ),
    ("PUT", "/api/v1/repairs/technicians/{id}", MANAGERS),
    ("GET", "/api/v1/repairs/dashboard", MANAGERS),
    ("GET", "/api/v1/repairs/dashboard/export", MANAGERS),
    ("GET", "/api/v1/repairs/pay", MANAGERS),
    ("GET", "/api/v1/repairs/public/{code}", Who::Anyone),
    ("POST", "/api/v1/repairs/public/{code}", Who::Anyone),
    (
        "GET",
        "/api/v1/repairs/assets/sheet",
        Who::Only(&["technician", "supervisor", "manager", "admin"]),
    ),
    ("GET", "/api/v1/dining/dashboard", MANAGERS),
    ("GET", "/api/v1/dining/dashboard/export", MANAGERS),
    (
        "GET",
        "/api/v1/dining/canteens/{id}/inspections",
        Who::SignedIn,
    ),
    ("GET", "/api/v1/deliveries", Who::Only(&["courier"])),
    (
        "POST",
        "/api/v1/deliveries/{id}/claim",
        Who::Only(&["courier"]),
    ),
    (
        "POST",
        "/api/v1/deliveries/{id}/deliver",
        Who::Only(&["courier"]),
    ),
    ("GET", "/api/v1/payments/reconciliation", MANAGERS),
    ("GET", "/api/v1/payments/reconciliation/export", MANAGERS),
    ("POST", "/api/v1/payments/settlements", MANAGERS),
    ("PUT", "/api/v1/payments/kiosk-policy", MANAGERS),
    (
        "GET",
        "/api/v1/payments/kiosk-policy",
        Who::Only(&["cashier", "supervisor", "manager", "admin"]),
    ),
    (
        "GET",
        "/api/v1/payments/shift",
        Who::Only(&["cashier", "supervisor"]),
    ),
    (
        "POST",
        "/api/v1/payments/refunds",
        Who::Only(&["cashier", "supervisor"]),
    ),
    ("POST", "/api/v1/attachments", Who::SignedIn),
    (
        "PUT",
        "/api/v1/attachments/{sha256}/chunks/{offset}",
        Who::SignedIn,
    ),
    ("GET", "/api/v1/attachments/{sha256}/status", Who::SignedIn),
    ("GET", "/api/v1/attachments/{sha256}", Who::SignedIn),
    ("POST", "/api/v1/sync/push", Who::SignedIn),
    ("GET", "/api/v1/sync/pull", Who::SignedIn),
    ("POST", "/api/v1/sync/events/ticket", Who::SignedIn),
    ("GET", "/api/v1/sync/events", Who::Anyone),
    ("GET", "/api/v1/admin/users", ADMIN),
    ("POST", "/api/v1/admin/users", ADMIN),
    ("POST", "/api/v1/admin/users/import", ADMIN),
    ("PUT", "/api/v1/admin/users/{id}/roles", ADMIN),
    ("POST", "/api/v1/admin/users/{id}/deactivate", ADMIN),
    ("POST", "/api/v1/admin/users/{id}/reactivate", ADMIN),
    ("GET", "/api/v1/directory/campuses", Who::SignedIn),
    ("PUT", "/api/v1/directory/zones/{id}", MANAGERS),
    ("PUT", "/api/v1/directory/departments/{id}", MANAGERS),
    ("PUT", "/api/v1/directory/beds/{id}", MANAGERS),
    ("PUT", "/api/v1/directory/canteens/{id}", MANAGERS),
    ("PUT", "/api/v1/directory/windows/{id}", MANAGERS),
    ("PUT", "/api/v1/directory/stations/{id}", MANAGERS),
    ("PUT", "/api/v1/directory/lockers/{id}", MANAGERS),
    ("GET", "/api/v1/directory/zones", Who::SignedIn),
    ("GET", "/api/v1/directory/departments", Who::SignedIn),
    ("GET", "/api/v1/directory/buildings", Who::SignedIn),
    ("GET", "/api/v1/directory/buildings/{id}", Who::SignedIn),
    ("PUT", "/api/v1/directory/buildings/{id}", MANAGERS),
    (
        "GET",
        "/api/v1/directory/buildings/{id}/floors",
        Who::SignedIn,
    ),
    (
        "GET",
        "/api/v1/directory/buildings/{id}/rooms",
        Who::SignedIn,
    ),
    ("PUT", "/api/v1/directory/rooms/{id}", MANAGERS),
    ("GET", "/api/v1/directory/rooms/{id}/beds", Who::SignedIn),
    ("GET", "/api/v1/directory/canteens", Who::SignedIn),
    (
        "GET",
        "/api/v1/directory/canteens/{id}/windows",
        Who::SignedIn,
    ),
    (
        "GET",
        "/api/v1/directory/canteens/{id}/dishes",
        Who::SignedIn,
    ),
    ("GET", "/api/v1/directory/stations", Who::SignedIn),
    (
        "GET",
        "/api/v1/directory/stations/{id}/lockers",
        Who::SignedIn,
    ),
    ("GET", "/api/v1/directory/resources", Who::SignedIn),
    ("PUT", "/api/v1/directory/resources/{id}", MANAGERS),
    (
        "GET",
        "/api/v1/directory/devices",
        Who::Only(&["technician", "supervisor", "manager", "admin"]),
    ),
    ("PUT", "/api/v1/directory/devices/{id}", MANAGERS),
];

const ROLES: [&str; 8] = [
    "student",
    "staff",
    "technician",
    "supervisor",
    "cashier",
    "courier",
    "manager",
    "admin",
];

fn allowed(who: Who, role: Option<&str>) -> bool {
    match (who, role) {
        (Who::Anyone, _) => true,
        (_, None) => false,
        (Who::SignedIn, Some(_)) => true,
        (Who::Only(roles), Some(r)) => roles.contains(&r),
    }
}

async fn matrix(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    let mut ops = operations(&api.openapi().await);
    for (method, path) in &ops {
        assert!(
            MATRIX.iter().any(|(m, p, _)| m == method && p == path),
            "{method} {path} has no row in the authorization matrix: decide who may call it"
        );
    }
    for (m, p, _) in MATRIX {
        assert!(
            ops.iter().any(|(om, op)| om == m && op == p),
            "matrix row {m} {p} is not a route any more"
        );
    }
    // Logging out ends the session the rest of the calls use: do it last.
    ops.sort_by_key(|(_, p)| p == "/api/v1/auth/logout");

    let mut tokens = Vec::new();
    for role in ROLES {
        tokens.push((Some(role), Some(api.login(role).await)));
    }
    tokens.push((None, None));
    let mut checked = 0;
    for (role, token) in &tokens {
        for (method, path) in &ops {
            let who = MATRIX
                .iter()
                .find(|(m, p, _)| m == method && p == path)
                .map(|r| r.2)
                .expect("row");
            let concrete = path
                .replace("{id}", &uuid::Uuid::now_v7().to_string())
                .replace("{sha256}", &"0".repeat(64))
                .replace("{offset}", "0")
                .replacen("/api/v1", "", 1);
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            // An empty object is refused by every write's validation, so allowed calls change nothing.
            let body = if method == Method::GET {
                Body::None
            } else {
                Body::Json(json!({}))
            };
            let reply = api
                .call(method.clone(), &concrete, token.as_deref(), body)
                .await;
            let status = reply.status.as_u16();
            if allowed(who, *role) {
                assert!(
                    status != 401 && status != 403 && status < 500,
                    "{role:?} should be allowed {method} {path}, got {reply:?}"
                );
            } else if role.is_none() {
                reply.expect_error(401, "unauthenticated");
            } else {
                reply.expect_error(403, "forbidden");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ops.len() * 9);
}

#[tokio::test]
async fn authorization_matrix_sqlite() {
    matrix(TestDb::Sqlite).await;
}

#[tokio::test]
async fn authorization_matrix_postgres() {
    matrix(TestDb::Postgres).await;
}
