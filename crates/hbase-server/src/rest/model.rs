//! HBase REST's data models — CellSet, TableSchema, Scanner, table and
//! namespace lists, version and cluster status — in the JSON and XML shapes
//! HBase's server writes and its clients send.
//!
//! Binary fields (row keys, columns, values) travel as base64 in both shapes.
//! Readers are lenient where Jackson is (numbers given as strings, attribute
//! values given as numbers or booleans) and strict about what would change
//! meaning (bad base64, malformed numbers).

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use bytes::Bytes;
use enma_kv::{Family, Row, TableSchema};
use serde_json::{Map, Value, json};

use super::format::Model;
use super::protobuf;
use super::xml::{self, Element, Writer};

/// Standard base64, written with padding, read with or without it.
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The version of HBase whose REST API this server mirrors, as `/version/cluster` reports it.
pub const HBASE_VERSION: &str = "2.5.0";

/// HBase's `HConstants.FOREVER`: a TTL of this many seconds or more never expires.
const TTL_FOREVER: u64 = i32::MAX as u64;

/// Bytes as HBase's REST models carry them: standard base64 with padding.
pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// Base64 from a client (whitespace ignored, padding optional); `what` names the field in the error.
pub fn unb64(text: &str, what: &str) -> Result<Bytes, String> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    B64.decode(compact.as_bytes()).map(Bytes::from).map_err(|e| format!("{what} is not valid base64: {e}"))
}

/// A JSON scalar as text, as Jackson coerces attribute values.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_i64(text: &str, what: &str) -> Result<i64, String> {
    text.trim().parse().map_err(|_| format!("{what} is not a valid integer: '{text}'"))
}

fn json_i64(v: &Value, what: &str) -> Result<Option<i64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_i64().map(Some).ok_or_else(|| format!("{what} is not a valid integer: {n}")),
        Value::String(s) => parse_i64(s, what).map(Some),
        other => Err(format!("{what} must be a number, not {other}")),
    }
}

fn json_bool(v: &Value, what: &str) -> Result<Option<bool>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::String(s) => parse_bool(s, what).map(Some),
        other => Err(format!("{what} must be true or false, not {other}")),
    }
}

fn parse_bool(text: &str, what: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{what} must be true or false, not '{text}'")),
    }
}

fn parse_json(body: &[u8], what: &str) -> Result<Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(body).map_err(|e| format!("{what} is not valid JSON: {e}"))
}

fn parse_xml(body: &[u8], root: &str) -> Result<Element, String> {
    let text = std::str::from_utf8(body).map_err(|_| format!("{root} XML is not UTF-8"))?;
    let el = xml::parse(text).map_err(|e| format!("{root} XML: {e}"))?;
    if el.name != root {
        return Err(format!("expected a <{root}> document, got <{}>", el.name));
    }
    Ok(el)
}

// ---- CellSet ----

/// One cell of a CellSet. On input, a missing column comes from the path and a
/// missing timestamp means "now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellModel {
    pub column: Option<Bytes>,
    pub timestamp: Option<i64>,
    pub value: Bytes,
}

/// One row of a CellSet; on input the key may come from the path instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowModel {
    pub key: Option<Bytes>,
    pub cells: Vec<CellModel>,
}

impl RowModel {
    /// A row read from the store.
    pub fn from_row(r: &Row) -> RowModel {
        RowModel {
            key: Some(r.key.clone()),
            cells: r
                .cells
                .iter()
                .map(|c| CellModel {
                    column: Some(c.column().into()),
                    timestamp: Some(c.timestamp),
                    value: c.value.clone(),
                })
                .collect(),
        }
    }

    /// `{"key", "Cell": [{"column", "timestamp", "$"}]}`, one element of a CellSet's `Row`.
    pub fn to_json(&self) -> Value {
        let cells: Vec<Value> = self
            .cells
            .iter()
            .map(|c| {
                let mut m = Map::new();
                if let Some(col) = &c.column {
                    m.insert("column".into(), b64(col).into());
                }
                if let Some(ts) = c.timestamp {
                    m.insert("timestamp".into(), ts.into());
                }
                m.insert("$".into(), b64(&c.value).into());
                Value::Object(m)
            })
            .collect();
        let mut m = Map::new();
        if let Some(k) = &self.key {
            m.insert("key".into(), b64(k).into());
        }
        m.insert("Cell".into(), cells.into());
        Value::Object(m)
    }

    /// `<Row key=".."><Cell column=".." timestamp="..">value</Cell>...</Row>`.
    pub fn write_xml(&self, w: &mut Writer) {
        let key = self.key.as_ref().map(|k| b64(k)).unwrap_or_default();
        w.start("Row", &[("key", &key)]).close_start();
        for c in &self.cells {
            let column = c.column.as_ref().map(|k| b64(k)).unwrap_or_default();
            let ts = c.timestamp.map(|t| t.to_string()).unwrap_or_default();
            w.start("Cell", &[("column", &column), ("timestamp", &ts)]).close_start();
            w.text(&b64(&c.value)).end("Cell");
        }
        w.end("Row");
    }
}

/// HBase's CellSet: rows of cells, the body of every read and write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellSet {
    pub rows: Vec<RowModel>,
}

impl CellSet {
    /// The CellSet of rows read from the store.
    pub fn from_rows(rows: &[Row]) -> CellSet {
        CellSet { rows: rows.iter().map(RowModel::from_row).collect() }
    }

    /// Reads `{"Row": [{"key", "Cell": [{"column", "timestamp", "$"}]}]}`.
    pub fn from_json(body: &[u8]) -> Result<CellSet, String> {
        let v = parse_json(body, "CellSet")?;
        let rows = match v.get("Row") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(rows)) => rows.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            Some(other) => return Err(format!("CellSet 'Row' must be a list, not {other}")),
        };
        let mut out = Vec::new();
        for row in rows {
            let key = match row.get("key") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(unb64(s, "row key")?),
                Some(other) => return Err(format!("row 'key' must be a base64 string, not {other}")),
            };
            let cells = match row.get("Cell") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(cells)) => cells.iter().collect(),
                Some(one @ Value::Object(_)) => vec![one],
                Some(other) => return Err(format!("row 'Cell' must be a list, not {other}")),
            };
            let mut parsed = Vec::with_capacity(cells.len());
            for cell in cells {
                let column = match cell.get("column") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(unb64(s, "cell column")?),
                    Some(other) => return Err(format!("cell 'column' must be a base64 string, not {other}")),
                };
                let timestamp = json_i64(cell.get("timestamp").unwrap_or(&Value::Null), "cell timestamp")?;
                let value = match cell.get("$") {
                    None | Some(Value::Null) => Bytes::new(),
                    Some(Value::String(s)) => unb64(s, "cell value")?,
                    Some(other) => return Err(format!("cell '$' must be a base64 string, not {other}")),
                };
                parsed.push(CellModel { column, timestamp, value });
            }
            out.push(RowModel { key, cells: parsed });
        }
        Ok(CellSet { rows: out })
    }

    /// Reads `<CellSet><Row key=".."><Cell column=".." timestamp="..">value</Cell></Row></CellSet>`.
    pub fn from_xml(body: &[u8]) -> Result<CellSet, String> {
        let root = parse_xml(body, "CellSet")?;
        let mut rows = Vec::new();
        for row in root.children_named("Row") {
            let key = row.attr("key").map(|k| unb64(k, "row key")).transpose()?;
            let mut cells = Vec::new();
            for cell in row.children_named("Cell") {
                let column = cell.attr("column").map(|c| unb64(c, "cell column")).transpose()?;
                let timestamp = cell.attr("timestamp").map(|t| parse_i64(t, "cell timestamp")).transpose()?;
                let value = unb64(&cell.text, "cell value")?;
                cells.push(CellModel { column, timestamp, value });
            }
            rows.push(RowModel { key, cells });
        }
        Ok(CellSet { rows })
    }
}

impl Model for CellSet {
    fn to_protobuf(&self) -> Option<Vec<u8>> {
        Some(protobuf::cell_set_to_protobuf(self))
    }

    fn to_json(&self) -> Value {
        let rows: Vec<Value> = self.rows.iter().map(RowModel::to_json).collect();
        json!({ "Row": rows })
    }

    fn to_xml(&self) -> String {
        let mut w = Writer::document();
        w.start("CellSet", &[]).close_start();
        for r in &self.rows {
            r.write_xml(&mut w);
        }
        w.end("CellSet");
        w.finish()
    }
}

// ---- TableSchema ----

/// A column family as HBase's REST server describes it: a name and string attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSchemaModel {
    pub name: String,
    pub attrs: Vec<(String, String)>,
}

/// A table's schema: its name, table attributes and column families.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchemaModel {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub columns: Vec<ColumnSchemaModel>,
}

impl ColumnSchemaModel {
    fn from_family(f: &Family) -> Self {
        let ttl = f.ttl.map_or(TTL_FOREVER, |t| t.min(TTL_FOREVER));
        let attrs = [
            ("BLOOMFILTER", f.bloom_filter.clone()),
            ("VERSIONS", f.max_versions.to_string()),
            ("IN_MEMORY", f.in_memory.to_string()),
            ("KEEP_DELETED_CELLS", "FALSE".into()),
            ("DATA_BLOCK_ENCODING", "NONE".into()),
            ("TTL", ttl.to_string()),
            ("COMPRESSION", f.compression.clone()),
            ("MIN_VERSIONS", f.min_versions.to_string()),
            ("BLOCKCACHE", f.block_cache.to_string()),
            ("BLOCKSIZE", f.block_size.to_string()),
            ("REPLICATION_SCOPE", "0".into()),
        ];
        ColumnSchemaModel { name: f.name.clone(), attrs: attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect() }
    }

    /// The family this describes: HBase's defaults, then the attributes given.
    /// Attributes the store has no use for are accepted and ignored, as HBase keeps them.
    pub fn to_family(&self) -> Result<Family, String> {
        let mut f = Family::new(self.name.clone());
        let what = |attr: &str| format!("column family '{}': {attr}", self.name);
        let unsigned = |attr: &str, v: &str| -> Result<u32, String> {
            v.trim().parse::<u32>().map_err(|_| format!("{} must be a non-negative integer, not '{v}'", what(attr)))
        };
        for (k, v) in &self.attrs {
            match k.to_ascii_uppercase().as_str() {
                "VERSIONS" => f.max_versions = unsigned("VERSIONS", v)?,
                "MIN_VERSIONS" => f.min_versions = unsigned("MIN_VERSIONS", v)?,
                "BLOCKSIZE" => f.block_size = unsigned("BLOCKSIZE", v)?,
                "TTL" => f.ttl = parse_ttl(v).map_err(|e| format!("{}: {e}", what("TTL")))?,
                "COMPRESSION" => f.compression = v.trim().to_ascii_uppercase(),
                "BLOOMFILTER" => f.bloom_filter = v.trim().to_ascii_uppercase(),
                "BLOCKCACHE" => f.block_cache = parse_bool(v, &what("BLOCKCACHE"))?,
                "IN_MEMORY" => f.in_memory = parse_bool(v, &what("IN_MEMORY"))?,
                _ => {}
            }
        }
        Ok(f)
    }
}

/// TTL in seconds, `FOREVER`, or HBase shell's `86400 SECONDS (1 DAY)`; `None` is forever.
fn parse_ttl(v: &str) -> Result<Option<u64>, String> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("FOREVER") {
        return Ok(None);
    }
    let digits: &str = v.split_whitespace().next().unwrap_or("");
    let secs: u64 = digits.parse().map_err(|_| format!("must be a number of seconds or FOREVER, not '{v}'"))?;
    Ok(if secs >= TTL_FOREVER { None } else { Some(secs) })
}

impl TableSchemaModel {
    /// The schema as HBase describes a table: every family with all its attributes.
    pub fn from_schema(schema: &TableSchema) -> Self {
        TableSchemaModel {
            name: schema.name.to_string(),
            attrs: vec![("IS_META".into(), "false".into())],
            columns: schema.families.iter().map(ColumnSchemaModel::from_family).collect(),
        }
    }

    /// The families described, in order.
    pub fn families(&self) -> Result<Vec<Family>, String> {
        self.columns.iter().map(ColumnSchemaModel::to_family).collect()
    }

    /// Reads `{"name", "ColumnSchema": [{"name", "VERSIONS": "3", ...}], ...table attributes}`.
    pub fn from_json(body: &[u8]) -> Result<Self, String> {
        let v = parse_json(body, "TableSchema")?;
        let Value::Object(obj) = v else {
            return Err("TableSchema must be a JSON object".into());
        };
        let mut model = TableSchemaModel { name: String::new(), attrs: Vec::new(), columns: Vec::new() };
        for (k, v) in &obj {
            match k.as_str() {
                "name" => model.name = scalar_text(v).unwrap_or_default(),
                "ColumnSchema" => {
                    let columns = match v {
                        Value::Array(a) => a.iter().collect(),
                        Value::Object(_) => vec![v],
                        Value::Null => Vec::new(),
                        other => return Err(format!("'ColumnSchema' must be a list, not {other}")),
                    };
                    for c in columns {
                        let Value::Object(c) = c else {
                            return Err(format!("a ColumnSchema must be an object, not {c}"));
                        };
                        let mut col = ColumnSchemaModel { name: String::new(), attrs: Vec::new() };
                        for (ck, cv) in c {
                            let text = scalar_text(cv).ok_or_else(|| {
                                format!("ColumnSchema attribute '{ck}' must be a string, number or boolean")
                            })?;
                            if ck == "name" {
                                col.name = text;
                            } else {
                                col.attrs.push((ck.clone(), text));
                            }
                        }
                        model.columns.push(col);
                    }
                }
                _ => {
                    if let Some(text) = scalar_text(v) {
                        model.attrs.push((k.clone(), text));
                    }
                }
            }
        }
        Ok(model)
    }

    /// Reads `<TableSchema name=".."><ColumnSchema name=".." VERSIONS="3"/></TableSchema>`.
    pub fn from_xml(body: &[u8]) -> Result<Self, String> {
        let root = parse_xml(body, "TableSchema")?;
        let split = |el: &Element| -> (String, Vec<(String, String)>) {
            let name = el.attr("name").unwrap_or_default().to_string();
            let attrs = el.attrs.iter().filter(|(k, _)| k != "name" && !k.starts_with("xmlns")).cloned().collect();
            (name, attrs)
        };
        let (name, attrs) = split(&root);
        let columns = root
            .children_named("ColumnSchema")
            .map(|c| {
                let (name, attrs) = split(c);
                ColumnSchemaModel { name, attrs }
            })
            .collect();
        Ok(TableSchemaModel { name, attrs, columns })
    }
}

impl Model for TableSchemaModel {
    fn to_protobuf(&self) -> Option<Vec<u8>> {
        Some(protobuf::table_schema_to_protobuf(self))
    }

    fn to_json(&self) -> Value {
        let columns: Vec<Value> = self
            .columns
            .iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("name".into(), c.name.clone().into());
                for (k, v) in &c.attrs {
                    m.insert(k.clone(), v.clone().into());
                }
                Value::Object(m)
            })
            .collect();
        let mut m = Map::new();
        m.insert("name".into(), self.name.clone().into());
        m.insert("ColumnSchema".into(), columns.into());
        for (k, v) in &self.attrs {
            m.insert(k.clone(), v.clone().into());
        }
        Value::Object(m)
    }

    fn to_xml(&self) -> String {
        let mut w = Writer::document();
        let mut attrs: Vec<(&str, &str)> = vec![("name", &self.name)];
        attrs.extend(self.attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        w.start("TableSchema", &attrs).close_start();
        for c in &self.columns {
            let mut attrs: Vec<(&str, &str)> = vec![("name", &c.name)];
            attrs.extend(c.attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            w.start("ColumnSchema", &attrs).empty_end();
        }
        w.end("TableSchema");
        w.finish()
    }

    fn to_text(&self) -> String {
        let quote =
            |attrs: &[(String, String)]| -> String { attrs.iter().map(|(k, v)| format!(", {k} => '{v}'")).collect() };
        let columns: Vec<String> =
            self.columns.iter().map(|c| format!("{{ NAME => '{}'{} }}", c.name, quote(&c.attrs))).collect();
        format!("{{ NAME=> '{}'{}, COLUMNS => [ {} ] }}\n", self.name, quote(&self.attrs), columns.join(", "))
    }
}

// ---- Scanner ----

/// A stateful scanner's definition, as clients PUT or POST it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannerModel {
    pub start_row: Bytes,
    pub end_row: Bytes,
    pub columns: Vec<Bytes>,
    /// Cells per `GET` of the scanner; HBase's default is unbounded.
    pub batch: Option<usize>,
    pub start_time: i64,
    pub end_time: i64,
    /// Versions per column; HBase's scanner default is all of them.
    pub max_versions: u32,
    /// The filter as JSON, already parsed from the string HBase carries it in.
    pub filter: Option<Value>,
    pub reversed: bool,
    pub limit: Option<usize>,
    pub include_start_row: bool,
    pub include_stop_row: bool,
}

impl Default for ScannerModel {
    fn default() -> Self {
        ScannerModel {
            start_row: Bytes::new(),
            end_row: Bytes::new(),
            columns: Vec::new(),
            batch: None,
            start_time: 0,
            end_time: i64::MAX,
            max_versions: u32::MAX,
            filter: None,
            reversed: false,
            limit: None,
            include_start_row: true,
            include_stop_row: false,
        }
    }
}

/// A count from the model: non-positive means "not set", as HBase treats it.
fn positive(n: i64) -> Option<usize> {
    (n > 0).then(|| usize::try_from(n).unwrap_or(usize::MAX))
}

fn filter_value(text: &str) -> Result<Option<Value>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(text).map(Some).map_err(|e| format!("scanner filter is not valid JSON: {e}"))
}

impl ScannerModel {
    fn set(&mut self, key: &str, text: &str) -> Result<(), String> {
        match key {
            "startRow" => self.start_row = unb64(text, "startRow")?,
            "endRow" => self.end_row = unb64(text, "endRow")?,
            "batch" => self.batch = positive(parse_i64(text, "batch")?),
            "limit" => self.limit = positive(parse_i64(text, "limit")?),
            "startTime" => self.start_time = parse_i64(text, "startTime")?,
            "endTime" => self.end_time = parse_i64(text, "endTime")?,
            "maxVersions" => {
                self.max_versions = u32::try_from(parse_i64(text, "maxVersions")?.max(1)).unwrap_or(u32::MAX)
            }
            "reversed" => self.reversed = parse_bool(text, "reversed")?,
            "includeStartRow" => self.include_start_row = parse_bool(text, "includeStartRow")?,
            "includeStopRow" => self.include_stop_row = parse_bool(text, "includeStopRow")?,
            "filter" => self.filter = filter_value(text)?,
            _ => {}
        }
        Ok(())
    }

    /// Reads Jackson's form: `{"startRow": "<b64>", "column": ["<b64>"], "batch": 10, "filter": "<JSON text>", ...}`.
    pub fn from_json(body: &[u8]) -> Result<Self, String> {
        let v = parse_json(body, "Scanner")?;
        let Value::Object(obj) = v else {
            return Err("Scanner must be a JSON object".into());
        };
        let mut model = ScannerModel::default();
        for (k, v) in &obj {
            match (k.as_str(), v) {
                (_, Value::Null) => {}
                ("column", Value::Array(cols)) => {
                    for c in cols {
                        let text =
                            c.as_str().ok_or_else(|| format!("scanner column must be a base64 string, not {c}"))?;
                        model.columns.push(unb64(text, "scanner column")?);
                    }
                }
                ("column", Value::String(c)) => model.columns.push(unb64(c, "scanner column")?),
                ("filter", Value::Object(_)) => model.filter = Some(v.clone()),
                ("batch" | "limit" | "startTime" | "endTime" | "maxVersions", _) => {
                    let n = json_i64(v, k)?.unwrap_or_default();
                    model.set(k, &n.to_string())?;
                }
                ("reversed" | "includeStartRow" | "includeStopRow", _) => {
                    if let Some(b) = json_bool(v, k)? {
                        model.set(k, &b.to_string())?;
                    }
                }
                (_, v) => {
                    if let Some(text) = scalar_text(v) {
                        model.set(k, &text)?;
                    }
                }
            }
        }
        Ok(model)
    }

    /// Reads `<Scanner batch=".." startRow=".."><column>b64</column><filter>JSON</filter></Scanner>`.
    pub fn from_xml(body: &[u8]) -> Result<Self, String> {
        let root = parse_xml(body, "Scanner")?;
        let mut model = ScannerModel::default();
        for (k, v) in &root.attrs {
            model.set(k, v)?;
        }
        for child in &root.children {
            match child.name.as_str() {
                "column" => model.columns.push(unb64(&child.text, "scanner column")?),
                "filter" => model.filter = filter_value(&child.text)?,
                name => model.set(name, &child.text)?,
            }
        }
        Ok(model)
    }
}

// ---- lists, version, status ----

/// `GET /` and `GET /namespaces/{ns}/tables`: table names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableList(pub Vec<String>);

impl Model for TableList {
    fn to_protobuf(&self) -> Option<Vec<u8>> {
        Some(protobuf::table_list_to_protobuf(self))
    }

    fn to_json(&self) -> Value {
        let tables: Vec<Value> = self.0.iter().map(|n| json!({ "name": n })).collect();
        json!({ "table": tables })
    }

    fn to_xml(&self) -> String {
        let mut w = Writer::document();
        w.start("TableList", &[]).close_start();
        for n in &self.0 {
            w.start("table", &[("name", n)]).empty_end();
        }
        w.end("TableList");
        w.finish()
    }

    fn to_text(&self) -> String {
        self.0.iter().map(|n| format!("{n}\n")).collect()
    }
}

/// `GET /namespaces`: namespace names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceList(pub Vec<String>);

impl Model for NamespaceList {
    fn to_json(&self) -> Value {
        json!({ "Namespace": self.0 })
    }

    fn to_xml(&self) -> String {
        let mut w = Writer::document();
        w.start("Namespaces", &[]).close_start();
        for n in &self.0 {
            w.leaf("Namespace", &[], n);
        }
        w.end("Namespaces");
        w.finish()
    }

    fn to_text(&self) -> String {
        self.0.iter().map(|n| format!("{n}\n")).collect()
    }
}

/// `GET /namespaces/{ns}`: a namespace's properties (the store keeps none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceProperties;

impl Model for NamespaceProperties {
    fn to_json(&self) -> Value {
        json!({})
    }

    fn to_xml(&self) -> String {
        let mut w = Writer::document();
        w.start("NamespaceProperties", &[]).empty_end();
        w.finish()
    }

    fn to_text(&self) -> String {
        String::new()
    }
}

/// `GET /version`: the REST server's software versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub rest: String,
    pub jvm: String,
    pub os: String,
    pub server: String,
    pub jersey: String,
}

impl Version {
    /// This server's versions, in the fields HBase's clients read.
    pub fn current() -> Self {
        Version {
            rest: "0.0.3".into(),
            jvm: format!("none (native Rust, enma-hbase {})", env!("CARGO_PKG_VERSION")),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            server: format!("enma-hbase/{}", env!("CARGO_PKG_VERSION")),
            jersey: "none (axum)".into(),
        }
    }
}

impl Model for Version {
    fn to_protobuf(&self) -> Option<Vec<u8>> {
        Some(protobuf::version_to_protobuf(self))
    }

    fn to_json(&self) -> Value {
        json!({ "REST": self.rest, "JVM": self.jvm, "OS": self.os, "Server": self.server, "Jersey": self.jersey })
    }

    fn to_xml(&self) -> String {
        let mut w = Writer::document();
        w.start(
            "Version",
            &[
                ("REST", &self.rest),
                ("JVM", &self.jvm),
                ("OS", &self.os),
                ("Server", &self.server),
                ("Jersey", &self.jersey),
            ],
        )
        .empty_end();
        w.finish()
    }

    fn to_text(&self) -> String {
        format!(
            "rest {} [JVM: {}] [OS: {}] [Server: {}] [Jersey: {}]\n",
            self.rest, self.jvm, self.os, self.server, self.jersey
        )
    }
}

/// `GET /version/cluster`: the HBase version the store stands in for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterVersion(pub String);

impl Model for ClusterVersion {
    fn to_json(&self) -> Value {
        json!({ "Version": self.0 })
    }

    fn to_xml(&self) -> String {
        let mut w = Writer::document();
        w.start("ClusterVersion", &[("Version", &self.0)]).empty_end();
        w.finish()
    }

    fn to_text(&self) -> String {
        format!("{}\n", self.0)
    }
}

/// `GET /status/cluster`: one live node (this server) holding one region per table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterStatus {
    pub node: String,
    pub start_code: i64,
    pub regions: Vec<String>,
}

impl Model for ClusterStatus {
    fn to_json(&self) -> Value {
        let regions: Vec<Value> = self
            .regions
            .iter()
            .map(|r| {
                json!({
                    "name": b64(r.as_bytes()), "stores": 1, "storefiles": 0, "storefileSizeMB": 0,
                    "memStoreSizeMB": 0, "storefileIndexSizeKB": 0, "readRequestsCount": 0,
                    "writeRequestsCount": 0, "rootIndexSizeKB": 0, "totalStaticIndexSizeKB": 0,
                    "totalStaticBloomSizeKB": 0, "totalCompactingKVs": 0, "currentCompactedKVs": 0
                })
            })
            .collect();
        json!({
            "regions": self.regions.len(),
            "requests": 0,
            "averageLoad": self.regions.len() as f64,
            "LiveNodes": [{
                "name": self.node, "startCode": self.start_code, "requests": 0,
                "heapSizeMB": 0, "maxHeapSizeMB": 0, "Region": regions
            }],
            "DeadNodes": []
        })
    }

    fn to_xml(&self) -> String {
        let count = self.regions.len().to_string();
        let start = self.start_code.to_string();
        let mut w = Writer::document();
        w.start("ClusterStatus", &[("regions", &count), ("requests", "0"), ("averageLoad", &count)]).close_start();
        w.start("LiveNodes", &[]).close_start();
        w.start(
            "Node",
            &[
                ("name", &self.node),
                ("startCode", &start),
                ("requests", "0"),
                ("heapSizeMB", "0"),
                ("maxHeapSizeMB", "0"),
            ],
        )
        .close_start();
        for r in &self.regions {
            w.start("Region", &[("name", &b64(r.as_bytes())), ("stores", "1"), ("storefiles", "0")]).empty_end();
        }
        w.end("Node").end("LiveNodes");
        w.start("DeadNodes", &[]).empty_end();
        w.end("ClusterStatus");
        w.finish()
    }

    fn to_text(&self) -> String {
        let mut s = format!(
            "1 live servers, 0 dead servers, {}.0000 average load\n\n1 live servers\n    {} {}\n        requests=0, regions={}\n",
            self.regions.len(),
            self.node,
            self.start_code,
            self.regions.len()
        );
        for r in &self.regions {
            s.push_str(&format!("        {r}\n            stores=1\n"));
        }
        s
    }
}

/// `GET /{table}/regions`: the table's one region, covering every row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    pub table: String,
    pub location: String,
    pub region_id: i64,
}

impl TableInfo {
    fn region_name(&self) -> String {
        format!("{},,{}", self.table, self.region_id)
    }
}

impl Model for TableInfo {
    fn to_json(&self) -> Value {
        json!({
            "name": self.table,
            "Region": [{
                "id": self.region_id, "startKey": "", "endKey": "",
                "location": self.location, "name": self.region_name()
            }]
        })
    }

    fn to_xml(&self) -> String {
        let id = self.region_id.to_string();
        let name = self.region_name();
        let mut w = Writer::document();
        w.start("TableInfo", &[("name", &self.table)]).close_start();
        w.start(
            "Region",
            &[("endKey", ""), ("id", &id), ("location", &self.location), ("name", &name), ("startKey", "")],
        )
        .empty_end();
        w.end("TableInfo");
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_set_json_round_trip() {
        let body = br#"{"Row":[{"key":"cm93","Cell":[{"column":"Y2Y6cQ==","timestamp":5,"$":"dmFs"},{"column":"Y2Y6cg","$":"eA=="}]}]}"#;
        let set = CellSet::from_json(body).unwrap();
        assert_eq!(set.rows[0].key.as_deref(), Some(&b"row"[..]));
        assert_eq!(set.rows[0].cells[0].timestamp, Some(5));
        assert_eq!(set.rows[0].cells[1].column.as_deref(), Some(&b"cf:r"[..]));
        assert_eq!(set.rows[0].cells[1].timestamp, None);
        let again = CellSet::from_json(set.to_json().to_string().as_bytes()).unwrap();
        assert_eq!(again, set);
        assert!(CellSet::from_json(br#"{"Row":[{"key":"!!"}]}"#).is_err());
        assert!(CellSet::from_json(b"{").is_err());
    }

    #[test]
    fn cell_set_xml_round_trip() {
        let set = CellSet {
            rows: vec![RowModel {
                key: Some(Bytes::from_static(b"r\0")),
                cells: vec![CellModel {
                    column: Some(Bytes::from_static(b"f:q")),
                    timestamp: Some(9),
                    value: Bytes::from_static(b"<v>"),
                }],
            }],
        };
        let xml = set.to_xml();
        assert!(xml.starts_with("<?xml"), "{xml}");
        assert_eq!(CellSet::from_xml(xml.as_bytes()).unwrap(), set);
    }

    #[test]
    fn schema_attributes_become_family_settings() {
        let body = br#"{"name":"t","ColumnSchema":[{"name":"cf","VERSIONS":3,"TTL":"86400","IN_MEMORY":true,"BLOCKSIZE":"65537","KEEP_DELETED_CELLS":"FALSE"}],"IS_META":"false"}"#;
        let model = TableSchemaModel::from_json(body).unwrap();
        let families = model.families().unwrap();
        assert_eq!(families[0].name, "cf");
        assert_eq!(families[0].max_versions, 3);
        assert_eq!(families[0].ttl, Some(86400));
        assert!(families[0].in_memory);
        assert_eq!(families[0].block_size, 65537);

        let xml = br#"<TableSchema name="t"><ColumnSchema name="a" VERSIONS="2" TTL="FOREVER"/><ColumnSchema name="b"/></TableSchema>"#;
        let model = TableSchemaModel::from_xml(xml).unwrap();
        let families = model.families().unwrap();
        assert_eq!((families[0].max_versions, families[0].ttl), (2, None));
        assert_eq!(families[1].name, "b");

        let bad = br#"{"name":"t","ColumnSchema":[{"name":"cf","VERSIONS":"many"}]}"#;
        assert!(TableSchemaModel::from_json(bad).unwrap().families().is_err());
    }

    #[test]
    fn schema_output_has_hbase_attributes() {
        let schema = TableSchema {
            name: enma_kv::TableName::parse("ns:t").unwrap(),
            families: vec![Family { max_versions: 5, ..Family::new("cf") }],
        };
        let v = TableSchemaModel::from_schema(&schema).to_json();
        assert_eq!(v["name"], "ns:t");
        assert_eq!(v["ColumnSchema"][0]["name"], "cf");
        assert_eq!(v["ColumnSchema"][0]["VERSIONS"], "5");
        assert_eq!(v["ColumnSchema"][0]["TTL"], "2147483647");
        let xml = TableSchemaModel::from_schema(&schema).to_xml();
        let back = TableSchemaModel::from_xml(xml.as_bytes()).unwrap();
        assert_eq!(back.families().unwrap()[0].max_versions, 5);
    }

    #[test]
    fn scanner_from_json_and_xml() {
        let body = br#"{"startRow":"YQ==","endRow":"ZA==","column":["Y2Y6cQ=="],"batch":"10","maxVersions":2,
            "filter":"{\"type\":\"PrefixFilter\",\"value\":\"YQ==\"}","reversed":false,"caching":5}"#;
        let m = ScannerModel::from_json(body).unwrap();
        assert_eq!(&m.start_row[..], b"a");
        assert_eq!(&m.end_row[..], b"d");
        assert_eq!(m.columns, vec![Bytes::from_static(b"cf:q")]);
        assert_eq!(m.batch, Some(10));
        assert_eq!(m.max_versions, 2);
        assert_eq!(m.filter.as_ref().unwrap()["type"], "PrefixFilter");

        let xml = br#"<Scanner batch="1000" startRow="YQ==" maxVersions="1"><column>Y2Y=</column><filter>{"type":"KeyOnlyFilter"}</filter></Scanner>"#;
        let m = ScannerModel::from_xml(xml).unwrap();
        assert_eq!(m.batch, Some(1000));
        assert_eq!(m.columns, vec![Bytes::from_static(b"cf")]);
        assert_eq!(m.filter.unwrap()["type"], "KeyOnlyFilter");

        let defaults = ScannerModel::from_xml(b"<Scanner/>").unwrap();
        assert_eq!(defaults, ScannerModel::default());
        assert!(ScannerModel::from_xml(br#"<Scanner batch="x"/>"#).is_err());
        assert!(ScannerModel::from_json(br#"{"filter":"{not json"}"#).is_err());
    }

    #[test]
    fn lists_and_version_shapes() {
        assert_eq!(TableList(vec!["a".into()]).to_json(), json!({"table":[{"name":"a"}]}));
        assert!(TableList(vec!["a".into()]).to_xml().ends_with(r#"<TableList><table name="a"/></TableList>"#));
        assert_eq!(NamespaceList(vec!["default".into()]).to_json(), json!({"Namespace":["default"]}));
        let v = Version::current().to_json();
        for key in ["REST", "JVM", "OS", "Server", "Jersey"] {
            assert!(v[key].is_string(), "{key}");
        }
        assert_eq!(ClusterVersion(HBASE_VERSION.into()).to_json()["Version"], HBASE_VERSION);
        let status = ClusterStatus { node: "h:1".into(), start_code: 1, regions: vec!["t,,1".into()] }.to_json();
        assert_eq!(status["LiveNodes"][0]["Region"].as_array().unwrap().len(), 1);
    }
}
