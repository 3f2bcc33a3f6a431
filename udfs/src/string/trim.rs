//! `trim(str)`: str without leading and trailing spaces (only the space
//! character). DataFusion plans SQL `TRIM(x)` as `btrim`, hence the alias.

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, map_strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Trim;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("trim(str)", "str with the spaces at both ends removed", "> SELECT trim('   facebook  ');\n facebook")
});

impl TextFunction for Trim {
    fn name(&self) -> &'static str {
        "trim"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["btrim"]
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
        map_strings(&args[0], |s| Some(trim(s)))
    }
}

/// Without leading and trailing ' '.
pub fn trim(s: &str) -> String {
    s.trim_matches(' ').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_spaces_at_both_ends() {
        assert_eq!(trim("  a b  "), "a b");
        assert_eq!(trim("\ta "), "\ta");
    }
}
