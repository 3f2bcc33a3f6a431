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
