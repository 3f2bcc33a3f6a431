//! `space(n)`: a string of n spaces ('' when n is not positive).

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{MAX_RESULT_BYTES, ResultBudget, TextFunction, ints};
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
        let mut budget = ResultBudget::new("space");
        let out = n
            .iter()
            .map(|v| {
                let Some(v) = v else { return Ok(None) };
                budget.take((v.max(0) as u64).min(MAX_RESULT_BYTES as u64 + 1) as usize)?;
                Ok(space(v))
            })
            .collect::<Result<StringArray>>()?;
        Ok(Arc::new(out))
    }
}

/// `n` spaces, none for `n <= 0`; None when too long to build.
pub fn space(n: i64) -> Option<String> {
    let n = n.max(0) as u64;
    (n <= MAX_RESULT_BYTES as u64).then(|| " ".repeat(n as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_or_empty() {
        assert_eq!(space(3).unwrap(), "   ");
        assert_eq!(space(0).unwrap(), "");
        assert_eq!(space(-100).unwrap(), "");
        assert_eq!(space(i64::MAX), None);
    }
}
