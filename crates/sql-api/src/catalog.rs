//! Read-only view of the metastore: databases, their tables, one table's
//! schema, storage and partitions.
//!
//! The metastore reads a file under a lock, so its calls run on the blocking
//! pool rather than on the async workers.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::AppState;
use enma_common::error::{Error, Result};
use enma_http::HttpError;
use enma_metastore::{Column, Metastore, Table};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/databases", get(list_databases))
        .route("/v1/databases/{db}/tables", get(list_tables))
        .route("/v1/databases/{db}/tables/{table}", get(describe_table))
}

#[derive(Serialize)]
struct DatabasesBody {
    databases: Vec<DatabaseBody>,
}

#[derive(Serialize)]
struct DatabaseBody {
    name: String,
    comment: Option<String>,
    location: String,
}

#[derive(Serialize)]
struct TablesBody {
    tables: Vec<String>,
}

#[derive(Serialize)]
struct TableBody {
    database: String,
    name: String,
    comment: Option<String>,
    /// `MANAGED_TABLE` or `EXTERNAL_TABLE`.
    kind: &'static str,
    columns: Vec<ColumnBody>,
    partition_columns: Vec<ColumnBody>,
    location: String,
    /// The `STORED AS` keyword: `PARQUET`, `TEXTFILE`, ...
    format: &'static str,
    properties: BTreeMap<String, String>,
    partitions: Vec<PartitionBody>,
}

#[derive(Serialize)]
struct ColumnBody {
    name: String,
    #[serde(rename = "type")]
    hive_type: String,
    comment: Option<String>,
}

#[derive(Serialize)]
struct PartitionBody {
    /// In partition-column order.
    values: Vec<String>,
    location: String,
}

async fn list_databases(State(state): State<AppState>) -> Result<Json<DatabasesBody>, HttpError> {
    let databases = with_metastore(&state, |m| m.databases()).await?;
    let databases = databases
        .into_iter()
        .map(|d| DatabaseBody { name: d.name, comment: d.comment, location: d.location })
        .collect();
    Ok(Json(DatabasesBody { databases }))
}

async fn list_tables(State(state): State<AppState>, Path(db): Path<String>) -> Result<Json<TablesBody>, HttpError> {
    let tables = with_metastore(&state, move |m| m.table_names(&db)).await?;
    Ok(Json(TablesBody { tables }))
}

async fn describe_table(
    State(state): State<AppState>,
    Path((db, table)): Path<(String, String)>,
) -> Result<Json<TableBody>, HttpError> {
    let table = with_metastore(&state, move |m| m.table(&db, &table)).await?;
    Ok(Json(TableBody::from(table)))
}

impl From<Table> for TableBody {
    fn from(t: Table) -> Self {
        Self {
            kind: t.kind.hive_name(),
            format: t.format.hive_name(),
            columns: t.columns.into_iter().map(ColumnBody::from).collect(),
            partition_columns: t.partition_columns.into_iter().map(ColumnBody::from).collect(),
            partitions: t
                .partitions
                .into_iter()
                .map(|p| PartitionBody { values: p.values, location: p.location })
                .collect(),
            database: t.database,
            name: t.name,
            comment: t.comment,
            location: t.location,
            properties: t.properties,
        }
    }
}

impl From<Column> for ColumnBody {
    fn from(c: Column) -> Self {
        Self { name: c.name, hive_type: c.hive_type, comment: c.comment }
    }
}

/// Runs a metastore call on the blocking pool.
async fn with_metastore<T: Send + 'static>(
    state: &AppState,
    call: impl FnOnce(&Metastore) -> Result<T> + Send + 'static,
) -> Result<T, HttpError> {
    let engine = state.engine().clone();
    let result = tokio::task::spawn_blocking(move || call(engine.metastore()))
        .await
        .map_err(|e| Error::internal(format!("metastore call failed: {e}")))?;
    Ok(result?)
}
