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
    UInt16Type, UInt32Type, UInt64Type, i256,
};
use arrow::error::ArrowError;
use chrono::{DateTime, TimeZone};

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
                    .map(|i| v(i).and_then(|b| parse_decimal_digits(b, *p, *s)).and_then(|(neg, d)| to_i256(neg, &d)))
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

/// Hive's integer text (`LazyInteger`/`LazyLong`): an optional sign, digits,
/// and an optional fraction that is checked and dropped. No spaces.
pub(crate) fn parse_int(b: &[u8]) -> Option<i128> {
    let (neg, body) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let (int, frac) = match body.iter().position(|&c| c == b'.') {
        Some(p) => (&body[..p], &body[p + 1..]),
        None => (body, &body[body.len()..]),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i128 = 0;
    for &c in int {
        v = v.checked_mul(10)?.checked_add((c - b'0') as i128)?;
        if v > u64::MAX as i128 {
            return None;
        }
    }
    Some(if neg { -v } else { v })
}

/// Hive's boolean text: `true` or `false` in any case.
pub(crate) fn parse_bool(b: &[u8]) -> Option<bool> {
    if b.eq_ignore_ascii_case(b"true") {
        Some(true)
    } else if b.eq_ignore_ascii_case(b"false") {
        Some(false)
    } else {
        None
    }
}

/// A number in Java's `Double.parseDouble` syntax, sorted out before the
/// actual conversion (which differs for float and double).
enum JavaNumber<'a> {
    NaN,
    Infinity {
        neg: bool,
    },
    /// Decimal text, sign included, suffix removed: Rust parses the same syntax.
    Decimal(&'a str),
    Hex {
        neg: bool,
        mantissa: u128,
        exp2: i64,
    },
}

fn java_number(b: &[u8]) -> Option<JavaNumber<'_>> {
    // Java trims bytes up to and including the space on both sides.
    let start = b.iter().position(|&c| c > b' ')?;
    let end = b.iter().rposition(|&c| c > b' ')? + 1;
    let s = std::str::from_utf8(&b[start..end]).ok()?;
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    match body {
        "NaN" => return Some(JavaNumber::NaN),
        "Infinity" => return Some(JavaNumber::Infinity { neg }),
        _ => {}
    }
    let sign_len = s.len() - body.len();
    let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return parse_hex_float(hex).map(|(mantissa, exp2)| JavaNumber::Hex { neg, mantissa, exp2 });
    }
    // digits [. digits] [e [sign] digits], at least one mantissa digit.
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    Some(JavaNumber::Decimal(&s[..sign_len + body.len()]))
}

/// Java's hexadecimal float body after `0x`: hex digits, optional fraction,
/// and a required binary exponent `p`. Returns a mantissa and its power of two.
fn parse_hex_float(hex: &str) -> Option<(u128, i64)> {
    let (m, e) = hex.split_once(['p', 'P'])?;
    let exp: i64 = {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        e.parse::<i64>().unwrap_or(if e.starts_with('-') { -100_000 } else { 100_000 }).clamp(-100_000, 100_000)
    };
    let (int, frac) = m.split_once('.').unwrap_or((m, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut mantissa: u128 = 0;
    let mut exp2 = exp;
    let mut sticky = false;
    for (k, c) in int.chars().chain(frac.chars()).enumerate() {
        let d = c.to_digit(16)? as u128;
        if mantissa >> 120 == 0 {
            mantissa = mantissa * 16 + d;
            if k >= int.len() {
                exp2 -= 4;
            }
        } else {
            sticky |= d != 0;
            if k < int.len() {
                exp2 += 4;
            }
        }
    }
    Some((mantissa | sticky as u128, exp2))
}

fn hex_value(neg: bool, mantissa: u128, exp2: i64) -> f64 {
    let v = mantissa as f64 * 2f64.powi(exp2.clamp(-1200, 1200) as i32);
    let v = if v == 0.0 && mantissa != 0 && exp2 < -1074 {
        // Scale in two steps so values near the subnormal range survive.
        mantissa as f64 * 2f64.powi((exp2 + 600).clamp(-1200, 1200) as i32) * 2f64.powi(-600)
    } else {
        v
    };
    if neg { -v } else { v }
}

/// Java's `Double.parseDouble`, or None where it throws.
pub(crate) fn parse_f64(b: &[u8]) -> Option<f64> {
    match java_number(b)? {
        JavaNumber::NaN => Some(f64::NAN),
        JavaNumber::Infinity { neg } => Some(if neg { f64::NEG_INFINITY } else { f64::INFINITY }),
        JavaNumber::Decimal(s) => s.parse().ok(),
        JavaNumber::Hex { neg, mantissa, exp2 } => Some(hex_value(neg, mantissa, exp2)),
    }
}

/// Java's `Float.parseFloat`, or None where it throws.
pub(crate) fn parse_f32(b: &[u8]) -> Option<f32> {
    match java_number(b)? {
        JavaNumber::NaN => Some(f32::NAN),
        JavaNumber::Infinity { neg } => Some(if neg { f32::NEG_INFINITY } else { f32::INFINITY }),
        JavaNumber::Decimal(s) => s.parse().ok(),
        JavaNumber::Hex { neg, mantissa, exp2 } => Some(hex_value(neg, mantissa, exp2) as f32),
    }
}

/// Hive's decimal text as the unscaled value of `decimal(precision, scale)`:
/// rounded half up to the scale, None when it does not fit.
pub(crate) fn parse_decimal(b: &[u8], precision: u8, scale: i8) -> Option<i128> {
    let (neg, digits) = parse_decimal_digits(b, precision, scale)?;
    let mut v: i128 = 0;
    for d in digits {
        v = v.checked_mul(10)?.checked_add(d as i128)?;
    }
    Some(if neg { -v } else { v })
}

fn to_i256(neg: bool, digits: &[u8]) -> Option<i256> {
    let mut text = String::with_capacity(digits.len() + 1);
    if neg {
        text.push('-');
    }
    text.extend(digits.iter().map(|d| (b'0' + d) as char));
    if digits.is_empty() {
        text.push('0');
    }
    i256::from_string(&text)
}

/// The sign and the digits (values 0..=9, no leading zeros) of the unscaled
/// value of a decimal text at `scale`, or None if it is not a number or has
/// more than `precision` digits.
fn parse_decimal_digits(b: &[u8], precision: u8, scale: i8) -> Option<(bool, Vec<u8>)> {
    let (neg, body) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let (mantissa, exp) = match body.iter().position(|&c| c == b'e' || c == b'E') {
        Some(p) => {
            let e = std::str::from_utf8(&body[p + 1..]).ok()?;
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let e: i64 = e.parse().unwrap_or(if e.starts_with('-') { i64::MIN / 4 } else { i64::MAX / 4 });
            (&body[..p], e)
        }
        None => (body, 0),
    };
    let (int, frac) = match mantissa.iter().position(|&c| c == b'.') {
        Some(p) => (&mantissa[..p], &mantissa[p + 1..]),
        None => (mantissa, &mantissa[mantissa.len()..]),
    };
    if (int.is_empty() && frac.is_empty()) || !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    // value = digits * 10^(exp - frac.len()); unscaled = value * 10^scale.
    let mut digits: Vec<u8> = int.iter().chain(frac).map(|c| c - b'0').collect();
    let lead = digits.iter().position(|&d| d != 0).unwrap_or(digits.len());
    digits.drain(..lead);
    if digits.is_empty() {
        return Some((false, digits));
    }
    let shift = exp.saturating_sub(frac.len() as i64).saturating_add(scale as i64);
    if shift >= 0 {
        if digits.len() as i64 + shift > precision as i64 {
            return None;
        }
        digits.extend(std::iter::repeat_n(0, shift as usize));
    } else {
        let drop = (-shift).min(digits.len() as i64 + 1) as usize;
        let round_up = drop <= digits.len() && digits[digits.len() - drop] >= 5;
        digits.truncate(digits.len().saturating_sub(drop));
        if round_up {
            let mut k = digits.len();
            loop {
                if k == 0 {
                    digits.insert(0, 1);
                    break;
                }
                k -= 1;
                if digits[k] == 9 {
                    digits[k] = 0;
                } else {
                    digits[k] += 1;
                    break;
                }
            }
        }
        let lead = digits.iter().position(|&d| d != 0).unwrap_or(digits.len());
        digits.drain(..lead);
        if digits.len() > precision as usize {
            return None;
        }
    }
    let neg = neg && !digits.is_empty();
    Some((neg, digits))
}

/// Java's `Integer.parseInt` on a piece of a date or time.
fn java_int(s: &[u8]) -> Option<i64> {
    let digits = match s.first()? {
        b'+' | b'-' => &s[1..],
        _ => s,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v: i64 = std::str::from_utf8(s).ok()?.trim_start_matches('+').parse().ok()?;
    i32::try_from(v).ok().map(i64::from)
}

/// Days since 1970-01-01 of a proleptic Gregorian date; the day may run
/// past the end of the month (it rolls over, as Java's lenient calendar does).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + (d - 1)
}

/// `yyyy-[m]m-[d]d` as `java.sql.Date.valueOf` reads it: a four-character
/// year, month 1..12, day 1..31 rolling over past the month's end.
fn parse_ymd(s: &[u8]) -> Option<i64> {
    let first = s.iter().position(|&c| c == b'-')?;
    let second = first + 1 + s[first + 1..].iter().position(|&c| c == b'-')?;
    let (y, m, d) = (&s[..first], &s[first + 1..second], &s[second + 1..]);
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    let (y, m, d) = (java_int(y)?, java_int(m)?, java_int(d)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// A Hive DATE text as days since the epoch (`java.sql.Date.valueOf`, no trimming).
pub(crate) fn parse_date(b: &[u8]) -> Option<i64> {
    parse_ymd(b)
}

/// A Hive TIMESTAMP text (`java.sql.Timestamp.valueOf`: trimmed,
/// `yyyy-[m]m-[d]d h:m:s[.f]`, up to nine fraction digits, fields rolling
/// over) as seconds since the epoch and nanoseconds.
pub(crate) fn parse_timestamp(b: &[u8]) -> Option<(i64, u32)> {
    let start = b.iter().position(|&c| c > b' ')?;
    let end = b.iter().rposition(|&c| c > b' ')? + 1;
    let s = &b[start..end];
    let space = s.iter().position(|&c| c == b' ')?;
    let (date, time) = (&s[..space], &s[space + 1..]);
    let days = parse_ymd(date)?;
    let c1 = time.iter().position(|&c| c == b':')?;
    let c2 = c1 + 1 + time[c1 + 1..].iter().position(|&c| c == b':')?;
    if c1 == 0 || c2 + 1 >= time.len() {
        return None;
    }
    let hour = java_int(&time[..c1])?;
    let minute = java_int(&time[c1 + 1..c2])?;
    let rest = &time[c2 + 1..];
    let (second, nanos) = match rest.iter().position(|&c| c == b'.') {
        Some(p) => {
            let frac = &rest[p + 1..];
            if frac.is_empty() || frac.len() > 9 || !frac[0].is_ascii_digit() {
                return None;
            }
            let f = java_int(frac)?;
            (java_int(&rest[..p])?, f * 10i64.pow(9 - frac.len() as u32))
        }
        None => (java_int(rest)?, 0),
    };
    if !(0..1_000_000_000).contains(&nanos) {
        return None;
    }
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some((secs, nanos as u32))
}

/// Hive's binary text (`LazyBinary`): base64-decoded when every byte is a
/// base64 character or white space and the result is not empty, else the bytes as they are.
pub(crate) fn decode_binary(b: &[u8]) -> Vec<u8> {
    let is_b64 = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_' | b'=');
    if !b.iter().all(|&c| is_b64(c) || matches!(c, b' ' | b'\n' | b'\r' | b'\t')) {
        return b.to_vec();
    }
    let decoded = base64_decode_lenient(b);
    if decoded.is_empty() { b.to_vec() } else { decoded }
}

/// Base64 decoding as commons-codec does it: both alphabets, other bytes
/// skipped, stops at the first `=`, incomplete trailing bits dropped.
fn base64_decode_lenient(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in b {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
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
        let cases: &[(&str, Option<i128>)] = &[
            ("1", Some(1)),
            ("+2", Some(2)),
            ("-3", Some(-3)),
            ("1.5", Some(1)),
            ("1.", Some(1)),
            ("-.5", Some(0)),
            (".5", Some(0)),
            (".", None),
            ("-", None),
            ("+", None),
            ("1.x", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("0x10", None),
            ("1.5.5", None),
            ("5d", None),
            ("00012", Some(12)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_int(text.as_bytes()), *want, "{text:?}");
        }
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
    fn doubles_follow_java() {
        let cases: &[(&str, Option<f64>)] = &[
            ("1e10", Some(1e10)),
            ("1E+3", Some(1000.0)),
            ("0x1p3", Some(8.0)),
            ("0x1.8p1", Some(3.0)),
            ("0X1P3", Some(8.0)),
            (" ", None),
            ("+1.5", Some(1.5)),
            ("-.5", Some(-0.5)),
            ("1_0", None),
            ("nan", None),
            ("+Infinity", Some(f64::INFINITY)),
            ("-Infinity", Some(f64::NEG_INFINITY)),
            ("Infinityx", None),
            ("Infinityd", None),
            ("1e400", Some(f64::INFINITY)),
            ("1.5d", Some(1.5)),
            ("5F", Some(5.0)),
            ("1e1d", Some(10.0)),
            (" 1.5 ", Some(1.5)),
            ("1.", Some(1.0)),
            (".", None),
            ("1e", None),
            ("0x10", None),
            ("inf", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_f64(text.as_bytes()), *want, "{text:?}");
        }
        assert!(parse_f64(b"NaN").unwrap().is_nan());
        assert!(parse_f64(b"-NaN").unwrap().is_nan());
        assert_eq!(parse_f32(b"3.4028236e38"), Some(f32::INFINITY));
        assert_eq!(parse_f32(b"1.1"), Some(1.1f32));
        assert_eq!(parse_f64(b"-0").map(f64::is_sign_negative), Some(true));
    }

    #[test]
    fn decimals_round_half_up_and_overflow_to_null() {
        let d = |t: &str| parse_decimal(t.as_bytes(), 5, 2);
        assert_eq!(d("1.5"), Some(150));
        assert_eq!(d("12.345"), Some(1235));
        assert_eq!(d("-0.005"), Some(-1));
        assert_eq!(d("1e2"), Some(10000));
        assert_eq!(d("123456789.1"), None);
        assert_eq!(d("999.994"), Some(99999));
        assert_eq!(d("999.995"), None);
        assert_eq!(d("1E+3"), None);
        assert_eq!(d(".5"), Some(50));
        assert_eq!(d("5."), Some(500));
        assert_eq!(d("+.5"), Some(50));
        assert_eq!(d("-0"), Some(0));
        assert_eq!(d("1.5e-3"), Some(0));
        assert_eq!(d("1e-46"), Some(0));
        assert_eq!(d(" 1"), None);
        assert_eq!(d("1 "), None);
        assert_eq!(d("NaN"), None);
        assert_eq!(d("0x1p3"), None);
        assert_eq!(d("."), None);
        assert_eq!(d("1.5d"), None);
        assert_eq!(parse_decimal(b"0.995", 3, 2), Some(100));
        assert_eq!(parse_decimal(b"12", 10, 0), Some(12));
        let s = schema(vec![("d", DataType::Decimal256(50, 3))]);
        assert_eq!(decode(&["-12.3456"], &s, &TextOptions::default()), ["-12.346"]);
    }

    #[test]
    fn booleans_dates_timestamps() {
        assert_eq!(parse_bool(b"TRUE"), Some(true));
        assert_eq!(parse_bool(b"False"), Some(false));
        assert_eq!(parse_bool(b"yes"), None);
        assert_eq!(parse_bool(b"True "), None);
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

    #[test]
    fn base64_is_lenient() {
        assert_eq!(decode_binary(b"YWJj"), b"abc");
        assert_eq!(decode_binary(b"YWJjZA=="), b"abcd");
        assert_eq!(decode_binary(b"YWJjZA"), b"abcd");
        assert_eq!(decode_binary(b"a"), b"a");
        assert_eq!(decode_binary(b""), b"");
        assert_eq!(decode_binary(b"a b!"), b"a b!");
    }
}
