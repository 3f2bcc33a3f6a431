//! The store: tables as fjall keyspaces, cells as keys (see `key`), metadata
//! in one `meta` keyspace, and HBase's read and write operations over them.
//!
//! Writes to one row take that row's lock (striped), read what they replace
//! through an overlay of the row's pending changes, and commit as one fjall
//! batch: a row's mutations are atomic, VERSIONS is enforced on write (older
//! versions beyond it are removed in the same batch), and a committed batch is
//! in the journal (flushed to the OS, or synced when `StoreOptions::sync`)
//! before the call returns.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode};
use serde::{Deserialize, Serialize};

use crate::filter::FilterRun;
use crate::key::{self, TAG_PUT};
use crate::model::check_name;
use crate::{Cell, Column, Error, Family, Get, LATEST, Mutation, Result, Row, Scan, TableName, TableSchema};

const ROW_LOCK_STRIPES: usize = 256;
const BUILTIN_NAMESPACES: [&str; 2] = ["default", "hbase"];

/// How the store is opened.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Sync the journal to disk on every write (survives power loss, not only
    /// a killed process), at the cost of one fsync per write.
    pub sync: bool,
    /// Block cache size in bytes; fjall's default when `None`.
    pub cache_bytes: Option<u64>,
}

/// A handle to the store; cheap to clone, safe to share between threads.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("tables", &self.catalog().tables.len()).finish()
    }
}

struct Inner {
    db: Database,
    meta: Keyspace,
    catalog: RwLock<Catalog>,
    row_locks: Vec<Mutex<()>>,
    persist: PersistMode,
}

#[derive(Default)]
struct Catalog {
    namespaces: BTreeSet<String>,
    tables: BTreeMap<TableName, Arc<Table>>,
    next_id: u64,
}

/// A table as the store holds it.
struct Table {
    id: u64,
    schema: TableSchema,
    enabled: bool,
    keyspace: Keyspace,
}

/// What the `meta` keyspace records for a table.
#[derive(Serialize, Deserialize)]
struct TableMeta {
    id: u64,
    schema: TableSchema,
    enabled: bool,
}

const META_NAMESPACE: &str = "ns/";
const META_TABLE: &str = "table/";
const META_NEXT_ID: &str = "next_id";

impl Store {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: impl AsRef<Path>, options: StoreOptions) -> Result<Store> {
        let mut builder = Database::builder(dir.as_ref());
        if let Some(bytes) = options.cache_bytes {
            builder = builder.cache_size(bytes);
        }
        let db = builder.open()?;
        let meta = db.keyspace("meta", KeyspaceCreateOptions::default)?;
        let mut catalog = Catalog { next_id: 1, ..Catalog::default() };
        catalog.namespaces.extend(BUILTIN_NAMESPACES.iter().map(|s| s.to_string()));
        for item in meta.prefix(META_NAMESPACE) {
            let key = item.key()?;
            let name = String::from_utf8_lossy(&key[META_NAMESPACE.len()..]).into_owned();
            catalog.namespaces.insert(name);
        }
        for item in meta.prefix(META_TABLE) {
            let value = item.value()?;
            let m: TableMeta =
                serde_json::from_slice(&value).map_err(|e| Error::Corrupt(format!("table metadata: {e}")))?;
            let keyspace = db.keyspace(&keyspace_name(m.id), KeyspaceCreateOptions::default)?;
            catalog.next_id = catalog.next_id.max(m.id + 1);
            let table = Table { id: m.id, schema: m.schema, enabled: m.enabled, keyspace };
            catalog.tables.insert(table.schema.name.clone(), Arc::new(table));
        }
        if let Some(v) = meta.get(META_NEXT_ID)? {
            let id = std::str::from_utf8(&v).ok().and_then(|s| s.parse().ok());
            catalog.next_id = catalog.next_id.max(id.ok_or_else(|| Error::Corrupt("next table id".into()))?);
        }
        // Buffer: every commit reaches the OS before it is acknowledged, so a
        // killed process loses nothing; SyncData also survives power loss.
        let persist = if options.sync { PersistMode::SyncData } else { PersistMode::Buffer };
        let row_locks = (0..ROW_LOCK_STRIPES).map(|_| Mutex::new(())).collect();
        Ok(Store { inner: Arc::new(Inner { db, meta, catalog: RwLock::new(catalog), row_locks, persist }) })
    }

    /// Syncs everything written so far to disk.
    pub fn flush(&self) -> Result<()> {
        Ok(self.inner.db.persist(PersistMode::SyncAll)?)
    }

    // ---- namespaces ----

    pub fn namespaces(&self) -> Vec<String> {
        self.catalog().namespaces.iter().cloned().collect()
    }

    pub fn create_namespace(&self, name: &str) -> Result<()> {
        check_name("namespace", name)?;
        let mut catalog = self.catalog_mut();
        if catalog.namespaces.contains(name) {
            return Err(Error::NamespaceExists(name.into()));
        }
        self.inner.meta.insert(format!("{META_NAMESPACE}{name}"), "{}")?;
        self.persist_meta()?;
        catalog.namespaces.insert(name.into());
        Ok(())
    }

    pub fn delete_namespace(&self, name: &str) -> Result<()> {
        let mut catalog = self.catalog_mut();
        if !catalog.namespaces.contains(name) {
            return Err(Error::NamespaceNotFound(name.into()));
        }
        if BUILTIN_NAMESPACES.contains(&name) {
            return Err(Error::invalid(format!("namespace '{name}' is built in and cannot be deleted")));
        }
        if catalog.tables.keys().any(|t| t.namespace == name) {
            return Err(Error::NamespaceNotEmpty(name.into()));
        }
        self.inner.meta.remove(format!("{META_NAMESPACE}{name}"))?;
        self.persist_meta()?;
        catalog.namespaces.remove(name);
        Ok(())
    }

    // ---- tables ----

    /// Every table, sorted by name.
    pub fn tables(&self) -> Vec<TableName> {
        self.catalog().tables.keys().cloned().collect()
    }

    pub fn table_exists(&self, name: &TableName) -> bool {
        self.catalog().tables.contains_key(name)
    }

    pub fn schema(&self, name: &TableName) -> Result<TableSchema> {
        Ok(self.table(name)?.schema.clone())
    }

    pub fn is_enabled(&self, name: &TableName) -> Result<bool> {
        Ok(self.table(name)?.enabled)
    }

    pub fn create_table(&self, schema: TableSchema) -> Result<()> {
        validate_schema(&schema)?;
        let mut catalog = self.catalog_mut();
        if !catalog.namespaces.contains(&schema.name.namespace) {
            return Err(Error::NamespaceNotFound(schema.name.namespace.clone()));
        }
        if catalog.tables.contains_key(&schema.name) {
            return Err(Error::TableExists(schema.name.to_string()));
        }
        let id = catalog.next_id;
        let keyspace = self.inner.db.keyspace(&keyspace_name(id), KeyspaceCreateOptions::default)?;
        // A keyspace left by a crash between a delete's two steps holds stale cells.
        keyspace.clear()?;
        let table = Table { id, schema, enabled: true, keyspace };
        let mut batch = self.inner.db.batch();
        batch.insert(&self.inner.meta, META_NEXT_ID, (id + 1).to_string());
        batch.insert(&self.inner.meta, table_meta_key(&table.schema.name), table_meta(&table));
        batch.durability(Some(PersistMode::SyncAll)).commit()?;
        catalog.next_id = id + 1;
        catalog.tables.insert(table.schema.name.clone(), Arc::new(table));
        Ok(())
    }

    /// Deletes a table and its cells. As in HBase, the table must be disabled first.
    pub fn delete_table(&self, name: &TableName) -> Result<()> {
        let mut catalog = self.catalog_mut();
        let table = catalog.tables.get(name).ok_or_else(|| Error::TableNotFound(name.to_string()))?.clone();
        if table.enabled {
            return Err(Error::TableEnabled(name.to_string()));
        }
        self.inner.meta.remove(table_meta_key(name))?;
        self.persist_meta()?;
        catalog.tables.remove(name);
        self.inner.db.delete_keyspace(table.keyspace.clone())?;
        Ok(())
    }

    pub fn enable_table(&self, name: &TableName) -> Result<()> {
        self.set_enabled(name, true)
    }

    pub fn disable_table(&self, name: &TableName) -> Result<()> {
        self.set_enabled(name, false)
    }

    fn set_enabled(&self, name: &TableName, enabled: bool) -> Result<()> {
        self.replace_table(name, |t| {
            Ok(Table { id: t.id, schema: t.schema.clone(), enabled, keyspace: t.keyspace.clone() })
        })
    }

    /// Replaces a table's column families: new ones are added, changed ones take
    /// their new settings. Cells of a family no longer listed stop being read.
    pub fn alter_table(&self, schema: TableSchema) -> Result<()> {
        validate_schema(&schema)?;
        let name = schema.name.clone();
        self.replace_table(&name, move |t| {
            Ok(Table { id: t.id, schema: schema.clone(), enabled: t.enabled, keyspace: t.keyspace.clone() })
        })
    }

    fn replace_table(&self, name: &TableName, change: impl Fn(&Table) -> Result<Table>) -> Result<()> {
        let mut catalog = self.catalog_mut();
        let old = catalog.tables.get(name).ok_or_else(|| Error::TableNotFound(name.to_string()))?;
        let new = change(old)?;
        self.inner.meta.insert(table_meta_key(name), table_meta(&new))?;
        self.persist_meta()?;
        catalog.tables.insert(name.clone(), Arc::new(new));
        Ok(())
    }

    // ---- writes ----

    /// Applies mutations to one row, atomically and in order.
    pub fn mutate_row(&self, table: &TableName, row: &[u8], mutations: &[Mutation]) -> Result<()> {
        self.mutate_rows(table, &[(Bytes::copy_from_slice(row), mutations.to_vec())])
    }

    /// Applies mutations to several rows; each row's changes are atomic (and
    /// here the whole call commits as one batch).
    pub fn mutate_rows(&self, table: &TableName, rows: &[(Bytes, Vec<Mutation>)]) -> Result<()> {
        let table = self.writable(table)?;
        for (row, _) in rows {
            key::check_row(row)?;
        }
        let _locks = self.lock_rows(&table, rows.iter().map(|(r, _)| &r[..]));
        let mut batch = RowBatch::new(&table);
        let now = now_millis();
        for (row, mutations) in rows {
            for m in mutations {
                batch.apply(row, m, now)?;
            }
        }
        self.commit(&table, batch)
    }

    /// Adds `amount` to a 64-bit big-endian counter cell (missing counts as 0)
    /// and returns the new value.
    pub fn increment(
        &self,
        table: &TableName,
        row: &[u8],
        family: &[u8],
        qualifier: &[u8],
        amount: i64,
    ) -> Result<i64> {
        let table = self.writable(table)?;
        key::check_cell(row, family, qualifier)?;
        let _lock = self.lock_rows(&table, [row]);
        let current = match latest_value(&table, row, family, qualifier)? {
            None => 0,
            Some(v) if v.is_empty() => 0,
            Some(v) => {
                let bytes: [u8; 8] = v[..].try_into().map_err(|_| {
                    Error::invalid(format!(
                        "cannot increment {}:{}: its value is {} bytes, not a 64-bit counter",
                        String::from_utf8_lossy(family),
                        String::from_utf8_lossy(qualifier),
                        v.len()
                    ))
                })?;
                i64::from_be_bytes(bytes)
            }
        };
        let next = current.wrapping_add(amount);
        let mut batch = RowBatch::new(&table);
        let put = Mutation::Put {
            family: Bytes::copy_from_slice(family),
            qualifier: Bytes::copy_from_slice(qualifier),
            timestamp: None,
            value: Bytes::copy_from_slice(&next.to_be_bytes()),
        };
        batch.apply(row, &put, now_millis())?;
        self.commit(&table, batch)?;
        Ok(next)
    }

    /// Applies `mutations` to `row` only if the newest value of
    /// `family:qualifier` equals `expected` (`None`: the column must be absent).
    /// Returns whether they were applied.
    pub fn check_and_mutate(
        &self,
        table: &TableName,
        row: &[u8],
        family: &[u8],
        qualifier: &[u8],
        expected: Option<&[u8]>,
        mutations: &[Mutation],
    ) -> Result<bool> {
        let table = self.writable(table)?;
        key::check_cell(row, family, qualifier)?;
        let _lock = self.lock_rows(&table, [row]);
        let current = latest_value(&table, row, family, qualifier)?;
        if current.as_deref() != expected {
            return Ok(false);
        }
        let mut batch = RowBatch::new(&table);
        let now = now_millis();
        for m in mutations {
            batch.apply(row, m, now)?;
        }
        self.commit(&table, batch)?;
        Ok(true)
    }

    fn commit(&self, table: &Table, batch: RowBatch<'_>) -> Result<()> {
        let mut writes = self.inner.db.batch().durability(Some(self.inner.persist));
        for (k, v) in batch.finish()? {
            match v {
                Some(value) => writes.insert(&table.keyspace, k, value),
                None => writes.remove(&table.keyspace, k),
            }
        }
        Ok(writes.commit()?)
    }

    // ---- reads ----

    /// Reads one row; `None` when nothing in it matches.
    pub fn get(&self, table: &TableName, get: &Get) -> Result<Option<Row>> {
        let scan = Scan {
            start_row: get.row.clone(),
            columns: get.columns.clone(),
            time_range: get.time_range,
            max_versions: get.max_versions,
            filter: get.filter.clone(),
            ..Scan::default()
        };
        let table = self.readable(table)?;
        key::check_row(&get.row)?;
        let prefix = key::row_prefix(&get.row);
        let end = key::prefix_end(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
        let iter = table.keyspace.range::<Vec<u8>, _>((Bound::Included(prefix), end));
        let mut scanner = Scanner::new(table, scan, iter);
        let mut cells = Vec::new();
        for part in scanner.by_ref() {
            cells.extend(part?.cells);
        }
        Ok((!cells.is_empty()).then(|| Row { key: get.row.clone(), cells }))
    }

    /// Opens a scan; the scanner reads from a snapshot taken now.
    pub fn scanner(&self, table: &TableName, scan: Scan) -> Result<Scanner> {
        let table = self.readable(table)?;
        for bound in [Some(&scan.start_row), Some(&scan.stop_row), scan.prefix.as_ref()].into_iter().flatten() {
            key::check_row(bound)?;
        }
        let (lower, upper) = scan_bounds(&scan);
        let iter = table.keyspace.range::<Vec<u8>, _>((lower, upper));
        let iter: Box<dyn Iterator<Item = fjall::Guard> + Send> =
            if scan.reversed { Box::new(iter.rev()) } else { Box::new(iter) };
        Ok(Scanner::new(table, scan, iter))
    }

    // ---- internals ----

    fn catalog(&self) -> std::sync::RwLockReadGuard<'_, Catalog> {
        self.inner.catalog.read().unwrap_or_else(|e| e.into_inner())
    }

    fn catalog_mut(&self) -> std::sync::RwLockWriteGuard<'_, Catalog> {
        self.inner.catalog.write().unwrap_or_else(|e| e.into_inner())
    }

    fn persist_meta(&self) -> Result<()> {
        Ok(self.inner.db.persist(PersistMode::SyncAll)?)
    }

    fn table(&self, name: &TableName) -> Result<Arc<Table>> {
        self.catalog().tables.get(name).cloned().ok_or_else(|| Error::TableNotFound(name.to_string()))
    }

    fn readable(&self, name: &TableName) -> Result<Arc<Table>> {
        let table = self.table(name)?;
        if !table.enabled {
            return Err(Error::TableDisabled(name.to_string()));
        }
        Ok(table)
    }

    fn writable(&self, name: &TableName) -> Result<Arc<Table>> {
        self.readable(name)
    }

    /// Locks the stripes of the given rows, in stripe order so two writers never deadlock.
    fn lock_rows<'a>(&self, table: &Table, rows: impl IntoIterator<Item = &'a [u8]>) -> Vec<MutexGuard<'_, ()>> {
        let stripes: BTreeSet<usize> = rows
            .into_iter()
            .map(|row| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                (table.id, row).hash(&mut h);
                (h.finish() % ROW_LOCK_STRIPES as u64) as usize
            })
            .collect();
        stripes.into_iter().map(|i| self.inner.row_locks[i].lock().unwrap_or_else(|e| e.into_inner())).collect()
    }
}

fn keyspace_name(id: u64) -> String {
    format!("t{id}")
}

fn table_meta_key(name: &TableName) -> String {
    format!("{META_TABLE}{}:{}", name.namespace, name.name)
}

#[expect(clippy::expect_used, reason = "table metadata is plain data with string keys, which JSON always holds")]
fn table_meta(table: &Table) -> Vec<u8> {
    let meta = TableMeta { id: table.id, schema: table.schema.clone(), enabled: table.enabled };
    serde_json::to_vec(&meta).expect("table metadata serializes")
}

fn validate_schema(schema: &TableSchema) -> Result<()> {
    if schema.families.is_empty() {
        return Err(Error::invalid(format!("table '{}' needs at least one column family", schema.name)));
    }
    let mut seen = BTreeSet::new();
    for f in &schema.families {
        f.validate()?;
        if !seen.insert(&f.name) {
            return Err(Error::invalid(format!("column family '{}' is listed twice", f.name)));
        }
    }
    Ok(())
}

fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn resolve(ts: Option<i64>, now: i64) -> Result<i64> {
    match ts {
        None | Some(LATEST) => Ok(now),
        Some(t) if t < 0 => Err(Error::invalid(format!("timestamp {t} is negative"))),
        Some(t) => Ok(t),
    }
}

/// The newest stored value of one column (any age; counters and checks ignore TTL).
fn latest_value(table: &Table, row: &[u8], family: &[u8], qualifier: &[u8]) -> Result<Option<Bytes>> {
    if table.schema.family(family).is_none() {
        return Err(no_such_family(table, family));
    }
    match table.keyspace.prefix(key::column_prefix(row, family, qualifier)).next() {
        None => Ok(None),
        Some(item) => {
            let value = item.value()?;
            Ok(Some(Bytes::copy_from_slice(value.get(1..).unwrap_or_default())))
        }
    }
}

fn no_such_family(table: &Table, family: &[u8]) -> Error {
    Error::NoSuchFamily { table: table.schema.name.to_string(), family: String::from_utf8_lossy(family).into_owned() }
}

/// One write's pending changes over the stored cells: reads see the store
/// with the pending changes applied, so a row's mutations apply in order.
struct RowBatch<'t> {
    table: &'t Table,
    pending: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// Columns written, whose old versions beyond VERSIONS go at the end.
    touched: BTreeSet<(Bytes, Bytes, Bytes)>,
}

impl<'t> RowBatch<'t> {
    fn new(table: &'t Table) -> Self {
        RowBatch { table, pending: BTreeMap::new(), touched: BTreeSet::new() }
    }

    fn family(&self, family: &[u8]) -> Result<&'t Family> {
        self.table.schema.family(family).ok_or_else(|| no_such_family(self.table, family))
    }

    /// Keys under `prefix` as they stand with the pending changes, in order.
    fn keys(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>> {
        let mut keys = BTreeSet::new();
        for item in self.table.keyspace.prefix(prefix) {
            keys.insert(item.key()?.to_vec());
        }
        let end = key::prefix_end(prefix).map_or(Bound::Unbounded, Bound::Excluded);
        for (k, v) in self.pending.range::<[u8], _>((Bound::Included(prefix), end.as_ref().map(|e| &e[..]))) {
            if v.is_some() {
                keys.insert(k.clone());
            } else {
                keys.remove(k);
            }
        }
        Ok(keys.into_iter().collect())
    }

    /// Removes every key under `prefix` whose timestamp is at or before `upto`.
    fn remove_upto(&mut self, prefix: &[u8], upto: i64) -> Result<()> {
        for k in self.keys(prefix)? {
            if key::decode(&k)?.timestamp <= upto {
                self.pending.insert(k, None);
            }
        }
        Ok(())
    }

    fn apply(&mut self, row: &[u8], m: &Mutation, now: i64) -> Result<()> {
        match m {
            Mutation::Put { family, qualifier, timestamp, value } => {
                self.family(family)?;
                key::check_cell(row, family, qualifier)?;
                key::check_value(value)?;
                let ts = resolve(*timestamp, now)?;
                let mut v = Vec::with_capacity(value.len() + 1);
                v.push(TAG_PUT);
                v.extend_from_slice(value);
                self.pending.insert(key::cell_key(row, family, qualifier, ts), Some(v));
                self.touched.insert((Bytes::copy_from_slice(row), family.clone(), qualifier.clone()));
            }
            Mutation::DeleteColumn { family, qualifier, timestamp } => {
                self.family(family)?;
                key::check_cell(row, family, qualifier)?;
                let upto = resolve(*timestamp, now)?;
                self.remove_upto(&key::column_prefix(row, family, qualifier), upto)?;
            }
            Mutation::DeleteVersion { family, qualifier, timestamp } => {
                self.family(family)?;
                key::check_cell(row, family, qualifier)?;
                let keys = self.keys(&key::column_prefix(row, family, qualifier))?;
                let target = match timestamp {
                    None | Some(LATEST) => keys.into_iter().next(),
                    Some(t) => {
                        let k = key::cell_key(row, family, qualifier, *t);
                        keys.contains(&k).then_some(k)
                    }
                };
                if let Some(k) = target {
                    self.pending.insert(k, None);
                }
            }
            Mutation::DeleteFamily { family, timestamp } => {
                self.family(family)?;
                key::check_cell(row, family, b"")?;
                let upto = resolve(*timestamp, now)?;
                self.remove_upto(&key::family_prefix(row, family), upto)?;
            }
            Mutation::DeleteRow { timestamp } => {
                let upto = resolve(*timestamp, now)?;
                self.remove_upto(&key::row_prefix(row), upto)?;
            }
        }
        Ok(())
    }

    /// The changes to commit, with versions beyond each written column's VERSIONS removed.
    fn finish(mut self) -> Result<BTreeMap<Vec<u8>, Option<Vec<u8>>>> {
        for (row, family, qualifier) in std::mem::take(&mut self.touched) {
            let max = self.family(&family)?.max_versions as usize;
            let keys = self.keys(&key::column_prefix(&row, &family, &qualifier))?;
            for k in keys.into_iter().skip(max) {
                self.pending.insert(k, None);
            }
        }
        Ok(self.pending)
    }
}

/// The key range a scan reads.
fn scan_bounds(scan: &Scan) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let (mut lower, mut upper) = if scan.reversed {
        let upper = if scan.start_row.is_empty() {
            Bound::Unbounded
        } else {
            key::prefix_end(&key::row_prefix(&scan.start_row)).map_or(Bound::Unbounded, Bound::Excluded)
        };
        let lower = if scan.stop_row.is_empty() {
            Bound::Unbounded
        } else {
            key::prefix_end(&key::row_prefix(&scan.stop_row)).map_or(Bound::Unbounded, Bound::Included)
        };
        (lower, upper)
    } else {
        let lower = if scan.start_row.is_empty() {
            Bound::Unbounded
        } else {
            Bound::Included(key::row_prefix(&scan.start_row))
        };
        let upper =
            if scan.stop_row.is_empty() { Bound::Unbounded } else { Bound::Excluded(key::row_prefix(&scan.stop_row)) };
        (lower, upper)
    };
    if let Some(prefix) = &scan.prefix {
        let mut p = Vec::new();
        key::push_escaped(&mut p, prefix);
        let p_end = key::prefix_end(&p);
        if !matches!(&lower, Bound::Included(l) | Bound::Excluded(l) if *l >= p) {
            lower = Bound::Included(p);
        }
        if let Some(end) = p_end
            && !matches!(&upper, Bound::Excluded(u) if *u <= end)
        {
            upper = Bound::Excluded(end);
        }
    }
    (lower, upper)
}

/// Rows of one scan, read lazily from a snapshot; an `Iterator` of `Row`s.
pub struct Scanner {
    table: Arc<Table>,
    scan: Scan,
    iter: Box<dyn Iterator<Item = fjall::Guard> + Send>,
    filter: Option<FilterRun>,
    /// First cell of the next row, read while finishing the previous one.
    carry: Option<(key::CellKey, Bytes)>,
    ready: VecDeque<Row>,
    rows_returned: usize,
    now: i64,
    finished: bool,
}

/// A row's key and its raw cells, in store order.
type RawRow = (Bytes, Vec<(key::CellKey, Bytes)>);

impl Scanner {
    fn new(table: Arc<Table>, scan: Scan, iter: impl Iterator<Item = fjall::Guard> + Send + 'static) -> Self {
        let filter = scan.filter.as_ref().map(|f| f.start(scan.reversed));
        Scanner {
            table,
            iter: Box::new(iter),
            filter,
            carry: None,
            ready: VecDeque::new(),
            rows_returned: 0,
            now: now_millis(),
            finished: false,
            scan,
        }
    }

    /// Up to `n` more rows (parts, with a batch size); empty when the scan is over.
    pub fn next_rows(&mut self, n: usize) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        while out.len() < n {
            match self.next() {
                Some(row) => out.push(row?),
                None => break,
            }
        }
        Ok(out)
    }

    /// Reads the next row's raw cells, in store order; `None` at the end.
    fn read_row(&mut self) -> Result<Option<RawRow>> {
        let mut cells = Vec::new();
        let mut row: Option<Bytes> = None;
        if let Some((k, v)) = self.carry.take() {
            row = Some(k.row.clone());
            cells.push((k, v));
        }
        for item in self.iter.by_ref() {
            let (k, v) = item.into_inner()?;
            let k = key::decode(&k)?;
            let v = Bytes::copy_from_slice(v.get(1..).unwrap_or_default());
            match &row {
                Some(r) if *r != k.row => {
                    self.carry = Some((k, v));
                    break;
                }
                Some(_) => cells.push((k, v)),
                None => {
                    row = Some(k.row.clone());
                    cells.push((k, v));
                }
            }
        }
        if self.scan.reversed {
            cells.reverse();
        }
        Ok(row.map(|r| (r, cells)))
    }

    /// Applies columns, time range, TTL and versions to one row's cells.
    fn select(&self, cells: Vec<(key::CellKey, Bytes)>) -> Vec<Cell> {
        let requested = self.scan.max_versions.max(1);
        let mut out = Vec::new();
        let mut column: Option<(Bytes, Bytes)> = None;
        let mut count = 0u32;
        for (k, value) in cells {
            let Some(family) = self.table.schema.family(&k.family) else { continue };
            if !self.scan.columns.is_empty() && !self.scan.columns.iter().any(|c| selects(c, &k)) {
                continue;
            }
            let same = matches!(&column, Some((f, q)) if *f == k.family && *q == k.qualifier);
            if !same {
                column = Some((k.family.clone(), k.qualifier.clone()));
                count = 0;
            }
            if !self.scan.time_range.contains(k.timestamp) {
                continue;
            }
            let index = count;
            count += 1;
            if index >= requested.min(family.max_versions) {
                continue;
            }
            if let Some(ttl) = family.ttl {
                let expired = k.timestamp < self.now.saturating_sub((ttl as i64).saturating_mul(1000));
                if expired && index >= family.min_versions {
                    continue;
                }
            }
            out.push(Cell { row: k.row, family: k.family, qualifier: k.qualifier, timestamp: k.timestamp, value });
        }
        out
    }

    fn advance(&mut self) -> Result<Option<Row>> {
        if let Some(row) = self.ready.pop_front() {
            return Ok(Some(row));
        }
        loop {
            if self.finished || self.scan.limit.is_some_and(|l| self.rows_returned >= l) {
                return Ok(None);
            }
            if self.filter.as_ref().is_some_and(|f| f.done()) {
                return Ok(None);
            }
            let Some((row, raw)) = self.read_row()? else {
                self.finished = true;
                return Ok(None);
            };
            let mut cells = self.select(raw);
            if let Some(filter) = &mut self.filter {
                match filter.apply(&row, cells) {
                    Some(kept) => cells = kept,
                    None => continue,
                }
            }
            if cells.is_empty() {
                continue;
            }
            self.rows_returned += 1;
            match self.scan.batch {
                Some(b) if b > 0 && cells.len() > b => {
                    let mut rest = cells;
                    while !rest.is_empty() {
                        let tail = rest.split_off(b.min(rest.len()));
                        self.ready.push_back(Row { key: row.clone(), cells: rest });
                        rest = tail;
                    }
                    return Ok(self.ready.pop_front());
                }
                _ => return Ok(Some(Row { key: row, cells })),
            }
        }
    }
}

fn selects(c: &Column, k: &key::CellKey) -> bool {
    c.family == k.family && c.qualifier.as_ref().is_none_or(|q| *q == k.qualifier)
}

impl Iterator for Scanner {
    type Item = Result<Row>;

    fn next(&mut self) -> Option<Result<Row>> {
        match self.advance() {
            Ok(row) => row.map(Ok),
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner").field("table", &self.table.schema.name).field("scan", &self.scan).finish()
    }
}

// Scanners move between threads (REST and Thrift keep them between requests).
const _: () = {
    const fn send<T: Send + 'static>() {}
    send::<Scanner>();
    send::<Store>();
};

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn put(f: &str, q: &str, ts: Option<i64>, v: &str) -> Mutation {
        Mutation::Put { family: b(f), qualifier: b(q), timestamp: ts, value: b(v) }
    }

    fn store() -> (tempfile::TempDir, Store, TableName) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let name = TableName::parse("meters").unwrap();
        let mut versioned = Family::new("h");
        versioned.max_versions = 3;
        store.create_table(TableSchema { name: name.clone(), families: vec![Family::new("d"), versioned] }).unwrap();
        (dir, store, name)
    }

    fn values(row: &Row) -> Vec<(String, i64, String)> {
        row.cells
            .iter()
            .map(|c| {
                (
                    String::from_utf8_lossy(&c.column()).into_owned(),
                    c.timestamp,
                    String::from_utf8_lossy(&c.value).into_owned(),
                )
            })
            .collect()
    }

    fn scan_keys(store: &Store, t: &TableName, scan: Scan) -> Vec<String> {
        store.scanner(t, scan).unwrap().map(|r| String::from_utf8_lossy(&r.unwrap().key).into_owned()).collect()
    }

    #[test]
    fn puts_and_gets_keep_versions_up_to_the_family_limit() {
        let (_dir, store, t) = store();
        for ts in 1..=5 {
            store
                .mutate_row(
                    &t,
                    b"m1",
                    &[put("h", "kwh", Some(ts), &format!("v{ts}")), put("d", "kwh", Some(ts), &format!("d{ts}"))],
                )
                .unwrap();
        }
        let mut get = Get::new("m1");
        get.max_versions = 10;
        let row = store.get(&t, &get).unwrap().unwrap();
        assert_eq!(
            values(&row),
            [
                ("d:kwh".into(), 5, "d5".into()),
                ("h:kwh".into(), 5, "v5".into()),
                ("h:kwh".into(), 4, "v4".into()),
                ("h:kwh".into(), 3, "v3".into()),
            ]
        );
        // Older versions are gone from disk, not only hidden.
        assert_eq!(store.table(&t).unwrap().keyspace.len().unwrap(), 4);
        let mut at = Get::new("m1");
        at.columns = vec![Column::new(b("h"), b("kwh"))];
        at.time_range = crate::TimeRange { min: 0, max: 5 };
        assert_eq!(values(&store.get(&t, &at).unwrap().unwrap()), [("h:kwh".into(), 4, "v4".into())]);
        assert!(store.get(&t, &Get::new("nope")).unwrap().is_none());
    }

    #[test]
    fn deletes_remove_versions_columns_families_and_rows() {
        let (_dir, store, t) = store();
        store
            .mutate_row(
                &t,
                b"r",
                &[
                    put("h", "a", Some(1), "1"),
                    put("h", "a", Some(2), "2"),
                    put("h", "b", Some(1), "b"),
                    put("d", "x", Some(1), "x"),
                ],
            )
            .unwrap();
        let mut all = Get::new("r");
        all.max_versions = 5;
        store
            .mutate_row(&t, b"r", &[Mutation::DeleteVersion { family: b("h"), qualifier: b("a"), timestamp: None }])
            .unwrap();
        assert_eq!(values(&store.get(&t, &all).unwrap().unwrap()).len(), 3);
        store.mutate_row(&t, b"r", &[Mutation::DeleteFamily { family: b("h"), timestamp: None }]).unwrap();
        assert_eq!(values(&store.get(&t, &all).unwrap().unwrap()), [("d:x".into(), 1, "x".into())]);
        store.mutate_row(&t, b"r", &[Mutation::DeleteRow { timestamp: None }]).unwrap();
        assert!(store.get(&t, &all).unwrap().is_none());
        // Mutations apply in order: a delete then a put in one call leaves the put.
        store
            .mutate_row(
                &t,
                b"r",
                &[
                    put("d", "x", Some(7), "old"),
                    Mutation::DeleteColumn { family: b("d"), qualifier: b("x"), timestamp: None },
                    put("d", "x", Some(8), "new"),
                ],
            )
            .unwrap();
        assert_eq!(values(&store.get(&t, &all).unwrap().unwrap()), [("d:x".into(), 8, "new".into())]);
    }

    #[test]
    fn scans_honour_ranges_prefixes_direction_batches_and_limits() {
        let (_dir, store, t) = store();
        let rows = ["a", "a\0", "ab", "b", "ba", "c"];
        for r in rows {
            store
                .mutate_row(&t, r.as_bytes(), &[put("d", "1", None, r), put("d", "2", None, r), put("d", "3", None, r)])
                .unwrap();
        }
        let all = scan_keys(&store, &t, Scan::default());
        assert_eq!(all, rows);
        let range = Scan { start_row: b("ab"), stop_row: b("c"), ..Scan::default() };
        assert_eq!(scan_keys(&store, &t, range), ["ab", "b", "ba"]);
        let prefix = Scan { prefix: Some(b("a")), ..Scan::default() };
        assert_eq!(scan_keys(&store, &t, prefix), ["a", "a\0", "ab"]);
        let reversed = Scan { reversed: true, start_row: b("ba"), stop_row: b("a"), ..Scan::default() };
        assert_eq!(scan_keys(&store, &t, reversed), ["ba", "b", "ab", "a\0"]);
        let limited = Scan { limit: Some(2), reversed: true, ..Scan::default() };
        assert_eq!(scan_keys(&store, &t, limited), ["c", "ba"]);
        let batched = Scan { batch: Some(2), limit: Some(1), ..Scan::default() };
        let parts: Vec<Row> = store.scanner(&t, batched).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(parts.iter().map(|p| p.cells.len()).collect::<Vec<_>>(), [2, 1]);
        let reversed_row = Scan { reversed: true, limit: Some(1), ..Scan::default() };
        let row = store.scanner(&t, reversed_row).unwrap().next().unwrap().unwrap();
        assert_eq!(values(&row).iter().map(|v| v.0.as_str()).collect::<Vec<_>>(), ["d:1", "d:2", "d:3"]);
        let columns = Scan { columns: vec![Column::new(b("d"), b("2"))], limit: Some(1), ..Scan::default() };
        let row = store.scanner(&t, columns).unwrap().next().unwrap().unwrap();
        assert_eq!(values(&row).len(), 1);
    }

    #[test]
    fn counters_and_conditional_writes() {
        let (_dir, store, t) = store();
        assert_eq!(store.increment(&t, b"c", b"d", b"n", 5).unwrap(), 5);
        assert_eq!(store.increment(&t, b"c", b"d", b"n", -2).unwrap(), 3);
        store.mutate_row(&t, b"c", &[put("d", "s", None, "text")]).unwrap();
        assert!(matches!(store.increment(&t, b"c", b"d", b"s", 1), Err(Error::InvalidArgument(_))));
        let swap = [put("d", "s", None, "next")];
        assert!(!store.check_and_mutate(&t, b"c", b"d", b"s", Some(b"other"), &swap).unwrap());
        assert!(store.check_and_mutate(&t, b"c", b"d", b"s", Some(b"text"), &swap).unwrap());
        assert!(store.check_and_mutate(&t, b"c", b"d", b"new", None, &[put("d", "new", None, "1")]).unwrap());
        assert!(!store.check_and_mutate(&t, b"c", b"d", b"new", None, &[put("d", "new", None, "2")]).unwrap());
        let row = store.get(&t, &Get::new("c")).unwrap().unwrap();
        let columns: Vec<_> = values(&row).into_iter().map(|(c, _, v)| (c, v)).collect();
        assert_eq!(columns[1..], [("d:new".into(), "1".into()), ("d:s".into(), "next".into())]);
        assert_eq!(row.cells[0].value[..], 3i64.to_be_bytes());
    }

    #[test]
    fn ttl_hides_old_cells_except_the_minimum_versions() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let t = TableName::parse("ns1:ttl").unwrap();
        assert!(matches!(
            store.create_table(TableSchema { name: t.clone(), families: vec![Family::new("f")] }),
            Err(Error::NamespaceNotFound(_))
        ));
        store.create_namespace("ns1").unwrap();
        let short = Family { ttl: Some(5), max_versions: 3, ..Family::new("f") };
        let kept = Family { ttl: Some(5), max_versions: 3, min_versions: 1, ..Family::new("g") };
        store.create_table(TableSchema { name: t.clone(), families: vec![short, kept] }).unwrap();
        let old = now_millis() - 60_000;
        store
            .mutate_row(
                &t,
                b"r",
                &[
                    put("f", "q", Some(old), "f-old"),
                    put("g", "q", Some(old), "g-old"),
                    put("g", "q", Some(old - 1), "g-older"),
                ],
            )
            .unwrap();
        let mut get = Get::new("r");
        get.max_versions = 3;
        assert_eq!(values(&store.get(&t, &get).unwrap().unwrap()), [("g:q".into(), old, "g-old".into())]);
    }

    #[test]
    fn tables_and_cells_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let t = TableName::parse("kept").unwrap();
        {
            let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
            store.create_table(TableSchema { name: t.clone(), families: vec![Family::new("d")] }).unwrap();
            store.mutate_row(&t, b"r", &[put("d", "q", Some(1), "v")]).unwrap();
            let gone = TableName::parse("gone").unwrap();
            store.create_table(TableSchema { name: gone.clone(), families: vec![Family::new("d")] }).unwrap();
            assert!(matches!(store.delete_table(&gone), Err(Error::TableEnabled(_))));
            store.disable_table(&gone).unwrap();
            assert!(matches!(store.get(&gone, &Get::new("r")), Err(Error::TableDisabled(_))));
            store.delete_table(&gone).unwrap();
            assert!(matches!(
                store.create_table(TableSchema { name: t.clone(), families: vec![Family::new("d")] }),
                Err(Error::TableExists(_))
            ));
        }
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        assert_eq!(store.tables(), std::slice::from_ref(&t));
        assert_eq!(values(&store.get(&t, &Get::new("r")).unwrap().unwrap()), [("d:q".into(), 1, "v".into())]);
        let next = TableName::parse("next").unwrap();
        store.create_table(TableSchema { name: next.clone(), families: vec![Family::new("d")] }).unwrap();
        assert!(store.get(&next, &Get::new("r")).unwrap().is_none(), "a new table starts empty");
        assert!(matches!(store.mutate_row(&t, b"r", &[put("nope", "q", None, "v")]), Err(Error::NoSuchFamily { .. })));
        assert!(matches!(store.mutate_row(&t, b"r", &[put("d", "q", Some(-4), "v")]), Err(Error::InvalidArgument(_))));
    }

    #[test]
    fn oversized_keys_are_errors_not_panics() {
        let (_dir, store, t) = store();
        let too_long = Bytes::from(vec![b'r'; crate::MAX_ROW_BYTES + 1]);
        let huge = Bytes::from(vec![b'x'; 70_000]);
        let too_large = |r: Result<()>| assert!(matches!(r, Err(Error::TooLarge(_))), "{r:?}");
        let put_huge_row = store.mutate_row(&t, &huge, &[put("d", "q", None, "v")]);
        too_large(put_huge_row);
        too_large(store.mutate_row(&t, &too_long, &[Mutation::DeleteRow { timestamp: None }]));
        let huge_qualifier = Mutation::Put { family: b("d"), qualifier: huge.clone(), timestamp: None, value: b("v") };
        too_large(store.mutate_row(&t, b"r", &[huge_qualifier]));
        let delete_huge = Mutation::DeleteColumn { family: b("d"), qualifier: huge.clone(), timestamp: None };
        too_large(store.mutate_row(&t, b"r", &[delete_huge]));
        let version_huge = Mutation::DeleteVersion { family: b("d"), qualifier: huge.clone(), timestamp: Some(1) };
        too_large(store.mutate_row(&t, b"r", &[version_huge]));
        too_large(store.increment(&t, b"r", b"d", &huge, 1).map(drop));
        too_large(store.check_and_mutate(&t, &huge, b"d", b"q", None, &[]).map(drop));
        // Reads with an oversized row or bound are refused too: the LSM tree panics on such a bound.
        too_large(store.get(&t, &Get::new(huge.clone())).map(drop));
        for scan in [
            Scan { start_row: huge.clone(), ..Scan::default() },
            Scan { stop_row: huge.clone(), ..Scan::default() },
            Scan { start_row: huge.clone(), reversed: true, ..Scan::default() },
            Scan { prefix: Some(huge.clone()), ..Scan::default() },
            Scan { start_row: Bytes::from(vec![0u8; crate::MAX_ROW_BYTES]), ..Scan::default() },
        ] {
            too_large(store.scanner(&t, scan).map(drop));
        }
        // Up to the limits everything works, zero bytes included.
        let longest = Bytes::from(vec![0x7f; crate::MAX_ROW_BYTES]);
        let qualifier = Bytes::from(vec![b'q'; crate::MAX_CELL_KEY_BYTES - crate::MAX_ROW_BYTES - 1]);
        let at_limit =
            Mutation::Put { family: b("d"), qualifier: qualifier.clone(), timestamp: Some(1), value: b("v") };
        store.mutate_row(&t, &longest, &[at_limit]).unwrap();
        let row = store.get(&t, &Get::new(longest.clone())).unwrap().unwrap();
        assert_eq!(row.cells[0].qualifier, qualifier);
        let zeros = Bytes::from(vec![0u8; 20_000]);
        store.mutate_row(&t, &zeros, &[put("d", "q", None, "z")]).unwrap();
        for reversed in [false, true] {
            let scan = Scan { start_row: longest.clone(), reversed, ..Scan::default() };
            assert_eq!(store.scanner(&t, scan).unwrap().count(), 1 + usize::from(reversed));
        }
        // A family name longer than HBase allows is refused when the table is made.
        let long_family = Family::new("f".repeat(crate::MAX_FAMILY_BYTES + 1));
        let schema = TableSchema { name: TableName::parse("wide").unwrap(), families: vec![long_family] };
        assert!(matches!(store.create_table(schema), Err(Error::InvalidArgument(_))));
    }

    /// The writer that `acknowledged_writes_survive_kill_9` starts and kills:
    /// it puts rows one by one and prints each acknowledged row number.
    #[test]
    #[ignore = "run by acknowledged_writes_survive_kill_9 in a child process"]
    fn kill_9_writer() {
        use std::io::Write;
        let Some(dir) = std::env::var_os("ENMA_KV_KILL_DIR") else { return };
        let store = Store::open(dir, StoreOptions::default()).unwrap();
        let t = TableName::parse("durable").unwrap();
        let mut out = std::io::stdout().lock();
        for i in 0u64.. {
            let row = format!("row{i:08}");
            store.mutate_row(&t, row.as_bytes(), &[put("d", "n", None, &i.to_string())]).unwrap();
            writeln!(out, "ack {i}").unwrap();
            out.flush().unwrap();
        }
    }

    #[test]
    fn acknowledged_writes_survive_kill_9() {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let t = TableName::parse("durable").unwrap();
        {
            let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
            store.create_table(TableSchema { name: t.clone(), families: vec![Family::new("d")] }).unwrap();
        }
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "store::tests::kill_9_writer", "--nocapture", "--test-threads", "1"])
            .env("ENMA_KV_KILL_DIR", dir.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut last = None;
        for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if let Some(n) = line.strip_prefix("ack ") {
                last = Some(n.parse::<u64>().unwrap());
                if last >= Some(2000) {
                    break;
                }
            }
        }
        child.kill().unwrap(); // SIGKILL: no destructor, no journal flush of ours runs
        child.wait().unwrap();
        let last = last.expect("the writer acknowledged writes");
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let rows: Vec<Row> = store.scanner(&t, Scan::default()).unwrap().map(|r| r.unwrap()).collect();
        assert!(rows.len() as u64 > last, "{} rows after the kill, {} acknowledged", rows.len(), last + 1);
        for (i, row) in rows.iter().enumerate().take(last as usize + 1) {
            assert_eq!(row.key, format!("row{i:08}"));
            assert_eq!(row.cells[0].value, i.to_string());
        }
    }
}
