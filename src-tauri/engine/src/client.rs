//! HTTP to the backend's REST API (`{server_url}/api/v1…`). No state: the
//! session and its refresh live in the engine.
//!
//! The bytes travel through a [`Transport`]: [`HttpTransport`] (reqwest) in the
//! app; a test may carry them to a backend in the same process instead (the
//! sync simulation runs the backend's router with no sockets). Everything
//! above the transport — encoding, decoding, refusals, token refresh, the sync
//! protocol — is the same code either way.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use houqin_shared::ApiErrorBody;
use houqin_shared::accounts::{LoginRequest, LoginResponse, RefreshRequest};
use houqin_shared::attachments::{AttachmentStatus, ContentHash, DeclareAttachment};
use houqin_shared::error::FieldError;
use houqin_shared::sync::{EventTicket, PullResponse, PushRequest, PushResponse};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Gives up connecting quickly so an offline device answers `unavailable` fast.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Whole request, body included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot build the HTTP client")]
    Build(#[source] reqwest::Error),
    #[error("cannot encode the request body")]
    Encode(#[source] serde_json::Error),
    /// No answer came: no connection, a connection dropped mid-way, a timeout.
    /// The server may or may not have acted on the request.
    #[error("the server cannot be reached")]
    Unreachable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the server answered {status} with a body that is not the expected JSON")]
    Undecodable {
        status: u16,
        #[source]
        source: serde_json::Error,
    },
    #[error("the server refused the request: {code:?}", code = .0.code)]
    Refused(ApiErrorBody),
}

/// An HTTP method the UI may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl ApiMethod {
    pub fn parse(method: &str) -> Result<Self, FieldError> {
        Ok(match method.to_ascii_uppercase().as_str() {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            _ => {
                return Err(FieldError::new(
                    "method",
                    "must be GET, POST, PUT, PATCH or DELETE",
                ));
            }
        })
    }

    /// `GET`, `POST`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    fn as_reqwest(self) -> reqwest::Method {
        match self {
            Self::Get => reqwest::Method::GET,
            Self::Post => reqwest::Method::POST,
            Self::Put => reqwest::Method::PUT,
            Self::Patch => reqwest::Method::PATCH,
            Self::Delete => reqwest::Method::DELETE,
        }
    }
}

/// A path under `/api/v1`, with an optional query string.
///
/// Invariant: it cannot leave `/api/v1` — the URL parser resolves `..` and its
/// percent-encoded forms, so those are refused, as are other hosts and schemes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPath(String);

impl ApiPath {
    pub fn parse(path: &str) -> Result<Self, FieldError> {
        let refuse = |why: &str| Err(FieldError::new("path", why));
        if !path.starts_with('/') {
            return refuse("must start with '/'");
        }
        if path.starts_with("//") {
            return refuse("must not start with '//'");
        }
        let lower = path.to_ascii_lowercase();
        if lower.contains("..") || lower.contains("%2e") {
            return refuse("must not contain '..'");
        }
        if lower.contains("://") {
            return refuse("must not contain '://'");
        }
        if path.contains('\\')
            || path.contains('#')
            || path.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return refuse("must not contain spaces, '\\', '#' or control characters");
        }
        Ok(Self(path.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A request's body.
#[derive(Debug, Clone, Copy)]
pub enum RequestBody<'a> {
    /// `application/json`
    Json(&'a Value),
    /// `application/octet-stream` (an attachment's chunk)
    Bytes(&'a [u8]),
}

impl RequestBody<'_> {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json(_) => "application/json",
            Self::Bytes(_) => "application/octet-stream",
        }
    }

    /// The bytes on the wire.
    pub fn encode(self) -> Result<Vec<u8>, ClientError> {
        match self {
            Self::Json(value) => serde_json::to_vec(value).map_err(ClientError::Encode),
            Self::Bytes(bytes) => Ok(bytes.to_vec()),
        }
    }
}

/// One request to the API.
#[derive(Debug, Clone, Copy)]
pub struct ApiRequest<'a> {
    pub method: ApiMethod,
    pub path: &'a ApiPath,
    pub body: Option<RequestBody<'a>>,
    /// Query parameters, encoded by the client (on top of any already in `path`).
    pub query: &'a [(&'a str, String)],
    /// The access token, for `Authorization: Bearer …`.
    pub bearer: Option<&'a str>,
}

/// A boxed future, as [`Transport`] returns it (the trait stays object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The server's answer to one exchange, undecoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// The seam between the engine and the network: one HTTP exchange with the
/// backend's API, `{api}/{req.path}` with `req.query` encoded, `req.body` as
/// JSON and `req.bearer` as `Authorization: Bearer …`.
///
/// An answer of any status is a [`Reply`]; no answer at all is
/// [`ClientError::Unreachable`].
pub trait Transport: Send + Sync + std::fmt::Debug {
    fn exchange<'a>(&'a self, req: ApiRequest<'a>) -> BoxFuture<'a, Result<Reply, ClientError>>;

    /// Opens the live event stream, `GET {api}/sync/events?ticket=…`. A
    /// transport that carries no streams (the simulation drives every sync
    /// itself) keeps this default: unreachable.
    fn open_events<'a>(
        &'a self,
        ticket: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn EventStream>, ClientError>> {
        let _ = ticket;
        Box::pin(async {
            Err(ClientError::Unreachable(
                "this transport carries no event stream".into(),
            ))
        })
    }
}

/// A server-sent event stream, read as it arrives.
pub trait EventStream: Send {
    /// The next bytes; `None` once the server has closed the stream.
    fn next_chunk(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>, ClientError>>;
}

/// How long an event stream may stay silent: the server sends a keep-alive
/// every 15 s, so this much silence means the connection is gone.
const EVENTS_READ_TIMEOUT: Duration = Duration::from_secs(45);

/// The production transport: HTTPS (or HTTP) with reqwest.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    http: reqwest::Client,
    /// For event streams: no limit on the whole response, only on silence.
    events_http: reqwest::Client,
    /// `{server_url}/api/v1`, without a trailing slash.
    api_base: String,
}

impl HttpTransport {
    pub fn new(server_url: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("houqin-engine/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Build)?;
        let events_http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(EVENTS_READ_TIMEOUT)
            .user_agent(concat!("houqin-engine/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Build)?;
        Ok(Self {
            http,
            events_http,
            api_base: format!("{}/api/v1", server_url.trim_end_matches('/')),
        })
    }

    async fn send(&self, req: ApiRequest<'_>) -> Result<Reply, ClientError> {
        let url = format!("{}{}", self.api_base, req.path.as_str());
        let mut builder = self.http.request(req.method.as_reqwest(), url);
        if !req.query.is_empty() {
            builder = builder.query(req.query);
        }
        if let Some(token) = req.bearer {
            builder = builder.bearer_auth(token);
        }
        if let Some(body) = req.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, body.content_type())
                .body(body.encode()?);
        }
        let unreachable = |e: reqwest::Error| ClientError::Unreachable(Box::new(e));
        let response = builder.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        // A body cut off mid-way is a network failure, like one never sent.
        let bytes = response.bytes().await.map_err(unreachable)?;
        Ok(Reply {
            status,
            body: bytes.to_vec(),
        })
    }
}

impl Transport for HttpTransport {
    fn exchange<'a>(&'a self, req: ApiRequest<'a>) -> BoxFuture<'a, Result<Reply, ClientError>> {
        Box::pin(self.send(req))
    }

    fn open_events<'a>(
        &'a self,
        ticket: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn EventStream>, ClientError>> {
        Box::pin(async move {
            let unreachable = |e: reqwest::Error| ClientError::Unreachable(Box::new(e));
            let response = self
                .events_http
                .get(format!("{}/sync/events", self.api_base))
                .query(&[("ticket", ticket)])
                .header(reqwest::header::ACCEPT, "text/event-stream")
                .send()
                .await
                .map_err(unreachable)?;
            let status = response.status().as_u16();
            if status != 200 {
                let body = response.bytes().await.map_err(unreachable)?;
                decode_reply(status, &body)?;
                return Err(ClientError::Unreachable(
                    format!("the event stream answered {status}").into(),
                ));
            }
            Ok(Box::new(HttpEvents(response)) as Box<dyn EventStream>)
        })
    }
}

struct HttpEvents(reqwest::Response);

impl EventStream for HttpEvents {
    fn next_chunk(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>, ClientError>> {
        Box::pin(async move {
            match self.0.chunk().await {
                Ok(chunk) => Ok(chunk.map(|b| b.to_vec())),
                Err(e) => Err(ClientError::Unreachable(Box::new(e))),
            }
        })
    }
}

/// The backend's API, typed, over a [`Transport`].
#[derive(Debug, Clone)]
pub struct ServerClient {
    transport: Arc<dyn Transport>,
}

impl ServerClient {
    /// Over HTTP to `server_url`.
    pub fn new(server_url: &str) -> Result<Self, ClientError> {
        Ok(Self::over(Arc::new(HttpTransport::new(server_url)?)))
    }

    /// Over any transport.
    pub fn over(transport: Arc<dyn Transport>) -> Self {
        Self { transport }
    }

    /// Sends the request and answers the JSON body: `Value::Null` for 204 or an
    /// empty body, the server's own error body for a refusal.
    pub async fn send(&self, req: ApiRequest<'_>) -> Result<Value, ClientError> {
        let reply = self.transport.exchange(req).await?;
        decode_reply(reply.status, &reply.body)
    }

    pub async fn login(&self, req: &LoginRequest) -> Result<LoginResponse, ClientError> {
        self.send_typed("/auth/login", req, None).await
    }

    pub async fn refresh(&self, req: &RefreshRequest) -> Result<LoginResponse, ClientError> {
        self.send_typed("/auth/refresh", req, None).await
    }

    pub async fn logout(&self, access_token: &str) -> Result<(), ClientError> {
        let path = ApiPath("/auth/logout".into());
        let req = ApiRequest {
            method: ApiMethod::Post,
            path: &path,
            body: None,
            query: &[],
            bearer: Some(access_token),
        };
        self.send(req).await.map(drop)
    }

    /// `POST /sync/push`: the server applies what it has not yet, in `seq` order.
    pub async fn push(
        &self,
        access_token: &str,
        req: &PushRequest,
    ) -> Result<PushResponse, ClientError> {
        self.send_typed("/sync/push", req, Some(access_token)).await
    }

    /// `GET /sync/pull`: one page of changes after `query.cursors`.
    pub async fn pull(
        &self,
        access_token: &str,
        query: &PullQuery,
    ) -> Result<PullResponse, ClientError> {
        let path = ApiPath("/sync/pull".into());
        let mut params = vec![
            ("client_id", query.client_id.clone()),
            ("acked", query.acked.to_string()),
        ];
        if !query.cursors.is_empty() {
            let cursors: Vec<String> = query.cursors.iter().map(|c| c.encode()).collect();
            params.push(("cursors", cursors.join(",")));
        }
        let req = ApiRequest {
            method: ApiMethod::Get,
            path: &path,
            body: None,
            query: &params,
            bearer: Some(access_token),
        };
        decode_typed(self.send(req).await?)
    }

    async fn send_typed<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&str>,
    ) -> Result<T, ClientError> {
        let path = ApiPath(path.to_owned());
        let body = serde_json::to_value(body).map_err(ClientError::Encode)?;
        let req = ApiRequest {
            method: ApiMethod::Post,
            path: &path,
            body: Some(RequestBody::Json(&body)),
            query: &[],
            bearer,
        };
        decode_typed(self.send(req).await?)
    }
}

impl ServerClient {
    /// `POST /sync/events/ticket`: a minute's ticket to open the event stream.
    pub async fn event_ticket(&self, access_token: &str) -> Result<EventTicket, ClientError> {
        self.send_typed("/sync/events/ticket", &Value::Null, Some(access_token))
            .await
    }

    /// Opens the event stream with a ticket.
    pub async fn open_events(&self, ticket: &str) -> Result<Box<dyn EventStream>, ClientError> {
        self.transport.open_events(ticket).await
    }

    /// `POST /attachments`: declares an upload; answers how much the server holds.
    pub async fn declare_attachment(
        &self,
        access_token: &str,
        req: &DeclareAttachment,
    ) -> Result<AttachmentStatus, ClientError> {
        self.send_typed("/attachments", req, Some(access_token))
            .await
    }

    /// `GET /attachments/{hash}`: the stored bytes of a complete upload.
    pub async fn get_attachment(
        &self,
        access_token: &str,
        hash: &ContentHash,
    ) -> Result<Vec<u8>, ClientError> {
        let path = ApiPath(format!("/attachments/{hash}"));
        let req = ApiRequest {
            method: ApiMethod::Get,
            path: &path,
            body: None,
            query: &[],
            bearer: Some(access_token),
        };
        let reply = self.transport.exchange(req).await?;
        if reply.status == 200 {
            return Ok(reply.body);
        }
        decode_reply(reply.status, &reply.body)?;
        Err(ClientError::Unreachable(
            format!("the photo answered {}", reply.status).into(),
        ))
    }

    /// `PUT /attachments/{hash}/chunks/{offset}`: the bytes at `offset`.
    pub async fn put_chunk(
        &self,
        access_token: &str,
        hash: &ContentHash,
        offset: u64,
        bytes: &[u8],
    ) -> Result<AttachmentStatus, ClientError> {
        let path = ApiPath(format!("/attachments/{hash}/chunks/{offset}"));
        let req = ApiRequest {
            method: ApiMethod::Put,
            path: &path,
            body: Some(RequestBody::Bytes(bytes)),
            query: &[],
            bearer: Some(access_token),
        };
        decode_typed(self.send(req).await?)
    }
}

/// The query of one pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullQuery {
    /// The engine's device id.
    pub client_id: String,
    /// The highest `seq` whose outcome the outbox already holds.
    pub acked: u64,
    pub cursors: Vec<houqin_shared::sync::Cursor>,
}

fn decode_typed<T: DeserializeOwned>(value: Value) -> Result<T, ClientError> {
    serde_json::from_value(value).map_err(|source| ClientError::Undecodable {
        status: 200,
        source,
    })
}

/// Turns a status and body into the answer. Pure, so it is tested as a table.
fn decode_reply(status: u16, bytes: &[u8]) -> Result<Value, ClientError> {
    if (200..300).contains(&status) {
        if status == 204 || bytes.is_empty() {
            return Ok(Value::Null);
        }
        return serde_json::from_slice(bytes)
            .map_err(|source| ClientError::Undecodable { status, source });
    }
    match serde_json::from_slice::<ApiErrorBody>(bytes) {
        Ok(body) => Err(ClientError::Refused(body)),
        // No error body: a proxy or load balancer answered, not our server.
        Err(source) => Err(ClientError::Undecodable { status, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use houqin_shared::ErrorCode;

    #[test]
    fn paths() {
        let ok = [
            "/me",
            "/repairs?status=open&page=2",
            "/dining/canteens/0198-ab/menu",
            "/",
        ];
        for path in ok {
            assert_eq!(
                ApiPath::parse(path).map(|p| p.0),
                Ok(path.to_owned()),
                "{path}"
            );
        }
        let bad = [
            "",
            "me",
            "//evil.example/x",
            "/../admin",
            "/a/..",
            "/a/%2e%2e/b",
            "/a/%2E./b",
            "/x?next=http://evil",
            "/a b",
            "/a\\b",
            "/a#frag",
            "/a\n",
        ];
        for path in bad {
            let err = ApiPath::parse(path).unwrap_err();
            assert_eq!(err.field, "path", "{path}");
        }
    }

    #[test]
    fn methods() {
        assert_eq!(ApiMethod::parse("GET"), Ok(ApiMethod::Get));
        assert_eq!(ApiMethod::parse("patch"), Ok(ApiMethod::Patch));
        assert_eq!(ApiMethod::parse("TRACE").unwrap_err().field, "method");
        assert_eq!(ApiMethod::parse("").unwrap_err().field, "method");
    }

    #[test]
    fn replies() {
        let ok = |status: u16, body: &str| decode_reply(status, body.as_bytes());
        assert_eq!(ok(204, "").unwrap(), Value::Null);
        assert_eq!(ok(200, "").unwrap(), Value::Null);
        assert_eq!(ok(200, r#"{"a":1}"#).unwrap(), serde_json::json!({"a": 1}));
        assert!(matches!(
            ok(200, "<html>"),
            Err(ClientError::Undecodable { status: 200, .. })
        ));

        let refused = ok(
            401,
            r#"{"code":"session_expired","message":"expired","request_id":"r1"}"#,
        );
        match refused {
            Err(ClientError::Refused(body)) => {
                assert_eq!(body.code, ErrorCode::SessionExpired);
                assert_eq!(body.request_id.as_deref(), Some("r1"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            ok(502, "Bad Gateway"),
            Err(ClientError::Undecodable { status: 502, .. })
        ));
    }

    #[test]
    fn the_api_base_has_no_double_slash() {
        let transport = HttpTransport::new("http://127.0.0.1:8080/").unwrap();
        assert_eq!(transport.api_base, "http://127.0.0.1:8080/api/v1");
    }
}
