//! `month`: the month (1 to 12) of a date, timestamp or date string

use std::sync::LazyLock;

use arrow::datatypes::DataType;
use chrono::{Datelike, NaiveDateTime};
use datafusion::logical_expr::{Documentation, ScalarUDF};
use enma_values::datetime::parse_timestamp_arg;

use super::input::int_field;
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "month(date)",
        "the month (1 to 12) of a date, timestamp or date string",
        "> SELECT month('2009-07-30');\n7",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("month", &[1], DataType::Int32, &DOC, |a, tz| int_field(a, tz, parse_timestamp_arg, field)).into_udf()
}

/// the month (1 to 12) of a date, timestamp or date string
fn field(t: &NaiveDateTime) -> i32 {
    t.month() as i32
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
        assert_eq!(call("2005-01-02"), "1");
        assert_eq!(call("1001-01-05"), "1");
        assert_eq!(call("2009-13-01"), "NULL");
    }
}
