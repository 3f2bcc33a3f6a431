//! Collections of BSON documents, queried as MongoDB queries them. This is
//! the store under the Eve-compatible resources (issue 18): one
//! [`DocumentStore`] trait, and two backends with one behaviour, MongoDB
//! ([`mongo`]) and, by default, embedded in the data directory
//! ([`embedded`]).
//!
//! MongoDB's order of values ([`order`]), its query filters ([`filter`]) and
//! its sorts, projections and updates ([`ops`]) are written out here for
//! the embedded backend; the MongoDB backend checks filters with the same
//! code, so both accept and refuse the same queries.

pub mod embedded;
pub mod filter;
pub mod mongo;
pub mod ops;
pub mod order;
pub mod pipeline;
pub mod plan;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[cfg(test)]
mod tests;

pub use embedded::{Embedded, EmbeddedOptions};
pub use filter::{Filter, FilterError};
pub use mongo::Mongo;
pub use store::{DocumentStore, Find, Index, StoreError, Update};
