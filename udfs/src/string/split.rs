//! `split(str, regex)`: the parts of str between matches of the (Java)
//! regular expression, trailing empty parts kept.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{Regexes, TextFunction, at, java_split, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Split;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "split(str, regex)",
        "the parts of str around the matches of regex, as an array",
        "> SELECT split('oneAtwoBthreeC', '[ABC]');\n [\"one\",\"two\",\"three\",\"\"]",
    )
});

impl TextFunction for Split {
    fn name(&self) -> &'static str {
        "split"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=2
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))))
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let (s, pattern) = (strings(&args[0])?, strings(&args[1])?);
        let mut regexes = Regexes::default();
        let mut out = ListBuilder::new(StringBuilder::new());
        for i in 0..rows {
            match (at(&s, i), at(&pattern, i).and_then(|p| regexes.get(p))) {
                (Some(s), Some(re)) => {
                    for part in java_split(s, re, true) {
                        out.values().append_value(part);
                    }
                    out.append(true);
                }
                _ => out.append(false),
            }
        }
        Ok(Arc::new(out.finish()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn splits_like_java_keeping_trailing_empties() {
        fn split<'a>(s: &'a str, p: &str) -> Vec<&'a str> {
            java_split(s, &Regex::new(p).unwrap(), true)
        }
        assert_eq!(split("a b c", " "), ["a", "b", "c"]);
        assert_eq!(split("oneAtwoBthreeC", "[ABC]"), ["one", "two", "three", ""]);
        assert_eq!(split("", "."), [""]);
        assert_eq!(split("50401020", "0"), ["5", "4", "1", "2", ""]);
        assert_eq!(split("abc", ""), ["a", "b", "c", ""]);
    }
}
