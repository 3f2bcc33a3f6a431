//! Map, combine and reduce tasks as one DataFusion operator, `TaskExec`:
//! each output partition runs one task over the same partition of its input.
//! A task is Rust code (a [`Mapper`] or [`Reducer`] from the job's factory)
//! or a [`Command`] run as Hadoop streaming runs it: records go to its stdin as
//! tab-separated lines, its stdout lines come back split at the first tab,
//! and `reporter:counter:group,name,amount` lines on its stderr add to the
//! job's counters.

use std::fmt;
use std::process::Stdio;
use std::sync::Arc;

use arrow::array::{Array, ArrayBuilder, AsArray, BinaryArray, BinaryBuilder, RecordBatch};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchReceiverStream;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use futures::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::Sender;

use serde::{Deserialize, Serialize};

use super::rust_job::{MapperFactory, Output, ReducerFactory, identity_mapper, identity_reducer};
use super::{BATCH_ROWS, Command, Counters, TASK_COUNTERS, counter_batch, pair_batch, pair_schema, strip_counters};
use crate::error::Error;

/// What a task runs; plain data, so a task travels to cluster executors as it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Task {
    /// A registered Rust job's mapper, combiner or reducer (the phase says which), by the job's name.
    Rust(String),
    /// Every record as it comes: Hadoop's IdentityMapper and IdentityReducer.
    Identity,
    /// A command, Hadoop-streaming style: the operator's as shell lines
    /// (`sh -c`), a remote caller's as a program and arguments, without a shell.
    Command(Command),
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Task::Rust(job) => write!(f, "rust job {job}"),
            Task::Identity => f.write_str("identity"),
            Task::Command(c) => write!(f, "'{c}'"),
        }
    }
}

/// A Rust task, made from its job's factory when the task starts.
enum Runnable {
    Map(MapperFactory),
    Reduce(ReducerFactory),
    Command(Command),
}

impl Task {
    fn runnable(&self, phase: Phase) -> Result<Runnable, Error> {
        let job = |name: &str| {
            super::rust_job::rust_job(name)
                .ok_or_else(|| Error::not_found(format!("no Rust job named '{name}' is registered here")))
        };
        Ok(match (self, phase) {
            (Task::Command(c), _) => Runnable::Command(c.clone()),
            (Task::Identity, Phase::Map) => Runnable::Map(identity_mapper()),
            (Task::Identity, _) => Runnable::Reduce(identity_reducer()),
            (Task::Rust(name), Phase::Map) => Runnable::Map(job(name)?.mapper),
            (Task::Rust(name), Phase::Combine) => Runnable::Reduce(
                job(name)?.combiner.ok_or_else(|| Error::plan(format!("the Rust job '{name}' has no combiner")))?,
            ),
            (Task::Rust(name), _) => Runnable::Reduce(job(name)?.reducer),
        })
    }
}

/// Which phase a task is, for counters, messages and streaming input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Map,
    Combine,
    Reduce,
    /// Hive's TRANSFORM: lines in, each output line kept whole (in the key).
    Transform,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Map => "mapper",
            Phase::Combine => "combiner",
            Phase::Reduce => "reducer",
            Phase::Transform => "TRANSFORM command",
        }
    }
}

/// Runs one task per partition of its input.
#[derive(Debug)]
pub struct TaskExec {
    input: Arc<dyn ExecutionPlan>,
    task: Task,
    phase: Phase,
    /// How many tab-separated fields of a streaming command's output line are the key.
    key_fields: usize,
    /// Environment variables for a command (Hadoop streaming's `-cmdenv`).
    env: Vec<(String, String)>,
    properties: Arc<PlanProperties>,
}

impl TaskExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, task: Task, phase: Phase) -> Self {
        Self::with_key_fields(input, task, phase, 1)
    }

    /// As [`new`](Self::new), the key of a command's output lines being their first `key_fields` fields
    /// (Hadoop streaming's `stream.num.map.output.key.fields`).
    pub fn with_key_fields(input: Arc<dyn ExecutionPlan>, task: Task, phase: Phase, key_fields: usize) -> Self {
        let partitioning = input.properties().output_partitioning().clone();
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(pair_schema()),
            partitioning,
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        TaskExec { input, task, phase, key_fields: key_fields.max(1), env: vec![], properties }
    }
}

impl DisplayAs for TaskExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskExec: {} {}", self.phase.name(), self.task)
    }
}

impl TaskExec {
    pub fn task(&self) -> &Task {
        &self.task
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn key_fields(&self) -> usize {
        self.key_fields
    }

    /// With environment variables for a command.
    pub fn with_env(mut self, env: Vec<(String, String)>) -> Self {
        self.env = env;
        self
    }

    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The job's variables and those Hadoop streaming gives every task: the
    /// task's partition and, for a map task, the split it reads.
    fn task_env(&self, partition: usize) -> Vec<(String, String)> {
        let mut env = self.env.clone();
        if let Some(number) = super::output::global_partition(&self.input, partition) {
            env.push(("mapreduce_task_partition".into(), number.to_string()));
        }
        if self.phase == Phase::Map
            && let Some((_, split)) = super::input::split_at(&self.input, partition)
        {
            let file = split.path.clone();
            env.push(("mapreduce_map_input_file".into(), file.clone()));
            env.push(("map_input_file".into(), file));
            env.push(("mapreduce_map_input_start".into(), split.start.to_string()));
            env.push(("mapreduce_map_input_length".into(), (split.end - split.start).to_string()));
        }
        env
    }
}

impl ExecutionPlan for TaskExec {
    one_input_operator!("TaskExec", one_task_per_partition);

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![false]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        let [input] =
            <[_; 1]>::try_from(children).map_err(|_| DataFusionError::Internal("TaskExec has one child".into()))?;
        Ok(Arc::new(
            TaskExec::with_key_fields(input, self.task.clone(), self.phase, self.key_fields).with_env(self.env.clone()),
        ))
    }

    /// Runs the task over the partition. Counters that earlier tasks sent
    /// along are taken out of the input and sent on, with this task's own,
    /// after its last output.
    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let runnable = self.task.runnable(self.phase).map_err(task_error)?;
        let env = if matches!(runnable, Runnable::Command(_)) { self.task_env(partition) } else { vec![] };
        let counters = Counters::default();
        let input = strip_counters(self.input.execute(partition, context)?, counters.clone());
        let mut builder = RecordBatchReceiverStream::builder(pair_schema(), 2);
        let tx = builder.tx();
        let (phase, key_fields) = (self.phase, self.key_fields);
        builder.spawn(async move {
            let end = tx.clone();
            match runnable {
                Runnable::Map(factory) => run_map(factory, input, tx, counters.clone()).await?,
                Runnable::Reduce(factory) if phase == Phase::Combine => {
                    run_hash_combine(factory, input, tx, counters.clone()).await?
                }
                Runnable::Reduce(factory) => run_reduce(factory, phase, input, tx, counters.clone()).await?,
                Runnable::Command(command) => {
                    run_command(&command, phase, key_fields, &env, input, tx, counters.clone()).await?
                }
            }
            let _ = end.send(counter_batch(&counters)).await;
            Ok(())
        });
        Ok(builder.build())
    }
}

/// Output builders that send a batch whenever they fill up.
struct Batcher {
    keys: BinaryBuilder,
    values: BinaryBuilder,
    tx: Sender<DfResult<RecordBatch>>,
    records: i64,
}

impl Batcher {
    fn new(tx: Sender<DfResult<RecordBatch>>) -> Self {
        Batcher { keys: BinaryBuilder::new(), values: BinaryBuilder::new(), tx, records: 0 }
    }

    /// Sends what is built; `false` when the consumer is gone (the job was cancelled).
    async fn flush(&mut self) -> DfResult<bool> {
        if self.keys.is_empty() {
            return Ok(true);
        }
        self.records += self.keys.len() as i64;
        let batch = pair_batch(self.keys.finish(), self.values.finish())?;
        Ok(self.tx.send(Ok(batch)).await.is_ok())
    }

    async fn flush_if_full(&mut self) -> DfResult<bool> {
        if self.keys.len() >= BATCH_ROWS { self.flush().await } else { Ok(true) }
    }
}

fn pairs(batch: &RecordBatch) -> (&BinaryArray, &BinaryArray) {
    (batch.column(0).as_binary::<i32>(), batch.column(1).as_binary::<i32>())
}

fn task_error(e: Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

async fn run_map(
    factory: MapperFactory,
    mut input: SendableRecordBatchStream,
    tx: Sender<DfResult<RecordBatch>>,
    counters: Counters,
) -> DfResult<()> {
    let mut mapper = factory();
    let mut out = Batcher::new(tx);
    let mut records = 0i64;
    while let Some(batch) = input.next().await {
        let batch = batch?;
        records += batch.num_rows() as i64;
        let (keys, values) = pairs(&batch);
        for i in 0..batch.num_rows() {
            let mut o = Output { keys: &mut out.keys, values: &mut out.values, counters: &counters };
            mapper.map(keys.value(i), values.value(i), &mut o).map_err(task_error)?;
        }
        if !out.flush_if_full().await? {
            return Ok(());
        }
    }
    let mut o = Output { keys: &mut out.keys, values: &mut out.values, counters: &counters };
    mapper.finish(&mut o).map_err(task_error)?;
    out.flush().await?;
    counters.add(TASK_COUNTERS, "Map input records", records);
    counters.add(TASK_COUNTERS, "Map output records", out.records);
    Ok(())
}

/// Groups sorted pairs by key (a group may span batches) and reduces each group.
async fn run_reduce(
    factory: ReducerFactory,
    phase: Phase,
    mut input: SendableRecordBatchStream,
    tx: Sender<DfResult<RecordBatch>>,
    counters: Counters,
) -> DfResult<()> {
    let mut reducer = factory();
    let mut out = Batcher::new(tx);
    let mut key: Option<Vec<u8>> = None;
    let mut values: Vec<Vec<u8>> = Vec::new();
    let (mut groups, mut records) = (0i64, 0i64);
    let mut reduce_group = |key: &[u8], values: &mut Vec<Vec<u8>>, out: &mut Batcher| -> DfResult<()> {
        let mut o = Output { keys: &mut out.keys, values: &mut out.values, counters: &counters };
        let mut it = values.iter().map(|v| v.as_slice());
        reducer.reduce(key, &mut it, &mut o).map_err(task_error)?;
        values.clear();
        Ok(())
    };
    while let Some(batch) = input.next().await {
        let batch = batch?;
        let (keys, vals) = pairs(&batch);
        records += batch.num_rows() as i64;
        for i in 0..batch.num_rows() {
            let k = keys.value(i);
            if key.as_deref() != Some(k) {
                if let Some(prev) = key.take() {
                    reduce_group(&prev, &mut values, &mut out)?;
                }
                groups += 1;
                key = Some(k.to_vec());
            }
            values.push(vals.value(i).to_vec());
        }
        if !out.flush_if_full().await? {
            return Ok(());
        }
    }
    if let Some(prev) = key.take() {
        reduce_group(&prev, &mut values, &mut out)?;
    }
    out.flush().await?;
    let (input_name, groups_name, output_name) = match phase {
        Phase::Combine => ("Combine input records", None, "Combine output records"),
        _ => ("Reduce input records", Some("Reduce input groups"), "Reduce output records"),
    };
    counters.add(TASK_COUNTERS, input_name, records);
    if let Some(g) = groups_name {
        counters.add(TASK_COUNTERS, g, groups);
    }
    counters.add(TASK_COUNTERS, output_name, out.records);
    Ok(())
}

/// Values buffered for one key before the combiner folds them into its output.
const COMBINE_FOLD_AT: usize = 1024;
/// Keys buffered before a combine task flushes them all.
const COMBINE_MAX_KEYS: usize = 1 << 17;

/// One key's values, end to end in one buffer (one allocation per key, not per value).
#[derive(Default)]
struct Values {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl Values {
    fn push(&mut self, value: &[u8]) {
        self.data.extend_from_slice(value);
        self.ends.push(self.data.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter().copied()).map(|(s, e)| &self.data[s..e])
    }

    fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
    }
}

/// A Rust combiner over unsorted map output: values gather per key in a hash
/// table and the combiner folds them whenever a key has many (its output is
/// map output again, as Hadoop requires of combiners), so no sort is needed
/// before the shuffle. The table is flushed when it holds too many keys.
async fn run_hash_combine(
    factory: ReducerFactory,
    mut input: SendableRecordBatchStream,
    tx: Sender<DfResult<RecordBatch>>,
    counters: Counters,
) -> DfResult<()> {
    let mut combiner = factory();
    let mut out = Batcher::new(tx);
    let mut table: datafusion::common::HashMap<Vec<u8>, Values> = Default::default();
    let mut records = 0i64;
    let (mut keys, mut values) = (BinaryBuilder::new(), BinaryBuilder::new());
    // Folds one key's values into the combiner's output values for that key.
    let mut fold = |key: &[u8], vals: &mut Values, counters: &Counters| -> DfResult<()> {
        let mut o = Output { keys: &mut keys, values: &mut values, counters };
        combiner.reduce(key, &mut vals.iter(), &mut o).map_err(task_error)?;
        let (k, v) = (keys.finish(), values.finish());
        vals.clear();
        for i in 0..k.len() {
            if k.value(i) != key {
                return Err(task_error(Error::new(
                    crate::error::ErrorKind::InvalidData,
                    "a combiner must emit the key it was given",
                )));
            }
            vals.push(v.value(i));
        }
        Ok(())
    };
    loop {
        let batch = input.next().await.transpose()?;
        if let Some(batch) = &batch {
            let (ks, vs) = pairs(batch);
            records += batch.num_rows() as i64;
            for i in 0..batch.num_rows() {
                let list = table.entry_ref(ks.value(i)).or_default();
                list.push(vs.value(i));
                if list.len() >= COMBINE_FOLD_AT {
                    fold(ks.value(i), list, &counters)?;
                }
            }
        }
        // Emit everything at the end of the input, or when the table is full.
        if batch.is_none() || table.len() >= COMBINE_MAX_KEYS {
            for (k, mut list) in table.drain() {
                fold(&k, &mut list, &counters)?;
                for v in list.iter() {
                    out.keys.append_value(&k);
                    out.values.append_value(v);
                }
                if !out.flush_if_full().await? {
                    return Ok(());
                }
            }
        }
        if batch.is_none() {
            break;
        }
    }
    out.flush().await?;
    counters.add(TASK_COUNTERS, "Combine input records", records);
    counters.add(TASK_COUNTERS, "Combine output records", out.records);
    Ok(())
}

/// Runs a streaming command over the partition: writes its input lines,
/// reads its output lines, and fails the task if it exits non-zero.
pub(crate) async fn run_command(
    command: &Command,
    phase: Phase,
    key_fields: usize,
    env: &[(String, String)],
    mut input: SendableRecordBatchStream,
    tx: Sender<DfResult<RecordBatch>>,
    counters: Counters,
) -> DfResult<()> {
    let (program, args) =
        command.argv().split_first().ok_or_else(|| task_error(Error::plan("the command is empty")))?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| task_error(Error::execution(format!("cannot start {} '{command}': {e}", phase.name()))))?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(task_error(Error::internal(format!("{} '{command}' started without its pipes", phase.name()))));
    };
    let writer_counters = counters.clone();
    // Map tasks hand the command only the line, as streaming does with text input; later phases `key\tvalue`.
    let lines_only = matches!(phase, Phase::Map | Phase::Transform);
    let writer = tokio::spawn(async move {
        let mut records = 0i64;
        let mut buf = Vec::with_capacity(1 << 16);
        while let Some(batch) = input.next().await {
            let batch = batch?;
            let (keys, values) = pairs(&batch);
            buf.clear();
            for i in 0..batch.num_rows() {
                if !lines_only {
                    buf.extend_from_slice(keys.value(i));
                    buf.push(b'\t');
                }
                buf.extend_from_slice(values.value(i));
                buf.push(b'\n');
            }
            records += batch.num_rows() as i64;
            if stdin.write_all(&buf).await.is_err() {
                // The command stopped reading; its exit status decides.
                break;
            }
        }
        let _ = stdin.shutdown().await;
        match phase {
            Phase::Map => writer_counters.add(TASK_COUNTERS, "Map input records", records),
            Phase::Combine => writer_counters.add(TASK_COUNTERS, "Combine input records", records),
            Phase::Reduce => writer_counters.add(TASK_COUNTERS, "Reduce input records", records),
            Phase::Transform => {}
        }
        Ok::<(), DataFusionError>(())
    });
    let stderr_counters = counters.clone();
    let errors = tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        let mut tail: std::collections::VecDeque<String> = Default::default();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(spec) = line.strip_prefix("reporter:counter:") {
                let parts: Vec<&str> = spec.splitn(3, ',').collect();
                if let [group, name, amount] = parts[..]
                    && let Ok(n) = amount.trim().parse::<i64>()
                {
                    stderr_counters.add(group, name, n);
                    continue;
                }
            }
            if line.starts_with("reporter:status:") {
                continue;
            }
            if tail.len() == 20 {
                tail.pop_front();
            }
            tail.push_back(line);
        }
        tail.into_iter().collect::<Vec<_>>().join("\n")
    });
    let mut out = Batcher::new(tx);
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let mut line = Vec::with_capacity(256);
    let mut open = true;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).await.map_err(|e| task_error(Error::from(e)))?;
        if n == 0 {
            break;
        }
        let mut text = &line[..];
        if text.ends_with(b"\n") {
            text = &text[..text.len() - 1];
        }
        // Streaming's rule: the key is up to the first tab (the `key_fields`-th); without it, the whole line.
        let t = match phase {
            Phase::Transform => text.len(),
            _ => super::partition::fields_len(text, key_fields),
        };
        out.keys.append_value(&text[..t]);
        out.values.append_value(text.get(t + 1..).unwrap_or_default());
        if open && !out.flush_if_full().await? {
            open = false;
        }
    }
    if open {
        out.flush().await?;
    }
    let status = child.wait().await.map_err(|e| task_error(Error::from(e)))?;
    writer.await.map_err(|e| DataFusionError::Internal(format!("input writer failed: {e}")))??;
    let stderr_tail = errors.await.unwrap_or_default();
    if !status.success() {
        let code = status.code().map_or_else(|| "a signal".to_string(), |c| c.to_string());
        // The caller's command failed, not the server: a 400 over REST.
        return Err(task_error(Error::new(
            crate::error::ErrorKind::InvalidData,
            format!(
                "{} '{command}' failed with exit status {code}{}",
                phase.name(),
                if stderr_tail.is_empty() { String::new() } else { format!("; its stderr ends with:\n{stderr_tail}") }
            ),
        )));
    }
    let name = match phase {
        Phase::Map => "Map output records",
        Phase::Combine => "Combine output records",
        Phase::Reduce | Phase::Transform => "Reduce output records",
    };
    counters.add(TASK_COUNTERS, name, out.records);
    Ok(())
}
