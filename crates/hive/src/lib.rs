//! HiveQL: the dialect, the statement parser, Hive's types, and the rewrites
//! that give queries Hive's meaning before DataFusion plans them.

/// The shared error type, as `crate::error` for this crate's modules.
use enma_common::error;

pub mod coercion;
pub mod dialect;
pub mod lateral;
pub mod limits;
pub mod parser;
pub mod rewrite;
pub mod statement;
pub mod transform;
pub mod types;
