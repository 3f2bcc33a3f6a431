//! Real HBase clients from PyPI against our servers: happybase over Thrift,
//! and a REST client over HTTP. The test script installs them into a venv and
//! names its Python in `ENMA_TEST_PYTHON`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

mod rest;
mod thrift;
