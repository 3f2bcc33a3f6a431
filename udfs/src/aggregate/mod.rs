//! Hive's aggregate functions (UDAFs) and window functions.

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, WindowUDF};

/// Every aggregate function.
pub fn functions() -> Vec<Arc<AggregateUDF>> {
    vec![]
}

/// Every window function.
pub fn window_functions() -> Vec<Arc<WindowUDF>> {
    vec![]
}
