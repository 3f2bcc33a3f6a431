//! Results as an Arrow IPC stream: the schema message, one record-batch
//! message per batch as it arrives, then the end-of-stream marker. Types are
//! sent as the engine produced them (no conversion), so any Arrow reader
//! (`pyarrow.ipc.open_stream`, arrow-rs `StreamReader`) gets exact values.

use std::time::Duration;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::ipc::writer::StreamWriter;

use super::Encoder;
use enma_common::error::{Error, Result};

/// Writes into an in-memory buffer that is handed out after each message.
#[derive(Default)]
pub struct ArrowStreamEncoder {
    writer: Option<StreamWriter<Vec<u8>>>,
}

impl ArrowStreamEncoder {
    fn writer(&mut self) -> Result<&mut StreamWriter<Vec<u8>>> {
        self.writer.as_mut().ok_or_else(|| Error::internal("Arrow stream written before its schema"))
    }

    fn take_written(&mut self) -> Result<Vec<u8>> {
        Ok(std::mem::take(self.writer()?.get_mut()))
    }
}

impl Encoder for ArrowStreamEncoder {
    fn begin(&mut self, schema: &SchemaRef) -> Result<Vec<u8>> {
        self.writer = Some(StreamWriter::try_new(Vec::new(), schema)?);
        self.take_written()
    }

    fn batch(&mut self, batch: &RecordBatch) -> Result<Vec<u8>> {
        self.writer()?.write(batch)?;
        self.take_written()
    }

    fn finish(&mut self, _row_count: u64, _elapsed: Duration) -> Result<Vec<u8>> {
        self.writer()?.finish()?;
        self.take_written()
    }
}
