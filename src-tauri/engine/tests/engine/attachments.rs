//! Photos offline: kept at once, uploaded at the next sync, resumed after the
//! connection drops midway — against the real server, with the connection
//! cut at the engine's transport seam after a chosen number of chunks.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use houqin_engine::client::{
    ApiMethod, ApiRequest, BoxFuture, ClientError, HttpTransport, Reply, Transport,
};
use houqin_engine::{Engine, EngineConfig, UploadState};
use houqin_shared::ErrorCode;
use houqin_shared::attachments::{CHUNK_BYTES, MAX_ATTACHMENT_BYTES};

use super::harness::Backend;
use super::login_as;

/// HTTP, except that the chunk uploads numbered `cut_after + 1` and on are
/// cut: the chunk reaches the server (it stores it) and the reply is lost,
/// then every later request fails to connect — until `heal`.
#[derive(Debug)]
struct Cuttable {
    http: HttpTransport,
    chunks_sent: AtomicUsize,
    cut_after: AtomicUsize,
}

impl Cuttable {
    fn heal(&self) {
        self.cut_after.store(usize::MAX, Ordering::SeqCst);
    }

    fn is_chunk(req: &ApiRequest<'_>) -> bool {
        req.method == ApiMethod::Put && req.path.as_str().contains("/chunks/")
    }
}

impl Transport for Cuttable {
    fn exchange<'a>(&'a self, req: ApiRequest<'a>) -> BoxFuture<'a, Result<Reply, ClientError>> {
        Box::pin(async move {
            let cut_after = self.cut_after.load(Ordering::SeqCst);
            let sent = self.chunks_sent.load(Ordering::SeqCst);
            if sent > cut_after {
                return Err(ClientError::Unreachable("the connection is down".into()));
            }
            let reply = self.http.exchange(req).await?;
            if Self::is_chunk(&req) {
                let n = self.chunks_sent.fetch_add(1, Ordering::SeqCst) + 1;
                if n > cut_after {
                    return Err(ClientError::Unreachable(
                        "the connection dropped before the reply".into(),
                    ));
                }
            }
            Ok(reply)
        })
    }
}

/// A PNG signature and `len - 8` bytes that do not repeat in chunk-sized runs.
fn photo(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.push(x.to_le_bytes()[3]);
    }
    bytes
}

#[tokio::test]
async fn a_photo_upload_resumes_after_the_connection_drops_midway() {
    let backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let transport = Arc::new(Cuttable {
        http: HttpTransport::new(&backend.url()).unwrap(),
        chunks_sent: AtomicUsize::new(0),
        cut_after: AtomicUsize::new(2),
    });
    let engine = Engine::open_with_transport(
        EngineConfig::new(dir.path(), backend.url()),
        transport.clone(),
    )
    .unwrap();
    engine.login(login_as("technician", "demo")).await.unwrap();

    // Five chunks; offline-safe: kept at once, nothing sent yet.
    let bytes = photo(CHUNK_BYTES * 4 + 999);
    let added = engine.add_attachment(&bytes).unwrap();
    assert_eq!(added.size, bytes.len() as u64);
    assert_eq!(engine.add_attachment(&bytes).unwrap(), added, "kept once");
    assert_eq!(engine.status().unwrap().uploads_pending, 1);
    assert_eq!(
        engine.attachment_bytes(&added.sha256).unwrap(),
        Some(bytes.clone())
    );

    // The third chunk reaches the server and its reply is lost; then the line is down.
    let err = engine.sync_once().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unavailable, "{err:?}");
    assert_eq!(transport.chunks_sent.load(Ordering::SeqCst), 3);
    let status = engine.status().unwrap();
    assert_eq!(status.uploads_pending, 1);
    assert!(!status.online);
    let held = server_status(&engine, &added.sha256.to_string()).await;
    assert!(held.is_none(), "offline: the engine cannot ask");

    // Back online: the upload goes on from the server's offset, not from zero.
    transport.heal();
    let report = engine.sync_once().await.unwrap();
    assert_eq!(report.uploads, 1, "{report:?}");
    assert_eq!(
        report.upload_bytes,
        (bytes.len() - 3 * CHUNK_BYTES) as u64,
        "only the bytes the server lacked were sent: {report:?}"
    );
    assert_eq!(transport.chunks_sent.load(Ordering::SeqCst), 5);
    assert_eq!(engine.status().unwrap().uploads_pending, 0);
    let uploads = engine.uploads().unwrap();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].state, UploadState::Uploaded);

    // The server has exactly these bytes, under their hash.
    let held = server_status(&engine, &added.sha256.to_string())
        .await
        .expect("online");
    assert_eq!(held["complete"], true);
    let res = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/attachments/{}",
            backend.url(),
            added.sha256
        ))
        .bearer_auth(access_token(&backend, &engine).await)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // A later sync sends nothing again.
    let again = engine.sync_once().await.unwrap();
    assert_eq!((again.uploads, again.upload_bytes), (0, 0));
}

#[tokio::test]
async fn photos_that_are_not_images_or_too_large_are_refused_and_nothing_is_kept() {
    let backend = Backend::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineConfig::new(dir.path(), backend.url())).unwrap();
    engine.login(login_as("student", "demo")).await.unwrap();

    let too_large = photo(usize::try_from(MAX_ATTACHMENT_BYTES).unwrap() + 1);
    let cases: [(&[u8], &str); 3] = [
        (b"", "empty"),
        (b"%PDF-1.7 not a photo", "JPEG"),
        (&too_large, "MiB"),
    ];
    for (bytes, says) in cases {
        let err = engine.add_attachment(bytes).unwrap_err();
        assert_eq!(err.code, ErrorCode::Validation, "{err:?}");
        assert_eq!(err.field.as_deref(), Some("photo"));
        assert!(err.message.contains(says), "{err:?}");
    }
    assert_eq!(engine.uploads().unwrap(), vec![]);
    assert_eq!(engine.status().unwrap().uploads_pending, 0);
}

/// HTTP until `down` is set; then nothing connects.
#[derive(Debug)]
pub(super) struct Switch {
    pub http: HttpTransport,
    pub down: std::sync::atomic::AtomicBool,
}

impl Transport for Switch {
    fn exchange<'a>(&'a self, req: ApiRequest<'a>) -> BoxFuture<'a, Result<Reply, ClientError>> {
        Box::pin(async move {
            if self.down.load(Ordering::SeqCst) {
                return Err(ClientError::Unreachable("the connection is down".into()));
            }
            self.http.exchange(req).await
        })
    }
}

#[tokio::test]
async fn a_photo_seen_once_shows_again_offline() {
    let backend = Backend::start().await;
    // A manager's device uploads a photo (a dish's, say).
    let manager_dir = tempfile::tempdir().unwrap();
    let manager = Engine::open(EngineConfig::new(manager_dir.path(), backend.url())).unwrap();
    manager.login(login_as("manager", "demo")).await.unwrap();
    let bytes = photo(CHUNK_BYTES + 77);
    let added = manager.add_attachment(&bytes).unwrap();
    manager.sync_once().await.unwrap();

    // A student's phone fetches it from the server, checked and kept.
    let dir = tempfile::tempdir().unwrap();
    let transport = Arc::new(Switch {
        http: HttpTransport::new(&backend.url()).unwrap(),
        down: std::sync::atomic::AtomicBool::new(false),
    });
    let student = Engine::open_with_transport(
        EngineConfig::new(dir.path(), backend.url()),
        transport.clone(),
    )
    .unwrap();
    student.login(login_as("student", "demo")).await.unwrap();
    assert_eq!(student.attachment_bytes(&added.sha256).unwrap(), None);
    let (mime, fetched) = student.photo(&added.sha256).await.unwrap();
    assert_eq!((mime, fetched.as_slice()), (added.mime, bytes.as_slice()));

    // Offline, the same photo still shows; it is not queued for upload.
    transport.down.store(true, Ordering::SeqCst);
    let (_, again) = student.photo(&added.sha256).await.unwrap();
    assert_eq!(again, bytes);
    assert_eq!(student.status().unwrap().uploads_pending, 0);

    // One never seen cannot show offline; online, an unknown one is not found.
    let unknown = houqin_shared::attachments::ContentHash::of(b"never uploaded");
    let err = student.photo(&unknown).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unavailable, "{err:?}");
    transport.down.store(false, Ordering::SeqCst);
    let err = student.photo(&unknown).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{err:?}");
}

/// The server's view of an upload, through the engine's session (None offline).
async fn server_status(engine: &Engine, sha256: &str) -> Option<serde_json::Value> {
    engine
        .call("GET", &format!("/attachments/{sha256}/status"), None)
        .await
        .ok()
}

/// A fresh access token for the engine's user, to fetch bytes outside the engine.
async fn access_token(backend: &Backend, engine: &Engine) -> String {
    let me = engine
        .current_user()
        .expect("the store answers")
        .expect("signed in");
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", backend.url()))
        .json(&serde_json::json!({"username": me.username, "password": "demo"}))
        .send()
        .await
        .expect("the server answers");
    let body: serde_json::Value = res.json().await.expect("JSON");
    body["access_token"].as_str().expect("a token").to_owned()
}
