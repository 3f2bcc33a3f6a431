//! `rtrim(str)`: str without its trailing spaces (only the space character).

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
pub struct Rtrim;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("rtrim(str)", "str with the spaces at its end removed", "> SELECT rtrim('   facebook  ');\n    facebook")
});

impl TextFunction for Rtrim {
    fn name(&self) -> &'static str {
        "rtrim"
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
            return trim_chars(args, rows, |s, set| s.trim_end_matches(|c| set.contains(&c)));
        }
        map_strings(&args[0], |s| Some(rtrim(s)))
    }
}

/// Without trailing ' ' (tabs and newlines stay, as in Hive).
pub fn rtrim(s: &str) -> String {
    s.trim_end_matches(' ').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_trailing_spaces_only() {
        assert_eq!(rtrim(" a  "), " a");
        assert_eq!(rtrim("a \n"), "a \n");
    }
}
