//! The upload queue for photos: content-addressed, resumable.
//!
//! [`Engine::add_attachment`] checks the bytes (an image, not too large),
//! names them by their SHA-256 and keeps them in the store — one transaction,
//! `synchronous=FULL` — so a command queued after it can name the photo by
//! hash, offline. Each push first uploads every pending attachment: it
//! declares the upload (the server answers how many bytes it already holds),
//! then sends the rest in chunks of [`CHUNK_BYTES`]. A dropped connection
//! loses at most the chunk in flight; the next sync resumes at the server's
//! offset. The same photo added twice is stored and sent once.
//!
//! Invariant: every attachment is uploaded (or refused for good) before the
//! commands queued after it are pushed, so a handler that requires the photo
//! finds it.

use chrono::{DateTime, Utc};
use houqin_shared::attachments::{
    AttachmentStatus, CHUNK_BYTES, ContentHash, DeclareAttachment, ImageType, check_image,
};
use houqin_shared::{ApiErrorBody, ErrorCode};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::SyncReport;
use super::outbox::{to_i64, to_u64};
use crate::Engine;
use crate::client::ClientError;
use crate::error::EngineError;
use crate::store::StoreError;

/// How often one upload may be told "that is not where the bytes end" in one
/// sync before it waits for the next (another device racing on the same photo).
const MAX_OFFSET_CONFLICTS: u32 = 3;

/// A photo kept on this device, named by its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub sha256: ContentHash,
    pub mime: ImageType,
    pub size: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    Pending,
    Uploaded,
    /// The server refused it; `reason` says why.
    Rejected,
}

/// One attachment and where its upload stands, for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    pub attachment: Attachment,
    pub state: UploadState,
    pub reason: Option<ApiErrorBody>,
    /// By this device's clock.
    pub created_at: DateTime<Utc>,
}

impl Engine {
    /// Keeps a photo for upload and answers its name (hash), type and size.
    /// Refuses (`validation`, field `photo`) what is empty, larger than the
    /// limit or not a JPEG, PNG or WebP image; stores nothing then. Works offline.
    pub fn add_attachment(&self, bytes: &[u8]) -> Result<Attachment, ApiErrorBody> {
        let add = || -> Result<Attachment, EngineError> {
            let mime = check_image(bytes)?;
            let attachment = Attachment {
                sha256: ContentHash::of(bytes),
                mime,
                size: bytes.len() as u64,
            };
            let now = self.clock.now();
            self.lock_store()
                .write(|tx| insert(tx, &attachment, bytes, now))?;
            Ok(attachment)
        };
        let attachment = add().map_err(|e| e.into_api("add_attachment"))?;
        self.sync.poke();
        Ok(attachment)
    }

    /// The bytes of a photo kept on this device (to show it offline).
    pub fn attachment_bytes(&self, sha256: &ContentHash) -> Result<Option<Vec<u8>>, ApiErrorBody> {
        bytes(self.lock_store().conn(), sha256)
            .map_err(|e| EngineError::from(e).into_api("attachment_bytes"))
    }

    /// A photo to show, by its hash: the copy kept on this device, else the
    /// server's (checked against its hash and kept, so it shows offline
    /// afterwards). Answers its type and bytes.
    pub async fn photo(&self, sha256: &ContentHash) -> Result<(ImageType, Vec<u8>), ApiErrorBody> {
        self.photo_inner(sha256)
            .await
            .map_err(|e| e.into_api("photo"))
    }

    async fn photo_inner(&self, sha256: &ContentHash) -> Result<(ImageType, Vec<u8>), EngineError> {
        if let Some(kept) = bytes(self.lock_store().conn(), sha256)? {
            return Ok((check_image(&kept)?, kept));
        }
        let fetched = self
            .with_token(|token| async move { self.client.get_attachment(&token, sha256).await })
            .await?;
        if ContentHash::of(&fetched) != *sha256 {
            return Err(EngineError::Server(ClientError::Unreachable(
                "the photo arrived damaged".into(),
            )));
        }
        let mime = check_image(&fetched)?;
        let attachment = Attachment {
            sha256: sha256.clone(),
            mime,
            size: fetched.len() as u64,
        };
        let now = self.clock.now();
        self.lock_store()
            .write(|tx| keep_downloaded(tx, &attachment, &fetched, now))?;
        Ok((mime, fetched))
    }

    /// Every attachment kept on this device, newest first.
    pub fn uploads(&self) -> Result<Vec<Upload>, ApiErrorBody> {
        all(self.lock_store().conn()).map_err(|e| EngineError::from(e).into_api("uploads"))
    }

    /// Uploads every pending attachment, resuming each where the server's copy
    /// ends. A refusal of the bytes themselves is final for that attachment;
    /// a network failure stops here and the next sync resumes.
    pub(super) async fn upload_inner(&self, report: &mut SyncReport) -> Result<(), EngineError> {
        let queue = pending(self.lock_store().conn())?;
        for attachment in queue {
            match self.upload_one(&attachment, report).await {
                Ok(()) => {
                    self.lock_store().write(|tx| {
                        set_state(tx, &attachment.sha256, UploadState::Uploaded, None)
                    })?;
                    report.uploads += 1;
                }
                Err(EngineError::Server(ClientError::Refused(reason)))
                    if refuses_the_bytes(&reason) =>
                {
                    tracing::warn!(sha256 = %attachment.sha256, code = ?reason.code, "attachment refused");
                    self.lock_store().write(|tx| {
                        set_state(tx, &attachment.sha256, UploadState::Rejected, Some(&reason))
                    })?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    async fn upload_one(
        &self,
        attachment: &Attachment,
        report: &mut SyncReport,
    ) -> Result<(), EngineError> {
        let declare = &DeclareAttachment {
            sha256: attachment.sha256.clone(),
            size: attachment.size,
            mime: attachment.mime,
        };
        let declare_it = || {
            self.with_token(
                |token| async move { self.client.declare_attachment(&token, declare).await },
            )
        };
        let mut status: AttachmentStatus = declare_it().await?;
        let mut conflicts = 0;
        while !status.complete {
            let offset = status.received;
            if offset >= attachment.size {
                return Err(EngineError::Server(ClientError::Refused(ApiErrorBody {
                    code: ErrorCode::Internal,
                    message: format!(
                        "the server holds {offset} of {} bytes but says the upload is unfinished",
                        attachment.size
                    ),
                    field: None,
                    request_id: None,
                })));
            }
            let chunk = chunk(self.lock_store().conn(), &attachment.sha256, offset)?;
            let chunk = &chunk;
            let sent = self
                .with_token(|token| async move {
                    self.client
                        .put_chunk(&token, &attachment.sha256, offset, chunk)
                        .await
                })
                .await;
            status = match sent {
                Ok(status) => {
                    report.upload_bytes += chunk.len() as u64;
                    status
                }
                // Someone else moved the upload on, or the server dropped an
                // abandoned one: ask where it stands and go on from there.
                Err(EngineError::Server(ClientError::Refused(r)))
                    if (r.code == ErrorCode::Conflict && r.field.as_deref() == Some("offset"))
                        || r.code == ErrorCode::NotFound =>
                {
                    conflicts += 1;
                    if conflicts > MAX_OFFSET_CONFLICTS {
                        return Err(ClientError::Refused(r).into());
                    }
                    declare_it().await?
                }
                Err(e) => return Err(e),
            };
        }
        tracing::debug!(sha256 = %attachment.sha256, size = attachment.size, "attachment uploaded");
        Ok(())
    }
}

/// A refusal that sending the same bytes again cannot change.
fn refuses_the_bytes(reason: &ApiErrorBody) -> bool {
    match reason.code {
        ErrorCode::Validation | ErrorCode::PayloadTooLarge => true,
        // The hash was declared with another size or type: these bytes cannot go up.
        ErrorCode::Conflict => matches!(reason.field.as_deref(), Some("size" | "mime")),
        _ => false,
    }
}

fn insert(
    conn: &Connection,
    a: &Attachment,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // The same bytes again: already kept (and perhaps uploaded). A refused one
    // is queued again, as the user chose it again.
    conn.execute(
        "INSERT INTO attachments (sha256, mime, size, data, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (sha256) DO UPDATE SET state = 'pending', rejection = NULL
         WHERE state = 'rejected'",
        params![
            a.sha256.as_str(),
            a.mime.mime(),
            to_i64(a.size),
            bytes,
            now.to_rfc3339()
        ],
    )?;
    Ok(())
}

/// A photo fetched from the server: kept as already uploaded (never sent back).
fn keep_downloaded(
    conn: &Connection,
    a: &Attachment,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO attachments (sha256, mime, size, data, state, created_at)
         VALUES (?1, ?2, ?3, ?4, 'uploaded', ?5)
         ON CONFLICT (sha256) DO NOTHING",
        params![
            a.sha256.as_str(),
            a.mime.mime(),
            to_i64(a.size),
            bytes,
            now.to_rfc3339()
        ],
    )?;
    Ok(())
}

fn decode(sha256: &str, mime: &str, size: i64) -> Result<Attachment, StoreError> {
    Ok(Attachment {
        sha256: ContentHash::parse(sha256).map_err(|e| StoreError::decode("attachment hash", e))?,
        mime: ImageType::from_mime(mime)
            .ok_or_else(|| StoreError::decode("attachment type", mime.to_owned()))?,
        size: to_u64(size),
    })
}

pub(crate) fn pending(conn: &Connection) -> Result<Vec<Attachment>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT sha256, mime, size FROM attachments WHERE state = 'pending'
         ORDER BY created_at, sha256",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (sha256, mime, size) = row?;
        out.push(decode(&sha256, &mime, size)?);
    }
    Ok(out)
}

/// How many attachments wait for upload.
pub(crate) fn pending_count(conn: &Connection) -> Result<u32, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM attachments WHERE state = 'pending'",
        [],
        |r| r.get(0),
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

fn all(conn: &Connection) -> Result<Vec<Upload>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT sha256, mime, size, state, rejection, created_at FROM attachments
         ORDER BY created_at DESC, sha256",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (sha256, mime, size, state, rejection, created_at) = row?;
        let state = match state.as_str() {
            "pending" => UploadState::Pending,
            "uploaded" => UploadState::Uploaded,
            "rejected" => UploadState::Rejected,
            other => return Err(StoreError::decode("upload state", other.to_owned())),
        };
        let reason = rejection
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| StoreError::decode("upload rejection", e))?;
        let created_at = DateTime::parse_from_rfc3339(&created_at)
            .map_err(|e| StoreError::decode("upload time", e))?
            .with_timezone(&Utc);
        out.push(Upload {
            attachment: decode(&sha256, &mime, size)?,
            state,
            reason,
            created_at,
        });
    }
    Ok(out)
}

fn bytes(conn: &Connection, sha256: &ContentHash) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT data FROM attachments WHERE sha256 = ?1",
            params![sha256.as_str()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Up to [`CHUNK_BYTES`] of the attachment from byte `offset`.
fn chunk(conn: &Connection, sha256: &ContentHash, offset: u64) -> Result<Vec<u8>, StoreError> {
    let data: Option<Vec<u8>> = conn
        .query_row(
            // substr on a BLOB counts bytes, from 1.
            "SELECT substr(data, ?2, ?3) FROM attachments WHERE sha256 = ?1",
            params![sha256.as_str(), to_i64(offset) + 1, CHUNK_BYTES as i64],
            |r| r.get(0),
        )
        .optional()?;
    data.ok_or_else(|| StoreError::decode("attachment", sha256.to_string()))
}

fn set_state(
    conn: &Connection,
    sha256: &ContentHash,
    state: UploadState,
    reason: Option<&ApiErrorBody>,
) -> Result<(), StoreError> {
    let state = match state {
        UploadState::Pending => "pending",
        UploadState::Uploaded => "uploaded",
        UploadState::Rejected => "rejected",
    };
    let reason = reason
        .map(serde_json::to_string)
        .transpose()
        .map_err(|source| StoreError::EncodeJson {
            what: "upload rejection",
            source,
        })?;
    conn.execute(
        "UPDATE attachments SET state = ?2, rejection = ?3 WHERE sha256 = ?1",
        params![sha256.as_str(), state, reason],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn png(len: usize) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend((0..len - 8).map(|i| (i * 7 % 251) as u8));
        bytes
    }

    #[test]
    fn chunks_cover_the_bytes_and_a_photo_is_kept_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let photo = png(CHUNK_BYTES * 2 + 17);
        let a = Attachment {
            sha256: ContentHash::of(&photo),
            mime: ImageType::Png,
            size: photo.len() as u64,
        };
        let now = Utc::now();
        store.write(|tx| insert(tx, &a, &photo, now)).unwrap();
        store.write(|tx| insert(tx, &a, &photo, now)).unwrap();
        assert_eq!(pending(store.conn()).unwrap(), vec![a.clone()]);

        let mut joined = Vec::new();
        let mut offset = 0;
        while offset < a.size {
            let part = chunk(store.conn(), &a.sha256, offset).unwrap();
            assert!(part.len() <= CHUNK_BYTES);
            offset += part.len() as u64;
            joined.extend(part);
        }
        assert_eq!(joined, photo);
        assert!(chunk(store.conn(), &a.sha256, a.size).unwrap().is_empty());

        // Uploaded: no longer pending, still readable; added again, stays uploaded.
        store
            .write(|tx| set_state(tx, &a.sha256, UploadState::Uploaded, None))
            .unwrap();
        store.write(|tx| insert(tx, &a, &photo, now)).unwrap();
        assert_eq!(pending_count(store.conn()).unwrap(), 0);
        assert_eq!(bytes(store.conn(), &a.sha256).unwrap(), Some(photo.clone()));

        // Refused, then chosen again: queued again.
        let reason = ApiErrorBody {
            code: ErrorCode::Validation,
            message: "no".into(),
            field: Some("mime".into()),
            request_id: None,
        };
        store
            .write(|tx| set_state(tx, &a.sha256, UploadState::Rejected, Some(&reason)))
            .unwrap();
        let listed = all(store.conn()).unwrap();
        assert_eq!(listed[0].state, UploadState::Rejected);
        assert_eq!(listed[0].reason.as_ref(), Some(&reason));
        store.write(|tx| insert(tx, &a, &photo, now)).unwrap();
        assert_eq!(pending_count(store.conn()).unwrap(), 1);
    }

    #[test]
    fn refusals_that_end_an_upload() {
        let r = |code, field: Option<&str>| ApiErrorBody {
            code,
            message: String::new(),
            field: field.map(str::to_owned),
            request_id: None,
        };
        assert!(refuses_the_bytes(&r(ErrorCode::Validation, Some("mime"))));
        assert!(refuses_the_bytes(&r(ErrorCode::PayloadTooLarge, None)));
        assert!(refuses_the_bytes(&r(ErrorCode::Conflict, Some("size"))));
        assert!(!refuses_the_bytes(&r(ErrorCode::Conflict, Some("offset"))));
        assert!(!refuses_the_bytes(&r(ErrorCode::Unavailable, None)));
        assert!(!refuses_the_bytes(&r(ErrorCode::SessionExpired, None)));
        assert!(!refuses_the_bytes(&r(ErrorCode::Forbidden, None)));
    }
}
