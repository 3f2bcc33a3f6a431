//! What a statement returns: a schema and a stream of batches.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::memory::MemoryStream;

/// The result of a statement: a schema and a stream of batches.
pub struct QueryOutput {
    pub schema: SchemaRef,
    pub stream: SendableRecordBatchStream,
}

impl std::fmt::Debug for QueryOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryOutput").field("schema", &self.schema).finish()
    }
}

/// A small result of string columns, for SHOW, DESCRIBE and the like.
#[expect(clippy::expect_used, reason = "the arrays are built from the schema: one Utf8 array per column")]
pub fn rows_output(columns: &[&str], rows: Vec<Vec<Option<String>>>) -> QueryOutput {
    let schema =
        Arc::new(Schema::new(columns.iter().map(|c| Field::new(*c, DataType::Utf8, true)).collect::<Vec<_>>()));
    let batches = if columns.is_empty() {
        vec![]
    } else {
        let arrays: Vec<ArrayRef> = (0..columns.len())
            .map(|i| Arc::new(rows.iter().map(|r| r.get(i).cloned().flatten()).collect::<StringArray>()) as ArrayRef)
            .collect();
        vec![RecordBatch::try_new(schema.clone(), arrays).expect("string columns match their schema")]
    };
    let stream = MemoryStream::try_new(batches, schema.clone(), None).expect("memory stream");
    QueryOutput { schema, stream: Box::pin(stream) }
}
