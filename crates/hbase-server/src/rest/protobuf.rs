//! The protobuf form of HBase REST's models, the one Java's `RemoteHTable`
//! speaks: CellSet (in and out), Scanner (in), TableSchema (in and out),
//! TableList and Version (out).
//!
//! The messages are small and flat, so they are written and read here with a
//! few lines of wire-format code rather than generated: varints and
//! length-delimited fields, unknown fields skipped on input as protobuf does.
//! Field numbers are those of HBase's `CellSetMessage.proto`,
//! `ScannerMessage.proto`, `TableSchemaMessage.proto` and friends.

use bytes::Bytes;

use super::model::{
    CellModel, CellSet, ColumnSchemaModel, RowModel, ScannerModel, TableList, TableSchemaModel, Version,
};

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const FIXED32: u8 = 5;

/// Appends protobuf fields to a buffer.
#[derive(Default)]
pub struct Encoder(Vec<u8>);

impl Encoder {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn key(&mut self, field: u32, wire: u8) {
        self.varint(u64::from(field) << 3 | u64::from(wire));
    }

    /// A length-delimited field.
    pub fn bytes(&mut self, field: u32, b: &[u8]) -> &mut Self {
        self.key(field, LEN);
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }

    /// A string field.
    pub fn string(&mut self, field: u32, s: &str) -> &mut Self {
        self.bytes(field, s.as_bytes())
    }

    /// An `int64` (or an `int32`: negative values are sign-extended to ten bytes either way).
    pub fn int(&mut self, field: u32, v: i64) -> &mut Self {
        self.key(field, VARINT);
        self.varint(v as u64);
        self
    }

    /// An embedded message.
    pub fn message(&mut self, field: u32, m: Encoder) -> &mut Self {
        self.bytes(field, &m.0)
    }

    /// The encoded message.
    pub fn finish(self) -> Vec<u8> {
        self.0
    }
}

/// One field as read: a varint (any integer or bool) or a length-delimited value.
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Other,
}

/// Reads the fields of one message in order.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, String> {
        let buf = self.buf;
        let mut v = 0u64;
        for (i, &b) in buf.iter().enumerate().take(10) {
            v |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                self.buf = &buf[i + 1..];
                return Ok(v);
            }
        }
        Err("protobuf: malformed varint".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.buf.len() {
            return Err("protobuf: field runs past the end of the message".into());
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn next_field(&mut self) -> Result<Option<(u32, Field<'a>)>, String> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let field = u32::try_from(key >> 3).map_err(|_| "protobuf: field number out of range")?;
        let value = match (key & 7) as u8 {
            VARINT => Field::Varint(self.varint()?),
            LEN => {
                let n = usize::try_from(self.varint()?).map_err(|_| "protobuf: length out of range")?;
                Field::Bytes(self.take(n)?)
            }
            FIXED64 => {
                self.take(8)?;
                Field::Other
            }
            FIXED32 => {
                self.take(4)?;
                Field::Other
            }
            wire => return Err(format!("protobuf: unsupported wire type {wire}")),
        };
        Ok(Some((field, value)))
    }

    /// Calls `f` for each field of `buf`.
    fn each(buf: &'a [u8], mut f: impl FnMut(u32, Field<'a>) -> Result<(), String>) -> Result<(), String> {
        let mut r = Reader { buf };
        while let Some((n, v)) = r.next_field()? {
            f(n, v)?;
        }
        Ok(())
    }
}

fn text(b: &[u8], what: &str) -> Result<String, String> {
    String::from_utf8(b.to_vec()).map_err(|_| format!("protobuf: {what} is not UTF-8"))
}

// ---- CellSet: rows = 1 { key = 1, values = 2 { row = 1, column = 2, timestamp = 3, data = 4 } } ----

/// Writes a `CellSet` message.
pub fn cell_set_to_protobuf(set: &CellSet) -> Vec<u8> {
    let mut out = Vec::new();
    for row in &set.rows {
        out.extend_from_slice(&cell_set_row_to_protobuf(row));
    }
    out
}

/// One row as the `rows` field of a `CellSet` message. Concatenated, rows
/// make the whole message (a repeated field is its elements one after
/// another), which is how a CellSet is streamed.
pub fn cell_set_row_to_protobuf(row: &RowModel) -> Vec<u8> {
    let mut r = Encoder::default();
    r.bytes(1, row.key.as_deref().unwrap_or_default());
    for cell in &row.cells {
        let mut c = Encoder::default();
        if let Some(column) = &cell.column {
            c.bytes(2, column);
        }
        if let Some(ts) = cell.timestamp {
            c.int(3, ts);
        }
        c.bytes(4, &cell.value);
        r.message(2, c);
    }
    let mut out = Encoder::default();
    out.message(1, r);
    out.finish()
}

/// Reads a `CellSet` message.
pub fn cell_set_from_protobuf(body: &[u8]) -> Result<CellSet, String> {
    let mut rows = Vec::new();
    Reader::each(body, |n, v| {
        if let (1, Field::Bytes(row)) = (n, v) {
            let mut model = RowModel { key: None, cells: Vec::new() };
            Reader::each(row, |n, v| {
                match (n, v) {
                    (1, Field::Bytes(k)) => model.key = Some(Bytes::copy_from_slice(k)),
                    (2, Field::Bytes(cell)) => {
                        let mut c = CellModel { column: None, timestamp: None, value: Bytes::new() };
                        Reader::each(cell, |n, v| {
                            match (n, v) {
                                (2, Field::Bytes(col)) => c.column = Some(Bytes::copy_from_slice(col)),
                                (3, Field::Varint(ts)) => c.timestamp = Some(ts as i64),
                                (4, Field::Bytes(data)) => c.value = Bytes::copy_from_slice(data),
                                _ => {}
                            }
                            Ok(())
                        })?;
                        model.cells.push(c);
                    }
                    _ => {}
                }
                Ok(())
            })?;
            rows.push(model);
        }
        Ok(())
    })?;
    Ok(CellSet { rows })
}

// ---- Scanner: startRow 1, endRow 2, columns 3, batch 4, startTime 5, endTime 6,
//      maxVersions 7, filter 8 (JSON text), caching 9, labels 10, cacheBlocks 11 ----

/// Reads a `Scanner` message; fields left out keep HBase's defaults.
pub fn scanner_from_protobuf(body: &[u8]) -> Result<ScannerModel, String> {
    let mut m = ScannerModel::default();
    Reader::each(body, |n, v| {
        match (n, v) {
            (1, Field::Bytes(b)) => m.start_row = Bytes::copy_from_slice(b),
            (2, Field::Bytes(b)) => m.end_row = Bytes::copy_from_slice(b),
            (3, Field::Bytes(b)) => m.columns.push(Bytes::copy_from_slice(b)),
            (4, Field::Varint(v)) => m.batch = positive(v as i32),
            (5, Field::Varint(v)) => m.start_time = v as i64,
            (6, Field::Varint(v)) => m.end_time = v as i64,
            (7, Field::Varint(v)) => m.max_versions = u32::try_from((v as i32).max(1)).unwrap_or(u32::MAX),
            (8, Field::Bytes(b)) => {
                let filter = text(b, "scanner filter")?;
                if !filter.trim().is_empty() {
                    let value =
                        serde_json::from_str(&filter).map_err(|e| format!("scanner filter is not valid JSON: {e}"))?;
                    m.filter = Some(value);
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(m)
}

fn positive(n: i32) -> Option<usize> {
    usize::try_from(n).ok().filter(|&n| n > 0)
}

// ---- TableSchema: name 1, attrs 2 { name 1, value 2 }, columns 3 { name 1, attrs 2,
//      ttl 3, maxVersions 4, compression 5 }, inMemory 4, readOnly 5 ----

fn attribute(name: &str, value: &str) -> Encoder {
    let mut a = Encoder::default();
    a.string(1, name).string(2, value);
    a
}

/// Writes a `TableSchema` message, with TTL, VERSIONS and COMPRESSION also in their typed fields.
pub fn table_schema_to_protobuf(model: &TableSchemaModel) -> Vec<u8> {
    let mut out = Encoder::default();
    out.string(1, &model.name);
    for (k, v) in &model.attrs {
        out.message(2, attribute(k, v));
    }
    for col in &model.columns {
        let mut c = Encoder::default();
        c.string(1, &col.name);
        for (k, v) in &col.attrs {
            c.message(2, attribute(k, v));
        }
        let attr = |name: &str| col.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        if let Some(ttl) = attr("TTL").and_then(|v| v.parse::<i64>().ok()) {
            c.int(3, ttl);
        }
        if let Some(versions) = attr("VERSIONS").and_then(|v| v.parse::<i64>().ok()) {
            c.int(4, versions);
        }
        if let Some(compression) = attr("COMPRESSION") {
            c.string(5, compression);
        }
        out.message(3, c);
    }
    out.finish()
}

fn read_attribute(b: &[u8]) -> Result<(String, String), String> {
    let (mut name, mut value) = (String::new(), String::new());
    Reader::each(b, |n, v| {
        match (n, v) {
            (1, Field::Bytes(s)) => name = text(s, "attribute name")?,
            (2, Field::Bytes(s)) => value = text(s, "attribute value")?,
            _ => {}
        }
        Ok(())
    })?;
    Ok((name, value))
}

/// Reads a `TableSchema` message; typed column fields become attributes.
pub fn table_schema_from_protobuf(body: &[u8]) -> Result<TableSchemaModel, String> {
    let mut model = TableSchemaModel { name: String::new(), attrs: Vec::new(), columns: Vec::new() };
    Reader::each(body, |n, v| {
        match (n, v) {
            (1, Field::Bytes(s)) => model.name = text(s, "table name")?,
            (2, Field::Bytes(a)) => model.attrs.push(read_attribute(a)?),
            (3, Field::Bytes(c)) => {
                let mut col = ColumnSchemaModel { name: String::new(), attrs: Vec::new() };
                Reader::each(c, |n, v| {
                    match (n, v) {
                        (1, Field::Bytes(s)) => col.name = text(s, "column family name")?,
                        (2, Field::Bytes(a)) => col.attrs.push(read_attribute(a)?),
                        (3, Field::Varint(ttl)) => col.attrs.push(("TTL".into(), (ttl as i32).to_string())),
                        (4, Field::Varint(v)) => col.attrs.push(("VERSIONS".into(), (v as i32).to_string())),
                        (5, Field::Bytes(s)) => col.attrs.push(("COMPRESSION".into(), text(s, "compression")?)),
                        _ => {}
                    }
                    Ok(())
                })?;
                model.columns.push(col);
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(model)
}

// ---- TableList: name 1 (repeated); Version: rest 1, jvm 2, os 3, server 4, jersey 5 ----

/// Writes a `TableList` message.
pub fn table_list_to_protobuf(list: &TableList) -> Vec<u8> {
    let mut out = Encoder::default();
    for name in &list.0 {
        out.string(1, name);
    }
    out.finish()
}

/// Writes a `Version` message.
pub fn version_to_protobuf(v: &Version) -> Vec<u8> {
    let mut out = Encoder::default();
    out.string(1, &v.rest).string(2, &v.jvm).string(3, &v.os).string(4, &v.server).string(5, &v.jersey);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_set_wire_bytes_and_round_trip() {
        let set = CellSet {
            rows: vec![RowModel {
                key: Some(Bytes::from_static(b"r")),
                cells: vec![CellModel {
                    column: Some(Bytes::from_static(b"f:q")),
                    timestamp: Some(300),
                    value: Bytes::from_static(b"v"),
                }],
            }],
        };
        let wire = cell_set_to_protobuf(&set);
        // rows{key "r", values{column "f:q", timestamp 300, data "v"}}
        let cell = [0x12, 3, b'f', b':', b'q', 0x18, 0xac, 0x02, 0x22, 1, b'v'];
        let mut row = vec![0x0a, 1, b'r', 0x12, cell.len() as u8];
        row.extend_from_slice(&cell);
        let mut expected = vec![0x0a, row.len() as u8];
        expected.extend_from_slice(&row);
        assert_eq!(wire, expected);
        assert_eq!(cell_set_from_protobuf(&wire).unwrap(), set);
    }

    #[test]
    fn scanner_fields_and_unknown_fields() {
        let mut m = Encoder::default();
        m.bytes(1, b"a").bytes(2, b"z").bytes(3, b"cf:q").int(4, 10).int(7, 2);
        m.string(8, r#"{"type":"KeyOnlyFilter"}"#).int(9, 100).int(11, 1).int(99, 5);
        let s = scanner_from_protobuf(&m.finish()).unwrap();
        assert_eq!((&s.start_row[..], &s.end_row[..]), (&b"a"[..], &b"z"[..]));
        assert_eq!(s.columns, vec![Bytes::from_static(b"cf:q")]);
        assert_eq!((s.batch, s.max_versions), (Some(10), 2));
        assert_eq!(s.filter.unwrap()["type"], "KeyOnlyFilter");
        assert_eq!(scanner_from_protobuf(&[]).unwrap(), ScannerModel::default());
    }

    #[test]
    fn negative_int64_is_ten_bytes() {
        let mut m = Encoder::default();
        m.int(5, -1);
        let wire = m.finish();
        assert_eq!(wire.len(), 11);
        let mut got = 0;
        Reader::each(&wire, |_, v| {
            if let Field::Varint(v) = v {
                got = v as i64;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(got, -1);
    }

    #[test]
    fn schema_round_trip() {
        let model = TableSchemaModel {
            name: "t".into(),
            attrs: vec![("IS_META".into(), "false".into())],
            columns: vec![ColumnSchemaModel {
                name: "cf".into(),
                attrs: vec![("VERSIONS".into(), "4".into()), ("TTL".into(), "60".into())],
            }],
        };
        let back = table_schema_from_protobuf(&table_schema_to_protobuf(&model)).unwrap();
        assert_eq!(back.name, "t");
        let family = &back.families().unwrap()[0];
        assert_eq!((family.name.as_str(), family.max_versions, family.ttl), ("cf", 4, Some(60)));
    }

    #[test]
    fn malformed_messages_are_errors() {
        assert!(cell_set_from_protobuf(&[0x0a, 5, 1]).is_err());
        assert!(cell_set_from_protobuf(&[0x80]).is_err());
        assert!(scanner_from_protobuf(&[0x0b]).is_err());
        assert!(scanner_from_protobuf(&[0x42, 1, b'{']).is_err());
    }
}
