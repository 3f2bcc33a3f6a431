//! `quote(str)`: str between single quotes, with each single quote inside
//! escaped by a backslash (Hive 3 and later; NULL stays NULL).

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, map_strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Quote;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "quote(str)",
        "str in single quotes, its own single quotes escaped with a backslash",
        "> SELECT quote('Don''t');\n 'Don\\'t'",
    )
});

impl TextFunction for Quote {
    fn name(&self) -> &'static str {
        "quote"
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
        map_strings(&args[0], |s| Some(quote(s)))
    }
}

/// `'` + s with `'` escaped + `'`.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_single_quotes() {
        assert_eq!(quote("Don't"), "'Don\\'t'");
    }
}
