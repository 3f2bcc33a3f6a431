//! `to_utc_timestamp(timestamp, tz)`: the UTC time of timestamp, read as a wall-clock time in zone tz.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, TimestampNanosecondArray};
use arrow::datatypes::{DataType, TimeUnit};
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::from_utc_timestamp::zone;
use super::input::{datetimes, strings};
use super::udf::DateUdf;
use crate::common::java_date::from_local;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "to_utc_timestamp(timestamp, timezone)",
        "the UTC time of timestamp, read as a wall-clock time in zone tz (a zone name such as America/Los_Angeles, or a short name such as PST)",
        "> SELECT to_utc_timestamp('1970-01-01 00:00:00', 'PST');\n1970-01-01 08:00:00",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("to_utc_timestamp", &[2], DataType::Timestamp(TimeUnit::Nanosecond, None), &DOC, to_utc_timestamp)
        .into_udf()
}

fn to_utc_timestamp(args: &[ArrayRef], session: &Tz) -> Result<ColumnarValue> {
    let times = datetimes(&args[0], session)?;
    let zones = strings(&args[1])?;
    let result: TimestampNanosecondArray = times
        .iter()
        .zip(&zones)
        .map(|(t, z)| {
            let (t, tz) = (t.as_ref()?, zone(z.as_deref()?)?);
            from_local(&tz, t)?.naive_utc().and_utc().timestamp_nanos_opt()
        })
        .collect();
    Ok(ColumnarValue::Array(Arc::new(result)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    #[test]
    fn zones() {
        assert_eq!(run(to_utc_timestamp, &[s("1970-01-01 08:00:00"), s("PST")], "UTC"), ["1970-01-01 16:00:00"]);
        assert_eq!(
            run(to_utc_timestamp, &[s("2015-07-01 10:00:00"), s("America/Los_Angeles")], "UTC"),
            ["2015-07-01 17:00:00"]
        );
        assert_eq!(run(to_utc_timestamp, &[s("2015-07-01 10:00:00"), s("Nowhere/City")], "UTC"), ["NULL"]);
    }
}
