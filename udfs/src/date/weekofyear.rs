//! `weekofyear`: the ISO week of the year of a date: weeks start on Monday and week 1 has at least four days of the new year

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
        "weekofyear(date)",
        "the ISO week of the year of a date: weeks start on Monday and week 1 has at least four days of the new year",
        "> SELECT weekofyear('2008-02-20');\n8",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("weekofyear", &[1], DataType::Int32, &DOC, |a, tz| int_field(a, tz, parse_timestamp_arg, field))
        .into_udf()
}

/// the ISO week of the year of a date: weeks start on Monday and week 1 has at least four days of the new year
fn field(t: &NaiveDateTime) -> i32 {
    t.iso_week().week() as i32
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
        assert_eq!(call("1980-01-01"), "1");
        assert_eq!(call("1980-12-28 23:59:59"), "52");
        assert_eq!(call("1980-12-29 23:59:59"), "1");
        assert_eq!(call("1984-1-1"), "52");
        assert_eq!(call("1008-01-01 10:13:14"), "53");
    }
}
