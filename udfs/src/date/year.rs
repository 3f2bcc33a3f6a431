//! `year`: the year of a date, timestamp or date string

use std::sync::LazyLock;

use arrow::datatypes::DataType;
use chrono::{Datelike, NaiveDateTime};
use datafusion::logical_expr::{Documentation, ScalarUDF};
use enma_values::datetime::parse_timestamp_arg;

use super::input::int_field;
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("year(date)", "the year of a date, timestamp or date string", "> SELECT year('2009-07-30');\n2009")
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("year", &[1], DataType::Int32, &DOC, |a, tz| int_field(a, tz, parse_timestamp_arg, field)).into_udf()
}

/// the year of a date, timestamp or date string
fn field(t: &NaiveDateTime) -> i32 {
    t.year()
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
        assert_eq!(call("2009-07-30 12:58:59"), "2009");
        assert_eq!(call("1001-01-05"), "1001");
        assert_eq!(call("bad"), "NULL");
    }
}
