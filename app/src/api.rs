//! The app's only door to the outside world: typed async functions over the
//! `houqin_shared` DTOs, behind a host chosen once at start-up.
//!
//! - In a browser (the web app served by the backend) calls go over HTTP to
//!   `/api/v1` on the same origin; this module keeps the token pair in
//!   `localStorage` and refreshes it ([`browser`]).
//! - Inside the Tauri app they go over IPC to the native side, which keeps the
//!   tokens; the UI never sees them ([`tauri`]).
//!
//! Components never build URLs or name commands: they call these functions.
//!
//! Writes differ by host. The web app is online-only: a write is an HTTP call
//! that has happened when it answers. The Tauri app is offline-first: a write
//! is a command queued in the engine's outbox and applied to its local view at
//! once, and reads come from that view (DESIGN.md, "Offline-first sync");
//! [`sync_status`] and [`pending_actions`] say what has not reached the server.

mod browser;
mod local;
mod tauri;

use std::cell::RefCell;
use std::sync::OnceLock;

use houqin_shared::accounts::{ChangePasswordRequest, Lang, LoginRequest, Me, SetLangRequest};
use houqin_shared::directory::{CanteenWindow, Dish};
use houqin_shared::ids::{CanteenId, CardId, TransferId, WindowId};
use houqin_shared::ledger::TransferCode;
use houqin_shared::notifications::{MarkRead, NotificationList};
use houqin_shared::payments::{
    Card, Charge, ChargeOutcome, Refund, RefundOutcome, ReportCardLost, SetPin, ShiftSummary,
    Statement, TopUp, Wallet, WalletSettings, WalletSummary,
};
use houqin_shared::{ApiErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use local::{kiosk_window, last_username, saved_lang, store_kiosk_window, store_lang};

/// Why a call failed, as the UI needs to tell it apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server could not be reached at all (offline, DNS, connection refused).
    #[error("the server cannot be reached")]
    Network,
    /// The server (or the native side) answered with a structured error.
    #[error("the server refused the request ({:?}): {}", .0.code, .0.message)]
    Server(ApiErrorBody),
    /// An answer arrived but was not what this app version expects.
    #[error("unexpected response: {0}")]
    Decode(String),
}

impl ApiError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ApiError::Server(body) => Some(body.code),
            ApiError::Network | ApiError::Decode(_) => None,
        }
    }

    /// The session is gone: the user must sign in again.
    pub fn ends_session(&self) -> bool {
        matches!(
            self.code(),
            Some(ErrorCode::SessionExpired | ErrorCode::Unauthenticated)
        )
    }

    /// Nobody answered: the network is down or the server is not ready. The
    /// Tauri host reports its network failures as code `unavailable`.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ApiError::Network) || self.code() == Some(ErrorCode::Unavailable)
    }

    /// The request field the server blamed, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::Server(body) => body.field.as_deref(),
            ApiError::Network | ApiError::Decode(_) => None,
        }
    }

    /// The id to quote when reporting a server failure.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Server(body) => body.request_id.as_deref(),
            ApiError::Network | ApiError::Decode(_) => None,
        }
    }

    fn from_code(code: ErrorCode, message: &str) -> ApiError {
        ApiError::Server(ApiErrorBody {
            code,
            message: message.to_owned(),
            field: None,
            request_id: None,
        })
    }
}

/// The wire spelling of a code (`invalid_credentials`), for `data-code`.
pub fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Where calls go; decided once, from whether the Tauri bridge is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Host {
    Browser,
    Tauri,
}

static HOST: OnceLock<Host> = OnceLock::new();

fn host() -> Host {
    *HOST.get_or_init(|| {
        if tauri::available() {
            Host::Tauri
        } else {
            Host::Browser
        }
    })
}

/// HTTP methods of the REST API (and of the Tauri `api_call` command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

fn decode<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| ApiError::Decode(e.to_string()))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Decode(e.to_string()))
}

/// An authenticated call to `path` under `/api/v1`.
async fn call<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<T, ApiError> {
    let value = match host() {
        Host::Browser => browser::call(method, path, body).await?,
        Host::Tauri => tauri::api_call(method, path, body).await?,
    };
    decode(value)
}

/// Signs in; the session is kept by the host. Remembers the username so the
/// login form can offer it again.
pub async fn login(req: LoginRequest) -> Result<Me, ApiError> {
    let username = req.username.clone();
    let me = match host() {
        Host::Browser => browser::login(req).await?,
        Host::Tauri => tauri::login(req).await?,
    };
    local::store_last_username(&username);
    Ok(me)
}

/// Ends the session on the server and forgets it here. The local session is
/// forgotten even when the server cannot be told.
pub async fn logout() -> Result<(), ApiError> {
    match host() {
        Host::Browser => browser::logout().await,
        Host::Tauri => tauri::logout().await,
    }
}

/// The signed-in user when a session survives from an earlier visit.
pub async fn current_user() -> Result<Option<Me>, ApiError> {
    match host() {
        Host::Browser => browser::current_user().await,
        Host::Tauri => tauri::current_user().await,
    }
}

/// Saves the account's language: at once in the browser; queued (and shown
/// as pending until the server has it) in the Tauri app.
pub async fn set_lang(lang: Lang) -> Result<(), ApiError> {
    let req = SetLangRequest { lang };
    match host() {
        Host::Browser => call(Method::Put, "/me/lang", Some(encode(&req)?)).await,
        Host::Tauri => tauri::enqueue(&req).await,
    }
}

pub async fn change_password(req: ChangePasswordRequest) -> Result<(), ApiError> {
    call(Method::Post, "/me/password", Some(encode(&req)?)).await
}

/// The user's latest notifications, newest first, and the unread count. In
/// the Tauri app: the engine's view, this device's unsent changes included.
pub async fn notifications() -> Result<NotificationList, ApiError> {
    match host() {
        Host::Browser => call(Method::Get, "/notifications", None).await,
        Host::Tauri => tauri::notifications().await,
    }
}

/// Marks notifications read (all of them when `req.ids` is empty). In the
/// Tauri app this is queued and shows in [`notifications`] at once.
pub async fn mark_read(req: MarkRead) -> Result<(), ApiError> {
    match host() {
        Host::Browser => call(Method::Post, "/notifications/read", Some(encode(&req)?)).await,
        Host::Tauri => tauri::enqueue(&req).await,
    }
}

// ---- Campus card and payments ------------------------------------------------

/// The wallet as the page shows it: from the server, or — in the app with
/// no network — as the last sync left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletView {
    Live(Wallet),
    /// Offline: the balance and cards from this device's synced rows (its
    /// queued changes applied, e.g. a card reported lost offline).
    Saved {
        summary: Option<WalletSummary>,
        cards: Vec<Card>,
    },
}

/// The signed-in person's wallet. In the app the cards come from the
/// engine's view, so a card reported lost offline shows frozen at once.
pub async fn wallet() -> Result<WalletView, ApiError> {
    match host() {
        Host::Browser => call(Method::Get, "/wallet", None)
            .await
            .map(WalletView::Live),
        Host::Tauri => match call::<Wallet>(Method::Get, "/wallet", None).await {
            Ok(mut live) => {
                let (_, cards) = tauri::saved_wallet().await?;
                if !cards.is_empty() {
                    live.cards = cards;
                }
                Ok(WalletView::Live(live))
            }
            Err(e) if e.is_unreachable() => {
                let (summary, cards) = tauri::saved_wallet().await?;
                Ok(WalletView::Saved { summary, cards })
            }
            Err(e) => Err(e),
        },
    }
}

/// One page of the statement, newest first; `code` narrows it to one kind
/// of movement, `before` continues after a previous page.
pub async fn statement(
    code: Option<TransferCode>,
    days: (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>),
    before: Option<TransferId>,
) -> Result<Statement, ApiError> {
    let mut path = "/wallet/transfers?limit=20".to_owned();
    if let Some(code) = code {
        path.push_str("&code=");
        path.push_str(code.slug());
    }
    if let Some(from) = days.0 {
        path.push_str(&format!("&from={from}"));
    }
    if let Some(to) = days.1 {
        path.push_str(&format!("&to={to}"));
    }
    if let Some(before) = before {
        path.push_str(&format!("&before={before}"));
    }
    call(Method::Get, &path, None).await
}

/// Tops up through the payment gateway (the demo's simulator).
pub async fn top_up(req: TopUp) -> Result<Wallet, ApiError> {
    call(Method::Post, "/wallet/top-ups", Some(encode(&req)?)).await
}

pub async fn wallet_settings(req: WalletSettings) -> Result<Wallet, ApiError> {
    call(Method::Put, "/wallet/settings", Some(encode(&req)?)).await
}

pub async fn set_pin(req: SetPin) -> Result<(), ApiError> {
    call(Method::Put, "/wallet/pin", Some(encode(&req)?)).await
}

/// Freezes a card reported lost: at once in the browser; in the app queued
/// (works offline) and shown frozen at once.
pub async fn report_card_lost(req: ReportCardLost) -> Result<(), ApiError> {
    match host() {
        Host::Browser => call(Method::Post, "/cards/report-lost", Some(encode(&req)?)).await,
        Host::Tauri => tauri::enqueue(&req).await,
    }
}

pub async fn unfreeze_card(id: CardId) -> Result<Card, ApiError> {
    let body = serde_json::json!({});
    call(Method::Post, &format!("/cards/{id}/unfreeze"), Some(body)).await
}

/// The windows of a canteen (the kiosk's choice of where it stands).
pub async fn windows(canteen: CanteenId) -> Result<Vec<CanteenWindow>, ApiError> {
    call(
        Method::Get,
        &format!("/directory/canteens/{canteen}/windows"),
        None,
    )
    .await
}

/// The dishes of a canteen, with their windows and prices.
pub async fn dishes(canteen: CanteenId) -> Result<Vec<Dish>, ApiError> {
    call(
        Method::Get,
        &format!("/directory/canteens/{canteen}/dishes"),
        None,
    )
    .await
}

thread_local! {
    /// Photos already fetched: hash → `src`, so a re-render does not fetch again.
    static PHOTOS: RefCell<std::collections::HashMap<String, String>> = RefCell::default();
}

/// A `src` for a photo named by its hash: an object URL in a browser, a
/// `data:` URL in the app (which keeps photos it has seen, for offline).
pub async fn photo_src(hash: &str) -> Result<String, ApiError> {
    if let Some(src) = PHOTOS.with(|p| p.borrow().get(hash).cloned()) {
        return Ok(src);
    }
    let src = match host() {
        Host::Browser => browser::photo_url(hash).await?,
        Host::Tauri => tauri::photo(hash).await?,
    };
    PHOTOS.with(|p| p.borrow_mut().insert(hash.to_owned(), src.clone()));
    Ok(src)
}

/// Sends a chosen photo and answers its hash, to name it in a write. The
/// bytes are checked here first (not empty, at most 8 MiB, JPEG, PNG or
/// WebP), with the server's own rule. In the app the photo is kept on the
/// device and sent at once; if that cannot happen now, it is refused with
/// `unavailable` for writes that need it on the server — unless `queued`
/// (the write is a queued command: the engine sends the photo before it).
pub async fn upload_photo(bytes: Vec<u8>, queued: bool) -> Result<String, ApiError> {
    use houqin_shared::attachments::{ContentHash, DeclareAttachment, check_image};
    let mime = check_image(&bytes).map_err(|e| {
        ApiError::Server(ApiErrorBody {
            code: ErrorCode::Validation,
            message: e.message,
            field: Some(e.field),
            request_id: None,
        })
    })?;
    match host() {
        Host::Browser => {
            let declare = DeclareAttachment {
                sha256: ContentHash::of(&bytes),
                size: bytes.len() as u64,
                mime,
            };
            browser::upload(&declare, &bytes).await?;
            Ok(declare.sha256.to_string())
        }
        Host::Tauri => match tauri::add_photo(&bytes).await? {
            (hash, uploaded) if uploaded || queued => Ok(hash),
            (_, _) => Err(ApiError::from_code(
                ErrorCode::Unavailable,
                "the photo waits to upload",
            )),
        },
    }
}

/// A sale at the kiosk's window. Declines are answers, not errors.
pub async fn charge(req: Charge) -> Result<ChargeOutcome, ApiError> {
    match host() {
        // The web kiosk is online-only.
        Host::Browser => call(Method::Post, "/payments/charges", Some(encode(&req)?)).await,
        // The desktop kiosk sells offline when the server is out of reach.
        Host::Tauri => tauri::kiosk_charge(&req).await,
    }
}

/// A ticket that opens the session's event stream for a minute.
pub async fn event_ticket() -> Result<houqin_shared::sync::EventTicket, ApiError> {
    call(Method::Post, "/sync/events/ticket", None).await
}

/// The campus's buildings.
pub async fn buildings() -> Result<Vec<houqin_shared::directory::Building>, ApiError> {
    let page: houqin_shared::directory::Page<houqin_shared::directory::Building> =
        call(Method::Get, "/directory/buildings?limit=500", None).await?;
    Ok(page.items)
}

/// The campus's dorm buildings (for takeout).
pub async fn dorms() -> Result<Vec<houqin_shared::directory::Building>, ApiError> {
    Ok(buildings()
        .await?
        .into_iter()
        .filter(|b| b.kind == houqin_shared::directory::BuildingKind::Dorm)
        .collect())
}

/// The campus's canteens.
pub async fn canteens() -> Result<Vec<houqin_shared::directory::Canteen>, ApiError> {
    call(Method::Get, "/directory/canteens", None).await
}

/// A canteen's menu for a day, and whether it is the last synced copy
/// (the desktop/mobile app with no network).
pub async fn menu(
    canteen: houqin_shared::ids::CanteenId,
    day: chrono::NaiveDate,
) -> Result<(houqin_shared::dining::MenuView, bool), ApiError> {
    let path = format!("/dining/canteens/{canteen}/menu?day={day}");
    match host() {
        Host::Browser => call(Method::Get, &path, None).await.map(|m| (m, false)),
        Host::Tauri => match call(Method::Get, &path, None).await {
            Ok(m) => Ok((m, false)),
            Err(e) if e.is_unreachable() => {
                tauri::saved_menu(canteen, day).await.map(|m| (m, true))
            }
            Err(e) => Err(e),
        },
    }
}

/// A window's pickup slots still open for a day and meal period.
pub async fn pickup_slots(
    window: WindowId,
    day: chrono::NaiveDate,
    period: houqin_shared::calendar::MealPeriod,
) -> Result<Vec<houqin_shared::dining::SlotOffer>, ApiError> {
    let period = houqin_shared::dining::period_slug(period);
    call(
        Method::Get,
        &format!("/dining/windows/{window}/slots?day={day}&period={period}"),
        None,
    )
    .await
}

/// Orders ahead. In a browser the server answers at once (`Some`); in the
/// app the order is queued (works offline) and shows as placed until the
/// server decides (`None`).
pub async fn place_order(
    req: houqin_shared::dining::PlaceOrder,
) -> Result<Option<houqin_shared::dining::Order>, ApiError> {
    match host() {
        Host::Browser => call(Method::Post, "/dining/orders", Some(encode(&req)?))
            .await
            .map(Some),
        Host::Tauri => tauri::enqueue(&req).await.map(|()| None),
    }
}

pub async fn cancel_order(id: houqin_shared::ids::OrderId) -> Result<(), ApiError> {
    match host() {
        Host::Browser => call::<Value>(Method::Post, &format!("/dining/orders/{id}/cancel"), None)
            .await
            .map(drop),
        Host::Tauri => tauri::enqueue(&houqin_shared::dining::CancelOrder { order_id: id }).await,
    }
}

/// The signed-in person's orders, newest first.
pub async fn my_orders() -> Result<Vec<houqin_shared::dining::Order>, ApiError> {
    match host() {
        Host::Browser => call(Method::Get, "/dining/orders", None).await,
        Host::Tauri => tauri::saved_orders().await,
    }
}

/// What the signed-in person's picked-up orders of the last 7 days add up to.
pub async fn week_intake() -> Result<houqin_shared::dining::WeekIntake, ApiError> {
    call(Method::Get, "/dining/nutrition/week", None).await
}

/// The managers' dining figures for a range of campus days.
pub async fn dining_dashboard(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<houqin_shared::dining::Dashboard, ApiError> {
    call(
        Method::Get,
        &format!("/dining/dashboard?from={from}&to={to}"),
        None,
    )
    .await
}

/// The dining figures as a file (browser only).
pub async fn download_dining(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    format: &str,
) -> Result<(), ApiError> {
    match host() {
        Host::Browser => {
            browser::download(
                &format!("/dining/dashboard/export?from={from}&to={to}&format={format}"),
                &format!("houqin-dining-{from}-{to}.{format}"),
            )
            .await
        }
        Host::Tauri => Err(ApiError::from_code(
            ErrorCode::Validation,
            "exports download in the web app",
        )),
    }
}

pub async fn rate(req: houqin_shared::feedback::Rate) -> Result<(), ApiError> {
    call::<Value>(Method::Post, "/dining/ratings", Some(encode(&req)?))
        .await
        .map(drop)
}

pub async fn ratings(
    canteen: CanteenId,
) -> Result<Vec<houqin_shared::feedback::RatingSummary>, ApiError> {
    call(
        Method::Get,
        &format!("/dining/canteens/{canteen}/ratings"),
        None,
    )
    .await
}

pub async fn complaints() -> Result<Vec<houqin_shared::feedback::Complaint>, ApiError> {
    call(Method::Get, "/dining/complaints", None).await
}

pub async fn complain(
    req: houqin_shared::feedback::Complain,
) -> Result<houqin_shared::feedback::Complaint, ApiError> {
    call(Method::Post, "/dining/complaints", Some(encode(&req)?)).await
}

pub async fn reply_complaint(
    id: uuid::Uuid,
    req: houqin_shared::feedback::Reply,
) -> Result<houqin_shared::feedback::Complaint, ApiError> {
    call(
        Method::Post,
        &format!("/dining/complaints/{id}/reply"),
        Some(encode(&req)?),
    )
    .await
}

pub async fn inspections(
    canteen: CanteenId,
) -> Result<Vec<houqin_shared::feedback::Inspection>, ApiError> {
    call(
        Method::Get,
        &format!("/dining/canteens/{canteen}/inspections"),
        None,
    )
    .await
}

/// Records a food-safety inspection (managers); its photos uploaded first.
pub async fn record_inspection(
    req: houqin_shared::feedback::RecordInspection,
) -> Result<houqin_shared::feedback::Inspection, ApiError> {
    call(Method::Post, "/dining/inspections", Some(encode(&req)?)).await
}

/// Sets what managers keep about a dish; answers the dish as the menu shows it.
pub async fn set_dish_details(
    dish: houqin_shared::ids::DishId,
    details: houqin_shared::dining::DishDetails,
) -> Result<houqin_shared::dining::MenuDish, ApiError> {
    call(
        Method::Put,
        &format!("/dining/dishes/{dish}"),
        Some(encode(&details)?),
    )
    .await
}

/// A canteen's opening rules and date overrides.
pub async fn canteen_calendar(
    canteen: CanteenId,
) -> Result<houqin_shared::calendar::CanteenCalendar, ApiError> {
    call(
        Method::Get,
        &format!("/dining/canteens/{canteen}/calendar"),
        None,
    )
    .await
}

pub async fn set_canteen_calendar(
    canteen: CanteenId,
    calendar: houqin_shared::calendar::CanteenCalendar,
) -> Result<houqin_shared::calendar::CanteenCalendar, ApiError> {
    call(
        Method::Put,
        &format!("/dining/canteens/{canteen}/calendar"),
        Some(encode(&calendar)?),
    )
    .await
}

/// Work orders for a view: `mine` (reported by me), `queue` (a technician's
/// jobs and the pool), `all` (supervisors, managers). In the app with no
/// network: the synced copy (own, zones'), and `true`.
pub async fn repairs(
    view: &str,
) -> Result<(Vec<houqin_shared::repairs::WorkOrder>, bool), ApiError> {
    let path = format!("/repairs?view={view}");
    match host() {
        Host::Browser => call(Method::Get, &path, None).await.map(|l| (l, false)),
        Host::Tauri => match call(Method::Get, &path, None).await {
            Ok(l) => Ok((l, false)),
            Err(e) if e.is_unreachable() => {
                let (jobs, _) = tauri::saved_repairs().await?;
                Ok((jobs, true))
            }
            Err(e) => Err(e),
        },
    }
}

/// The parts store (the synced copy in the app with no network).
pub async fn repair_parts() -> Result<Vec<houqin_shared::repairs::Part>, ApiError> {
    match host() {
        Host::Browser => call(Method::Get, "/repairs/parts", None).await,
        Host::Tauri => match call(Method::Get, "/repairs/parts", None).await {
            Err(e) if e.is_unreachable() => Ok(tauri::saved_repairs().await?.1),
            other => other,
        },
    }
}

/// An asset by its tag, with its open work orders.
pub async fn repair_asset(code: &str) -> Result<houqin_shared::repairs::AssetView, ApiError> {
    call(Method::Get, &format!("/repairs/assets/{code}"), None).await
}

pub async fn repair_technicians() -> Result<Vec<houqin_shared::repairs::TechnicianProfile>, ApiError>
{
    call(Method::Get, "/repairs/technicians", None).await
}

/// A repair command: over HTTP in a browser (done when it answers), queued
/// in the app (works offline; the server decides at the next sync).
async fn repair_command<C>(path: String, body: Value, command: &C) -> Result<(), ApiError>
where
    C: houqin_shared::sync::NamedCommand + serde::Serialize,
{
    match host() {
        Host::Browser => call::<Value>(Method::Post, &path, Some(body))
            .await
            .map(drop),
        Host::Tauri => tauri::enqueue(command).await,
    }
}

pub async fn report_repair(req: houqin_shared::repairs::Report) -> Result<(), ApiError> {
    repair_command("/repairs".into(), encode(&req)?, &req).await
}

pub async fn repair_step(req: houqin_shared::repairs::TakeStep) -> Result<(), ApiError> {
    let path = format!("/repairs/{}/steps", req.work_order_id);
    repair_command(path, encode(&req.step)?, &req).await
}

pub async fn repair_use_part(req: houqin_shared::repairs::UsePart) -> Result<(), ApiError> {
    let path = format!("/repairs/{}/parts", req.work_order_id);
    let body = serde_json::json!({"id": req.id, "part_id": req.part_id, "quantity": req.quantity});
    repair_command(path, body, &req).await
}

pub async fn repair_claim(req: houqin_shared::repairs::Claim) -> Result<(), ApiError> {
    let path = format!("/repairs/{}/claim", req.work_order_id);
    repair_command(path, serde_json::json!({}), &req).await
}

pub async fn repair_reassign(req: houqin_shared::repairs::Reassign) -> Result<(), ApiError> {
    let path = format!("/repairs/{}/reassign", req.work_order_id);
    let body = serde_json::json!({"to": req.to, "reason": req.reason});
    repair_command(path, body, &req).await
}

pub async fn repair_review(req: houqin_shared::repairs::Review) -> Result<(), ApiError> {
    let path = format!("/repairs/{}/review", req.work_order_id);
    repair_command(path, encode(&req.verdict)?, &req).await
}

pub async fn repair_follow(req: houqin_shared::repairs::Follow) -> Result<(), ApiError> {
    let path = format!("/repairs/{}/follow", req.work_order_id);
    let body = serde_json::json!({"follow": req.follow});
    repair_command(path, body, &req).await
}

/// What a tagged asset is, for anyone who scanned its tag (no session).
pub async fn public_asset(code: &str) -> Result<Value, ApiError> {
    browser::call_public(Method::Get, &format!("/repairs/public/{code}"), None).await
}

/// Reports a tagged asset without signing in; answers the repair's number
/// and whether the report joined one already open.
pub async fn public_report(
    code: &str,
    urgency: houqin_shared::repairs::Urgency,
    description: String,
) -> Result<(String, bool), ApiError> {
    let body = serde_json::json!({"id": uuid::Uuid::now_v7(), "urgency": urgency, "description": description});
    let v =
        browser::call_public(Method::Post, &format!("/repairs/public/{code}"), Some(body)).await?;
    Ok((
        v["number"].as_str().unwrap_or_default().to_owned(),
        v["joined"].as_bool().unwrap_or(false),
    ))
}

/// The managers' repair figures for a range of campus days.
pub async fn repair_dashboard(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<houqin_shared::repairs::RepairDashboard, ApiError> {
    call(
        Method::Get,
        &format!("/repairs/dashboard?from={from}&to={to}"),
        None,
    )
    .await
}

/// A month's technician performance and piece-rate pay (`2026-12`).
pub async fn repair_pay(month: &str) -> Result<Vec<houqin_shared::repairs::PayLine>, ApiError> {
    call(Method::Get, &format!("/repairs/pay?month={month}"), None).await
}

/// A repairs file (browser only): `dashboard/export?…` or `pay?…`, with `format` added.
pub async fn download_repairs(query: &str, format: &str, filename: &str) -> Result<(), ApiError> {
    match host() {
        Host::Browser => {
            browser::download(
                &format!("/repairs/{query}&format={format}"),
                &format!("{filename}.{format}"),
            )
            .await
        }
        Host::Tauri => Err(ApiError::from_code(
            ErrorCode::Validation,
            "exports download in the web app",
        )),
    }
}

/// The campus's zones.
pub async fn zones() -> Result<Vec<houqin_shared::directory::Zone>, ApiError> {
    call(Method::Get, "/directory/zones", None).await
}

/// Sets what dispatch knows about a technician (managers).
pub async fn set_technician(
    profile: houqin_shared::repairs::TechnicianProfile,
) -> Result<houqin_shared::repairs::TechnicianProfile, ApiError> {
    call(
        Method::Put,
        &format!("/repairs/technicians/{}", profile.user_id),
        Some(encode(&profile)?),
    )
    .await
}

/// The campus's SLA targets, every category and urgency.
pub async fn sla_targets() -> Result<Vec<houqin_shared::repairs::SlaTarget>, ApiError> {
    call(Method::Get, "/repairs/sla", None).await
}

pub async fn set_sla_targets(
    targets: Vec<houqin_shared::repairs::SlaTarget>,
) -> Result<Vec<houqin_shared::repairs::SlaTarget>, ApiError> {
    call(
        Method::Put,
        "/repairs/sla",
        Some(serde_json::json!({ "targets": targets })),
    )
    .await
}

/// Takeout deliveries waiting for a courier, and the caller's own.
pub async fn deliveries() -> Result<Vec<houqin_shared::dining::Delivery>, ApiError> {
    call(Method::Get, "/deliveries", None).await
}

pub async fn claim_delivery(
    id: houqin_shared::ids::OrderId,
) -> Result<houqin_shared::dining::Delivery, ApiError> {
    call(Method::Post, &format!("/deliveries/{id}/claim"), None).await
}

pub async fn deliver(
    id: houqin_shared::ids::OrderId,
) -> Result<houqin_shared::dining::Delivery, ApiError> {
    call(Method::Post, &format!("/deliveries/{id}/deliver"), None).await
}

/// Today's queue at a canteen (its staff), one window's or all.
pub async fn queue(
    canteen: CanteenId,
    window: Option<WindowId>,
) -> Result<Vec<houqin_shared::dining::Order>, ApiError> {
    let mut path = format!("/dining/canteens/{canteen}/queue");
    if let Some(w) = window {
        path.push_str(&format!("?window_id={w}"));
    }
    call(Method::Get, &path, None).await
}

/// A paid sale's dishes queued at the window.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WalkIn {
    pub id: houqin_shared::ids::OrderId,
    pub window_id: WindowId,
    pub period: houqin_shared::calendar::MealPeriod,
    pub lines: Vec<houqin_shared::dining::LineRequest>,
}

pub async fn walk_in(req: WalkIn) -> Result<houqin_shared::dining::Order, ApiError> {
    call(Method::Post, "/dining/walk-ins", Some(encode(&req)?)).await
}

/// Moves an order one step along the window's queue.
pub async fn advance_order(
    id: houqin_shared::ids::OrderId,
    to: houqin_shared::dining::OrderStatus,
) -> Result<houqin_shared::dining::Order, ApiError> {
    call(
        Method::Post,
        &format!("/dining/orders/{id}/advance"),
        Some(encode(&houqin_shared::dining::AdvanceOrder { to })?),
    )
    .await
}

/// The canteen office's report for a campus day (managers).
pub async fn reconciliation(
    day: chrono::NaiveDate,
) -> Result<houqin_shared::settlement::Reconciliation, ApiError> {
    call(
        Method::Get,
        &format!("/payments/reconciliation?day={day}"),
        None,
    )
    .await
}

/// Settles one canteen's ended day (managers).
pub async fn settle(
    req: houqin_shared::settlement::SettleDay,
) -> Result<houqin_shared::settlement::Settlement, ApiError> {
    call(Method::Post, "/payments/settlements", Some(encode(&req)?)).await
}

/// Downloads the day's reconciliation as `csv` or `xlsx` (in a browser; the
/// desktop app has no downloads folder of its own to put it in).
pub async fn download_reconciliation(day: chrono::NaiveDate, format: &str) -> Result<(), ApiError> {
    match host() {
        Host::Browser => {
            browser::download(
                &format!("/payments/reconciliation/export?day={day}&format={format}"),
                &format!("houqin-reconciliation-{day}.{format}"),
            )
            .await
        }
        Host::Tauri => Err(ApiError::from_code(
            ErrorCode::Validation,
            "exports download in the web app",
        )),
    }
}

/// Whether files can be downloaded here (a browser).
pub fn can_download() -> bool {
    host() == Host::Browser
}

/// What this kiosk may still sell offline: `None` in a browser (the web
/// kiosk is online-only).
pub async fn offline_allowance() -> Result<Option<houqin_shared::kiosk::OfflineAllowance>, ApiError>
{
    match host() {
        Host::Browser => Ok(None),
        Host::Tauri => tauri::offline_allowance().await.map(Some),
    }
}

/// A fresh QR pay code for the signed-in person, signed on this device
/// (works offline). Shown for `paycode::ROTATE_SECS`, then replaced.
pub async fn pay_code() -> Result<String, ApiError> {
    match host() {
        Host::Browser => browser::pay_code(),
        Host::Tauri => tauri::pay_code().await,
    }
}

/// Whether this device has a campus-card reader the app drives (the desktop
/// kiosk). In a browser a USB reader types the card's id into the field.
pub fn has_card_reader() -> bool {
    host() == Host::Tauri
}

/// Waits up to `wait_secs` for a card on the kiosk's reader, authenticates it
/// and answers its id. A refusal's `field` names what went wrong
/// (`card_removed`, `wrong_mac`, `unknown_card`, `malformed`, `no_card`, …).
pub async fn read_card(wait_secs: u64) -> Result<String, ApiError> {
    match host() {
        Host::Tauri => tauri::read_card(wait_secs).await,
        Host::Browser => Err(ApiError::from_code(ErrorCode::Validation, "no card reader")),
    }
}

/// Money back for (part of) a sale, approved by a supervisor.
pub async fn refund(req: Refund) -> Result<RefundOutcome, ApiError> {
    call(Method::Post, "/payments/refunds", Some(encode(&req)?)).await
}

/// The cashier's sales since the start of today.
pub async fn shift() -> Result<ShiftSummary, ApiError> {
    call(Method::Get, "/payments/shift", None).await
}

// ---- Sync ------------------------------------------------------------------
//
// The engine's status and queue are `houqin_shared::sync` types, decoded
// from the `sync_status` and `pending_actions` answers.

pub use houqin_shared::sync::{ActionState, PendingAction, SyncStatus};

/// Whether changes can wait on this device for the server (the Tauri app's
/// outbox). The web app saves online at once and has nothing pending.
pub fn has_outbox() -> bool {
    host() == Host::Tauri
}

/// The sync state now. In the browser: whether the last call reached the
/// server and the browser believes it is online; never anything pending.
pub async fn sync_status() -> Result<SyncStatus, ApiError> {
    match host() {
        Host::Browser => Ok(browser::sync_status()),
        Host::Tauri => tauri::sync_status().await,
    }
}

/// The changes not yet confirmed, newest first (none in the browser).
pub async fn pending_actions() -> Result<Vec<PendingAction>, ApiError> {
    match host() {
        Host::Browser => Ok(Vec::new()),
        Host::Tauri => tauri::pending_actions().await,
    }
}

/// Clears a refused action the user has read. Answers whether there was one.
pub async fn dismiss_rejected(seq: u64) -> Result<bool, ApiError> {
    match host() {
        Host::Browser => Ok(false),
        Host::Tauri => {
            let dismissed = tauri::dismiss_rejected(seq).await;
            sync_changed();
            dismissed
        }
    }
}

/// Sends what waits and fetches what is new, now, whatever the retry timer
/// says. In the browser, checks that the server can be reached.
pub async fn sync_now() -> Result<(), ApiError> {
    let result = match host() {
        Host::Browser => browser::probe().await,
        Host::Tauri => tauri::sync_now().await,
    };
    sync_changed();
    result
}

thread_local! {
    /// Told when the sync state may have changed (a call failed or came back,
    /// an action was queued or dismissed). The UI is single-threaded.
    static SYNC_WATCHER: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Registers the one watcher of sync changes (the sync indicator); `None`
/// removes it.
pub fn watch_sync(watcher: Option<Box<dyn Fn()>>) {
    SYNC_WATCHER.with(|w| *w.borrow_mut() = watcher);
}

fn sync_changed() {
    SYNC_WATCHER.with(|w| {
        if let Some(watcher) = w.borrow().as_ref() {
            watcher();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: ErrorCode) -> ApiError {
        ApiError::from_code(code, "x")
    }

    #[test]
    fn classifies_errors() {
        assert!(server(ErrorCode::SessionExpired).ends_session());
        assert!(server(ErrorCode::Unauthenticated).ends_session());
        assert!(!server(ErrorCode::InvalidCredentials).ends_session());
        assert!(!ApiError::Network.ends_session());
        assert!(ApiError::Network.is_unreachable());
        assert!(server(ErrorCode::Unavailable).is_unreachable());
        assert!(!server(ErrorCode::Internal).is_unreachable());
        assert!(!ApiError::Decode("x".into()).is_unreachable());
    }

    #[test]
    fn engine_sync_shapes_decode() {
        // As `houqin_engine` serialises them.
        let status: SyncStatus = decode(serde_json::json!({
            "online": false,
            "syncing": false,
            "pending": 3,
            "rejected": 1,
            "last_error": {"code": "unavailable", "message": "offline"},
            "last_synced_at": "2026-03-01T08:05:00Z",
        }))
        .expect("a status");
        assert_eq!((status.pending, status.rejected), (3, 1));
        assert_eq!(
            status.last_error.map(|e| e.code),
            Some(ErrorCode::Unavailable)
        );
        let fresh: SyncStatus = decode(serde_json::json!({
            "online": false, "syncing": true, "pending": 0, "rejected": 0,
            "last_error": null, "last_synced_at": null,
        }))
        .expect("a status");
        assert!(fresh.syncing && fresh.last_synced_at.is_none());

        let actions: Vec<PendingAction> = decode(serde_json::json!([
            {
                "seq": 2,
                "command_id": "0190a1b2-0000-7000-8000-000000000002",
                "name": "accounts.set_lang",
                "created_at": "2026-03-01T08:05:00Z",
                "state": "rejected",
                "reason": {"code": "validation", "message": "bad", "field": "lang"},
            },
            {
                "seq": 1,
                "command_id": "0190a1b2-0000-7000-8000-000000000001",
                "name": "notifications.mark_read",
                "created_at": "2026-03-01T08:04:00Z",
                "state": "pending",
                "reason": null,
            },
            {
                "seq": 0,
                "command_id": "0190a1b2-0000-7000-8000-000000000000",
                "name": "x.y",
                "created_at": "2026-03-01T08:04:00Z",
                "state": "parked",
            },
        ]))
        .expect("actions");
        assert_eq!(actions[0].state, ActionState::Rejected);
        assert_eq!(
            actions[0].reason.as_ref().and_then(|r| r.field.as_deref()),
            Some("lang")
        );
        assert_eq!(actions[1].state, ActionState::Pending);
        assert_eq!(actions[2].state, ActionState::Unknown);
    }

    #[test]
    fn unit_answers_decode_from_null() {
        let unit: Result<(), ApiError> = decode(Value::Null);
        assert_eq!(unit, Ok(()));
        let me: Result<Option<Me>, ApiError> = decode(Value::Null);
        assert_eq!(me, Ok(None));
    }
}
