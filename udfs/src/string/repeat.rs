//! `repeat(str, n)`: str n times ('' when n is not positive).

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{MAX_RESULT_BYTES, ResultBudget, TextFunction, at, int_at, ints, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Repeat;

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| hive_doc("repeat(str, n)", "str repeated n times", "> SELECT repeat('123', 2);\n 123123"));

impl TextFunction for Repeat {
    fn name(&self) -> &'static str {
        "repeat"
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
        let (s, n) = (strings(&args[0])?, ints(&args[1])?);
        let mut budget = ResultBudget::new("repeat");
        let out: StringArray = (0..rows)
            .map(|i| match (at(&s, i), int_at(&n, i)) {
                (Some(s), Some(n)) => {
                    budget.take(
                        (s.len() as u64).saturating_mul(n.max(0) as u64).min(MAX_RESULT_BYTES as u64 + 1) as usize
                    )?;
                    Ok(repeat(s, n))
                }
                _ => Ok(None),
            })
            .collect::<Result<_>>()?;
        Ok(Arc::new(out))
    }
}

/// `s` `n` times, '' for `n <= 0`; None when too long to build.
pub fn repeat(s: &str, n: i64) -> Option<String> {
    if n <= 0 || s.is_empty() {
        return Some(String::new());
    }
    let len = (s.len() as u64).checked_mul(n as u64)?;
    (len <= MAX_RESULT_BYTES as u64).then(|| s.repeat(n as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_or_empty() {
        assert_eq!(repeat("Facebook", 3).unwrap(), "FacebookFacebookFacebook");
        assert_eq!(repeat("", 4).unwrap(), "");
        assert_eq!(repeat("asd", 0).unwrap(), "");
        assert_eq!(repeat("asdf", -1).unwrap(), "");
        assert_eq!(repeat("ab", i64::MAX), None);
    }
}
