//! `locate(substr, str[, pos])`: the 1-based character position of the first
//! substr in str at or after position pos (default 1); 0 when absent, and 0
//! when pos is NULL, not a number or less than 1.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, Int32Array};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use super::instr::position;
use crate::common::text::{TextFunction, at, int_at, ints, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Locate;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "locate(substr, str[, pos])",
        "the position of the first occurrence of substr in str after position pos, 0 when there is none",
        "> SELECT locate('bar', 'foobarbar', 5);\n 7",
    )
});

impl TextFunction for Locate {
    fn name(&self) -> &'static str {
        "locate"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=3
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let (sub, s) = (strings(&args[0])?, strings(&args[1])?);
        let pos = args.get(2).map(ints).transpose()?;
        let out: Int32Array = (0..rows)
            .map(|i| {
                let (sub, s) = (at(&sub, i)?, at(&s, i)?);
                let pos = match &pos {
                    Some(p) => int_at(p, i),
                    None => Some(1),
                };
                Some(match pos {
                    Some(p) if p >= 1 => position(s, sub, (p - 1) as usize),
                    _ => 0,
                })
            })
            .collect();
        Ok(Arc::new(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, StringArray};

    #[test]
    fn positions_from_pos() {
        let sub: ArrayRef = Arc::new(StringArray::from(vec!["abc", "abc", "abc", "abc"]));
        let s: ArrayRef = Arc::new(StringArray::from(vec!["abcabc", "abcabc", "abcd", "x"]));
        let p: ArrayRef = Arc::new(StringArray::from(vec![Some("2"), None, Some("invalid number"), Some("1")]));
        let out = Locate.eval(&[sub, s, p], 4).unwrap();
        let out = out.as_any().downcast_ref::<Int32Array>().unwrap();
        assert_eq!((out.value(0), out.value(1), out.value(2), out.value(3)), (4, 0, 0, 0));
        assert!(!out.is_null(1));
    }
}
