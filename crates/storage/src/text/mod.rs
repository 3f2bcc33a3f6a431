//! Hive's text table format (`STORED AS TEXTFILE`, the `LazySimpleSerDe`).
//!
//! A row is one line; its fields are separated by the field delimiter
//! (`\001` by default). Complex values nest with one separator per level:
//! level 1 is the field delimiter, level 2 the collection delimiter (`\002`),
//! level 3 the map-key delimiter (`\003`), then the bytes `\004` .. `\010`.
//! An array at the top level splits its elements on level 2, a map splits
//! its entries on level 2 and each key from its value on level 3, a struct
//! splits its fields on level 2; deeper values take the next levels. A field
//! equal to the null format (`\N`) is NULL.
//!
//! Reading is forgiving, as in Hive: missing trailing fields are NULL, extra
//! fields are ignored and a value that does not parse as its column's type is
//! NULL, never an error. [`decode`] turns lines into Arrow batches, [`encode`]
//! writes batches as Hive writes them, and [`source`] plugs the reader into
//! DataFusion's file scans.

pub mod decode;
pub mod encode;
pub mod source;

use std::collections::BTreeMap;

pub use decode::decode_lines;
pub use encode::encode_batch;
pub use source::{HiveTextSource, text_file_source};

/// How a text table's files are laid out: Hive's SerDe and table properties.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TextOptions {
    /// Between the fields of a row (`FIELDS TERMINATED BY`), default 0x01.
    pub field_delim: u8,
    /// Between the items of an array or the entries of a map, default 0x02.
    pub collection_delim: u8,
    /// Between a map key and its value, default 0x03.
    pub map_key_delim: u8,
    /// Between rows, default `\n` (which also accepts `\r\n` and a lone `\r`, as Hadoop does).
    pub line_delim: u8,
    /// The text of NULL (`serialization.null.format`), default `\N`.
    pub null_format: String,
    /// `ESCAPED BY`: this byte followed by any byte stands for that byte.
    pub escape: Option<u8>,
    /// Lines skipped at the start of each file (`skip.header.line.count`).
    pub skip_header_lines: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        Self {
            field_delim: 0x01,
            collection_delim: 0x02,
            map_key_delim: 0x03,
            line_delim: b'\n',
            null_format: "\\N".to_string(),
            escape: None,
            skip_header_lines: 0,
        }
    }
}

impl TextOptions {
    /// From Hive SerDe properties (keys: field.delim, serialization.format, colelction.delim [Hive's misspelling] and collection.delim, mapkey.delim, line.delim, serialization.null.format, escape.delim) and table properties (skip.header.line.count).
    ///
    /// Delimiter values follow Hive's `LazySerDeParameters.getByte`: a value
    /// that parses as a signed byte number is that byte (so `'9'` is the tab
    /// character 9 and `'44'` is a comma), anything else is its first character.
    pub fn from_properties(serde: &BTreeMap<String, String>, table: &BTreeMap<String, String>) -> TextOptions {
        let d = TextOptions::default();
        let get = |k: &str| serde.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let field_delim = get("field.delim").or_else(|| get("serialization.format"));
        TextOptions {
            field_delim: field_delim.map_or(d.field_delim, hive_byte),
            collection_delim: get("collection.delim")
                .or_else(|| get("colelction.delim"))
                .map_or(d.collection_delim, hive_byte),
            map_key_delim: get("mapkey.delim").map_or(d.map_key_delim, hive_byte),
            line_delim: get("line.delim").map_or(d.line_delim, hive_byte),
            null_format: serde.get("serialization.null.format").cloned().unwrap_or(d.null_format),
            escape: get("escape.delim").map(hive_byte),
            skip_header_lines: table
                .get("skip.header.line.count")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .map_or(0, |n| n.max(0) as usize),
        }
    }

    /// Hive's separator list, counted from 0: index 0 is between the fields
    /// of a row, 1 between the items of a top-level array or map, 2 between a
    /// top-level map's keys and values (and the items of nested arrays), ...
    pub fn separator(&self, level: usize) -> u8 {
        match level {
            0 => self.field_delim,
            1 => self.collection_delim,
            2 => self.map_key_delim,
            // Hive's defaults for indices 3..7 are the bytes 4..8. Deeper ones
            // take the control bytes Hive's extended nesting uses (skipping
            // tab, newline, form feed, carriage return and escape).
            l => EXTRA_SEPARATORS.get(l - 3).copied().unwrap_or(b'\x1d'),
        }
    }
}

const EXTRA_SEPARATORS: &[u8] = &[4, 5, 6, 7, 8, 11, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28, 29];

/// Hive's `getByte`: `Byte.parseByte(value)` if that succeeds, else the first character.
fn hive_byte(value: &str) -> u8 {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = value.parse::<i8>()
    {
        return n as u8;
    }
    value.chars().next().map_or(0, |c| c as u32 as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults() {
        let o = TextOptions::from_properties(&props(&[]), &props(&[]));
        assert_eq!(o, TextOptions::default());
        assert_eq!(o.field_delim, 1);
        assert_eq!(o.null_format, "\\N");
        assert_eq!((0..8).map(|l| o.separator(l)).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn reads_hive_properties() {
        let serde = props(&[
            ("field.delim", ","),
            ("colelction.delim", "|"),
            ("mapkey.delim", ":"),
            ("serialization.null.format", ""),
            ("escape.delim", "\\"),
        ]);
        let o = TextOptions::from_properties(&serde, &props(&[("skip.header.line.count", "2")]));
        assert_eq!((o.field_delim, o.collection_delim, o.map_key_delim), (b',', b'|', b':'));
        assert_eq!(o.null_format, "");
        assert_eq!(o.escape, Some(b'\\'));
        assert_eq!(o.skip_header_lines, 2);
    }

    #[test]
    fn delimiters_follow_get_byte() {
        let o = |v: &str| TextOptions::from_properties(&props(&[("field.delim", v)]), &props(&[])).field_delim;
        assert_eq!(o("9"), 9);
        assert_eq!(o("44"), b',');
        assert_eq!(o("\t"), b'\t');
        assert_eq!(o("200"), b'2');
        assert_eq!(o("-1"), 0xff);
        let fmt = TextOptions::from_properties(&props(&[("serialization.format", "1")]), &props(&[]));
        assert_eq!(fmt.field_delim, 1);
        let both = props(&[("collection.delim", ";"), ("colelction.delim", "|")]);
        assert_eq!(TextOptions::from_properties(&both, &props(&[])).collection_delim, b';');
    }
}
