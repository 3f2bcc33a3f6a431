//! `character_length(str)` (also `char_length`): the number of characters;
//! a binary is read as UTF-8 and its characters counted.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, Int32Array};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, binaries};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct CharacterLength;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "character_length(str)",
        "the number of characters in str (UTF-8 characters of a binary)",
        "> SELECT character_length('玩ab');\n 3",
    )
});

impl TextFunction for CharacterLength {
    fn name(&self) -> &'static str {
        "character_length"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["char_length"]
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
        Ok(Arc::new(b.iter().map(|v| v.map(utf8_chars)).collect::<Int32Array>()))
    }
}

/// Characters of UTF-8 bytes: every byte that is not a continuation byte.
pub fn utf8_chars(bytes: &[u8]) -> i32 {
    bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(utf8_chars("玩ab".as_bytes()), 3);
        assert_eq!(utf8_chars(b""), 0);
    }
}
