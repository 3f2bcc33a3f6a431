//! Python's text-to-number rules (`float(str)`, `int(str)`, `str.isspace`,
//! `str.strip`): what Eve relies on for `max_results`, `page` and sort parsing,
//! and what the `int`/`float` coercers and serializers of the validator do.
//!
//! [`py_float`] and [`py_int`] take every Unicode decimal digit as Python does;
//! [`py_float_ascii`] and [`py_int_ascii`] refuse non-ASCII digits (the validator's
//! documented limitation) and are otherwise the same.

use bson::Bson;

/// First code point (the digit zero) of every block of ten Unicode decimal
/// digits (category Nd, Unicode 14.0 as in Python 3.11). Python's `int()`,
/// `float()` and the regex `\d` accept all of them.
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0,
    0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
    0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0,
    0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60,
    0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a Unicode decimal digit (Python `unicodedata.decimal`).
pub(crate) fn decimal_value(c: char) -> Option<u32> {
    let cp = c as u32;
    DECIMAL_ZEROS.iter().find(|&&zero| cp >= zero && cp < zero + 10).map(|&zero| cp - zero)
}

/// Python's `str.isspace()` (also what `\s` matches in a `str` regex, and what
/// `int()`, `float()` and `str.strip()` skip).
pub(crate) fn is_py_space(c: char) -> bool {
    matches!(
        c as u32,
        0x09..=0x0D
            | 0x1C..=0x20
            | 0x85
            | 0xA0
            | 0x1680
            | 0x2000..=0x200A
            | 0x2028
            | 0x2029
            | 0x202F
            | 0x205F
            | 0x3000
    )
}

/// Python's `str.strip()` with no argument.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Replaces Unicode decimal digits by ASCII ones (what CPython does before
/// parsing a number).
fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match decimal_value(c) {
            Some(d) if !c.is_ascii() => char::from(b'0' + d as u8),
            _ => c,
        })
        .collect()
}

/// `digit (['_'] digit)*` at the start of `b`; returns the length matched.
fn digitpart(b: &[u8]) -> usize {
    if b.first().is_none_or(|c| !c.is_ascii_digit()) {
        return 0;
    }
    let mut i = 1;
    loop {
        if i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        } else if i + 1 < b.len() && b[i] == b'_' && b[i + 1].is_ascii_digit() {
            i += 2;
        } else {
            return i;
        }
    }
}

/// A leading `-` or `+` taken off: whether it was `-`, and the rest.
pub(crate) fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

/// Python's `float(text)`; `None` where Python raises `ValueError`.
pub(crate) fn py_float(text: &str) -> Option<f64> {
    float_literal(&ascii_digits(py_strip(text)))
}

/// [`py_float`] with ASCII digits only: a non-ASCII decimal digit is refused.
pub(crate) fn py_float_ascii(text: &str) -> Option<f64> {
    float_literal(py_strip(text))
}

/// A stripped `float()` literal with ASCII digits: sign, `inf`/`infinity`/`nan`
/// (any case), or digits with single `_` between them, a fraction, an exponent.
fn float_literal(s: &str) -> Option<f64> {
    let (negative, rest) = split_sign(s);
    let lower = rest.to_ascii_lowercase();
    let special = match lower.as_str() {
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(v) = special {
        return Some(if negative { -v } else { v });
    }
    let rb = rest.as_bytes();
    let mut j = digitpart(rb);
    let int_len = j;
    let mut frac_len = 0;
    if j < rb.len() && rb[j] == b'.' {
        j += 1;
        frac_len = digitpart(&rb[j..]);
        j += frac_len;
    }
    if int_len == 0 && frac_len == 0 {
        return None;
    }
    if j < rb.len() && (rb[j] == b'e' || rb[j] == b'E') {
        j += 1;
        if j < rb.len() && (rb[j] == b'+' || rb[j] == b'-') {
            j += 1;
        }
        let e = digitpart(&rb[j..]);
        if e == 0 {
            return None;
        }
        j += e;
    }
    if j != rb.len() {
        return None;
    }
    let clean: String = rest.chars().filter(|&c| c != '_').collect();
    let v: f64 = clean.parse().ok()?;
    Some(if negative { -v } else { v })
}

/// Result of Python's `int(text)` (base 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PyInt {
    /// The value fits in an `i128`.
    Small(i128),
    /// Beyond `i128` (Python would still hold it); the sign is kept.
    Huge { negative: bool },
}

/// Python's `int(text)`; `None` where Python raises `ValueError`.
pub(crate) fn py_int(text: &str) -> Option<PyInt> {
    int_literal(&ascii_digits(py_strip(text)))
}

/// [`py_int`] with ASCII digits only: a non-ASCII decimal digit is refused.
pub(crate) fn py_int_ascii(text: &str) -> Option<PyInt> {
    int_literal(py_strip(text))
}

/// A stripped `int()` literal with ASCII digits: sign, digits with single `_`
/// between them.
fn int_literal(s: &str) -> Option<PyInt> {
    let (negative, digits) = split_sign(s);
    let digits = digits.as_bytes();
    if digits.is_empty() || digitpart(digits) != digits.len() {
        return None;
    }
    let mut value: i128 = 0;
    for &c in digits {
        if c == b'_' {
            continue;
        }
        let d = i128::from(c - b'0');
        match value.checked_mul(10).and_then(|v| v.checked_add(d)) {
            Some(v) => value = v,
            None => return Some(PyInt::Huge { negative }),
        }
    }
    Some(PyInt::Small(if negative { -value } else { value }))
}

/// A Python `int` as pymongo encodes it: Int32 when it fits, else Int64.
pub(crate) fn int_bson(i: i64) -> Bson {
    match i32::try_from(i) {
        Ok(small) => Bson::Int32(small),
        Err(_) => Bson::Int64(i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats() {
        assert_eq!(py_float(" 1_0 "), Some(10.0));
        assert_eq!(py_float("1__0"), None);
        assert_eq!(py_float("\u{0667}"), Some(7.0));
        assert_eq!(py_float("1e1"), Some(10.0));
        assert_eq!(py_float(".5"), Some(0.5));
        assert_eq!(py_float("5."), Some(5.0));
        assert_eq!(py_float("."), None);
        assert_eq!(py_float("0x10"), None);
        assert!(py_float("-Infinity").is_some_and(|f| f.is_infinite()));
        assert_eq!(py_float(""), None);
    }

    #[test]
    fn ints() {
        assert_eq!(py_int(" +4 "), Some(PyInt::Small(4)));
        assert_eq!(py_int("2.5"), None);
        assert_eq!(py_int("1_0"), Some(PyInt::Small(10)));
        assert_eq!(py_int("-999999999999999999999999999999999999999999"), Some(PyInt::Huge { negative: true }));
    }

    #[test]
    fn ascii_only() {
        assert_eq!(py_int_ascii(" 0012 "), Some(PyInt::Small(12)));
        assert_eq!(py_int_ascii("1_000"), Some(PyInt::Small(1000)));
        assert_eq!(py_int_ascii("1__0"), None);
        assert_eq!(py_int_ascii("1.5"), None);
        assert_eq!(py_int_ascii("\u{0667}"), None);
        assert_eq!(py_float_ascii("1e3"), Some(1000.0));
        assert_eq!(py_float_ascii(".5"), Some(0.5));
        assert_eq!(py_float_ascii("5."), Some(5.0));
        assert_eq!(py_float_ascii("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(py_float_ascii("x1"), None);
        assert_eq!(py_float_ascii("."), None);
        assert_eq!(py_float_ascii("\u{0667}"), None);
    }
}
