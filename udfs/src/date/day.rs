//! `day`: the day of the month of a date, timestamp or date string

use std::sync::LazyLock;

use arrow::datatypes::DataType;
use chrono::{Datelike, NaiveDateTime};
use datafusion::logical_expr::{Documentation, ScalarUDF};
use enma_values::datetime::parse_timestamp_arg;

use super::input::int_field;
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("day(date)", "the day of the month of a date, timestamp or date string", "> SELECT day('2009-07-30');\n30")
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("day", &[1], DataType::Int32, &DOC, |a, tz| int_field(a, tz, parse_timestamp_arg, field))
        .with_aliases(&["dayofmonth"])
        .into_udf()
}

/// the day of the month of a date, timestamp or date string
fn field(t: &NaiveDateTime) -> i32 {
    t.day() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    fn call(v: &str) -> String {
        run(|a, tz| int_field(a, tz, parse_timestamp_arg, field), &[s(v)], "UTC").remove(0)
    }

    #[test]
    fn reads_strings() {
        assert_eq!(call("2009-07-30"), "30");
        assert_eq!(call("2009-07-01 10:00:00"), "1");
    }
}
