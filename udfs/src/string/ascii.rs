//! `ascii(str)`: the value of the first byte of the string, as Hive reads it
//! (a signed Java byte, so non-ASCII text gives a negative number); 0 for ''.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, Int32Array};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Ascii;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "ascii(str)",
        "the numeric value of the first character of str, 0 when str is empty",
        "> SELECT ascii('0');\n 48\n> SELECT ascii('');\n 0",
    )
});

impl TextFunction for Ascii {
    fn name(&self) -> &'static str {
        "ascii"
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
        let s = strings(&args[0])?;
        Ok(Arc::new(s.iter().map(|v| v.map(ascii)).collect::<Int32Array>()))
    }
}

/// The first byte of `s` as a signed byte, 0 for ''.
pub fn ascii(s: &str) -> i32 {
    s.as_bytes().first().map_or(0, |b| *b as i8 as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_byte_signed() {
        assert_eq!(ascii("Facebook"), 70);
        assert_eq!(ascii(""), 0);
        assert_eq!(ascii("!"), 33);
        assert_eq!(ascii("é"), -61);
    }
}
