//! `rpad(str, len, pad)`: str padded on the right with repetitions of pad to len
//! characters, or cut to its first len characters when longer. NULL when
//! len is negative, or when padding is needed and pad is empty.

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use super::lpad::pad_rows;
use crate::common::text::TextFunction;
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Rpad;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "rpad(str, len, pad)",
        "str padded on the right with pad to len characters; a str longer than len is cut to len characters",
        "> SELECT rpad('hi', 5, '??');\n hi???\n> SELECT rpad('hi', 1, '??');\n h",
    )
});

impl TextFunction for Rpad {
    fn name(&self) -> &'static str {
        "rpad"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        3..=3
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        pad_rows("rpad", args, rows, false)
    }
}

#[cfg(test)]
mod tests {
    use crate::string::lpad::pad;

    #[test]
    fn pads_on_the_right_or_cuts() {
        assert_eq!(pad("hi", 1, "?", false).unwrap(), "h");
        assert_eq!(pad("hi", 5, ".", false).unwrap(), "hi...");
        assert_eq!(pad("hi", 6, "123", false).unwrap(), "hi1231");
    }
}
