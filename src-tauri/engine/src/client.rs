//! HTTP to the backend's REST API (`{server_url}/api/v1…`). No state: the
//! session and its refresh live in the engine.

use std::time::Duration;

use houqin_shared::ApiErrorBody;
use houqin_shared::accounts::{LoginRequest, LoginResponse, RefreshRequest};
use houqin_shared::error::FieldError;
use houqin_shared::sync::{PullResponse, PushRequest, PushResponse};
use reqwest::StatusCode;
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
    #[error("the server cannot be reached")]
    Unreachable(#[source] reqwest::Error),
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

/// One request to the API.
#[derive(Debug, Clone, Copy)]
pub struct ApiRequest<'a> {
    pub method: ApiMethod,
    pub path: &'a ApiPath,
    pub body: Option<&'a Value>,
    /// Query parameters, encoded by the client (on top of any already in `path`).
    pub query: &'a [(&'a str, String)],
    /// The access token, for `Authorization: Bearer …`.
    pub bearer: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct ServerClient {
    http: reqwest::Client,
    /// `{server_url}/api/v1`, without a trailing slash.
    api_base: String,
}

impl ServerClient {
    pub fn new(server_url: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("houqin-engine/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Build)?;
        Ok(Self {
            http,
            api_base: format!("{}/api/v1", server_url.trim_end_matches('/')),
        })
    }

    /// Sends the request and answers the JSON body: `Value::Null` for 204 or an
    /// empty body, the server's own error body for a refusal.
    pub async fn send(&self, req: ApiRequest<'_>) -> Result<Value, ClientError> {
        let url = format!("{}{}", self.api_base, req.path.as_str());
        let mut builder = self.http.request(req.method.as_reqwest(), url);
        if !req.query.is_empty() {
            builder = builder.query(req.query);
        }
        if let Some(token) = req.bearer {
            builder = builder.bearer_auth(token);
        }
        if let Some(body) = req.body {
            builder = builder.json(body);
        }
        let response = builder.send().await.map_err(ClientError::Unreachable)?;
        let status = response.status();
        // A body cut off mid-way is a network failure, like one never sent.
        let bytes = response.bytes().await.map_err(ClientError::Unreachable)?;
        decode_reply(status, &bytes)
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
            body: Some(&body),
            query: &[],
            bearer,
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
fn decode_reply(status: StatusCode, bytes: &[u8]) -> Result<Value, ClientError> {
    let code = status.as_u16();
    if status.is_success() {
        if status == StatusCode::NO_CONTENT || bytes.is_empty() {
            return Ok(Value::Null);
        }
        return serde_json::from_slice(bytes).map_err(|source| ClientError::Undecodable {
            status: code,
            source,
        });
    }
    match serde_json::from_slice::<ApiErrorBody>(bytes) {
        Ok(body) => Err(ClientError::Refused(body)),
        // No error body: a proxy or load balancer answered, not our server.
        Err(source) => Err(ClientError::Undecodable {
            status: code,
            source,
        }),
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
        let ok = |status: u16, body: &str| {
            decode_reply(StatusCode::from_u16(status).unwrap(), body.as_bytes())
        };
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
        let client = ServerClient::new("http://127.0.0.1:8080/").unwrap();
        assert_eq!(client.api_base, "http://127.0.0.1:8080/api/v1");
    }
}
