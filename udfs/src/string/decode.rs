//! `decode(bin, charset)`: the text that the bytes of bin stand for in
//! charset (UTF-8, US-ASCII, ISO-8859-1, UTF-16, UTF-16BE, UTF-16LE); NULL
//! for bytes that are not valid in it or an unknown charset.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, binaries, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Decode;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "decode(bin, charset)",
        "the string that bin encodes in charset ('US-ASCII', 'ISO-8859-1', 'UTF-8', 'UTF-16BE', 'UTF-16LE' or 'UTF-16')",
        "> SELECT decode(binary('abc'), 'UTF-8');\n abc",
    )
});

/// The charsets Hive names, as Java spells them or their common aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    Ascii,
    Latin1,
    Utf16,
    Utf16Be,
    Utf16Le,
}

impl Charset {
    /// The charset of a Java charset name (case and blanks ignored).
    pub fn named(name: &str) -> Option<Charset> {
        Some(match name.trim().to_ascii_uppercase().replace('_', "-").as_str() {
            "UTF-8" | "UTF8" => Charset::Utf8,
            "US-ASCII" | "ASCII" => Charset::Ascii,
            "ISO-8859-1" | "ISO8859-1" | "LATIN1" | "ISO-LATIN-1" => Charset::Latin1,
            "UTF-16" | "UTF16" => Charset::Utf16,
            "UTF-16BE" | "UTF16BE" => Charset::Utf16Be,
            "UTF-16LE" | "UTF16LE" => Charset::Utf16Le,
            _ => return None,
        })
    }
}

impl TextFunction for Decode {
    fn name(&self) -> &'static str {
        "decode"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=2
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let (b, cs) = (binaries(&args[0])?, strings(&args[1])?);
        let out: StringArray = (0..rows)
            .map(|i| {
                let bytes = b.is_valid(i).then(|| b.value(i))?;
                decode(bytes, Charset::named(at(&cs, i)?)?)
            })
            .collect();
        Ok(Arc::new(out))
    }
}

/// The text of `bytes` in `cs`, None when they are not valid in it.
pub fn decode(bytes: &[u8], cs: Charset) -> Option<String> {
    match cs {
        Charset::Utf8 => String::from_utf8(bytes.to_vec()).ok(),
        Charset::Ascii => bytes.is_ascii().then(|| String::from_utf8_lossy(bytes).into_owned()),
        Charset::Latin1 => Some(bytes.iter().map(|b| char::from(*b)).collect()),
        Charset::Utf16 => match bytes {
            [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
            [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
            _ => utf16(bytes, true),
        },
        Charset::Utf16Be => utf16(bytes, true),
        Charset::Utf16Le => utf16(bytes, false),
    }
}

fn utf16(bytes: &[u8], big_endian: bool) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units = bytes
        .chunks(2)
        .map(|c| if big_endian { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_le_bytes([c[0], c[1]]) });
    char::decode_utf16(units).collect::<std::result::Result<String, _>>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_charsets() {
        assert_eq!(decode(b"TestDecode1", Charset::named("UTF-8").unwrap()).unwrap(), "TestDecode1");
        assert_eq!(decode(&[0xE9], Charset::Latin1).unwrap(), "é");
        assert_eq!(decode(&[0xFE, 0xFF, 0x00, 0xE9], Charset::Utf16).unwrap(), "é");
        assert_eq!(decode(&[0xFF], Charset::Utf8), None);
        assert_eq!(Charset::named("EBCDIC"), None);
    }
}
