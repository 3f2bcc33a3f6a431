//! The structs of HBase's Thrift1 IDL (`TCell`, `TRowResult`, `ColumnDescriptor`,
//! `TRegionInfo`, `Mutation`, `TScan`) and how they map to the store's model.
//!
//! Field ids are the IDL's; each struct is built or read here once so the
//! service methods stay a few lines each. Columns are spelled as HBase's
//! Thrift server spells them: `family` is the whole family, `family:` the
//! empty qualifier, `family:qualifier` one column.

use std::net::SocketAddr;

use bytes::Bytes;
use enma_kv::{Cell, Column, Family, Mutation, Row, Scan, TableName, TimeRange};
use thrift::protocol::TType;

use super::service::Fault;
use super::value::{Struct, Value};

/// HBase's "forever" TTL in a `ColumnDescriptor` (`Integer.MAX_VALUE` seconds).
const TTL_FOREVER: i32 = i32::MAX;

/// The compression names HBase knows (its `Compression.Algorithm`).
const COMPRESSIONS: [&str; 8] = ["NONE", "GZ", "LZO", "SNAPPY", "LZ4", "BZIP2", "ZSTD", "LZMA"];

/// The bloom filter types HBase knows (its `BloomType`).
const BLOOM_TYPES: [&str; 5] = ["NONE", "ROW", "ROWCOL", "ROWPREFIX_FIXED_LENGTH", "ROWPREFIX_DELIMITED"];

/// `TCell { 1: value, 2: timestamp }`.
pub fn cell(c: &Cell) -> Value {
    Value::Struct(Struct::new().with(1, Value::Binary(c.value.clone())).with(2, Value::I64(c.timestamp)))
}

/// `list<TCell>`.
pub fn cells<'a>(cells: impl IntoIterator<Item = &'a Cell>) -> Value {
    Value::list(TType::Struct, cells.into_iter().map(cell).collect())
}

/// `TRowResult { 1: row, 2: columns | 3: sortedColumns }`: the `columns` map,
/// or with `sorted` the `sortedColumns` list of `TColumn { 1: columnName, 2: cell }`
/// in the row's order, as HBase sets one or the other.
pub fn row_result(row: &Row, sorted: bool) -> Value {
    let result = Struct::new().with(1, Value::Binary(row.key.clone()));
    let result = if sorted {
        let columns = row
            .cells
            .iter()
            .map(|c| Value::Struct(Struct::new().with(1, Value::binary(c.column())).with(2, cell(c))))
            .collect();
        result.with(3, Value::list(TType::Struct, columns))
    } else {
        let mut entries: Vec<(Value, Value)> = Vec::with_capacity(row.cells.len());
        let mut previous: Option<&Cell> = None;
        for c in &row.cells {
            // A map holds one cell per column: the newest, which comes first.
            let same = previous.is_some_and(|p| p.family == c.family && p.qualifier == c.qualifier);
            if !same {
                entries.push((Value::binary(c.column()), cell(c)));
            }
            previous = Some(c);
        }
        result.with(2, Value::Map(TType::String, TType::Struct, entries))
    };
    Value::Struct(result)
}

/// `list<TRowResult>`.
pub fn row_results<'a>(rows: impl IntoIterator<Item = &'a Row>, sorted: bool) -> Value {
    Value::list(TType::Struct, rows.into_iter().map(|r| row_result(r, sorted)).collect())
}

/// A family's `ColumnDescriptor`, named `family:` as HBase's server names it.
pub fn column_descriptor(f: &Family) -> Value {
    let ttl = f.ttl.map_or(TTL_FOREVER, |s| i32::try_from(s).unwrap_or(TTL_FOREVER));
    Value::Struct(
        Struct::new()
            .with(1, Value::binary(format!("{}:", f.name)))
            .with(2, Value::I32(i32::try_from(f.max_versions).unwrap_or(i32::MAX)))
            .with(3, Value::binary(f.compression.clone()))
            .with(4, Value::Bool(f.in_memory))
            .with(5, Value::binary(f.bloom_filter.clone()))
            .with(6, Value::I32(0))
            .with(7, Value::I32(0))
            .with(8, Value::Bool(f.block_cache))
            .with(9, Value::I32(ttl)),
    )
}

/// A family from a `ColumnDescriptor`, with the IDL's defaults for unset
/// fields; a TTL of zero, negative or `Integer.MAX_VALUE` means forever.
pub fn family(d: &Struct) -> Result<Family, Fault> {
    let name = d.opt_text(1, "ColumnDescriptor.name")?.unwrap_or_default();
    let name = name.split(':').next().unwrap_or_default();
    if name.is_empty() {
        return Err(Fault::IllegalArgument("column family name is empty".into()));
    }
    let max_versions = d.opt_i32(2, "ColumnDescriptor.maxVersions")?.unwrap_or(3);
    let max_versions = u32::try_from(max_versions).ok().filter(|v| *v > 0).ok_or_else(|| {
        Fault::IllegalArgument(format!("column family '{name}': maxVersions must be positive, not {max_versions}"))
    })?;
    let compression = known(d.opt_text(3, "ColumnDescriptor.compression")?, &COMPRESSIONS, "compression")?;
    let bloom_filter = known(d.opt_text(5, "ColumnDescriptor.bloomFilterType")?, &BLOOM_TYPES, "bloom filter type")?;
    let ttl = match d.opt_i32(9, "ColumnDescriptor.timeToLive")?.unwrap_or(TTL_FOREVER) {
        t if t <= 0 || t == TTL_FOREVER => None,
        t => Some(t as u64),
    };
    Ok(Family {
        name: name.to_string(),
        max_versions,
        ttl,
        compression,
        bloom_filter,
        in_memory: d.opt_bool(4, "ColumnDescriptor.inMemory")?.unwrap_or(false),
        block_cache: d.opt_bool(8, "ColumnDescriptor.blockCacheEnabled")?.unwrap_or(false),
        ..Family::default()
    })
}

/// One of HBase's names for a setting, case-insensitively; "NONE" when unset.
fn known(given: Option<&str>, names: &[&str], what: &str) -> Result<String, Fault> {
    let given = given.unwrap_or("NONE").to_ascii_uppercase();
    if names.contains(&given.as_str()) {
        Ok(given)
    } else {
        Err(Fault::IllegalArgument(format!("unknown {what} '{given}': use one of {}", names.join(", "))))
    }
}

/// The one region that holds a whole table, served from `server`.
pub fn region(table: &TableName, server: SocketAddr) -> Value {
    let name = table.to_string();
    // HBase's region names end in an MD5 of the rest; any stable hex serves.
    let encoded = format!("{:016x}{:016x}", fnv1a(&name, 0xcbf2_9ce4_8422_2325), fnv1a(&name, 0x8422_2325_cbf2_9ce4));
    Value::Struct(
        Struct::new()
            .with(1, Value::binary(Bytes::new()))
            .with(2, Value::binary(Bytes::new()))
            .with(3, Value::I64(0))
            .with(4, Value::binary(format!("{name},,0.{encoded}.")))
            .with(5, Value::Byte(1))
            .with(6, Value::binary(server.ip().to_string()))
            .with(7, Value::I32(i32::from(server.port()))),
    )
}

fn fnv1a(text: &str, seed: u64) -> u64 {
    text.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The columns a read selects; an unset or empty list selects every family.
pub fn columns(list: Option<&[Value]>) -> Result<Vec<Column>, Fault> {
    list.unwrap_or_default().iter().map(|v| v.as_binary("column").map(|c| Column::parse(c))).collect()
}

/// `family:qualifier` for a write, which needs a qualifier (it may be empty: `family:`).
pub fn put_column(spec: &[u8]) -> Result<(Bytes, Bytes), Fault> {
    match Column::parse(spec) {
        Column { family, qualifier: Some(qualifier) } => Ok((family, qualifier)),
        Column { .. } => Err(Fault::IllegalArgument(format!(
            "column '{}' needs a qualifier: write to 'family:qualifier'",
            String::from_utf8_lossy(spec)
        ))),
    }
}

/// The store's mutations for a list of `Mutation { 1: isDelete, 2: column, 3: value }`,
/// every one at `timestamp` (`None` is now). A delete of `family` removes the
/// family's cells and one of `family:qualifier` every version of that column,
/// in both cases those at or before the timestamp. `writeToWAL` is ignored:
/// every write is journaled.
pub fn mutations(list: &[Value], timestamp: Option<i64>) -> Result<Vec<Mutation>, Fault> {
    list.iter()
        .map(|m| -> Result<Mutation, Fault> {
            let m = m.as_struct("mutation")?;
            let column = m.binary(2, "Mutation.column")?;
            if m.opt_bool(1, "Mutation.isDelete")?.unwrap_or(false) {
                Ok(match Column::parse(column) {
                    Column { family, qualifier: None } => Mutation::DeleteFamily { family, timestamp },
                    Column { family, qualifier: Some(qualifier) } => {
                        Mutation::DeleteColumn { family, qualifier, timestamp }
                    }
                })
            } else {
                let (family, qualifier) = put_column(column)?;
                let value = m.opt_binary(3, "Mutation.value")?.cloned().unwrap_or_default();
                Ok(Mutation::Put { family, qualifier, timestamp, value })
            }
        })
        .collect()
}

/// HBase's Thrift `...Ts` reads: versions strictly older than `timestamp`.
pub fn before(timestamp: i64) -> Result<TimeRange, Fault> {
    if timestamp < 0 {
        return Err(Fault::IllegalArgument(format!("timestamp {timestamp} is negative")));
    }
    Ok(TimeRange { min: 0, max: timestamp })
}

/// A `TScan` as the store's scan, and whether rows go back with sorted columns.
pub fn scan(t: &Struct) -> Result<(Scan, bool), Fault> {
    let mut scan = Scan {
        start_row: t.opt_binary(1, "TScan.startRow")?.cloned().unwrap_or_default(),
        stop_row: t.opt_binary(2, "TScan.stopRow")?.cloned().unwrap_or_default(),
        columns: columns(t.opt_list(4, "TScan.columns")?)?,
        reversed: t.opt_bool(9, "TScan.reversed")?.unwrap_or(false),
        ..Scan::default()
    };
    if let Some(ts) = t.opt_i64(3, "TScan.timestamp")? {
        scan.time_range = before(ts)?;
    }
    if let Some(batch) = t.opt_i32(7, "TScan.batchSize")? {
        scan.batch = usize::try_from(batch).ok().filter(|b| *b > 0);
    }
    if let Some(text) = t.opt_text(6, "TScan.filterString")?
        && !text.trim().is_empty()
    {
        scan.filter = Some(enma_kv::Filter::parse(text)?);
    }
    let sorted = t.opt_bool(8, "TScan.sortColumns")?.unwrap_or(false);
    Ok((scan, sorted))
}

/// An exception struct: `IOError`, `IllegalArgument` and `AlreadyExists` all
/// carry the message as field 1 (`IOError` adds `canRetry`, false here).
pub fn exception(message: &str, io_error: bool) -> Struct {
    let s = Struct::new().with(1, Value::binary(message.to_string()));
    if io_error { s.with(2, Value::Bool(false)) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell_at(q: &str, ts: i64, v: &str) -> Cell {
        Cell {
            row: Bytes::from_static(b"r"),
            family: Bytes::from_static(b"cf"),
            qualifier: Bytes::copy_from_slice(q.as_bytes()),
            timestamp: ts,
            value: Bytes::copy_from_slice(v.as_bytes()),
        }
    }

    #[test]
    fn row_result_map_keeps_the_newest_version_of_each_column() {
        let row = Row {
            key: Bytes::from_static(b"r"),
            cells: vec![cell_at("a", 2, "new"), cell_at("a", 1, "old"), cell_at("b", 1, "x")],
        };
        let Value::Struct(s) = row_result(&row, false) else { panic!() };
        let Some(Value::Map(_, _, entries)) = s.get(2) else { panic!("no columns map") };
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].0, Value::binary(&b"cf:a"[..]));
        assert_eq!(entries[0].1, cell(&row.cells[0]));
        assert!(s.get(3).is_none());

        let Value::Struct(sorted) = row_result(&row, true) else { panic!() };
        assert!(sorted.get(2).is_none());
        assert_eq!(sorted.list(3, "sortedColumns").unwrap().len(), 3);
    }

    #[test]
    fn column_descriptors_round_trip_with_hbase_defaults() {
        let given = Struct::new().with(1, Value::binary(&b"cf:"[..])).with(2, Value::I32(5)).with(9, Value::I32(-1));
        let f = family(&given).unwrap();
        assert_eq!((f.name.as_str(), f.max_versions, f.ttl), ("cf", 5, None));
        assert_eq!((f.compression.as_str(), f.bloom_filter.as_str(), f.block_cache), ("NONE", "NONE", false));

        let with_ttl = Struct::new()
            .with(1, Value::binary(&b"x"[..]))
            .with(3, Value::binary(&b"snappy"[..]))
            .with(9, Value::I32(60));
        let f = family(&with_ttl).unwrap();
        assert_eq!((f.max_versions, f.ttl, f.compression.as_str()), (3, Some(60), "SNAPPY"));
        let Value::Struct(back) = column_descriptor(&f) else { panic!() };
        assert_eq!(back.binary(1, "name").unwrap().as_ref(), b"x:");
        assert_eq!(back.i32(9, "ttl").unwrap(), 60);
        let Value::Struct(forever) = column_descriptor(&Family::new("y")) else { panic!() };
        assert_eq!(forever.i32(9, "ttl").unwrap(), i32::MAX);
    }

    #[test]
    fn bad_column_descriptors_are_illegal_arguments() {
        for bad in [
            Struct::new(),
            Struct::new().with(1, Value::binary(&b":"[..])),
            Struct::new().with(1, Value::binary(&b"cf"[..])).with(2, Value::I32(0)),
            Struct::new().with(1, Value::binary(&b"cf"[..])).with(3, Value::binary(&b"zip"[..])),
            Struct::new().with(1, Value::binary(&b"cf"[..])).with(5, Value::binary(&b"bits"[..])),
        ] {
            assert!(matches!(family(&bad), Err(Fault::IllegalArgument(_))), "{bad:?}");
        }
    }

    #[test]
    fn mutations_follow_hbase_column_spelling() {
        let m = |delete: bool, column: &'static [u8]| {
            Value::Struct(
                Struct::new()
                    .with(1, Value::Bool(delete))
                    .with(2, Value::binary(column))
                    .with(3, Value::binary(&b"v"[..])),
            )
        };
        let got = mutations(&[m(false, b"cf:q"), m(true, b"cf"), m(true, b"cf:"), m(true, b"cf:q")], Some(5)).unwrap();
        let b = Bytes::from_static;
        assert_eq!(
            got,
            vec![
                Mutation::Put { family: b(b"cf"), qualifier: b(b"q"), timestamp: Some(5), value: b(b"v") },
                Mutation::DeleteFamily { family: b(b"cf"), timestamp: Some(5) },
                Mutation::DeleteColumn { family: b(b"cf"), qualifier: b(b""), timestamp: Some(5) },
                Mutation::DeleteColumn { family: b(b"cf"), qualifier: b(b"q"), timestamp: Some(5) },
            ]
        );
        assert!(matches!(mutations(&[m(false, b"cf")], None), Err(Fault::IllegalArgument(_))));
    }

    #[test]
    fn scans_read_every_tscan_field() {
        let t = Struct::new()
            .with(1, Value::binary(&b"b"[..]))
            .with(2, Value::binary(&b"a"[..]))
            .with(3, Value::I64(10))
            .with(4, Value::list(TType::String, vec![Value::binary(&b"cf:q"[..])]))
            .with(5, Value::I32(1000))
            .with(7, Value::I32(2))
            .with(8, Value::Bool(true))
            .with(9, Value::Bool(true));
        let (s, sorted) = scan(&t).unwrap();
        assert!(sorted && s.reversed);
        assert_eq!((s.start_row.as_ref(), s.stop_row.as_ref()), (&b"b"[..], &b"a"[..]));
        assert_eq!(s.time_range, TimeRange { min: 0, max: 10 });
        assert_eq!(s.columns, vec![Column::new(&b"cf"[..], &b"q"[..])]);
        assert_eq!(s.batch, Some(2));
        assert!(before(-1).is_err());
    }
}
