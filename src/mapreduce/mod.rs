//! MapReduce on DataFusion: Rust jobs and Hadoop-streaming jobs compile to
//! one physical plan — text input in splits, a map task per split
//! (`TaskExec`), an optional combiner after a local sort, a hash shuffle
//! into N reduce partitions (`RepartitionExec`), a sort by key
//! (`SortExec`, spilling under the engine's memory limit), and a reduce task
//! per partition — run by the engine, with the output written as
//! `part-NNNNN` text files that appear all at once.
//!
//! Not yet: running the plan on a cluster (the operators need codecs),
//! Parquet and table input and output, custom partitioners.

pub mod api;
pub mod input;
pub mod task;

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use arrow::array::AsArray;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::expressions::col;
use datafusion::physical_expr::{LexOrdering, PhysicalSortExpr};
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::{ExecutionPlan, Partitioning};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

pub use api::{Counters, Mapper, MapperFactory, Output, Reducer, ReducerFactory, TASK_COUNTERS};
pub use task::{Phase, Task};

use crate::engine::Engine;
use crate::error::{Error, Result};

/// Whether the operator's list allows a remote caller to run `command`: an
/// exact entry, or an entry ending in `*` that prefixes it.
pub fn command_allowed(allowed: &[String], command: &str) -> bool {
    allowed.iter().any(|a| match a.strip_suffix('*') {
        Some(prefix) => command.starts_with(prefix),
        None => command == a,
    })
}

/// Rows per batch between tasks.
pub(crate) const BATCH_ROWS: usize = 8192;

/// The records between tasks: `(key, value)` byte strings.
pub fn pair_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![Field::new("key", DataType::Binary, false), Field::new("value", DataType::Binary, false)]))
    });
    SCHEMA.clone()
}

/// A job: where to read, what to run, where to write.
#[derive(Debug, Clone)]
pub struct JobSpec {
    /// Files or directories of text.
    pub inputs: Vec<PathBuf>,
    /// A directory that must not exist yet (as in Hadoop).
    pub output: PathBuf,
    pub mapper: Task,
    pub combiner: Option<Task>,
    /// `None` or zero reducers: a map-only job, one output file per split.
    pub reducer: Option<Task>,
    pub reducers: usize,
    /// Bytes per split; default: the input spread over the engine's partitions, 1 MiB to 128 MiB.
    pub split_bytes: Option<u64>,
}

/// What a finished job reports.
#[derive(Debug, Clone)]
pub struct JobReport {
    pub output: PathBuf,
    pub parts: usize,
    pub input_bytes: u64,
    pub elapsed: Duration,
    /// `(group, name, value)`, sorted.
    pub counters: Vec<(String, String, i64)>,
}

/// The registered Rust jobs, by name: `(mapper, combiner, reducer)`.
pub fn rust_job(name: &str) -> Option<(MapperFactory, Option<ReducerFactory>, ReducerFactory)> {
    match name {
        "wordcount" => Some((api::wordcount::mapper(), Some(api::wordcount::reducer()), api::wordcount::reducer())),
        _ => None,
    }
}

/// Names of the registered Rust jobs.
pub fn rust_jobs() -> Vec<&'static str> {
    vec!["wordcount"]
}

fn sorted_by_key(input: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
    let key = col("key", &pair_schema())?;
    let ordering = LexOrdering::new(vec![PhysicalSortExpr::new_default(key)]).expect("one sort key");
    Ok(Arc::new(SortExec::new(ordering, input).with_preserve_partitioning(true)))
}

/// The job's physical plan; its output partitions are the output files.
pub fn plan(job: &JobSpec, target_partitions: usize, counters: &Counters) -> Result<(Arc<dyn ExecutionPlan>, u64)> {
    let files = input::input_files(&job.inputs)?;
    let total: u64 = files.iter().map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).sum();
    let split_bytes = job
        .split_bytes
        .unwrap_or_else(|| (total / target_partitions.max(1) as u64 + 1).clamp(1 << 20, 128 << 20));
    let splits = input::splits(&files, split_bytes)?;
    if splits.is_empty() {
        return Err(Error::plan("the input files are empty"));
    }
    let mut plan: Arc<dyn ExecutionPlan> = Arc::new(input::TextInputExec::new(splits, counters.clone()));
    plan = Arc::new(task::TaskExec::new(plan, job.mapper.clone(), Phase::Map, counters.clone()));
    let Some(reducer) = job.reducer.clone().filter(|_| job.reducers > 0) else {
        return Ok((plan, total));
    };
    if let Some(combiner) = &job.combiner {
        // Rust combiners fold values in a hash table; commands read sorted input, as in Hadoop.
        let input = match combiner {
            Task::Command(_) => sorted_by_key(plan)?,
            _ => plan,
        };
        plan = Arc::new(task::TaskExec::new(input, combiner.clone(), Phase::Combine, counters.clone()));
    }
    let key = col("key", &pair_schema())?;
    plan = Arc::new(RepartitionExec::try_new(plan, Partitioning::Hash(vec![key], job.reducers))?);
    plan = Arc::new(task::TaskExec::new(sorted_by_key(plan)?, reducer, Phase::Reduce, counters.clone()));
    Ok((plan, total))
}

/// Runs a job on the engine's runtime and writes its output atomically:
/// into a hidden sibling directory first, renamed into place when every
/// task has succeeded (with Hadoop's `_SUCCESS` marker).
pub async fn run_job(engine: &Engine, job: &JobSpec, on_part: impl Fn(usize, usize) + Send + Sync) -> Result<JobReport> {
    let started = Instant::now();
    if job.output.exists() {
        return Err(Error::exists(format!("output directory {} already exists", job.output.display())));
    }
    let parent = job.output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let counters = Counters::default();
    let context = engine.task_context();
    let target = context.session_config().target_partitions();
    let (plan, input_bytes) = plan(job, target, &counters)?;
    let parts = plan.properties().output_partitioning().partition_count();
    let name = job.output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "output".into());
    let staging = parent.join(format!(".{name}.tmp-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&staging)?;
    let result = write_parts(plan, context, &staging, parts, &on_part).await;
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    std::fs::write(staging.join("_SUCCESS"), b"")?;
    std::fs::rename(&staging, &job.output).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staging);
        Error::execution(format!("cannot move the output into {}: {e}", job.output.display()))
    })?;
    Ok(JobReport { output: job.output.clone(), parts, input_bytes, elapsed: started.elapsed(), counters: counters.snapshot() })
}

/// Runs every output partition at once (the shuffle needs all map tasks
/// running) and writes each to its `part-NNNNN` file.
async fn write_parts(
    plan: Arc<dyn ExecutionPlan>,
    context: Arc<TaskContext>,
    dir: &Path,
    parts: usize,
    on_part: &(impl Fn(usize, usize) + Send + Sync),
) -> Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for p in 0..parts {
        let mut stream = plan.execute(p, context.clone())?;
        let path = dir.join(format!("part-{p:05}"));
        tasks.spawn(async move {
            let file = tokio::fs::File::create(&path).await?;
            let mut w = tokio::io::BufWriter::with_capacity(1 << 20, file);
            let mut line = Vec::with_capacity(1 << 16);
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                let (keys, values) = (batch.column(0).as_binary::<i32>(), batch.column(1).as_binary::<i32>());
                line.clear();
                for i in 0..batch.num_rows() {
                    line.extend_from_slice(keys.value(i));
                    // As Hadoop's TextOutputFormat: `key\tvalue`, the key alone when there is no value.
                    if !values.value(i).is_empty() {
                        line.push(b'\t');
                        line.extend_from_slice(values.value(i));
                    }
                    line.push(b'\n');
                }
                w.write_all(&line).await?;
            }
            w.flush().await?;
            Ok::<(), Error>(())
        });
    }
    let mut done = 0;
    while let Some(r) = tasks.join_next().await {
        r.map_err(|e| Error::internal(format!("a task panicked: {e}")))??;
        done += 1;
        on_part(done, parts);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn word_count_in_rust_and_streaming_agree_and_count() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(crate::engine::EngineConfig::new(dir.path().join("data"))).await.unwrap();
        let input = dir.path().join("in.txt");
        std::fs::write(&input, "b a\nc b a\n\na  b\n").unwrap();
        let (m, c, r) = rust_job("wordcount").unwrap();
        let rust = JobSpec {
            inputs: vec![input.clone()],
            output: dir.path().join("out-rust"),
            mapper: Task::RustMap(m),
            combiner: c.map(Task::RustReduce),
            reducer: Some(Task::RustReduce(r)),
            reducers: 2,
            split_bytes: Some(4),
        };
        let report = run_job(&engine, &rust, |_, _| {}).await.unwrap();
        let read = |out: &Path| {
            let mut lines: Vec<String> = (0..2)
                .flat_map(|p| std::fs::read_to_string(out.join(format!("part-{p:05}"))).unwrap().lines().map(String::from).collect::<Vec<_>>())
                .collect();
            lines.sort();
            lines
        };
        assert_eq!(read(&rust.output), ["a\t3", "b\t3", "c\t1"], "{report:?}");
        assert!(rust.output.join("_SUCCESS").exists());
        let counter = |r: &JobReport, n: &str| r.counters.iter().find(|(g, k, _)| g == TASK_COUNTERS && k == n).map(|c| c.2);
        assert_eq!(counter(&report, "Map input records"), Some(4));
        assert_eq!(counter(&report, "Map output records"), Some(7));
        assert_eq!(counter(&report, "Reduce input groups"), Some(3));
        assert_eq!(counter(&report, "Reduce output records"), Some(3));
        // The same job as streaming commands; the reducer checks that its input is sorted.
        let streaming = JobSpec {
            output: dir.path().join("out-streaming"),
            mapper: Task::Command("tr -s ' ' '\\n' | grep -v '^$' | sed 's/$/\\t1/'; echo 'reporter:counter:Words,lines,1' >&2".into()),
            combiner: None,
            reducer: Some(Task::Command(
                "awk -F '\\t' 'prev > $1 {print \"unsorted\" > \"/dev/stderr\"; exit 9} {prev = $1; n[$1] += $2} END {for (w in n) print w \"\\t\" n[w]}'".into(),
            )),
            ..rust.clone()
        };
        let report = run_job(&engine, &streaming, |_, _| {}).await.unwrap();
        assert_eq!(read(&streaming.output), ["a\t3", "b\t3", "c\t1"]);
        assert!(report.counters.iter().any(|(g, k, v)| g == "Words" && k == "lines" && *v >= 1), "{:?}", report.counters);
        // A failing command fails the job, and no output appears.
        let failing = JobSpec { output: dir.path().join("out-failing"), mapper: Task::Command("echo boom >&2; exit 3".into()), ..rust.clone() };
        let err = run_job(&engine, &failing, |_, _| {}).await.unwrap_err().to_string();
        assert!(err.contains("exit status 3") && err.contains("boom"), "{err}");
        assert!(!failing.output.exists());
        // An existing output directory is refused, as Hadoop refuses it.
        assert!(run_job(&engine, &rust, |_, _| {}).await.unwrap_err().to_string().contains("already exists"));
    }
}
