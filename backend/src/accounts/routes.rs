//! HTTP handlers for sign-in and the signed-in user. Thin: the work is in `accounts`.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use houqin_shared::ApiErrorBody;
use houqin_shared::accounts::{
    ChangePasswordRequest, LoginRequest, LoginResponse, Me, RefreshRequest, SetLangRequest,
};

use super::Caller;
use crate::authz::Principal;
use crate::error::{ApiResult, current_request_id};
use crate::extract::Json;
use crate::http::ClientAddr;
use crate::state::AppState;

/// Signs in with a username and password; answers a device-bound token pair.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
        (status = 401, description = "wrong username or password", body = ApiErrorBody),
        (status = 403, description = "account disabled", body = ApiErrorBody),
        (status = 422, body = ApiErrorBody),
        (status = 429, description = "locked out after too many failures", body = ApiErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let caller = Caller {
        addr: &addr.0,
        request_id: current_request_id(),
    };
    super::login(&state, req, caller).await.map(Json)
}

/// Exchanges a refresh token for a new pair (the old refresh token is spent).
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<Json<LoginResponse>> {
    super::refresh(&state, req).await.map(Json)
}

/// Ends this session: its refresh token stops working at once.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    responses((status = 204), (status = 401, body = ApiErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
) -> ApiResult<StatusCode> {
    super::logout(
        &state,
        &p,
        Caller {
            addr: &addr.0,
            request_id: current_request_id(),
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = ApiErrorBody)))]
pub async fn me(p: Principal) -> Json<Me> {
    Json(super::me_of(&p))
}

/// Remembers the user's UI language.
#[utoipa::path(put, path = "/me/lang", tag = "auth", request_body = SetLangRequest,
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_lang(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<SetLangRequest>,
) -> ApiResult<StatusCode> {
    crate::sync::commands::execute(&state, &p, req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password; every other session of the user is signed out.
#[utoipa::path(post, path = "/me/password", tag = "auth", request_body = ChangePasswordRequest,
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    p: Principal,
    Json(req): Json<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    super::change_password(
        &state,
        &p,
        req,
        Caller {
            addr: &addr.0,
            request_id: current_request_id(),
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
