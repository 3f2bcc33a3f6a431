//! Results as one JSON document, written as it streams:
//!
//! ```text
//! {"columns":[{"name":"id","type":"int"},...],"rows":[
//! [1,"a"],
//! [2,"b"]
//! ],"row_count":2,"elapsed_ms":5}
//! ```
//!
//! One row per line, so line-oriented tools can follow a long result. Values:
//! integers and floats are JSON numbers, except NaN and ±infinity, which
//! JSON cannot represent and are written as the strings `"NaN"`,
//! `"Infinity"`, `"-Infinity"`; decimals are strings (exact, in Hive's text
//! form, as no JSON reader keeps their precision); booleans and strings as
//! such; binary as base64 strings (standard alphabet, padded); arrays as
//! arrays; maps as objects whose keys are the keys' Hive text; structs as
//! objects; NULL as `null`. Every other type (dates, timestamps, intervals,
//! ...) is written as a string in Hive's text form.

use std::io::Write;
use std::time::Duration;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::*;
use enma_values::display::display_value;

use super::Encoder;
use enma_common::error::Result;
use enma_hive::types::hive_type_name;

/// See the module documentation for the layout.
#[derive(Default)]
pub struct JsonEncoder {
    wrote_row: bool,
}

impl Encoder for JsonEncoder {
    fn begin(&mut self, schema: &SchemaRef) -> Result<Vec<u8>> {
        let mut out = b"{\"columns\":[".to_vec();
        for (i, field) in schema.fields().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"name\":");
            write_str(&mut out, field.name());
            out.extend_from_slice(b",\"type\":");
            write_str(&mut out, &hive_type_name(field.data_type()));
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"rows\":[");
        Ok(out)
    }

    fn batch(&mut self, batch: &RecordBatch) -> Result<Vec<u8>> {
        let columns = super::undictionary(batch)?;
        let mut out = Vec::with_capacity(batch.num_rows() * (columns.len() * 8 + 4));
        for row in 0..batch.num_rows() {
            out.extend_from_slice(if self.wrote_row { b",\n[" } else { b"\n[" });
            self.wrote_row = true;
            for (i, column) in columns.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(&mut out, column.as_ref(), row);
            }
            out.push(b']');
        }
        Ok(out)
    }

    fn finish(&mut self, row_count: u64, elapsed: Duration) -> Result<Vec<u8>> {
        Ok(format!("\n],\"row_count\":{row_count},\"elapsed_ms\":{}}}\n", elapsed.as_millis()).into_bytes())
    }
}

/// Appends the JSON form of `array[row]`.
pub fn write_value(out: &mut Vec<u8>, array: &dyn Array, row: usize) {
    if array.data_type() == &DataType::Null || array.is_null(row) {
        out.extend_from_slice(b"null");
        return;
    }
    match array.data_type() {
        DataType::Boolean => out.extend_from_slice(if array.as_boolean().value(row) { b"true" } else { b"false" }),
        DataType::Int8 => write_display(out, array.as_primitive::<Int8Type>().value(row)),
        DataType::Int16 => write_display(out, array.as_primitive::<Int16Type>().value(row)),
        DataType::Int32 => write_display(out, array.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => write_display(out, array.as_primitive::<Int64Type>().value(row)),
        DataType::UInt8 => write_display(out, array.as_primitive::<UInt8Type>().value(row)),
        DataType::UInt16 => write_display(out, array.as_primitive::<UInt16Type>().value(row)),
        DataType::UInt32 => write_display(out, array.as_primitive::<UInt32Type>().value(row)),
        DataType::UInt64 => write_display(out, array.as_primitive::<UInt64Type>().value(row)),
        DataType::Float16 => write_f32(out, array.as_primitive::<Float16Type>().value(row).to_f32()),
        DataType::Float32 => write_f32(out, array.as_primitive::<Float32Type>().value(row)),
        DataType::Float64 => write_f64(out, array.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 => write_str(out, array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => write_str(out, array.as_string::<i64>().value(row)),
        DataType::Utf8View => write_str(out, array.as_string_view().value(row)),
        DataType::Binary => write_base64(out, array.as_binary::<i32>().value(row)),
        DataType::LargeBinary => write_base64(out, array.as_binary::<i64>().value(row)),
        DataType::BinaryView => write_base64(out, array.as_binary_view().value(row)),
        DataType::FixedSizeBinary(_) => write_base64(out, array.as_fixed_size_binary().value(row)),
        DataType::List(_) => {
            let list = array.as_list::<i32>();
            let offsets = list.value_offsets();
            write_array(out, list.values().as_ref(), offsets[row] as usize..offsets[row + 1] as usize);
        }
        DataType::LargeList(_) => {
            let list = array.as_list::<i64>();
            let offsets = list.value_offsets();
            write_array(out, list.values().as_ref(), offsets[row] as usize..offsets[row + 1] as usize);
        }
        DataType::FixedSizeList(_, size) => {
            let list = array.as_fixed_size_list();
            let start = list.value_offset(row) as usize;
            write_array(out, list.values().as_ref(), start..start + *size as usize);
        }
        DataType::Map(..) => {
            let map = array.as_map();
            let offsets = map.value_offsets();
            let (keys, values) = (map.keys().as_ref(), map.values().as_ref());
            out.push(b'{');
            for (n, i) in (offsets[row] as usize..offsets[row + 1] as usize).enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_key(out, keys, i);
                out.push(b':');
                write_value(out, values, i);
            }
            out.push(b'}');
        }
        DataType::Struct(fields) => {
            let columns = array.as_struct().columns();
            out.push(b'{');
            for (n, (field, column)) in fields.iter().zip(columns).enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_str(out, field.name());
                out.push(b':');
                write_value(out, column.as_ref(), row);
            }
            out.push(b'}');
        }
        _ => write_str(out, &display_value(array, row)),
    }
}

fn write_array(out: &mut Vec<u8>, values: &dyn Array, range: std::ops::Range<usize>) {
    out.push(b'[');
    for (n, i) in range.enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_value(out, values, i);
    }
    out.push(b']');
}

/// A map key as an object member name: strings as they are, other keys in Hive's text form.
fn write_key(out: &mut Vec<u8>, keys: &dyn Array, i: usize) {
    match keys.data_type() {
        _ if keys.is_null(i) => write_str(out, "NULL"),
        DataType::Utf8 => write_str(out, keys.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => write_str(out, keys.as_string::<i64>().value(i)),
        DataType::Utf8View => write_str(out, keys.as_string_view().value(i)),
        _ => write_str(out, &display_value(keys, i)),
    }
}

fn write_display(out: &mut Vec<u8>, value: impl std::fmt::Display) {
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{value}");
}

fn write_f64(out: &mut Vec<u8>, value: f64) {
    match non_finite(value.is_nan(), value.is_infinite(), value.is_sign_negative()) {
        Some(text) => write_str(out, text),
        None => write_serde(out, &value),
    }
}

/// Through serde_json as an f32, so 0.1f32 prints as `0.1`, not `0.10000000149011612`.
fn write_f32(out: &mut Vec<u8>, value: f32) {
    match non_finite(value.is_nan(), value.is_infinite(), value.is_sign_negative()) {
        Some(text) => write_str(out, text),
        None => write_serde(out, &value),
    }
}

fn non_finite(nan: bool, infinite: bool, negative: bool) -> Option<&'static str> {
    match (nan, infinite, negative) {
        (true, _, _) => Some("NaN"),
        (_, true, false) => Some("Infinity"),
        (_, true, true) => Some("-Infinity"),
        _ => None,
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    write_serde(out, s);
}

fn write_serde<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Serialising a string or a finite float into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// Standard base64 (RFC 4648, `+/`, padded) as a JSON string.
fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out.push(b'"');
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::*;

    use super::*;

    fn json(array: &dyn Array) -> Vec<String> {
        (0..array.len())
            .map(|row| {
                let mut out = Vec::new();
                write_value(&mut out, array, row);
                String::from_utf8(out).unwrap()
            })
            .collect()
    }

    #[test]
    fn scalars() {
        assert_eq!(json(&Int64Array::from(vec![Some(1), None, Some(-7)])), ["1", "null", "-7"]);
        assert_eq!(json(&BooleanArray::from(vec![true, false])), ["true", "false"]);
        assert_eq!(
            json(&Float64Array::from(vec![1.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300])),
            ["1.5", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "1e+300"]
        );
        assert_eq!(json(&Float32Array::from(vec![0.1f32])), ["0.1"]);
        assert_eq!(json(&StringArray::from(vec!["a\"b\n"])), ["\"a\\\"b\\n\""]);
        assert_eq!(json(&NullArray::new(2)), ["null", "null"]);
    }

    #[test]
    fn base64() {
        let array = BinaryArray::from(vec![&b""[..], b"f", b"fo", b"foo", b"foob", b"\xff\xfe"]);
        assert_eq!(json(&array), ["\"\"", "\"Zg==\"", "\"Zm8=\"", "\"Zm9v\"", "\"Zm9vYg==\"", "\"//4=\""]);
    }

    #[test]
    fn nested() {
        let list =
            ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1), None]), None, Some(vec![])]);
        assert_eq!(json(&list), ["[1,null]", "null", "[]"]);
        let sliced = list.slice(1, 2);
        assert_eq!(json(&sliced), ["null", "[]"]);

        let strukt = StructArray::from(vec![
            (Arc::new(Field::new("a", DataType::Int32, true)), Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef),
            (
                Arc::new(Field::new("b", DataType::Utf8, true)),
                Arc::new(StringArray::from(vec![Some("x"), None])) as ArrayRef,
            ),
        ]);
        assert_eq!(json(&strukt), ["{\"a\":1,\"b\":\"x\"}", "{\"a\":2,\"b\":null}"]);

        let mut builder = MapBuilder::new(None, StringBuilder::new(), Int32Builder::new());
        builder.keys().append_value("k");
        builder.values().append_value(1);
        builder.keys().append_value("j");
        builder.values().append_null();
        builder.append(true).unwrap();
        builder.append(false).unwrap();
        assert_eq!(json(&builder.finish()), ["{\"k\":1,\"j\":null}", "null"]);
    }
}
