//! The `Hbase` service of HBase's Thrift1 IDL: one function per method,
//! mapping the call's argument fields to the store and the result back.
//!
//! Semantics follow HBase's own Thrift server (`ThriftHBaseServiceHandler`):
//! the `...Ts` reads return versions strictly older than the timestamp, the
//! `...Ts` writes stamp every cell with it and delete what is at or before it,
//! a column without `:` is its whole family. Where HBase's server would fail
//! inside Java and drop the call, the client gets an `IllegalArgument` or
//! `IOError` with a message instead. Two deliberate differences: a row's
//! mutations apply in the order sent (HBase applies deletes and puts in
//! separate passes, so a put after a delete of the same column in one call
//! can vanish there), and enabling an enabled table, or disabling a disabled
//! one, succeeds.

use std::net::SocketAddr;

use bytes::Bytes;
use enma_kv::{Column, Get, LATEST, Mutation, Scan, Store, TableName, TableSchema, TimeRange};
use thrift::protocol::TType;

use super::scanners::{self, Scanners};
use super::structs;
use super::value::{Struct, Value};

/// Most rows one `scannerGetList` call returns, whatever the client asks;
/// clients keep calling until they get an empty list.
const MAX_ROWS_PER_FETCH: usize = 100_000;

/// How often `append` retries when another writer changes the cell between
/// its read and its conditional write.
const APPEND_ATTEMPTS: usize = 16;

/// A failure the IDL lets a method throw. A method that does not declare
/// `IllegalArgument` or `AlreadyExists` reports those as `IOError`.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    Io(String),
    IllegalArgument(String),
    AlreadyExists(String),
}

impl From<enma_kv::Error> for Fault {
    fn from(e: enma_kv::Error) -> Self {
        match e {
            enma_kv::Error::InvalidArgument(m) | enma_kv::Error::TooLarge(m) => Fault::IllegalArgument(m),
            e @ enma_kv::Error::TableExists(_) => Fault::AlreadyExists(e.to_string()),
            e => Fault::Io(e.to_string()),
        }
    }
}

impl Fault {
    /// The exception's field id in the method's result struct, and the
    /// exception struct itself.
    pub fn encode(&self, method: &str) -> (i16, Struct) {
        let (declares_illegal, declares_exists) = declared_exceptions(method);
        match self {
            Fault::IllegalArgument(m) if declares_illegal => (2, structs::exception(m, false)),
            Fault::AlreadyExists(m) if declares_exists => (3, structs::exception(m, false)),
            Fault::Io(m) | Fault::IllegalArgument(m) | Fault::AlreadyExists(m) => (1, structs::exception(m, true)),
        }
    }
}

/// Which of `IllegalArgument` (field 2) and `AlreadyExists` (field 3) a
/// method's `throws` clause lists; every method lists `IOError` (field 1).
fn declared_exceptions(method: &str) -> (bool, bool) {
    match method {
        "createTable" => (true, true),
        "mutateRow" | "mutateRowTs" | "mutateRows" | "mutateRowsTs" | "atomicIncrement" | "scannerGet"
        | "scannerGetList" | "scannerClose" | "checkAndPut" => (true, false),
        _ => (false, false),
    }
}

/// What a call returns: `Some` value for a method with a result, `None` for `void`.
pub type Reply = Result<Option<Value>, Fault>;

/// Who is calling: the connection (which owns the scanners it opens) and the
/// address it reached us on (which `getTableRegions` reports as the server).
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub connection: u64,
    pub local: SocketAddr,
}

/// The service's state: the store and the open scanners.
pub struct Service {
    store: Store,
    pub(super) scanners: Scanners,
    cluster_id: String,
}

fn ok(v: Value) -> Reply {
    Ok(Some(v))
}

fn void() -> Reply {
    Ok(None)
}

impl Service {
    pub fn new(store: Store, scanners: Scanners, cluster_id: String) -> Self {
        Service { store, scanners, cluster_id }
    }

    /// Runs one call; `None` when the service has no such method.
    pub fn call(&self, caller: Caller, method: &str, a: &Struct) -> Option<Reply> {
        let reply = match method {
            "enableTable" => self.set_enabled(a, true),
            "disableTable" => self.set_enabled(a, false),
            "isTableEnabled" => self.is_table_enabled(a),
            "compact" | "majorCompact" => self.compact(a),
            "getTableNames" => self.table_names(),
            "getTableNamesWithIsTableEnabled" => self.table_names_enabled(),
            "getColumnDescriptors" => self.column_descriptors(a),
            "getTableRegions" => self.table_regions(caller, a),
            "getRegionInfo" => self.region_info(caller, a),
            "createTable" => self.create_table(a),
            "deleteTable" => self.delete_table(a),
            "get" => self.get_cells(a, None, None),
            "getVer" => self.get_cells(a, None, Some(4)),
            "getVerTs" => self.get_cells(a, Some(4), Some(5)),
            "getRow" => self.get_rows(a, RowArgs { rows: 2, many: false, columns: None, ts: None }),
            "getRowWithColumns" => self.get_rows(a, RowArgs { rows: 2, many: false, columns: Some(3), ts: None }),
            "getRowTs" => self.get_rows(a, RowArgs { rows: 2, many: false, columns: None, ts: Some(3) }),
            "getRowWithColumnsTs" => self.get_rows(a, RowArgs { rows: 2, many: false, columns: Some(3), ts: Some(4) }),
            "getRows" => self.get_rows(a, RowArgs { rows: 2, many: true, columns: None, ts: None }),
            "getRowsWithColumns" => self.get_rows(a, RowArgs { rows: 2, many: true, columns: Some(3), ts: None }),
            "getRowsTs" => self.get_rows(a, RowArgs { rows: 2, many: true, columns: None, ts: Some(3) }),
            "getRowsWithColumnsTs" => self.get_rows(a, RowArgs { rows: 2, many: true, columns: Some(3), ts: Some(4) }),
            "getRowOrBefore" => self.row_or_before(a),
            "mutateRow" => self.mutate_row(a, None),
            "mutateRowTs" => self.mutate_row(a, Some(4)),
            "mutateRows" => self.mutate_rows(a, None),
            "mutateRowsTs" => self.mutate_rows(a, Some(3)),
            "atomicIncrement" => self.atomic_increment(a),
            "increment" => self.increment(a),
            "incrementRows" => self.increment_rows(a),
            "append" => self.append(a),
            "checkAndPut" => self.check_and_put(a),
            "deleteAll" => self.delete_all(a, None),
            "deleteAllTs" => self.delete_all(a, Some(4)),
            "deleteAllRow" => self.delete_all_row(a, None),
            "deleteAllRowTs" => self.delete_all_row(a, Some(3)),
            "scannerOpenWithScan" => self.scanner_open_with_scan(caller, a),
            "scannerOpen" => self.scanner_open(caller, a, ScanArgs { stop: None, columns: 3, ts: None }),
            "scannerOpenWithStop" => self.scanner_open(caller, a, ScanArgs { stop: Some(3), columns: 4, ts: None }),
            "scannerOpenTs" => self.scanner_open(caller, a, ScanArgs { stop: None, columns: 3, ts: Some(4) }),
            "scannerOpenWithStopTs" => {
                self.scanner_open(caller, a, ScanArgs { stop: Some(3), columns: 4, ts: Some(5) })
            }
            "scannerOpenWithPrefix" => self.scanner_open_with_prefix(caller, a),
            "scannerGet" => self.scanner_get(a, false),
            "scannerGetList" => self.scanner_get(a, true),
            "scannerClose" => self.scanner_close(a),
            "getThriftServerType" => ok(Value::I32(1)),
            "getClusterId" => ok(Value::binary(self.cluster_id.clone())),
            "grant" | "revoke" => Err(Fault::Io("access control is not supported by this server".into())),
            _ => return None,
        };
        Some(reply)
    }

    // ---- tables ----

    fn set_enabled(&self, a: &Struct, enabled: bool) -> Reply {
        let name = table(a, 1)?;
        if enabled {
            self.store.enable_table(&name)?;
        } else {
            self.store.disable_table(&name)?;
        }
        void()
    }

    fn is_table_enabled(&self, a: &Struct) -> Reply {
        ok(Value::Bool(self.store.is_enabled(&table(a, 1)?)?))
    }

    /// Compaction is the store's own business; HBase's call only asks for it.
    fn compact(&self, a: &Struct) -> Reply {
        // A region name (`table,start,id.hash.`) names its table before the first comma.
        let name = a.binary(1, "tableNameOrRegionName")?;
        let name = name.split(|&b| b == b',').next().unwrap_or_default();
        let name = table_name(name)?;
        if !self.store.table_exists(&name) {
            return Err(enma_kv::Error::TableNotFound(name.to_string()).into());
        }
        void()
    }

    /// User tables, as HBase lists them: not those of the `hbase` namespace.
    fn user_tables(&self) -> impl Iterator<Item = TableName> {
        self.store.tables().into_iter().filter(|t| t.namespace != "hbase")
    }

    fn table_names(&self) -> Reply {
        ok(Value::list(TType::String, self.user_tables().map(|t| Value::binary(t.to_string())).collect()))
    }

    fn table_names_enabled(&self) -> Reply {
        let mut entries = Vec::new();
        for t in self.user_tables() {
            // A table deleted since the listing is simply left out.
            if let Ok(enabled) = self.store.is_enabled(&t) {
                entries.push((Value::binary(t.to_string()), Value::Bool(enabled)));
            }
        }
        ok(Value::Map(TType::String, TType::Bool, entries))
    }

    fn column_descriptors(&self, a: &Struct) -> Reply {
        let schema = self.store.schema(&table(a, 1)?)?;
        let entries = schema
            .families
            .iter()
            .map(|f| (Value::binary(format!("{}:", f.name)), structs::column_descriptor(f)))
            .collect();
        ok(Value::Map(TType::String, TType::Struct, entries))
    }

    /// One region holds each table; a table that does not exist has none.
    fn table_regions(&self, caller: Caller, a: &Struct) -> Reply {
        let name = table(a, 1)?;
        let regions = if self.store.table_exists(&name) { vec![structs::region(&name, caller.local)] } else { vec![] };
        ok(Value::list(TType::Struct, regions))
    }

    /// The region for a row of `hbase:meta` (`table,row,...`): its table's one region.
    fn region_info(&self, caller: Caller, a: &Struct) -> Reply {
        let row = a.binary(1, "row")?;
        let name = table_name(row.split(|&b| b == b',').next().unwrap_or_default())?;
        if !self.store.table_exists(&name) {
            return Err(Fault::Io(format!("cannot find a region for row '{}'", String::from_utf8_lossy(row))));
        }
        ok(structs::region(&name, caller.local))
    }

    fn create_table(&self, a: &Struct) -> Reply {
        let name = table(a, 1)?;
        if self.store.table_exists(&name) {
            return Err(Fault::AlreadyExists(format!("table '{name}' already exists")));
        }
        let families = a
            .list(2, "columnFamilies")?
            .iter()
            .map(|d| structs::family(d.as_struct("ColumnDescriptor")?))
            .collect::<Result<Vec<_>, Fault>>()?;
        self.store.create_table(TableSchema { name, families })?;
        void()
    }

    fn delete_table(&self, a: &Struct) -> Reply {
        self.store.delete_table(&table(a, 1)?)?;
        void()
    }

    // ---- reads ----

    /// `get`, `getVer`, `getVerTs`: one column's (or family's) cells, newest first.
    fn get_cells(&self, a: &Struct, ts: Option<i16>, versions: Option<i16>) -> Reply {
        let name = table(a, 1)?;
        let mut get = Get::new(a.binary(2, "row")?.clone());
        get.columns = vec![Column::parse(a.binary(3, "column")?)];
        if let Some(id) = ts {
            get.time_range = structs::before(a.i64(id, "timestamp")?)?;
        }
        get.max_versions = match versions {
            Some(id) => positive_versions(a.i32(id, "numVersions")?)?,
            None => 1,
        };
        let row = self.store.get(&name, &get)?;
        ok(structs::cells(row.iter().flat_map(|r| &r.cells)))
    }

    /// The `getRow...` family: whole rows (newest version of each column),
    /// optionally only some columns, optionally older than a timestamp.
    fn get_rows(&self, a: &Struct, args: RowArgs) -> Reply {
        let name = table(a, 1)?;
        let keys: Vec<Bytes> = if args.many {
            a.list(args.rows, "rows")?.iter().map(|v| v.as_binary("row").cloned()).collect::<Result<_, _>>()?
        } else {
            vec![a.binary(args.rows, "row")?.clone()]
        };
        let columns = match args.columns {
            Some(id) => structs::columns(a.opt_list(id, "columns")?)?,
            None => vec![],
        };
        let time_range = match args.ts {
            Some(id) => structs::before(a.i64(id, "timestamp")?)?,
            None => TimeRange::default(),
        };
        let mut rows = Vec::new();
        for key in keys {
            let get = Get { row: key, columns: columns.clone(), time_range, max_versions: 1, filter: None };
            rows.extend(self.store.get(&name, &get)?);
        }
        ok(structs::row_results(&rows, false))
    }

    /// The row at `row` or the closest before it, with the newest cells of one family.
    fn row_or_before(&self, a: &Struct) -> Reply {
        let name = table(a, 1)?;
        let family = a.binary(3, "family")?;
        let family = family.split(|&b| b == b':').next().unwrap_or_default();
        let scan = Scan {
            start_row: a.binary(2, "row")?.clone(),
            reversed: true,
            columns: vec![Column::family(Bytes::copy_from_slice(family))],
            limit: Some(1),
            ..Scan::default()
        };
        let mut scanner = self.store.scanner(&name, scan)?;
        let row = scanner.next().transpose()?;
        ok(structs::cells(row.iter().flat_map(|r| &r.cells)))
    }

    // ---- writes ----

    fn mutate_row(&self, a: &Struct, ts: Option<i16>) -> Reply {
        let name = table(a, 1)?;
        let row = a.binary(2, "row")?;
        let timestamp = write_timestamp(a, ts)?;
        let mutations = structs::mutations(a.list(3, "mutations")?, timestamp)?;
        self.store.mutate_row(&name, row, &mutations)?;
        void()
    }

    fn mutate_rows(&self, a: &Struct, ts: Option<i16>) -> Reply {
        let name = table(a, 1)?;
        let timestamp = write_timestamp(a, ts)?;
        let batches = a
            .list(2, "rowBatches")?
            .iter()
            .map(|b| -> Result<(Bytes, Vec<Mutation>), Fault> {
                let b = b.as_struct("BatchMutation")?;
                let row = b.binary(1, "BatchMutation.row")?.clone();
                Ok((row, structs::mutations(b.list(2, "BatchMutation.mutations")?, timestamp)?))
            })
            .collect::<Result<Vec<_>, Fault>>()?;
        self.store.mutate_rows(&name, &batches)?;
        void()
    }

    fn atomic_increment(&self, a: &Struct) -> Reply {
        let name = table(a, 1)?;
        let value = self.increment_column(&name, a.binary(2, "row")?, a.binary(3, "column")?, a.i64(4, "value")?)?;
        ok(Value::I64(value))
    }

    /// Adds to a counter; a column without a qualifier is the empty qualifier, as in HBase.
    fn increment_column(&self, name: &TableName, row: &[u8], column: &[u8], amount: i64) -> Result<i64, Fault> {
        let Column { family, qualifier } = Column::parse(column);
        Ok(self.store.increment(name, row, &family, &qualifier.unwrap_or_default(), amount)?)
    }

    /// `TIncrement { 1: table, 2: row, 3: column, 4: ammount }` (the IDL's spelling).
    fn apply_increment(&self, inc: &Value) -> Result<(), Fault> {
        let inc = inc.as_struct("TIncrement")?;
        let name = table(inc, 1)?;
        let row = inc.binary(2, "TIncrement.row")?;
        if row.is_empty() {
            return Err(Fault::IllegalArgument("an increment needs a row".into()));
        }
        let amount = inc.opt_i64(4, "TIncrement.ammount")?.unwrap_or(0);
        self.increment_column(&name, row, inc.binary(3, "TIncrement.column")?, amount)?;
        Ok(())
    }

    fn increment(&self, a: &Struct) -> Reply {
        self.apply_increment(a.get(1).ok_or_else(|| Fault::IllegalArgument("increment is missing".into()))?)?;
        void()
    }

    fn increment_rows(&self, a: &Struct) -> Reply {
        for inc in a.list(1, "increments")? {
            self.apply_increment(inc)?;
        }
        void()
    }

    /// `TAppend`: appends bytes to columns and returns the new cells. Each
    /// column is read and then conditionally rewritten, retrying if another
    /// writer got in between, so each column's append is atomic.
    fn append(&self, a: &Struct) -> Reply {
        let t = a.structure(1, "append")?;
        let name = table(t, 1)?;
        let row = t.binary(2, "TAppend.row")?;
        let columns = t.list(3, "TAppend.columns")?;
        let values = t.list(4, "TAppend.values")?;
        if columns.len() != values.len() {
            return Err(Fault::IllegalArgument("TAppend needs as many values as columns".into()));
        }
        let mut out = Vec::new();
        for (column, value) in columns.iter().zip(values) {
            let (family, qualifier) = structs::put_column(column.as_binary("column")?)?;
            out.push(self.append_column(&name, row, family, qualifier, value.as_binary("value")?)?);
        }
        ok(structs::cells(&out))
    }

    fn append_column(
        &self,
        name: &TableName,
        row: &Bytes,
        family: Bytes,
        qualifier: Bytes,
        suffix: &Bytes,
    ) -> Result<enma_kv::Cell, Fault> {
        for _ in 0..APPEND_ATTEMPTS {
            let mut get = Get::new(row.clone());
            get.columns = vec![Column::new(family.clone(), qualifier.clone())];
            let current = self.store.get(name, &get)?.and_then(|r| r.cells.into_iter().next());
            let mut joined = current.as_ref().map(|c| c.value.to_vec()).unwrap_or_default();
            joined.extend_from_slice(suffix);
            let value = Bytes::from(joined);
            // Newer than the cell it extends, even if that one carries a future timestamp.
            let timestamp = now_millis().max(current.as_ref().map_or(0, |c| c.timestamp.saturating_add(1)));
            let put = Mutation::Put {
                family: family.clone(),
                qualifier: qualifier.clone(),
                timestamp: Some(timestamp),
                value: value.clone(),
            };
            let expected = current.as_ref().map(|c| &c.value[..]);
            if self.store.check_and_mutate(name, row, &family, &qualifier, expected, &[put])? {
                return Ok(enma_kv::Cell { row: row.clone(), family, qualifier, timestamp, value });
            }
        }
        Err(Fault::Io("append gave up: the cell kept changing under concurrent writes".into()))
    }

    /// Puts `mput` if the column's newest value equals `value` (or, with no
    /// `value`, if the column has none).
    fn check_and_put(&self, a: &Struct) -> Reply {
        let name = table(a, 1)?;
        let row = a.binary(2, "row")?;
        let (family, qualifier) = structs::put_column(a.binary(3, "column")?)?;
        let expected = a.opt_binary(5, "value")?;
        let mput = a.structure(6, "mput")?;
        let (put_family, put_qualifier) = structs::put_column(mput.binary(2, "Mutation.column")?)?;
        let put = Mutation::Put {
            family: put_family,
            qualifier: put_qualifier,
            timestamp: None,
            value: mput.opt_binary(3, "Mutation.value")?.cloned().unwrap_or_default(),
        };
        let applied = self.store.check_and_mutate(&name, row, &family, &qualifier, expected.map(|v| &v[..]), &[put])?;
        ok(Value::Bool(applied))
    }

    /// `deleteAll(Ts)`: a column's versions, or a family's cells, at or before the timestamp.
    fn delete_all(&self, a: &Struct, ts: Option<i16>) -> Reply {
        let name = table(a, 1)?;
        let timestamp = write_timestamp(a, ts)?;
        let mutation = match Column::parse(a.binary(3, "column")?) {
            Column { family, qualifier: None } => Mutation::DeleteFamily { family, timestamp },
            Column { family, qualifier: Some(qualifier) } => Mutation::DeleteColumn { family, qualifier, timestamp },
        };
        self.store.mutate_row(&name, a.binary(2, "row")?, &[mutation])?;
        void()
    }

    fn delete_all_row(&self, a: &Struct, ts: Option<i16>) -> Reply {
        let name = table(a, 1)?;
        let timestamp = write_timestamp(a, ts)?;
        self.store.mutate_row(&name, a.binary(2, "row")?, &[Mutation::DeleteRow { timestamp }])?;
        void()
    }

    // ---- scanners ----

    fn open(&self, caller: Caller, name: &TableName, scan: Scan, sorted: bool) -> Reply {
        let scanner = self.store.scanner(name, scan)?;
        let id = self
            .scanners
            .add(caller.connection, scanner, sorted)
            .ok_or_else(|| Fault::Io("too many open scanners: close some with scannerClose".into()))?;
        ok(Value::I32(id))
    }

    fn scanner_open_with_scan(&self, caller: Caller, a: &Struct) -> Reply {
        let name = table(a, 1)?;
        let (scan, sorted) = match a.opt_structure(2, "scan")? {
            Some(t) => structs::scan(t)?,
            None => (Scan::default(), false),
        };
        self.open(caller, &name, scan, sorted)
    }

    fn scanner_open(&self, caller: Caller, a: &Struct, args: ScanArgs) -> Reply {
        let name = table(a, 1)?;
        let mut scan = Scan {
            start_row: a.opt_binary(2, "startRow")?.cloned().unwrap_or_default(),
            columns: structs::columns(a.opt_list(args.columns, "columns")?)?,
            ..Scan::default()
        };
        if let Some(id) = args.stop {
            scan.stop_row = a.opt_binary(id, "stopRow")?.cloned().unwrap_or_default();
        }
        if let Some(id) = args.ts {
            scan.time_range = structs::before(a.i64(id, "timestamp")?)?;
        }
        self.open(caller, &name, scan, false)
    }

    fn scanner_open_with_prefix(&self, caller: Caller, a: &Struct) -> Reply {
        let name = table(a, 1)?;
        let prefix = a.opt_binary(2, "startAndPrefix")?.cloned().unwrap_or_default();
        let scan = Scan {
            start_row: prefix.clone(),
            prefix: Some(prefix),
            columns: structs::columns(a.opt_list(3, "columns")?)?,
            ..Scan::default()
        };
        self.open(caller, &name, scan, false)
    }

    fn scanner_get(&self, a: &Struct, list: bool) -> Reply {
        let id = a.i32(1, "id")?;
        let wanted = if list { usize::try_from(a.i32(2, "nbRows")?).unwrap_or(0) } else { 1 };
        let entry = self.scanners.get(id).ok_or_else(invalid_scanner)?;
        let mut open = scanners::lock(&entry);
        open.touch();
        let rows = open.scanner.next_rows(wanted.min(MAX_ROWS_PER_FETCH))?;
        ok(structs::row_results(&rows, open.sorted))
    }

    fn scanner_close(&self, a: &Struct) -> Reply {
        if self.scanners.remove(a.i32(1, "id")?) { void() } else { Err(invalid_scanner()) }
    }
}

/// Which argument fields one of the `getRow...` methods uses.
struct RowArgs {
    rows: i16,
    /// A list of rows (`getRows...`) rather than one.
    many: bool,
    columns: Option<i16>,
    ts: Option<i16>,
}

/// Which argument fields one of the plain `scannerOpen...` methods uses.
struct ScanArgs {
    stop: Option<i16>,
    columns: i16,
    ts: Option<i16>,
}

fn invalid_scanner() -> Fault {
    Fault::IllegalArgument("scanner ID is invalid".into())
}

fn table(a: &Struct, id: i16) -> Result<TableName, Fault> {
    table_name(a.binary(id, "tableName")?)
}

fn table_name(bytes: &[u8]) -> Result<TableName, Fault> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| Fault::IllegalArgument("table name is not valid UTF-8".into()))?;
    Ok(TableName::parse(text)?)
}

/// A write's timestamp argument (`None` for the methods without one: now).
fn write_timestamp(a: &Struct, id: Option<i16>) -> Result<Option<i64>, Fault> {
    match id {
        None => Ok(None),
        Some(id) => match a.i64(id, "timestamp")? {
            LATEST => Ok(None),
            t if t < 0 => Err(Fault::IllegalArgument(format!("timestamp {t} is negative"))),
            t => Ok(Some(t)),
        },
    }
}

fn positive_versions(n: i32) -> Result<u32, Fault> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Fault::IllegalArgument(format!("numVersions must be positive, not {n}")))
}

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use enma_kv::StoreOptions;
    use std::time::Duration;

    struct Fixture {
        _dir: tempfile::TempDir,
        service: Service,
    }

    const CALLER: Caller = Caller {
        connection: 1,
        local: SocketAddr::V4(std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 9090)),
    };

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let service = Service::new(store, Scanners::new(Duration::from_secs(60), 100), "test".into());
        Fixture { _dir: dir, service }
    }

    fn bin(s: &str) -> Value {
        Value::binary(s.as_bytes().to_vec())
    }

    fn strs(items: &[&str]) -> Value {
        Value::list(TType::String, items.iter().map(|s| bin(s)).collect())
    }

    fn args(fields: Vec<Value>) -> Struct {
        fields.into_iter().enumerate().fold(Struct::new(), |s, (i, v)| s.with(i as i16 + 1, v))
    }

    impl Fixture {
        fn call(&self, method: &str, fields: Vec<Value>) -> Reply {
            self.service.call(CALLER, method, &args(fields)).expect("known method")
        }

        fn ok(&self, method: &str, fields: Vec<Value>) -> Option<Value> {
            self.call(method, fields).unwrap_or_else(|e| panic!("{method}: {e:?}"))
        }

        fn create(&self, name: &str, families: &[(&str, i32)]) {
            let descriptors = families
                .iter()
                .map(|(f, v)| Value::Struct(Struct::new().with(1, bin(&format!("{f}:"))).with(2, Value::I32(*v))))
                .collect();
            self.ok("createTable", vec![bin(name), Value::list(TType::Struct, descriptors)]);
        }

        fn put(&self, table: &str, row: &str, column: &str, value: &str, ts: Option<i64>) {
            let m = Value::Struct(Struct::new().with(1, Value::Bool(false)).with(2, bin(column)).with(3, bin(value)));
            let mutations = Value::list(TType::Struct, vec![m]);
            match ts {
                None => self.ok("mutateRow", vec![bin(table), bin(row), mutations]),
                Some(ts) => self.ok("mutateRowTs", vec![bin(table), bin(row), mutations, Value::I64(ts)]),
            };
        }
    }

    fn cell_values(v: Option<Value>) -> Vec<(String, i64)> {
        let Some(Value::List(_, cells)) = v else { panic!("not a list: {v:?}") };
        cells
            .iter()
            .map(|c| {
                let c = c.as_struct("cell").unwrap();
                (String::from_utf8(c.binary(1, "v").unwrap().to_vec()).unwrap(), c.i64(2, "ts").unwrap())
            })
            .collect()
    }

    fn row_keys(v: Option<Value>) -> Vec<String> {
        let Some(Value::List(_, rows)) = v else { panic!("not a list: {v:?}") };
        rows.iter()
            .map(|r| String::from_utf8(r.as_struct("row").unwrap().binary(1, "row").unwrap().to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn versions_and_timestamps_follow_hbase() {
        let f = fixture();
        f.create("t", &[("cf", 3)]);
        for ts in [10, 20, 30, 40] {
            f.put("t", "r", "cf:q", &format!("v{ts}"), Some(ts));
        }
        // VERSIONS is 3: the oldest went; getVer gives the newest first.
        let all = f.ok("getVer", vec![bin("t"), bin("r"), bin("cf:q"), Value::I32(10)]);
        assert_eq!(cell_values(all), vec![("v40".into(), 40), ("v30".into(), 30), ("v20".into(), 20)]);
        // The Ts reads are strictly before the timestamp.
        let before = f.ok("getVerTs", vec![bin("t"), bin("r"), bin("cf:q"), Value::I64(30), Value::I32(10)]);
        assert_eq!(cell_values(before), vec![("v20".into(), 20)]);
        let latest = f.ok("get", vec![bin("t"), bin("r"), bin("cf:q")]);
        assert_eq!(cell_values(latest), vec![("v40".into(), 40)]);
        let family = f.ok("get", vec![bin("t"), bin("r"), bin("cf")]);
        assert_eq!(cell_values(family).len(), 1);
        assert!(matches!(
            f.call("getVer", vec![bin("t"), bin("r"), bin("cf:q"), Value::I32(0)]),
            Err(Fault::IllegalArgument(_))
        ));
        // deleteAllTs removes what is at or before the timestamp.
        f.ok("deleteAllTs", vec![bin("t"), bin("r"), bin("cf:q"), Value::I64(30)]);
        let left = f.ok("getVer", vec![bin("t"), bin("r"), bin("cf:q"), Value::I32(10)]);
        assert_eq!(cell_values(left), vec![("v40".into(), 40)]);
    }

    /// Keys past the store's limits are the client's error (IllegalArgument
    /// where the method declares it, IOError otherwise), never a panic.
    #[test]
    fn oversized_keys_are_client_errors() {
        let f = fixture();
        f.create("t", &[("a", 1)]);
        let huge = "k".repeat(70_000);
        let put = |row: &str, column: &str| {
            let m = Value::Struct(Struct::new().with(1, Value::Bool(false)).with(2, bin(column)).with(3, bin("v")));
            f.call("mutateRow", vec![bin("t"), bin(row), Value::list(TType::Struct, vec![m])])
        };
        let illegal =
            |r: Reply| assert!(matches!(&r, Err(Fault::IllegalArgument(m)) if m.contains("allowed")), "{r:?}");
        illegal(put(&huge, "a:q"));
        illegal(put("r", &format!("a:{huge}")));
        illegal(f.call("atomicIncrement", vec![bin("t"), bin(&huge), bin("a:n"), Value::I64(1)]));
        for (method, fields) in [
            ("getRow", vec![bin("t"), bin(&huge)]),
            ("get", vec![bin("t"), bin(&huge), bin("a:q")]),
            ("deleteAllRow", vec![bin("t"), bin(&huge)]),
            ("scannerOpen", vec![bin("t"), bin(&huge), strs(&[])]),
            ("scannerOpenWithPrefix", vec![bin("t"), bin(&huge), strs(&[])]),
            ("getRowOrBefore", vec![bin("t"), bin(&huge), bin("a")]),
        ] {
            let fault = f.call(method, fields).unwrap_err();
            assert!(matches!(&fault, Fault::IllegalArgument(m) if m.contains("allowed")), "{method}: {fault:?}");
            // These methods declare only IOError, which carries the message.
            assert_eq!(fault.encode(method).0, 1, "{method}");
        }
        assert!(put("r", "a:q").is_ok());
    }

    #[test]
    fn rows_scanners_and_errors() {
        let f = fixture();
        f.create("t", &[("a", 1), ("b", 1)]);
        for row in ["r1", "r2", "r3", "s1"] {
            f.put("t", row, "a:x", row, None);
        }
        f.put("t", "r2", "b:y", "only-b", None);
        let rows = f.ok("getRowsWithColumns", vec![bin("t"), strs(&["r1", "nope", "r2"]), strs(&["b"])]);
        assert_eq!(row_keys(rows), vec!["r2"]);

        let Some(Value::I32(id)) = f.ok("scannerOpenWithStop", vec![bin("t"), bin("r2"), bin("s"), strs(&[])]) else {
            panic!()
        };
        assert_eq!(row_keys(f.ok("scannerGetList", vec![Value::I32(id), Value::I32(10)])), vec!["r2", "r3"]);
        assert_eq!(row_keys(f.ok("scannerGet", vec![Value::I32(id)])), Vec::<String>::new());
        f.ok("scannerClose", vec![Value::I32(id)]);
        assert_eq!(f.call("scannerClose", vec![Value::I32(id)]), Err(invalid_scanner()));

        let Some(Value::I32(id)) = f.ok("scannerOpenWithPrefix", vec![bin("t"), bin("r"), strs(&["a:x"])]) else {
            panic!()
        };
        assert_eq!(row_keys(f.ok("scannerGetList", vec![Value::I32(id), Value::I32(100)])), vec!["r1", "r2", "r3"]);

        let before = f.ok("getRowOrBefore", vec![bin("t"), bin("r9"), bin("a")]);
        assert_eq!(cell_values(before)[0].0, "r3");

        assert!(matches!(f.call("getRow", vec![bin("missing"), bin("r")]), Err(Fault::Io(_))));
        assert!(matches!(f.call("getRow", vec![bin("t")]), Err(Fault::IllegalArgument(m)) if m == "row is missing"));
        assert!(f.service.call(CALLER, "noSuchMethod", &Struct::new()).is_none());
    }

    #[test]
    fn table_admin() {
        let f = fixture();
        f.create("t", &[("cf", 1)]);
        assert!(matches!(
            f.call("createTable", vec![bin("t"), Value::list(TType::Struct, vec![])]),
            Err(Fault::AlreadyExists(_))
        ));
        assert_eq!(f.ok("getTableNames", vec![]), Some(strs(&["t"])));
        let Some(Value::List(_, regions)) = f.ok("getTableRegions", vec![bin("t")]) else { panic!() };
        assert_eq!(regions.len(), 1);
        assert_eq!(f.ok("getTableRegions", vec![bin("gone")]), Some(Value::list(TType::Struct, vec![])));
        assert!(matches!(f.call("deleteTable", vec![bin("t")]), Err(Fault::Io(_))), "still enabled");
        f.ok("disableTable", vec![bin("t")]);
        assert_eq!(f.ok("isTableEnabled", vec![bin("t")]), Some(Value::Bool(false)));
        f.ok("deleteTable", vec![bin("t")]);
        assert_eq!(f.ok("getTableNames", vec![]), Some(strs(&[])));
    }

    #[test]
    fn counters_check_and_put_and_append() {
        let f = fixture();
        f.create("t", &[("cf", 1)]);
        assert_eq!(f.ok("atomicIncrement", vec![bin("t"), bin("r"), bin("cf:n"), Value::I64(5)]), Some(Value::I64(5)));
        assert_eq!(f.ok("atomicIncrement", vec![bin("t"), bin("r"), bin("cf:n"), Value::I64(-2)]), Some(Value::I64(3)));

        let mput = Value::Struct(Struct::new().with(2, bin("cf:c")).with(3, bin("v1")));
        let check = |expected: Option<&str>| {
            let a = Struct::new()
                .with(1, bin("t"))
                .with(2, bin("r"))
                .with(3, bin("cf:c"))
                .with_opt(5, expected.map(bin))
                .with(6, mput.clone());
            f.service.call(CALLER, "checkAndPut", &a).unwrap().unwrap()
        };
        assert_eq!(check(Some("x")), Some(Value::Bool(false)));
        assert_eq!(check(None), Some(Value::Bool(true)));
        assert_eq!(check(None), Some(Value::Bool(false)));

        let append = Struct::new().with(1, bin("t")).with(2, bin("r")).with(3, strs(&["cf:c"])).with(4, strs(&["+2"]));
        let got = f.ok("append", vec![Value::Struct(append)]);
        assert_eq!(cell_values(got)[0].0, "v1+2");
    }
}
