//! Hive's numbers as text: integers as `LazyInteger`/`LazyLong` read them,
//! and floating-point numbers in Java's `Double.parseDouble` syntax (decimal
//! and hexadecimal forms, `NaN`, `Infinity`, a `d`/`f` suffix).
//!
//! Text tables and `CAST(string AS ...)` share these: a field and a cast read
//! a double the same way; an integer cast also allows blanks around the value
//! ([`cast_long`]), a field does not ([`parse_int`]).

use crate::{java_trim, java_trim_str};

/// Hive's quick test that bytes might be a number (`LazyUtils.isNumberMaybe`),
/// made before parsing a field or a cast: empty, one non-digit, two
/// non-digits, or four bytes starting with `N`/`n` (`NULL`) are not.
pub fn is_number_maybe(b: &[u8]) -> bool {
    match b.len() {
        0 => false,
        1 => b[0].is_ascii_digit(),
        2 => b[0].is_ascii_digit() || b[1].is_ascii_digit(),
        4 if b[0] == b'N' || b[0] == b'n' => false,
        _ => true,
    }
}

/// Hive's integer text (`LazyInteger`/`LazyLong`): an optional sign, digits,
/// and an optional fraction that is checked and dropped (`1.9` is 1, `.5` is
/// 0). No blanks. None when it is not a number or beyond `u64::MAX` in
/// magnitude; the caller checks the range of its type.
pub fn parse_int(b: &[u8]) -> Option<i128> {
    if !is_number_maybe(b) {
        return None;
    }
    java_long(b)
}

/// `LazyLong.parseLong` without its length test: a sign alone is not a
/// number, `.` is 0.
fn java_long(b: &[u8]) -> Option<i128> {
    let (neg, body) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if body.is_empty() {
        return None;
    }
    let (int, frac) = match body.iter().position(|&c| c == b'.') {
        Some(p) => (&body[..p], &body[p + 1..]),
        None => (body, &body[body.len()..]),
    };
    if !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i128 = 0;
    for &c in int {
        v = v * 10 + (c - b'0') as i128;
        if v > u64::MAX as i128 {
            return None;
        }
    }
    Some(if neg { -v } else { v })
}

/// `CAST(string AS BIGINT)`: [`parse_int`] after Java's trim (the blanks
/// count for the [`is_number_maybe`] test); None outside the BIGINT range.
pub fn cast_long(s: &str) -> Option<i64> {
    if !is_number_maybe(s.as_bytes()) {
        return None;
    }
    java_long(java_trim_str(s).as_bytes()).and_then(|v| i64::try_from(v).ok())
}

/// A number in Java's `Double.parseDouble` syntax, sorted out before the
/// actual conversion (which differs for float and double).
enum JavaNumber<'a> {
    NaN,
    Infinity {
        neg: bool,
    },
    /// Decimal text, sign included, suffix removed: Rust parses the same syntax.
    Decimal(&'a str),
    Hex {
        neg: bool,
        mantissa: u128,
        exp2: i64,
    },
}

fn java_number(b: &[u8]) -> Option<JavaNumber<'_>> {
    if !is_number_maybe(b) {
        return None;
    }
    let s = std::str::from_utf8(java_trim(b)).ok()?;
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    match body {
        "NaN" => return Some(JavaNumber::NaN),
        "Infinity" => return Some(JavaNumber::Infinity { neg }),
        _ => {}
    }
    let sign_len = s.len() - body.len();
    let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return parse_hex_float(hex).map(|(mantissa, exp2)| JavaNumber::Hex { neg, mantissa, exp2 });
    }
    // digits [. digits] [e [sign] digits], at least one mantissa digit.
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    Some(JavaNumber::Decimal(&s[..sign_len + body.len()]))
}

/// Java's hexadecimal float body after `0x`: hex digits, optional fraction,
/// and a required binary exponent `p`. Returns a mantissa and its power of
/// two; digits beyond 120 bits only set a sticky bit, so the value rounds
/// once, as Java rounds it.
fn parse_hex_float(hex: &str) -> Option<(u128, i64)> {
    let (m, e) = hex.split_once(['p', 'P'])?;
    let exp: i64 = {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        e.parse::<i64>().unwrap_or(if e.starts_with('-') { -100_000 } else { 100_000 }).clamp(-100_000, 100_000)
    };
    let (int, frac) = m.split_once('.').unwrap_or((m, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut mantissa: u128 = 0;
    let mut exp2 = exp;
    let mut sticky = false;
    for (k, c) in int.chars().chain(frac.chars()).enumerate() {
        let d = c.to_digit(16)? as u128;
        if mantissa >> 120 == 0 {
            mantissa = mantissa * 16 + d;
            if k >= int.len() {
                exp2 -= 4;
            }
        } else {
            sticky |= d != 0;
            if k < int.len() {
                exp2 += 4;
            }
        }
    }
    Some((mantissa | sticky as u128, exp2))
}

/// `mantissa * 2^exp2`. Scaling by a power of two is exact while the value
/// stays normal, so it goes in steps of at most 2^1000 (each a normal
/// number, unlike `2f64.powi(-1074)`, which is 0) and the last step rounds.
fn hex_value(neg: bool, mantissa: u128, exp2: i64) -> f64 {
    let mut v = mantissa as f64;
    let mut e = exp2;
    while e > 1000 && v.is_finite() {
        v *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 && v != 0.0 {
        v *= 2f64.powi(-1000);
        e += 1000;
    }
    v *= 2f64.powi(e.clamp(-1000, 1000) as i32);
    if neg { -v } else { v }
}

/// A DOUBLE field, and `CAST(string AS DOUBLE)`: the [`is_number_maybe`]
/// test, then Java's `Double.parseDouble` (blanks around the number allowed);
/// None where Java throws.
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    match java_number(b)? {
        JavaNumber::NaN => Some(f64::NAN),
        JavaNumber::Infinity { neg } => Some(if neg { f64::NEG_INFINITY } else { f64::INFINITY }),
        JavaNumber::Decimal(s) => s.parse().ok(),
        JavaNumber::Hex { neg, mantissa, exp2 } => Some(hex_value(neg, mantissa, exp2)),
    }
}

/// A FLOAT field, and `CAST(string AS FLOAT)`: as [`parse_f64`] with Java's
/// `Float.parseFloat`.
pub fn parse_f32(b: &[u8]) -> Option<f32> {
    match java_number(b)? {
        JavaNumber::NaN => Some(f32::NAN),
        JavaNumber::Infinity { neg } => Some(if neg { f32::NEG_INFINITY } else { f32::INFINITY }),
        JavaNumber::Decimal(s) => s.parse().ok(),
        JavaNumber::Hex { neg, mantissa, exp2 } => Some(hex_value(neg, mantissa, exp2) as f32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_as_hive_reads_them() {
        let cases: &[(&str, Option<i128>)] = &[
            ("1", Some(1)),
            ("+2", Some(2)),
            ("-3", Some(-3)),
            ("1.5", Some(1)),
            ("1.", Some(1)),
            ("-.5", Some(0)),
            (".5", Some(0)),
            (".", None),
            ("-", None),
            ("+", None),
            ("1.x", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("0x10", None),
            ("1.5.5", None),
            ("5d", None),
            ("00012", Some(12)),
            ("18446744073709551615", Some(u64::MAX as i128)),
            ("18446744073709551616", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_int(text.as_bytes()), *want, "{text:?}");
        }
    }

    #[test]
    fn strings_to_integers() {
        // Hive 2.3.10 prints NULL for CAST(' 12 ' AS INT); later Hive trims
        // (`LazyLong.parseLong(..., trim = true)` in UDFToLong), as here.
        assert_eq!(cast_long(" 12 "), Some(12));
        // Hive 2.3.10: CAST('12.9' AS INT) 12, '-12.9' -12, '1.' 1, '.5' 0,
        // '+5' 5, and NULL for '1e3', '12.5x', '-', '+', '.', '-.', '0x10', '1.5.5'.
        assert_eq!(cast_long("12.9"), Some(12));
        assert_eq!(cast_long("-12.9"), Some(-12));
        assert_eq!(cast_long("12."), Some(12));
        assert_eq!(cast_long(".5"), Some(0));
        assert_eq!(cast_long("+5"), Some(5));
        for bad in ["1e3", "12.5x", "-", "+", ".", "-.", "0x10", "1.5.5", ""] {
            assert_eq!(cast_long(bad), None, "{bad:?}");
        }
        // Java's LazyLong reads "." as 0 once trimmed (the length test saw three bytes).
        assert_eq!(cast_long(" . "), Some(0));
        assert_eq!(cast_long("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(cast_long("9223372036854775807"), Some(i64::MAX));
        assert_eq!(cast_long("9223372036854775808"), None);
    }

    #[test]
    fn doubles_follow_java() {
        let cases: &[(&str, Option<f64>)] = &[
            ("1e10", Some(1e10)),
            ("1E+3", Some(1000.0)),
            ("0x1p3", Some(8.0)),
            ("0x1.8p1", Some(3.0)),
            ("0X1P3", Some(8.0)),
            (" ", None),
            ("+1.5", Some(1.5)),
            ("-.5", Some(-0.5)),
            ("1_0", None),
            ("nan", None),
            ("+Infinity", Some(f64::INFINITY)),
            ("-Infinity", Some(f64::NEG_INFINITY)),
            ("Infinityx", None),
            ("Infinityd", None),
            ("1e400", Some(f64::INFINITY)),
            ("1.5d", Some(1.5)),
            ("5F", Some(5.0)),
            ("1e1d", Some(10.0)),
            (" 1.5 ", Some(1.5)),
            ("1.", Some(1.0)),
            (".", None),
            ("1e", None),
            ("0x10", None),
            ("inf", None),
            ("1d", Some(1.0)),
            ("", None),
            ("1,5", None),
            (".5", Some(0.5)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_f64(text.as_bytes()), *want, "{text:?}");
        }
        assert!(parse_f64(b"NaN").unwrap().is_nan());
        assert!(parse_f64(b"-NaN").unwrap().is_nan());
        assert_eq!(parse_f32(b"3.4028236e38"), Some(f32::INFINITY));
        assert_eq!(parse_f32(b"1.1"), Some(1.1f32));
        assert_eq!(parse_f64(b"-0").map(f64::is_sign_negative), Some(true));
    }

    #[test]
    fn hex_doubles_round_once_as_java() {
        // What Hive 2.3.10 prints for CAST('<text>' AS DOUBLE).
        let cases: &[(&str, f64)] = &[
            ("0x1p3", 8.0),
            ("0x1.000000000000081p0", 1.0000000000000002),
            ("0x1p99999999999", f64::INFINITY),
            ("0x1p-1074", 4.9e-324),
            ("0x1p-1075", 0.0),
            ("0x1.8p1d", 3.0),
            ("-0x1p3", -8.0),
            ("0x.8p1", 1.0),
            ("0x1p+3", 8.0),
            ("0x1.fffffffffffff8p0", 2.0),
            ("0x123456789abcdef0123456789p0", 9.014404268289631e28),
        ];
        for (text, want) in cases {
            assert_eq!(parse_f64(text.as_bytes()), Some(*want), "{text:?}");
        }
        // Hive 2.3.10, CAST(... AS FLOAT).
        assert_eq!(parse_f32(b"0x1.fffffep127"), Some(f32::MAX));
        assert_eq!(parse_f32(b"0x1.000001p0"), Some(1.0));
        assert_eq!(parse_f32(b"0x1.0000011p0"), Some(1.0000001));
    }

    #[test]
    fn null_text_is_not_nan() {
        // Hive 2.3.10: 'NaN ' is NULL both as a cast and in a text table (four
        // bytes starting with N look like NULL to `isNumberMaybe`); ' NaN' is NaN.
        assert_eq!(parse_f64(b"NaN "), None);
        assert!(parse_f64(b" NaN").unwrap().is_nan());
        assert_eq!(parse_f32(b"NaN\t"), None);
    }
}
