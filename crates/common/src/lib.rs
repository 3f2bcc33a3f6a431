//! What every layer of ENMA shares: the one error type every failure maps
//! into ([`Error`], with an [`ErrorKind`] that services turn into a status),
//! and the access policy for remote callers ([`access`]: local directories;
//! [`command`]: the commands they may run and how their lines are read).
//!
//! Architecture invariant: this crate knows DataFusion's and Arrow's errors,
//! nothing of the engine, its extensions or its services.

pub mod access;
pub mod command;
pub mod error;

pub use access::AccessPolicy;
pub use error::{Error, ErrorKind, Refusal, Result};
