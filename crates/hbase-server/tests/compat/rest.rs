//! hbase-rest-py, a Python client for HBase's REST server, against ours: it
//! creates tables, puts, gets, reads versions, scans with row ranges and
//! filters, and deletes through its own API. A second script drives what that
//! client never calls (XML, raw cells, batched scanners, multiget, schema
//! updates, check-and-put, errors, the bearer token) with plain `urllib`.

use std::path::Path;
use std::process::Command;

use enma_hbase_server::rest::{self, RestConfig};
use enma_kv::{Store, StoreOptions};

/// Starts a REST server over a fresh store on a loopback port; returns its base URL.
fn start(runtime: &tokio::runtime::Runtime, dir: &Path, config: RestConfig) -> String {
    let store = Store::open(dir, StoreOptions::default()).unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(rest::serve(listener, store, config));
    format!("http://{addr}")
}

/// Runs one script of `tests/compat/python` with `args`; panics with its output when it fails.
fn run_script(name: &str, args: &[&str]) {
    let python = std::env::var("ENMA_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("ENMA_TEST_PYTHON is not set: run tests/run.sh, which installs hbase-rest-py into a venv and names its python")
    });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/python").join(name);
    let output =
        Command::new(&python).arg(&script).args(args).output().unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    assert!(
        output.status.success(),
        "{name} failed: {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn hbase_rest_py_client() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = start(&runtime, dir.path(), RestConfig::default());
    run_script("rest_client.py", &[&base]);
}

#[test]
fn plain_http_endpoints_the_client_does_not_use() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let token = "compat-token";
    let base = start(&runtime, dir.path(), RestConfig { token: Some(token.into()), ..RestConfig::default() });
    run_script("rest_http.py", &[&base, token]);
}
