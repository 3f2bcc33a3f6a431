//! `isnotnull(x)`: whether x is not NULL; the struct of `isnull.rs`.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use super::isnull::IsNull;

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(IsNull::new(true)))
}
