//! What map tasks read. Text input as Hadoop's `TextInputFormat` reads it:
//! files cut into byte ranges (splits), one map task each; a record is a
//! line keyed by its byte offset. A split that starts inside a line leaves
//! that line to the split before it, which reads past its own end to finish
//! its last line, so every line is read exactly once. Or a table's rows, one
//! map task per partition of its scan.

use std::fmt;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayBuilder, ArrayRef, AsArray, BinaryBuilder, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, UInt64Type};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;

use crate::storage::text::TextOptions;
use crate::storage::text::encode::encode_batch;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchReceiverStream;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, SendableRecordBatchStream};

use serde::{Deserialize, Serialize};

use super::{BATCH_ROWS, Counters, counter_batch, pair_batch, pair_schema};
use crate::error::{Error, Result};

/// One map task's input: bytes `start..end` of a file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Split {
    pub path: PathBuf,
    pub start: u64,
    pub end: u64,
}

/// Cuts the files into splits of about `split_bytes` (at least one per non-empty file).
pub fn splits(files: &[PathBuf], split_bytes: u64) -> Result<Vec<Split>> {
    let mut out = Vec::new();
    for path in files {
        let len = std::fs::metadata(path).map_err(|e| Error::not_found(format!("input {}: {e}", path.display())))?.len();
        let mut start = 0;
        while start < len {
            let end = (start + split_bytes.max(1)).min(len);
            out.push(Split { path: path.clone(), start, end });
            start = end;
        }
    }
    Ok(out)
}

/// The input files under `paths`: files as given, directories' files
/// (sorted, skipping names starting with `_` or `.`, as Hadoop does).
pub fn input_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::not_found(format!("input {}: {e}", p.display())))?;
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .filter(|f| f.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with('_') && !n.starts_with('.')))
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        return Err(Error::not_found("no input files"));
    }
    Ok(files)
}

/// Reads the lines of one split, calling `line(offset, bytes)` for each
/// (without its `\n` or `\r\n`).
pub fn read_split(split: &Split, mut line: impl FnMut(u64, &[u8]) -> Result<()>) -> Result<()> {
    let mut file = std::fs::File::open(&split.path).map_err(|e| Error::not_found(format!("input {}: {e}", split.path.display())))?;
    file.seek(SeekFrom::Start(split.start))?;
    let mut reader = BufReader::with_capacity(1 << 20, file.take(u64::MAX));
    let mut pos = split.start;
    let mut buf = Vec::with_capacity(256);
    if split.start != 0 {
        // The line this split starts in belongs to the split before.
        pos += reader.read_until(b'\n', &mut buf)? as u64;
    }
    // `<=`: a line starting exactly at `end` is read here, and skipped by the next split.
    while pos <= split.end {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        let mut text = &buf[..];
        if text.ends_with(b"\n") {
            text = &text[..text.len() - 1];
        }
        if text.ends_with(b"\r") {
            text = &text[..text.len() - 1];
        }
        line(pos, text)?;
        pos += n as u64;
    }
    Ok(())
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
                Arc::new(StringArray::from(vec![s.path.to_string_lossy().into_owned()])),
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
        let split = Split { path: PathBuf::from(paths.value(0)), start: starts.value(0), end: ends.value(0) };
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
    one_input_operator!("MapInputExec");

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        let [input] = <[_; 1]>::try_from(children).map_err(|_| DataFusionError::Internal("MapInputExec has one child".into()))?;
        Ok(Arc::new(MapInputExec::new(input, self.format)))
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context)?;
        Ok(match self.format {
            InputFormat::Text => read_splits(input),
            InputFormat::TableRows => row_records(input),
        })
    }
}

/// Reads the splits of the input rows, and sends the bytes read as a counter.
fn read_splits(mut input: SendableRecordBatchStream) -> SendableRecordBatchStream {
    let mut builder = RecordBatchReceiverStream::builder(pair_schema(), 2);
    let tx = builder.tx();
    builder.spawn(async move {
        let counters = Counters::default();
        while let Some(batch) = input.next().await {
            let batch = batch?;
            let (paths, starts, ends) =
                (batch.column(0).as_string::<i32>(), batch.column(1).as_primitive::<UInt64Type>(), batch.column(2).as_primitive::<UInt64Type>());
            for row in 0..batch.num_rows() {
                let split = Split { path: PathBuf::from(paths.value(row)), start: starts.value(row), end: ends.value(row) };
                let tx = tx.clone();
                let bytes = tokio::task::spawn_blocking(move || send_split(&split, &tx))
                    .await
                    .map_err(|e| DataFusionError::Internal(format!("reading a split failed: {e}")))??;
                counters.add(INPUT_COUNTERS, "Bytes Read", bytes);
            }
        }
        let _ = tx.send(counter_batch(&counters)).await;
        Ok(())
    });
    builder.build()
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

/// Sends the records of one split in batches; the bytes it read.
fn send_split(split: &Split, tx: &tokio::sync::mpsc::Sender<DfResult<RecordBatch>>) -> DfResult<i64> {
    let (mut keys, mut values) = (BinaryBuilder::new(), BinaryBuilder::new());
    let mut bytes = 0i64;
    let mut cancelled = false;
    let flush = |keys: &mut BinaryBuilder, values: &mut BinaryBuilder| tx.blocking_send(pair_batch(keys.finish(), values.finish())).is_ok();
    read_split(split, |offset, line| {
        if cancelled {
            return Ok(());
        }
        keys.append_value(offset.to_string());
        values.append_value(line);
        bytes += line.len() as i64 + 1;
        if keys.len() >= BATCH_ROWS && !flush(&mut keys, &mut values) {
            cancelled = true;
        }
        Ok(())
    })
    .map_err(DataFusionError::from)?;
    if !keys.is_empty() {
        flush(&mut keys, &mut values);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_read_once_whatever_the_split_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        let text = "alpha\nbe\r\n\ngamma delta\nlast line without newline";
        std::fs::write(&path, text).unwrap();
        let expected: Vec<String> = ["alpha", "be", "", "gamma delta", "last line without newline"].map(String::from).to_vec();
        for size in 1..=text.len() as u64 + 1 {
            let mut lines = Vec::new();
            for split in splits(&[path.clone()], size).unwrap() {
                read_split(&split, |_, l| {
                    lines.push(String::from_utf8_lossy(l).into_owned());
                    Ok(())
                })
                .unwrap();
            }
            assert_eq!(lines, expected, "split size {size}");
        }
    }
}
