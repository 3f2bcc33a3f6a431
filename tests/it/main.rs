//! ENMA's integration tests: one binary, one module per area.

mod common;
#[cfg(feature = "hdfs")]
mod hdfs;
mod s3;
mod sql;
mod cli;
mod api;
mod hardening;
mod functions;
mod tpch;
mod cluster;
mod hbase;
mod mapreduce;
