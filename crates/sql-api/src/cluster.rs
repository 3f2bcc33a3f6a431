//! `GET /v1/cluster`: where queries run. In local mode, `{"mode": "local"}`;
//! with a scheduler, its executors (with task slots) and the running jobs.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;
use enma_http::HttpError;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/cluster", get(cluster))
}

async fn cluster(State(state): State<AppState>) -> Result<Json<Value>, HttpError> {
    let Some(url) = state.engine().config().scheduler.clone() else {
        return Ok(Json(json!({ "mode": "local" })));
    };
    let status = enma_cluster::cluster_status(&url).await?;
    let mut body = serde_json::to_value(status).map_err(|e| enma_common::error::Error::internal(e.to_string()))?;
    body["mode"] = json!("cluster");
    Ok(Json(body))
}
