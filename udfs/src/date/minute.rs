//! `minute`: the minute of a timestamp, timestamp string or time string HH:mm:ss

use std::sync::LazyLock;

use arrow::datatypes::DataType;
use chrono::{NaiveDateTime, Timelike};
use datafusion::logical_expr::{Documentation, ScalarUDF};
use enma_values::datetime::parse_timestamp_or_time_arg;

use super::input::int_field;
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "minute(date)",
        "the minute of a timestamp, timestamp string or time string HH:mm:ss",
        "> SELECT minute('2009-07-30 12:58:59');\n58",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("minute", &[1], DataType::Int32, &DOC, |a, tz| int_field(a, tz, parse_timestamp_or_time_arg, field))
        .into_udf()
}

/// the minute of a timestamp, timestamp string or time string HH:mm:ss
fn field(t: &NaiveDateTime) -> i32 {
    t.minute() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    fn call(v: &str) -> String {
        run(|a, tz| int_field(a, tz, parse_timestamp_or_time_arg, field), &[s(v)], "UTC").remove(0)
    }

    #[test]
    fn reads_strings() {
        assert_eq!(call("2009-08-07 13:14:15"), "14");
        assert_eq!(call("13:14:15"), "14");
        assert_eq!(call("2009-08-07"), "0");
    }
}
