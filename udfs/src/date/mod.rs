//! Hive's date functions (LanguageManual UDF).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every date function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
