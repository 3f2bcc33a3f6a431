//! `POST /v1/sql`: runs HiveQL and streams the last statement's result.
//!
//! Request: `{"sql": "...", "database": "default"}` (`database` optional).
//! The response format follows `Accept` (see [`super::encode`]).
//!
//! The handler runs the statements and pulls the first batch before
//! answering, so failures that show up early (bad SQL, unknown tables,
//! most execution errors) get a proper status and JSON error. Later
//! failures abort the streamed body. The server's query timeout covers the
//! whole request, streaming included; when it passes, the query's stream is
//! dropped, which cancels it. A client that disconnects drops the body and
//! with it the query.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::StreamExt;
use serde::Deserialize;
use tokio::time::Instant;

use super::AppState;
use super::encode::{ResultFormat, ResultStream, with_deadline};
use enma_common::error::{Error, Result};
use enma_engine::Caller;
use enma_http::HttpError;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/sql", post(run_sql))
}

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlRequest {
    /// One or more `;`-separated statements.
    pub sql: String,
    /// The current database for the statements; default `default`.
    #[serde(default = "default_database")]
    pub database: String,
}

fn default_database() -> String {
    "default".into()
}

async fn run_sql(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, HttpError> {
    let started = Instant::now();
    let format = ResultFormat::negotiate(&headers)?;
    let request = parse_request(&body?)?;
    let deadline = state.config().query_timeout.map(|limit| started + limit);
    tracing::debug!(database = request.database, sql = request.sql, "running SQL");
    let results = with_deadline(deadline, start(state, request, format, deadline, started)).await??;
    let mut response = results.into_body().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    Ok(response)
}

fn parse_request(body: &[u8]) -> Result<SqlRequest, HttpError> {
    let request: SqlRequest = serde_json::from_slice(body).map_err(|e| {
        HttpError::bad_request(format!(
            "the body must be JSON like {{\"sql\": \"...\", \"database\": \"default\"}}: {e}"
        ))
    })?;
    if request.sql.trim().trim_matches(';').trim().is_empty() {
        return Err(HttpError::bad_request("`sql` is empty"));
    }
    Ok(request)
}

/// Runs the statements and pulls the first batch of the result, on the
/// query threads; the rest of the batches are pulled there too.
async fn start(
    state: AppState,
    request: SqlRequest,
    format: ResultFormat,
    deadline: Option<Instant>,
    started: Instant,
) -> Result<ResultStream> {
    let engine = state.engine().clone();
    let (schema, stream, first) = state
        .engine()
        .query_threads()
        .run(async move {
            let mut session = engine.session(&request.database, Caller::Remote)?;
            let mut output = session.run(&request.sql).await?;
            let first = output.stream.next().await.transpose().map_err(Error::from)?;
            Ok::<_, Error>((output.schema, engine.query_threads().forward(output.stream, session), first))
        })
        .await?;
    // The session lives with the stream on the query threads.
    Ok(ResultStream::new(format, schema, stream, first, deadline, started))
}
