//! The REST server's error: enma-http's [`HttpError`] (HBase's status codes
//! with a JSON body `{"error": {"code", "message"}}` instead of HBase's bare
//! text line, so a client can tell why), plus the statuses HBase gives the
//! store's failures.
//!
//! A type of its own because `?` on a store call needs
//! `From<enma_kv::Error>`, which Rust lets only this crate or enma-http
//! write, and enma-http knows nothing of the store.

use std::ops::Deref;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use enma_http::HttpError;

/// An HTTP error response of the REST server: an [`HttpError`] by another name.
#[derive(Debug, Clone)]
pub struct ApiError(HttpError);

impl ApiError {
    /// An error with any status; the helpers below name the common ones.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self(HttpError::new(status, code, message))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self(HttpError::bad_request(message))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self(HttpError::not_found(message))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self(HttpError::forbidden(message))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self(HttpError::unauthorized(message))
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self(HttpError::unsupported_media_type(message))
    }

    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self(HttpError::not_acceptable(message))
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self(HttpError::internal(message))
    }
}

/// Its status, code and message.
impl Deref for ApiError {
    type Target = HttpError;

    fn deref(&self) -> &HttpError {
        &self.0
    }
}

impl From<HttpError> for ApiError {
    fn from(e: HttpError) -> Self {
        Self(e)
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
        self.0.into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::header;

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
