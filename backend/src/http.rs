//! Cross-cutting HTTP layers: request ids and the client address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::error::REQUEST_ID;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Where a request came from, for rate limits and the audit log.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// Gives every request an id (a sane incoming `x-request-id` is kept), makes it
/// available to error responses and logs, and returns it in the response header.
pub async fn request_context(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let addr = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    req.extensions_mut().insert(ClientAddr(addr));
    let api = req.uri().path().starts_with("/api/");
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    let mut response = REQUEST_ID
        .scope(
            id.clone(),
            async move {
                let started = std::time::Instant::now();
                let response = next.run(req).await;
                tracing::info!(
                    status = response.status().as_u16(),
                    ms = started.elapsed().as_millis() as u64,
                    "served"
                );
                response
            }
            .instrument(span),
        )
        .await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    // API answers are personal and current: no cache may keep or replay them
    // (a replayed pull would take a device's cursors back). A route that
    // knows better (an attachment, named by its content) says so itself.
    if api {
        response
            .headers_mut()
            .entry(axum::http::header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    response
}
