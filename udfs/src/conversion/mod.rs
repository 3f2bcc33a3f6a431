//! Hive's conversion functions (LanguageManual UDF).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every conversion function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
