//! Hive's misc functions (LanguageManual UDF).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;
use datafusion_spark::function::hash as spark;

/// Every misc function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![spark::sha1(), spark::sha2(), spark::crc32()]
}
