//! Progress on stderr while a statement runs: elapsed time and rows so far,
//! and on a cluster a bar of the job's tasks with its stages. It appears only
//! on a terminal and only once a statement has run for a second, so scripts
//! and quick queries print nothing extra.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cluster::JobProgress;

/// Progress of one running statement.
pub struct Progress {
    bar: Arc<Mutex<Option<ProgressBar>>>,
    done: Arc<AtomicBool>,
}

/// Where a cluster job's progress is read: the scheduler's URL and the job's name.
pub type ClusterJob = Option<(String, String)>;

impl Progress {
    /// Starts watching a statement; the spinner shows after one second.
    pub fn start(job: ClusterJob) -> Self {
        let bar = Arc::new(Mutex::new(None));
        let done = Arc::new(AtomicBool::new(false));
        if std::io::stderr().is_terminal() {
            tokio::spawn(watch(bar.clone(), done.clone(), job));
        }
        Self { bar, done }
    }

    /// Watches a statement of `session`, following its cluster job if it runs on one.
    pub fn for_session(session: &crate::engine::Session) -> Self {
        Self::start(session.cluster_job().map(|(url, job)| (url.to_string(), job.to_string())))
    }

    /// Runs `f` (which prints rows) without the spinner in the way, and shows the row count.
    pub fn print<T>(&self, rows: usize, f: impl FnOnce() -> T) -> T {
        match self.bar.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            Some(pb) => {
                let out = pb.suspend(f);
                pb.set_message(format!("— {rows} rows"));
                out
            }
            None => f(),
        }
    }

    /// Removes the spinner.
    pub fn finish(&self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(pb) = self.bar.lock().unwrap_or_else(PoisonError::into_inner).take() {
            pb.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

async fn watch(bar: Arc<Mutex<Option<ProgressBar>>>, done: Arc<AtomicBool>, job: ClusterJob) {
    tokio::time::sleep(Duration::from_secs(1)).await;
    if done.load(Ordering::SeqCst) {
        return;
    }
    let pb = ProgressBar::new_spinner().with_elapsed(Duration::from_secs(1));
    pb.set_style(
        ProgressStyle::with_template("{spinner} running for {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(Duration::from_millis(120));
    *bar.lock().unwrap_or_else(PoisonError::into_inner) = Some(pb.clone());
    let Some((url, name)) = job else { return };
    let mut shown = None;
    while !done.load(Ordering::SeqCst) {
        if let Ok(Some(progress)) = crate::cluster::job_progress(&url, &name).await
            && Some(progress) != shown
        {
            show_job(&pb, progress, shown.is_none());
            shown = Some(progress);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Turns the spinner into a bar of tasks, with the stages alongside.
fn show_job(pb: &ProgressBar, p: JobProgress, first: bool) {
    if first {
        pb.set_style(
            ProgressStyle::with_template("{spinner} {elapsed} [{bar:30}] {pos}/{len} tasks, {prefix} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
    }
    pb.set_length(p.tasks);
    pb.set_position(p.completed_tasks);
    pb.set_prefix(format!("stage {}/{}", p.completed_stages, p.stages));
}
