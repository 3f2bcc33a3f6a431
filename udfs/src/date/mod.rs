//! Hive's date functions (LanguageManual UDF, "Date Functions").
//!
//! Each function is one file; [`udf::DateUdf`] is their shared DataFusion
//! plumbing and [`input`] reads arguments as Hive converts them (strings as
//! dates, the session zone). Java date patterns are `common::java_date`.
//! `current_date` is DataFusion's (it reads the session zone and is fixed for
//! a query).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub mod add_months;
pub mod current_timestamp;
pub mod date_add;
pub mod date_format;
pub mod date_sub;
pub mod datediff;
pub mod day;
pub mod dayofweek;
pub mod from_unixtime;
pub mod from_utc_timestamp;
pub mod hour;
pub mod input;
pub mod last_day;
pub mod minute;
pub mod month;
pub mod months_between;
pub mod next_day;
pub mod quarter;
pub mod second;
pub mod to_date;
pub mod to_unix_timestamp;
pub mod to_utc_timestamp;
pub mod trunc;
pub mod udf;
pub mod unix_timestamp;
pub mod weekofyear;
pub mod year;

/// Every date function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    [
        add_months::udf(),
        current_timestamp::udf(),
        date_add::udf(),
        date_format::udf(),
        date_sub::udf(),
        datediff::udf(),
        day::udf(),
        dayofweek::udf(),
        from_unixtime::udf(),
        from_utc_timestamp::udf(),
        hour::udf(),
        last_day::udf(),
        minute::udf(),
        month::udf(),
        months_between::udf(),
        next_day::udf(),
        quarter::udf(),
        second::udf(),
        to_date::udf(),
        to_unix_timestamp::udf(),
        to_utc_timestamp::udf(),
        trunc::udf(),
        unix_timestamp::udf(),
        weekofyear::udf(),
        year::udf(),
    ]
    .into_iter()
    .map(Arc::new)
    .collect()
}
