//! MapReduce on DataFusion: Rust jobs and Hadoop-streaming jobs compile to
//! one physical plan ([`plan`]) — text input in splits, a map task per split
//! (`TaskExec`), an optional combiner, a hash shuffle into N reduce
//! partitions (`RepartitionExec`), a sort by key (`SortExec`, spilling under
//! the memory limit), a reduce task per partition, and a writer per output
//! file ([`output::OutputExec`]). The plan runs wherever the session runs
//! its queries: on the embedded engine, or on the cluster, where the shuffle
//! becomes Ballista's stage boundary and every operator travels in
//! its codec ([`codec`]).
//!
//! Counters travel in the data: each task sends its counters downstream as
//! one extra row after its output (the `counters` column, null on every
//! other row), the next task adds them to its own, and the writers hand the
//! totals back with the job's result. So they add up the same way on one
//! machine and across executors, with no side channel.
//!
//! Input and output paths must be readable and writable by whoever runs the
//! tasks: on a cluster, a file system every executor mounts at the same path
//! (as HDFS is for Hadoop).

/// The shared error type, as `crate::error` for this crate's modules.
use enma_common::error;

/// The parts of `ExecutionPlan` that one-input operators (fields `input`
/// and `properties`) write alike. With `one_task_per_partition`, the
/// optimizer must not add partitions in front of the operator (a job's
/// operators run one task per split or reducer).
macro_rules! one_input_operator {
    ($name:literal) => {
        fn name(&self) -> &str {
            $name
        }

        fn properties(&self) -> &std::sync::Arc<datafusion::physical_plan::PlanProperties> {
            &self.properties
        }

        fn children(&self) -> Vec<&std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
            vec![&self.input]
        }

        fn apply_expressions(
            &self,
            _f: &mut dyn FnMut(
                &std::sync::Arc<dyn datafusion::physical_expr::PhysicalExpr>,
            ) -> datafusion::error::Result<datafusion::common::tree_node::TreeNodeRecursion>,
        ) -> datafusion::error::Result<datafusion::common::tree_node::TreeNodeRecursion> {
            Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
        }
    };
    ($name:literal, one_task_per_partition) => {
        one_input_operator!($name);

        fn benefits_from_input_partitioning(&self) -> Vec<bool> {
            vec![false]
        }
    };
}
pub(crate) use one_input_operator;

pub mod codec;
pub mod input;
pub mod jobs;
pub mod output;
pub mod partition;
pub mod plan;
pub mod rust_job;
pub mod task;
pub mod transform;

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use arrow::array::{Array, AsArray, BinaryArray, RecordBatch, StringArray, new_null_array};
use arrow::compute::{filter_record_batch, is_null};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::error::Result as DfResult;
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;

pub use enma_common::command::{self, Command, command_allowed};
pub use jobs::{JobStatus, Jobs};
pub use partition::PartitionBy;
pub use rust_job::{
    Counters, KeyFields, Mapper, MapperFactory, Output, Partitioner, Reducer, ReducerFactory, RustJob, TASK_COUNTERS,
    register_job, rust_job, rust_jobs,
};
pub use task::{Phase, Task};

use enma_engine::{Caller, Engine, EngineBuilder};

/// Registers MapReduce and TRANSFORM with an engine: jobs planned as
/// written, TRANSFORM as a table that runs a command, and the codec that
/// carries both to a cluster.
pub fn register(builder: EngineBuilder) -> EngineBuilder {
    builder
        .with_root_planner(Arc::new(plan::JobPlanner))
        .with_query_rewrite(Arc::new(transform::TransformRewrite))
        .with_codec(Arc::new(codec::MapReduceCodec))
}
use crate::error::{Error, Result};

/// Most reduce tasks (output files) a job may have. All of a job's reduce
/// tasks run at once in one process (DataFusion runs every partition of a
/// plan concurrently), each holding its output file, its share of the
/// shuffle and sort buffers and, for a streaming reducer, a process and three
/// pipes: about four file descriptors each, so 1024 reducers stay within a
/// few thousand descriptors (and tens of MB), where 100,000 took 3.5 GB and
/// exhausted them. More reducers than cores gain nothing here anyway.
pub const MAX_REDUCERS: usize = 1024;

/// Most map tasks (splits) a job may have, for the same reason: they all run
/// at once, each holding its input file and, for a streaming mapper, a
/// process. The default split size grows to keep a large input within it;
/// only more input files than this (a file is at least one split) or a
/// small `split_bytes` exceed it.
pub const MAX_MAP_TASKS: usize = 4096;

/// Rows per batch between tasks.
pub(crate) const BATCH_ROWS: usize = 8192;

/// The records between tasks: `(key, value)` byte strings, and a task's
/// counters as JSON on the one row it adds after its output.
pub fn pair_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            Field::new("key", DataType::Binary, false),
            Field::new("value", DataType::Binary, false),
            Field::new("counters", DataType::Utf8, true),
        ]))
    });
    SCHEMA.clone()
}

/// A batch of records.
pub(crate) fn pair_batch(keys: BinaryArray, values: BinaryArray) -> DfResult<RecordBatch> {
    let counters = new_null_array(&DataType::Utf8, keys.len());
    Ok(RecordBatch::try_new(pair_schema(), vec![Arc::new(keys), Arc::new(values), counters])?)
}

/// The row a task sends after its output: its counters.
pub(crate) fn counter_batch(counters: &Counters) -> DfResult<RecordBatch> {
    let empty = || Arc::new(BinaryArray::from_vec(vec![b"".as_slice()]));
    let json = Arc::new(StringArray::from(vec![counters.to_json()]));
    Ok(RecordBatch::try_new(pair_schema(), vec![empty(), empty(), json])?)
}

/// The input's records, with the counter rows taken out and added to `counters`.
pub(crate) fn strip_counters(input: SendableRecordBatchStream, counters: Counters) -> SendableRecordBatchStream {
    let schema = input.schema();
    let records = input.map(move |batch| {
        let batch = batch?;
        let column = batch.column(2);
        if column.null_count() == batch.num_rows() {
            return Ok(batch);
        }
        for json in column.as_string::<i32>().iter().flatten() {
            counters.add_json(json).map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?;
        }
        Ok(filter_record_batch(&batch, &is_null(column)?)?)
    });
    Box::pin(RecordBatchStreamAdapter::new(schema, records))
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
    /// Read a table's (or view's) rows instead of `inputs`: one record per
    /// row, its columns tab-separated in Hive's text forms (NULL as `\N`),
    /// as Hive's TRANSFORM hands rows to a script; the key is empty.
    pub input_table: Option<String>,
    /// Put the output into this (unpartitioned) table instead of leaving the
    /// files in `output`, which is then only the job's scratch directory:
    /// `key<TAB>value` lines are read as the table's columns.
    pub output_table: Option<OutputTable>,
    /// How many tab-separated fields of a streaming mapper's output line are
    /// the key (Hadoop's `stream.num.map.output.key.fields`; default 1).
    pub key_fields: usize,
    /// The part of the key that decides the reducer; `None`: the whole key.
    pub partition_by: Option<PartitionBy>,
    /// Environment variables for the streaming commands (Hadoop's `-cmdenv`).
    pub cmdenv: Vec<(String, String)>,
}

/// Where a job's output goes when it goes into a table.
#[derive(Debug, Clone)]
pub struct OutputTable {
    pub name: String,
    /// Replace the table's rows (`LOAD DATA ... OVERWRITE`) instead of adding to them.
    pub overwrite: bool,
}

impl JobSpec {
    /// A registered Rust job: its mapper, combiner and reducer.
    pub fn rust(name: &str, inputs: Vec<PathBuf>, output: PathBuf, reducers: usize) -> Result<Self> {
        let job = rust_job(name).ok_or_else(|| {
            let names: Vec<String> = rust_jobs().into_iter().map(|(n, _)| n).collect();
            Error::not_found(format!("no Rust job named '{name}'; registered: {}", names.join(", ")))
        })?;
        let task = Task::Rust(name.to_string());
        Ok(JobSpec {
            inputs,
            output,
            mapper: task.clone(),
            combiner: job.combiner.map(|_| task.clone()),
            reducer: Some(task),
            reducers,
            split_bytes: None,
            input_table: None,
            output_table: None,
            key_fields: 1,
            partition_by: job.partitioner.map(|_| PartitionBy::Rust(name.to_string())),
            cmdenv: vec![],
        })
    }
}

impl JobSpec {
    /// A Hadoop-streaming job: commands for the mapper and (optionally) the
    /// combiner; the reducer a command, `NONE` for a map-only job, or absent
    /// for the identity reducer (streaming's default). The commands are shell
    /// lines (`sh -c`), as the operator writes them for Hadoop streaming.
    pub fn streaming(
        inputs: Vec<PathBuf>,
        output: PathBuf,
        mapper: &str,
        combiner: Option<&str>,
        reducer: Option<&str>,
        reducers: usize,
    ) -> Self {
        let reducer = match reducer {
            Some("NONE") => None,
            Some(line) => Some(Task::Command(Command::shell(line))),
            None => Some(Task::Identity),
        };
        JobSpec {
            inputs,
            output,
            mapper: Task::Command(Command::shell(mapper)),
            combiner: combiner.map(|c| Task::Command(Command::shell(c))),
            reducer,
            reducers,
            split_bytes: None,
            input_table: None,
            output_table: None,
            key_fields: 1,
            partition_by: None,
            cmdenv: vec![],
        }
    }

    /// As [`streaming`](Self::streaming), for a remote caller: each command is
    /// split into words and run without a shell ([`Command::parse`]), refused if
    /// it uses shell syntax.
    pub fn streaming_without_shell(
        inputs: Vec<PathBuf>,
        output: PathBuf,
        mapper: &str,
        combiner: Option<&str>,
        reducer: Option<&str>,
        reducers: usize,
    ) -> Result<Self> {
        let mut job = Self::streaming(inputs, output, mapper, combiner, reducer, reducers);
        for task in [Some(&mut job.mapper), job.combiner.as_mut(), job.reducer.as_mut()].into_iter().flatten() {
            if let Task::Command(command) = task {
                // A shell command shows as its line, as written.
                *command = Command::parse(&command.to_string())?;
            }
        }
        Ok(job)
    }

    /// The commands the job would run.
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        [Some(&self.mapper), self.combiner.as_ref(), self.reducer.as_ref()].into_iter().flatten().filter_map(
            |t| match t {
                Task::Command(c) => Some(c),
                _ => None,
            },
        )
    }

    /// Refuses a job whose reduce tasks exceed [`MAX_REDUCERS`].
    pub fn check_limits(&self) -> Result<()> {
        if self.reducers > MAX_REDUCERS {
            return Err(Error::plan(format!(
                "{} reduce tasks (num_reducers, mapreduce.job.reduces) is more than the {MAX_REDUCERS} a job may have: \
                 every reduce task of a job runs at once in this process and keeps files open",
                self.reducers
            )));
        }
        Ok(())
    }

    /// Applies Hadoop's job settings as streaming jobs pass them (`-D
    /// name=value`, and the `-partitioner` class); returns the names of the
    /// settings that change nothing here. The key partitioner's options count
    /// only with KeyFieldBasedPartitioner, as in Hadoop.
    pub fn apply_hadoop_conf(&mut self, conf: &[(String, String)], partitioner: Option<&str>) -> Result<Vec<String>> {
        let by_key_fields = match partitioner.map(|c| c.rsplit('.').next().unwrap_or(c)) {
            None | Some("HashPartitioner") => false,
            Some("KeyFieldBasedPartitioner") => true,
            Some(_) => {
                return Err(Error::plan(format!(
                    "partitioner {} is not supported: use HashPartitioner or KeyFieldBasedPartitioner",
                    partitioner.unwrap_or_default()
                )));
            }
        };
        let mut ignored = Vec::new();
        for (name, value) in conf {
            let number = || {
                value
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| Error::plan(format!("{name} must be a number, not '{value}'")))
            };
            match name.as_str() {
                "mapreduce.job.reduces" | "mapred.reduce.tasks" => {
                    self.reducers = number()?;
                    self.check_limits()?;
                }
                "stream.num.map.output.key.fields" => self.key_fields = number()?.max(1),
                "mapreduce.partition.keypartitioner.options" | "mapred.text.key.partitioner.options" => {
                    let fields = key_field_option(value)?;
                    if by_key_fields && fields != usize::MAX {
                        self.partition_by = Some(PartitionBy::KeyFields(fields));
                    }
                }
                _ => ignored.push(name.clone()),
            }
        }
        Ok(ignored)
    }
}

/// `-k1,n` (or `-k1`, the whole key): the fields KeyFieldBasedPartitioner hashes.
fn key_field_option(value: &str) -> Result<usize> {
    let spec = value.trim().strip_prefix("-k").ok_or_else(|| bad_key_fields(value))?;
    let (start, end) = spec.split_once(',').unwrap_or((spec, ""));
    if start.trim() != "1" {
        return Err(bad_key_fields(value));
    }
    match end.trim() {
        "" => Ok(usize::MAX),
        end => end.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| bad_key_fields(value)),
    }
}

fn bad_key_fields(value: &str) -> Error {
    Error::plan(format!(
        "key partitioner options '{value}' are not supported: only -k1,N (the first N fields of the key)"
    ))
}

/// What a finished job reports.
#[derive(Debug, Clone)]
pub struct JobReport {
    pub output: PathBuf,
    /// The table the output was loaded into, if it was.
    pub table: Option<String>,
    pub parts: usize,
    pub input_bytes: u64,
    pub elapsed: Duration,
    /// `(group, name, value)`, sorted.
    pub counters: Vec<(String, String, i64)>,
}

/// Runs a job where the engine's sessions run queries (embedded, or on
/// the cluster the engine is configured with) and writes its output
/// atomically: the tasks write into a hidden sibling directory, renamed
/// into place with Hadoop's `_SUCCESS` marker once every task has succeeded.
/// `on_part(done, total)` follows the output files as they are finished.
pub async fn run_job(
    engine: &Engine,
    job: &JobSpec,
    on_part: impl Fn(usize, usize) + Send + Sync,
) -> Result<JobReport> {
    let started = Instant::now();
    job.check_limits()?;
    let output = output_dir(&job.output)?;
    if output.exists() {
        return Err(Error::exists(format!("output directory {} already exists", output.display())));
    }
    // Callers check paths and commands first (the API does, for remote callers).
    let mut session = engine.session("default", Caller::Operator)?;
    if let Some(table) = &job.output_table {
        // Refused before any work, and looked up again when loading (it may have changed).
        output_table(engine, &session, &table.name)?;
    }
    // Splits to keep every task slot busy: the cluster's slots, or this process's partitions.
    let target = match session.cluster() {
        Some(cluster) => cluster.total_slots().await,
        None => 0,
    };
    let target = if target > 0 { target } else { session.context().copied_config().target_partitions() };
    let files = match &job.input_table {
        Some(_) => vec![],
        None => {
            let inputs = job.inputs.iter().map(|p| local_path(p)).collect::<Result<Vec<_>>>()?;
            input::input_files(&inputs, &session.context().runtime_env()).await?
        }
    };
    // Removed when the job fails (or this future is dropped), unless renamed into place.
    let staging = output::Staging::create(&output)?;
    let plan = plan::JobPlan::new(job, &files, staging.dir().to_path_buf(), target)?;
    let input = match &job.input_table {
        Some(table) => Some(table_rows(&session, table).await?),
        None => None,
    };
    let reduces = plan.reducer.is_some();
    let (parts, input_bytes) = (plan.parts(), plan.input_bytes());
    let counters = Counters::default();
    let result = async {
        let mut stream =
            session.context().execute_logical_plan(plan.into_logical(input)).await?.execute_stream().await?;
        let mut done = 0;
        on_part(0, parts);
        // Each writer sends one row when its file is complete: the file's name and the counters.
        let mut written = std::collections::BTreeSet::new();
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            let names = batch.column(0).as_binary::<i32>();
            for (row, json) in batch.column(2).as_string::<i32>().iter().enumerate() {
                counters.add_json(json.unwrap_or("[]"))?;
                if !names.value(row).is_empty() && !written.insert(names.value(row).to_vec()) {
                    return Err(Error::internal(format!(
                        "two tasks wrote {}",
                        String::from_utf8_lossy(names.value(row))
                    )));
                }
                done += 1;
                on_part(done, parts);
            }
        }
        // Reduce partitions no map output reached write no file of their own.
        for number in (0..parts).filter(|_| reduces) {
            let name = output::part_name(number);
            if !written.contains(name.as_bytes()) {
                std::fs::write(staging.dir().join(name), b"")?;
            }
        }
        Ok::<usize, Error>(written.len().max(parts))
    }
    .await;
    let parts = match result {
        Ok(parts) => parts,
        Err(e) => {
            staging.remove().await;
            return Err(e);
        }
    };
    let report = |output: PathBuf, table: Option<String>| JobReport {
        output,
        table,
        parts,
        input_bytes,
        elapsed: started.elapsed(),
        counters: counters.snapshot(),
    };
    if let Some(table) = &job.output_table {
        let loaded = load_into_table(engine, &mut session, staging.dir(), table).await;
        let dir = staging.dir().to_path_buf();
        staging.remove().await;
        loaded?;
        return Ok(report(dir, Some(table.name.clone())));
    }
    std::fs::write(staging.dir().join("_SUCCESS"), b"")?;
    staging.commit(&output)?;
    Ok(report(output, None))
}

/// A `file:` URL as the local path it names (`file:///data/in` is
/// `/data/in`); any other path or URL as it is.
pub fn local_path(path: &Path) -> Result<PathBuf> {
    let text = path.to_string_lossy();
    if !text.get(..5).is_some_and(|scheme| scheme.eq_ignore_ascii_case("file:")) {
        return Ok(path.to_path_buf());
    }
    let url = url::Url::parse(&text).map_err(|e| Error::plan(format!("invalid file URL '{text}': {e}")))?;
    url.to_file_path().map_err(|()| {
        Error::plan(format!("'{text}' is not a path on this machine (a file URL names no host but localhost)"))
    })
}

/// Where a job's output goes: a local directory, named by a path or a `file:` URL.
pub fn output_dir(path: &Path) -> Result<PathBuf> {
    let local = local_path(path)?;
    if local.to_string_lossy().contains("://") {
        return Err(Error::plan(format!(
            "the output must be a local directory (a path or a file:// URL), not {}",
            path.display()
        )));
    }
    Ok(local)
}

/// The rows of `table` as a plan, planned as `SELECT * FROM table`.
async fn table_rows(session: &enma_engine::Session, table: &str) -> Result<datafusion::logical_expr::LogicalPlan> {
    match enma_hive::parser::parse_statement(&format!("SELECT * FROM {table}"))? {
        enma_hive::statement::HiveStatement::Query(query) => session.plan_query(*query).await,
        _ => Err(Error::plan(format!("'{table}' is not a table name"))),
    }
}

/// The output table's metastore entry: unpartitioned, so the output files are its rows.
fn output_table(engine: &Engine, session: &enma_engine::Session, name: &str) -> Result<enma_metastore::Table> {
    let (db, table) = name.split_once('.').unwrap_or((session.database(), name));
    let table = engine.metastore().table(&db.to_ascii_lowercase(), &table.to_ascii_lowercase())?;
    if !table.partition_columns.is_empty() || table.storage_handler.is_some() {
        return Err(Error::plan(format!(
            "a job's output goes into an unpartitioned table stored in files; {name} is not one"
        )));
    }
    Ok(table)
}

/// Puts the output files (`key<TAB>value` lines, the table's columns in
/// order) into the table, atomically. A text table with tab-separated fields
/// takes the files as they are (`LOAD DATA`, a move); any other table
/// (Parquet, ORC, other delimiters) gets them converted by an `INSERT ...
/// SELECT` over the files read as such a text table.
async fn load_into_table(
    engine: &Engine,
    session: &mut enma_engine::Session,
    files: &Path,
    into: &OutputTable,
) -> Result<()> {
    let table = output_table(engine, session, &into.name)?;
    let tab_separated = table.serde_properties.get("field.delim").is_some_and(|d| d == "\t");
    if table.format == enma_metastore::StorageFormat::TextFile && tab_separated {
        let overwrite = if into.overwrite { "OVERWRITE " } else { "" };
        let load = format!("LOAD DATA INPATH '{}' {overwrite}INTO TABLE {}", files.display(), into.name);
        return session.run(&load).await.map(|_| ());
    }
    let overwrite = if into.overwrite { "OVERWRITE" } else { "INTO" };
    let text = enma_metastore::Table {
        location: enma_storage::Location::parse(&files.display().to_string())?.as_string(),
        data_dir: None,
        format: enma_metastore::StorageFormat::TextFile,
        kind: enma_metastore::TableKind::External,
        serde_properties: [("field.delim".to_string(), "\t".to_string())].into(),
        properties: Default::default(),
        ..table
    };
    let scan = enma_engine::temporary::register(
        session.context(),
        "mapreduce_output",
        Arc::new(enma_engine::table::HiveTable::new(text)?),
    )?;
    let insert = format!("INSERT {overwrite} TABLE {} SELECT * FROM {scan}", into.name);
    session.run(&insert).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn word_count_in_rust_and_streaming_agree_and_count() {
        let dir = tempfile::tempdir().unwrap();
        let engine =
            register(Engine::builder(enma_engine::EngineConfig::new(dir.path().join("data")))).build().await.unwrap();
        let input = dir.path().join("in.txt");
        std::fs::write(&input, "b a\nc b a\n\na  b\n").unwrap();
        let rust = JobSpec {
            split_bytes: Some(4),
            ..JobSpec::rust("wordcount", vec![input.clone()], dir.path().join("out-rust"), 2).unwrap()
        };
        let report = run_job(&engine, &rust, |_, _| {}).await.unwrap();
        let read = |out: &Path| {
            let mut lines: Vec<String> = (0..2)
                .flat_map(|p| {
                    std::fs::read_to_string(out.join(format!("part-{p:05}")))
                        .unwrap()
                        .lines()
                        .map(String::from)
                        .collect::<Vec<_>>()
                })
                .collect();
            lines.sort();
            lines
        };
        assert_eq!(read(&rust.output), ["a\t3", "b\t3", "c\t1"], "{report:?}");
        assert!(rust.output.join("_SUCCESS").exists());
        let counter =
            |r: &JobReport, n: &str| r.counters.iter().find(|(g, k, _)| g == TASK_COUNTERS && k == n).map(|c| c.2);
        assert_eq!(counter(&report, "Map input records"), Some(4));
        assert_eq!(counter(&report, "Map output records"), Some(7));
        assert_eq!(counter(&report, "Reduce input groups"), Some(3));
        assert_eq!(counter(&report, "Reduce output records"), Some(3));
        // The same job as streaming commands; the reducer checks that its input is sorted.
        let streaming = JobSpec {
            output: dir.path().join("out-streaming"),
            mapper: Task::Command(Command::shell(
                "tr -s ' ' '\\n' | grep -v '^$' | sed 's/$/\\t1/'; echo 'reporter:counter:Words,lines,1' >&2",
            )),
            combiner: None,
            reducer: Some(Task::Command(Command::shell(
                "awk -F '\\t' 'prev > $1 {print \"unsorted\" > \"/dev/stderr\"; exit 9} {prev = $1; n[$1] += $2} END {for (w in n) print w \"\\t\" n[w]}'",
            ))),
            ..rust.clone()
        };
        let report = run_job(&engine, &streaming, |_, _| {}).await.unwrap();
        assert_eq!(read(&streaming.output), ["a\t3", "b\t3", "c\t1"]);
        assert!(
            report.counters.iter().any(|(g, k, v)| g == "Words" && k == "lines" && *v >= 1),
            "{:?}",
            report.counters
        );
        // A failing command fails the job, and no output appears.
        let failing = JobSpec {
            output: dir.path().join("out-failing"),
            mapper: Task::Command(Command::shell("echo boom >&2; exit 3")),
            ..rust.clone()
        };
        let err = run_job(&engine, &failing, |_, _| {}).await.unwrap_err().to_string();
        assert!(err.contains("exit status 3") && err.contains("boom"), "{err}");
        assert!(!failing.output.exists());
        // An existing output directory is refused, as Hadoop refuses it.
        assert!(run_job(&engine, &rust, |_, _| {}).await.unwrap_err().to_string().contains("already exists"));
    }
}
