//! `enma serve` as an operator runs it: every enabled service in one
//! process, stopped together by SIGTERM, with the requests in flight
//! answered first.

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::free_port;

/// The server process, killed if a test fails before it stops.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &std::path::Path, api: u16, rest: u16, thrift: u16) -> Served {
    let child = Command::new(env!("CARGO_BIN_EXE_enma"))
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{api}"), "--hbase"])
        .args(["--hbase-rest-listen", &format!("127.0.0.1:{rest}")])
        .args(["--hbase-thrift-listen", &format!("127.0.0.1:{thrift}")])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Served(child)
}

fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_millis(200)).is_ok()
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

/// SIGTERM while a query runs and idle clients hold connections to every
/// service: the query's answer arrives whole, then the process exits 0 and
/// no port is left listening.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_answers_the_request_in_flight_then_stops_every_service() {
    let dir = tempfile::tempdir().unwrap();
    let (api, rest, thrift) = (free_port(), free_port(), free_port());
    let mut server = start(dir.path(), api, rest, thrift);
    wait_until("the three services listen", || listening(api) && listening(rest) && listening(thrift));

    // Idle clients: a keep-alive HTTP connection to HBase's REST API and a
    // Thrift connection that sends nothing. Neither may hold the shutdown.
    let http = reqwest::Client::new();
    let version = http.get(format!("http://127.0.0.1:{rest}/version/cluster")).send().await.unwrap();
    assert!(version.status().is_success(), "{}", version.status());
    let _idle_thrift = TcpStream::connect(("127.0.0.1", thrift)).unwrap();

    // About 3 s of work on two cores: well past the signal, well inside the grace period.
    let sql = "SELECT sum(value % 7) AS s FROM range(600000000)";
    let query = tokio::spawn(http.post(format!("http://127.0.0.1:{api}/v1/sql")).json(&json!({"sql": sql})).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!query.is_finished(), "the query finished before the signal: make it longer");
    sigterm(&server.0);

    let answer = query.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    // sum over i < n of (i mod 7), with n = 600000000 = 7 * 85714285 + 5.
    let expected: i64 = 85_714_285 * 21 + (0..5).sum::<i64>();
    assert_eq!(body["rows"], json!([[expected]]), "{body}");

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    for port in [api, rest, thrift] {
        assert!(!listening(port), "port {port} still listens");
    }
}

/// A refused setting stops `enma serve` before anything is served: the
/// Thrift API off loopback is refused, and the SQL API's port, bound
/// first, is given back.
#[test]
fn a_refused_service_stops_the_start_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let api = free_port();
    let out = Command::new(env!("CARGO_BIN_EXE_enma"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{api}"), "--hbase"])
        .args(["--hbase-rest-listen", &format!("127.0.0.1:{}", free_port())])
        .args(["--hbase-thrift-listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Thrift") && stderr.contains("loopback only"), "{stderr}");
    assert!(!stderr.contains("  "), "a run of spaces: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Durations on the command line are checked, not trusted: a negative or
/// endless timeout is a usage error, not a panic.
#[test]
fn bad_durations_are_usage_errors() {
    for flag in ["--query-timeout", "--shutdown-grace"] {
        for value in ["-1", "NaN", "1e300", "soon"] {
            let out =
                Command::new(env!("CARGO_BIN_EXE_enma")).args(["serve", &format!("{flag}={value}")]).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{flag} {value}: {stderr}");
            assert!(stderr.contains("seconds"), "{flag} {value}: {stderr}");
        }
    }
}
