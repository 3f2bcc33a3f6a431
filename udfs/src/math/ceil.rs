//! `ceil(x)` / `ceiling(x)`: the smallest integer not below x — a BIGINT for
//! a double, a `decimal(p - s + 1, 0)` for a `decimal(p, s)`; Spark's ceil
//! with strings read as doubles (see `floor.rs`).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use super::floor::StringsAsDouble;

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(StringsAsDouble::new(datafusion_spark::function::math::ceil())))
}
