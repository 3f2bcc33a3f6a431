//! Hive's conditional functions (LanguageManual UDF). DataFusion's `nvl`
//! and `coalesce` and its CASE give Hive's results.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub mod assert_true;
pub mod r#if;
pub mod isnotnull;
pub mod isnull;
pub mod nullif;

/// Every conditional function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![assert_true::udf(), isnotnull::udf(), isnull::udf(), r#if::udf(), nullif::udf()]
}
