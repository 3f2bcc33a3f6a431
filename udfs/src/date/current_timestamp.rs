//! `current_timestamp()`: the time the query started, as a wall-clock
//! timestamp in the session zone, to the millisecond as Hive keeps it. Every
//! call in a query gives the same value.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, TimestampNanosecondArray};
use arrow::datatypes::{DataType, TimeUnit};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "current_timestamp()",
        "the time at the start of the query in the session zone; the same for every call in a query",
        "> SELECT current_timestamp();\n2015-04-08 10:30:45.123",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("current_timestamp", &[0], DataType::Timestamp(TimeUnit::Nanosecond, None), &DOC, current_timestamp)
        .at_query_start(|now, tz| ScalarValue::TimestampNanosecond(local_millis(now, tz), None))
        .into_udf()
}

/// The wall clock of `now` in `tz`, in nanoseconds, cut to milliseconds.
fn local_millis(now: DateTime<Utc>, tz: &Tz) -> Option<i64> {
    let local = now.with_timezone(tz).naive_local().and_utc();
    Some(local.timestamp_millis() * 1_000_000)
}

fn current_timestamp(_args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    let now: TimestampNanosecondArray = [local_millis(Utc::now(), tz)].into_iter().collect();
    Ok(ColumnarValue::Array(Arc::new(now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_in_zone() {
        let now = DateTime::from_timestamp(1_237_573_801, 123_456_789).unwrap();
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let local = local_millis(now, &la).unwrap();
        assert_eq!(DateTime::from_timestamp_nanos(local).naive_utc().to_string(), "2009-03-20 11:30:01.123");
    }
}
