//! Jobs that run in the background of a server: started by one request,
//! followed by later ones ([`Jobs::status`]), stopped together when the
//! server shuts down ([`Jobs::shutdown`]).
//!
//! The state is this process's memory: a restarted server knows no jobs. A
//! stopped job is cancelled as a failed one is: its tasks' commands are
//! killed and its partial output is removed ([`run_job`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use enma_engine::Engine;
use serde::Serialize;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::error::Error;
use crate::{JobSpec, run_job};

/// A job's state as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JobStatus {
    pub id: String,
    /// `running`, `succeeded`, `failed` or `cancelled`.
    pub status: &'static str,
    /// The output directory, or `table <name>`.
    pub output: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Output files written so far, of `parts_total`.
    pub parts_done: usize,
    pub parts_total: usize,
    pub input_bytes: u64,
    pub elapsed_ms: u64,
    /// `group → name → value`.
    pub counters: BTreeMap<String, BTreeMap<String, i64>>,
    /// Settings of the job's `conf` that change nothing here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_conf: Vec<String>,
}

/// The background jobs of one server, by id. Cheap to clone.
#[derive(Debug, Default, Clone)]
pub struct Jobs {
    statuses: Arc<Mutex<HashMap<String, JobStatus>>>,
    running: Arc<Mutex<JoinSet<()>>>,
    stop: CancellationToken,
}

impl Jobs {
    /// Starts `job` on `engine` in the background and returns its first
    /// status; `output` is how the status names where the output goes.
    /// Callers check the job first (paths, commands, limits).
    pub fn start(
        &self,
        engine: Engine,
        job: JobSpec,
        output: String,
        ignored_conf: Vec<String>,
    ) -> Result<JobStatus, Error> {
        if self.stop.is_cancelled() {
            return Err(Error::unavailable("the server is shutting down: no new MapReduce jobs"));
        }
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        let status = JobStatus {
            id: id.clone(),
            status: "running",
            output,
            error: None,
            parts_done: 0,
            parts_total: 0,
            input_bytes: 0,
            elapsed_ms: 0,
            counters: BTreeMap::new(),
            ignored_conf,
        };
        self.lock_statuses().insert(id.clone(), status.clone());
        let jobs = self.clone();
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        // Finished jobs' tasks are reaped here, so the set holds only running ones.
        while running.try_join_next().is_some() {}
        running.spawn(async move {
            let progress = jobs.clone();
            let progress_id = id.clone();
            let run = run_job(&engine, &job, move |done, total| {
                progress.update(&progress_id, |s| {
                    s.parts_done = done;
                    s.parts_total = total;
                })
            });
            // Dropping the job's future kills its commands and removes its partial output.
            let result = tokio::select! {
                result = run => Some(result),
                () = jobs.stop.cancelled() => None,
            };
            jobs.update(&id, |s| match result {
                Some(Ok(report)) => {
                    s.status = "succeeded";
                    s.parts_done = report.parts;
                    s.parts_total = report.parts;
                    s.input_bytes = report.input_bytes;
                    s.elapsed_ms = report.elapsed.as_millis() as u64;
                    for (group, name, value) in report.counters {
                        s.counters.entry(group).or_default().insert(name, value);
                    }
                }
                Some(Err(e)) => {
                    s.status = "failed";
                    s.error = Some(e.to_string());
                }
                None => {
                    s.status = "cancelled";
                    s.error = Some("the server shut down while the job ran; its partial output was removed".into());
                }
            });
        });
        Ok(status)
    }

    /// The job's status, if this server started it.
    pub fn status(&self, id: &str) -> Option<JobStatus> {
        self.lock_statuses().get(id).cloned()
    }

    /// How many jobs are running.
    pub fn running(&self) -> usize {
        self.lock_statuses().values().filter(|s| s.status == "running").count()
    }

    /// Cancels every running job, refuses new ones, and returns when the
    /// cancelled jobs have cleaned up.
    pub async fn shutdown(&self) {
        self.stop.cancel();
        let mut running = std::mem::take(&mut *self.running.lock().unwrap_or_else(PoisonError::into_inner));
        if !running.is_empty() {
            tracing::info!(jobs = running.len(), "stopping the running MapReduce jobs");
        }
        while running.join_next().await.is_some() {}
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut JobStatus)) {
        if let Some(job) = self.lock_statuses().get_mut(id) {
            f(job);
        }
    }

    fn lock_statuses(&self) -> std::sync::MutexGuard<'_, HashMap<String, JobStatus>> {
        self.statuses.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
