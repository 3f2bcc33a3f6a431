//! For tests (the `testing` feature): a MongoDB server to run against. With
//! `MONGODB_URI` set that server (each test in a database of its own);
//! otherwise the MongoDB stand-in (nx-27017 with fixes, a Python script)
//! that tests/run.sh installs, started on a free loopback port and stopped
//! on drop.

#![allow(clippy::expect_used, clippy::panic, reason = "test support: a failure to start is the test's failure")]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A MongoDB server for one test; stops the stand-in when dropped.
pub struct MongoServer {
    child: Option<Child>,
    base: String,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for MongoServer {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

static DATABASES: AtomicU64 = AtomicU64::new(0);

impl MongoServer {
    /// `MONGODB_URI`'s server, or a stand-in started now. The stand-in needs
    /// `ENMA_TEST_PYTHON` (a Python with nx-27017 0.8.1 and neosqlite 1.17.2)
    /// and `ENMA_MONGO_STANDIN` (the script's path), which tests/run.sh sets.
    pub fn start() -> MongoServer {
        if let Ok(uri) = std::env::var("MONGODB_URI") {
            let base = uri.split('?').next().unwrap_or(&uri).trim_end_matches('/').to_string();
            // mongodb://host[:port][/db]: keep the host part only.
            let base = match base.strip_prefix("mongodb://").and_then(|rest| rest.split_once('/')) {
                Some((host, _)) => format!("mongodb://{host}"),
                None => base,
            };
            return MongoServer { child: None, base, _dir: None };
        }
        let python = std::env::var("ENMA_TEST_PYTHON")
            .expect("ENMA_TEST_PYTHON must name the test venv's python: run the tests with tests/run.sh");
        let script = std::env::var("ENMA_MONGO_STANDIN")
            .map(PathBuf::from)
            .expect("ENMA_MONGO_STANDIN must name mongo_standin.py: run the tests with tests/run.sh");
        let dir = tempfile::tempdir().expect("temp dir");
        let port = TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("port").port();
        let child = Command::new(python)
            .arg(&script)
            .args(["--db", "memory", "-p", &port.to_string()])
            .arg("--log-file")
            .arg(dir.path().join("nx.log"))
            .arg("--pid-file")
            .arg(dir.path().join("nx.pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the MongoDB stand-in");
        let server = MongoServer { child: Some(child), base: format!("mongodb://127.0.0.1:{port}"), _dir: Some(dir) };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(30), "the MongoDB stand-in did not answer on port {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// A URI naming a database no other test of this process uses.
    pub fn fresh_database_uri(&self) -> String {
        let n = DATABASES.fetch_add(1, Ordering::Relaxed);
        format!("{}/enma_test_{}_{n}", self.base, std::process::id())
    }
}
