//! ENMA: energy-consumption analytics on DataFusion — a HiveQL warehouse over
//! object storage, used from the command line and over REST.

pub mod api;
pub mod cli;
pub mod cluster;
pub mod engine;
pub mod error;
pub mod hive;
pub mod kv;
pub mod mapreduce;
pub mod metastore;
pub mod storage;

pub use error::{Error, ErrorKind, Result};

use engine::{Engine, EngineBuilder, EngineConfig};

/// An engine builder with every extension ENMA ships: Hive's HBase storage
/// handler, MapReduce and TRANSFORM, and the Ballista cluster when the
/// configuration names a scheduler.
pub fn engine_builder(config: EngineConfig) -> Result<EngineBuilder> {
    let scheduler = config.scheduler.clone();
    let builder = mapreduce::register(kv::register(Engine::builder(config)));
    match scheduler {
        Some(url) => cluster::register(builder, &url),
        None => Ok(builder),
    }
}

/// Opens an engine with every extension ENMA ships (see [`engine_builder`]).
pub async fn open_engine(config: EngineConfig) -> Result<Engine> {
    engine_builder(config)?.build().await
}
