//! HBase's client protocols over ENMA's key-value store (`enma-kv`), so code
//! written for HBase keeps working: the REST server's HTTP API (`rest`) and
//! the Thrift1 API that happybase and other Thrift clients speak (`thrift`).

pub mod rest;
pub mod thrift;
