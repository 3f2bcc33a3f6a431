//! `upper(str)` (also `ucase`): str with every letter in upper case.

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, map_strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Upper;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("upper(str)", "str with all letters in upper case", "> SELECT upper('Facebook');\n FACEBOOK")
});

impl TextFunction for Upper {
    fn name(&self) -> &'static str {
        "upper"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["ucase"]
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
        map_strings(&args[0], |s| Some(upper(s)))
    }
}

/// Upper case, as Java's `String.toUpperCase`.
pub fn upper(s: &str) -> String {
    s.to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uppers_letters_only() {
        assert_eq!(upper("AbC 123"), "ABC 123");
    }
}
