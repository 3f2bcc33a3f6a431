//! Writing Arrow batches as Hive writes text files (`LazySimpleSerDe.serialize`).
//!
//! NULL at any depth is the null format (`\N`); numbers, booleans, decimals,
//! dates and timestamps take the form Hive prints them in (shared with the
//! CLI through [`enma_udfs::hive_text`]); binaries are base64; strings are
//! written raw, not quoted, even inside complex values. Complex values join
//! their parts with the separator of their nesting level, as
//! [`super::decode`] splits them.
//!
//! With an escape character, the escape character itself and every separator
//! inside a string are written as escape + byte, as Hive does; newline and
//! carriage return are written as escape + `n` / `r` (Hive's
//! `serialization.escape.crlf`), so a value never breaks its row.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use arrow::downcast_dictionary_array;
use arrow::error::ArrowError;
use enma_values::display::write_display_value;

use super::TextOptions;

/// How many nesting levels have a separator that strings must escape (Hive's 8).
const ESCAPED_LEVELS: usize = 8;

/// Encodes a batch as Hive writes text files (each row + line_delim).
pub fn encode_batch(batch: &RecordBatch, opts: &TextOptions, out: &mut Vec<u8>) -> Result<(), ArrowError> {
    let mut enc = Encoder::new(opts);
    for row in 0..batch.num_rows() {
        for (i, column) in batch.columns().iter().enumerate() {
            if i > 0 {
                out.push(opts.field_delim);
            }
            enc.value(column.as_ref(), row, 1, out);
        }
        out.push(opts.line_delim);
    }
    Ok(())
}

struct Encoder<'o> {
    opts: &'o TextOptions,
    needs_escape: [bool; 256],
    scratch: String,
}

impl<'o> Encoder<'o> {
    fn new(opts: &'o TextOptions) -> Self {
        let mut needs_escape = [false; 256];
        if let Some(e) = opts.escape {
            needs_escape[e as usize] = true;
            for level in 0..ESCAPED_LEVELS {
                needs_escape[opts.separator(level) as usize] = true;
            }
            needs_escape[b'\n' as usize] = true;
            needs_escape[b'\r' as usize] = true;
            needs_escape[opts.line_delim as usize] = true;
        }
        Self { opts, needs_escape, scratch: String::new() }
    }

    /// Writes one value whose parts (if complex) are joined on the separator of `level`.
    fn value(&mut self, array: &dyn Array, row: usize, level: usize, out: &mut Vec<u8>) {
        if matches!(array.data_type(), DataType::Null) || array.is_null(row) {
            out.extend_from_slice(self.opts.null_format.as_bytes());
            return;
        }
        match array.data_type() {
            DataType::Utf8 => self.string(array.as_string::<i32>().value(row).as_bytes(), out),
            DataType::LargeUtf8 => self.string(array.as_string::<i64>().value(row).as_bytes(), out),
            DataType::Utf8View => self.string(array.as_string_view().value(row).as_bytes(), out),
            DataType::Binary => base64(array.as_binary::<i32>().value(row), out),
            DataType::LargeBinary => base64(array.as_binary::<i64>().value(row), out),
            DataType::BinaryView => base64(array.as_binary_view().value(row), out),
            DataType::FixedSizeBinary(_) => base64(array.as_fixed_size_binary().value(row), out),
            DataType::List(_) => {
                let l = array.as_list::<i32>();
                let o = l.value_offsets();
                self.elements(l.values().as_ref(), o[row] as usize, o[row + 1] as usize, level, out)
            }
            DataType::LargeList(_) => {
                let l = array.as_list::<i64>();
                let o = l.value_offsets();
                self.elements(l.values().as_ref(), o[row] as usize, o[row + 1] as usize, level, out)
            }
            DataType::ListView(_) => {
                let l = array.as_list_view::<i32>();
                let start = l.value_offsets()[row] as usize;
                self.elements(l.values().as_ref(), start, start + l.value_sizes()[row] as usize, level, out)
            }
            DataType::LargeListView(_) => {
                let l = array.as_list_view::<i64>();
                let start = l.value_offsets()[row] as usize;
                self.elements(l.values().as_ref(), start, start + l.value_sizes()[row] as usize, level, out)
            }
            DataType::FixedSizeList(_, n) => {
                let l = array.as_fixed_size_list();
                let start = l.value_offset(row) as usize;
                self.elements(l.values().as_ref(), start, start + *n as usize, level, out)
            }
            DataType::Map(_, _) => {
                let m = array.as_map();
                let o = m.value_offsets();
                let (entry_sep, key_sep) = (self.opts.separator(level), self.opts.separator(level + 1));
                for i in o[row] as usize..o[row + 1] as usize {
                    if i > o[row] as usize {
                        out.push(entry_sep);
                    }
                    self.value(m.keys().as_ref(), i, level + 2, out);
                    out.push(key_sep);
                    self.value(m.values().as_ref(), i, level + 2, out);
                }
            }
            DataType::Struct(_) => {
                let sep = self.opts.separator(level);
                for (i, column) in array.as_struct().columns().iter().enumerate() {
                    if i > 0 {
                        out.push(sep);
                    }
                    self.value(column.as_ref(), row, level + 1, out);
                }
            }
            DataType::Dictionary(_, _) => downcast_dictionary_array!(
                array => match array.key(row) {
                    Some(k) => self.value(array.values().as_ref(), k, level, out),
                    None => out.extend_from_slice(self.opts.null_format.as_bytes()),
                },
                _ => self.display(array, row, out)
            ),
            _ => self.display(array, row, out),
        }
    }

    fn elements(&mut self, values: &dyn Array, start: usize, end: usize, level: usize, out: &mut Vec<u8>) {
        let sep = self.opts.separator(level);
        for i in start..end {
            if i > start {
                out.push(sep);
            }
            self.value(values, i, level + 1, out);
        }
    }

    /// Scalars other than strings and binaries: as Hive prints them.
    fn display(&mut self, array: &dyn Array, row: usize, out: &mut Vec<u8>) {
        self.scratch.clear();
        write_display_value(array, row, &mut self.scratch);
        out.extend_from_slice(self.scratch.as_bytes());
    }

    fn string(&self, s: &[u8], out: &mut Vec<u8>) {
        let Some(e) = self.opts.escape else {
            out.extend_from_slice(s);
            return;
        };
        for &b in s {
            if self.needs_escape[b as usize] {
                out.push(e);
                out.push(match b {
                    b'\n' => b'n',
                    b'\r' => b'r',
                    b => b,
                });
            } else {
                out.push(b);
            }
        }
    }
}

/// Standard base64 with padding, as Hive writes BINARY in text.
fn base64(bytes: &[u8], out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Float64Builder,
        Int32Array, Int32Builder, ListBuilder, MapBuilder, StringArray, StringBuilder, StructArray,
        TimestampNanosecondArray,
    };
    use arrow::datatypes::{Field, Schema};

    use super::super::decode::decode_lines;
    use super::*;

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        let fields: Vec<Field> = columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns.into_iter().map(|(_, a)| a).collect()).unwrap()
    }

    fn encode(b: &RecordBatch, o: &TextOptions) -> Vec<u8> {
        let mut out = Vec::new();
        encode_batch(b, o, &mut out).unwrap();
        out
    }

    fn lines(bytes: &[u8]) -> Vec<&[u8]> {
        let mut l: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        l.pop();
        l
    }

    /// A batch with the values of a row Hive 2.3 wrote, and its expected text.
    fn sample() -> RecordBatch {
        let mut list = ListBuilder::new(StringBuilder::new());
        list.values().append_value("x");
        list.values().append_null();
        list.values().append_value("");
        list.append(true);
        list.append(false);
        let mut map = MapBuilder::new(None, Int32Builder::new(), Float64Builder::new());
        map.keys().append_value(1);
        map.values().append_value(1.5);
        map.keys().append_value(2);
        map.values().append_null();
        map.append(true).unwrap();
        map.append(false).unwrap();
        let mut inner = ListBuilder::new(StringBuilder::new());
        inner.values().append_value("p");
        inner.values().append_value("q");
        inner.append(true);
        inner.append(false);
        let st = StructArray::from(vec![
            (
                Arc::new(Field::new("x", DataType::Int32, true)),
                Arc::new(Int32Array::from(vec![None, None])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("y", DataType::new_list(DataType::Utf8, true), true)),
                Arc::new(inner.finish()) as ArrayRef,
            ),
        ]);
        batch(vec![
            ("i", Arc::new(Int32Array::from(vec![Some(1), None]))),
            ("d", Arc::new(Float64Array::from(vec![Some(1e10), None]))),
            ("f", Arc::new(Float32Array::from(vec![Some(1.1), None]))),
            ("dec", Arc::new(Decimal128Array::from(vec![Some(1500), None]).with_precision_and_scale(6, 3).unwrap())),
            ("b", Arc::new(BooleanArray::from(vec![Some(true), None]))),
            ("dt", Arc::new(Date32Array::from(vec![Some(18262), None]))),
            (
                "ts",
                Arc::new(TimestampNanosecondArray::from(vec![1_577_872_800_000_000_000, 1_577_872_800_500_000_000])),
            ),
            ("s", Arc::new(StringArray::from(vec![Some("a b"), None]))),
            ("bin", Arc::new(BinaryArray::from(vec![Some(&b"abc"[..]), None]))),
            ("a", Arc::new(list.finish())),
            ("m", Arc::new(map.finish())),
            ("st", Arc::new(st)),
            ("e", Arc::new(StringArray::from(vec![Some(""), None]))),
        ])
    }

    #[test]
    fn writes_as_hive() {
        let out = encode(&sample(), &TextOptions::default());
        let want = concat!(
            "1\u{1}1.0E10\u{1}1.1\u{1}1.500\u{1}true\u{1}2020-01-01\u{1}2020-01-01 10:00:00\u{1}a b\u{1}YWJj\u{1}",
            "x\u{2}\\N\u{2}\u{1}1\u{3}1.5\u{2}2\u{3}\\N\u{1}\\N\u{2}p\u{3}q\u{1}\n",
            "\\N\u{1}\\N\u{1}\\N\u{1}\\N\u{1}\\N\u{1}\\N\u{1}2020-01-01 10:00:00.5\u{1}\\N\u{1}\\N\u{1}\\N\u{1}\\N\u{1}",
            "\\N\u{2}\\N\u{1}\\N\n"
        );
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    #[test]
    fn round_trips_through_decode() {
        let b = sample();
        for o in [
            TextOptions::default(),
            TextOptions { field_delim: b',', collection_delim: b'|', map_key_delim: b':', ..Default::default() },
            TextOptions { null_format: "NULL".into(), escape: Some(b'\\'), ..Default::default() },
        ] {
            let out = encode(&b, &o);
            let back = decode_lines(&lines(&out), &b.schema(), &o).unwrap();
            assert_eq!(back, b, "{o:?}");
        }
    }

    #[test]
    fn escapes_separators_and_newlines() {
        let b = batch(vec![
            ("s", Arc::new(StringArray::from(vec!["a,b\u{1}c\\d|e\nf\rg"])) as ArrayRef),
            ("i", Arc::new(Int32Array::from(vec![5])) as ArrayRef),
        ]);
        let o = TextOptions { field_delim: b',', collection_delim: b'|', escape: Some(b'\\'), ..Default::default() };
        let out = encode(&b, &o);
        assert_eq!(out, b"a\\,b\x01c\\\\d\\|e\\nf\\rg,5\n");
        let back = decode_lines(&lines(&out), &b.schema(), &o).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn base64_pads() {
        let enc = |b: &[u8]| {
            let mut out = Vec::new();
            base64(b, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(enc(b""), "");
        assert_eq!(enc(b"a"), "YQ==");
        assert_eq!(enc(b"ab"), "YWI=");
        assert_eq!(enc(b"abc"), "YWJj");
        assert_eq!(enc(&[0xff, 0xfe, 0x00, 0x01]), "//4AAQ==");
    }
}
