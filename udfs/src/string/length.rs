//! `length(str | bin)`: the number of characters of a string, or of bytes of
//! a binary.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, Int32Array};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, binaries, is_binary, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Length;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "length(str | bin)",
        "the length of str in characters, or of bin in bytes",
        "> SELECT length('Facebook');\n 8",
    )
});

impl TextFunction for Length {
    fn name(&self) -> &'static str {
        "length"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=1
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], _rows: usize) -> Result<ArrayRef> {
        if is_binary(args[0].data_type()) {
            let b = binaries(&args[0])?;
            return Ok(Arc::new(b.iter().map(|v| v.map(|v| v.len() as i32)).collect::<Int32Array>()));
        }
        let s = strings(&args[0])?;
        Ok(Arc::new(s.iter().map(|v| v.map(|v| v.chars().count() as i32)).collect::<Int32Array>()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, BinaryArray, StringArray};

    #[test]
    fn characters_of_strings_bytes_of_binaries() {
        let s: ArrayRef = Arc::new(StringArray::from(vec![Some("玩a"), None]));
        let out = Length.eval(&[s], 2).unwrap();
        let out = out.as_any().downcast_ref::<Int32Array>().unwrap();
        assert_eq!(out.value(0), 2);
        assert!(out.is_null(1));
        let b: ArrayRef = Arc::new(BinaryArray::from(vec!["玩a".as_bytes()]));
        let out = Length.eval(&[b], 1).unwrap();
        assert_eq!(out.as_any().downcast_ref::<Int32Array>().unwrap().value(0), 4);
    }
}
