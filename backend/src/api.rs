//! The router: every API route is registered here through utoipa-axum, so a
//! route cannot exist without appearing in the OpenAPI document.

use std::path::Path as FsPath;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use houqin_shared::ApiErrorBody;
use serde::Serialize;
use tower_http::services::{ServeDir, ServeFile};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::state::AppState;
use crate::{
    accounts, attachments, audit, authz, dining, directory, http, notifications, payments, repairs,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Houqin API", description = "Campus logistics: accounts, the campus directory, notifications and every service."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(ApiErrorBody, houqin_shared::ErrorCode))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", tag = "ops", security(()), responses((status = 200, body = Health)))]
async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Readiness: the process answers and its database does too.
#[utoipa::path(get, path = "/ready", tag = "ops", security(()),
    responses((status = 200, body = Health), (status = 503, body = ApiErrorBody)))]
async fn ready(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.db.ping().await.map_err(ApiError::Unavailable)?;
    Ok(Json(Health {
        status: "ready",
        version: env!("CARGO_PKG_VERSION"),
    }))
}

static OPENAPI_JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "ops", security(()),
    responses((status = 200, description = "the OpenAPI 3 document", content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    let doc = OPENAPI_JSON.get_or_init(|| openapi().to_pretty_json().unwrap_or_default());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        doc.as_str(),
    )
}

/// The API routes and their OpenAPI document, paths relative to `/api/v1`.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(openapi_json))
        .routes(routes!(accounts::routes::login))
        .routes(routes!(accounts::routes::refresh))
        .routes(routes!(accounts::routes::logout))
        .routes(routes!(accounts::routes::me))
        .routes(routes!(accounts::routes::set_lang))
        .routes(routes!(accounts::routes::change_password))
        .routes(routes!(accounts::admin::list, accounts::admin::create))
        .routes(routes!(accounts::admin::import))
        .routes(routes!(accounts::admin::set_roles))
        .routes(routes!(accounts::admin::deactivate))
        .routes(routes!(accounts::admin::reactivate))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(audit::list))
        .routes(routes!(payments::get_wallet))
        .routes(routes!(payments::statement))
        .routes(routes!(payments::top_up))
        .routes(routes!(payments::put_settings))
        .routes(routes!(payments::put_pin))
        .routes(routes!(payments::issue_card))
        .routes(routes!(payments::report_lost))
        .routes(routes!(payments::unfreeze))
        .routes(routes!(payments::replace_card))
        .routes(routes!(payments::charge))
        .routes(routes!(payments::shift))
        .routes(routes!(payments::refund))
        .routes(routes!(payments::ledger_audit))
        .routes(routes!(dining::menu))
        .routes(routes!(dining::slots))
        .routes(routes!(dining::put_dish))
        .routes(routes!(dining::put_portions))
        .routes(routes!(dining::orders::place, dining::orders::mine))
        .routes(routes!(dining::orders::cancel))
        .routes(routes!(dining::orders::advance))
        .routes(routes!(dining::orders::walk_in))
        .routes(routes!(dining::orders::queue))
        .routes(routes!(dining::nutrition::week))
        .routes(routes!(dining::calendar::get, dining::calendar::put))
        .routes(routes!(dining::dashboard::dashboard))
        .routes(routes!(dining::dashboard::export))
        .routes(routes!(dining::feedback::rate))
        .routes(routes!(dining::feedback::ratings_of))
        .routes(routes!(
            dining::feedback::complain,
            dining::feedback::complaints_list
        ))
        .routes(routes!(dining::feedback::reply))
        .routes(routes!(dining::feedback::record_inspection))
        .routes(routes!(dining::feedback::inspections_of))
        .routes(routes!(dining::deliveries::list))
        .routes(routes!(dining::deliveries::claim))
        .routes(routes!(dining::deliveries::deliver))
        .routes(routes!(payments::settlement::reconciliation))
        .routes(routes!(payments::settlement::export))
        .routes(routes!(payments::settlement::settle))
        .routes(routes!(
            payments::settlement::get_policy,
            payments::settlement::put_policy
        ))
        .routes(routes!(repairs::list))
        .routes(routes!(repairs::jobs::report))
        .routes(routes!(repairs::get))
        .routes(routes!(repairs::list_parts))
        .routes(routes!(repairs::asset))
        .routes(routes!(repairs::public::sheet))
        .routes(routes!(repairs::dashboard::dashboard))
        .routes(routes!(repairs::dashboard::export))
        .routes(routes!(repairs::dashboard::pay))
        .routes(routes!(repairs::public::asset, repairs::public::report))
        .routes(routes!(repairs::technicians))
        .routes(routes!(repairs::put_technician))
        .routes(routes!(repairs::get_sla))
        .routes(routes!(repairs::put_sla))
        .routes(routes!(repairs::jobs::step))
        .routes(routes!(repairs::jobs::use_part))
        .routes(routes!(repairs::jobs::claim))
        .routes(routes!(repairs::jobs::reassign))
        .routes(routes!(repairs::jobs::review))
        .routes(routes!(repairs::jobs::follow))
        .routes(routes!(attachments::declare))
        .routes(routes!(attachments::put_chunk))
        .routes(routes!(attachments::get_status))
        .routes(routes!(attachments::download))
        .routes(routes!(crate::sync::routes::push))
        .routes(routes!(crate::sync::routes::pull))
        .routes(routes!(crate::sync::events::ticket))
        .routes(routes!(crate::sync::events::events))
        .routes(routes!(directory::campuses))
        .routes(routes!(directory::zones))
        .routes(routes!(directory::put_zone))
        .routes(routes!(directory::departments))
        .routes(routes!(directory::put_department))
        .routes(routes!(directory::list_buildings))
        .routes(routes!(directory::get_building, directory::put_building))
        .routes(routes!(directory::floors))
        .routes(routes!(directory::rooms))
        .routes(routes!(directory::put_room))
        .routes(routes!(directory::beds))
        .routes(routes!(directory::put_bed))
        .routes(routes!(directory::canteens))
        .routes(routes!(directory::put_canteen))
        .routes(routes!(directory::windows))
        .routes(routes!(directory::put_window))
        .routes(routes!(directory::dishes))
        .routes(routes!(directory::stations))
        .routes(routes!(directory::put_station))
        .routes(routes!(directory::lockers))
        .routes(routes!(directory::put_locker))
        .routes(routes!(directory::list_resources))
        .routes(routes!(directory::put_resource))
        .routes(routes!(directory::list_devices))
        .routes(routes!(directory::put_device))
}

/// The OpenAPI document as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = OpenApiRouter::<AppState>::new()
        .nest("/api/v1", api())
        .split_for_parts();
    doc
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("endpoint")
}

/// The whole application: the API under `/api/v1`, the web app at `/`.
pub fn router(state: AppState) -> Router {
    let (api, _) = OpenApiRouter::new()
        .nest("/api/v1", api())
        .split_for_parts();
    let api = api
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            authz::authorize,
        ))
        .route("/api/v1", get(api_not_found))
        .route("/api/v1/{*rest}", axum::routing::any(api_not_found));
    let body_limit = state.config.body_limit;
    let app = match state.config.static_dir.as_deref() {
        Some(dir) => api.fallback_service(web_app(dir)),
        None => api.fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                "Houqin API: the web app is not being served",
            )
        }),
    };
    app.layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(http::request_context))
        .with_state(state)
}

/// Static files of the built UI; any other path is a deep link and gets `index.html` (200).
fn web_app(dir: &FsPath) -> ServeDir<ServeFile> {
    ServeDir::new(dir)
        .precompressed_gzip()
        .fallback(ServeFile::new(dir.join("index.html")))
}
