//! The key-value store inside ENMA: the engine's handle on `enma-kv`, and
//! Hive's HBase storage handler — tables declared `STORED BY
//! 'org.apache.hadoop.hive.hbase.HBaseStorageHandler'` read and write the
//! store's cells, with row-key conditions pushed down as key ranges.

pub mod mapping;
pub mod table;

use std::path::Path;
use std::sync::Mutex;

use enma_kv::{Store, StoreOptions};

use crate::error::{Error, Result};

/// Opens the store the first time it is needed: processes that never touch
/// HBase tables never take its lock (one process at a time may hold it).
#[derive(Debug, Default)]
pub struct LazyStore {
    store: Mutex<Option<Store>>,
}

impl LazyStore {
    pub fn get(&self, data_dir: &Path) -> Result<Store> {
        let mut slot = self.store.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = &*slot {
            return Ok(store.clone());
        }
        let dir = data_dir.join("kv");
        let store = Store::open(&dir, StoreOptions::default()).map_err(|e| {
            Error::execution(format!(
                "cannot open the key-value store in {}: {e} (only one ENMA process can use a data directory's store at a time)",
                dir.display()
            ))
        })?;
        *slot = Some(store.clone());
        Ok(store)
    }
}

/// The store's errors as the engine's.
pub(crate) fn kv_error(e: enma_kv::Error) -> Error {
    match e {
        enma_kv::Error::TableNotFound(_) | enma_kv::Error::NamespaceNotFound(_) => Error::not_found(e.to_string()),
        enma_kv::Error::TableExists(_) | enma_kv::Error::NamespaceExists(_) => Error::exists(e.to_string()),
        enma_kv::Error::Storage(_) | enma_kv::Error::Corrupt(_) => Error::execution(e.to_string()),
        _ => Error::plan(e.to_string()),
    }
}
