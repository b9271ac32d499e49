//! Accounts: login, refresh, logout, the signed-in user, and user administration.

pub mod admin;
pub mod limiter;
pub mod password;
pub mod routes;
pub mod tokens;

use chrono::Utc;
use houqin_shared::accounts::{
    LoginRequest, LoginResponse, Me, RefreshRequest, Role, SetLangRequest,
};
use houqin_shared::audit::AuditAction;
use houqin_shared::error::FieldError;
use houqin_shared::ids::{CampusId, SessionId, UserId};
use houqin_shared::sync::scope;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use crate::audit::{self, AuditRecord};
use crate::authz::{Principal, load_principal};
use crate::entities::{sessions, users};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::sync::changes::Changes;
use crate::sync::commands::{Command, Ctx};
use crate::sync::scopes::PROFILE;
use tokens::{AccessClaims, hash_secret, new_refresh_token, parse_refresh_token, same_hash};

pub fn me_of(p: &Principal) -> Me {
    Me {
        id: UserId(p.user_id),
        username: p.username.clone(),
        display_name: p.display_name.clone(),
        roles: p.roles.clone(),
        scopes: p.scopes.clone(),
        lang: p.lang,
        campus_id: CampusId(p.campus_id),
    }
}

/// Who is asking, for the audit log.
pub struct Caller<'a> {
    pub addr: &'a str,
    pub request_id: Option<String>,
}

pub async fn login(
    state: &AppState,
    req: LoginRequest,
    caller: Caller<'_>,
) -> ApiResult<LoginResponse> {
    req.validate()?;
    let now = state.clock.now();
    let username = req.username.trim().to_string();
    if let Err(retry_after_secs) = state.limiter.check(&username, caller.addr, now) {
        return Err(ApiError::LockedOut { retry_after_secs });
    }
    let user = users::Entity::find()
        .filter(users::Column::Username.eq(&username))
        .one(&state.db.conn)
        .await?;
    // Verify against a dummy hash for unknown users so timing does not reveal which exist.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    let ok = password::verify(req.password.clone(), hash).await? && user.is_some();
    let Some(user) = user.filter(|_| ok) else {
        let locked = state.limiter.fail(&username, caller.addr, now);
        let tx = state.db.write().await?;
        audit::record(
            &*tx,
            AuditRecord {
                campus_id: None,
                action: if locked {
                    AuditAction::LoginLockedOut
                } else {
                    AuditAction::LoginFailed
                },
                actor_id: None,
                actor_username: Some(username.clone()),
                target: None,
                ip: Some(caller.addr.to_string()),
                request_id: caller.request_id.clone(),
                detail: None,
                at: now,
            },
        )
        .await?;
        tx.commit().await?;
        return Err(ApiError::InvalidCredentials);
    };
    if !user.active {
        return Err(ApiError::AccountDisabled);
    }
    state.limiter.succeed(&username);

    let session_id = Uuid::now_v7();
    let (refresh_token, refresh_hash) = new_refresh_token(session_id);
    let refresh_expires_at = now + state.config.refresh_ttl;
    let tx = state.db.write().await?;
    let session = sessions::ActiveModel {
        id: Set(session_id),
        campus_id: Set(user.campus_id),
        user_id: Set(user.id),
        device_id: Set(req.device_id.clone()),
        device_public_key: Set(req.device_public_key.clone()),
        refresh_hash: Set(refresh_hash),
        refresh_expires_at: Set(refresh_expires_at),
        created_at: Set(now),
        last_used_at: Set(now),
        revoked_at: Set(None),
    }
    .insert(&*tx)
    .await?;
    // The device's pay-code key reaches the campus's kiosks (offline checks).
    let mut changes = crate::sync::changes::Changes::default();
    crate::payments::offline::session_opened(&mut changes, &session);
    let moved = crate::sync::changes::commit(&*tx, user.campus_id, changes, now).await?;
    audit::record(
        &*tx,
        AuditRecord {
            campus_id: Some(user.campus_id),
            action: AuditAction::LoginSucceeded,
            actor_id: Some(user.id),
            actor_username: Some(user.username.clone()),
            target: Some(format!("session:{session_id}")),
            ip: Some(caller.addr.to_string()),
            request_id: caller.request_id,
            detail: req.device_id.as_ref().map(|d| format!("device {d}")),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    state.pokes.send(moved);

    let principal = load_principal(state, user.id, session_id).await?;
    Ok(issue(state, &principal, refresh_token, refresh_expires_at))
}

fn issue(
    state: &AppState,
    p: &Principal,
    refresh_token: String,
    refresh_expires_at: chrono::DateTime<Utc>,
) -> LoginResponse {
    let access_expires_at = state.clock.now() + state.config.access_ttl;
    let access_token = state.keys.sign(&AccessClaims {
        sid: p.session_id,
        uid: p.user_id,
        exp: access_expires_at.timestamp(),
    });
    LoginResponse {
        access_token,
        access_expires_at,
        refresh_token,
        refresh_expires_at,
        session_id: SessionId(p.session_id),
        user: me_of(p),
    }
}

/// Exchanges a refresh token for a new pair. The old refresh token stops working;
/// presenting it again revokes the session (it was copied).
pub async fn refresh(state: &AppState, req: RefreshRequest) -> ApiResult<LoginResponse> {
    if req.refresh_token.len() > 256 {
        return Err(ApiError::validation("refresh_token", "too long"));
    }
    let (session_id, secret) = parse_refresh_token(&req.refresh_token)
        .ok_or_else(|| ApiError::validation("refresh_token", "not a refresh token"))?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    let session = sessions::Entity::find_by_id(session_id)
        .one(&*tx)
        .await?
        .ok_or(ApiError::SessionExpired)?;
    if session.revoked_at.is_some() || session.refresh_expires_at <= now {
        return Err(ApiError::SessionExpired);
    }
    if session.device_id.is_some() && session.device_id != req.device_id {
        return Err(ApiError::SessionExpired);
    }
    if !same_hash(&hash_secret(secret), &session.refresh_hash) {
        tracing::warn!(%session_id, "refresh token reused; revoking the session");
        let (campus_id, id) = (session.campus_id, session.id);
        let mut s: sessions::ActiveModel = session.into();
        s.revoked_at = Set(Some(now));
        s.update(&*tx).await?;
        let moved = close_pay_keys(&tx, campus_id, vec![id], now).await?;
        tx.commit().await?;
        state.pokes.send(moved);
        return Err(ApiError::SessionExpired);
    }
    let (refresh_token, refresh_hash) = new_refresh_token(session_id);
    let refresh_expires_at = now + state.config.refresh_ttl;
    let user_id = session.user_id;
    let mut s: sessions::ActiveModel = session.into();
    s.refresh_hash = Set(refresh_hash);
    s.refresh_expires_at = Set(refresh_expires_at);
    s.last_used_at = Set(now);
    s.update(&*tx).await?;
    tx.commit().await?;
    let principal = load_principal(state, user_id, session_id)
        .await
        .map_err(|e| match e {
            ApiError::Unauthenticated => ApiError::SessionExpired,
            other => other,
        })?;
    Ok(issue(state, &principal, refresh_token, refresh_expires_at))
}

pub async fn logout(state: &AppState, p: &Principal, caller: Caller<'_>) -> ApiResult<()> {
    let now = state.clock.now();
    let tx = state.db.write().await?;
    if let Some(session) = sessions::Entity::find_by_id(p.session_id).one(&*tx).await? {
        let mut s: sessions::ActiveModel = session.into();
        s.revoked_at = Set(Some(now));
        s.update(&*tx).await?;
    }
    let moved = close_pay_keys(&tx, p.campus_id, vec![p.session_id], now).await?;
    audit::record(
        &*tx,
        AuditRecord::by(p, AuditAction::Logout, caller, now)
            .target(format!("session:{}", p.session_id)),
    )
    .await?;
    tx.commit().await?;
    state.pokes.send(moved);
    Ok(())
}

impl Command for SetLangRequest {
    fn allowed(_: &[Role]) -> bool {
        true
    }

    fn validate(&self) -> Result<(), FieldError> {
        Ok(())
    }

    /// Remembers the user's UI language; their devices' profile rows follow.
    async fn apply(self, ctx: &mut Ctx<'_>) -> ApiResult<()> {
        users::ActiveModel {
            id: sea_orm::Unchanged(ctx.actor.user_id),
            lang: Set(self.lang.as_str().to_string()),
            updated_at: Set(ctx.now),
            ..Default::default()
        }
        .update(ctx.tx)
        .await?;
        let me = Me {
            lang: self.lang,
            ..me_of(ctx.actor)
        };
        ctx.changes.put(
            scope::user(ctx.actor.user_id),
            PROFILE,
            ctx.actor.user_id,
            &me,
        );
        Ok(())
    }
}

/// Changes the password and signs out every other session of the user.
pub async fn change_password(
    state: &AppState,
    p: &Principal,
    req: houqin_shared::accounts::ChangePasswordRequest,
    caller: Caller<'_>,
) -> ApiResult<()> {
    req.validate()?;
    let user = users::Entity::find_by_id(p.user_id)
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if !password::verify(req.current_password.clone(), user.password_hash.clone()).await? {
        return Err(ApiError::validation(
            "current_password",
            "the current password is wrong",
        ));
    }
    let hash = password::hash(req.new_password.clone()).await?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    users::ActiveModel {
        id: sea_orm::Unchanged(p.user_id),
        password_hash: Set(hash),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&*tx)
    .await?;
    let others: Vec<Uuid> = sessions::Entity::find()
        .select_only()
        .column(sessions::Column::Id)
        .filter(sessions::Column::UserId.eq(p.user_id))
        .filter(sessions::Column::Id.ne(p.session_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .into_tuple()
        .all(&*tx)
        .await?;
    let closed = close_pay_keys(&tx, p.campus_id, others.clone(), now).await?;
    sessions::Entity::update_many()
        .col_expr(
            sessions::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(sessions::Column::Id.is_in(others))
        .exec(&*tx)
        .await?;
    audit::record(
        &*tx,
        AuditRecord::by(p, AuditAction::PasswordChanged, caller, now)
            .target(format!("user:{}", p.user_id)),
    )
    .await?;
    let mut changes = Changes::default();
    crate::notifications::post(&*tx, &mut changes, crate::notifications::NewNotification {
        campus_id: p.campus_id,
        user_id: p.user_id,
        service: None,
        title: houqin_shared::text::LocalName::new("密码已修改", "Your password was changed"),
        body: houqin_shared::text::LocalName::new(
            "你的密码刚刚被修改，其他设备已退出登录。如果不是你本人操作，请立即联系后勤服务中心。",
            "Your password was just changed and your other devices were signed out. If this wasn't you, contact the logistics service centre now.",
        ),
        link: Some("/me".into()),
        at: now,
    })
    .await?;
    let moved = crate::sync::changes::commit(&*tx, p.campus_id, changes, now).await?;
    tx.commit().await?;
    state.pokes.send(moved);
    state.pokes.send(closed);
    Ok(())
}

/// Sessions signing out: their pay keys leave the kiosks, in the caller's
/// transaction. Answers the scopes to poke after commit.
pub(crate) async fn close_pay_keys(
    tx: &sea_orm::DatabaseTransaction,
    campus_id: Uuid,
    sessions: Vec<Uuid>,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let mut changes = crate::sync::changes::Changes::default();
    crate::payments::offline::sessions_closed(tx, &mut changes, sessions).await?;
    crate::sync::changes::commit(tx, campus_id, changes, now).await
}
