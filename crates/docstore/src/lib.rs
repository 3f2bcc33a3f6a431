//! Collections of BSON documents, queried as MongoDB queries them. This is
//! the store under the Eve-compatible resources (issue 18), which runs on
//! MongoDB or, by default, embedded in the data directory; both backends
//! share what is defined here.
//!
//! So far: MongoDB's order of values ([`order`]) and its query filters
//! ([`filter`]), which the embedded backend evaluates itself.

pub mod filter;
pub mod order;

pub use filter::{Filter, FilterError};
