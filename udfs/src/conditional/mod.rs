//! Hive's conditional functions (LanguageManual UDF).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every conditional function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
