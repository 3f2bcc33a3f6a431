//! The REST API's one error type. HBase's REST server answers failures with a
//! bare status code and a line of text; we keep its status codes and add a
//! JSON body `{"error": {"code", "message"}}` so a client can tell why.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An HTTP error response: status, a stable machine-readable code and a message for people.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    /// An error with any status; the helpers below name the common ones.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message)
    }

    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_ACCEPTABLE, "not_acceptable", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", message)
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
}

impl From<enma_kv::Error> for ApiError {
    fn from(e: enma_kv::Error) -> Self {
        use enma_kv::Error as E;
        let (status, code) = match &e {
            E::TableNotFound(_) | E::NamespaceNotFound(_) | E::NoSuchFamily { .. } => {
                (StatusCode::NOT_FOUND, "not_found")
            }
            E::TableExists(_) | E::NamespaceExists(_) => (StatusCode::CONFLICT, "already_exists"),
            E::TableDisabled(_) => (StatusCode::CONFLICT, "table_disabled"),
            E::TableEnabled(_) => (StatusCode::CONFLICT, "table_enabled"),
            E::NamespaceNotEmpty(_) => (StatusCode::CONFLICT, "namespace_not_empty"),
            E::InvalidArgument(_) | E::TooLarge(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            E::Storage(_) | E::Corrupt(_) => (StatusCode::INTERNAL_SERVER_ERROR, "storage_error"),
        };
        ApiError::new(status, code, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(status = %self.status, code = self.code, message = %self.message, "HBase REST request failed");
        }
        let body = Json(json!({ "error": { "code": self.code, "message": self.message } }));
        let mut response = (self.status, body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Fallback for paths no route knows.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no such endpoint: {}", uri.path()))
}

/// Fallback for known paths called with a method they do not take.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_to_hbase_statuses() {
        let status = |e: enma_kv::Error| ApiError::from(e).status();
        assert_eq!(status(enma_kv::Error::TableNotFound("t".into())), StatusCode::NOT_FOUND);
        assert_eq!(
            status(enma_kv::Error::NoSuchFamily { table: "t".into(), family: "x".into() }),
            StatusCode::NOT_FOUND
        );
        assert_eq!(status(enma_kv::Error::TableExists("t".into())), StatusCode::CONFLICT);
        assert_eq!(status(enma_kv::Error::InvalidArgument("bad".into())), StatusCode::BAD_REQUEST);
        assert_eq!(status(enma_kv::Error::TooLarge("row key is 70000 bytes".into())), StatusCode::BAD_REQUEST);
        assert_eq!(status(enma_kv::Error::Corrupt("x".into())), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[tokio::test]
    async fn body_is_json_with_code_and_message() {
        let response = ApiError::unauthorized("no token").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "unauthorized");
        assert_eq!(v["error"]["message"], "no token");
    }
}
