//! `mask_first_n(value[, n[, upper[, lower[, digit[, other[, number]]]]]])`: value
//! with the first n characters (default 4) masked as `mask` masks them; a negative n
//! counts as 0. For integers the positions are digits from the left; dates
//! are masked whole, as by `mask`.

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use super::mask::{eval_mask, mask_return_type};
use crate::common::text::TextFunction;
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct MaskFirstN;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "mask_first_n(str[, n])",
        "str with the first n characters (default 4) masked: upper-case letters as X, lower-case letters as x, digits as n",
        "> SELECT mask_first_n('1234-5678-8765-4321', 4);\n nnnn-5678-8765-4321",
    )
});

impl TextFunction for MaskFirstN {
    fn name(&self) -> &'static str {
        "mask_first_n"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=7
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(mask_return_type(&args[0]))
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        eval_mask(args, rows, Some(1), |len, n| 0..n.min(len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn first_n_masked() {
        let (s, n, want) = ("1234-5678", 4, "nnnn-5678");
        let s: ArrayRef = Arc::new(StringArray::from(vec![s]));
        let n: ArrayRef = Arc::new(Int32Array::from(vec![n]));
        let out = MaskFirstN.eval(&[s, n], 1).unwrap();
        assert_eq!(out.as_any().downcast_ref::<StringArray>().unwrap().value(0), want);
    }
}
