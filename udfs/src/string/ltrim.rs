//! `ltrim(str)`: str without its leading spaces (only the space character).

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use super::trim::trim_chars;
use crate::common::text::{TextFunction, map_strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Ltrim;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("ltrim(str)", "str with the spaces at its start removed", "> SELECT ltrim('   facebook  ');\n facebook  ")
});

impl TextFunction for Ltrim {
    fn name(&self) -> &'static str {
        "ltrim"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=2
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        if args.len() == 2 {
            return trim_chars(args, rows, |s, set| s.trim_start_matches(|c| set.contains(&c)));
        }
        map_strings(&args[0], |s| Some(ltrim(s)))
    }
}

/// Without leading ' ' (tabs and newlines stay, as in Hive).
pub fn ltrim(s: &str) -> String {
    s.trim_start_matches(' ').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_leading_spaces_only() {
        assert_eq!(ltrim("  a \t"), "a \t");
        assert_eq!(ltrim("\t a"), "\t a");
    }
}
