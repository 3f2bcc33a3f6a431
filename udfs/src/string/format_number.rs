//! `format_number(x, d | pattern)`: x as Java's `DecimalFormat` prints it,
//! rounding half to even: with an integer d, grouped by thousands and with
//! exactly d decimals (`#,###,###.##` style); with a string, by that
//! DecimalFormat pattern (`#`, `0`, `,`, `.`, a literal prefix or suffix,
//! `%`). NULL when an argument is NULL or d is negative.
//!
//! Doubles print from their shortest decimal digits (as Java does), and
//! round on their exact binary value when those digits must be cut; floats
//! are widened to double first (so 12332.1f is 12332.099609375), decimals
//! and integers print exactly. [`Digits`] does the decimal rounding, and
//! `printf` shares it.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Decimal128Type, Float64Type};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{MAX_RESULT_BYTES, TextFunction, at, int_at, ints, is_string, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct FormatNumber;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "format_number(x, d | pattern)",
        "x formatted like '#,###,###.##' rounded to d decimal places, or by the DecimalFormat pattern",
        "> SELECT format_number(12332.123456, 4);\n 12,332.1235\n> SELECT format_number(12332.123456, '##################.###');\n 12332.123",
    )
});

impl TextFunction for FormatNumber {
    fn name(&self) -> &'static str {
        "format_number"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=2
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let numbers = number_digits(&args[0])?;
        let out: StringArray = if is_string(args[1].data_type()) {
            let patterns = strings(&args[1])?;
            (0..rows)
                .map(|i| {
                    let n = numbers[i].as_ref()?;
                    Some(Pattern::parse(at(&patterns, i)?)?.format(n))
                })
                .collect()
        } else {
            let d = ints(&args[1])?;
            (0..rows)
                .map(|i| {
                    let d = usize::try_from(int_at(&d, i)?).ok().filter(|d| *d <= MAX_RESULT_BYTES)?;
                    let p = Pattern { grouping: 3, min_int: 1, min_frac: d, max_frac: d, ..Pattern::default() };
                    Some(p.format(numbers[i].as_ref()?))
                })
                .collect()
        };
        Ok(Arc::new(out))
    }
}

/// Each value of a numeric (or numeric string) array as [`Number`]s.
pub fn number_digits(array: &ArrayRef) -> Result<Vec<Option<Number>>> {
    let t = array.data_type();
    if t.is_integer() {
        let a = cast(array, &DataType::Decimal128(38, 0))?;
        let a = a.as_primitive::<Decimal128Type>();
        return Ok(a.iter().map(|v| v.map(|v| Number::Exact(Digits::from_unscaled(v, 0)))).collect());
    }
    if let DataType::Decimal128(_, s) | DataType::Decimal64(_, s) | DataType::Decimal32(_, s) = t {
        let s = *s as i32;
        let a = cast(array, &DataType::Decimal128(38, s.clamp(0, 38) as i8))?;
        let a = a.as_primitive::<Decimal128Type>();
        return Ok(a.iter().map(|v| v.map(|v| Number::Exact(Digits::from_unscaled(v, s)))).collect());
    }
    let a = if t.is_numeric() {
        cast(array, &DataType::Float64)?
    } else {
        cast(&(Arc::new(strings(array)?) as ArrayRef), &DataType::Float64)?
    };
    let a = a.as_primitive::<Float64Type>();
    Ok((0..a.len()).map(|i| a.is_valid(i).then(|| Number::Double(a.value(i)))).collect())
}

/// A value to format: a double (shortest digits, exact value for rounding)
/// or an exact decimal.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    Double(f64),
    Exact(Digits),
}

impl Number {
    /// The digits rounded half-even to `frac` decimals, as DecimalFormat does.
    pub fn round_half_even(&self, frac: usize) -> Digits {
        match self {
            Number::Exact(d) => d.round(frac as i64, Rounding::HalfEven),
            Number::Double(v) if !v.is_finite() => Digits::zero(v.is_sign_negative()),
            Number::Double(v) => {
                let shortest = Digits::shortest(*v);
                if shortest.fraction_len() <= frac as i64 {
                    shortest
                } else {
                    Digits::exact(*v).round(frac as i64, Rounding::HalfEven)
                }
            }
        }
    }
}

/// How to round a cut-off decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    HalfEven,
    HalfUp,
}

/// A decimal number as `0.d1 d2 d3 ... × 10^exp`, with its sign. `digits`
/// has no leading or trailing zeros; zero has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digits {
    pub negative: bool,
    pub digits: Vec<u8>,
    pub exp: i64,
}

impl Digits {
    pub fn zero(negative: bool) -> Digits {
        Digits { negative, digits: Vec::new(), exp: 0 }
    }

    /// From scientific text `d.ddde±x` (Rust's `{:e}` form) of a magnitude.
    fn from_scientific(negative: bool, text: &str) -> Digits {
        let (mantissa, e) = text.split_once('e').unwrap_or((text, "0"));
        let e: i64 = e.parse().unwrap_or(0);
        let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
        let lead = digits.iter().take_while(|d| **d == 0).count();
        digits.drain(..lead);
        while digits.last() == Some(&0) {
            digits.pop();
        }
        if digits.is_empty() {
            return Digits::zero(negative);
        }
        Digits { negative, digits, exp: e + 1 - lead as i64 }
    }

    /// The shortest digits that read back as `v` (Java's `Double.toString` digits).
    pub fn shortest(v: f64) -> Digits {
        Digits::from_scientific(v.is_sign_negative(), &format!("{:e}", v.abs()))
    }

    /// Every digit of the binary value of `v`.
    pub fn exact(v: f64) -> Digits {
        Digits::from_scientific(v.is_sign_negative(), &format!("{:.1100e}", v.abs()))
    }

    /// `unscaled × 10^-scale`.
    pub fn from_unscaled(unscaled: i128, scale: i32) -> Digits {
        let text = unscaled.unsigned_abs().to_string();
        let mut d = Digits::from_scientific(unscaled < 0, &text);
        if !d.digits.is_empty() {
            d.exp = text.len() as i64 - scale as i64;
        }
        d
    }

    /// How many decimals it has.
    pub fn fraction_len(&self) -> i64 {
        (self.digits.len() as i64 - self.exp).max(0)
    }

    /// Rounded to `frac` decimals (a negative `frac` rounds to tens, hundreds...).
    pub fn round(&self, frac: i64, mode: Rounding) -> Digits {
        let keep = self.exp + frac;
        if keep >= self.digits.len() as i64 {
            return self.clone();
        }
        if keep < 0 {
            return Digits::zero(self.negative);
        }
        let keep = keep as usize;
        let next = self.digits[keep];
        let rest = self.digits[keep + 1..].iter().any(|d| *d != 0);
        let last_odd = keep > 0 && self.digits[keep - 1] % 2 == 1;
        let up = next > 5 || (next == 5 && (rest || mode == Rounding::HalfUp || last_odd));
        let mut digits = self.digits[..keep].to_vec();
        let mut exp = self.exp;
        if up {
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, 1);
                    exp += 1;
                    break;
                }
                i -= 1;
                if digits[i] == 9 {
                    digits[i] = 0;
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
        while digits.last() == Some(&0) {
            digits.pop();
        }
        if digits.is_empty() {
            return Digits::zero(self.negative);
        }
        Digits { negative: self.negative, digits, exp }
    }

    /// The integer digits ("" for none) and the first `frac` decimals.
    pub fn split(&self, frac: usize) -> (String, String) {
        let digit = |i: i64| -> char {
            if i >= 0 && (i as usize) < self.digits.len() { (b'0' + self.digits[i as usize]) as char } else { '0' }
        };
        let int: String = (0..self.exp.max(0)).map(digit).collect();
        let fr: String = (0..frac as i64).map(|k| digit(self.exp + k)).collect();
        (int, fr)
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }
}

/// What a DecimalFormat pattern asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pattern {
    pub prefix: String,
    pub suffix: String,
    /// Digits per group, 0 for no grouping.
    pub grouping: usize,
    pub min_int: usize,
    pub min_frac: usize,
    pub max_frac: usize,
    /// Powers of ten to multiply by (2 for `%`).
    pub shift: i64,
}

impl Pattern {
    /// Reads the positive part of a pattern (before any `;`); None when it
    /// has no digits.
    pub fn parse(pattern: &str) -> Option<Pattern> {
        let pattern = pattern.split(';').next().unwrap_or("");
        let is_body = |c: char| matches!(c, '#' | '0' | ',' | '.');
        let start = pattern.find(is_body)?;
        let end = pattern.rfind(is_body).map_or(start, |e| e + 1);
        let (prefix, body, suffix) = (&pattern[..start], &pattern[start..end], &pattern[end..]);
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let int_digits = int.replace(',', "");
        let mut min_int = int_digits.chars().filter(|c| *c == '0').count();
        if min_int == 0 && !int_digits.is_empty() && body.contains('.') {
            min_int = 1;
        }
        let grouping = match int.rfind(',') {
            Some(i) => int.len() - i - 1,
            None => 0,
        };
        let unquote = |s: &str| s.replace('\'', "");
        let shift = if prefix.contains('%') || suffix.contains('%') { 2 } else { 0 };
        Some(Pattern {
            prefix: unquote(prefix),
            suffix: unquote(suffix),
            grouping,
            min_int,
            min_frac: frac.chars().filter(|c| *c == '0').count(),
            max_frac: frac.chars().filter(|c| *c == '0' || *c == '#').count(),
            shift,
        })
    }

    /// `n` printed by this pattern.
    pub fn format(&self, n: &Number) -> String {
        let n = match (n, self.shift) {
            (_, 0) => n.clone(),
            (Number::Double(v), s) => Number::Double(v * 10f64.powi(s as i32)),
            (Number::Exact(d), s) => Number::Exact(Digits { exp: d.exp + s, ..d.clone() }),
        };
        // DecimalFormat prints at most 340 decimals of a double.
        let max_frac = if matches!(n, Number::Double(_)) { self.max_frac.min(340) } else { self.max_frac };
        let min_frac = self.min_frac.min(max_frac);
        let d = n.round_half_even(max_frac);
        let (int, frac) = d.split(max_frac);
        let mut int = int.trim_start_matches('0').to_string();
        while int.len() < self.min_int {
            int.insert(0, '0');
        }
        let mut frac = frac;
        while frac.len() > min_frac && frac.ends_with('0') {
            frac.pop();
        }
        if int.is_empty() && frac.is_empty() {
            int.push('0');
        }
        let mut out = String::new();
        if d.negative {
            out.push('-');
        }
        out.push_str(&self.prefix);
        out.push_str(&group(&int, self.grouping));
        if !frac.is_empty() {
            out.push('.');
            out.push_str(&frac);
        }
        out.push_str(&self.suffix);
        out
    }
}

/// Digits with a comma every `size` digits from the right (none for 0).
pub fn group(int: &str, size: usize) -> String {
    if size == 0 || int.len() <= size {
        return int.to_string();
    }
    let mut out = String::with_capacity(int.len() + int.len() / size);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(size) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(n: Number, d: usize) -> String {
        Pattern { grouping: 3, min_int: 1, min_frac: d, max_frac: d, ..Pattern::default() }.format(&n)
    }

    #[test]
    fn decimals_and_grouping() {
        assert_eq!(fixed(Number::Double(12332.123456), 4), "12,332.1235");
        assert_eq!(fixed(Number::Double(12332.2), 0), "12,332");
        assert_eq!(fixed(Number::Double(0.123456789), 12), "0.123456789000");
        assert_eq!(fixed(Number::Double(-1234567.123456789), 2), "-1,234,567.12");
        assert_eq!(fixed(Number::Double(12332.1f32 as f64), 4), "12,332.0996");
        assert_eq!(fixed(Number::Double(0.125), 2), "0.12");
        assert_eq!(fixed(Number::Double(0.135), 2), "0.14");
        assert_eq!(
            fixed(Number::Exact(Digits::from_unscaled(-9223372036854775807, 0)), 2),
            "-9,223,372,036,854,775,807.00"
        );
        assert_eq!(fixed(Number::Exact(Digits::from_unscaled(0, 1)), 4), "0.0000");
        assert_eq!(fixed(Number::Exact(Digits::from_unscaled(123321, 1)), 4), "12,332.1000");
        let tiny = fixed(Number::Double(4.9E-324), 324);
        assert!(tiny.starts_with("0.000") && tiny.ends_with("05") && tiny.len() == 326, "{tiny}");
        let huge = fixed(Number::Double(1.7976931348623157E308), 0);
        assert!(huge.starts_with("179,769,313,486,231,570,000,"), "{huge}");
    }

    #[test]
    fn patterns() {
        let p = Pattern::parse("##################.###").unwrap();
        assert_eq!(p.format(&Number::Double(12332.2)), "12332.2");
        assert_eq!(p.format(&Number::Double(-0.123456789)), "-0.123");
        assert_eq!(p.format(&Number::Exact(Digits::from_unscaled(0, 4))), "0");
        assert_eq!(p.format(&Number::Exact(Digits::from_unscaled(1234, 0))), "1234");
        assert_eq!(Pattern::parse("#,##0.00").unwrap().format(&Number::Double(1234.5)), "1,234.50");
        assert_eq!(Pattern::parse("0.0%").unwrap().format(&Number::Double(0.256)), "25.6%");
    }
}
