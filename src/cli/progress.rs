//! A spinner on stderr while a statement runs: elapsed time and rows so far.
//! It appears only on a terminal and only once a statement has run for a
//! second, so scripts and quick queries print nothing extra.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Progress of one running statement.
pub struct Progress {
    bar: Arc<Mutex<Option<ProgressBar>>>,
    done: Arc<std::sync::atomic::AtomicBool>,
}

impl Progress {
    /// Starts watching a statement; the spinner shows after one second.
    pub fn start() -> Self {
        let bar = Arc::new(Mutex::new(None));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if std::io::stderr().is_terminal() {
            let (bar, done) = (bar.clone(), done.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                let pb = ProgressBar::new_spinner().with_elapsed(Duration::from_secs(1));
                pb.set_style(ProgressStyle::with_template("{spinner} running for {elapsed} {msg}").expect("valid template"));
                pb.enable_steady_tick(Duration::from_millis(120));
                *bar.lock().expect("progress lock") = Some(pb);
            });
        }
        Self { bar, done }
    }

    /// Runs `f` (which prints rows) without the spinner in the way, and shows the row count.
    pub fn print<T>(&self, rows: usize, f: impl FnOnce() -> T) -> T {
        match self.bar.lock().expect("progress lock").as_ref() {
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
        self.done.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(pb) = self.bar.lock().expect("progress lock").take() {
            pb.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
