//! `from_utc_timestamp(timestamp, tz)`: the wall-clock time in zone tz of timestamp, read as a UTC time.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, TimestampNanosecondArray};
use arrow::datatypes::{DataType, TimeUnit};
use chrono::TimeZone;
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::input::{datetimes, strings, zone_named};
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "from_utc_timestamp(timestamp, timezone)",
        "the wall-clock time in zone tz of timestamp, read as a UTC time (a zone name such as America/Los_Angeles, or a short name such as PST)",
        "> SELECT from_utc_timestamp('1970-01-01 08:00:00', 'PST');\n1970-01-01 00:00:00",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("from_utc_timestamp", &[2], DataType::Timestamp(TimeUnit::Nanosecond, None), &DOC, from_utc_timestamp)
        .into_udf()
}

fn from_utc_timestamp(args: &[ArrayRef], session: &Tz) -> Result<ColumnarValue> {
    let times = datetimes(&args[0], session)?;
    let zones = strings(&args[1])?;
    let result: TimestampNanosecondArray = times
        .iter()
        .zip(&zones)
        .map(|(t, z)| {
            let (t, tz) = (t.as_ref()?, zone(z.as_deref()?)?);
            tz.from_utc_datetime(t).naive_local().and_utc().timestamp_nanos_opt()
        })
        .collect();
    Ok(ColumnarValue::Array(Arc::new(result)))
}

/// A zone by IANA name, offset, or one of the short names Java knows.
pub fn zone(name: &str) -> Option<Tz> {
    zone_named(Some(name)).or_else(|| {
        let id = match name.to_ascii_uppercase().as_str() {
            "PST" | "PDT" => "America/Los_Angeles",
            "MST" => "America/Denver",
            "CST" => "America/Chicago",
            "EST" => "America/New_York",
            "GMT" => "UTC",
            "CET" => "Europe/Paris",
            "IST" => "Asia/Kolkata",
            "JST" => "Asia/Tokyo",
            "AET" => "Australia/Sydney",
            _ => return None,
        };
        id.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    #[test]
    fn zones() {
        assert_eq!(run(from_utc_timestamp, &[s("1970-01-01 08:00:00"), s("PST")], "UTC"), ["1970-01-01 00:00:00"]);
        assert_eq!(
            run(from_utc_timestamp, &[s("2015-07-01 10:00:00"), s("America/Los_Angeles")], "UTC"),
            ["2015-07-01 03:00:00"]
        );
        assert_eq!(run(from_utc_timestamp, &[s("2015-07-01 10:00:00"), s("Nowhere/City")], "UTC"), ["NULL"]);
    }
}
