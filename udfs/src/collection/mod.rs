//! Hive's collection functions (LanguageManual UDF) and the constructors
//! array(), map() and struct(). DataFusion's `named_struct`, `map_keys`,
//! `map_values` and `array_contains`, and Spark's `size` (-1 for NULL),
//! give Hive's results.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub mod array;
pub mod map;
pub mod sort_array;
pub mod r#struct;

/// Every collection function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![datafusion_spark::function::collection::size(), array::udf(), map::udf(), sort_array::udf(), r#struct::udf()]
}
