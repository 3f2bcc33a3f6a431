//! Real HBase clients from PyPI against our servers: happybase over Thrift,
//! and a REST client over HTTP. The test script installs them into a venv and
//! names its Python in `ENMA_TEST_PYTHON`.

mod rest;
mod thrift;
