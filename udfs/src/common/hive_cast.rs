//! Hive's value conversions: what `CAST(x AS type)` returns in Hive, and
//! what Hive's implicit conversions give. Arrow's casts differ from Hive's in
//! many places, each a silent wrong answer:
//!
//! - strings to integers accept surrounding blanks and a fraction, which is
//!   dropped (`' 12.9 '` is 12); a value out of range is NULL;
//! - strings to DOUBLE follow Java's `Double.parseDouble` (`'1d'`, `'Infinity'`);
//! - DOUBLE to integers truncate as Java's casts do: toward zero, saturating
//!   at the INT/BIGINT limits (NaN is 0), and TINYINT/SMALLINT wrap the INT;
//!   narrowing integers wrap (`300` as TINYINT is 44);
//! - DECIMAL to integers truncate, NULL when out of range; to DECIMAL(p,s)
//!   rounds HALF_UP and is NULL when the value needs more than p digits;
//!   a DOUBLE becomes a decimal from its shortest text (1.005 stays 1.005);
//! - anything to BOOLEAN: numbers are true when not zero, strings are false
//!   only for `''`, `false`, `off`, `no`, `0` (any case);
//! - to STRING: booleans are `TRUE`/`FALSE`, doubles and floats print as Java
//!   prints them, timestamps as Hive prints them, complex values in Hive's
//!   JSON-like form, intervals as `Y-M` / `D HH:mm:ss.nnnnnnnnn`;
//! - strings to DATE/TIMESTAMP read `yyyy-M-d[ H:m:s[.f]]`, leniently (Feb 30
//!   is Mar 1); TIMESTAMP to numbers is seconds since the epoch; integers to
//!   TIMESTAMP are milliseconds, DOUBLE and DECIMAL seconds.
//!
//! [`needs_hive_cast`] says where Arrow's cast would differ; [`cast`] converts.
//! The strings are read by `enma_values` (its `cast_*` functions and
//! `number::parse_f64`), the one place that parses Hive's value texts.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array, PrimitiveArray,
    StringArray, TimestampNanosecondArray,
};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Decimal128Type, DurationMicrosecondType, DurationMillisecondType,
    DurationNanosecondType, DurationSecondType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    IntervalDayTimeType, IntervalMonthDayNanoType, IntervalUnit, IntervalYearMonthType, TimeUnit,
};
use datafusion::common::Result;
use enma_values::boolean::cast_boolean;
use enma_values::datetime::{cast_date, cast_timestamp};
use enma_values::decimal::{cast_decimal, rescale};
use enma_values::display::{day_time_text, year_month_text};
use enma_values::number::{cast_long, parse_f64};

use crate::hive_text;

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_int(t: &DataType) -> bool {
    matches!(t, DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64)
}

fn is_float(t: &DataType) -> bool {
    matches!(t, DataType::Float32 | DataType::Float64)
}

fn int_rank(t: &DataType) -> u8 {
    match t {
        DataType::Int8 => 1,
        DataType::Int16 => 2,
        DataType::Int32 => 3,
        DataType::Int64 => 4,
        _ => 0,
    }
}

/// True where Hive's conversion from `from` to `to` gives other values than
/// Arrow's safe cast, so [`cast`] must do it.
pub fn needs_hive_cast(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    if from == to || matches!(from, Null) {
        return false;
    }
    if is_string(to) {
        // Integers and strings print the same; everything else is Hive's.
        return !(is_int(from) || is_string(from));
    }
    match to {
        Int8 | Int16 | Int32 | Int64 => {
            is_string(from)
                || is_float(from)
                || (is_int(from) && int_rank(from) > int_rank(to))
                || matches!(from, Decimal128(..) | Timestamp(..))
        }
        Float32 | Float64 => is_string(from) || matches!(from, Timestamp(..)),
        Decimal128(..) => is_string(from) || is_float(from) || matches!(from, Decimal128(..) | Boolean | Timestamp(..)),
        Boolean => is_string(from) || matches!(from, Decimal128(..) | Timestamp(..) | Date32),
        Date32 => is_string(from) || matches!(from, Timestamp(..)),
        Timestamp(TimeUnit::Nanosecond, None) => {
            is_string(from) || is_int(from) || is_float(from) || matches!(from, Decimal128(..))
        }
        _ => false,
    }
}

/// Converts `array` to `to` as Hive's CAST does; values that do not convert are NULL.
pub fn cast(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    let from = array.data_type().clone();
    if !needs_hive_cast(&from, to) {
        return arrow_cast(array, to);
    }
    // Strings arrive as Utf8, LargeUtf8 or Utf8View: read them as Utf8.
    let array =
        if is_string(&from) && from != DataType::Utf8 { arrow_cast(array, &DataType::Utf8)? } else { array.clone() };
    let from = array.data_type().clone();
    let out: ArrayRef = match to {
        t if is_string(t) => {
            let strings = to_string(&array);
            return arrow_cast(&(Arc::new(strings) as ArrayRef), t);
        }
        DataType::Int8 => Arc::new(to_int::<Int8Type>(&array, i8::MIN as i64, i8::MAX as i64, |v| v as i8)),
        DataType::Int16 => Arc::new(to_int::<Int16Type>(&array, i16::MIN as i64, i16::MAX as i64, |v| v as i16)),
        DataType::Int32 => Arc::new(to_int::<Int32Type>(&array, i32::MIN as i64, i32::MAX as i64, |v| v as i32)),
        DataType::Int64 => Arc::new(to_int::<Int64Type>(&array, i64::MIN, i64::MAX, |v| v)),
        DataType::Float64 => Arc::new(to_double(&array)),
        DataType::Float32 => {
            let d = to_double(&array);
            let f: Float32Array = d.unary(|v| v as f32);
            Arc::new(f)
        }
        DataType::Decimal128(p, s) => Arc::new(to_decimal(&array, *p, *s)?),
        DataType::Boolean => Arc::new(to_boolean(&array)),
        DataType::Date32 => Arc::new(to_date(&array)),
        DataType::Timestamp(TimeUnit::Nanosecond, None) => Arc::new(to_timestamp(&array)),
        _ => return arrow_cast(&array, to),
    };
    debug_assert!(out.data_type() == to, "{from} -> {to}");
    Ok(out)
}

fn arrow_cast(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    Ok(cast_with_options(array, to, &CastOptions { safe: true, ..Default::default() })?)
}

fn to_string(array: &ArrayRef) -> StringArray {
    let n = array.len();
    match array.data_type() {
        DataType::Boolean => {
            let b = array.as_boolean();
            b.iter().map(|v| v.map(|v| if v { "TRUE" } else { "FALSE" })).collect()
        }
        DataType::Duration(_) | DataType::Interval(_) => {
            (0..n).map(|i| if array.is_null(i) { None } else { interval_text(array, i) }).collect()
        }
        _ => (0..n).map(|i| if array.is_null(i) { None } else { Some(hive_text::display_value(array, i)) }).collect(),
    }
}

/// Hive's text of an interval: year-month as `Y-M`, day-time as `D HH:mm:ss.nnnnnnnnn`.
fn interval_text(array: &ArrayRef, i: usize) -> Option<String> {
    let nanos: i128 = match array.data_type() {
        DataType::Duration(TimeUnit::Second) => {
            array.as_primitive::<DurationSecondType>().value(i) as i128 * 1_000_000_000
        }
        DataType::Duration(TimeUnit::Millisecond) => {
            array.as_primitive::<DurationMillisecondType>().value(i) as i128 * 1_000_000
        }
        DataType::Duration(TimeUnit::Microsecond) => {
            array.as_primitive::<DurationMicrosecondType>().value(i) as i128 * 1_000
        }
        DataType::Duration(TimeUnit::Nanosecond) => array.as_primitive::<DurationNanosecondType>().value(i) as i128,
        DataType::Interval(IntervalUnit::YearMonth) => {
            return Some(year_month_text(array.as_primitive::<IntervalYearMonthType>().value(i)));
        }
        DataType::Interval(IntervalUnit::DayTime) => {
            let v = array.as_primitive::<IntervalDayTimeType>().value(i);
            v.days as i128 * 86_400_000_000_000 + v.milliseconds as i128 * 1_000_000
        }
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            let v = array.as_primitive::<IntervalMonthDayNanoType>().value(i);
            if v.months != 0 && v.days == 0 && v.nanoseconds == 0 {
                return Some(year_month_text(v.months));
            }
            v.days as i128 * 86_400_000_000_000 + v.nanoseconds as i128
        }
        _ => return None,
    };
    Some(day_time_text(nanos))
}

/// Nanoseconds of a timestamp array value (any unit, wall clock).
fn timestamp_nanos(array: &ArrayRef) -> Option<TimestampNanosecondArray> {
    let a = arrow_cast(array, &DataType::Timestamp(TimeUnit::Nanosecond, None)).ok()?;
    Some(a.as_primitive::<arrow::datatypes::TimestampNanosecondType>().clone())
}

fn to_int<T: ArrowPrimitiveType>(
    array: &ArrayRef,
    min: i64,
    max: i64,
    wrap: impl Fn(i64) -> T::Native + Copy,
) -> PrimitiveArray<T> {
    let in_range = |v: i64| (min..=max).contains(&v).then(|| wrap(v));
    let narrow_double = |d: f64| -> T::Native {
        // Java: (long) d and (int) d saturate (NaN is 0); byte and short wrap the int.
        if max == i64::MAX { wrap(d as i64) } else { wrap((d as i32) as i64) }
    };
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().map(|s| s.and_then(cast_long).and_then(in_range)).collect(),
        DataType::Float64 => array.as_primitive::<Float64Type>().iter().map(|v| v.map(narrow_double)).collect(),
        DataType::Float32 => {
            array.as_primitive::<Float32Type>().iter().map(|v| v.map(|f| narrow_double(f as f64))).collect()
        }
        DataType::Int8 => array.as_primitive::<Int8Type>().iter().map(|v| v.map(|v| wrap(v as i64))).collect(),
        DataType::Int16 => array.as_primitive::<Int16Type>().iter().map(|v| v.map(|v| wrap(v as i64))).collect(),
        DataType::Int32 => array.as_primitive::<Int32Type>().iter().map(|v| v.map(|v| wrap(v as i64))).collect(),
        DataType::Int64 => array.as_primitive::<Int64Type>().iter().map(|v| v.map(&wrap)).collect(),
        DataType::Decimal128(_, s) => {
            let div = 10i128.pow(*s as u32);
            array
                .as_primitive::<Decimal128Type>()
                .iter()
                .map(|v| v.and_then(|v| i64::try_from(v / div).ok()).and_then(in_range))
                .collect()
        }
        DataType::Timestamp(..) => match timestamp_nanos(array) {
            Some(ts) => ts
                .iter()
                .map(|v| {
                    v.and_then(|v| {
                        let secs = v.div_euclid(1_000_000_000);
                        // An INT that cannot hold the seconds is NULL; TINYINT and SMALLINT wrap.
                        if max == i32::MAX as i64 { in_range(secs) } else { Some(wrap(secs)) }
                    })
                })
                .collect(),
            None => PrimitiveArray::new_null(array.len()),
        },
        _ => PrimitiveArray::new_null(array.len()),
    }
}

fn to_double(array: &ArrayRef) -> Float64Array {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().map(|s| s.and_then(|s| parse_f64(s.as_bytes()))).collect(),
        DataType::Timestamp(..) => match timestamp_nanos(array) {
            Some(ts) => ts
                .iter()
                .map(|v| v.map(|v| v.div_euclid(1_000_000_000) as f64 + v.rem_euclid(1_000_000_000) as f64 / 1e9))
                .collect(),
            None => Float64Array::new_null(array.len()),
        },
        _ => match arrow_cast(array, &DataType::Float64) {
            Ok(a) => a.as_primitive::<Float64Type>().clone(),
            Err(_) => Float64Array::new_null(array.len()),
        },
    }
}

fn to_decimal(array: &ArrayRef, p: u8, s: i8) -> Result<Decimal128Array> {
    let n = array.len();
    let out: Decimal128Array = match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().map(|v| v.and_then(|v| cast_decimal(v, p, s))).collect(),
        DataType::Float64 => array
            .as_primitive::<Float64Type>()
            .iter()
            .map(|v| v.filter(|v| v.is_finite()).and_then(|v| cast_decimal(&format!("{v:e}"), p, s)))
            .collect(),
        DataType::Float32 => array
            .as_primitive::<Float32Type>()
            .iter()
            .map(|v| v.filter(|v| v.is_finite()).and_then(|v| cast_decimal(&format!("{v:e}"), p, s)))
            .collect(),
        DataType::Boolean => array.as_boolean().iter().map(|v| v.and_then(|b| rescale(b as i128, 0, p, s))).collect(),
        DataType::Decimal128(_, from_s) => {
            array.as_primitive::<Decimal128Type>().iter().map(|v| v.and_then(|v| rescale(v, *from_s, p, s))).collect()
        }
        DataType::Timestamp(..) => match timestamp_nanos(array) {
            Some(ts) => ts.iter().map(|v| v.and_then(|v| rescale(v as i128, 9, p, s))).collect(),
            None => Decimal128Array::new_null(n),
        },
        _ => {
            let a = arrow_cast(array, &DataType::Decimal128(p, s))?;
            return Ok(a.as_primitive::<Decimal128Type>().clone());
        }
    };
    Ok(out.with_precision_and_scale(p, s)?)
}

fn to_boolean(array: &ArrayRef) -> BooleanArray {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().map(|s| s.map(cast_boolean)).collect(),
        DataType::Decimal128(..) => array.as_primitive::<Decimal128Type>().iter().map(|v| v.map(|v| v != 0)).collect(),
        DataType::Timestamp(..) => match timestamp_nanos(array) {
            Some(ts) => ts.iter().map(|v| v.map(|v| v != 0)).collect(),
            None => BooleanArray::new_null(array.len()),
        },
        _ => BooleanArray::new_null(array.len()),
    }
}

fn to_date(array: &ArrayRef) -> Date32Array {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().map(|s| s.and_then(cast_date)).collect(),
        DataType::Timestamp(..) => match timestamp_nanos(array) {
            Some(ts) => ts.iter().map(|v| v.map(|v| v.div_euclid(86_400_000_000_000) as i32)).collect(),
            None => Date32Array::new_null(array.len()),
        },
        _ => Date32Array::new_null(array.len()),
    }
}

fn to_timestamp(array: &ArrayRef) -> TimestampNanosecondArray {
    let from_seconds = |secs: f64| {
        let n = secs * 1e9;
        (n.is_finite() && n.abs() < 9.2e18).then(|| n.round() as i64)
    };
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().map(|s| s.and_then(cast_timestamp)).collect(),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            // Hive reads an integer as milliseconds since the epoch.
            match arrow_cast(array, &DataType::Int64) {
                Ok(a) => {
                    a.as_primitive::<Int64Type>().iter().map(|v| v.and_then(|ms| ms.checked_mul(1_000_000))).collect()
                }
                Err(_) => TimestampNanosecondArray::new_null(array.len()),
            }
        }
        DataType::Float32 | DataType::Float64 => to_double(array).iter().map(|v| v.and_then(from_seconds)).collect(),
        DataType::Decimal128(_, s) => array
            .as_primitive::<Decimal128Type>()
            .iter()
            .map(|v| v.and_then(|v| rescale(v, *s, 38, 9)).and_then(|n| i64::try_from(n).ok()))
            .collect(),
        _ => TimestampNanosecondArray::new_null(array.len()),
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Int32Array, Int64Array};

    use super::*;

    fn strings(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    fn texts(a: &ArrayRef) -> Vec<String> {
        (0..a.len()).map(|i| hive_text::display_value(a.as_ref(), i)).collect()
    }

    #[test]
    fn strings_to_integers() {
        let a = cast(&strings(&[Some("2147483648"), Some("-38"), Some("300"), None]), &DataType::Int32).unwrap();
        assert_eq!(texts(&a), ["NULL", "-38", "300", "NULL"]);
        let a = cast(&strings(&[Some("300"), Some("-38")]), &DataType::Int8).unwrap();
        assert_eq!(texts(&a), ["NULL", "-38"]);
    }

    #[test]
    fn numbers_narrow_as_java() {
        let d: ArrayRef = Arc::new(Float64Array::from(vec![f64::NAN, 1e10, -3.99, 300.7, -1e20]));
        assert_eq!(texts(&cast(&d, &DataType::Int32).unwrap()), ["0", "2147483647", "-3", "300", "-2147483648"]);
        assert_eq!(texts(&cast(&d, &DataType::Int8).unwrap()), ["0", "-1", "-3", "44", "0"]);
        assert_eq!(texts(&cast(&d, &DataType::Int64).unwrap())[4], "-9223372036854775808");
        let i: ArrayRef = Arc::new(Int64Array::from(vec![3_000_000_000, -1025, 300]));
        assert_eq!(texts(&cast(&i, &DataType::Int32).unwrap()), ["-1294967296", "-1025", "300"]);
        assert_eq!(texts(&cast(&i, &DataType::Int8).unwrap()), ["0", "-1", "44"]);
        let dec: ArrayRef = Arc::new(
            Decimal128Array::from(vec![-314, 30070, 1_000_000_000_000]).with_precision_and_scale(20, 2).unwrap(),
        );
        assert_eq!(texts(&cast(&dec, &DataType::Int8).unwrap()), ["-3", "NULL", "NULL"]);
        assert_eq!(texts(&cast(&dec, &DataType::Int64).unwrap()), ["-3", "300", "10000000000"]);
    }

    #[test]
    fn to_boolean_as_hive() {
        let a = cast(
            &strings(&[Some(""), Some("FaLsE"), Some("off"), Some("no"), Some("0"), Some("Foo"), Some(" 0"), None]),
            &DataType::Boolean,
        )
        .unwrap();
        assert_eq!(texts(&a), ["false", "false", "false", "false", "false", "true", "true", "NULL"]);
        let dec: ArrayRef =
            Arc::new(Decimal128Array::from(vec![Some(0), Some(-99), None]).with_precision_and_scale(10, 0).unwrap());
        assert_eq!(texts(&cast(&dec, &DataType::Boolean).unwrap()), ["false", "true", "NULL"]);
        let ts: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![0, 1]));
        assert_eq!(texts(&cast(&ts, &DataType::Boolean).unwrap()), ["false", "true"]);
    }

    #[test]
    #[expect(clippy::approx_constant, reason = "-3.14 is a value Hive prints, not pi")]
    fn to_string_as_hive() {
        let b: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), Some(false), None]));
        assert_eq!(texts(&cast(&b, &DataType::Utf8).unwrap()), ["TRUE", "FALSE", "NULL"]);
        let d: ArrayRef = Arc::new(Float64Array::from(vec![1e7, -3.14, 1.5]));
        assert_eq!(texts(&cast(&d, &DataType::Utf8).unwrap()), ["1.0E7", "-3.14", "1.5"]);
        let f: ArrayRef = Arc::new(Float32Array::from(vec![-3.14f32]));
        assert_eq!(texts(&cast(&f, &DataType::Utf8).unwrap()), ["-3.14"]);
        let dec: ArrayRef = Arc::new(Decimal128Array::from(vec![150]).with_precision_and_scale(5, 2).unwrap());
        assert_eq!(texts(&cast(&dec, &DataType::Utf8View).unwrap()), ["1.50"]);
        let ts: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![1_704_449_472_500_000_000]));
        assert_eq!(texts(&cast(&ts, &DataType::Utf8).unwrap()), ["2024-01-05 10:11:12.5"]);
    }

    #[test]
    #[expect(clippy::approx_constant, reason = "-3.14 is a value Hive rounds, not pi")]
    fn to_decimal_rounds_half_up() {
        let d: ArrayRef = Arc::new(Float64Array::from(vec![1.005, -3.14, 1e20]));
        assert_eq!(texts(&cast(&d, &DataType::Decimal128(10, 2)).unwrap()), ["1.01", "-3.14", "NULL"]);
        let dec: ArrayRef = Arc::new(Decimal128Array::from(vec![-314, 315]).with_precision_and_scale(5, 2).unwrap());
        assert_eq!(texts(&cast(&dec, &DataType::Decimal128(10, 1)).unwrap()), ["-3.1", "3.2"]);
        assert_eq!(texts(&cast(&dec, &DataType::Decimal128(10, 0)).unwrap()), ["-3", "3"]);
    }

    #[test]
    fn dates_and_timestamps() {
        let a = cast(
            &strings(&[Some("2024-01-05 10:11:12.123456789123"), Some("1969-12-31 23:59:59.5")]),
            &DataType::Timestamp(TimeUnit::Nanosecond, None),
        )
        .unwrap();
        assert_eq!(texts(&a), ["2024-01-05 10:11:12.123456789", "1969-12-31 23:59:59.5"]);
        assert_eq!(texts(&cast(&a, &DataType::Int64).unwrap()), ["1704449472", "-1"]);
        assert_eq!(texts(&cast(&a, &DataType::Date32).unwrap()), ["2024-01-05", "1969-12-31"]);
        let i: ArrayRef = Arc::new(Int32Array::from(vec![1]));
        assert_eq!(
            texts(&cast(&i, &DataType::Timestamp(TimeUnit::Nanosecond, None)).unwrap()),
            ["1970-01-01 00:00:00.001"]
        );
        let d: ArrayRef = Arc::new(Float64Array::from(vec![1.5]));
        assert_eq!(
            texts(&cast(&d, &DataType::Timestamp(TimeUnit::Nanosecond, None)).unwrap()),
            ["1970-01-01 00:00:01.5"]
        );
    }
}
