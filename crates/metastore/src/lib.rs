//! The metastore: a persistent catalog of databases, tables and partitions.
//!
//! Embedded by default: one JSON document under the data directory, replaced
//! atomically (written to a temporary file, then renamed) on every change.
//! Changes are read-modify-write under an exclusive file lock, so several
//! processes (a server and a CLI) can share one data directory; readers never
//! see a half-written catalog. Each process caches the parsed catalog and
//! reloads it when the file changes.

/// The shared error type, as `crate::error` for this crate's modules.
use enma_common::error;

pub mod model;

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use fs2::FileExt;
use serde::{Deserialize, Serialize};

pub use enma_storage::StorageFormat;
pub use model::{Column, Database, Partition, Table, TableKind};

use crate::error::{Error, Result};

/// Everything the metastore holds, as one value.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Catalog {
    /// Bumped on every change.
    pub version: u64,
    pub databases: BTreeMap<String, DatabaseEntry>,
    /// Permanent functions: SQL name → registered implementation name.
    #[serde(default)]
    pub functions: BTreeMap<String, String>,
}

/// A database and its tables.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatabaseEntry {
    pub database: Database,
    pub tables: BTreeMap<String, Table>,
}

impl Catalog {
    pub fn database(&self, name: &str) -> Result<&DatabaseEntry> {
        self.databases
            .get(&name.to_ascii_lowercase())
            .ok_or_else(|| Error::not_found(format!("Database does not exist: {name}")))
    }
    pub fn database_mut(&mut self, name: &str) -> Result<&mut DatabaseEntry> {
        self.databases
            .get_mut(&name.to_ascii_lowercase())
            .ok_or_else(|| Error::not_found(format!("Database does not exist: {name}")))
    }
    pub fn table(&self, db: &str, name: &str) -> Result<&Table> {
        self.database(db)?
            .tables
            .get(&name.to_ascii_lowercase())
            .ok_or_else(|| Error::not_found(format!("Table not found: {db}.{name}")))
    }
    pub fn table_mut(&mut self, db: &str, name: &str) -> Result<&mut Table> {
        self.database_mut(db)?
            .tables
            .get_mut(&name.to_ascii_lowercase())
            .ok_or_else(|| Error::not_found(format!("Table not found: {db}.{name}")))
    }
}

struct Cached {
    stamp: Option<(SystemTime, u64)>,
    catalog: Arc<Catalog>,
}

/// Handle to the embedded metastore. Cheap to share behind an `Arc`.
pub struct Metastore {
    file: PathBuf,
    lock_file: PathBuf,
    cache: Mutex<Cached>,
}

impl std::fmt::Debug for Metastore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metastore").field("file", &self.file).finish()
    }
}

impl Metastore {
    /// Opens (creating if needed) the metastore in `dir`; `warehouse` is the
    /// URL under which managed databases get their directories.
    pub fn open(dir: &Path, warehouse: &str) -> Result<Self> {
        fs::create_dir_all(dir)?;
        let store = Self {
            file: dir.join("catalog.json"),
            lock_file: dir.join("catalog.lock"),
            cache: Mutex::new(Cached { stamp: None, catalog: Arc::new(Catalog::default()) }),
        };
        let warehouse = warehouse.trim_end_matches('/').to_string();
        store.update(|c| {
            if !c.databases.contains_key("default") {
                c.databases.insert(
                    "default".into(),
                    DatabaseEntry {
                        database: Database {
                            name: "default".into(),
                            comment: Some("Default Hive database".into()),
                            location: warehouse.clone(),
                            properties: BTreeMap::new(),
                        },
                        tables: BTreeMap::new(),
                    },
                );
            }
            Ok(())
        })?;
        Ok(store)
    }

    /// The current catalog (a consistent snapshot).
    pub fn snapshot(&self) -> Result<Arc<Catalog>> {
        let stamp = file_stamp(&self.file);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if stamp.is_some() && cache.stamp == stamp {
            return Ok(cache.catalog.clone());
        }
        let catalog = Arc::new(read_catalog(&self.file)?);
        *cache = Cached { stamp, catalog: catalog.clone() };
        Ok(catalog)
    }

    /// Applies `change` to the latest catalog under an exclusive lock and
    /// persists the result atomically. If `change` fails nothing is written.
    pub fn update<T>(&self, change: impl FnOnce(&mut Catalog) -> Result<T>) -> Result<T> {
        let lock = OpenOptions::new().create(true).truncate(false).write(true).open(&self.lock_file)?;
        lock.lock_exclusive()?;
        let result = (|| {
            let mut catalog = read_catalog(&self.file)?;
            let out = change(&mut catalog)?;
            catalog.version += 1;
            write_atomically(
                &self.file,
                &serde_json::to_vec_pretty(&catalog).map_err(|e| Error::internal(e.to_string()))?,
            )?;
            let stamp = file_stamp(&self.file);
            *self.cache.lock().unwrap_or_else(PoisonError::into_inner) = Cached { stamp, catalog: Arc::new(catalog) };
            Ok(out)
        })();
        let _ = FileExt::unlock(&lock);
        result
    }

    pub fn database(&self, name: &str) -> Result<Database> {
        Ok(self.snapshot()?.database(name)?.database.clone())
    }
    pub fn databases(&self) -> Result<Vec<Database>> {
        Ok(self.snapshot()?.databases.values().map(|d| d.database.clone()).collect())
    }
    pub fn table(&self, db: &str, name: &str) -> Result<Table> {
        Ok(self.snapshot()?.table(db, name)?.clone())
    }
    /// Table names of `db`, sorted.
    pub fn table_names(&self, db: &str) -> Result<Vec<String>> {
        Ok(self.snapshot()?.database(db)?.tables.keys().cloned().collect())
    }
}

fn file_stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

fn read_catalog(path: &Path) -> Result<Catalog> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| Error::internal(format!("metastore file {} is corrupt: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Catalog::default()),
        Err(e) => Err(e.into()),
    }
}

/// Writes `bytes` to `path` so that readers see either the old or the new file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_reopen_and_sees_other_handles() {
        let dir = tempfile::tempdir().unwrap();
        let a = Metastore::open(dir.path(), "file:///w").unwrap();
        let b = Metastore::open(dir.path(), "file:///w").unwrap();
        a.update(|c| {
            let mut db = c.database("default")?.clone();
            db.database.name = "x".into();
            c.databases.insert("x".into(), db);
            Ok(())
        })
        .unwrap();
        assert!(b.database("x").is_ok());
        drop((a, b));
        let c = Metastore::open(dir.path(), "file:///w").unwrap();
        assert_eq!(c.databases().unwrap().len(), 2);
    }

    #[test]
    fn failed_change_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let m = Metastore::open(dir.path(), "file:///w").unwrap();
        let v = m.snapshot().unwrap().version;
        let r: Result<()> = m.update(|c| {
            c.databases.clear();
            Err(Error::plan("no"))
        });
        assert!(r.is_err());
        assert_eq!(m.snapshot().unwrap().version, v);
        assert!(m.database("default").is_ok());
    }
}
