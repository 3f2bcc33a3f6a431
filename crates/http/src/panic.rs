//! The panic guard: a bug in a handler becomes a JSON 500 instead of a
//! dropped connection, and the server keeps serving.

use std::panic::AssertUnwindSafe;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::FutureExt;

use crate::HttpError;

/// Answers 500 with the JSON error body when the handler panics. Use with
/// `axum::middleware::from_fn`.
pub async fn catch_panic(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            let what = enma_common::error::panic_message(panic.as_ref());
            tracing::error!(path, panic = what, "handler panicked");
            HttpError::internal(format!("internal error (a bug in the server): {what}")).into_response()
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
        let url = crate::testing::serve(app).await;

        let response = reqwest::get(format!("{url}/boom")).await.unwrap();
        assert_eq!(response.status(), 500);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "internal_error");
        assert!(body["error"]["message"].as_str().unwrap().contains("boom"), "{body}");
        assert_eq!(reqwest::get(format!("{url}/fine")).await.unwrap().text().await.unwrap(), "fine");
    }
}
