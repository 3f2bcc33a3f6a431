//! Text input as Hadoop's `TextInputFormat` reads it: files cut into byte
//! ranges (splits), one map task each; a record is a line keyed by its byte
//! offset. A split that starts inside a line leaves that line to the split
//! before it, which reads past its own end to finish its last line, so every
//! line is read exactly once.

use std::fmt;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayBuilder, BinaryBuilder, RecordBatch};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchReceiverStream;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties, SendableRecordBatchStream};

use super::{BATCH_ROWS, Counters, TASK_COUNTERS, pair_schema};
use crate::error::{Error, Result};

/// One map task's input: bytes `start..end` of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// The map tasks' input: one partition per split, records `(offset, line)`.
#[derive(Debug)]
pub struct TextInputExec {
    splits: Vec<Split>,
    counters: Counters,
    properties: Arc<PlanProperties>,
}

impl TextInputExec {
    pub fn new(splits: Vec<Split>, counters: Counters) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(pair_schema()),
            Partitioning::UnknownPartitioning(splits.len().max(1)),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        TextInputExec { splits, counters, properties }
    }
}

impl DisplayAs for TextInputExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TextInputExec: splits={}", self.splits.len())
    }
}

impl ExecutionPlan for TextInputExec {
    fn name(&self) -> &str {
        "TextInputExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(self: Arc<Self>, _children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(&self, partition: usize, _context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let schema = pair_schema();
        let mut builder = RecordBatchReceiverStream::builder(schema.clone(), 2);
        let tx = builder.tx();
        let split = self.splits.get(partition).cloned();
        let counters = self.counters.clone();
        builder.spawn_blocking(move || {
            let Some(split) = split else { return Ok(()) };
            let (mut keys, mut values) = (BinaryBuilder::new(), BinaryBuilder::new());
            let mut records = 0i64;
            let flush = |keys: &mut BinaryBuilder, values: &mut BinaryBuilder| -> DfResult<bool> {
                let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(keys.finish()), Arc::new(values.finish())])?;
                Ok(tx.blocking_send(Ok(batch)).is_ok())
            };
            let mut cancelled = false;
            read_split(&split, |offset, line| {
                if cancelled {
                    return Ok(());
                }
                keys.append_value(offset.to_string());
                values.append_value(line);
                records += 1;
                if keys.len() >= BATCH_ROWS && !flush(&mut keys, &mut values).map_err(Error::from)? {
                    cancelled = true;
                }
                Ok(())
            })
            .map_err(DataFusionError::from)?;
            counters.add(TASK_COUNTERS, "Map input records", records);
            if !keys.is_empty() {
                flush(&mut keys, &mut values)?;
            }
            Ok(())
        });
        Ok(builder.build())
    }
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
