//! Hive's collection functions (LanguageManual UDF) and the constructors
//! array(), map() and struct(). DataFusion's `named_struct`, `map_keys`,
//! `map_values` and `array_contains` give Hive's results.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub mod array;
pub mod map;
pub mod sort_array;
pub mod r#struct;

/// Every collection function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![array::udf(), map::udf(), sort_array::udf(), r#struct::udf()]
}
