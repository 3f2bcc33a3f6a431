//! Hive's conversion functions (LanguageManual UDF): `cast` and `binary`.
//! The conversions themselves live in `common::hive_cast`, which other
//! functions use for Hive's implicit conversions too.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub mod binary;
pub mod cast;

/// Every conversion function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![cast::udf(), Arc::new(ScalarUDF::new_from_impl(binary::Binary::default()))]
}
