//! `dayofweek`: the day of the week of a date: 1 for Sunday to 7 for Saturday

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
        "dayofweek(date)",
        "the day of the week of a date: 1 for Sunday to 7 for Saturday",
        "> SELECT dayofweek('2009-07-30');\n5",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("dayofweek", &[1], DataType::Int32, &DOC, |a, tz| int_field(a, tz, parse_timestamp_arg, field))
        .into_udf()
}

/// the day of the week of a date: 1 for Sunday to 7 for Saturday
fn field(t: &NaiveDateTime) -> i32 {
    t.weekday().number_from_sunday() as i32
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
        assert_eq!(call("2009-07-30"), "5");
        assert_eq!(call("2015-01-11 10:00:00"), "1");
    }
}
