//! Hive's masking functions (LanguageManual UDF).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every masking function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
