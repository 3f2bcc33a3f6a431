//! `lpad(str, len, pad)`: str padded on the left with repetitions of pad to len
//! characters, or cut to its first len characters when longer. NULL when
//! len is negative, or when padding is needed and pad is empty.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{MAX_RESULT_BYTES, ResultBudget, TextFunction, at, int_at, ints, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Lpad;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "lpad(str, len, pad)",
        "str padded on the left with pad to len characters; a str longer than len is cut to len characters",
        "> SELECT lpad('hi', 5, '??');\n ???hi\n> SELECT lpad('hi', 1, '??');\n h",
    )
});

impl TextFunction for Lpad {
    fn name(&self) -> &'static str {
        "lpad"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        3..=3
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        pad_rows("lpad", args, rows, true)
    }
}

/// `lpad` or `rpad` over a batch, within the batch's [`ResultBudget`].
pub fn pad_rows(function: &'static str, args: &[ArrayRef], rows: usize, left: bool) -> Result<ArrayRef> {
    let (s, len, p) = (strings(&args[0])?, ints(&args[1])?, strings(&args[2])?);
    let mut budget = ResultBudget::new(function);
    let out: StringArray = (0..rows)
        .map(|i| match (at(&s, i), int_at(&len, i), at(&p, i)) {
            (Some(s), Some(len), Some(p)) => {
                let bytes = (len.max(0) as u64).saturating_mul(p.len().max(1) as u64);
                budget.take(bytes.min(MAX_RESULT_BYTES as u64 + 1) as usize)?;
                Ok(pad(s, len, p, left))
            }
            _ => Ok(None),
        })
        .collect::<Result<_>>()?;
    Ok(Arc::new(out))
}

/// Pads `s` to `len` characters with `pad` repeated (on the left when
/// `left`), or cuts it to its first `len` characters. Shared with `rpad`.
pub fn pad(s: &str, len: i64, pad: &str, left: bool) -> Option<String> {
    let len = usize::try_from(len).ok().filter(|l| *l <= MAX_RESULT_BYTES)?;
    let chars = s.chars().count();
    if len <= chars {
        return Some(crate::common::text::take_chars(s, len).to_string());
    }
    if pad.is_empty() {
        return None;
    }
    let filler: String = pad.chars().cycle().take(len - chars).collect();
    Some(if left { filler + s } else { format!("{s}{filler}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_or_cuts() {
        assert_eq!(pad("hi", 1, "?", true).unwrap(), "h");
        assert_eq!(pad("hi", 5, ".", true).unwrap(), "...hi");
        assert_eq!(pad("hi", 6, "123", true).unwrap(), "1231hi");
        assert_eq!(pad("hi", 5, "", true), None);
        assert_eq!(pad("hi", -1, "x", true), None);
    }
}
