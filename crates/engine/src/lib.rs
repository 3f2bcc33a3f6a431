//! The query engine: DataFusion sessions wired to the metastore and object
//! storage, running HiveQL statements one by one.
//!
//! An [`Engine`] is shared by the whole process (server or CLI): it holds the
//! metastore, the object-store registry and the runtime (memory pool, spill
//! directory). A [`Session`] is one user's conversation: current database,
//! `SET` values. Statements produce a [`QueryOutput`], a stream of Arrow
//! batches that is never materialised whole.

/// The shared error type, as `crate::error` for this crate's modules.
use enma_common::error;

pub mod codec;
mod ddl;
mod dml;
pub mod extension;
mod functions;
mod output;
pub mod query_threads;
mod session;
mod show;
pub mod table;
pub mod temporary;

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};

pub use extension::{EngineBuilder, Extensions, HandlerContext, register_restricted_in_file};
pub use functions::FunctionKind;
pub use output::{QueryOutput, rows_output};
pub use session::Session;
pub use session::drain;
pub use show::like_matches;

use crate::error::{Error, Result};
use enma_metastore::Metastore;
use enma_storage::{Location, S3Config, StoreRegistry};

/// How an engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Holds the metastore, the default warehouse and spill files.
    pub data_dir: PathBuf,
    /// Object-store URL under which managed tables live; default `file://<data_dir>/warehouse`.
    pub warehouse: Option<String>,
    /// Bytes of memory queries may use before spilling; `None` for unbounded.
    pub memory_limit: Option<usize>,
    /// S3 settings for `s3://` locations.
    pub s3: S3Config,
    /// What remote callers may touch on this machine (local directories,
    /// commands). Default: nothing.
    pub remote_access: enma_common::AccessPolicy,
    /// Partitions of parallelism per query; default the number of cores.
    pub target_partitions: Option<usize>,
    /// The Ballista scheduler (`df://host:port`) that runs queries; `None`
    /// runs them in this process.
    pub scheduler: Option<String>,
    /// Name of the threads REST queries run on (see [`query_threads`]), to
    /// tell engines apart in profiles and tests.
    pub query_thread_name: String,
}

impl EngineConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            warehouse: None,
            memory_limit: None,
            s3: S3Config::default(),
            remote_access: Default::default(),
            target_partitions: None,
            scheduler: None,
            query_thread_name: query_threads::DEFAULT_NAME.into(),
        }
    }
}

/// Who runs a statement: the operator (CLI) may touch the local disk; remote
/// callers (REST) only where the config allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Operator,
    Remote,
}

/// What every session of an engine shares.
#[derive(Debug)]
pub(crate) struct EngineShared {
    pub config: EngineConfig,
    pub metastore: Metastore,
    pub runtime: Arc<RuntimeEnv>,
    pub warehouse: Location,
    /// Functions and extensions, registered once.
    pub extensions: Extensions,
    /// Where REST queries are planned and run.
    pub query_threads: query_threads::QueryThreads,
}

impl EngineShared {
    /// The handler of a table `STORED BY` a storage handler class.
    pub(crate) fn storage_handler(
        &self,
        table: &enma_metastore::Table,
    ) -> Result<Option<&Arc<dyn extension::StorageHandler>>> {
        let Some(class) = &table.storage_handler else { return Ok(None) };
        match self.extensions.storage_handler(class) {
            Some(handler) => Ok(Some(handler)),
            None => {
                let provided: Vec<&str> = self.extensions.storage_handlers.iter().map(|h| h.class_name()).collect();
                let provided = if provided.is_empty() { "none".to_string() } else { provided.join(", ") };
                Err(Error::plan(format!("storage handler '{class}' is not supported; this engine provides {provided}")))
            }
        }
    }

    pub(crate) fn handler_context(&self, caller: Caller) -> HandlerContext<'_> {
        HandlerContext { data_dir: &self.config.data_dir, caller }
    }
}

/// The process-wide engine. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Engine {
    shared: Arc<EngineShared>,
}

impl Engine {
    /// A builder for an engine with `config`: Hive's functions and no extension yet.
    pub fn builder(config: EngineConfig) -> EngineBuilder {
        EngineBuilder::new(config)
    }

    async fn open_with(config: EngineConfig, extensions: Extensions) -> Result<Engine> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            Error::execution(format!("cannot create data directory {}: {e}", config.data_dir.display()))
        })?;
        let data_dir = std::fs::canonicalize(&config.data_dir)?;
        let warehouse = match &config.warehouse {
            Some(w) => Location::parse(w)?,
            None => Location::parse(&data_dir.join("warehouse").to_string_lossy())?,
        };
        let metastore = Metastore::open(&data_dir.join("metastore"), &warehouse.as_string())?;
        let spill = data_dir.join("tmp");
        std::fs::create_dir_all(&spill)?;
        let mut rt = RuntimeEnvBuilder::new()
            .with_object_store_registry(Arc::new(StoreRegistry::new(config.s3.clone())))
            .with_disk_manager_builder(
                DiskManagerBuilder::default().with_mode(DiskManagerMode::Directories(vec![spill])),
            );
        if let Some(limit) = config.memory_limit {
            rt = rt.with_memory_pool(Arc::new(FairSpillPool::new(limit)));
        }
        let runtime = rt.build_arc()?;
        let mut config = config;
        config.data_dir = data_dir;
        let query_threads = query_threads::QueryThreads::new(&config.query_thread_name, config.target_partitions)?;
        Ok(Engine {
            shared: Arc::new(EngineShared { config, metastore, runtime, warehouse, extensions, query_threads }),
        })
    }

    pub fn metastore(&self) -> &Metastore {
        &self.shared.metastore
    }

    pub fn config(&self) -> &EngineConfig {
        &self.shared.config
    }

    /// A task context on the engine's runtime (memory limit, spill files,
    /// object stores) for plans built outside SQL, such as MapReduce jobs.
    pub fn task_context(&self) -> Arc<datafusion::execution::TaskContext> {
        let mut config = datafusion::prelude::SessionConfig::new();
        if let Some(n) = self.shared.config.target_partitions {
            config = config.with_target_partitions(n);
        }
        datafusion::prelude::SessionContext::new_with_config_rt(config, self.shared.runtime.clone()).task_ctx()
    }

    /// The threads queries of remote callers run on.
    pub fn query_threads(&self) -> &query_threads::QueryThreads {
        &self.shared.query_threads
    }

    /// The functions and extensions registered with the engine.
    pub fn extensions(&self) -> &Extensions {
        &self.shared.extensions
    }

    /// A new session whose current database is `database` (NotFound if it does not exist).
    pub fn session(&self, database: &str, caller: Caller) -> Result<Session> {
        self.shared.metastore.database(database)?;
        Session::new(self.shared.clone(), database, caller)
    }
}

/// Output with a schema but no rows, for statements that return nothing.
pub fn empty_output() -> QueryOutput {
    rows_output(&[], vec![])
}
