//! `encode(str, charset)`: the bytes of str in charset (UTF-8, US-ASCII,
//! ISO-8859-1, UTF-16, UTF-16BE, UTF-16LE); NULL for a character the charset
//! cannot hold or an unknown charset. UTF-16 starts with a big-endian byte
//! order mark, as Java writes it.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, BinaryArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use super::decode::Charset;
use crate::common::text::{TextFunction, at, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Encode;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "encode(str, charset)",
        "the bytes of str in charset ('US-ASCII', 'ISO-8859-1', 'UTF-8', 'UTF-16BE', 'UTF-16LE' or 'UTF-16')",
        "> SELECT hex(encode('é', 'ISO-8859-1'));\n E9",
    )
});

impl TextFunction for Encode {
    fn name(&self) -> &'static str {
        "encode"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=2
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let (s, cs) = (strings(&args[0])?, strings(&args[1])?);
        let out: BinaryArray = (0..rows).map(|i| encode(at(&s, i)?, Charset::named(at(&cs, i)?)?)).collect();
        Ok(Arc::new(out))
    }
}

/// The bytes of `s` in `cs`, None when a character does not fit.
pub fn encode(s: &str, cs: Charset) -> Option<Vec<u8>> {
    match cs {
        Charset::Utf8 => Some(s.as_bytes().to_vec()),
        Charset::Ascii => s.is_ascii().then(|| s.as_bytes().to_vec()),
        Charset::Latin1 => s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect(),
        Charset::Utf16 => Some([0xFE, 0xFF].into_iter().chain(s.encode_utf16().flat_map(u16::to_be_bytes)).collect()),
        Charset::Utf16Be => Some(s.encode_utf16().flat_map(u16::to_be_bytes).collect()),
        Charset::Utf16Le => Some(s.encode_utf16().flat_map(u16::to_le_bytes).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_charsets() {
        assert_eq!(encode("é", Charset::Latin1).unwrap(), [0xE9]);
        assert_eq!(encode("é", Charset::Utf16).unwrap(), [0xFE, 0xFF, 0x00, 0xE9]);
        assert_eq!(encode("玩", Charset::Latin1), None);
        assert_eq!(encode("é", Charset::Ascii), None);
    }
}
