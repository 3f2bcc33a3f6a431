//! The HTTP plumbing ENMA's services share, so the REST API v1
//! (`enma-sql-api`) and HBase's REST server (`enma-hbase-server`) answer
//! failures, check tokens and guard their handlers the same way.
//!
//! | piece | item |
//! |---|---|
//! | an error as a status and a JSON body `{"error": {"code", "message"}}` | [`HttpError`] |
//! | fallbacks for unknown paths and methods | [`not_found`], [`method_not_allowed`] |
//! | plain-text error responses (axum's rejections) rewritten as JSON | [`json_errors`] |
//! | `Authorization: Bearer <token>`, compared in constant time | [`BearerToken`], [`require_bearer_token`] |
//! | a panicking handler answered with a JSON 500 | [`catch_panic`] |
//! | the largest request body | [`body_limit`] |
//! | a span and a log line per request | [`trace_layer`] |
//!
//! Each service assembles its own router from these pieces: which routes
//! need the token and which layers wrap them is the service's choice.
//!
//! Architecture invariant: this crate knows HTTP and [`enma_common`]'s error,
//! nothing else of ENMA. A service maps its own library's errors (the
//! key-value store's, say) to an [`HttpError`] itself.

pub mod auth;
pub mod error;
pub mod panic;

use axum::extract::DefaultBodyLimit;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::TraceLayer;

pub use auth::{BearerToken, check_exposure, constant_time_eq, require_bearer_token};
pub use error::{HttpError, json_errors, method_not_allowed, not_found};
pub use panic::catch_panic;

/// The largest request body, in bytes, a handler's body extractor reads; a
/// larger one is rejected with 413 (`payload_too_large` once it is an [`HttpError`]).
pub fn body_limit(bytes: usize) -> DefaultBodyLimit {
    DefaultBodyLimit::max(bytes)
}

/// A tracing span per request, with its method and path, and an event when it
/// ends; server errors are logged as failures.
pub fn trace_layer() -> TraceLayer<SharedClassifier<ServerErrorsAsFailures>> {
    TraceLayer::new_for_http()
}

#[cfg(test)]
pub(crate) mod testing {
    /// Serves `app` on a free loopback port and returns its base URL; the
    /// server stops with the test's runtime.
    pub async fn serve(app: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }
}
