//! ENMA's key-value store: HBase's data model on a pure-Rust LSM tree (fjall).
//!
//! Tables live in namespaces and hold rows sorted by key; each row has cells
//! addressed by `family:qualifier` and a timestamp, newest first. Column
//! families carry HBase's settings (VERSIONS, MIN_VERSIONS, TTL). Writes to one
//! row are atomic, and an acknowledged write is in the journal before the call
//! returns, so it survives the process being killed.
//!
//! This crate knows nothing of HTTP or Thrift: `enma-hbase` serves it with
//! HBase's protocols, and `enma` binds it to SQL.

mod error;
pub mod filter;
mod key;
mod model;
mod store;

pub use error::{Error, Result};
pub use filter::Filter;
pub use key::{MAX_CELL_KEY_BYTES, MAX_FAMILY_BYTES, MAX_ROW_BYTES, MAX_VALUE_BYTES, prefix_end};
pub use model::{Cell, Column, Family, Get, LATEST, Mutation, Row, Scan, TableName, TableSchema, TimeRange};
pub use store::{Scanner, Store, StoreOptions};
