//! Hive's table-generating functions (UDTFs): each input row gives zero or
//! more output rows. The engine plans them for `LATERAL VIEW [OUTER]` and for
//! a generator alone in a select list (`SELECT explode(arr) AS x FROM t`).

use std::sync::Arc;

use arrow::array::{ArrayRef, UInt32Array};
use arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::Documentation;

/// One argument as the planner knows it: its type, and its value when it is a literal.
#[derive(Debug, Clone)]
pub struct GeneratorArg {
    pub data_type: DataType,
    pub literal: Option<ScalarValue>,
}

/// Rows generated from a batch of arguments.
#[derive(Debug, Clone)]
pub struct Generated {
    /// One array per output column, all of the same length.
    pub columns: Vec<ArrayRef>,
    /// For each output row, the input row it came from, in ascending order.
    pub rows: UInt32Array,
}

/// A table-generating function.
pub trait Generator: Send + Sync + std::fmt::Debug {
    /// The SQL name.
    fn name(&self) -> &str;

    /// Output columns for these arguments, named as Hive names them when the
    /// query gives no aliases (`col`, `pos`, `key`, `value`, `c0`, ...).
    fn output_fields(&self, args: &[GeneratorArg]) -> Result<Vec<Field>>;

    /// The rows generated from `num_rows` input rows of argument values.
    fn generate(&self, args: &[ArrayRef], num_rows: usize) -> Result<Generated>;

    /// Hive's usage text.
    fn documentation(&self) -> Option<&Documentation> {
        None
    }
}

/// Every table-generating function.
pub fn functions() -> Vec<Arc<dyn Generator>> {
    vec![]
}
