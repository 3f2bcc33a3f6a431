//! ENMA: energy-consumption analytics on DataFusion — a HiveQL warehouse over
//! object storage, used from the command line and over REST.

//!
//! This crate is the one binary's library: the command line and its roles
//! ([`cli`]), and [`engine_builder`], which composes the engine with every
//! extension ENMA ships. The layers below live in `crates/` (see
//! ARCHITECTURE.md); they are re-exported here under their short names.

pub mod cli;

pub use enma_cluster as cluster;
pub use enma_common::{Error, ErrorKind, Result, error};
pub use enma_engine as engine;
pub use enma_hbase_handler as hbase_handler;
pub use enma_hive as hive;
pub use enma_mapreduce as mapreduce;
pub use enma_metastore as metastore;
pub use enma_sql_api as api;
pub use enma_storage as storage;

use engine::{Engine, EngineBuilder, EngineConfig};

/// An engine builder with every extension ENMA ships: Hive's HBase storage
/// handler, MapReduce and TRANSFORM, and the Ballista cluster when the
/// configuration names a scheduler.
pub fn engine_builder(config: EngineConfig) -> Result<EngineBuilder> {
    let scheduler = config.scheduler.clone();
    let builder = mapreduce::register(hbase_handler::register(Engine::builder(config)));
    match scheduler {
        Some(url) => cluster::register(builder, &url),
        None => Ok(builder),
    }
}

/// Opens an engine with every extension ENMA ships (see [`engine_builder`]).
pub async fn open_engine(config: EngineConfig) -> Result<Engine> {
    engine_builder(config)?.build().await
}
