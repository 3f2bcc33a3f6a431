//! `chr(n)`: the character whose code is n modulo 256 (a fractional n is
//! truncated); '' for a negative n.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, doubles};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Chr;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "chr(n)",
        "the character with the code n modulo 256; an empty string for a negative n",
        "> SELECT chr(65);\n A\n> SELECT chr(321);\n A",
    )
});

impl TextFunction for Chr {
    fn name(&self) -> &'static str {
        "chr"
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
        let n = doubles(&args[0])?;
        Ok(Arc::new(n.iter().map(|v| v.map(|v| chr(v.trunc() as i64))).collect::<StringArray>()))
    }
}

/// The character of code `n % 256`, '' when `n` is negative.
pub fn chr(n: i64) -> String {
    if n < 0 { String::new() } else { char::from((n % 256) as u8).to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_modulo_256() {
        assert_eq!(chr(65), "A");
        assert_eq!(chr(321), "A");
        assert_eq!(chr(-5), "");
        assert_eq!(chr(233), "é");
    }
}
