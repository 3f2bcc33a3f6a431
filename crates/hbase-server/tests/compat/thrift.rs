//! happybase, the Python HBase client, against our Thrift1 server: one script
//! run per transport (buffered, framed) and protocol (binary, compact), all
//! against one server, which tells them apart by their first bytes.

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use enma_hbase_server::thrift::{self, ThriftConfig};
use enma_kv::{Store, StoreOptions};

#[test]
fn happybase_over_every_transport_and_protocol() {
    let python = std::env::var("ENMA_TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "ENMA_TEST_PYTHON is not set: run tests/run.sh, which installs happybase into a venv and names its python"
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thrift::spawn(listener, store, ThriftConfig::default());

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/python/thrift_happybase.py");
    let mut failures = Vec::new();
    for transport in ["buffered", "framed"] {
        for protocol in ["binary", "compact"] {
            let output = Command::new(&python)
                .arg(&script)
                .args(["--port", &port.to_string(), "--transport", transport, "--protocol", protocol])
                .output()
                .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
            // Shown with `--nocapture`: every check the script made.
            println!("== {transport}/{protocol}\n{}", String::from_utf8_lossy(&output.stdout));
            if !output.status.success() {
                failures.push(format!(
                    "happybase with {transport} transport and {protocol} protocol: {}\n--- stdout\n{}--- stderr\n{}",
                    output.status,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
