//! Reading Hive text rows into Arrow arrays, with `LazySimpleSerDe`'s rules.
//!
//! Decoding is columnar: each line is split into its fields once, then every
//! column is built from the byte slices of its fields, and a complex column
//! splits its slices on the next level's separator and builds its children
//! the same way. Values parse as Hive 2.3's lazy objects parse them (checked
//! against Hive): `1.5` in an INT column is 1 (the fraction is dropped),
//! doubles accept Java's syntax (`1e3`, `NaN`, `1.5d`, surrounding spaces),
//! decimals round half up to their scale and are NULL when too wide, dates
//! and timestamps follow `java.sql.Date`/`Timestamp.valueOf` (so
//! `2020-02-31` rolls over to `2020-03-02`), and binaries are base64-decoded
//! when they consist of base64 characters only.

use std::borrow::Cow;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, ArrowPrimitiveType, BinaryBuilder, BinaryViewBuilder, BooleanArray, GenericListArray,
    LargeBinaryBuilder, LargeStringBuilder, MapArray, NullArray, OffsetSizeTrait, PrimitiveArray, RecordBatch,
    RecordBatchOptions, StringBuilder, StringViewBuilder, StructArray, UInt32Array,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::{CastOptions, cast_with_options, take};
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal32Type, Decimal64Type, Decimal128Type, Decimal256Type, FieldRef, Fields,
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, SchemaRef, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow::error::ArrowError;
use chrono::{DateTime, TimeZone};

use enma_values::binary::decode_binary;
use enma_values::boolean::parse_bool;
use enma_values::datetime::{parse_date, parse_timestamp};
use enma_values::decimal::{parse_decimal, parse_decimal256};
use enma_values::number::{parse_f32, parse_f64, parse_int};

use super::TextOptions;

/// Decodes lines of text into a batch with `schema` (data columns only).
pub fn decode_lines(lines: &[&[u8]], schema: &SchemaRef, opts: &TextOptions) -> Result<RecordBatch, ArrowError> {
    let all: Vec<usize> = (0..schema.fields().len()).collect();
    decode_projected(lines, schema, &all, opts)
}

/// Decodes only the columns at `projection` (indices into `schema`), in that
/// order; the batch's schema is `schema.project(projection)`. With no columns
/// the batch still carries the row count.
pub fn decode_projected(
    lines: &[&[u8]],
    schema: &SchemaRef,
    projection: &[usize],
    opts: &TextOptions,
) -> Result<RecordBatch, ArrowError> {
    let out_schema = Arc::new(schema.project(projection)?);
    let ctx = Ctx::new(opts);
    let wanted = projection.iter().max().map_or(0, |m| m + 1);
    let mut columns: Vec<Vec<Option<&[u8]>>> = vec![Vec::with_capacity(lines.len()); projection.len()];
    let mut fields: Vec<Option<&[u8]>> = Vec::with_capacity(wanted);
    for line in lines {
        fields.clear();
        if wanted > 0 {
            fields.extend(ctx.split(line, ctx.separator(0)).take(wanted).map(Some));
        }
        fields.resize(wanted, None);
        for (slot, &idx) in projection.iter().enumerate() {
            columns[slot].push(fields[idx]);
        }
    }
    let arrays = projection
        .iter()
        .zip(&columns)
        .map(|(&idx, values)| ctx.build(values, schema.field(idx).data_type(), 1))
        .collect::<Result<Vec<_>, _>>()?;
    let options = RecordBatchOptions::new().with_row_count(Some(lines.len()));
    RecordBatch::try_new_with_options(out_schema, arrays, &options)
}

/// The options a decode needs, looked up once.
struct Ctx<'o> {
    opts: &'o TextOptions,
    null: &'o [u8],
}

impl<'o> Ctx<'o> {
    fn new(opts: &'o TextOptions) -> Self {
        Self { opts, null: opts.null_format.as_bytes() }
    }

    fn separator(&self, level: usize) -> u8 {
        self.opts.separator(level)
    }

    /// Splits on `sep`, not inside an escape pair. An empty input is one empty part.
    fn split<'a>(&self, bytes: &'a [u8], sep: u8) -> Split<'a> {
        Split { bytes, sep, escape: self.opts.escape, pos: 0, done: false }
    }

    /// A present value that is not the null text.
    fn value<'a>(&self, v: Option<&'a [u8]>) -> Option<&'a [u8]> {
        v.filter(|b| *b != self.null)
    }

    /// String content: escape pairs replaced by the byte they stand for.
    fn unescape<'a>(&self, b: &'a [u8]) -> Cow<'a, [u8]> {
        match self.opts.escape {
            Some(e) if b.contains(&e) => Cow::Owned(unescape(b, e)),
            _ => Cow::Borrowed(b),
        }
    }

    /// Builds an array of type `dt` from field slices; complex values split
    /// on the separator of `level`.
    fn build(&self, values: &[Option<&[u8]>], dt: &DataType, level: usize) -> Result<ArrayRef, ArrowError> {
        let v = |i: usize| self.value(values[i]);
        let n = values.len();
        Ok(match dt {
            DataType::Null => Arc::new(NullArray::new(n)),
            DataType::Boolean => Arc::new((0..n).map(|i| v(i).and_then(parse_bool)).collect::<BooleanArray>()),
            DataType::Int8 => ints::<Int8Type>(n, v),
            DataType::Int16 => ints::<Int16Type>(n, v),
            DataType::Int32 => ints::<Int32Type>(n, v),
            DataType::Int64 => ints::<Int64Type>(n, v),
            DataType::UInt8 => ints::<UInt8Type>(n, v),
            DataType::UInt16 => ints::<UInt16Type>(n, v),
            DataType::UInt32 => ints::<UInt32Type>(n, v),
            DataType::UInt64 => ints::<UInt64Type>(n, v),
            DataType::Float16 => {
                type F16 = <Float16Type as ArrowPrimitiveType>::Native;
                prim::<Float16Type>(n, |i| v(i).and_then(parse_f32).map(F16::from_f32))
            }
            DataType::Float32 => prim::<Float32Type>(n, |i| v(i).and_then(parse_f32)),
            DataType::Float64 => prim::<Float64Type>(n, |i| v(i).and_then(parse_f64)),
            DataType::Decimal32(p, s) => Arc::new(
                (0..n)
                    .map(|i| v(i).and_then(|b| parse_decimal(b, *p, *s)).and_then(|d| i32::try_from(d).ok()))
                    .collect::<PrimitiveArray<Decimal32Type>>()
                    .with_precision_and_scale(*p, *s)?,
            ),
            DataType::Decimal64(p, s) => Arc::new(
                (0..n)
                    .map(|i| v(i).and_then(|b| parse_decimal(b, *p, *s)).and_then(|d| i64::try_from(d).ok()))
                    .collect::<PrimitiveArray<Decimal64Type>>()
                    .with_precision_and_scale(*p, *s)?,
            ),
            DataType::Decimal128(p, s) => Arc::new(
                (0..n)
                    .map(|i| v(i).and_then(|b| parse_decimal(b, *p, *s)))
                    .collect::<PrimitiveArray<Decimal128Type>>()
                    .with_precision_and_scale(*p, *s)?,
            ),
            DataType::Decimal256(p, s) => Arc::new(
                (0..n)
                    .map(|i| v(i).and_then(|b| parse_decimal256(b, *p, *s)))
                    .collect::<PrimitiveArray<Decimal256Type>>()
                    .with_precision_and_scale(*p, *s)?,
            ),
            DataType::Utf8 => {
                let mut b = StringBuilder::with_capacity(n, n * 8);
                (0..n).for_each(|i| b.append_option(v(i).map(|x| self.text(x))));
                Arc::new(b.finish())
            }
            DataType::LargeUtf8 => {
                let mut b = LargeStringBuilder::with_capacity(n, n * 8);
                (0..n).for_each(|i| b.append_option(v(i).map(|x| self.text(x))));
                Arc::new(b.finish())
            }
            DataType::Utf8View => {
                let mut b = StringViewBuilder::with_capacity(n);
                (0..n).for_each(|i| b.append_option(v(i).map(|x| self.text(x))));
                Arc::new(b.finish())
            }
            DataType::Binary => {
                let mut b = BinaryBuilder::with_capacity(n, n * 8);
                (0..n).for_each(|i| b.append_option(v(i).map(decode_binary)));
                Arc::new(b.finish())
            }
            DataType::LargeBinary => {
                let mut b = LargeBinaryBuilder::with_capacity(n, n * 8);
                (0..n).for_each(|i| b.append_option(v(i).map(decode_binary)));
                Arc::new(b.finish())
            }
            DataType::BinaryView => {
                let mut b = BinaryViewBuilder::with_capacity(n);
                (0..n).for_each(|i| b.append_option(v(i).map(decode_binary)));
                Arc::new(b.finish())
            }
            DataType::Date32 => {
                prim::<Date32Type>(n, |i| v(i).and_then(parse_date).and_then(|d| i32::try_from(d).ok()))
            }
            DataType::Date64 => {
                prim::<Date64Type>(n, |i| v(i).and_then(parse_date).and_then(|d| d.checked_mul(86_400_000)))
            }
            DataType::Timestamp(unit, tz) => self.timestamps(n, v, *unit, tz.as_deref())?,
            DataType::List(f) => self.list::<i32>(values, f, level)?,
            DataType::LargeList(f) => self.list::<i64>(values, f, level)?,
            DataType::Map(entries, sorted) => self.map(values, entries, *sorted, level)?,
            DataType::Struct(fields) => self.structs(values, fields, level)?,
            DataType::Dictionary(_, inner) => cast_with_options(&self.build(values, inner, level)?, dt, &safe_cast())?,
            other => {
                // Types Hive text has no form of its own for: Arrow's cast from
                // the string, NULL where it fails.
                let text = self.build(values, &DataType::Utf8, level)?;
                cast_with_options(&text, other, &safe_cast())?
            }
        })
    }

    /// A string value: unescaped, invalid UTF-8 replaced (borrowed when neither applies).
    fn text<'a>(&self, b: &'a [u8]) -> Cow<'a, str> {
        match self.unescape(b) {
            Cow::Borrowed(b) => String::from_utf8_lossy(b),
            Cow::Owned(v) => {
                Cow::Owned(String::from_utf8(v).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
            }
        }
    }

    fn timestamps<'a>(
        &self,
        n: usize,
        v: impl Fn(usize) -> Option<&'a [u8]>,
        unit: TimeUnit,
        tz: Option<&str>,
    ) -> Result<ArrayRef, ArrowError> {
        let zone: Option<arrow::array::timezone::Tz> = tz.and_then(|t| t.parse().ok());
        let instant = |b: &[u8]| -> Option<i64> {
            let (mut secs, nanos) = parse_timestamp(b)?;
            if let Some(zone) = &zone {
                // The text is the wall clock in the column's zone.
                let local = DateTime::from_timestamp(secs, 0)?.naive_utc();
                secs = zone.from_local_datetime(&local).earliest()?.timestamp();
            }
            let nanos = nanos as i64;
            match unit {
                TimeUnit::Second => Some(secs),
                TimeUnit::Millisecond => secs.checked_mul(1_000)?.checked_add(nanos / 1_000_000),
                TimeUnit::Microsecond => secs.checked_mul(1_000_000)?.checked_add(nanos / 1_000),
                TimeUnit::Nanosecond => secs.checked_mul(1_000_000_000)?.checked_add(nanos),
            }
        };
        let values = (0..n).map(|i| v(i).and_then(instant));
        let array: ArrayRef = match unit {
            TimeUnit::Second => Arc::new(values.collect::<PrimitiveArray<TimestampSecondType>>().with_timezone_opt(tz)),
            TimeUnit::Millisecond => {
                Arc::new(values.collect::<PrimitiveArray<TimestampMillisecondType>>().with_timezone_opt(tz))
            }
            TimeUnit::Microsecond => {
                Arc::new(values.collect::<PrimitiveArray<TimestampMicrosecondType>>().with_timezone_opt(tz))
            }
            TimeUnit::Nanosecond => {
                Arc::new(values.collect::<PrimitiveArray<TimestampNanosecondType>>().with_timezone_opt(tz))
            }
        };
        Ok(array)
    }

    /// ARRAY: elements split on this level's separator; an empty value is an empty array.
    fn list<O: OffsetSizeTrait>(
        &self,
        values: &[Option<&[u8]>],
        field: &FieldRef,
        level: usize,
    ) -> Result<ArrayRef, ArrowError> {
        let sep = self.separator(level);
        let mut children: Vec<Option<&[u8]>> = Vec::new();
        let mut lengths = Vec::with_capacity(values.len());
        let mut valid = Vec::with_capacity(values.len());
        for v in values {
            let before = children.len();
            match self.value(*v) {
                Some(b) => {
                    if !b.is_empty() {
                        children.extend(self.split(b, sep).map(Some));
                    }
                    valid.push(true);
                }
                None => valid.push(false),
            }
            lengths.push(children.len() - before);
        }
        let child = self.build(&children, field.data_type(), level + 1)?;
        let array =
            GenericListArray::<O>::try_new(field.clone(), OffsetBuffer::from_lengths(lengths), child, nulls(valid))?;
        Ok(Arc::new(array))
    }

    /// MAP: entries split on this level's separator, each key from its value
    /// on the next. As in Hive, entries whose key is NULL are dropped and the
    /// first of duplicate keys wins; an entry without a value has a NULL value.
    fn map(
        &self,
        values: &[Option<&[u8]>],
        entries: &FieldRef,
        sorted: bool,
        level: usize,
    ) -> Result<ArrayRef, ArrowError> {
        let DataType::Struct(kv) = entries.data_type() else {
            return Err(ArrowError::SchemaError(format!("map entries must be a struct, got {}", entries.data_type())));
        };
        let (entry_sep, key_sep) = (self.separator(level), self.separator(level + 1));
        let mut keys: Vec<Option<&[u8]>> = Vec::new();
        let mut vals: Vec<Option<&[u8]>> = Vec::new();
        let mut owner: Vec<usize> = Vec::new();
        let mut valid = Vec::with_capacity(values.len());
        for (row, v) in values.iter().enumerate() {
            let Some(b) = self.value(*v) else {
                valid.push(false);
                continue;
            };
            valid.push(true);
            if b.is_empty() {
                continue;
            }
            let first = keys.len();
            for entry in self.split(b, entry_sep) {
                let mut kv = self.split(entry, key_sep);
                let key = kv.next().unwrap_or(entry);
                let value = (key.len() < entry.len()).then(|| &entry[key.len() + 1..]);
                if key == self.null || keys[first..].contains(&Some(key)) {
                    continue;
                }
                keys.push(Some(key));
                vals.push(value);
                owner.push(row);
            }
        }
        let key_array = self.build(&keys, kv[0].data_type(), level + 2)?;
        let value_array = self.build(&vals, kv[1].data_type(), level + 2)?;
        // Keys that do not parse as the key type are NULL: Hive drops those entries.
        let keep: Vec<u32> = (0..keys.len()).filter(|&i| key_array.is_valid(i)).map(|i| i as u32).collect();
        let (key_array, value_array) = if keep.len() == keys.len() {
            (key_array, value_array)
        } else {
            let idx = UInt32Array::from(keep.clone());
            (take(key_array.as_ref(), &idx, None)?, take(value_array.as_ref(), &idx, None)?)
        };
        let mut lengths = vec![0usize; values.len()];
        for &i in &keep {
            lengths[owner[i as usize]] += 1;
        }
        let entries_array = StructArray::try_new(kv.clone(), vec![key_array, value_array], None)?;
        let map = MapArray::try_new(
            entries.clone(),
            OffsetBuffer::from_lengths(lengths),
            entries_array,
            nulls(valid),
            sorted,
        )?;
        Ok(Arc::new(map))
    }

    /// STRUCT: fields split on this level's separator; missing fields are NULL.
    fn structs(&self, values: &[Option<&[u8]>], fields: &Fields, level: usize) -> Result<ArrayRef, ArrowError> {
        let sep = self.separator(level);
        let mut children: Vec<Vec<Option<&[u8]>>> = vec![Vec::with_capacity(values.len()); fields.len()];
        let mut valid = Vec::with_capacity(values.len());
        for v in values {
            let b = self.value(*v);
            valid.push(b.is_some());
            let mut parts = b.map(|b| self.split(b, sep));
            for child in children.iter_mut() {
                child.push(parts.as_mut().and_then(Iterator::next));
            }
        }
        let arrays = fields
            .iter()
            .zip(&children)
            .map(|(f, c)| self.build(c, f.data_type(), level + 1))
            .collect::<Result<Vec<_>, _>>()?;
        if fields.is_empty() {
            return Ok(Arc::new(StructArray::new_empty_fields(values.len(), nulls(valid))));
        }
        Ok(Arc::new(StructArray::try_new(fields.clone(), arrays, nulls(valid))?))
    }
}

fn safe_cast() -> CastOptions<'static> {
    CastOptions { safe: true, ..Default::default() }
}

fn nulls(valid: Vec<bool>) -> Option<NullBuffer> {
    if valid.iter().all(|v| *v) { None } else { Some(NullBuffer::from(valid)) }
}

fn prim<T: ArrowPrimitiveType>(n: usize, f: impl Fn(usize) -> Option<T::Native>) -> ArrayRef {
    Arc::new((0..n).map(f).collect::<PrimitiveArray<T>>())
}

fn ints<'a, T>(n: usize, v: impl Fn(usize) -> Option<&'a [u8]>) -> ArrayRef
where
    T: ArrowPrimitiveType,
    T::Native: TryFrom<i128>,
{
    prim::<T>(n, |i| v(i).and_then(parse_int).and_then(|x| T::Native::try_from(x).ok()))
}

/// Parts of a byte string between separators, skipping escaped bytes.
struct Split<'a> {
    bytes: &'a [u8],
    sep: u8,
    escape: Option<u8>,
    pos: usize,
    done: bool,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.done {
            return None;
        }
        let start = self.pos;
        let b = self.bytes;
        let mut i = start;
        match self.escape {
            None => match memchr(self.sep, &b[start..]) {
                Some(off) => i = start + off,
                None => i = b.len(),
            },
            Some(e) => {
                while i < b.len() && b[i] != self.sep {
                    // The byte after an escape is data, even a separator.
                    i += if b[i] == e && i + 1 < b.len() { 2 } else { 1 };
                }
                i = i.min(b.len());
            }
        }
        if i >= b.len() {
            self.done = true;
        } else {
            self.pos = i + 1;
        }
        Some(&b[start..i])
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Escape pairs replaced: `\n` and `\r` (escape + `n`/`r`) stand for newline and
/// carriage return, escape + any other byte for that byte.
pub(crate) fn unescape(b: &[u8], escape: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == escape && i + 1 < b.len() {
            out.push(match b[i + 1] {
                b'n' => b'\n',
                b'r' => b'\r',
                c => c,
            });
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use arrow::array::AsArray;
    use arrow::datatypes::{Field, Schema};
    use enma_values::display::display_value;

    use super::*;

    fn schema(fields: Vec<(&str, DataType)>) -> SchemaRef {
        Arc::new(Schema::new(fields.into_iter().map(|(n, t)| Field::new(n, t, true)).collect::<Vec<_>>()))
    }

    fn rows(batch: &RecordBatch) -> Vec<String> {
        (0..batch.num_rows())
            .map(|r| batch.columns().iter().map(|c| display_value(c.as_ref(), r)).collect::<Vec<_>>().join("|"))
            .collect()
    }

    fn decode(text: &[&str], s: &SchemaRef, o: &TextOptions) -> Vec<String> {
        let lines: Vec<&[u8]> = text.iter().map(|l| l.as_bytes()).collect();
        rows(&decode_lines(&lines, s, o).unwrap())
    }

    #[test]
    fn splits_fields_with_missing_and_extra() {
        let s = schema(vec![("a", DataType::Int32), ("b", DataType::Utf8), ("c", DataType::Utf8)]);
        let o = TextOptions::default();
        assert_eq!(
            decode(&["1\u{1}x\u{1}y\u{1}extra", "2\u{1}x", "", "\\N\u{1}\u{1}\\N"], &s, &o),
            ["1|x|y", "2|x|NULL", "NULL|NULL|NULL", "NULL||NULL"]
        );
    }

    #[test]
    fn reads_a_file_as_hive_does() {
        // The file and the rows Hive 2.3 printed for it (binary column left out).
        let s = schema(vec![
            ("i", DataType::Int32),
            ("b", DataType::Int64),
            ("s", DataType::Int16),
            ("d", DataType::Float64),
            ("f", DataType::Float32),
            ("dec", DataType::Decimal128(5, 2)),
            ("bo", DataType::Boolean),
            ("dt", DataType::Date32),
            ("ts", DataType::Timestamp(TimeUnit::Nanosecond, None)),
            ("str", DataType::Utf8),
        ]);
        let file = [
            "1\x011\x011\x011.5\x011.5\x011.5\x01true\x012020-01-01\x012020-01-01 10:00:00\x01abc\x01YWJj",
            "+2\x01-3\x01 4\x01NaN\x01Infinity\x0112.345\x01TRUE\x012020-1-1\x012020-01-01 10:00:00.123\x01\x01abc",
            "1.5\x011.\x011.x\x011e3\x01-Infinity\x01123456789.1\x01yes\x012020-01-01 10:00:00\x012020-01-01\x01\\N\x01a",
            "\x01 \x0199999999999\x011.5d\x01 1.5 \x01-0.005\x01True \x01 2020-01-01\x01 2020-01-01 10:00:00 \x01x",
            "2147483648\x01-2147483648\x010x10\x01.5\x011.5f\x011e2\x01false\x012020-13-01\x012020-01-01T10:00:00\x01y",
        ];
        assert_eq!(
            decode(&file, &s, &TextOptions::default()),
            [
                "1|1|1|1.5|1.5|1.50|true|2020-01-01|2020-01-01 10:00:00|abc",
                "2|-3|NULL|NaN|Infinity|12.35|true|2020-01-01|2020-01-01 10:00:00.123|",
                "1|1|NULL|1000.0|-Infinity|NULL|NULL|NULL|NULL|NULL",
                "NULL|NULL|NULL|1.5|1.5|-0.01|NULL|NULL|2020-01-01 10:00:00|x",
                "NULL|-2147483648|NULL|0.5|1.5|100.00|false|NULL|NULL|y",
            ]
        );
    }

    #[test]
    fn ints_as_hive_reads_them() {
        let s = schema(vec![("t", DataType::Int8), ("i", DataType::Int32), ("b", DataType::Int64)]);
        let o = TextOptions::default();
        assert_eq!(
            decode(
                &["127\u{1}2147483647\u{1}9223372036854775807", "128\u{1}2147483648\u{1}9223372036854775808"],
                &s,
                &o
            ),
            ["127|2147483647|9223372036854775807", "NULL|NULL|NULL"]
        );
    }

    #[test]
    fn decimal256_rounds_half_up() {
        let s = schema(vec![("d", DataType::Decimal256(50, 3))]);
        assert_eq!(decode(&["-12.3456"], &s, &TextOptions::default()), ["-12.346"]);
    }

    #[test]
    fn booleans_dates_timestamps() {
        let s = schema(vec![("d", DataType::Date32), ("t", DataType::Timestamp(TimeUnit::Nanosecond, None))]);
        let o = TextOptions::default();
        let got = decode(
            &[
                "2020-01-01\u{1}2020-01-01 10:00:00",
                "2020-1-1\u{1}2020-01-01 10:00:00.123",
                "2020-02-31\u{1}2020-02-29 25:00:00",
                " 2020-01-01\u{1} 2020-01-01 10:00:00 ",
                "2020-13-01\u{1}2020-01-01T10:00:00",
                "2020-01-01 10:00:00\u{1}2020-01-01",
                "12020-01-01\u{1}2020-1-1 1:2:3",
                "x\u{1}2020-01-01 10:00:00.1234567891",
                "x\u{1}2020-01-01 10:00",
                "x\u{1}2020-01-01 10:00:00.",
                "x\u{1}2020-01-01 10:00:00.000000001",
            ],
            &s,
            &o,
        );
        assert_eq!(
            got,
            [
                "2020-01-01|2020-01-01 10:00:00",
                "2020-01-01|2020-01-01 10:00:00.123",
                "2020-03-02|2020-03-01 01:00:00",
                "NULL|2020-01-01 10:00:00",
                "NULL|NULL",
                "NULL|NULL",
                "NULL|2020-01-01 01:02:03",
                "NULL|NULL",
                "NULL|NULL",
                "NULL|NULL",
                "NULL|2020-01-01 10:00:00.000000001",
            ]
        );
    }

    #[test]
    fn timestamps_in_other_units_and_zones() {
        let s = schema(vec![
            ("s", DataType::Timestamp(TimeUnit::Second, None)),
            ("m", DataType::Timestamp(TimeUnit::Millisecond, Some("+02:00".into()))),
        ]);
        let lines: [&[u8]; 1] = [b"2020-01-01 10:00:00.9\x012020-01-01 12:00:00.5"];
        let b = decode_lines(&lines, &s, &TextOptions::default()).unwrap();
        assert_eq!(b.column(0).as_primitive::<TimestampSecondType>().value(0), 1_577_872_800);
        assert_eq!(b.column(1).as_primitive::<TimestampMillisecondType>().value(0), 1_577_872_800_500);
        assert_eq!(display_value(b.column(1).as_ref(), 0), "2020-01-01 12:00:00.5");
    }

    #[test]
    fn strings_and_binary() {
        let s = schema(vec![("s", DataType::Utf8), ("b", DataType::Binary), ("v", DataType::Utf8View)]);
        let lines: [&[u8]; 5] =
            [b"abc\x01YWJj\x01x", b"\x01abc\x01", b"\\N\x01a\x01y", b"x\x01ab cd\x01z", b"x\x01!!\x01z"];
        let b = decode_lines(&lines, &s, &TextOptions::default()).unwrap();
        let strs = b.column(0).as_string::<i32>();
        assert_eq!(strs.value(1), "");
        assert!(strs.is_null(2));
        let bins = b.column(1).as_binary::<i32>();
        let got: Vec<&[u8]> = (0..5).map(|i| bins.value(i)).collect();
        assert_eq!(got, [&b"abc"[..], &[0x69, 0xb7], b"a", &[0x69, 0xb7, 0x1d], b"!!"]);
        assert_eq!(b.column(2).as_string_view().value(1), "");
    }

    #[test]
    fn nested_values_use_level_separators() {
        let map_si = arrow::datatypes::DataType::Map(
            Arc::new(Field::new(
                "entries",
                DataType::Struct(Fields::from(vec![
                    Field::new("key", DataType::Utf8, false),
                    Field::new("value", DataType::Int32, true),
                ])),
                false,
            )),
            false,
        );
        let map_ss = DataType::Map(
            Arc::new(Field::new(
                "entries",
                DataType::Struct(Fields::from(vec![
                    Field::new("key", DataType::Utf8, false),
                    Field::new("value", DataType::Utf8, true),
                ])),
                false,
            )),
            false,
        );
        let s = schema(vec![
            ("a", DataType::new_list(DataType::Int32, true)),
            ("m", map_si),
            (
                "s",
                DataType::Struct(Fields::from(vec![
                    Field::new("x", DataType::Int32, true),
                    Field::new("y", DataType::Utf8, true),
                ])),
            ),
            ("aa", DataType::new_list(DataType::new_list(DataType::Int32, true), true)),
            ("am", DataType::new_list(map_ss, true)),
        ]);
        // The rows of a file checked against Hive 2.3.
        let lines: [&[u8]; 4] = [
            b"1\x022\x02x\x01k\x031\x02k2\x032\x02k\x039\x02\\N\x035\x02nokey\x01 1\x02abc\x02extra\x01\x04\x032\x033\x02\x01a\x04b\x03c\x02d\x04e\x01more",
            b"\x01\x01\x01\x01",
            b"\\N\x01\\N\x01\\N\x01\\N\x01\\N",
            b"1\x02\\N\x02\x01k\x03\x02\x031\x01\\N\x02\\N\x01\x01",
        ];
        let b = decode_lines(&lines, &s, &TextOptions::default()).unwrap();
        assert_eq!(
            rows(&b),
            [
                r#"[1,2,null]|{"k":1,"k2":2,"nokey":null}|{"x":null,"y":"abc"}|[[null,2,3],[]]|[{"a":"b","c":null},{"d":"e"}]"#,
                r#"[]|{}|{"x":null,"y":null}|[]|[]"#,
                "NULL|NULL|NULL|NULL|NULL",
                r#"[1,null,null]|{"k":null,"":1}|{"x":null,"y":null}|[]|[]"#,
            ]
        );
    }

    #[test]
    fn map_entries_with_bad_keys_are_dropped() {
        let m = DataType::Map(
            Arc::new(Field::new(
                "entries",
                DataType::Struct(Fields::from(vec![
                    Field::new("key", DataType::Int32, false),
                    Field::new("value", DataType::Utf8, true),
                ])),
                false,
            )),
            false,
        );
        let s = schema(vec![("m", m)]);
        let got = decode(&["1\u{3}a\u{2}x\u{3}b\u{2}2\u{3}c", "x\u{3}y"], &s, &TextOptions::default());
        assert_eq!(got, [r#"{1:"a",2:"c"}"#, "{}"]);
    }

    #[test]
    fn escapes_protect_separators() {
        let s = schema(vec![
            ("s", DataType::Utf8),
            ("a", DataType::new_list(DataType::Utf8, true)),
            ("i", DataType::Int32),
        ]);
        let o = TextOptions { field_delim: b',', collection_delim: b'|', escape: Some(b'\\'), ..Default::default() };
        let lines: [&[u8]; 1] = [b"a\\,b\\|c\\\\d\\ne\\rf\\xg,x\\,y|p\\|q|r\\\\s\\n,5\\,6"];
        let b = decode_lines(&lines, &s, &o).unwrap();
        assert_eq!(b.column(0).as_string::<i32>().value(0), "a,b|c\\d\ne\rfxg");
        assert_eq!(display_value(b.column(1).as_ref(), 0), r#"["x,y","p|q","r\\s\n"]"#);
        assert!(b.column(2).is_null(0));
    }

    #[test]
    fn custom_null_format() {
        let s = schema(vec![("s", DataType::Utf8), ("i", DataType::Int32)]);
        let o = TextOptions { null_format: String::new(), ..Default::default() };
        assert_eq!(decode(&["\u{1}", "\\N\u{1}1"], &s, &o), ["NULL|NULL", "\\N|1"]);
    }

    #[test]
    fn projection_picks_columns_and_keeps_row_count() {
        let s = schema(vec![("a", DataType::Int32), ("b", DataType::Utf8), ("c", DataType::Int32)]);
        let lines: [&[u8]; 2] = [b"1\x01x\x013", b"4\x01y\x016"];
        let b = decode_projected(&lines, &s, &[2, 0], &TextOptions::default()).unwrap();
        assert_eq!(b.schema().field(0).name(), "c");
        assert_eq!(b.column(0).as_primitive::<Int32Type>().values(), &[3, 6]);
        let empty = decode_projected(&lines, &s, &[], &TextOptions::default()).unwrap();
        assert_eq!((empty.num_rows(), empty.num_columns()), (2, 0));
    }
}
