//! Hive's math functions (LanguageManual UDF).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every math function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
