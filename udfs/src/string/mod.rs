//! Hive's string functions (LanguageManual UDF).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every string function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
