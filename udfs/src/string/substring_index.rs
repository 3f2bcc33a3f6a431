//! `substring_index(str, delim, count)`: the part of str before the count-th
//! delim (counting from the left), or after the count-th delim counting from
//! the right when count is negative; all of str when there are fewer delims;
//! '' when count is 0 or delim is empty.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, int_at, ints, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct SubstringIndex;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "substring_index(str, delim, count)",
        "the part of str before count occurrences of delim, or after them counting from the right when count is negative",
        "> SELECT substring_index('www.apache.org', '.', 2);\n www.apache",
    )
});

impl TextFunction for SubstringIndex {
    fn name(&self) -> &'static str {
        "substring_index"
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
        let (s, d, n) = (strings(&args[0])?, strings(&args[1])?, ints(&args[2])?);
        let out: StringArray =
            (0..rows).map(|i| Some(substring_index(at(&s, i)?, at(&d, i)?, int_at(&n, i)?).to_string())).collect();
        Ok(Arc::new(out))
    }
}

/// The part of `s` around the `count`-th `delim` (non-overlapping matches).
pub fn substring_index<'a>(s: &'a str, delim: &str, count: i64) -> &'a str {
    if count == 0 || delim.is_empty() || s.is_empty() {
        return "";
    }
    if count > 0 {
        match s.match_indices(delim).nth(count as usize - 1) {
            Some((i, _)) => &s[..i],
            None => s,
        }
    } else {
        match s.rmatch_indices(delim).nth(count.unsigned_abs() as usize - 1) {
            Some((i, _)) => &s[i + delim.len()..],
            None => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_from_either_end() {
        let s = "www.apache.org";
        assert_eq!(substring_index(s, ".", 3), s);
        assert_eq!(substring_index(s, ".", 2), "www.apache");
        assert_eq!(substring_index(s, ".", 0), "");
        assert_eq!(substring_index(s, ".", -1), "org");
        assert_eq!(substring_index(s, ".", -3), s);
        assert_eq!(substring_index(s, "", 1), "");
        assert_eq!(substring_index("www||apache||org", "||", 2), "www||apache");
        assert_eq!(substring_index("aaa", "aa", 1), "");
    }
}
