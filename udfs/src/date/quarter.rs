//! `quarter`: the quarter of the year (1 to 4) of a date, timestamp or date string

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
        "quarter(date)",
        "the quarter of the year (1 to 4) of a date, timestamp or date string",
        "> SELECT quarter('2015-04-08');\n2",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("quarter", &[1], DataType::Int32, &DOC, |a, tz| int_field(a, tz, parse_timestamp_arg, field))
        .into_udf()
}

/// the quarter of the year (1 to 4) of a date, timestamp or date string
fn field(t: &NaiveDateTime) -> i32 {
    t.month0() as i32 / 3 + 1
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
        assert_eq!(call("2014-03-31"), "1");
        assert_eq!(call("1966-04-01 00:00:00"), "2");
        assert_eq!(call("2016-12-29"), "4");
    }
}
