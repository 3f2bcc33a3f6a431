//! Hive text files as a DataFusion file source.
//!
//! [`HiveTextSource`] plays the part `CsvSource` plays for CSV: the engine
//! puts it in a `FileScanConfig` (partition columns and projections are
//! handled there, through DataFusion's `ProjectionOpener`) and each file is
//! opened by a [`FileOpener`] that streams the object's bytes, cuts them into
//! lines and decodes a batch every `batch_size` lines with [`decode_projected`].
//!
//! Lines end at `\n`, `\r\n` or a lone `\r`, as Hadoop's `LineReader` reads
//! them (a custom line delimiter ends lines at that byte only); the last line
//! needs no terminator. `skip.header.line.count` lines are skipped at the
//! start of each file. A file compressed as `.gz`, `.bz2`, `.xz` or `.zst`
//! (by its name, as Hadoop picks a codec) is decompressed and read whole;
//! other files may be split into byte ranges: a range reads the lines that
//! start inside it, so every line is read once.

use std::collections::VecDeque;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use bytes::Bytes;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{
    FileGroupPartitioner, FileOpenFuture, FileOpener, FileScanConfig, FileSource,
};
use datafusion::datasource::projection::{ProjectionOpener, SplitProjection};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::physical_expr::projection::ProjectionExprs;
use datafusion::physical_expr::{LexOrdering, PhysicalExpr};
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::physical_plan::{DisplayFormatType, apply_expression_roots};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore};

use super::TextOptions;
use super::decode::decode_projected;

/// Batch size when the scan did not set one.
const DEFAULT_BATCH_SIZE: usize = 8192;

/// A DataFusion FileSource that reads Hive text files (used with FileScanConfigBuilder; partition columns handled by FileScanConfig as for CSV).
pub fn text_file_source(opts: TextOptions, table_schema: TableSchema) -> Arc<dyn FileSource> {
    Arc::new(HiveTextSource::new(opts, table_schema))
}

/// Reads Hive text files: the `FileSource` behind [`text_file_source`].
#[derive(Debug, Clone)]
pub struct HiveTextSource {
    opts: Arc<TextOptions>,
    table_schema: TableSchema,
    projection: SplitProjection,
    batch_size: Option<usize>,
    metrics: ExecutionPlanMetricsSet,
}

impl HiveTextSource {
    /// A source for files with `table_schema`'s data columns, laid out as `opts` says.
    pub fn new(opts: TextOptions, table_schema: TableSchema) -> Self {
        Self {
            opts: Arc::new(opts),
            projection: SplitProjection::unprojected(&table_schema),
            table_schema,
            batch_size: None,
            metrics: ExecutionPlanMetricsSet::new(),
        }
    }

    /// The text layout this source reads.
    pub fn options(&self) -> &TextOptions {
        &self.opts
    }
}

impl FileSource for HiveTextSource {
    fn create_file_opener(
        &self,
        object_store: Arc<dyn ObjectStore>,
        base_config: &FileScanConfig,
        _partition: usize,
    ) -> Result<Arc<dyn FileOpener>> {
        let opener: Arc<dyn FileOpener> = Arc::new(HiveTextOpener {
            opts: self.opts.clone(),
            file_schema: self.table_schema.file_schema().clone(),
            columns: Arc::new(self.projection.file_indices.clone()),
            batch_size: self.batch_size.unwrap_or(DEFAULT_BATCH_SIZE).max(1),
            compression: base_config.file_compression_type,
            store: object_store,
        });
        ProjectionOpener::try_new(self.projection.clone(), opener, self.table_schema.file_schema())
    }

    fn table_schema(&self) -> &TableSchema {
        &self.table_schema
    }

    fn with_batch_size(&self, batch_size: usize) -> Arc<dyn FileSource> {
        let mut source = self.clone();
        source.batch_size = Some(batch_size);
        Arc::new(source)
    }

    fn projection(&self) -> Option<&ProjectionExprs> {
        Some(&self.projection.source)
    }

    fn try_pushdown_projection(&self, projection: &ProjectionExprs) -> Result<Option<Arc<dyn FileSource>>> {
        let mut source = self.clone();
        let merged = self.projection.source.try_merge(projection)?;
        source.projection = SplitProjection::new(self.table_schema.file_schema(), &merged);
        Ok(Some(Arc::new(source)))
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        &self.metrics
    }

    fn file_type(&self) -> &str {
        "hive_text"
    }

    fn fmt_extra(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        match t {
            DisplayFormatType::Default | DisplayFormatType::Verbose => {
                write!(f, ", field_delim={:#04x}", self.opts.field_delim)?;
                if self.opts.skip_header_lines > 0 {
                    write!(f, ", skip_header_lines={}", self.opts.skip_header_lines)?;
                }
                Ok(())
            }
            DisplayFormatType::TreeRender => Ok(()),
        }
    }

    /// Splits files into byte ranges like the default, except when a file is
    /// compressed: those are read whole.
    fn repartitioned(
        &self,
        target_partitions: usize,
        repartition_file_min_size: usize,
        output_ordering: Option<LexOrdering>,
        config: &FileScanConfig,
    ) -> Result<Option<FileScanConfig>> {
        let any_compressed = config
            .file_groups
            .iter()
            .flat_map(|g| g.files())
            .any(|f| compression_of(&f.object_meta.location).is_compressed());
        if config.file_compression_type.is_compressed() || any_compressed {
            return Ok(None);
        }
        let groups = FileGroupPartitioner::new()
            .with_target_partitions(target_partitions)
            .with_repartition_file_min_size(repartition_file_min_size)
            .with_preserve_order_within_groups(output_ordering.is_some())
            .repartition_file_groups(&config.file_groups);
        Ok(groups.map(|file_groups| {
            let mut config = config.clone();
            config.file_groups = file_groups;
            config
        }))
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        apply_expression_roots(self.projection.source.iter(), f)
    }
}

/// Hadoop picks a codec by the file name's extension.
fn compression_of(path: &Path) -> FileCompressionType {
    let name = path.filename().unwrap_or_default().to_ascii_lowercase();
    if name.ends_with(".gz") {
        FileCompressionType::GZIP
    } else if name.ends_with(".bz2") {
        FileCompressionType::BZIP2
    } else if name.ends_with(".xz") {
        FileCompressionType::XZ
    } else if name.ends_with(".zst") {
        FileCompressionType::ZSTD
    } else {
        FileCompressionType::UNCOMPRESSED
    }
}

/// Opens one text file as a stream of batches of the projected data columns.
struct HiveTextOpener {
    opts: Arc<TextOptions>,
    file_schema: SchemaRef,
    /// Data columns to decode (indices into `file_schema`).
    columns: Arc<Vec<usize>>,
    batch_size: usize,
    compression: FileCompressionType,
    store: Arc<dyn ObjectStore>,
}

impl FileOpener for HiveTextOpener {
    fn open(&self, file: PartitionedFile) -> Result<FileOpenFuture> {
        let compression = if self.compression.is_compressed() {
            self.compression
        } else {
            compression_of(&file.object_meta.location)
        };
        let (start, end) = match &file.range {
            Some(r) => (r.start.max(0) as u64, r.end.max(0) as u64),
            None => (0, u64::MAX),
        };
        let store = self.store.clone();
        let mut lines = LineBatcher {
            opts: self.opts.clone(),
            file_schema: self.file_schema.clone(),
            columns: self.columns.clone(),
            batch_size: self.batch_size,
            pending: Vec::new(),
            lines: Vec::new(),
            line_start: 0,
            pos: start.saturating_sub(1),
            end: if compression.is_compressed() { u64::MAX } else { end },
            seeking_first_line: start > 0,
            at_file_start: start == 0,
            header_left: if start == 0 { self.opts.skip_header_lines } else { 0 },
            after_cr: false,
            done: false,
            ready: VecDeque::new(),
        };
        Ok(Box::pin(async move {
            // A compressed file cannot be entered in the middle: the range at 0 reads it all.
            if (compression.is_compressed() && start > 0) || start >= end {
                return Ok(futures::stream::empty().boxed());
            }
            let options =
                GetOptions { range: (lines.pos > 0).then_some(GetRange::Offset(lines.pos)), ..Default::default() };
            let bytes = store.get_opts(&file.object_meta.location, options).await?.into_stream();
            let bytes = compression.convert_stream(bytes.map_err(DataFusionError::from).boxed())?;
            if compression.is_compressed() {
                lines.pos = 0;
            }
            Ok(batches(bytes, lines))
        }))
    }
}

/// Feeds byte chunks to `lines` and yields its batches.
fn batches(input: BoxStream<'static, Result<Bytes>>, lines: LineBatcher) -> BoxStream<'static, Result<RecordBatch>> {
    futures::stream::unfold((input, lines, false), |(mut input, mut lines, mut eof)| async move {
        loop {
            if let Some(item) = lines.ready.pop_front() {
                return Some((item, (input, lines, eof)));
            }
            if eof {
                return None;
            }
            if lines.done {
                lines.finish();
                eof = true;
                continue;
            }
            match input.next().await {
                Some(Ok(chunk)) => lines.push(&chunk),
                Some(Err(e)) => {
                    eof = true;
                    return Some((Err(e), (input, lines, eof)));
                }
                None => {
                    lines.finish();
                    eof = true;
                }
            }
        }
    })
    .boxed()
}

/// Cuts a byte stream into lines and decodes them in batches.
///
/// Lines belong to "records": the runs between `line_delim` bytes (a lone
/// `\r` ends a line but not a record). A byte range owns the records that
/// start in it; a range not at 0 starts reading one byte early and drops
/// everything up to the first `line_delim`, so a record that starts exactly
/// at the range start is kept.
struct LineBatcher {
    opts: Arc<TextOptions>,
    file_schema: SchemaRef,
    columns: Arc<Vec<usize>>,
    batch_size: usize,
    /// Bytes of the complete lines not yet decoded, then of the current line.
    pending: Vec<u8>,
    /// The complete lines in `pending`.
    lines: Vec<Range<usize>>,
    /// Where the current line starts in `pending`.
    line_start: usize,
    /// File offset of the next byte pushed.
    pos: u64,
    /// Records starting at or after this offset belong to the next range.
    end: u64,
    /// Dropping bytes up to the first `line_delim` (a range not at 0).
    seeking_first_line: bool,
    /// No line has ended yet in this file (a UTF-8 byte order mark is dropped).
    at_file_start: bool,
    header_left: usize,
    /// The last byte pushed was a `\r` that ended a line; a `\n` right after it belongs to it.
    after_cr: bool,
    /// Past the range: nothing more to read.
    done: bool,
    ready: VecDeque<Result<RecordBatch>>,
}

impl LineBatcher {
    fn push(&mut self, chunk: &[u8]) {
        let delim = self.opts.line_delim;
        // Hadoop's default reader also ends lines at `\r` and `\r\n`.
        let crlf = delim == b'\n';
        let mut i = 0;
        if self.seeking_first_line {
            match chunk.iter().position(|&b| b == delim) {
                Some(p) => {
                    i = p + 1;
                    self.seeking_first_line = false;
                    if !self.record_starts(self.pos + i as u64) {
                        return;
                    }
                }
                None => {
                    self.pos += chunk.len() as u64;
                    return;
                }
            }
        }
        if self.after_cr && i < chunk.len() {
            self.after_cr = false;
            if chunk[i] == b'\n' {
                i += 1;
                if !self.record_starts(self.pos + i as u64) {
                    return;
                }
            }
        }
        while i < chunk.len() {
            let rest = &chunk[i..];
            let found = if crlf {
                rest.iter().position(|&b| b == b'\n' || b == b'\r')
            } else {
                rest.iter().position(|&b| b == delim)
            };
            let Some(p) = found else {
                self.pending.extend_from_slice(rest);
                break;
            };
            self.pending.extend_from_slice(&rest[..p]);
            self.end_line();
            let j = i + p;
            i = j + 1;
            if crlf && chunk[j] == b'\r' {
                if i == chunk.len() {
                    self.after_cr = true;
                    break;
                }
                if chunk[i] != b'\n' {
                    continue;
                }
                i += 1;
            }
            if !self.record_starts(self.pos + i as u64) {
                return;
            }
        }
        self.pos += chunk.len() as u64;
    }

    /// A new record starts at file offset `at`; false (and done) if it is past the range.
    fn record_starts(&mut self, at: u64) -> bool {
        if at >= self.end {
            self.done = true;
            self.pending.truncate(self.line_start);
        }
        !self.done
    }

    /// The current line is complete.
    fn end_line(&mut self) {
        let mut start = self.line_start;
        if self.at_file_start {
            self.at_file_start = false;
            if self.pending[start..].starts_with(b"\xEF\xBB\xBF") {
                start += 3;
            }
        }
        if self.header_left > 0 {
            self.header_left -= 1;
            self.pending.truncate(self.line_start);
            return;
        }
        self.lines.push(start..self.pending.len());
        self.line_start = self.pending.len();
        if self.lines.len() >= self.batch_size {
            self.flush();
        }
    }

    /// Decodes the complete lines into a batch.
    fn flush(&mut self) {
        if self.lines.is_empty() {
            return;
        }
        let lines: Vec<&[u8]> = self.lines.iter().map(|r| &self.pending[r.clone()]).collect();
        let batch =
            decode_projected(&lines, &self.file_schema, &self.columns, &self.opts).map_err(DataFusionError::from);
        self.ready.push_back(batch);
        self.lines.clear();
        self.pending.drain(..self.line_start);
        self.line_start = 0;
    }

    /// The input ended: a last line without terminator counts, then flush.
    fn finish(&mut self) {
        if !self.done && !self.seeking_first_line && self.pending.len() > self.line_start {
            self.end_line();
        }
        self.done = true;
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
    use datafusion::datasource::source::DataSourceExec;
    use datafusion::execution::object_store::ObjectStoreUrl;
    use datafusion::physical_plan::{ExecutionPlan, collect};
    use datafusion::prelude::SessionContext;
    use datafusion::scalar::ScalarValue;
    use enma_values::display::display_value;

    use super::*;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![Field::new("k", DataType::Int32, true), Field::new("v", DataType::Utf8, true)]))
    }

    fn rows(batches: &[RecordBatch]) -> Vec<String> {
        batches
            .iter()
            .flat_map(|b| {
                (0..b.num_rows()).map(move |r| {
                    b.columns().iter().map(|c| display_value(c.as_ref(), r)).collect::<Vec<_>>().join("|")
                })
            })
            .collect()
    }

    /// Runs `lines` over `data` pushed in chunks of `chunk` bytes, for the range `start..end`.
    fn cut(data: &[u8], chunk: usize, start: u64, end: u64, opts: TextOptions) -> Vec<String> {
        let mut lines = LineBatcher {
            opts: Arc::new(opts.clone()),
            file_schema: schema(),
            columns: Arc::new(vec![0, 1]),
            batch_size: 2,
            pending: Vec::new(),
            lines: Vec::new(),
            line_start: 0,
            pos: start.saturating_sub(1),
            end,
            seeking_first_line: start > 0,
            at_file_start: start == 0,
            header_left: if start == 0 { opts.skip_header_lines } else { 0 },
            after_cr: false,
            done: false,
            ready: VecDeque::new(),
        };
        for c in data[start.saturating_sub(1) as usize..].chunks(chunk) {
            if lines.done {
                break;
            }
            lines.push(c);
        }
        lines.finish();
        let batches: Vec<RecordBatch> = lines.ready.into_iter().map(|b| b.unwrap()).collect();
        assert!(batches.iter().all(|b| b.num_rows() <= 2));
        rows(&batches)
    }

    #[test]
    fn lines_end_at_lf_crlf_and_cr() {
        let data = b"1\x01a\r2\x01b\r\n3\x01c\n\n4\x01d";
        for chunk in [1, 2, 3, 100] {
            assert_eq!(
                cut(data, chunk, 0, u64::MAX, TextOptions::default()),
                ["1|a", "2|b", "3|c", "NULL|NULL", "4|d"],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn skips_header_and_bom() {
        let data = b"\xEF\xBB\xBFk\x01v\n1\x01a\n";
        let opts = TextOptions { skip_header_lines: 1, ..Default::default() };
        assert_eq!(cut(data, 4, 0, u64::MAX, opts), ["1|a"]);
        assert_eq!(cut(b"\xEF\xBB\xBF1\x01a\n", 2, 0, u64::MAX, TextOptions::default()), ["1|a"]);
    }

    #[test]
    fn custom_line_delimiter() {
        let opts = TextOptions { line_delim: b';', field_delim: b',', ..Default::default() };
        assert_eq!(cut(b"1,a\r;2,b\n;", 3, 0, u64::MAX, opts), ["1|a\r", "2|b\n"]);
    }

    #[test]
    fn byte_ranges_read_every_line_once() {
        let data: &[u8] = b"1\x01aa\r\n2\x01b\r3\x01ccc\n4\x01d\n\n5\x01eeee\r\n6\x01f";
        let whole = cut(data, 5, 0, u64::MAX, TextOptions::default());
        assert_eq!(whole.len(), 7);
        let len = data.len() as u64;
        for parts in 2..=len {
            let bounds: Vec<u64> = (0..=parts).map(|i| i * len / parts).collect();
            for chunk in [1, 3, 64] {
                let mut got = Vec::new();
                for w in bounds.windows(2) {
                    if w[0] < w[1] {
                        got.extend(cut(data, chunk, w[0], w[1], TextOptions::default()));
                    }
                }
                assert_eq!(got, whole, "{parts} parts, chunk {chunk}");
            }
        }
    }

    async fn scan(files: Vec<PartitionedFile>, opts: TextOptions, projection: Option<Vec<usize>>) -> Vec<String> {
        let table_schema = TableSchema::builder(schema())
            .with_table_partition_cols(vec![Arc::new(Field::new("ds", DataType::Utf8, true))])
            .build();
        let config =
            FileScanConfigBuilder::new(ObjectStoreUrl::local_filesystem(), text_file_source(opts, table_schema))
                .with_file_groups(vec![FileGroup::new(files)])
                .with_projection_indices(projection)
                .unwrap()
                .with_batch_size(Some(2))
                .build();
        let exec: Arc<dyn ExecutionPlan> = DataSourceExec::from_data_source(config);
        let ctx = SessionContext::new();
        rows(&collect(exec, ctx.task_ctx()).await.unwrap())
    }

    fn write(dir: &std::path::Path, name: &str, data: &[u8]) -> PartitionedFile {
        let path = dir.join(name);
        std::fs::File::create(&path).unwrap().write_all(data).unwrap();
        PartitionedFile::new(path.to_str().unwrap().trim_start_matches('/').to_string(), data.len() as u64)
    }

    #[tokio::test]
    async fn scans_files_with_partition_values_and_projection() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.txt", b"1\x01x\n2\x01y\n3\x01z\n")
            .with_partition_values(vec![ScalarValue::Utf8(Some("2020-01-01".into()))]);
        let b = write(dir.path(), "b.txt", b"k\x01v\n4\x01w")
            .with_partition_values(vec![ScalarValue::Utf8(Some("2020-01-02".into()))]);
        let opts = TextOptions::default();
        assert_eq!(
            scan(vec![a.clone(), b.clone()], opts.clone(), None).await,
            ["1|x|2020-01-01", "2|y|2020-01-01", "3|z|2020-01-01", "NULL|v|2020-01-02", "4|w|2020-01-02"]
        );
        let skip = TextOptions { skip_header_lines: 1, ..opts.clone() };
        assert_eq!(
            scan(vec![a.clone(), b.clone()], skip, Some(vec![2, 1])).await,
            ["2020-01-01|y", "2020-01-01|z", "2020-01-02|w"]
        );
        assert_eq!(scan(vec![a, b], opts, Some(vec![])).await.len(), 5);
    }

    #[tokio::test]
    async fn scans_byte_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let data = b"1\x01x\n2\x01y\n3\x01z\n4\x01w\n";
        let f = write(dir.path(), "r.txt", data);
        let path = f.object_meta.location.to_string();
        let n = data.len() as u64;
        let parts = vec![
            PartitionedFile::new_with_range(path.clone(), n, 0, 5),
            PartitionedFile::new_with_range(path.clone(), n, 5, 9),
            PartitionedFile::new_with_range(path, n, 9, n as i64),
        ];
        assert_eq!(scan(parts, TextOptions::default(), Some(vec![0])).await, ["1", "2", "3", "4"]);
    }
}
