//! ENMA's integration tests: one binary, one module per area.

mod api;
mod cli;
mod cluster;
mod common;
mod functions;
mod hardening;
mod hbase;
#[cfg(feature = "hdfs")]
mod hdfs;
mod mapreduce;
mod s3;
mod sql;
mod tpch;
