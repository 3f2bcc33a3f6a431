//! Hive's text forms of values: how the Hive CLI prints a cell of a query
//! result, how Java prints floating-point numbers, and how Hive prints
//! intervals.
//!
//! Every place that shows a value the way Hive does (the CLI and REST result
//! rows, `CAST(x AS STRING)` of complex values, the text table writer) goes
//! through this module, so the rules live once:
//!
//! - NULL prints as `NULL` at the top level and as `null` inside a complex value.
//! - Doubles and floats follow Java's `Double.toString` / `Float.toString`
//!   (`1.0`, `1.0E10`, `1.0E-5`, `NaN`, `Infinity`, `-0.0`).
//! - Decimals keep the scale of their type (`decimal(10,2)` 1.5 is `1.50`)
//!   at the top level, and drop trailing zeros inside complex values (`[1.5]`),
//!   as Hive 3 prints them.
//! - Dates are `yyyy-MM-dd`; timestamps `yyyy-MM-dd HH:mm:ss` with the
//!   fraction of a second only when it is not zero, trailing zeros trimmed
//!   (`2020-01-01 10:00:00.5`). A timestamp with a time zone prints its wall
//!   clock in that zone.
//! - Strings and binaries print raw at the top level.
//! - Complex values print in Hive's JSON-like form: `[1,2]`, `{"k":1}`,
//!   `{1:"a"}`, `{"a":1,"b":"x"}`. Inside them strings, dates and timestamps
//!   are double-quoted with JSON escapes; binaries stay raw and unquoted.

use std::fmt::Write as _;

use arrow::array::timezone::Tz;
use arrow::array::{Array, AsArray};
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal32Type, Decimal64Type, Decimal128Type, Decimal256Type, Float16Type,
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type,
    UInt64Type,
};
use arrow::downcast_dictionary_array;
use arrow::util::display::{ArrayFormatter, FormatOptions};

/// One cell as the Hive CLI prints it in query output: NULL -> "NULL".
pub fn display_value(array: &dyn Array, row: usize) -> String {
    let mut out = String::new();
    write_display_value(array, row, &mut out);
    out
}

/// Appends the same to `out` (hot path, avoids allocation).
pub fn write_display_value(array: &dyn Array, row: usize, out: &mut String) {
    write_value(array, row, false, out);
}

/// Double/float as Java's Double.toString / Float.toString (1.0, 1.0E10, 1.2345E-5, NaN, Infinity, -0.0).
pub fn format_f64(v: f64, out: &mut String) {
    format_java(v.is_nan(), v.is_sign_negative(), v.is_infinite(), v == 0.0, v.abs(), out)
}

/// Float as Java's `Float.toString` (shortest digits of the `f32`, so 1.1f is `1.1`).
pub fn format_f32(v: f32, out: &mut String) {
    format_java(v.is_nan(), v.is_sign_negative(), v.is_infinite(), v == 0.0, v.abs(), out)
}

/// Java's float text from the value's class and its magnitude `a`.
fn format_java(nan: bool, neg: bool, infinite: bool, zero: bool, a: impl std::fmt::LowerExp, out: &mut String) {
    if nan {
        out.push_str("NaN");
        return;
    }
    if neg {
        out.push('-');
    }
    if infinite {
        out.push_str("Infinity");
    } else if zero {
        out.push_str("0.0");
    } else {
        // `{:e}` prints the shortest digits that read back as the same value,
        // which is what Java (since JDK 19) chooses too, except that Java
        // wants two digits: a one-digit result becomes the closest two-digit
        // decimal (5e-324 is 4.9E-324, 1e10 stays 1.0E10).
        let mut buf = StackBuf::new();
        let _ = write!(buf, "{a:e}");
        if !buf.as_str().contains('.') {
            buf = StackBuf::new();
            let _ = write!(buf, "{a:.1e}");
        }
        java_layout(buf.as_str(), out);
    }
}

/// A year-month interval as Hive prints it: `Y-M` (14 months is `1-2`).
pub fn year_month_text(months: i32) -> String {
    let sign = if months < 0 { "-" } else { "" };
    let m = months.unsigned_abs();
    format!("{sign}{}-{}", m / 12, m % 12)
}

/// A day-time interval of `nanos` nanoseconds as Hive prints it: `D HH:mm:ss.nnnnnnnnn`.
pub fn day_time_text(nanos: i128) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let n = nanos.unsigned_abs();
    let secs = n / 1_000_000_000;
    let frac = n % 1_000_000_000;
    format!("{sign}{} {:02}:{:02}:{:02}.{:09}", secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60, frac)
}

/// Lays out Rust's scientific form (`1.2345e-5`, `1e10`) as Java does: plain
/// decimal with at least one fraction digit for 10^-3 <= v < 10^7, otherwise
/// `d.dddE<exp>`.
fn java_layout(sci: &str, out: &mut String) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (lead, rest) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let rest = rest.trim_end_matches('0');
    // All significant digits, the first one before the decimal point.
    let digits = lead.bytes().chain(rest.bytes());
    if (-3..7).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            let mut n = 0;
            for d in digits.clone().take(int_len) {
                out.push(d as char);
                n += 1;
            }
            for _ in n..int_len {
                out.push('0');
            }
            out.push('.');
            let mut frac = 0;
            for d in digits.skip(int_len) {
                out.push(d as char);
                frac += 1;
            }
            if frac == 0 {
                out.push('0');
            }
        } else {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            digits.for_each(|d| out.push(d as char));
        }
    } else {
        out.push_str(lead);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        out.push('E');
        let _ = write!(out, "{exp}");
    }
}

/// A small fixed buffer for `write!` without allocating.
struct StackBuf {
    buf: [u8; 96],
    len: usize,
}

impl StackBuf {
    fn new() -> Self {
        Self { buf: [0; 96], len: 0 }
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes one value; `nested` selects the form used inside complex values.
fn write_value(array: &dyn Array, row: usize, nested: bool, out: &mut String) {
    if matches!(array.data_type(), DataType::Null) || array.is_null(row) {
        out.push_str(if nested { "null" } else { "NULL" });
        return;
    }
    // Inside complex values Hive prints decimals without trailing zeros (`[1,2.5]`).
    if nested
        && matches!(
            array.data_type(),
            DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..) | DataType::Decimal256(..)
        )
    {
        let start = out.len();
        write_value(array, row, false, out);
        if out[start..].contains('.') {
            let kept = out.trim_end_matches('0').trim_end_matches('.').len();
            out.truncate(kept);
        }
        return;
    }
    match array.data_type() {
        DataType::Boolean => out.push_str(if array.as_boolean().value(row) { "true" } else { "false" }),
        DataType::Int8 => write_int(array.as_primitive::<Int8Type>().value(row), out),
        DataType::Int16 => write_int(array.as_primitive::<Int16Type>().value(row), out),
        DataType::Int32 => write_int(array.as_primitive::<Int32Type>().value(row), out),
        DataType::Int64 => write_int(array.as_primitive::<Int64Type>().value(row), out),
        DataType::UInt8 => write_int(array.as_primitive::<UInt8Type>().value(row), out),
        DataType::UInt16 => write_int(array.as_primitive::<UInt16Type>().value(row), out),
        DataType::UInt32 => write_int(array.as_primitive::<UInt32Type>().value(row), out),
        DataType::UInt64 => write_int(array.as_primitive::<UInt64Type>().value(row), out),
        DataType::Float16 => format_f32(array.as_primitive::<Float16Type>().value(row).to_f32(), out),
        DataType::Float32 => format_f32(array.as_primitive::<Float32Type>().value(row), out),
        DataType::Float64 => format_f64(array.as_primitive::<Float64Type>().value(row), out),
        DataType::Decimal32(_, s) => {
            let v = array.as_primitive::<Decimal32Type>().value(row);
            write_decimal_i128(v as i128, *s, out)
        }
        DataType::Decimal64(_, s) => {
            let v = array.as_primitive::<Decimal64Type>().value(row);
            write_decimal_i128(v as i128, *s, out)
        }
        DataType::Decimal128(_, s) => write_decimal_i128(array.as_primitive::<Decimal128Type>().value(row), *s, out),
        DataType::Decimal256(_, s) => {
            let text = array.as_primitive::<Decimal256Type>().value(row).to_string();
            let (neg, digits) = match text.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, text.as_str()),
            };
            write_decimal_digits(neg, digits, *s, out)
        }
        DataType::Utf8 => write_str(array.as_string::<i32>().value(row), nested, out),
        DataType::LargeUtf8 => write_str(array.as_string::<i64>().value(row), nested, out),
        DataType::Utf8View => write_str(array.as_string_view().value(row), nested, out),
        DataType::Binary => write_bytes(array.as_binary::<i32>().value(row), out),
        DataType::LargeBinary => write_bytes(array.as_binary::<i64>().value(row), out),
        DataType::BinaryView => write_bytes(array.as_binary_view().value(row), out),
        DataType::FixedSizeBinary(_) => write_bytes(array.as_fixed_size_binary().value(row), out),
        DataType::Date32 => {
            quoted(nested, out, |o| write_date(array.as_primitive::<Date32Type>().value(row) as i64, o))
        }
        DataType::Date64 => {
            let ms = array.as_primitive::<Date64Type>().value(row);
            quoted(nested, out, |o| write_date(ms.div_euclid(86_400_000), o))
        }
        DataType::Timestamp(unit, tz) => {
            let v = match unit {
                TimeUnit::Second => array.as_primitive::<TimestampSecondType>().value(row),
                TimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().value(row),
                TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().value(row),
                TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().value(row),
            };
            let (secs, nanos) = wall_clock(v, *unit, tz.as_deref());
            quoted(nested, out, |o| write_timestamp(secs, nanos, o))
        }
        DataType::List(_) => {
            let l = array.as_list::<i32>();
            let o = l.value_offsets();
            write_elements(l.values().as_ref(), o[row] as usize, o[row + 1] as usize, out)
        }
        DataType::LargeList(_) => {
            let l = array.as_list::<i64>();
            let o = l.value_offsets();
            write_elements(l.values().as_ref(), o[row] as usize, o[row + 1] as usize, out)
        }
        DataType::ListView(_) => {
            let l = array.as_list_view::<i32>();
            let start = l.value_offsets()[row] as usize;
            write_elements(l.values().as_ref(), start, start + l.value_sizes()[row] as usize, out)
        }
        DataType::LargeListView(_) => {
            let l = array.as_list_view::<i64>();
            let start = l.value_offsets()[row] as usize;
            write_elements(l.values().as_ref(), start, start + l.value_sizes()[row] as usize, out)
        }
        DataType::FixedSizeList(_, n) => {
            let l = array.as_fixed_size_list();
            let start = l.value_offset(row) as usize;
            write_elements(l.values().as_ref(), start, start + *n as usize, out)
        }
        DataType::Map(_, _) => {
            let m = array.as_map();
            let o = m.value_offsets();
            out.push('{');
            for i in o[row] as usize..o[row + 1] as usize {
                if i > o[row] as usize {
                    out.push(',');
                }
                write_value(m.keys().as_ref(), i, true, out);
                out.push(':');
                write_value(m.values().as_ref(), i, true, out);
            }
            out.push('}');
        }
        DataType::Struct(fields) => {
            let s = array.as_struct();
            out.push('{');
            for (i, (field, column)) in fields.iter().zip(s.columns()).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(field.name(), out);
                out.push(':');
                write_value(column.as_ref(), row, true, out);
            }
            out.push('}');
        }
        DataType::Dictionary(_, _) => downcast_dictionary_array!(
            array => match array.key(row) {
                Some(k) => write_value(array.values().as_ref(), k, nested, out),
                None => out.push_str(if nested { "null" } else { "NULL" }),
            },
            _ => write_fallback(array, row, out)
        ),
        _ => write_fallback(array, row, out),
    }
}

/// Types Hive has no form for (intervals, times, ...): Arrow's own display.
fn write_fallback(array: &dyn Array, row: usize, out: &mut String) {
    match ArrayFormatter::try_new(array, &FormatOptions::default()) {
        Ok(f) => {
            let _ = write!(out, "{}", f.value(row));
        }
        Err(_) => out.push_str("NULL"),
    }
}

fn write_int(v: impl std::fmt::Display, out: &mut String) {
    let _ = write!(out, "{v}");
}

fn write_elements(values: &dyn Array, start: usize, end: usize, out: &mut String) {
    out.push('[');
    for i in start..end {
        if i > start {
            out.push(',');
        }
        write_value(values, i, true, out);
    }
    out.push(']');
}

fn write_str(s: &str, nested: bool, out: &mut String) {
    if nested { write_json_string(s, out) } else { out.push_str(s) }
}

fn write_bytes(b: &[u8], out: &mut String) {
    out.push_str(&String::from_utf8_lossy(b));
}

/// Runs `f`, inside double quotes when `nested` (dates and timestamps are
/// quoted inside complex values).
fn quoted(nested: bool, out: &mut String, f: impl FnOnce(&mut String)) {
    if nested {
        out.push('"');
    }
    f(out);
    if nested {
        out.push('"');
    }
}

/// A string in double quotes with the escapes Hive's `SerDeUtils.escapeString` uses.
fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_decimal_i128(v: i128, scale: i8, out: &mut String) {
    let mut buf = StackBuf::new();
    let _ = write!(buf, "{}", v.unsigned_abs());
    write_decimal_digits(v < 0, buf.as_str(), scale, out);
}

/// A decimal from the digits of its unscaled value, padded to `scale` fraction digits.
fn write_decimal_digits(neg: bool, digits: &str, scale: i8, out: &mut String) {
    if neg {
        out.push('-');
    }
    if scale <= 0 {
        out.push_str(digits);
        if digits != "0" {
            (0..-(scale as i32)).for_each(|_| out.push('0'));
        }
        return;
    }
    let scale = scale as usize;
    if digits.len() > scale {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else {
        out.push_str("0.");
        (digits.len()..scale).for_each(|_| out.push('0'));
        out.push_str(digits);
    }
}

/// Seconds and nanoseconds of the wall clock of a timestamp: in its time
/// zone when it has one, else as stored.
fn wall_clock(v: i64, unit: TimeUnit, tz: Option<&str>) -> (i64, u32) {
    let (secs, nanos) = match unit {
        TimeUnit::Second => (v, 0),
        TimeUnit::Millisecond => (v.div_euclid(1_000), (v.rem_euclid(1_000) * 1_000_000) as u32),
        TimeUnit::Microsecond => (v.div_euclid(1_000_000), (v.rem_euclid(1_000_000) * 1_000) as u32),
        TimeUnit::Nanosecond => (v.div_euclid(1_000_000_000), v.rem_euclid(1_000_000_000) as u32),
    };
    let Some(tz) = tz.and_then(|t| t.parse::<Tz>().ok()) else {
        return (secs, nanos);
    };
    match arrow::array::temporal_conversions::as_datetime_with_timezone::<TimestampSecondType>(secs, tz) {
        Some(dt) => (dt.naive_local().and_utc().timestamp(), nanos),
        None => (secs, nanos),
    }
}

/// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

fn write_date(days: i64, out: &mut String) {
    let (y, m, d) = civil_from_days(days);
    if y < 0 {
        let _ = write!(out, "-{:04}-{m:02}-{d:02}", -y);
    } else {
        let _ = write!(out, "{y:04}-{m:02}-{d:02}");
    }
}

fn write_timestamp(secs: i64, nanos: u32, out: &mut String) {
    write_date(secs.div_euclid(86_400), out);
    let sod = secs.rem_euclid(86_400);
    let _ = write!(out, " {:02}:{:02}:{:02}", sod / 3600, sod / 60 % 60, sod % 60);
    if nanos != 0 {
        let mut buf = StackBuf::new();
        let _ = write!(buf, "{nanos:09}");
        out.push('.');
        out.push_str(buf.as_str().trim_end_matches('0'));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, DictionaryArray, Float32Array, Float64Array,
        Int32Array, Int32Builder, ListBuilder, MapBuilder, NullArray, StringArray, StringBuilder, StructArray,
        TimestampMillisecondArray, TimestampNanosecondArray,
    };
    use arrow::datatypes::{Field, Int8Type};

    use super::*;

    fn f64s(v: f64) -> String {
        let mut s = String::new();
        format_f64(v, &mut s);
        s
    }

    fn f32s(v: f32) -> String {
        let mut s = String::new();
        format_f32(v, &mut s);
        s
    }

    #[test]
    fn doubles_print_as_java() {
        let cases = [
            (1.0, "1.0"),
            (1e10, "1.0E10"),
            (1e-5, "1.0E-5"),
            (1.2345e-5, "1.2345E-5"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e7, "1.0E7"),
            (1234567.0, "1234567.0"),
            (9999999.0, "9999999.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1e21, "1.0E21"),
            (123456789012345678.0, "1.2345678901234568E17"),
            (4.9e-324, "4.9E-324"),
            (1e23, "1.0E23"),
            (2e-3, "0.002"),
            (0.5, "0.5"),
            (10.0, "10.0"),
            (f64::MAX, "1.7976931348623157E308"),
            (0.1 + 0.2, "0.30000000000000004"),
            (7.963267107332633e-4, "7.963267107332633E-4"),
            (3.7e-7, "3.7E-7"),
            (180.0, "180.0"),
            (-12.5, "-12.5"),
            (100.0, "100.0"),
            (1.100000023841858, "1.100000023841858"),
        ];
        for (v, want) in cases {
            assert_eq!(f64s(v), want, "{v:?}");
        }
    }

    #[test]
    fn floats_print_as_java() {
        assert_eq!(f32s(1.1), "1.1");
        assert_eq!(f32s(6.8899984), "6.8899984");
        assert_eq!(f32s(1e-3), "0.001");
        assert_eq!(f32s(12345678.0), "1.2345678E7");
        assert_eq!(f32s(100.0), "100.0");
        assert_eq!(f32s(-0.0), "-0.0");
        assert_eq!(f32s(f32::NAN), "NaN");
        assert_eq!(f32s(3.4028235e38), "3.4028235E38");
        assert_eq!(f32s(1e-45), "1.4E-45");
        assert_eq!(f32s(1e10), "1.0E10");
    }

    #[test]
    fn primitives_at_top_level() {
        assert_eq!(display_value(&Int32Array::from(vec![Some(-7), None]), 0), "-7");
        assert_eq!(display_value(&Int32Array::from(vec![Some(-7), None]), 1), "NULL");
        assert_eq!(display_value(&BooleanArray::from(vec![true, false]), 1), "false");
        assert_eq!(display_value(&StringArray::from(vec!["a\"b\tc"]), 0), "a\"b\tc");
        assert_eq!(display_value(&StringArray::from(vec![""]), 0), "");
        assert_eq!(display_value(&BinaryArray::from(vec![&b"ab"[..]]), 0), "ab");
        assert_eq!(display_value(&NullArray::new(1), 0), "NULL");
        assert_eq!(display_value(&Float32Array::from(vec![1.1f32]), 0), "1.1");
        assert_eq!(display_value(&Float64Array::from(vec![1e10]), 0), "1.0E10");
    }

    #[test]
    fn decimals_keep_their_scale() {
        let a =
            Decimal128Array::from(vec![150, -5, 0, 12300, 31415926535897930]).with_precision_and_scale(38, 2).unwrap();
        let got: Vec<String> = (0..a.len()).map(|i| display_value(&a, i)).collect();
        assert_eq!(got, ["1.50", "-0.05", "0.00", "123.00", "314159265358979.30"]);
        let a = Decimal128Array::from(vec![0, 7]).with_precision_and_scale(10, 0).unwrap();
        assert_eq!(display_value(&a, 0), "0");
        assert_eq!(display_value(&a, 1), "7");
        let a = Decimal128Array::from(vec![31415926535897930]).with_precision_and_scale(17, 16).unwrap();
        assert_eq!(display_value(&a, 0), "3.1415926535897930");
    }

    #[test]
    fn dates_and_timestamps() {
        let d = Date32Array::from(vec![18262, 0, -1, -719162]);
        let got: Vec<String> = (0..d.len()).map(|i| display_value(&d, i)).collect();
        assert_eq!(got, ["2020-01-01", "1970-01-01", "1969-12-31", "0001-01-01"]);
        let base = 1_577_872_800_000_000_000i64; // 2020-01-01 10:00:00
        let ts = TimestampNanosecondArray::from(vec![base, base + 500_000_000, base + 123_456_789, -1]);
        let got: Vec<String> = (0..ts.len()).map(|i| display_value(&ts, i)).collect();
        assert_eq!(
            got,
            [
                "2020-01-01 10:00:00",
                "2020-01-01 10:00:00.5",
                "2020-01-01 10:00:00.123456789",
                "1969-12-31 23:59:59.999999999"
            ]
        );
        let ts = TimestampMillisecondArray::from(vec![1_577_872_800_000]).with_timezone("+02:00");
        assert_eq!(display_value(&ts, 0), "2020-01-01 12:00:00");
    }

    #[test]
    fn named_time_zones_show_local_wall_clock() {
        let ts = TimestampMillisecondArray::from(vec![1_577_872_800_000]).with_timezone("America/Los_Angeles");
        assert_eq!(display_value(&ts, 0), "2020-01-01 02:00:00");
    }

    #[test]
    fn arrays_quote_strings_and_show_null() {
        let mut b = ListBuilder::new(StringBuilder::new());
        b.values().append_value("x\"y");
        b.values().append_null();
        b.values().append_value("tab\there\u{1}");
        b.append(true);
        b.append(true);
        b.append(false);
        let a = b.finish();
        assert_eq!(display_value(&a, 0), r#"["x\"y",null,"tab\there\u0001"]"#);
        assert_eq!(display_value(&a, 1), "[]");
        assert_eq!(display_value(&a, 2), "NULL");

        let mut b = ListBuilder::new(ListBuilder::new(Int32Builder::new()));
        b.values().values().append_value(1);
        b.values().values().append_value(2);
        b.values().append(true);
        b.values().append(true);
        b.append(true);
        assert_eq!(display_value(&b.finish(), 0), "[[1,2],[]]");
    }

    #[test]
    fn maps_and_structs() {
        let mut b = MapBuilder::new(None, Int32Builder::new(), StringBuilder::new());
        b.keys().append_value(1);
        b.values().append_value("a");
        b.keys().append_value(2);
        b.values().append_null();
        b.append(true).unwrap();
        assert_eq!(display_value(&b.finish(), 0), r#"{1:"a",2:null}"#);

        let mut b = MapBuilder::new(None, StringBuilder::new(), Int32Builder::new());
        b.keys().append_value("k");
        b.values().append_value(1);
        b.keys().append_value("k2");
        b.values().append_value(2);
        b.append(true).unwrap();
        assert_eq!(display_value(&b.finish(), 0), r#"{"k":1,"k2":2}"#);

        let s = StructArray::from(vec![
            (
                Arc::new(Field::new("a", DataType::Int32, true)),
                Arc::new(Int32Array::from(vec![Some(1), None])) as ArrayRef,
            ),
            (Arc::new(Field::new("b", DataType::Utf8, true)), Arc::new(StringArray::from(vec!["x", "y"])) as ArrayRef),
            (
                Arc::new(Field::new("d", DataType::Date32, true)),
                Arc::new(Date32Array::from(vec![18262, 18262])) as ArrayRef,
            ),
        ]);
        assert_eq!(display_value(&s, 0), r#"{"a":1,"b":"x","d":"2020-01-01"}"#);
        assert_eq!(display_value(&s, 1), r#"{"a":null,"b":"y","d":"2020-01-01"}"#);
    }

    #[test]
    fn nested_binary_is_raw_and_decimals_without_trailing_zeros() {
        let s = StructArray::from(vec![
            (
                Arc::new(Field::new("b", DataType::Binary, true)),
                Arc::new(BinaryArray::from(vec![&b"ab"[..]])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("c", DataType::Decimal128(5, 2), true)),
                Arc::new(Decimal128Array::from(vec![150]).with_precision_and_scale(5, 2).unwrap()) as ArrayRef,
            ),
            (Arc::new(Field::new("f", DataType::Float64, true)), Arc::new(Float64Array::from(vec![1e-5])) as ArrayRef),
        ]);
        assert_eq!(display_value(&s, 0), r#"{"b":ab,"c":1.5,"f":1.0E-5}"#);
    }

    #[test]
    fn dictionaries_unwrap() {
        let d: DictionaryArray<Int8Type> = vec![Some("a"), None, Some("b")].into_iter().collect();
        assert_eq!(display_value(&d, 0), "a");
        assert_eq!(display_value(&d, 1), "NULL");
        assert_eq!(display_value(&d, 2), "b");
    }

    #[test]
    fn intervals() {
        assert_eq!(day_time_text(1_522_715_430_000_000_000), "17624 00:30:30.000000000");
        assert_eq!(year_month_text(14), "1-2");
        assert_eq!(year_month_text(-14), "-1-2");
    }

    #[test]
    fn write_appends() {
        let mut s = String::from("x=");
        write_display_value(&Int32Array::from(vec![5]), 0, &mut s);
        assert_eq!(s, "x=5");
    }
}
