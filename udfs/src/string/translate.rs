//! `translate(input, from, to)`: input with each character of from replaced
//! by the character at the same place in to, or removed when to is shorter.
//! A character repeated in from keeps its first replacement.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Translate;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "translate(input, from, to)",
        "input with the characters of from replaced by the matching characters of to, and removed when to has no match",
        "> SELECT translate('abcdef', 'adc', '19');\n 1b9ef",
    )
});

impl TextFunction for Translate {
    fn name(&self) -> &'static str {
        "translate"
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
        let (s, from, to) = (strings(&args[0])?, strings(&args[1])?, strings(&args[2])?);
        let out: StringArray = (0..rows).map(|i| Some(translate(at(&s, i)?, at(&from, i)?, at(&to, i)?))).collect();
        Ok(Arc::new(out))
    }
}

/// Each character of `from` in `s` replaced by its counterpart in `to`.
pub fn translate(s: &str, from: &str, to: &str) -> String {
    let mut map: HashMap<char, Option<char>> = HashMap::new();
    let mut to = to.chars();
    for c in from.chars() {
        let r = to.next();
        map.entry(c).or_insert(r);
    }
    s.chars().filter_map(|c| map.get(&c).copied().unwrap_or(Some(c))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_or_removes() {
        assert_eq!(translate("abcdef", "adc", "19"), "1b9ef");
        assert_eq!(translate("abcabc", "abca", "x"), "xx");
        assert_eq!(translate("abc", "ab", "xyz"), "xyc");
    }
}
