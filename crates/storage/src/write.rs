//! Writing table files: one [`FileWriter`] per output file, in the table's
//! format. Files are written whole to their final name (object stores make a
//! put or a completed multipart upload visible at once); the engine decides
//! where they go so that readers see them only when a write commits.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::AsyncArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use object_store::ObjectStore;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use tokio::io::AsyncWriteExt;

use super::text::{TextOptions, encode_batch};
use crate::StorageFormat;
use crate::error::{Error, Result};

/// Writes one file of a table.
pub struct FileWriter {
    inner: Inner,
    rows: usize,
}

#[expect(
    clippy::large_enum_variant,
    reason = "one writer per open file, and most files are Parquet: boxing it buys nothing"
)]
enum Inner {
    Parquet(AsyncArrowWriter<BufWriter>),
    Text(BufWriter, TextOptions),
    Json(BufWriter),
}

impl FileWriter {
    /// Starts a file at `path`.
    pub fn create(
        store: Arc<dyn ObjectStore>,
        path: Path,
        format: StorageFormat,
        schema: SchemaRef,
        text: &TextOptions,
    ) -> Result<Self> {
        let inner = match format {
            StorageFormat::Parquet => {
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(
                        ZstdLevel::try_new(1).map_err(|e| Error::internal(e.to_string()))?,
                    ))
                    .build();
                let w = AsyncArrowWriter::try_new(BufWriter::new(store, path), schema, Some(props))
                    .map_err(|e| Error::execution(format!("parquet writer: {e}")))?;
                Inner::Parquet(w)
            }
            StorageFormat::TextFile => Inner::Text(BufWriter::new(store, path), text.clone()),
            StorageFormat::JsonFile => Inner::Json(BufWriter::new(store, path)),
            StorageFormat::Orc => {
                return Err(Error::plan("writing ORC tables is not supported; ORC is read-only here"));
            }
        };
        Ok(Self { inner, rows: 0 })
    }

    pub async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.rows += batch.num_rows();
        match &mut self.inner {
            Inner::Parquet(w) => w.write(batch).await.map_err(|e| Error::execution(format!("parquet write: {e}")))?,
            Inner::Text(w, opts) => {
                let mut buf = Vec::with_capacity(batch.num_rows() * 32);
                encode_batch(batch, opts, &mut buf)?;
                w.write_all(&buf).await?;
            }
            Inner::Json(w) => {
                let mut buf = Vec::with_capacity(batch.num_rows() * 64);
                {
                    let mut jw = arrow::json::LineDelimitedWriter::new(&mut buf);
                    jw.write(batch)?;
                    jw.finish()?;
                }
                w.write_all(&buf).await?;
            }
        }
        Ok(())
    }

    /// Completes the file; it becomes visible at its path now. Returns its row count.
    pub async fn finish(self) -> Result<usize> {
        match self.inner {
            Inner::Parquet(w) => {
                w.close().await.map_err(|e| Error::execution(format!("parquet close: {e}")))?;
            }
            Inner::Text(mut w, _) | Inner::Json(mut w) => w.shutdown().await?,
        }
        Ok(self.rows)
    }

    /// Drops a file that will not be committed (aborts a multipart upload).
    pub async fn abort(self) {
        match self.inner {
            Inner::Text(mut w, _) | Inner::Json(mut w) => {
                let _ = w.abort().await;
            }
            Inner::Parquet(_) => {}
        }
    }
}
