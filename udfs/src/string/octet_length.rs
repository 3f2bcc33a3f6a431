//! `octet_length(str)`: the number of bytes of the UTF-8 text (or of a binary).

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, Int32Array};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, binaries};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct OctetLength;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("octet_length(str)", "the number of bytes of str in UTF-8", "> SELECT octet_length('玩ab');\n 5")
});

impl TextFunction for OctetLength {
    fn name(&self) -> &'static str {
        "octet_length"
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
        let b = binaries(&args[0])?;
        Ok(Arc::new(b.iter().map(|v| v.map(|v| v.len() as i32)).collect::<Int32Array>()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::StringArray;

    #[test]
    fn counts_bytes() {
        let s: ArrayRef = Arc::new(StringArray::from(vec!["玩ab"]));
        let out = OctetLength.eval(&[s], 1).unwrap();
        assert_eq!(out.as_any().downcast_ref::<Int32Array>().unwrap().value(0), 5);
    }
}
