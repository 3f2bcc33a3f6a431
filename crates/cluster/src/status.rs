//! The cluster as `GET /v1/cluster` shows it: executors, their task slots
//! and the jobs, read from the scheduler's REST API (served on its gRPC port).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::scheduler_address;
use crate::error::{Error, Result};

/// What the scheduler reports.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClusterStatus {
    /// `df://host:port`.
    pub scheduler: String,
    pub executors: Vec<ExecutorStatus>,
    /// Task slots over all executors.
    pub total_slots: u64,
    /// Jobs queued or running.
    pub running_jobs: Vec<JobStatus>,
    /// How many jobs the scheduler still remembers, by state (`Completed`, `Failed`, ...).
    pub jobs_by_status: std::collections::BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExecutorStatus {
    pub id: String,
    pub host: String,
    pub port: u16,
    pub slots: u64,
    /// Milliseconds since the last heartbeat.
    pub last_seen_ms: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JobStatus {
    pub id: String,
    pub name: String,
    pub status: String,
    pub stages: u64,
    pub completed_stages: u64,
}

#[derive(Deserialize)]
struct ExecutorResponse {
    id: String,
    host: String,
    port: u16,
    last_seen: Option<u64>,
    specification: Specification,
}

#[derive(Deserialize)]
struct Specification {
    vcores: u64,
}

#[derive(Deserialize)]
struct JobResponse {
    job_id: String,
    job_name: String,
    status: String,
    num_stages: u64,
    completed_stages: u64,
    #[serde(default)]
    start_time: u64,
}

#[derive(Deserialize)]
struct StagesResponse {
    stages: Vec<StageResponse>,
}

#[derive(Deserialize)]
struct StageResponse {
    tasks: Vec<Option<TaskResponse>>,
}

#[derive(Deserialize)]
struct TaskResponse {
    status: serde_json::Value,
}

/// How far the running job of one name has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobProgress {
    pub stages: u64,
    pub completed_stages: u64,
    /// Tasks of the stages that have been planned so far.
    pub tasks: u64,
    pub completed_tasks: u64,
}

fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Error::execution(format!("cannot make an HTTP client: {e}")))
}

async fn get_json<T: serde::de::DeserializeOwned>(client: &reqwest::Client, url: &str, what: &str) -> Result<T> {
    let unreachable = |e: reqwest::Error| Error::unavailable(format!("the scheduler is unreachable: {e}"));
    let body = client
        .get(url)
        .send()
        .await
        .map_err(unreachable)?
        .error_for_status()
        .map_err(unreachable)?
        .bytes()
        .await
        .map_err(unreachable)?;
    serde_json::from_slice(&body).map_err(|e| Error::execution(format!("unexpected {what} from the scheduler: {e}")))
}

/// The progress of the latest queued or running job named `job_name`, if there is one.
pub async fn job_progress(url: &str, job_name: &str) -> Result<Option<JobProgress>> {
    let (host, port) = scheduler_address(url)?;
    let base = format!("http://{host}:{port}/api");
    let client = client()?;
    let jobs: Vec<JobResponse> = get_json(&client, &format!("{base}/jobs"), "job list").await?;
    let Some(job) = jobs
        .into_iter()
        .filter(|j| j.job_name == job_name && (j.status == "Running" || j.status == "Queued"))
        .max_by_key(|j| j.start_time)
    else {
        return Ok(None);
    };
    let stages: StagesResponse = get_json(&client, &format!("{base}/job/{}/stages", job.job_id), "stage list").await?;
    let tasks = stages.stages.iter().flat_map(|s| s.tasks.iter().flatten());
    let (mut total, mut done) = (0, 0);
    for task in tasks {
        total += 1;
        if task.status.as_str() == Some("Successful") {
            done += 1;
        }
    }
    Ok(Some(JobProgress {
        stages: job.num_stages,
        completed_stages: job.completed_stages,
        tasks: total,
        completed_tasks: done,
    }))
}

/// Asks the scheduler at `url` (`df://host:port`) for its executors and jobs.
pub async fn cluster_status(url: &str) -> Result<ClusterStatus> {
    let (host, port) = scheduler_address(url)?;
    let base = format!("http://{host}:{port}/api");
    let client = client()?;
    let executors: Vec<ExecutorResponse> = get_json(&client, &format!("{base}/executors"), "executor list").await?;
    let jobs: Vec<JobResponse> = get_json(&client, &format!("{base}/jobs"), "job list").await?;
    let executors: Vec<ExecutorStatus> = executors
        .into_iter()
        .map(|e| ExecutorStatus {
            id: e.id,
            host: e.host,
            port: e.port,
            slots: e.specification.vcores,
            last_seen_ms: e.last_seen,
        })
        .collect();
    let mut jobs_by_status = std::collections::BTreeMap::new();
    for job in &jobs {
        *jobs_by_status.entry(job.status.clone()).or_insert(0) += 1;
    }
    Ok(ClusterStatus {
        scheduler: format!("df://{host}:{port}"),
        total_slots: executors.iter().map(|e| e.slots).sum(),
        executors,
        running_jobs: jobs
            .into_iter()
            .filter(|j| j.status == "Running" || j.status == "Queued")
            .map(|j| JobStatus {
                id: j.job_id,
                name: j.job_name,
                status: j.status,
                stages: j.num_stages,
                completed_stages: j.completed_stages,
            })
            .collect(),
        jobs_by_status,
    })
}
