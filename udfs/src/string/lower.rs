//! `lower(str)` (also `lcase`): str with every letter in lower case.

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, map_strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Lower;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("lower(str)", "str with all letters in lower case", "> SELECT lower('Facebook');\n facebook")
});

impl TextFunction for Lower {
    fn name(&self) -> &'static str {
        "lower"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["lcase"]
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
        map_strings(&args[0], |s| Some(lower(s)))
    }
}

/// Lower case, as Java's `String.toLowerCase`.
pub fn lower(s: &str) -> String {
    s.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowers_letters_only() {
        assert_eq!(lower("AbC 123"), "abc 123");
    }
}
