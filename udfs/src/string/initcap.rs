//! `initcap(str)`: each word with its first letter in upper case and the
//! rest in lower case; words are separated by white space.

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, map_strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Initcap;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "initcap(str)",
        "str with the first letter of each word in upper case and the others in lower case (words are separated by white space)",
        "> SELECT initcap('tHe soap');\n The Soap",
    )
});

impl TextFunction for Initcap {
    fn name(&self) -> &'static str {
        "initcap"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=1
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], _rows: usize) -> Result<ArrayRef> {
        map_strings(&args[0], |s| Some(initcap(s)))
    }
}

/// Title case by white-space separated words (`hello-world` stays one word).
pub fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if c.is_whitespace() {
            start = true;
            out.push(c);
        } else if start {
            out.extend(c.to_uppercase());
            start = false;
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_by_white_space() {
        assert_eq!(initcap("tHe soap"), "The Soap");
        assert_eq!(initcap("hello-world  x"), "Hello-world  X");
    }
}
