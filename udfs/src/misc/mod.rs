//! Hive's misc functions (LanguageManual UDF).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every misc function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
