//! `GET /v1/functions[?like=pattern]` lists what SQL can call, with Hive's
//! usage text; `GET /v1/functions/{name}` describes one function (404 when
//! no function has that name). The session is the caller's: the built-in
//! and user functions and the permanent CREATE FUNCTION bindings.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::AppState;
use enma_common::error::Error;
use enma_engine::{Caller, FunctionKind};
use enma_http::HttpError;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/functions", get(list_functions)).route("/v1/functions/{name}", get(describe_function))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    /// Hive's SHOW FUNCTIONS pattern: `*` any characters, `|` alternatives.
    like: Option<String>,
}

#[derive(Serialize)]
struct FunctionsBody {
    functions: Vec<FunctionBody>,
}

#[derive(Serialize)]
struct FunctionBody {
    name: String,
    kind: Option<FunctionKind>,
    /// `name(args) - what it does`.
    usage: String,
    /// The extended description (examples), one line each; only for one function.
    #[serde(skip_serializing_if = "Option::is_none")]
    extended: Option<Vec<String>>,
}

async fn list_functions(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<FunctionsBody>, HttpError> {
    let engine = state.engine().clone();
    let body = tokio::task::spawn_blocking(move || -> enma_common::error::Result<FunctionsBody> {
        let session = engine.session("default", Caller::Remote)?;
        let functions = session
            .function_names()
            .into_iter()
            .filter(|n| q.like.as_ref().is_none_or(|p| enma_engine::like_matches(p, n)))
            .map(|name| FunctionBody {
                kind: session.function_kind(&name),
                usage: session.function_usage(&name, false).and_then(|l| l.into_iter().next()).unwrap_or_default(),
                name,
                extended: None,
            })
            .collect();
        Ok(FunctionsBody { functions })
    })
    .await
    .map_err(|e| Error::internal(e.to_string()))??;
    Ok(Json(body))
}

async fn describe_function(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<FunctionBody>, HttpError> {
    let engine = state.engine().clone();
    let body = tokio::task::spawn_blocking(move || -> enma_common::error::Result<FunctionBody> {
        let session = engine.session("default", Caller::Remote)?;
        let name = name.to_ascii_lowercase();
        let mut lines = session
            .function_usage(&name, true)
            .ok_or_else(|| Error::not_found(format!("function {name} does not exist")))?
            .into_iter();
        Ok(FunctionBody {
            kind: session.function_kind(&name),
            usage: lines.next().unwrap_or_default(),
            extended: Some(lines.collect()),
            name,
        })
    })
    .await
    .map_err(|e| Error::internal(e.to_string()))??;
    Ok(Json(body))
}
