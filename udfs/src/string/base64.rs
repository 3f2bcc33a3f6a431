//! `base64(bin)`: the base-64 text of a binary (a string argument is taken
//! as its UTF-8 bytes).

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, binaries};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Base64;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("base64(bin)", "the base-64 encoding of the binary bin", "> SELECT base64(binary('Hive'));\n SGl2ZQ==")
});

impl TextFunction for Base64 {
    fn name(&self) -> &'static str {
        "base64"
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
        let b = binaries(&args[0])?;
        Ok(Arc::new(b.iter().map(|v| v.map(|v| STANDARD.encode(v))).collect::<StringArray>()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_bytes() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("Hive"), None]));
        let out = Base64.eval(&[a], 2).unwrap();
        let out = out.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(out.value(0), "SGl2ZQ==");
        assert!(arrow::array::Array::is_null(out, 1));
    }
}
