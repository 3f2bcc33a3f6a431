//! MapReduce over REST. `POST /v1/mapreduce` starts a job (a streaming job's
//! commands, or a registered Rust job) and answers 202 with its id;
//! `GET /v1/mapreduce/{id}` tells its status, progress, counters and output;
//! `GET /v1/mapreduce/jobs` lists the registered Rust jobs.
//!
//! Remote callers touch the server's disk and run commands only where the
//! operator allowed it: inputs and outputs (paths or `file://` URLs) under
//! `--allow-local-dir`, resolved through symlinks; commands listed in
//! `--allow-command`, split into words and run without a shell (403
//! otherwise, naming the setting). Every refusal, a malformed body included,
//! is the API's JSON error.
//!
//! The jobs themselves, their state and their stopping, are
//! [`enma_mapreduce::Jobs`]; this module only turns requests into them.

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::AppState;
use enma_common::error::Error;
use enma_http::HttpError;
use enma_mapreduce::{Command, JobSpec, JobStatus, rust_jobs};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/mapreduce", post(start_job))
        .route("/v1/mapreduce/jobs", get(list_rust_jobs))
        .route("/v1/mapreduce/{id}", get(job_status))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobRequest {
    /// Files or directories of text on the server.
    #[serde(default)]
    input: Vec<PathBuf>,
    /// A table whose rows are the input instead of files.
    input_table: Option<String>,
    /// A directory on the server that must not exist yet.
    output: Option<PathBuf>,
    /// An unpartitioned table to put the output into instead.
    output_table: Option<String>,
    /// With `output_table`: replace its rows.
    #[serde(default)]
    overwrite: bool,
    /// Hadoop job settings, as `-D name=value` (see `enma mapreduce --help`).
    #[serde(default)]
    conf: BTreeMap<String, String>,
    /// Hadoop's partitioner class.
    partitioner: Option<String>,
    /// Environment variables for the streaming commands (`-cmdenv`).
    #[serde(default)]
    cmdenv: BTreeMap<String, String>,
    mapper: Option<String>,
    combiner: Option<String>,
    /// A command, `NONE` for map-only; absent: the identity reducer.
    reducer: Option<String>,
    #[serde(default = "one")]
    num_reducers: usize,
    /// A registered Rust job instead of commands.
    job: Option<String>,
}

fn one() -> usize {
    1
}

#[derive(Serialize)]
struct RustJobs {
    jobs: Vec<RustJobEntry>,
}

#[derive(Serialize)]
struct RustJobEntry {
    name: String,
    description: String,
}

async fn list_rust_jobs() -> Json<RustJobs> {
    Json(RustJobs {
        jobs: rust_jobs().into_iter().map(|(name, description)| RustJobEntry { name, description }).collect(),
    })
}

async fn job_status(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<JobStatus>, HttpError> {
    state
        .mapreduce_jobs()
        .status(&id)
        .map(Json)
        .ok_or_else(|| Error::not_found(format!("no MapReduce job '{id}'")).into())
}

/// A path a remote caller names (or a `file://` URL) must lie under a directory the operator allowed.
fn allowed_path(state: &AppState, path: &FsPath, what: &str) -> Result<PathBuf, Error> {
    let local = enma_mapreduce::local_path(path)?;
    let absolute = if local.is_absolute() {
        local
    } else {
        return Err(Error::plan(format!(
            "{what} must be an absolute path or a file:// URL on the server, not '{}'",
            path.display()
        )));
    };
    // Compared as real paths, so `..` and links cannot leave an allowed directory.
    state.engine().config().remote_access.check_path(&absolute, what)
}

/// A command a remote caller asks to run must be on the operator's list
/// (an exact command, or a prefix ending in `*`, matched word by word).
fn allowed_command(state: &AppState, command: &Command) -> Result<(), Error> {
    state.engine().config().remote_access.check_command(command)
}

/// The request, from a JSON body (a body sent as another content type is refused).
fn parse_request(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<JobRequest, HttpError> {
    let body = body?;
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let essence =
            content_type.to_str().unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(HttpError::from_status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("the body must be JSON (Content-Type: application/json), not {essence}"),
            ));
        }
    }
    serde_json::from_slice(&body).map_err(|e| {
        HttpError::bad_request(format!(
            "the body must be a JSON job like {{\"input\": [\"/dir\"], \"output\": \"/out\", \"mapper\": \"cat\"}}: {e}"
        ))
    })
}

async fn start_job(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<JobStatus>), HttpError> {
    let req = parse_request(&headers, body)?;
    let inputs = match (&req.input_table, req.input.is_empty()) {
        (None, true) => {
            return Err(HttpError::bad_request("give input files (\"input\") or a table (\"input_table\")"));
        }
        (Some(_), false) => return Err(HttpError::bad_request("give \"input\" or \"input_table\", not both")),
        _ => req.input.iter().map(|p| allowed_path(&state, p, "input")).collect::<Result<Vec<_>, _>>()?,
    };
    let output = match (&req.output, &req.output_table) {
        (Some(path), None) => allowed_path(&state, &enma_mapreduce::output_dir(path)?, "output")?,
        // Into a table: the files are written in a scratch directory of the server's data directory first.
        (None, Some(_)) => {
            state.engine().config().data_dir.join(".mapreduce").join(uuid::Uuid::new_v4().simple().to_string())
        }
        _ => {
            return Err(HttpError::bad_request(
                "give an output directory (\"output\") or a table (\"output_table\"), one of them",
            ));
        }
    };
    let job = match (&req.job, &req.mapper) {
        (Some(_), Some(_)) => {
            return Err(HttpError::bad_request("give either a Rust job or a mapper command, not both"));
        }
        (Some(name), None) => JobSpec::rust(name, inputs, output.clone(), req.num_reducers)?,
        (None, Some(m)) => {
            let (combiner, reducer) = (req.combiner.as_deref(), req.reducer.as_deref());
            let job = JobSpec::streaming_without_shell(inputs, output.clone(), m, combiner, reducer, req.num_reducers)?;
            for command in job.commands() {
                allowed_command(&state, command)?;
            }
            job
        }
        (None, None) => {
            return Err(HttpError::bad_request("give a Rust job (\"job\") or a streaming mapper command (\"mapper\")"));
        }
    };
    let mut job = job;
    let conf: Vec<(String, String)> = req.conf.clone().into_iter().collect();
    let ignored = job.apply_hadoop_conf(&conf, req.partitioner.as_deref())?;
    job.input_table = req.input_table.clone();
    job.cmdenv = req.cmdenv.clone().into_iter().collect();
    job.output_table =
        req.output_table.clone().map(|name| enma_mapreduce::OutputTable { name, overwrite: req.overwrite });
    job.check_limits()?;
    if output.exists() {
        return Err(Error::exists(format!("output directory {} already exists", output.display())).into());
    }
    let label = match &req.output_table {
        Some(table) => format!("table {table}"),
        None => output.display().to_string(),
    };
    let status = state.mapreduce_jobs().start(state.engine().clone(), job, label, ignored)?;
    Ok((StatusCode::ACCEPTED, Json(status)))
}
