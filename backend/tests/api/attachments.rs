//! Attachments: chunked uploads that resume, are content-addressed, and are
//! refused clearly when the bytes are not what they claim to be.

use houqin_server::testkit::TestDb;
use houqin_shared::attachments::{CHUNK_BYTES, ContentHash};
use reqwest::Method;
use serde_json::json;

use crate::support::{Api, Body, start};

/// A PNG signature followed by `len - 8` deterministic bytes.
fn png(len: usize, salt: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut x: u32 = 0x9e37_79b9 ^ u32::from(salt);
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x.to_le_bytes()[0]);
    }
    bytes
}

async fn put_chunk(
    api: &Api,
    token: &str,
    hash: &str,
    offset: usize,
    bytes: &[u8],
) -> crate::support::Reply {
    api.call(
        Method::PUT,
        &format!("/attachments/{hash}/chunks/{offset}"),
        Some(token),
        Body::Raw("application/octet-stream", bytes.to_vec()),
    )
    .await
}

async fn chunk_rows(server: &houqin_server::testkit::TestServer) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let conn = &server.state.db.conn;
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM attachment_chunks",
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

async fn uploads(db: TestDb) {
    let server = start(db).await;
    let api = Api::new(&server);
    let student = api.login("student").await;
    let technician = api.login("technician").await;

    let photo = png(CHUNK_BYTES * 2 + 1234, 1);
    let hash = ContentHash::of(&photo).to_string();
    let declare = json!({"sha256": hash.to_uppercase(), "size": photo.len(), "mime": "image/png"});
    let status = api
        .post("/attachments", Some(&student), declare.clone())
        .await;
    let body = status.expect(200);
    assert_eq!(body["sha256"], hash, "kept lowercase");
    assert_eq!(
        (body["received"].as_u64(), body["complete"].as_bool()),
        (Some(0), Some(false))
    );
    api.get(&format!("/attachments/{hash}"), &student)
        .await
        .expect_error(404, "not_found");

    // The first chunk lands; sent again (its reply lost), it is answered, not stored twice.
    let first = &photo[..CHUNK_BYTES];
    let r = put_chunk(&api, &student, &hash, 0, first).await;
    assert_eq!(r.expect(200)["received"].as_u64(), Some(CHUNK_BYTES as u64));
    let r = put_chunk(&api, &student, &hash, 0, first).await;
    assert_eq!(r.expect(200)["received"].as_u64(), Some(CHUNK_BYTES as u64));
    assert_eq!(chunk_rows(&server).await, 1);

    // A chunk past the end of what is stored is refused, naming the offset.
    let r = put_chunk(
        &api,
        &student,
        &hash,
        CHUNK_BYTES * 2,
        &photo[CHUNK_BYTES * 2..],
    )
    .await;
    r.expect_error(409, "conflict");
    assert_eq!(r.field(), "offset");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap_or("")
            .contains(&CHUNK_BYTES.to_string())
    );
    // A chunk running past the declared size is refused.
    let mut long = photo[CHUNK_BYTES..].to_vec();
    long.push(0);
    let r = put_chunk(&api, &student, &hash, CHUNK_BYTES, &long).await;
    r.expect_error(422, "validation");
    assert_eq!(r.field(), "body");

    // The connection dropped: declaring again says where to resume.
    let r = api
        .post("/attachments", Some(&student), declare.clone())
        .await;
    let resume =
        usize::try_from(r.expect(200)["received"].as_u64().expect("received")).expect("usize");
    assert_eq!(resume, CHUNK_BYTES);
    let r = api
        .get(&format!("/attachments/{hash}/status"), &student)
        .await;
    assert_eq!(r.expect(200)["received"].as_u64(), Some(CHUNK_BYTES as u64));
    for start in (resume..photo.len()).step_by(CHUNK_BYTES) {
        let end = (start + CHUNK_BYTES).min(photo.len());
        let r = put_chunk(&api, &student, &hash, start, &photo[start..end]).await;
        r.expect(200);
    }
    let r = api
        .get(&format!("/attachments/{hash}/status"), &student)
        .await;
    assert_eq!(r.expect(200)["complete"], true);
    assert_eq!(r.body["received"].as_u64(), Some(photo.len() as u64));

    // Anyone on the campus reads it by its hash, cached for good.
    let res = api
        .http
        .get(format!("{}/attachments/{hash}", api.base))
        .bearer_auth(&technician)
        .send()
        .await
        .expect("download");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("immutable")
    );
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), photo.as_slice());

    // The same bytes declared by someone else are already there.
    let r = api
        .post("/attachments", Some(&technician), declare.clone())
        .await;
    assert_eq!(r.expect(200)["complete"], true);
    let chunks_now = chunk_rows(&server).await;
    // A chunk of a finished upload is answered and changes nothing.
    put_chunk(&api, &technician, &hash, 0, first)
        .await
        .expect(200);
    assert_eq!(chunk_rows(&server).await, chunks_now);
    // The same hash with another size or type is a conflict.
    let r = api
        .post(
            "/attachments",
            Some(&student),
            json!({"sha256": hash, "size": 10, "mime": "image/png"}),
        )
        .await;
    r.expect_error(409, "conflict");
    assert_eq!(r.field(), "size");
    let r = api
        .post(
            "/attachments",
            Some(&student),
            json!({"sha256": hash, "size": photo.len(), "mime": "image/jpeg"}),
        )
        .await;
    r.expect_error(409, "conflict");
    assert_eq!(r.field(), "mime");

    // Bytes that do not match their hash are discarded with a reason.
    let claimed = png(1000, 2);
    let sent = png(1000, 3);
    let bad_hash = ContentHash::of(&claimed).to_string();
    api.post(
        "/attachments",
        Some(&student),
        json!({"sha256": bad_hash, "size": 1000, "mime": "image/png"}),
    )
    .await
    .expect(200);
    let r = put_chunk(&api, &student, &bad_hash, 0, &sent).await;
    r.expect_error(422, "validation");
    assert_eq!(r.field(), "sha256");
    api.get(&format!("/attachments/{bad_hash}/status"), &student)
        .await
        .expect_error(404, "not_found");

    // Something that is not an image, under its true hash, is refused.
    let text = b"this is a text file, not a photo of a broken tap".to_vec();
    let text_hash = ContentHash::of(&text).to_string();
    api.post(
        "/attachments",
        Some(&student),
        json!({"sha256": text_hash, "size": text.len(), "mime": "image/jpeg"}),
    )
    .await
    .expect(200);
    let r = put_chunk(&api, &student, &text_hash, 0, &text).await;
    r.expect_error(422, "validation");
    assert_eq!(r.field(), "mime");
    // A JPEG declared as a PNG is refused too.
    let mut jpeg = b"\xff\xd8\xff\xe0".to_vec();
    jpeg.extend(png(500, 4));
    let jpeg_hash = ContentHash::of(&jpeg).to_string();
    api.post(
        "/attachments",
        Some(&student),
        json!({"sha256": jpeg_hash, "size": jpeg.len(), "mime": "image/png"}),
    )
    .await
    .expect(200);
    let r = put_chunk(&api, &student, &jpeg_hash, 0, &jpeg).await;
    r.expect_error(422, "validation");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap_or("")
            .contains("image/jpeg")
    );
    assert_eq!(
        chunk_rows(&server).await,
        chunks_now,
        "refused uploads left nothing"
    );

    // Handlers check that every photo a command names has arrived.
    let campus = server.state.db.conn.clone();
    let me = api.get("/me", &student).await;
    let campus_id: uuid::Uuid = me.expect(200)["campus_id"]
        .as_str()
        .expect("campus")
        .parse()
        .expect("uuid");
    let done = ContentHash::parse(&hash).expect("hash");
    let missing = ContentHash::of(b"never uploaded");
    houqin_server::attachments::require_complete(
        &campus,
        campus_id,
        std::slice::from_ref(&done),
        "photos",
    )
    .await
    .expect("uploaded");
    let err = houqin_server::attachments::require_complete(
        &campus,
        campus_id,
        &[done.clone(), missing],
        "photos",
    )
    .await
    .expect_err("missing");
    assert!(err.to_string().starts_with("photos.1:"), "{err}");
    // Another campus does not see this one's uploads.
    houqin_server::attachments::require_complete(&campus, uuid::Uuid::now_v7(), &[done], "photos")
        .await
        .expect_err("other campus");

    // An abandoned upload is dropped after a while; finished ones stay.
    let half = png(CHUNK_BYTES + 10, 5);
    let half_hash = ContentHash::of(&half).to_string();
    api.post(
        "/attachments",
        Some(&student),
        json!({"sha256": half_hash, "size": half.len(), "mime": "image/png"}),
    )
    .await
    .expect(200);
    put_chunk(&api, &student, &half_hash, 0, &half[..CHUNK_BYTES])
        .await
        .expect(200);
    let later = server.state.clock.now() + chrono::Duration::days(8);
    let pruned = houqin_server::attachments::prune_unfinished(&server.state.db, later)
        .await
        .expect("prune");
    assert_eq!(pruned, 1);
    api.get(&format!("/attachments/{half_hash}/status"), &student)
        .await
        .expect_error(404, "not_found");
    assert_eq!(chunk_rows(&server).await, chunks_now);
    api.get(&format!("/attachments/{hash}/status"), &student)
        .await
        .expect(200);
}

#[tokio::test]
async fn uploads_resume_and_are_checked_sqlite() {
    uploads(TestDb::Sqlite).await;
}

#[tokio::test]
async fn uploads_resume_and_are_checked_postgres() {
    uploads(TestDb::Postgres).await;
}
