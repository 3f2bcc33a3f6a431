//! What the date functions share: reading their arguments as Hive does.
//!
//! Hive accepts a string wherever a date or timestamp is expected: a date
//! `yyyy-MM-dd` (month and day may have one digit, the year fewer than four),
//! optionally followed by ` HH:mm:ss[.fffffffff]` or `THH:mm:ss...`. A time
//! that is not complete (`10:30`) is ignored, and text that does not start
//! with a date is NULL (the strings are read by `enma_values::datetime`'s
//! `parse_*_arg`). `TIMESTAMP` values are wall-clock times (no zone); a
//! timestamp that carries a zone is shown in the session zone.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Date32Array, Int32Array, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs};
use enma_values::datetime::parse_timestamp_arg;

use crate::common::java_date::JavaDatePattern;

/// The session zone (`hive.local.time.zone`); UTC when unset or unknown.
pub fn session_zone(args: &ScalarFunctionArgs) -> Tz {
    zone_named(args.config_options.execution.time_zone.as_deref()).unwrap_or(chrono_tz::UTC)
}

/// A zone by IANA name, or a whole-hour offset such as `+05:00`.
pub fn zone_named(name: Option<&str>) -> Option<Tz> {
    let name = name?.trim();
    if let Ok(tz) = name.parse::<Tz>() {
        return Some(tz);
    }
    match name {
        "Z" | "+00:00" | "+00" | "utc" | "UTC" => return Some(chrono_tz::UTC),
        _ => {}
    }
    // chrono-tz has fixed zones Etc/GMT-h for UTC+h.
    let (sign, rest) = match name.as_bytes().first()? {
        b'+' => ("-", &name[1..]),
        b'-' => ("+", &name[1..]),
        _ => return None,
    };
    let hours = rest.strip_suffix(":00").unwrap_or(rest).trim_start_matches('0');
    let hours = if hours.is_empty() { "0" } else { hours };
    format!("Etc/GMT{sign}{hours}").parse().ok()
}

/// The argument as an array of `rows` rows.
pub fn to_array(value: &ColumnarValue, rows: usize) -> Result<ArrayRef> {
    value.to_array(rows)
}

/// Wall-clock date-times of a date, timestamp or string array, in zone `tz`
/// (for timestamps that carry a zone). Other types and bad strings are None.
pub fn datetimes(array: &ArrayRef, tz: &Tz) -> Result<Vec<Option<NaiveDateTime>>> {
    datetimes_with(array, tz, parse_timestamp_arg)
}

/// As [`datetimes`], with the parser used for strings.
pub fn datetimes_with(
    array: &ArrayRef,
    tz: &Tz,
    parse: fn(&str) -> Option<NaiveDateTime>,
) -> Result<Vec<Option<NaiveDateTime>>> {
    let midnight = |days: i32| NaiveDate::from_num_days_from_ce_opt(days + 719_163).map(|d| d.and_time(NaiveTime::MIN));
    let zoned = |utc: Option<DateTime<Utc>>, zone: &Option<Arc<str>>| -> Option<NaiveDateTime> {
        let utc = utc?;
        match zone {
            None => Some(utc.naive_utc()),
            Some(_) => Some(tz.from_utc_datetime(&utc.naive_utc()).naive_local()),
        }
    };
    Ok(match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(..) => {
            let strings = cast(array, &DataType::Utf8)?;
            strings.as_string::<i32>().iter().map(|s| s.and_then(parse)).collect()
        }
        DataType::Date32 => array.as_primitive::<Date32Type>().iter().map(|d| d.and_then(midnight)).collect(),
        DataType::Date64 => array
            .as_primitive::<Date64Type>()
            .iter()
            .map(|d| d.and_then(DateTime::from_timestamp_millis).map(|t| t.naive_utc()))
            .collect(),
        DataType::Timestamp(unit, zone) => {
            let zone = zone.clone();
            match unit {
                TimeUnit::Second => array
                    .as_primitive::<TimestampSecondType>()
                    .iter()
                    .map(|v| zoned(v.and_then(|v| DateTime::from_timestamp(v, 0)), &zone))
                    .collect(),
                TimeUnit::Millisecond => array
                    .as_primitive::<TimestampMillisecondType>()
                    .iter()
                    .map(|v| zoned(v.and_then(DateTime::from_timestamp_millis), &zone))
                    .collect(),
                TimeUnit::Microsecond => array
                    .as_primitive::<TimestampMicrosecondType>()
                    .iter()
                    .map(|v| zoned(v.and_then(DateTime::from_timestamp_micros), &zone))
                    .collect(),
                TimeUnit::Nanosecond => array
                    .as_primitive::<TimestampNanosecondType>()
                    .iter()
                    .map(|v| zoned(v.map(DateTime::from_timestamp_nanos), &zone))
                    .collect(),
            }
        }
        _ => vec![None; array.len()],
    })
}

/// Dates of a date, timestamp or string array (the time is dropped).
pub fn dates(array: &ArrayRef, tz: &Tz) -> Result<Vec<Option<NaiveDate>>> {
    Ok(datetimes(array, tz)?.into_iter().map(|t| t.map(|t| t.date())).collect())
}

/// Strings of a string-like argument (others are cast to text); NULL stays None.
pub fn strings(array: &ArrayRef) -> Result<Vec<Option<String>>> {
    let strings = cast(array, &DataType::Utf8)?;
    Ok(strings.as_string::<i32>().iter().map(|s| s.map(str::to_string)).collect())
}

/// Whole numbers of a numeric or string argument (decimals and doubles are
/// cut toward zero, as Hive's conversion to INT does); bad values are None.
pub fn integers(array: &ArrayRef) -> Result<Vec<Option<i64>>> {
    let array = match array.data_type() {
        DataType::Float16
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => {
            let f = cast(array, &DataType::Float64)?;
            let f = f.as_primitive::<arrow::datatypes::Float64Type>();
            return Ok(f.iter().map(|v| v.filter(|v| v.is_finite()).map(|v| v.trunc() as i64)).collect());
        }
        _ => cast(array, &DataType::Int64)?,
    };
    Ok(array.as_primitive::<arrow::datatypes::Int64Type>().iter().collect())
}

/// Days since 1970-01-01.
pub fn epoch_days(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - 719_163
}

/// A DATE result.
pub fn date_result(values: impl IntoIterator<Item = Option<NaiveDate>>) -> ColumnarValue {
    let array: Date32Array = values.into_iter().map(|d| d.map(epoch_days)).collect();
    ColumnarValue::Array(Arc::new(array))
}

/// A STRING result.
pub fn string_result(values: impl IntoIterator<Item = Option<String>>) -> ColumnarValue {
    let array: StringArray = values.into_iter().collect();
    ColumnarValue::Array(Arc::new(array))
}

/// A BIGINT result.
pub fn bigint_result(values: impl IntoIterator<Item = Option<i64>>) -> ColumnarValue {
    let array: Int64Array = values.into_iter().collect();
    ColumnarValue::Array(Arc::new(array))
}

/// Returns a one-row result as a scalar when every argument was a scalar.
pub fn shape(result: ColumnarValue, args: &ScalarFunctionArgs) -> Result<ColumnarValue> {
    let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    match result {
        ColumnarValue::Array(a) if all_scalar && a.len() == 1 => {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&a, 0)?))
        }
        other => Ok(other),
    }
}

/// The arguments as arrays of the batch's row count.
pub fn arrays(args: &ScalarFunctionArgs) -> Result<Vec<ArrayRef>> {
    let rows = if args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) { 1 } else { args.number_rows };
    args.args.iter().map(|a| to_array(a, rows)).collect()
}

/// An INT field of the first argument's date-time, read by `get`; strings are
/// read by `parse`.
pub fn int_field(
    arrays: &[ArrayRef],
    tz: &Tz,
    parse: fn(&str) -> Option<NaiveDateTime>,
    get: fn(&NaiveDateTime) -> i32,
) -> Result<ColumnarValue> {
    let values = datetimes_with(&arrays[0], tz, parse)?;
    let array: Int32Array = values.iter().map(|t| t.as_ref().map(get)).collect();
    Ok(ColumnarValue::Array(Arc::new(array)))
}

/// Patterns met along a column, parsed once each (most columns hold one).
#[derive(Default)]
pub struct PatternCache {
    last: Option<(String, Option<JavaDatePattern>)>,
}

impl PatternCache {
    /// The parsed pattern; None when it is not a valid pattern.
    pub fn get(&mut self, pattern: &str) -> Option<&JavaDatePattern> {
        if self.last.as_ref().is_none_or(|(p, _)| p != pattern) {
            self.last = Some((pattern.to_string(), JavaDatePattern::parse(pattern).ok()));
        }
        self.last.as_ref().and_then(|(_, p)| p.as_ref())
    }
}

/// The date formatted as Hive prints a date.
pub fn date_string(d: NaiveDate) -> String {
    let y = d.year();
    if (0..=9999).contains(&y) {
        format!("{:04}-{:02}-{:02}", y, d.month(), d.day())
    } else {
        d.format("%Y-%m-%d").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_kinds_and_types() {
        use arrow::array::{Date32Array, LargeStringArray, StringViewArray, TimestampNanosecondArray};
        let utc = chrono_tz::UTC;
        let expect =
            |a: ArrayRef| datetimes(&a, &utc).unwrap().iter().map(|t| t.map(|t| t.to_string())).collect::<Vec<_>>();
        let want = vec![Some("2015-04-08 10:30:45".to_string()), None, None];
        let rows = [Some("2015-04-08 10:30:45"), Some("x"), None];
        assert_eq!(expect(Arc::new(StringViewArray::from(rows.to_vec()))), want);
        assert_eq!(expect(Arc::new(LargeStringArray::from(rows.to_vec()))), want);
        assert_eq!(
            expect(Arc::new(Date32Array::from(vec![Some(16533), None]))),
            vec![Some("2015-04-08 00:00:00".to_string()), None]
        );
        let ts = TimestampNanosecondArray::from(vec![1_428_489_045_000_000_000]);
        assert_eq!(expect(Arc::new(ts.clone())), vec![Some("2015-04-08 10:30:45".to_string())]);
        // A timestamp with a zone shows in the session zone.
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let zoned: ArrayRef = Arc::new(ts.with_timezone("+00:00"));
        assert_eq!(datetimes(&zoned, &la).unwrap()[0].unwrap().to_string(), "2015-04-08 03:30:45");
    }

    #[test]
    fn zones() {
        assert_eq!(zone_named(None), None);
        assert_eq!(zone_named(Some("America/Los_Angeles")), Some(chrono_tz::America::Los_Angeles));
        assert_eq!(zone_named(Some("+00:00")), Some(chrono_tz::UTC));
        assert_eq!(zone_named(Some("+05:00")), Some(chrono_tz::Etc::GMTMinus5));
    }
}
