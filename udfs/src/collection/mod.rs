//! Hive's collection functions (LanguageManual UDF).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every collection function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
