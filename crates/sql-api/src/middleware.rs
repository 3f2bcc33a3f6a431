//! Layers every request passes through: the bearer-token check and the panic
//! guard that turns a bug in a handler into a JSON 500 instead of a dropped
//! connection.

use std::panic::AssertUnwindSafe;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::FutureExt;

use super::{ApiError, AppState};

/// Lets the request through when no token is configured or when it carries
/// `Authorization: Bearer <token>`; 401 otherwise.
pub async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    if let Some(expected) = state.config().token.as_deref() {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        match given {
            None => {
                return Err(ApiError::unauthorized(
                    "this server requires an access token: send `Authorization: Bearer <token>`",
                ));
            }
            Some(given) if !constant_time_eq(given.as_bytes(), expected.as_bytes()) => {
                return Err(ApiError::unauthorized("the access token is not valid"));
            }
            Some(_) => {}
        }
    }
    Ok(next.run(request).await)
}

/// Compares without returning early, so timing does not reveal how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, &x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    diff == 0
}

/// Gives every error response the API's JSON shape: the rejections of
/// axum's extractors (a path that is not UTF-8, a bad query string) come as
/// plain text; they are wrapped as `{"error": {"code", "message"}}` with
/// the same status.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let text = match axum::body::to_bytes(response.into_body(), 64 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("error").to_string() } else { text };
    ApiError::from_status(status, message).into_response()
}

/// Answers 500 with a JSON body when the handler panics; the server keeps running.
pub async fn catch_panic(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            let what = enma_common::error::panic_message(panic.as_ref());
            tracing::error!(path, panic = what, "handler panicked");
            ApiError::internal(format!("internal error (a bug in the server): {what}")).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::get;

    use super::*;

    #[tokio::test]
    async fn panicking_handler_gives_json_500_and_server_keeps_running() {
        async fn boom() -> &'static str {
            panic!("boom")
        }
        let app = Router::new()
            .route("/boom", get(boom))
            .route("/fine", get(|| async { "fine" }))
            .layer(axum::middleware::from_fn(catch_panic));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await });

        let response = reqwest::get(format!("{url}/boom")).await.unwrap();
        assert_eq!(response.status(), 500);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "internal_error");
        assert!(body["error"]["message"].as_str().unwrap().contains("boom"), "{body}");
        assert_eq!(reqwest::get(format!("{url}/fine")).await.unwrap().text().await.unwrap(), "fine");
        server.abort();
    }

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"secret"));
        assert!(!constant_time_eq(b"secret", b""));
    }
}
