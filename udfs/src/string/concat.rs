//! `concat(a, b, ...)`: the arguments joined, NULL when any is NULL. Numbers
//! and other values join as their Hive text (booleans as `true`/`false`:
//! unlike most string functions, Hive's concat does not print them in upper
//! case); when every argument is a binary the result is a binary.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, BinaryBuilder, StringArray, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, binaries, is_binary, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Concat;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "concat(str1, str2, ... strN)",
        "the strings (or binaries) joined end to end, NULL when any of them is NULL",
        "> SELECT concat('abc', 'def');\n abcdef",
    )
});

fn all_binary(types: &[DataType]) -> bool {
    !types.is_empty() && types.iter().all(is_binary)
}

impl TextFunction for Concat {
    fn name(&self) -> &'static str {
        "concat"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=usize::MAX
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(if all_binary(args) { DataType::Binary } else { DataType::Utf8 })
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let types: Vec<DataType> = args.iter().map(|a| a.data_type().clone()).collect();
        if all_binary(&types) {
            let parts = args.iter().map(binaries).collect::<Result<Vec<_>>>()?;
            let mut out = BinaryBuilder::with_capacity(rows, 0);
            for i in 0..rows {
                if parts.iter().any(|p| p.is_null(i)) {
                    out.append_null();
                } else {
                    let joined: Vec<u8> = parts.iter().flat_map(|p| p.value(i).iter().copied()).collect();
                    out.append_value(joined);
                }
            }
            return Ok(Arc::new(out.finish()));
        }
        let parts = args.iter().map(concat_text).collect::<Result<Vec<_>>>()?;
        let mut out = StringBuilder::with_capacity(rows, 0);
        let mut buf = String::new();
        for i in 0..rows {
            if parts.iter().any(|p| p.is_null(i)) {
                out.append_null();
            } else {
                buf.clear();
                parts.iter().for_each(|p| buf.push_str(p.value(i)));
                out.append_value(&buf);
            }
        }
        Ok(Arc::new(out.finish()))
    }
}

/// The text concat joins for an argument.
fn concat_text(a: &ArrayRef) -> Result<StringArray> {
    if a.data_type() == &DataType::Boolean {
        return Ok(a.as_boolean().iter().map(|v| v.map(|b| if b { "true" } else { "false" })).collect());
    }
    strings(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{BinaryArray, BooleanArray, Int32Array};

    #[test]
    fn null_if_any_null_numbers_as_text() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None]));
        let b: ArrayRef = Arc::new(Int32Array::from(vec![1, 2]));
        let out = Concat.eval(&[a, b], 2).unwrap();
        let out = out.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(out.value(0), "a1");
        assert!(out.is_null(1));
        let t: ArrayRef = Arc::new(BooleanArray::from(vec![false]));
        let a: ArrayRef = Arc::new(StringArray::from(vec!["a"]));
        let out = Concat.eval(&[t, a], 1).unwrap();
        assert_eq!(out.as_any().downcast_ref::<StringArray>().unwrap().value(0), "falsea");
    }

    #[test]
    fn binaries_give_a_binary() {
        let a: ArrayRef = Arc::new(BinaryArray::from(vec![&b"ab"[..]]));
        let b: ArrayRef = Arc::new(BinaryArray::from(vec![&b"cd"[..]]));
        let out = Concat.eval(&[a, b], 1).unwrap();
        assert_eq!(out.as_any().downcast_ref::<BinaryArray>().unwrap().value(0), b"abcd");
    }
}
