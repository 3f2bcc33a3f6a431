//! What map tasks read. Text input as Hadoop's `TextInputFormat` reads it:
//! files (local, or in an object store such as S3) cut into byte ranges
//! (splits), one map task each; a record is a
//! line keyed by its byte offset. A split that starts inside a line leaves
//! that line to the split before it, which reads past its own end to finish
//! its last line, so every line is read exactly once. Or a table's rows, one
//! map task per partition of its scan.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayBuilder, ArrayRef, AsArray, BinaryBuilder, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, UInt64Type};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;

use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchReceiverStream;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, SendableRecordBatchStream,
};
use enma_storage::text::TextOptions;
use enma_storage::text::encode::encode_batch;

use datafusion::execution::runtime_env::RuntimeEnv;
use object_store::ObjectStoreExt;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncSeekExt};

use super::{BATCH_ROWS, Counters, counter_batch, pair_batch, pair_schema};
use crate::error::{Error, Result};
use enma_storage::Location;

/// One map task's input: bytes `start..end` of a file, named by a local
/// path or an object store URL (`s3://bucket/key`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Split {
    pub path: String,
    pub start: u64,
    pub end: u64,
}

/// An input file and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: String,
    pub size: u64,
}

/// Cuts the files into splits of about `split_bytes` (at least one per non-empty file).
pub fn splits(files: &[InputFile], split_bytes: u64) -> Vec<Split> {
    let mut out = Vec::new();
    for file in files {
        let mut start = 0;
        while start < file.size {
            let end = (start + split_bytes.max(1)).min(file.size);
            out.push(Split { path: file.path.clone(), start, end });
            start = end;
        }
    }
    out
}

fn is_url(path: &str) -> bool {
    path.contains("://")
}

/// The input files under `paths`, local or in an object store: files as
/// given, directories' files (sorted, skipping names starting with `_` or
/// `.`, as Hadoop does). Local paths come back absolute, so any process can read them.
pub async fn input_files(paths: &[PathBuf], runtime: &RuntimeEnv) -> Result<Vec<InputFile>> {
    let mut files = Vec::new();
    for p in paths {
        let text = p.to_string_lossy();
        if is_url(&text) {
            let location = Location::parse(&text)?;
            let store = runtime.object_store(location.store_url())?;
            let url = |key: &object_store::path::Path| format!("{}{key}", location.store_url().as_str());
            match store.head(&location.path()).await {
                Ok(meta) => files.push(InputFile { path: url(&meta.location), size: meta.size }),
                Err(_) => {
                    let listing = enma_storage::list_dir(store.as_ref(), &location.path()).await?;
                    if listing.files.is_empty() {
                        return Err(Error::not_found(format!("input {text}: no such file or directory")));
                    }
                    files.extend(listing.files.iter().map(|m| InputFile { path: url(&m.location), size: m.size }));
                }
            }
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| Error::not_found(format!("input {}: {e}", p.display())))?;
        let mut local = vec![];
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .filter(|f| f.file_name().and_then(|n| n.to_str()).is_some_and(|n| !enma_storage::is_hidden(n)))
                .collect();
            entries.sort();
            local.extend(entries);
        } else {
            local.push(p.clone());
        }
        for f in local {
            let absolute = f.canonicalize().map_err(|e| Error::not_found(format!("input {}: {e}", f.display())))?;
            let size = std::fs::metadata(&absolute)?.len();
            files.push(InputFile { path: absolute.display().to_string(), size });
        }
    }
    if files.is_empty() {
        return Err(Error::not_found("no input files"));
    }
    Ok(files)
}

/// The lines of one split, read from `start`: a line that begins inside the
/// split belongs to it, even if it ends after `end`.
pub struct SplitLines<R> {
    reader: R,
    pos: u64,
    end: u64,
    started: bool,
    start: u64,
}

impl<R: AsyncBufRead + Unpin> SplitLines<R> {
    /// `reader` reads the file from the split's start.
    pub fn new(reader: R, split: &Split) -> Self {
        SplitLines { reader, pos: split.start, end: split.end, started: false, start: split.start }
    }

    /// The next line into `buf` (without its `\n` or `\r\n`), and its offset.
    pub async fn next(&mut self, buf: &mut Vec<u8>) -> Result<Option<u64>> {
        if !self.started {
            self.started = true;
            if self.start != 0 {
                // The line this split starts in belongs to the split before.
                buf.clear();
                self.pos += self.reader.read_until(b'\n', buf).await? as u64;
            }
        }
        // `<=`: a line starting exactly at `end` is read here, and skipped by the next split.
        if self.pos > self.end {
            return Ok(None);
        }
        buf.clear();
        let n = self.reader.read_until(b'\n', buf).await?;
        if n == 0 {
            return Ok(None);
        }
        let offset = self.pos;
        self.pos += n as u64;
        if buf.ends_with(b"\n") {
            buf.pop();
        }
        if buf.ends_with(b"\r") {
            buf.pop();
        }
        Ok(Some(offset))
    }
}

/// A reader of `split`'s file from its start: a local file, or an object
/// store's ranged read (up to the file's end, dropped once the split's last
/// line is read).
async fn open_split(split: &Split, runtime: &RuntimeEnv) -> Result<Box<dyn AsyncBufRead + Unpin + Send>> {
    let not_found = |e: &dyn std::fmt::Display| Error::not_found(format!("input {}: {e}", split.path));
    if !is_url(&split.path) {
        let mut file = tokio::fs::File::open(&split.path).await.map_err(|e| not_found(&e))?;
        file.seek(std::io::SeekFrom::Start(split.start)).await?;
        return Ok(Box::new(tokio::io::BufReader::with_capacity(1 << 20, file)));
    }
    let location = Location::parse(&split.path)?;
    let store = runtime.object_store(location.store_url())?;
    let options =
        object_store::GetOptions { range: Some(object_store::GetRange::Offset(split.start)), ..Default::default() };
    let stream = store.get_opts(&location.path(), options).await.map_err(|e| not_found(&e))?.into_stream();
    let reader = tokio_util::io::StreamReader::new(stream.map(|chunk| chunk.map_err(std::io::Error::other)));
    Ok(Box::new(tokio::io::BufReader::with_capacity(1 << 20, reader)))
}

/// Hadoop's group for what input formats count.
pub const INPUT_COUNTERS: &str = "File Input Format Counters";

/// The splits as data, one partition each: what the reading operator
/// reads, as Hadoop ships each map task its `InputSplit`. A cluster's
/// scheduler hands each task only its own partitions of this source.
pub fn splits_source(splits: &[Split]) -> Result<Arc<dyn ExecutionPlan>> {
    let schema = split_schema();
    let partitions = splits
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(StringArray::from(vec![s.path.clone()])),
                Arc::new(UInt64Array::from(vec![s.start])),
                Arc::new(UInt64Array::from(vec![s.end])),
                Arc::new(UInt64Array::from(vec![i as u64])),
            ];
            Ok(vec![RecordBatch::try_new(schema.clone(), columns)?])
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(MemorySourceConfig::try_new_exec(&partitions, schema, None)?)
}

/// The split that partition `local` of `plan` reads, with its number in the
/// job: found in the in-memory source of splits below (single-input operators only).
pub(crate) fn split_at(plan: &Arc<dyn ExecutionPlan>, local: usize) -> Option<(usize, Split)> {
    if let Some(source) = plan.downcast_ref::<datafusion::datasource::source::DataSourceExec>() {
        let memory = source.data_source().downcast_ref::<MemorySourceConfig>()?;
        let batch = memory.partitions().get(local)?.first()?;
        if batch.schema() != split_schema() {
            return None;
        }
        let (paths, starts, ends, numbers) = (
            batch.column(0).as_string::<i32>(),
            batch.column(1).as_primitive::<UInt64Type>(),
            batch.column(2).as_primitive::<UInt64Type>(),
            batch.column(3).as_primitive::<UInt64Type>(),
        );
        let split = Split { path: paths.value(0).to_string(), start: starts.value(0), end: ends.value(0) };
        return Some((numbers.value(0) as usize, split));
    }
    match plan.children().as_slice() {
        [child] => split_at(child, local),
        _ => None,
    }
}

/// A split as a row; `index` is its number in the job, which names a map-only job's output files.
pub(crate) fn split_schema() -> SchemaRef {
    static SCHEMA: std::sync::LazyLock<SchemaRef> = std::sync::LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            Field::new("path", DataType::Utf8, false),
            Field::new("start", DataType::UInt64, false),
            Field::new("end", DataType::UInt64, false),
            Field::new("index", DataType::UInt64, false),
        ]))
    });
    SCHEMA.clone()
}

/// What the map tasks read, and so how their records are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputFormat {
    /// Hadoop's `TextInputFormat` over the splits of [`splits_source`]:
    /// records `(offset, line)`.
    Text,
    /// A table's rows from its scan: records `("", columns)`, the columns
    /// tab-separated in Hive's text forms (as TRANSFORM writes them).
    TableRows,
}

/// The map tasks' input: one task per partition of its input (a split, or
/// a partition of a table's scan), whose records it makes in `format`.
#[derive(Debug)]
pub struct MapInputExec {
    input: Arc<dyn ExecutionPlan>,
    format: InputFormat,
    properties: Arc<PlanProperties>,
}

impl MapInputExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, format: InputFormat) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(pair_schema()),
            Partitioning::UnknownPartitioning(input.properties().output_partitioning().partition_count()),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        MapInputExec { input, format, properties }
    }

    pub fn format(&self) -> InputFormat {
        self.format
    }
}

impl DisplayAs for MapInputExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MapInputExec: {:?}", self.format)
    }
}

impl ExecutionPlan for MapInputExec {
    one_input_operator!("MapInputExec", one_task_per_partition);

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        let [input] =
            <[_; 1]>::try_from(children).map_err(|_| DataFusionError::Internal("MapInputExec has one child".into()))?;
        Ok(Arc::new(MapInputExec::new(input, self.format)))
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let runtime = context.runtime_env();
        let input = self.input.execute(partition, context)?;
        Ok(match self.format {
            InputFormat::Text => read_splits(input, runtime),
            InputFormat::TableRows => row_records(input),
        })
    }
}

/// Reads the splits of the input rows, and sends the bytes read as a counter.
fn read_splits(mut input: SendableRecordBatchStream, runtime: Arc<RuntimeEnv>) -> SendableRecordBatchStream {
    let mut builder = RecordBatchReceiverStream::builder(pair_schema(), 2);
    let tx = builder.tx();
    builder.spawn(async move {
        let counters = Counters::default();
        while let Some(batch) = input.next().await {
            let batch = batch?;
            let (paths, starts, ends) = (
                batch.column(0).as_string::<i32>(),
                batch.column(1).as_primitive::<UInt64Type>(),
                batch.column(2).as_primitive::<UInt64Type>(),
            );
            for row in 0..batch.num_rows() {
                let split =
                    Split { path: paths.value(row).to_string(), start: starts.value(row), end: ends.value(row) };
                let Some(bytes) = send_split(&split, &runtime, &tx).await.map_err(DataFusionError::from)? else {
                    return Ok(());
                };
                counters.add(INPUT_COUNTERS, "Bytes Read", bytes);
            }
        }
        let _ = tx.send(counter_batch(&counters)).await;
        Ok(())
    });
    builder.build()
}

/// Sends the records of one split in batches; the bytes it read, or `None` if the job was cancelled.
async fn send_split(
    split: &Split,
    runtime: &RuntimeEnv,
    tx: &tokio::sync::mpsc::Sender<DfResult<RecordBatch>>,
) -> Result<Option<i64>> {
    let mut lines = SplitLines::new(open_split(split, runtime).await?, split);
    let (mut keys, mut values) = (BinaryBuilder::new(), BinaryBuilder::new());
    let mut bytes = 0i64;
    let mut buf = Vec::with_capacity(256);
    while let Some(offset) = lines.next(&mut buf).await? {
        keys.append_value(offset.to_string());
        values.append_value(&buf);
        bytes += buf.len() as i64 + 1;
        if keys.len() >= BATCH_ROWS && tx.send(pair_batch(keys.finish(), values.finish())).await.is_err() {
            return Ok(None);
        }
    }
    if !keys.is_empty() && tx.send(pair_batch(keys.finish(), values.finish())).await.is_err() {
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// One record per row, the row in Hive's text form with tabs between columns.
fn row_records(input: SendableRecordBatchStream) -> SendableRecordBatchStream {
    let options = TextOptions { field_delim: b'\t', ..TextOptions::default() };
    let records = input.map(move |batch| {
        let batch = batch?;
        let mut text = Vec::new();
        encode_batch(&batch, &options, &mut text)?;
        let (mut keys, mut values) = (BinaryBuilder::new(), BinaryBuilder::new());
        for row in text.strip_suffix(b"\n").unwrap_or(&text).split(|&b| b == b'\n').filter(|_| batch.num_rows() > 0) {
            keys.append_value(b"");
            values.append_value(row);
        }
        pair_batch(keys.finish(), values.finish())
    });
    Box::pin(RecordBatchStreamAdapter::new(pair_schema(), records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_line_is_read_once_whatever_the_split_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        let text = "alpha\nbe\r\n\ngamma delta\nlast line without newline";
        std::fs::write(&path, text).unwrap();
        let expected: Vec<String> =
            ["alpha", "be", "", "gamma delta", "last line without newline"].map(String::from).to_vec();
        let runtime = RuntimeEnv::default();
        // Read as a local file and through the object store of file:// URLs: the same lines.
        for name in [path.display().to_string(), format!("file://{}", path.display())] {
            let files = input_files(&[PathBuf::from(&name)], &runtime).await.unwrap();
            assert_eq!(files[0].size, text.len() as u64);
            for size in 1..=text.len() as u64 + 1 {
                let mut lines = Vec::new();
                for split in splits(&files, size) {
                    let mut reader = SplitLines::new(open_split(&split, &runtime).await.unwrap(), &split);
                    let mut buf = Vec::new();
                    while reader.next(&mut buf).await.unwrap().is_some() {
                        lines.push(String::from_utf8_lossy(&buf).into_owned());
                    }
                }
                assert_eq!(lines, expected, "{name}, split size {size}");
            }
        }
    }
}
