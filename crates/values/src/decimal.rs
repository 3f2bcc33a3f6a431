//! Hive's DECIMAL as text: a decimal field or string as the unscaled value
//! of `decimal(precision, scale)`, rounded HALF_UP to the scale, NULL when it
//! needs more than `precision` digits; and rescaling between decimal types.

use arrow::datatypes::i256;

use crate::java_trim_str;

/// The largest exponent Hive's decimal text takes: `1e-99` reads (as 0 at
/// any scale up to 38), `1e-100` and `0e100` are NULL (Hive 2.3.10, casts and
/// text tables alike).
const MAX_EXPONENT: i64 = 99;

/// Hive's decimal text (`LazyHiveDecimal`) as the unscaled value of
/// `decimal(precision, scale)`: rounded half up to the scale, None when it is
/// not a number or does not fit. No blanks, no `NaN`, no hex, no suffix.
pub fn parse_decimal(b: &[u8], precision: u8, scale: i8) -> Option<i128> {
    let (neg, digits) = parse_decimal_digits(b, precision, scale)?;
    let mut v: i128 = 0;
    for d in digits {
        v = v.checked_mul(10)?.checked_add(d as i128)?;
    }
    Some(if neg { -v } else { v })
}

/// [`parse_decimal`] for `decimal(precision, scale)` wider than 38 digits.
pub fn parse_decimal256(b: &[u8], precision: u8, scale: i8) -> Option<i256> {
    let (neg, digits) = parse_decimal_digits(b, precision, scale)?;
    let mut text = String::with_capacity(digits.len() + 1);
    if neg {
        text.push('-');
    }
    text.extend(digits.iter().map(|d| (b'0' + d) as char));
    if digits.is_empty() {
        text.push('0');
    }
    i256::from_string(&text)
}

/// `CAST(string AS DECIMAL(p, s))`: [`parse_decimal`] after Java's trim
/// (Hive 2.3.10: `CAST(' 12.3 ' AS DECIMAL(5,2))` is 12.3).
pub fn cast_decimal(s: &str, precision: u8, scale: i8) -> Option<i128> {
    parse_decimal(java_trim_str(s).as_bytes(), precision, scale)
}

/// The sign and the digits (values 0..=9, no leading zeros) of the unscaled
/// value of a decimal text at `scale`, or None if it is not a number or has
/// more than `precision` digits.
fn parse_decimal_digits(b: &[u8], precision: u8, scale: i8) -> Option<(bool, Vec<u8>)> {
    let (neg, body) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let (mantissa, exp) = match body.iter().position(|&c| c == b'e' || c == b'E') {
        Some(p) => {
            let e = std::str::from_utf8(&body[p + 1..]).ok()?;
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let e: i64 = e.parse().ok().filter(|e: &i64| e.abs() <= MAX_EXPONENT)?;
            (&body[..p], e)
        }
        None => (body, 0),
    };
    let (int, frac) = match mantissa.iter().position(|&c| c == b'.') {
        Some(p) => (&mantissa[..p], &mantissa[p + 1..]),
        None => (mantissa, &mantissa[mantissa.len()..]),
    };
    if (int.is_empty() && frac.is_empty()) || !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    // value = digits * 10^(exp - frac.len()); unscaled = value * 10^scale.
    let mut digits: Vec<u8> = int.iter().chain(frac).map(|c| c - b'0').collect();
    let lead = digits.iter().position(|&d| d != 0).unwrap_or(digits.len());
    digits.drain(..lead);
    if digits.is_empty() {
        return Some((false, digits));
    }
    let shift = exp.saturating_sub(frac.len() as i64).saturating_add(scale as i64);
    if shift >= 0 {
        if digits.len() as i64 + shift > precision as i64 {
            return None;
        }
        digits.extend(std::iter::repeat_n(0, shift as usize));
    } else {
        let drop = (-shift).min(digits.len() as i64 + 1) as usize;
        let round_up = drop <= digits.len() && digits[digits.len() - drop] >= 5;
        digits.truncate(digits.len().saturating_sub(drop));
        if round_up {
            let mut k = digits.len();
            loop {
                if k == 0 {
                    digits.insert(0, 1);
                    break;
                }
                k -= 1;
                if digits[k] == 9 {
                    digits[k] = 0;
                } else {
                    digits[k] += 1;
                    break;
                }
            }
        }
        let lead = digits.iter().position(|&d| d != 0).unwrap_or(digits.len());
        digits.drain(..lead);
        if digits.len() > precision as usize {
            return None;
        }
    }
    let neg = neg && !digits.is_empty();
    Some((neg, digits))
}

/// Rescales an unscaled decimal from scale `from` to (`p`, `s`), rounding HALF_UP;
/// None when it needs more than `p` digits.
pub fn rescale(v: i128, from: i8, p: u8, s: i8) -> Option<i128> {
    let diff = s as i32 - from as i32;
    let scaled = if diff >= 0 {
        v.checked_mul(10i128.checked_pow(diff as u32)?)?
    } else {
        let div = 10i128.checked_pow((-diff) as u32)?;
        let (q, r) = (v / div, v % div);
        if r.unsigned_abs() * 2 >= div.unsigned_abs() { q + v.signum() } else { q }
    };
    let fits = 10i128.checked_pow(p as u32).is_none_or(|limit| scaled.abs() < limit);
    fits.then_some(scaled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_half_up_and_overflow_to_null() {
        let d = |t: &str| parse_decimal(t.as_bytes(), 5, 2);
        assert_eq!(d("1.5"), Some(150));
        assert_eq!(d("12.345"), Some(1235));
        assert_eq!(d("-0.005"), Some(-1));
        assert_eq!(d("1e2"), Some(10000));
        assert_eq!(d("123456789.1"), None);
        assert_eq!(d("999.994"), Some(99999));
        assert_eq!(d("999.995"), None);
        assert_eq!(d("1E+3"), None);
        assert_eq!(d(".5"), Some(50));
        assert_eq!(d("5."), Some(500));
        assert_eq!(d("+.5"), Some(50));
        assert_eq!(d("-0"), Some(0));
        assert_eq!(d("1.5e-3"), Some(0));
        assert_eq!(d("1e-46"), Some(0));
        assert_eq!(d(" 1"), None);
        assert_eq!(d("1 "), None);
        assert_eq!(d("NaN"), None);
        assert_eq!(d("0x1p3"), None);
        assert_eq!(d("."), None);
        assert_eq!(d("1.5d"), None);
        assert_eq!(parse_decimal(b"0.995", 3, 2), Some(100));
        assert_eq!(parse_decimal(b"12", 10, 0), Some(12));
        assert_eq!(parse_decimal256(b"-12.3456", 50, 3), Some(i256::from_i128(-12346)));
    }

    #[test]
    fn exponents_beyond_two_digits_are_null() {
        // Hive 2.3.10, as DECIMAL(5,2) from a string and from a text table.
        let d = |t: &str| parse_decimal(t.as_bytes(), 5, 2);
        assert_eq!(d("1e-99"), Some(0));
        assert_eq!(d("123e-77"), Some(0));
        assert_eq!(d("1e-100"), None);
        assert_eq!(d("0e100"), None);
        assert_eq!(d("0e-100"), None);
        assert_eq!(d("1e-99999999999"), None);
    }

    #[test]
    fn casts_trim() {
        // Hive 2.3.10: CAST('<text>' AS DECIMAL(5,2)).
        assert_eq!(cast_decimal(" 12.3 ", 5, 2), Some(1230));
        assert_eq!(cast_decimal("1.005", 5, 2), Some(101));
        assert_eq!(cast_decimal("-0.005", 5, 2), Some(-1));
        assert_eq!(cast_decimal("999.995", 5, 2), None);
        assert_eq!(cast_decimal("1.005", 10, 2), Some(101));
        assert_eq!(cast_decimal("-1.005", 10, 2), Some(-101));
        assert_eq!(cast_decimal(" 12.3 ", 10, 0), Some(12));
        assert_eq!(cast_decimal("1e3", 10, 1), Some(10000));
        assert_eq!(cast_decimal("123", 2, 0), None);
        assert_eq!(cast_decimal("0.0001", 5, 2), Some(0));
        assert_eq!(cast_decimal("0.005", 5, 2), Some(1));
        assert_eq!(cast_decimal("abc", 5, 2), None);
    }

    #[test]
    fn rescales_half_up() {
        assert_eq!(rescale(-314, 2, 10, 1), Some(-31));
        assert_eq!(rescale(315, 2, 10, 1), Some(32));
        assert_eq!(rescale(315, 2, 10, 0), Some(3));
        assert_eq!(rescale(1, 0, 2, 2), None);
        assert_eq!(rescale(1, 0, 3, 2), Some(100));
    }
}
