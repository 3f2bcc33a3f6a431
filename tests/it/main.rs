//! ENMA's integration tests: one binary, one module per area.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

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
mod resources;
mod s3;
mod serve;
mod sql;
mod tpch;
