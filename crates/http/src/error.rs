//! The one error type of ENMA's HTTP services. Every failure a handler can
//! meet — an [`enma_common`] [`Error`], a rejected request body, a missing
//! token, an unknown route — becomes an [`HttpError`], answered as
//! `{"error": {"code", "message"}}` with the matching HTTP status. A protocol
//! whose clients expect another body keeps the status and swaps the body
//! with [`HttpError::respond_with`].

use axum::Json;
use axum::extract::Request;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use enma_common::error::{Error, ErrorKind};

/// An HTTP error response: status, a stable machine-readable code and a message for people.
#[derive(Debug, Clone)]
pub struct HttpError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl HttpError {
    /// An error with any status; the helpers below name the common ones.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_ACCEPTABLE, "not_acceptable", message)
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", message)
    }

    /// An error known only by its status and text (a rejection by axum or
    /// its extractors), with the code that status stands for.
    pub fn from_status(status: StatusCode, message: impl Into<String>) -> Self {
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            s if s.is_server_error() => "internal_error",
            _ => "bad_request",
        };
        Self::new(status, code, message)
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The body every ENMA service answers with: `{"error": {"code", "message"}}`.
    pub fn json_body(&self) -> Value {
        json!({ "error": { "code": self.code, "message": self.message } })
    }

    /// The response with `body` in place of the JSON body, for a protocol
    /// whose clients expect another shape. The status, the
    /// `WWW-Authenticate` challenge of a 401 and the log line of a server
    /// error are the same as [`IntoResponse`] gives.
    pub fn respond_with<B: IntoResponse>(self, body: impl FnOnce(&HttpError) -> B) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = %self.status, code = self.code, message = %self.message, "request failed");
        }
        let mut response = (self.status, body(&self)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<Error> for HttpError {
    fn from(e: Error) -> Self {
        let (status, code) = match e.kind() {
            ErrorKind::Parse => (StatusCode::BAD_REQUEST, "parse_error"),
            ErrorKind::Plan => (StatusCode::BAD_REQUEST, "plan_error"),
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ErrorKind::AlreadyExists => (StatusCode::CONFLICT, "already_exists"),
            ErrorKind::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ErrorKind::Timeout => (StatusCode::GATEWAY_TIMEOUT, "timeout"),
            ErrorKind::Cancelled => (StatusCode::INTERNAL_SERVER_ERROR, "cancelled"),
            ErrorKind::InvalidData => (StatusCode::BAD_REQUEST, "invalid_data"),
            ErrorKind::ResourcesExhausted => (StatusCode::BAD_REQUEST, "resources_exhausted"),
            ErrorKind::Execution => (StatusCode::INTERNAL_SERVER_ERROR, "execution_error"),
            ErrorKind::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        };
        Self::new(status, code, e.message())
    }
}

/// A body that could not be read: too large (413) or broken off (400).
impl From<BytesRejection> for HttpError {
    fn from(rejection: BytesRejection) -> Self {
        Self::from_status(rejection.status(), rejection.body_text())
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        self.respond_with(|e| Json(e.json_body()))
    }
}

/// Fallback for paths no router knows.
pub async fn not_found(uri: Uri) -> HttpError {
    HttpError::not_found(format!("no such endpoint: {}", uri.path()))
}

/// Fallback for known paths called with a method they do not take.
pub async fn method_not_allowed(method: Method, uri: Uri) -> HttpError {
    HttpError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// Gives every error response the JSON shape: the rejections of axum's
/// extractors (a path that is not UTF-8, a bad query string) come as plain
/// text; they are wrapped as `{"error": {"code", "message"}}` with the same
/// status. Use with `axum::middleware::from_fn`.
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
    HttpError::from_status(status, message).into_response()
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::get;

    use super::*;

    async fn body_of(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap().to_vec()
    }

    #[tokio::test]
    async fn body_is_json_with_code_and_message() {
        let response = HttpError::unauthorized("no token").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let v: Value = serde_json::from_slice(&body_of(response).await).unwrap();
        assert_eq!(v["error"]["code"], "unauthorized");
        assert_eq!(v["error"]["message"], "no token");
    }

    #[tokio::test]
    async fn a_protocol_can_choose_its_body() {
        let response = HttpError::unauthorized("no token").respond_with(|e| format!("{}: {}", e.code(), e.message()));
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(body_of(response).await, b"unauthorized: no token");
    }

    #[test]
    fn library_errors_map_to_statuses() {
        let mapped = |e: Error| {
            let e = HttpError::from(e);
            (e.status(), e.code())
        };
        assert_eq!(mapped(Error::plan("x")), (StatusCode::BAD_REQUEST, "plan_error"));
        assert_eq!(mapped(Error::not_found("x")), (StatusCode::NOT_FOUND, "not_found"));
        assert_eq!(mapped(Error::forbidden("x")), (StatusCode::FORBIDDEN, "forbidden"));
        assert_eq!(mapped(Error::internal("x")), (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"));
    }

    #[test]
    fn statuses_of_rejections_have_codes() {
        assert_eq!(HttpError::from_status(StatusCode::PAYLOAD_TOO_LARGE, "big").code(), "payload_too_large");
        assert_eq!(HttpError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE, "x").code(), "unsupported_media_type");
        assert_eq!(HttpError::from_status(StatusCode::BAD_GATEWAY, "x").code(), "internal_error");
        assert_eq!(HttpError::from_status(StatusCode::UNPROCESSABLE_ENTITY, "x").code(), "bad_request");
    }

    #[tokio::test]
    async fn plain_text_errors_become_json_and_the_rest_pass_through() {
        let app = Router::new()
            .route("/text", get(|| async { (StatusCode::BAD_REQUEST, "bad query") }))
            .route("/empty", get(|| async { StatusCode::UNPROCESSABLE_ENTITY }))
            .route("/fine", get(|| async { "fine" }))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(axum::middleware::from_fn(json_errors));
        let url = crate::testing::serve(app).await;

        let text = reqwest::get(format!("{url}/text")).await.unwrap();
        assert_eq!(text.status(), 400);
        let v: Value = text.json().await.unwrap();
        assert_eq!(
            (v["error"]["code"].as_str(), v["error"]["message"].as_str()),
            (Some("bad_request"), Some("bad query"))
        );
        let empty: Value = reqwest::get(format!("{url}/empty")).await.unwrap().json().await.unwrap();
        assert_eq!(empty["error"]["message"], "Unprocessable Entity");
        let missing = reqwest::get(format!("{url}/nothing")).await.unwrap();
        assert_eq!(missing.status(), 404);
        let v: Value = missing.json().await.unwrap();
        assert_eq!(v["error"]["message"], "no such endpoint: /nothing");
        let wrong = reqwest::Client::new().delete(format!("{url}/fine")).send().await.unwrap();
        assert_eq!(wrong.status(), 405);
        let v: Value = wrong.json().await.unwrap();
        assert_eq!(v["error"]["code"], "method_not_allowed");
        assert_eq!(reqwest::get(format!("{url}/fine")).await.unwrap().text().await.unwrap(), "fine");
    }
}
