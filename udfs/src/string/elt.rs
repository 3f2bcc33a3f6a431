//! `elt(n, str1, str2, ...)`: the n-th of the strings (1-based); NULL when n
//! is NULL or out of range. Non-string arguments join as their Hive text.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, int_at, ints, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Elt;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "elt(n, str1, str2, ...)",
        "the n-th string, NULL when n is less than 1 or greater than the number of strings",
        "> SELECT elt(1, 'face', 'book');\n face",
    )
});

impl TextFunction for Elt {
    fn name(&self) -> &'static str {
        "elt"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=usize::MAX
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let n = ints(&args[0])?;
        let values = args[1..].iter().map(strings).collect::<Result<Vec<_>>>()?;
        let out: StringArray = (0..rows)
            .map(|i| {
                let n = int_at(&n, i)?;
                let k = usize::try_from(n).ok()?.checked_sub(1)?;
                values.get(k).and_then(|v| at(v, i))
            })
            .collect();
        Ok(Arc::new(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, Int32Array};

    #[test]
    fn picks_the_nth_or_null() {
        let n: ArrayRef = Arc::new(Int32Array::from(vec![Some(2), Some(0), Some(3), None]));
        let a: ArrayRef = Arc::new(StringArray::from(vec!["abc"; 4]));
        let b: ArrayRef = Arc::new(StringArray::from(vec!["defg"; 4]));
        let out = Elt.eval(&[n, a, b], 4).unwrap();
        let out = out.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(out.value(0), "defg");
        assert!(out.is_null(1) && out.is_null(2) && out.is_null(3));
    }
}
