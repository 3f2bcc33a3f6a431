//! `space(n)`: a string of n spaces ('' when n is not positive).

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, ints};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Space;

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| hive_doc("space(n)", "a string of n spaces", "> SELECT concat('[', space(2), ']');\n [  ]"));

impl TextFunction for Space {
    fn name(&self) -> &'static str {
        "space"
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
        let n = ints(&args[0])?;
        Ok(Arc::new(n.iter().map(|v| v.map(space)).collect::<StringArray>()))
    }
}

/// `n` spaces, none for `n <= 0`; at most 2^31 - 1, Java's string limit.
pub fn space(n: i64) -> String {
    " ".repeat(n.clamp(0, i32::MAX as i64) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_or_empty() {
        assert_eq!(space(3), "   ");
        assert_eq!(space(0), "");
        assert_eq!(space(-100), "");
    }
}
