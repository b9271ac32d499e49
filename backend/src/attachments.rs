//! Attachments (photos): content-addressed per campus, uploaded in chunks that
//! resume where the stored bytes end (`shared::attachments`).
//!
//! `POST /attachments` declares an upload and answers how much of it is here
//! (idempotent, so it is also how a client resumes); `PUT
//! /attachments/{sha256}/chunks/{offset}` appends the bytes at `offset` (a
//! replayed chunk is answered, not stored twice); the last chunk checks the
//! whole against its hash and its image type. `GET /attachments/{sha256}`
//! answers the bytes. A command names photos by hash and refuses unfinished
//! ones with [`require_complete`].
//!
//! Invariant: an attachment is `complete` only if its chunks are exactly its
//! bytes (hash checked) and they are an image of the declared type.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use houqin_shared::attachments::{
    AttachmentStatus, ContentHash, DeclareAttachment, ImageType, MAX_CHUNK_BYTES,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::authz::Principal;
use crate::entities::{attachment_chunks as chunks, attachments as rows};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;

fn status(row: &rows::Model) -> ApiResult<AttachmentStatus> {
    Ok(AttachmentStatus {
        sha256: ContentHash::parse(&row.sha256)
            .map_err(|_| ApiError::Internal(format!("stored hash {}", row.sha256)))?,
        size: u64::try_from(row.size).unwrap_or(0),
        mime: ImageType::from_mime(&row.mime)
            .ok_or_else(|| ApiError::Internal(format!("stored mime {}", row.mime)))?,
        received: u64::try_from(row.received).unwrap_or(0),
        complete: row.complete,
    })
}

fn hash_param(raw: &str) -> ApiResult<ContentHash> {
    Ok(ContentHash::parse(raw)?)
}

async fn find(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    hash: &ContentHash,
    lock: bool,
) -> ApiResult<Option<rows::Model>> {
    let mut query = rows::Entity::find_by_id((campus_id, hash.to_string()));
    if lock && conn.get_database_backend() == DbBackend::Postgres {
        // Two devices uploading the same photo take turns chunk by chunk.
        query = query.lock_exclusive();
    }
    Ok(query.one(conn).await?)
}

/// Declares an upload (or resumes one): answers how many bytes the server
/// holds. The same bytes declared again — by anyone on the campus — share one
/// upload; a finished one answers `complete` at once.
#[utoipa::path(post, path = "/attachments", tag = "attachments", request_body = DeclareAttachment,
    responses((status = 200, body = AttachmentStatus),
        (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "the hash was declared with another size or type"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn declare(
    State(state): State<AppState>,
    p: Principal,
    Json(req): Json<DeclareAttachment>,
) -> ApiResult<Json<AttachmentStatus>> {
    req.validate()?;
    let size = i64::try_from(req.size).map_err(|_| ApiError::Validation {
        field: "size".into(),
        message: "too large".into(),
    })?;
    let now = state.clock.now();
    let tx = state.db.write().await?;
    rows::Entity::insert(rows::ActiveModel {
        campus_id: Set(p.campus_id),
        sha256: Set(req.sha256.to_string()),
        size: Set(size),
        mime: Set(req.mime.mime().to_string()),
        received: Set(0),
        complete: Set(false),
        uploaded_by: Set(p.user_id),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([rows::Column::CampusId, rows::Column::Sha256])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&*tx)
    .await?;
    let row = find(&*tx, p.campus_id, &req.sha256, false)
        .await?
        .ok_or(ApiError::NotFound("attachment"))?;
    if row.size != size {
        return Err(ApiError::Conflict {
            message: format!("this hash was declared with {} bytes", row.size),
            field: Some("size".into()),
        });
    }
    if row.mime != req.mime.mime() {
        return Err(ApiError::Conflict {
            message: format!("this hash was declared as {}", row.mime),
            field: Some("mime".into()),
        });
    }
    tx.commit().await?;
    Ok(Json(status(&row)?))
}

/// Appends the bytes at `offset`, which must be where the stored bytes end (a
/// chunk already stored is answered again, unchanged). The last chunk is
/// checked against the hash and the image type; an upload that fails either
/// is discarded, so a fresh declaration starts over.
#[utoipa::path(put, path = "/attachments/{sha256}/chunks/{offset}", tag = "attachments",
    params(("sha256" = String, Path, description = "the attachment's SHA-256, hex"),
        ("offset" = u64, Path, description = "the chunk's first byte")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "at most 1 MiB"),
    responses((status = 200, body = AttachmentStatus),
        (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody, description = "not declared"),
        (status = 409, body = houqin_shared::ApiErrorBody, description = "`offset` is not where the stored bytes end"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn put_chunk(
    State(state): State<AppState>,
    p: Principal,
    Path((sha256, offset)): Path<(String, u64)>,
    body: Bytes,
) -> ApiResult<Json<AttachmentStatus>> {
    let hash = hash_param(&sha256)?;
    if body.is_empty() {
        return Err(ApiError::Validation {
            field: "body".into(),
            message: "a chunk must not be empty".into(),
        });
    }
    if body.len() > MAX_CHUNK_BYTES {
        return Err(ApiError::Validation {
            field: "body".into(),
            message: format!("a chunk must be at most {} KiB", MAX_CHUNK_BYTES / 1024),
        });
    }
    let offset_i = i64::try_from(offset).map_err(|_| ApiError::Validation {
        field: "offset".into(),
        message: "too large".into(),
    })?;
    let len = i64::try_from(body.len()).unwrap_or(i64::MAX);
    let tx = state.db.write().await?;
    let row = find(&*tx, p.campus_id, &hash, true)
        .await?
        .ok_or(ApiError::NotFound("attachment"))?;
    // A replay of a chunk already stored (its reply was lost), or of any chunk
    // of a finished upload: the answer is where things stand.
    if row.complete || offset_i.saturating_add(len) <= row.received {
        return Ok(Json(status(&row)?));
    }
    if offset_i != row.received {
        return Err(ApiError::Conflict {
            message: format!("the next chunk starts at byte {}", row.received),
            field: Some("offset".into()),
        });
    }
    if offset_i.saturating_add(len) > row.size {
        return Err(ApiError::Validation {
            field: "body".into(),
            message: format!("runs past the declared size of {} bytes", row.size),
        });
    }
    chunks::Entity::insert(chunks::ActiveModel {
        campus_id: Set(p.campus_id),
        sha256: Set(row.sha256.clone()),
        offset: Set(offset_i),
        data: Set(body.to_vec()),
    })
    .exec_without_returning(&*tx)
    .await?;
    let received = offset_i + len;
    let mut update: rows::ActiveModel = row.clone().into();
    update.received = Set(received);
    update.updated_at = Set(state.clock.now());
    if received == row.size {
        let bytes = read_bytes(&*tx, p.campus_id, &row.sha256).await?;
        if let Err(e) = check_whole(&bytes, &hash, &row.mime) {
            // Discard what cannot become a valid attachment, then say why.
            chunks::Entity::delete_many()
                .filter(chunks::Column::CampusId.eq(p.campus_id))
                .filter(chunks::Column::Sha256.eq(&row.sha256))
                .exec(&*tx)
                .await?;
            rows::Entity::delete_by_id((p.campus_id, row.sha256.clone()))
                .exec(&*tx)
                .await?;
            tx.commit().await?;
            return Err(e);
        }
        update.complete = Set(true);
    }
    let row = update.update(&*tx).await?;
    tx.commit().await?;
    Ok(Json(status(&row)?))
}

fn check_whole(bytes: &[u8], hash: &ContentHash, mime: &str) -> ApiResult<()> {
    if ContentHash::of(bytes) != *hash {
        return Err(ApiError::Validation {
            field: "sha256".into(),
            message: "the bytes do not match their SHA-256; upload them again".into(),
        });
    }
    match ImageType::sniff(bytes) {
        Some(t) if t.mime() == mime => Ok(()),
        Some(t) => Err(ApiError::Validation {
            field: "mime".into(),
            message: format!("declared {mime} but the bytes are {}", t.mime()),
        }),
        None => Err(ApiError::Validation {
            field: "mime".into(),
            message: "not a JPEG, PNG or WebP image".into(),
        }),
    }
}

async fn read_bytes(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    sha256: &str,
) -> ApiResult<Vec<u8>> {
    let parts = chunks::Entity::find()
        .filter(chunks::Column::CampusId.eq(campus_id))
        .filter(chunks::Column::Sha256.eq(sha256))
        .order_by_asc(chunks::Column::Offset)
        .all(conn)
        .await?;
    let mut bytes = Vec::with_capacity(parts.iter().map(|c| c.data.len()).sum());
    for part in parts {
        bytes.extend_from_slice(&part.data);
    }
    Ok(bytes)
}

/// Where an upload stands; 404 if it was never declared.
#[utoipa::path(get, path = "/attachments/{sha256}/status", tag = "attachments",
    params(("sha256" = String, Path, description = "the attachment's SHA-256, hex")),
    responses((status = 200, body = AttachmentStatus),
        (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn get_status(
    State(state): State<AppState>,
    p: Principal,
    Path(sha256): Path<String>,
) -> ApiResult<Json<AttachmentStatus>> {
    let hash = hash_param(&sha256)?;
    let row = find(&state.db.conn, p.campus_id, &hash, false)
        .await?
        .ok_or(ApiError::NotFound("attachment"))?;
    Ok(Json(status(&row)?))
}

/// The bytes of a finished attachment of the caller's campus. Its name is its
/// content, so it is cached for good.
#[utoipa::path(get, path = "/attachments/{sha256}", tag = "attachments",
    params(("sha256" = String, Path, description = "the attachment's SHA-256, hex")),
    responses((status = 200, description = "the image", content_type = "image/*"),
        (status = 401, body = houqin_shared::ApiErrorBody),
        (status = 404, body = houqin_shared::ApiErrorBody, description = "unknown or not finished"),
        (status = 422, body = houqin_shared::ApiErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    p: Principal,
    Path(sha256): Path<String>,
) -> ApiResult<Response> {
    let hash = hash_param(&sha256)?;
    let row = find(&state.db.conn, p.campus_id, &hash, false)
        .await?
        .filter(|r| r.complete)
        .ok_or(ApiError::NotFound("attachment"))?;
    let bytes = read_bytes(&state.db.conn, p.campus_id, &row.sha256).await?;
    Ok((
        [
            (header::CONTENT_TYPE, row.mime),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable".to_string(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// For command handlers: every named photo is a finished upload of the campus.
/// The error names `field` (e.g. `photos.2`).
pub async fn require_complete(
    conn: &impl ConnectionTrait,
    campus_id: Uuid,
    hashes: &[ContentHash],
    field: &str,
) -> ApiResult<()> {
    if hashes.is_empty() {
        return Ok(());
    }
    let done: Vec<String> = rows::Entity::find()
        .select_only()
        .column(rows::Column::Sha256)
        .filter(rows::Column::CampusId.eq(campus_id))
        .filter(rows::Column::Complete.eq(true))
        .filter(rows::Column::Sha256.is_in(hashes.iter().map(ToString::to_string)))
        .into_tuple()
        .all(conn)
        .await?;
    match hashes.iter().position(|h| !done.contains(&h.to_string())) {
        None => Ok(()),
        Some(i) => Err(ApiError::Validation {
            field: format!("{field}.{i}"),
            message: "this photo has not been uploaded".into(),
        }),
    }
}

/// Drops uploads left unfinished since `before` (a device that never came
/// back); returns how many.
pub async fn prune_unfinished(
    db: &crate::db::Db,
    before: chrono::DateTime<Utc>,
) -> Result<u64, sea_orm::DbErr> {
    let stale: Vec<(Uuid, String)> = rows::Entity::find()
        .select_only()
        .column(rows::Column::CampusId)
        .column(rows::Column::Sha256)
        .filter(rows::Column::Complete.eq(false))
        .filter(rows::Column::UpdatedAt.lt(before))
        .into_tuple()
        .all(&db.conn)
        .await?;
    let mut pruned = 0;
    for (campus_id, sha256) in stale {
        let tx = db.write().await?;
        // Re-checked inside the transaction: it may have moved on meanwhile.
        let gone = rows::Entity::delete_many()
            .filter(rows::Column::CampusId.eq(campus_id))
            .filter(rows::Column::Sha256.eq(&sha256))
            .filter(rows::Column::Complete.eq(false))
            .filter(rows::Column::UpdatedAt.lt(before))
            .exec(&*tx)
            .await?;
        if gone.rows_affected == 1 {
            chunks::Entity::delete_many()
                .filter(chunks::Column::CampusId.eq(campus_id))
                .filter(chunks::Column::Sha256.eq(&sha256))
                .exec(&*tx)
                .await?;
            pruned += 1;
        }
        tx.commit().await?;
    }
    Ok(pruned)
}
