//! `mask(value[, upper[, lower[, digit[, other[, number[, day[, month[, year]]]]]]]])`:
//! value with its upper-case letters replaced by `X`, lower-case letters by
//! `x` and digits by `n` (each replacement can be given; `-1` keeps those
//! characters; other characters are kept unless `other` is given). Integers
//! have each digit replaced by `number` (default 1); dates become
//! day `day` (default 1), month `month` (0-based, default 0) and year
//! `1900 + year` (default 0), as Hive 2.3 computes them; -1 keeps a part.
//! Other types give NULL.
//!
//! [`Masker`] and [`eval_mask`] are shared with the `mask_*_n` functions,
//! which mask only some positions.

use std::ops::{Range, RangeInclusive};
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, Date32Array, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Date32Type};
use chrono::{Datelike, NaiveDate};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, int_at, ints, is_string, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Mask;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "mask(str[, upper[, lower[, number]]])",
        "str with upper-case letters shown as X, lower-case letters as x and digits as n (or the given characters)",
        "> SELECT mask('abcd-EFGH-8765-4321');\n xxxx-XXXX-nnnn-nnnn\n> SELECT mask('abcd-EFGH-8765-4321', 'U', 'l', '#');\n llll-UUUU-####-####",
    )
});

impl TextFunction for Mask {
    fn name(&self) -> &'static str {
        "mask"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=9
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(mask_return_type(&args[0]))
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        eval_mask(args, rows, None, |len, _| 0..len)
    }
}

/// What a masking function returns for a value of type `t`.
pub fn mask_return_type(t: &DataType) -> DataType {
    if t.is_integer() || matches!(t, DataType::Date32 | DataType::Date64) { t.clone() } else { DataType::Utf8 }
}

/// The replacements of one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Masker {
    pub upper: Option<char>,
    pub lower: Option<char>,
    pub digit: Option<char>,
    pub other: Option<char>,
    pub number: u8,
    pub day: i64,
    pub month: i64,
    pub year: i64,
}

impl Default for Masker {
    fn default() -> Self {
        Masker {
            upper: Some('X'),
            lower: Some('x'),
            digit: Some('n'),
            other: None,
            number: 1,
            day: 1,
            month: 0,
            year: 0,
        }
    }
}

/// A replacement argument: a string gives its first character, an integer a
/// character code (-1: keep the character).
fn char_arg(a: &ArrayRef, i: usize, default: Option<char>) -> Result<Option<char>> {
    if a.is_null(i) {
        return Ok(default);
    }
    if a.data_type().is_integer() {
        let v = ints(&a.slice(i, 1))?.value(0);
        return Ok(if v < 0 { None } else { u32::try_from(v).ok().and_then(char::from_u32) });
    }
    let s = strings(&a.slice(i, 1))?;
    Ok(s.value(0).chars().next().or(default))
}

fn int_arg(a: Option<&ArrayRef>, i: usize, default: i64) -> Result<i64> {
    match a {
        Some(a) if a.is_valid(i) => Ok(ints(&a.slice(i, 1))?.iter().next().flatten().unwrap_or(default)),
        _ => Ok(default),
    }
}

impl Masker {
    /// The replacements given from argument `first` on, for row `i`.
    pub fn from_args(args: &[ArrayRef], first: usize, i: usize) -> Result<Masker> {
        let d = Masker::default();
        let arg = |k: usize| args.get(first + k);
        let ch = |k: usize, default: Option<char>| match arg(k) {
            Some(a) => char_arg(a, i, default),
            None => Ok(default),
        };
        let number = int_arg(arg(4), i, 1)?;
        Ok(Masker {
            upper: ch(0, d.upper)?,
            lower: ch(1, d.lower)?,
            digit: ch(2, d.digit)?,
            other: ch(3, d.other)?,
            number: if (0..=9).contains(&number) { number as u8 } else { 1 },
            day: int_arg(arg(5), i, d.day)?,
            month: int_arg(arg(6), i, d.month)?,
            year: int_arg(arg(7), i, d.year)?,
        })
    }

    pub fn mask_char(&self, c: char) -> char {
        let r = if c.is_uppercase() {
            self.upper
        } else if c.is_lowercase() {
            self.lower
        } else if c.is_numeric() {
            self.digit
        } else {
            self.other
        };
        r.unwrap_or(c)
    }

    /// `s` with the characters at the positions of `range` masked.
    pub fn mask_str(&self, s: &str, range: Range<usize>) -> String {
        s.chars().enumerate().map(|(k, c)| if range.contains(&k) { self.mask_char(c) } else { c }).collect()
    }

    /// `v` with the digits at the positions of `range` (from the left, sign
    /// not counted) replaced by `number`; 0 stays 0.
    pub fn mask_int(&self, v: i64, range: Range<usize>) -> Option<i64> {
        if v == 0 {
            return Some(0);
        }
        let digits = v.unsigned_abs().to_string();
        let masked: String = digits
            .chars()
            .enumerate()
            .map(|(k, c)| if range.contains(&k) { (b'0' + self.number) as char } else { c })
            .collect();
        let m: i64 = masked.parse().ok()?;
        Some(if v < 0 { -m } else { m })
    }

    /// `d` with day, month and year replaced (Hive 2.3: year is 1900 + `year`).
    pub fn mask_date(&self, d: NaiveDate) -> Option<NaiveDate> {
        let day = if self.day == -1 { d.day() as i64 } else { self.day };
        let month = if self.month == -1 { d.month0() as i64 } else { self.month };
        let year = if self.year == -1 { d.year() as i64 } else { self.year.checked_add(1900)? };
        let first = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, 1, 1)?;
        let first = first.checked_add_months(chrono::Months::new(u32::try_from(month).ok()?))?;
        first.checked_add_days(chrono::Days::new(u64::try_from(day.checked_sub(1)?).ok()?))
    }
}

/// Runs a masking function: `count_arg` is the index of its character-count
/// argument (default 4, negative counts as 0), `positions(len, count)` the
/// positions it masks; the replacement arguments follow the count.
pub fn eval_mask(
    args: &[ArrayRef],
    rows: usize,
    count_arg: Option<usize>,
    positions: impl Fn(usize, usize) -> Range<usize>,
) -> Result<ArrayRef> {
    let first = count_arg.map_or(1, |c| c + 1);
    let counts = count_arg.and_then(|c| args.get(c)).map(ints).transpose()?;
    let count = |i: usize| -> usize {
        match &counts {
            Some(c) => int_at(c, i).map_or(4, |n| n.max(0) as usize),
            None => 0,
        }
    };
    let t = args[0].data_type();
    if t.is_integer() {
        let v = ints(&args[0])?;
        let out: Int64Array = (0..rows)
            .map(|i| {
                let v = int_at(&v, i)?;
                let m = Masker::from_args(args, first, i).ok()?;
                let len = v.unsigned_abs().to_string().len();
                m.mask_int(v, positions(len, count(i)))
            })
            .collect();
        return Ok(cast(&out, t)?);
    }
    if matches!(t, DataType::Date32 | DataType::Date64) {
        let d = cast(&args[0], &DataType::Date32)?;
        let d = d.as_primitive::<Date32Type>();
        let out: Date32Array = (0..rows)
            .map(|i| {
                let day = d.is_valid(i).then(|| d.value_as_date(i)).flatten()?;
                let m = Masker::from_args(args, first, i).ok()?;
                let masked = m.mask_date(day)?;
                Some((masked - NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days() as i32)
            })
            .collect();
        return Ok(cast(&out, t)?);
    }
    if !is_string(t) && !matches!(t, DataType::Null) {
        return Ok(arrow::array::new_null_array(&DataType::Utf8, rows));
    }
    let s = strings(&args[0])?;
    let out: StringArray = (0..rows)
        .map(|i| {
            let s = at(&s, i)?;
            let m = Masker::from_args(args, first, i).ok()?;
            let len = s.chars().count();
            Some(m.mask_str(s, positions(len, count(i))))
        })
        .collect();
    Ok(Arc::new(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int32Array;

    fn text(args: Vec<ArrayRef>) -> String {
        let out = Mask.eval(&args, 1).unwrap();
        out.as_any().downcast_ref::<StringArray>().unwrap().value(0).to_string()
    }

    fn s(v: &str) -> ArrayRef {
        Arc::new(StringArray::from(vec![v]))
    }

    #[test]
    fn masks_strings_numbers_dates() {
        assert_eq!(text(vec![s("AbC-12 x")]), "XxX-nn x");
        assert_eq!(text(vec![s("aB1#"), s("U"), s("l"), s("#"), s("*")]), "lU#*");
        let minus_one: ArrayRef = Arc::new(Int32Array::from(vec![-1]));
        assert_eq!(text(vec![s("abc"), minus_one, s("y")]), "yyy");
        let m = Masker::default();
        assert_eq!(m.mask_int(-120, 0..3), Some(-111));
        assert_eq!(m.mask_int(0, 0..1), Some(0));
        let d = NaiveDate::from_ymd_opt(2016, 12, 31).unwrap();
        assert_eq!(m.mask_date(d).unwrap(), NaiveDate::from_ymd_opt(1900, 1, 1).unwrap());
        let m = Masker { day: 15, month: 6, year: 2000, ..Masker::default() };
        assert_eq!(m.mask_date(d).unwrap(), NaiveDate::from_ymd_opt(3900, 7, 15).unwrap());
    }
}
