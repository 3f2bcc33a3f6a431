//! Hive's HBase column mapping (`hbase.columns.mapping`): which table column
//! is the row key, the cell timestamp, one `family:qualifier` or a whole
//! family (a MAP column), and how values are stored — as text (Hive's
//! default) or as HBase's binary encodings (`#b`). It turns rows read from
//! the store into Arrow batches, and Arrow batches into puts.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Float32Array, Float64Array, Int8Array, Int16Array, Int32Array,
    Int64Array, MapBuilder, RecordBatch, StringArray, StringBuilder, TimestampMillisecondArray,
};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::datatypes::{DataType, SchemaRef, TimeUnit};
use bytes::Bytes;
use enma_kv::{Mutation, Row};
use enma_values::display::write_display_value;

use crate::error::{Error, Result};
use enma_metastore::Column;

/// The storage handler class Hive names for HBase tables.
pub const HBASE_HANDLER: &str = "org.apache.hadoop.hive.hbase.HBaseStorageHandler";
/// The SerDe Hive shows for HBase tables.
pub const HBASE_SERDE: &str = "org.apache.hadoop.hive.hbase.HBaseSerDe";

/// What a table column maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Key,
    Timestamp,
    Column {
        family: Bytes,
        qualifier: Bytes,
    },
    /// Every qualifier of a family, as MAP<qualifier, value>.
    Family {
        family: Bytes,
    },
}

/// One column's mapping and value storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub target: Target,
    /// Values stored with HBase's binary encodings rather than as text.
    pub binary: bool,
}

/// A table's whole mapping, one entry per table column, in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub columns: Vec<Mapped>,
    pub key: usize,
    types: Vec<DataType>,
}

const TEXT: CastOptions<'static> =
    CastOptions { safe: true, format_options: arrow::util::display::FormatOptions::new() };

impl Mapping {
    /// Parses `:key,cf:a,cf:b#b,cf2:` against the table's columns, as Hive does.
    pub fn parse(spec: &str, columns: &[Column], types: &[DataType], default_binary: bool) -> Result<Mapping> {
        let entries: Vec<&str> = spec.split(',').map(str::trim).collect();
        if entries.len() != columns.len() {
            return Err(Error::plan(format!(
                "hbase.columns.mapping has {} entries but the table has {} columns",
                entries.len(),
                columns.len()
            )));
        }
        let mut mapped = Vec::new();
        for ((entry, column), ty) in entries.iter().zip(columns).zip(types) {
            let (target, storage) = match entry.split_once('#') {
                Some((t, s)) => (t, Some(s)),
                None => (*entry, None),
            };
            let binary = match storage.map(|s| s.split(':').next_back().unwrap_or(s).to_ascii_lowercase()) {
                None => default_binary,
                Some(s) if s == "-" => default_binary,
                Some(s) if s == "b" || s == "binary" => true,
                Some(s) if s == "s" || s == "string" => false,
                Some(s) => {
                    return Err(Error::plan(format!(
                        "hbase.columns.mapping: unknown storage type '#{s}' for column {}",
                        column.name
                    )));
                }
            };
            let target = match target {
                ":key" => Target::Key,
                ":timestamp" => {
                    if !matches!(ty, DataType::Int64 | DataType::Timestamp(..)) {
                        return Err(Error::plan(format!(
                            "column {} maps to :timestamp and must be BIGINT or TIMESTAMP",
                            column.name
                        )));
                    }
                    Target::Timestamp
                }
                t => match t.split_once(':') {
                    Some((family, "")) if !family.is_empty() => {
                        if !matches!(ty, DataType::Map(..)) {
                            return Err(Error::plan(format!(
                                "column {} maps to the whole family '{family}:' and must be a MAP<STRING, ...>",
                                column.name
                            )));
                        }
                        Target::Family { family: Bytes::copy_from_slice(family.as_bytes()) }
                    }
                    Some((family, qualifier)) if !family.is_empty() => Target::Column {
                        family: Bytes::copy_from_slice(family.as_bytes()),
                        qualifier: Bytes::copy_from_slice(qualifier.as_bytes()),
                    },
                    _ => {
                        return Err(Error::plan(format!(
                            "hbase.columns.mapping entry '{entry}' is not ':key', ':timestamp', 'family:qualifier' or 'family:'"
                        )));
                    }
                },
            };
            mapped.push(Mapped { target, binary });
        }
        let keys: Vec<usize> =
            mapped.iter().enumerate().filter(|(_, m)| m.target == Target::Key).map(|(i, _)| i).collect();
        let [key] = keys[..] else {
            return Err(Error::plan("hbase.columns.mapping must map exactly one column to :key"));
        };
        if mapped.iter().filter(|m| m.target == Target::Timestamp).count() > 1 {
            return Err(Error::plan("hbase.columns.mapping maps :timestamp more than once"));
        }
        Ok(Mapping { columns: mapped, key, types: types.to_vec() })
    }

    /// The column families the mapping reads and writes.
    pub fn families(&self) -> BTreeSet<String> {
        self.columns
            .iter()
            .filter_map(|m| match &m.target {
                Target::Column { family, .. } | Target::Family { family } => {
                    Some(String::from_utf8_lossy(family).into_owned())
                }
                _ => None,
            })
            .collect()
    }

    /// Whether the row key sorts as the SQL values do, so key ranges can be pushed down.
    pub fn key_is_ordered_text(&self) -> bool {
        !self.columns[self.key].binary
            && matches!(self.types[self.key], DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8)
    }

    /// Decodes rows (newest version of each cell) into a batch of the projected columns.
    pub fn to_batch(&self, schema: &SchemaRef, projection: &[usize], rows: &[Row]) -> Result<RecordBatch> {
        let mut arrays = Vec::with_capacity(projection.len());
        for (&c, field) in projection.iter().zip(schema.fields()) {
            let mapped = &self.columns[c];
            let array = match &mapped.target {
                Target::Key => decode(rows.iter().map(|r| Some(r.key.clone())), mapped.binary, field.data_type())?,
                Target::Timestamp => {
                    let ms = TimestampMillisecondArray::from_iter(
                        rows.iter().map(|r| r.cells.iter().map(|c| c.timestamp).max()),
                    );
                    cast_with_options(&ms, field.data_type(), &TEXT)?
                }
                Target::Column { family, qualifier } => decode(
                    rows.iter().map(|r| {
                        r.cells
                            .iter()
                            .find(|c| c.family == *family && c.qualifier == *qualifier)
                            .map(|c| c.value.clone())
                    }),
                    mapped.binary,
                    field.data_type(),
                )?,
                Target::Family { family } => family_map(rows, family, field.data_type())?,
            };
            arrays.push(array);
        }
        let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(rows.len()));
        Ok(RecordBatch::try_new_with_options(schema.clone(), arrays, &options)?)
    }

    /// Encodes a batch with the table's columns, in order, into one put per
    /// row (NULL cells are not written, as in Hive).
    pub fn to_mutations(&self, batch: &RecordBatch) -> Result<Vec<(Bytes, Vec<Mutation>)>> {
        let encoded: Vec<Encoded> = self
            .columns
            .iter()
            .zip(batch.columns())
            .map(|(m, a)| match m.target {
                Target::Family { .. } => Ok(Encoded::Map(a.as_map().clone())),
                Target::Timestamp => {
                    let ms = cast_with_options(a, &DataType::Timestamp(TimeUnit::Millisecond, None), &TEXT)?;
                    Ok(Encoded::Timestamps(ms.as_primitive::<arrow::datatypes::TimestampMillisecondType>().clone()))
                }
                _ => Ok(Encoded::Values(encode(a, m.binary)?)),
            })
            .collect::<Result<_>>()?;
        let timestamp = self.columns.iter().position(|m| m.target == Target::Timestamp);
        let mut out = Vec::with_capacity(batch.num_rows());
        for row in 0..batch.num_rows() {
            let Encoded::Values(keys) = &encoded[self.key] else { unreachable!("the key column is encoded as values") };
            let key = keys[row].clone().ok_or_else(|| Error::plan("HBase row key cannot be NULL"))?;
            let ts = timestamp.and_then(|t| match &encoded[t] {
                Encoded::Timestamps(a) if a.is_valid(row) => Some(a.value(row)),
                _ => None,
            });
            let mut mutations = Vec::new();
            for (m, e) in self.columns.iter().zip(&encoded) {
                match (&m.target, e) {
                    (Target::Column { family, qualifier }, Encoded::Values(v)) => {
                        if let Some(value) = &v[row] {
                            mutations.push(Mutation::Put {
                                family: family.clone(),
                                qualifier: qualifier.clone(),
                                timestamp: ts,
                                value: value.clone(),
                            });
                        }
                    }
                    (Target::Family { family }, Encoded::Map(map)) if map.is_valid(row) => {
                        let entries = map.value(row);
                        let keys = encode(entries.column(0), false)?;
                        let values = encode(entries.column(1), m.binary)?;
                        for (k, v) in keys.into_iter().zip(values) {
                            if let (Some(k), Some(v)) = (k, v) {
                                mutations.push(Mutation::Put {
                                    family: family.clone(),
                                    qualifier: k,
                                    timestamp: ts,
                                    value: v,
                                });
                            }
                        }
                    }
                    _ => {}
                }
            }
            if !mutations.is_empty() {
                out.push((key, mutations));
            }
        }
        Ok(out)
    }
}

enum Encoded {
    Values(Vec<Option<Bytes>>),
    Map(arrow::array::MapArray),
    Timestamps(TimestampMillisecondArray),
}

/// Stored bytes to an Arrow array of `ty`: text through Hive's casts (what
/// does not convert is NULL), binary through HBase's big-endian encodings.
fn decode(values: impl Iterator<Item = Option<Bytes>>, binary: bool, ty: &DataType) -> Result<ArrayRef> {
    let values: Vec<Option<Bytes>> = values.collect();
    if matches!(ty, DataType::Binary) {
        return Ok(Arc::new(BinaryArray::from_iter(values.iter().map(|v| v.as_deref()))));
    }
    if !binary || matches!(ty, DataType::Utf8) {
        let text =
            StringArray::from_iter(values.iter().map(|v| v.as_ref().map(|b| String::from_utf8_lossy(b).into_owned())));
        let text: ArrayRef = Arc::new(text);
        return Ok(if *ty == DataType::Utf8 { text } else { cast_with_options(&text, ty, &TEXT)? });
    }
    fn fixed<const N: usize>(v: &Option<Bytes>) -> Option<[u8; N]> {
        v.as_deref().and_then(|b| b.try_into().ok())
    }
    Ok(match ty {
        DataType::Int8 => Arc::new(Int8Array::from_iter(values.iter().map(|v| fixed::<1>(v).map(i8::from_be_bytes)))),
        DataType::Int16 => {
            Arc::new(Int16Array::from_iter(values.iter().map(|v| fixed::<2>(v).map(i16::from_be_bytes))))
        }
        DataType::Int32 => {
            Arc::new(Int32Array::from_iter(values.iter().map(|v| fixed::<4>(v).map(i32::from_be_bytes))))
        }
        DataType::Int64 => {
            Arc::new(Int64Array::from_iter(values.iter().map(|v| fixed::<8>(v).map(i64::from_be_bytes))))
        }
        DataType::Float32 => {
            Arc::new(Float32Array::from_iter(values.iter().map(|v| fixed::<4>(v).map(f32::from_be_bytes))))
        }
        DataType::Float64 => {
            Arc::new(Float64Array::from_iter(values.iter().map(|v| fixed::<8>(v).map(f64::from_be_bytes))))
        }
        DataType::Boolean => Arc::new(BooleanArray::from_iter(values.iter().map(|v| fixed::<1>(v).map(|b| b[0] != 0)))),
        other => {
            return Err(Error::plan(format!(
                "binary (#b) storage is not supported for {other} columns; use string storage"
            )));
        }
    })
}

/// An Arrow array to stored bytes, the inverse of `decode`.
fn encode(array: &ArrayRef, binary: bool) -> Result<Vec<Option<Bytes>>> {
    let bytes = |v: &[u8]| Some(Bytes::copy_from_slice(v));
    if let Some(b) = array.as_binary_opt::<i32>() {
        return Ok(b.iter().map(|v| v.and_then(bytes)).collect());
    }
    if !binary || matches!(array.data_type(), DataType::Utf8) {
        // Values as Hive's text serialisation prints them (the table text writer's printer).
        let mut text = String::new();
        return Ok((0..array.len())
            .map(|row| {
                array.is_valid(row).then(|| {
                    text.clear();
                    write_display_value(array.as_ref(), row, &mut text);
                    Bytes::copy_from_slice(text.as_bytes())
                })
            })
            .collect());
    }
    fn be<T: arrow::datatypes::ArrowPrimitiveType, const N: usize>(
        a: &ArrayRef,
        f: impl Fn(T::Native) -> [u8; N],
    ) -> Vec<Option<Bytes>> {
        a.as_primitive::<T>().iter().map(|v| v.map(|v| Bytes::copy_from_slice(&f(v)))).collect()
    }
    use arrow::datatypes::*;
    Ok(match array.data_type() {
        DataType::Int8 => be::<Int8Type, 1>(array, i8::to_be_bytes),
        DataType::Int16 => be::<Int16Type, 2>(array, i16::to_be_bytes),
        DataType::Int32 => be::<Int32Type, 4>(array, i32::to_be_bytes),
        DataType::Int64 => be::<Int64Type, 8>(array, i64::to_be_bytes),
        DataType::Float32 => be::<Float32Type, 4>(array, f32::to_be_bytes),
        DataType::Float64 => be::<Float64Type, 8>(array, f64::to_be_bytes),
        DataType::Boolean => {
            array.as_boolean().iter().map(|v| v.map(|b| Bytes::copy_from_slice(&[if b { 0xFF } else { 0 }]))).collect()
        }
        other => {
            return Err(Error::plan(format!(
                "binary (#b) storage is not supported for {other} columns; use string storage"
            )));
        }
    })
}

/// A whole family as MAP<qualifier, value>.
fn family_map(rows: &[Row], family: &Bytes, ty: &DataType) -> Result<ArrayRef> {
    let mut builder = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    for row in rows {
        for cell in row.cells.iter().filter(|c| c.family == *family) {
            builder.keys().append_value(String::from_utf8_lossy(&cell.qualifier));
            builder.values().append_value(String::from_utf8_lossy(&cell.value));
        }
        builder.append(true)?;
    }
    let map: ArrayRef = Arc::new(builder.finish());
    // Hive's field names ("entries", "key", "value") through a cast to the declared type.
    Ok(cast_with_options(&map, ty, &TEXT)?)
}
