//! Hive's conversion functions (LanguageManual UDF): `cast` and `binary`,
//! and `date` and `interval_year_month`.
//! The conversions themselves live in `common::hive_cast`, which other
//! functions use for Hive's implicit conversions too.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub mod binary;
pub mod cast;
pub mod date;
pub mod interval_year_month;

/// Every conversion function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        cast::udf(),
        Arc::new(ScalarUDF::new_from_impl(binary::Binary::default())),
        Arc::new(ScalarUDF::new_from_impl(date::Date::default())),
        Arc::new(ScalarUDF::new_from_impl(interval_year_month::IntervalYearMonth::default())),
    ]
}
