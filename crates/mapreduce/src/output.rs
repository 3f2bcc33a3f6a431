//! The job's output files, as Hadoop's `TextOutputFormat` writes them: one
//! `part-NNNNN` per reduce task (or per map task in a map-only job), each
//! line `key\tvalue` (the key alone when the value is empty).
//!
//! A file is named by its reduce partition (or split) number in the whole
//! job, which on a cluster is not the partition number a task sees: the
//! scheduler hands each task a slice of the stage's partitions, renumbered
//! from 0. The number is read from the plan the task runs (see
//! [`global_partition`]).
//!
//! Each partition writes its file under a unique temporary name and renames
//! it into place when its input is complete, so a task that runs again (an
//! executor was lost) replaces its file whole. Its only output row is the
//! file's name (in the key) and the job's counters as they reached it, with
//! the bytes it wrote. A reduce partition that received nothing may not know
//! its number; it writes no file, and the job creates the empty file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{AsArray, RecordBatch};
use ballista_core::execution_plans::ShuffleReaderExec;
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::input::{InputFormat, MapInputExec, split_at};
use super::{Counters, counter_batch, pair_schema, strip_counters};

/// Hadoop's group for what output formats count.
pub const OUTPUT_COUNTERS: &str = "File Output Format Counters";

/// Writes each input partition to `dir/part-NNNNN`.
#[derive(Debug)]
pub struct OutputExec {
    input: Arc<dyn ExecutionPlan>,
    dir: PathBuf,
    properties: Arc<PlanProperties>,
}

impl OutputExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, dir: PathBuf) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(pair_schema()),
            input.properties().output_partitioning().clone(),
            EmissionType::Final,
            Boundedness::Bounded,
        ));
        OutputExec { input, dir, properties }
    }

    pub fn dir(&self) -> &PathBuf {
        &self.dir
    }
}

impl DisplayAs for OutputExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OutputExec: {}", self.dir.display())
    }
}

impl ExecutionPlan for OutputExec {
    one_input_operator!("OutputExec", one_task_per_partition);

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        let [input] =
            <[_; 1]>::try_from(children).map_err(|_| DataFusionError::Internal("OutputExec has one child".into()))?;
        Ok(Arc::new(OutputExec::new(input, self.dir.clone())))
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let counters = Counters::default();
        let mut input = strip_counters(self.input.execute(partition, context)?, counters.clone());
        let name = match global_partition(&self.input, partition) {
            Some(number) => part_name(number),
            // A map-only job over a table's rows: its scan's partitions have no
            // number that survives a cluster's renumbering, so the file gets a unique one.
            None if reads_rows(&self.input) => format!("part-m-{}", uuid::Uuid::new_v4().simple()),
            None => {
                // Nothing reached this partition (a reduce partition no map task wrote to).
                let drain = async move {
                    while let Some(batch) = input.next().await {
                        if batch?.num_rows() > 0 {
                            return Err(DataFusionError::Internal(
                                "an output partition without a number received records".into(),
                            ));
                        }
                    }
                    counter_batch(&counters)
                };
                return Ok(Box::pin(RecordBatchStreamAdapter::new(pair_schema(), futures::stream::once(drain))));
            }
        };
        let path = self.dir.join(&name);
        let temporary = self.dir.join(format!(".{name}.{}", uuid::Uuid::new_v4().simple()));
        let write = async move {
            let io = |e: std::io::Error| DataFusionError::Execution(format!("cannot write {}: {e}", path.display()));
            let result = async {
                let file = tokio::fs::File::create(&temporary).await.map_err(io)?;
                let mut w = tokio::io::BufWriter::with_capacity(1 << 20, file);
                let mut line = Vec::with_capacity(1 << 16);
                let mut bytes = 0i64;
                while let Some(batch) = input.next().await {
                    let batch = batch?;
                    let (keys, values) = (batch.column(0).as_binary::<i32>(), batch.column(1).as_binary::<i32>());
                    line.clear();
                    for i in 0..batch.num_rows() {
                        line.extend_from_slice(keys.value(i));
                        if !values.value(i).is_empty() {
                            line.push(b'\t');
                            line.extend_from_slice(values.value(i));
                        }
                        line.push(b'\n');
                    }
                    bytes += line.len() as i64;
                    w.write_all(&line).await.map_err(io)?;
                }
                w.flush().await.map_err(io)?;
                w.into_inner().sync_all().await.map_err(io)?;
                tokio::fs::rename(&temporary, &path).await.map_err(io)?;
                Ok::<i64, DataFusionError>(bytes)
            }
            .await;
            match result {
                Ok(bytes) => {
                    counters.add(OUTPUT_COUNTERS, "Bytes Written", bytes);
                    let batch = counter_batch(&counters)?;
                    let file = Arc::new(arrow::array::BinaryArray::from_vec(vec![name.as_bytes()]));
                    Ok(RecordBatch::try_new(
                        pair_schema(),
                        vec![file, batch.column(1).clone(), batch.column(2).clone()],
                    )?)
                }
                Err(e) => {
                    let _ = tokio::fs::remove_file(&temporary).await;
                    Err(e)
                }
            }
        };
        Ok(Box::pin(RecordBatchStreamAdapter::new(pair_schema(), futures::stream::once(write))))
    }
}

/// Whether a map-only job's tasks read a table's rows.
fn reads_rows(plan: &Arc<dyn ExecutionPlan>) -> bool {
    plan.downcast_ref::<MapInputExec>().is_some_and(|m| m.format() == InputFormat::TableRows)
        || matches!(plan.children().as_slice(), [child] if !child.is::<RepartitionExec>() && reads_rows(child))
}

/// The name of output file `number`, as Hadoop names them.
pub fn part_name(number: usize) -> String {
    format!("part-{number:05}")
}

/// The number, in the whole job, of partition `local` of `plan`: on a
/// cluster, from the shuffle locations a reduce task reads or from the
/// split a map task reads; in one process, partitions are not renumbered
/// (the shuffle itself, `RepartitionExec`, is in the plan). `None` when a
/// reduce partition has no shuffle input to tell.
pub(crate) fn global_partition(plan: &Arc<dyn ExecutionPlan>, local: usize) -> Option<usize> {
    if let Some(reader) = plan.downcast_ref::<ShuffleReaderExec>() {
        return reader.partition.get(local)?.first().map(|location| location.partition_id.partition_id);
    }
    if plan.is::<RepartitionExec>() {
        return Some(local);
    }
    if plan.downcast_ref::<MapInputExec>().is_some_and(|m| m.format() == InputFormat::TableRows) {
        return None;
    }
    if plan.is::<DataSourceExec>() {
        return split_at(plan, local).map(|(number, _)| number);
    }
    // Every other operator of a job keeps its input's partitions.
    match plan.children().as_slice() {
        [child] => global_partition(child, local),
        _ => None,
    }
}

/// The hidden sibling directory a job writes its output files into,
/// `.NAME.tmp-ID` next to the output `NAME`, renamed into place when every
/// task has succeeded ([`commit`](Self::commit)) and removed otherwise, also
/// when the job is dropped. The job holds a lock on it while it runs, so a
/// later job writing the same output can tell a killed job's leftovers (no
/// lock held) from a running job's, and removes them ([`Staging::create`]).
#[derive(Debug)]
pub(crate) struct Staging {
    dir: PathBuf,
    /// Open with its lock held until the directory is renamed or removed.
    lock: Option<std::fs::File>,
}

/// Marks a staging directory being created, before its lock is held.
const NEW: &str = "new-";
/// Marks a staging directory whose job holds its lock (or was killed).
const TMP: &str = "tmp-";

impl Staging {
    /// A new staging directory for `output` (the output's parent is created
    /// if missing), after removing what killed jobs left for the same output.
    pub(crate) fn create(output: &Path) -> crate::error::Result<Staging> {
        let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        let parent = parent.canonicalize()?;
        let name = output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "output".into());
        remove_stale(&parent, &name);
        // Created under a name no other job removes while its lock is free, then renamed with the lock held.
        let id = uuid::Uuid::new_v4().simple();
        let new = parent.join(format!(".{name}.{NEW}{id}"));
        std::fs::create_dir(&new)?;
        let lock = std::fs::File::open(&new).ok().filter(|f| f.try_lock().is_ok());
        let dir = parent.join(format!(".{name}.{TMP}{id}"));
        if let Err(e) = std::fs::rename(&new, &dir) {
            let _ = std::fs::remove_dir(&new);
            return Err(e.into());
        }
        Ok(Staging { dir, lock })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Renames the directory to `output`.
    pub(crate) fn commit(mut self, output: &Path) -> crate::error::Result<()> {
        std::fs::rename(&self.dir, output).map_err(|e| {
            crate::error::Error::execution(format!("cannot move the output into {}: {e}", output.display()))
        })?;
        self.lock = None;
        self.dir = PathBuf::new();
        Ok(())
    }

    /// Removes the directory after a failure. Tasks of the job that were
    /// cancelled may still be finishing a file in it, so the removal is tried
    /// again until the directory is gone (once it is, nothing can write into it).
    pub(crate) async fn remove(mut self) {
        let dir = std::mem::take(&mut self.dir);
        for _ in 0..100 {
            match tokio::fs::remove_dir_all(&dir).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await
                }
                _ => break,
            }
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Removes staging directories of `name` that no running job holds: left by
/// jobs that were killed. One whose lock is held, or cannot be tested, stays.
fn remove_stale(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let (tmp, new) = (format!(".{name}.{TMP}"), format!(".{name}.{NEW}"));
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let being_created = file_name.starts_with(&new);
        if !(file_name.starts_with(&tmp) || being_created) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        // A directory just created is given a minute to be locked and renamed.
        let young = || {
            entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() < 60))
        };
        if being_created && young() {
            continue;
        }
        let path = entry.path();
        let free = std::fs::File::open(&path).is_ok_and(|f| f.try_lock().is_ok());
        if free {
            tracing::info!(dir = %path.display(), "removing the staging directory of a job that did not finish");
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}
