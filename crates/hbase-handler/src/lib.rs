//! The key-value store inside ENMA: the engine's handle on `enma-kv`, and
//! Hive's HBase storage handler — tables declared `STORED BY
//! 'org.apache.hadoop.hive.hbase.HBaseStorageHandler'` read and write the
//! store's cells, with row-key conditions pushed down as key ranges.

/// The shared error type, as `crate::error` for this crate's modules.
use enma_common::error;

pub mod mapping;
pub mod table;

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::common::TableReference;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use enma_kv::{Store, StoreOptions};

use crate::error::{Error, Result};
use enma_engine::extension::{ExtensionCodec, StorageHandler};
use enma_engine::{Engine, EngineBuilder, HandlerContext};
use enma_metastore::Table;
use mapping::{HBASE_HANDLER, HBASE_SERDE};

/// Registers Hive's HBase storage handler with an engine, and the codec
/// that refuses its tables on a cluster.
pub fn register(builder: EngineBuilder) -> EngineBuilder {
    builder.with_storage_handler(Arc::new(HBaseStorageHandler::default())).with_codec(Arc::new(HBaseCodec))
}

/// The key-value store of an engine's HBase tables, opened on first use;
/// the same handle serves SQL over HBase tables and HBase's protocols.
pub fn store(engine: &Engine) -> Result<Store> {
    let handler = engine
        .extensions()
        .storage_handler(HBASE_HANDLER)
        .and_then(|h| h.as_any().downcast_ref::<HBaseStorageHandler>())
        .ok_or_else(|| Error::internal("the HBase storage handler is not registered with this engine"))?;
    handler.store.get(&engine.config().data_dir)
}

/// Tables `STORED BY 'org.apache.hadoop.hive.hbase.HBaseStorageHandler'`:
/// their cells live in the key-value store under `<data_dir>/kv`.
#[derive(Debug, Default)]
pub struct HBaseStorageHandler {
    store: LazyStore,
}

#[async_trait]
impl StorageHandler for HBaseStorageHandler {
    fn class_name(&self) -> &str {
        HBASE_HANDLER
    }

    fn serde(&self) -> &str {
        HBASE_SERDE
    }

    fn bind(&self, ctx: HandlerContext<'_>, table: &Table) -> Result<()> {
        table::bind_table(&self.store.get(ctx.data_dir)?, table)
    }

    fn drop_table(&self, ctx: HandlerContext<'_>, table: &Table) -> Result<()> {
        table::drop_bound_table(&self.store.get(ctx.data_dir)?, table)
    }

    fn table_provider(&self, ctx: HandlerContext<'_>, table: &Table) -> Result<Arc<dyn TableProvider>> {
        Ok(Arc::new(table::HBaseTable::new(table, self.store.get(ctx.data_dir)?)?))
    }

    async fn write(&self, ctx: HandlerContext<'_>, table: &Table, rows: SendableRecordBatchStream) -> Result<u64> {
        table::write_batches(&self.store.get(ctx.data_dir)?, table, rows).await
    }

    fn refused_on_cluster(&self, provider: &dyn TableProvider, table: &str) -> Option<String> {
        provider.downcast_ref::<table::HBaseTable>().map(|_| table::refused_on_cluster(table))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// HBase tables never travel to a cluster: its executors cannot read the
/// store. The session refuses such a query before sending it; this codec
/// is the last guard.
#[derive(Debug, Default)]
pub struct HBaseCodec;

impl ExtensionCodec for HBaseCodec {
    fn name(&self) -> &str {
        "hbase"
    }

    fn encode_table(
        &self,
        table_ref: &TableReference,
        table: &Arc<dyn TableProvider>,
        _buf: &mut Vec<u8>,
        _logical: &dyn LogicalExtensionCodec,
    ) -> DfResult<bool> {
        match table.downcast_ref::<table::HBaseTable>() {
            Some(_) => Err(DataFusionError::NotImplemented(table::refused_on_cluster(&table_ref.to_string()))),
            None => Ok(false),
        }
    }
}

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
