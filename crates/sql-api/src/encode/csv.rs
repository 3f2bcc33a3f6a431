//! Results as CSV (RFC 4180): a header row of column names, then one line
//! per row, lines ended by `\n`.
//!
//! Cells hold Hive's text form of each value (what the Hive CLI prints:
//! `1.5`, `2024-01-31`, `[1,2]`, `{"k":1}`). NULL is an empty field; an empty
//! string is written quoted (`""`) so the two stay distinguishable. Fields
//! with a comma, a quote or a line break are quoted, quotes doubled.

use std::time::Duration;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, SchemaRef};
use enma_values::display::write_display_value;

use super::Encoder;
use enma_common::error::Result;

/// See the module documentation for the layout.
pub struct CsvEncoder;

impl Encoder for CsvEncoder {
    fn begin(&mut self, schema: &SchemaRef) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for (i, field) in schema.fields().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_field(&mut out, field.name());
        }
        out.push(b'\n');
        Ok(out)
    }

    fn batch(&mut self, batch: &RecordBatch) -> Result<Vec<u8>> {
        let columns = super::undictionary(batch)?;
        let mut out = Vec::with_capacity(batch.num_rows() * (columns.len() * 8 + 1));
        let mut text = String::new();
        for row in 0..batch.num_rows() {
            for (i, column) in columns.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_cell(&mut out, column.as_ref(), row, &mut text);
            }
            out.push(b'\n');
        }
        Ok(out)
    }

    fn finish(&mut self, _row_count: u64, _elapsed: Duration) -> Result<Vec<u8>> {
        Ok(Vec::new())
    }
}

/// `text` is scratch space, reused across cells.
fn write_cell(out: &mut Vec<u8>, array: &dyn Array, row: usize, text: &mut String) {
    if array.data_type() == &DataType::Null || array.is_null(row) {
        return;
    }
    match array.data_type() {
        DataType::Utf8 => write_field(out, array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => write_field(out, array.as_string::<i64>().value(row)),
        DataType::Utf8View => write_field(out, array.as_string_view().value(row)),
        _ => {
            text.clear();
            write_display_value(array, row, text);
            write_field(out, text);
        }
    }
}

/// One field, quoted when it must be (or when empty, to differ from NULL).
fn write_field(out: &mut Vec<u8>, text: &str) {
    if !text.is_empty() && !text.contains([',', '"', '\n', '\r']) {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    out.push(b'"');
    for part in text.split_inclusive('"') {
        out.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str) -> String {
        let mut out = Vec::new();
        write_field(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quoting() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field(""), "\"\"");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("\""), "\"\"\"\"");
    }
}
