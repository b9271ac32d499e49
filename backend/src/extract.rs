//! Extractors whose rejections are `ApiError`s naming the field at fault.

use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body. Syntax errors are `malformed_request`; a wrong type, a missing
/// field or an unknown enum value is `validation` with the dotted path of the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
            BytesRejection::FailedToBufferBody(ref inner)
                if inner.body_text().contains("length limit") =>
            {
                ApiError::PayloadTooLarge
            }
            other if other.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge
            }
            other => ApiError::Malformed {
                message: other.body_text(),
                field: None,
            },
        })?;
        parse_json(&bytes).map(Json)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = inner.to_string();
                // serde reports a missing field at its parent's path; name the field itself.
                // A top-level array fills a struct positionally; say "body[0]", not "[0]".
                let path = if path.starts_with('[') {
                    format!("body{path}")
                } else {
                    path
                };
                let field = match message
                    .strip_prefix("missing field `")
                    .and_then(|m| m.split('`').next())
                {
                    Some(name) if path == "." => name.to_string(),
                    Some(name) => format!("{path}.{name}"),
                    None if path == "." => "body".to_string(),
                    None => path,
                };
                let message = strip_position(&message);
                ApiError::Validation { field, message }
            }
            _ => ApiError::Malformed {
                message: format!("invalid JSON: {inner}"),
                field: None,
            },
        }
    })
}

/// serde_json appends "at line 1 column 12"; the field path already locates it.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Path parameters (ids): a malformed one is `validation` naming the parameter.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let names: Vec<String> = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map(|raw| raw.iter().map(|(k, _)| k.to_string()).collect())
            .unwrap_or_default();
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e: PathRejection| match e {
                PathRejection::FailedToDeserializePathParams(inner) => {
                    use axum::extract::path::ErrorKind;
                    let kind = inner.into_kind();
                    let field = match &kind {
                        ErrorKind::ParseErrorAtKey { key, .. }
                        | ErrorKind::InvalidUtf8InPathParam { key } => key.clone(),
                        ErrorKind::ParseErrorAtIndex { index, .. } => {
                            names.get(*index).cloned().unwrap_or_else(|| "path".into())
                        }
                        _ if names.len() == 1 => names[0].clone(),
                        _ => "path".to_string(),
                    };
                    ApiError::Validation {
                        field,
                        message: kind.to_string(),
                    }
                }
                other => ApiError::Internal(other.body_text()),
            })
    }
}

/// Query parameters: a malformed one is `validation`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e: QueryRejection| {
                let text = e.body_text();
                let field = text
                    .split("query string: ")
                    .nth(1)
                    .and_then(|rest| rest.split(':').next())
                    .filter(|f| !f.contains(' '))
                    .unwrap_or("query")
                    .to_string();
                ApiError::Validation {
                    field,
                    message: text,
                }
            })
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use houqin_shared::accounts::LoginRequest;

    fn field_of(json: &str) -> (houqin_shared::ErrorCode, Option<String>) {
        let err = parse_json::<LoginRequest>(json.as_bytes()).unwrap_err();
        let field = match &err {
            ApiError::Validation { field, .. } => Some(field.clone()),
            ApiError::Malformed { field, .. } => field.clone(),
            _ => None,
        };
        (err.code(), field)
    }

    #[test]
    fn json_errors_name_the_field() {
        use houqin_shared::ErrorCode::*;
        assert_eq!(field_of(r#"{"username": "a""#), (MalformedRequest, None));
        assert_eq!(
            field_of(r#"{"username": "a"}"#),
            (Validation, Some("password".into()))
        );
        assert_eq!(
            field_of(r#"{"username": 5, "password": "x"}"#),
            (Validation, Some("username".into()))
        );
        assert_eq!(field_of("[]"), (Validation, Some("body".into())));
    }
}
