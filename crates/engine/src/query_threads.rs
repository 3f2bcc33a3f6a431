//! The threads queries run on: a tokio runtime of its own, apart from the
//! one that serves connections.
//!
//! Two reasons. Planning and optimizing recurse over the statement, so a
//! deep statement needs more stack than tokio's 2 MiB default; these threads
//! have [`STACK_SIZE`] (reserved, not committed, until used), and
//! [`enma_hive::limits`] refuses statements that would need more. And a
//! CPU-bound operator may hold a thread for seconds between two polls; on
//! threads of their own, queries cannot delay the server's timers, so a query
//! timeout answers on time while the cancelled work unwinds.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::error::Result as DfResult;
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};

/// Stack of each query thread.
pub const STACK_SIZE: usize = 64 << 20;

/// The thread name queries run under unless the engine's config names another.
pub const DEFAULT_NAME: &str = "enma-query";

/// An engine's query threads. Dropping it stops them (running work is
/// dropped at its next await point).
pub struct QueryThreads {
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for QueryThreads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryThreads").finish_non_exhaustive()
    }
}

impl QueryThreads {
    /// Threads named `name`, twice as many as a query's partitions (`None`:
    /// the number of cores). A cancelled query stops only at its next batch
    /// boundary, which a CPU-bound operator may take seconds to reach; with
    /// threads to spare, the queries after it do not wait for that.
    pub fn new(name: &str, partitions: Option<usize>) -> Result<Self> {
        let partitions =
            partitions.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2));
        let threads = 2 * partitions.max(1);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name(name)
            .thread_stack_size(STACK_SIZE)
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("cannot start the query threads: {e}")))?;
        Ok(Self { runtime: Some(runtime) })
    }

    #[expect(clippy::expect_used, reason = "only drop takes the runtime out")]
    fn handle(&self) -> &tokio::runtime::Handle {
        self.runtime.as_ref().expect("the runtime lives until drop").handle()
    }

    /// Runs `work` on the query threads. Dropping the returned future aborts
    /// the work at its next await point.
    pub fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T>> + Send + 'static,
    ) -> impl Future<Output = Result<T>> + Send + 'static {
        let task = AbortOnDrop(self.handle().spawn(work));
        async move {
            match task.await {
                Ok(result) => result,
                Err(e) if e.is_panic() => {
                    let panic = e.into_panic();
                    let what = crate::error::panic_message(panic.as_ref());
                    tracing::error!(panic = what, "a query panicked");
                    Err(Error::internal(format!("internal error while running the query: {what}")))
                }
                Err(_) => Err(Error::new(crate::error::ErrorKind::Cancelled, "the query was cancelled")),
            }
        }
    }

    /// A stream whose batches are pulled on the query threads and handed
    /// over through a small channel; dropping it stops the pulling, which
    /// drops `stream` and with it the query. `keep_alive` lives as long as
    /// the pulling.
    pub fn forward(
        &self,
        stream: SendableRecordBatchStream,
        keep_alive: impl Send + 'static,
    ) -> SendableRecordBatchStream {
        let schema: SchemaRef = stream.schema();
        let (tx, rx) = mpsc::channel::<DfResult<RecordBatch>>(2);
        let task = self.handle().spawn(async move {
            let _keep_alive = keep_alive;
            let mut stream = stream;
            while let Some(item) = stream.next().await {
                if tx.send(item).await.is_err() {
                    break;
                }
            }
        });
        let guard = AbortOnDrop(task);
        let batches = futures::stream::unfold((rx, guard), |(mut rx, guard)| async move {
            let item = rx.recv().await?;
            Some((item, (rx, guard)))
        });
        Box::pin(RecordBatchStreamAdapter::new(schema, batches))
    }
}

impl Drop for QueryThreads {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A task handle that aborts its task when dropped.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> Future for AbortOnDrop<T> {
    type Output = std::result::Result<T, tokio::task::JoinError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}
