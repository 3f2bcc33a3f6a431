//! Which reducer a record goes to. By default the shuffle hashes the whole
//! key (Hadoop's `HashPartitioner`). A job may instead name the part of the
//! key that decides: the first fields of a tab-separated key (Hadoop's
//! `KeyFieldBasedPartitioner`, `-k1,n`), or a Rust job's [`Partitioner`].
//! [`PartitionKeyExec`] adds that part as a `partition` column, which the
//! shuffle hashes instead, while the reducers' input is still sorted by the
//! whole key: Hadoop streaming's secondary sort.
//!
//! [`Partitioner`]: super::rust_job::Partitioner

use std::fmt;
use std::sync::Arc;

use arrow::array::{Array, AsArray, BinaryBuilder, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::pair_schema;
use crate::error::Error;

/// The part of the key that decides the reducer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Serialize, Deserialize)]
pub enum PartitionBy {
    /// The first `n` tab-separated fields of the key.
    KeyFields(usize),
    /// The partitioner of the Rust job registered under this name.
    Rust(String),
}

/// The length of the first `n` tab-separated fields of `text` (all of it when it has fewer).
pub(crate) fn fields_len(text: &[u8], n: usize) -> usize {
    text.iter().enumerate().filter(|(_, b)| **b == b'\t').nth(n.saturating_sub(1)).map_or(text.len(), |(i, _)| i)
}

/// The records with a `partition` column: the part of each key that decides its reducer.
#[derive(Debug)]
pub struct PartitionKeyExec {
    input: Arc<dyn ExecutionPlan>,
    by: PartitionBy,
    properties: Arc<PlanProperties>,
}

/// The records between a partitioning step and the reducers.
pub fn partitioned_schema() -> SchemaRef {
    let mut fields: Vec<Field> = pair_schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new("partition", DataType::Binary, false));
    Arc::new(Schema::new(fields))
}

impl PartitionKeyExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, by: PartitionBy) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(partitioned_schema()),
            input.properties().output_partitioning().clone(),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        PartitionKeyExec { input, by, properties }
    }

    pub fn by(&self) -> &PartitionBy {
        &self.by
    }
}

impl DisplayAs for PartitionKeyExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PartitionKeyExec: {:?}", self.by)
    }
}

impl ExecutionPlan for PartitionKeyExec {
    one_input_operator!("PartitionKeyExec", one_task_per_partition);

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        let [input] = <[_; 1]>::try_from(children)
            .map_err(|_| DataFusionError::Internal("PartitionKeyExec has one child".into()))?;
        Ok(Arc::new(PartitionKeyExec::new(input, self.by.clone())))
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context)?;
        let partitioner = match &self.by {
            PartitionBy::KeyFields(_) => None,
            PartitionBy::Rust(name) => {
                Some(super::rust_job::rust_job(name).and_then(|job| job.partitioner).ok_or_else(|| {
                    DataFusionError::External(Box::new(Error::not_found(format!(
                        "no Rust job '{name}' with a partitioner is registered here"
                    ))))
                })?)
            }
        };
        let by = self.by.clone();
        let records = input.map(move |batch| {
            let batch = batch?;
            let keys = batch.column(0).as_binary::<i32>();
            let mut parts = BinaryBuilder::with_capacity(keys.len(), keys.value_data().len());
            for i in 0..keys.len() {
                let key = keys.value(i);
                parts.append_value(match (&by, &partitioner) {
                    (_, Some(p)) => p.partition_key(key),
                    (PartitionBy::KeyFields(n), None) => &key[..fields_len(key, *n)],
                    (PartitionBy::Rust(_), None) => key,
                });
            }
            let mut columns = batch.columns().to_vec();
            columns.push(Arc::new(parts.finish()));
            Ok(RecordBatch::try_new(partitioned_schema(), columns)?)
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(partitioned_schema(), records)))
    }
}

#[cfg(test)]
mod tests {
    use super::fields_len;

    #[test]
    fn key_fields() {
        assert_eq!(fields_len(b"a\tb\tc", 1), 1);
        assert_eq!(fields_len(b"a\tb\tc", 2), 3);
        assert_eq!(fields_len(b"a\tb\tc", 3), 5);
        assert_eq!(fields_len(b"a\tb\tc", 9), 5);
        assert_eq!(fields_len(b"abc", 1), 3);
    }
}
