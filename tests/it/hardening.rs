//! What a hostile or careless caller of the REST API may try: names and
//! locations that lead out of the warehouse or the allowed directories, the
//! server's environment, statements deep enough to exhaust a stack, results
//! too big for memory, queries past their timeout, leftovers of killed
//! writes, and errors outside the API's JSON shape. Each case runs against a
//! real server; none may crash it or get a 5xx.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use enma::api::ServeConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::TestServer;

fn assert_status(status: StatusCode, body: &Value, expected: StatusCode, message_part: &str) {
    assert_eq!(status, expected, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(message_part), "expected '{message_part}' in: {body}");
}

/// A server whose remote callers may use `allowed` (canonical) on the local disk.
async fn server_allowing(allowed: &Path) -> TestServer {
    let allowed = allowed.to_path_buf();
    TestServer::with_engine(ServeConfig::default(), move |c| c.remote_access.local_dirs = vec![allowed]).await
}

fn tree() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let allowed = root.join("allowed");
    let secret = root.join("secret");
    std::fs::create_dir_all(&allowed).unwrap();
    std::fs::create_dir_all(&secret).unwrap();
    std::fs::write(secret.join("data.txt"), "top secret\n").unwrap();
    (dir, allowed, secret)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn names_never_leave_the_warehouse() {
    let server = TestServer::start().await;
    for sql in [
        "CREATE TABLE `../../../../../../../../etc` (line STRING) STORED AS TEXTFILE",
        "CREATE TABLE `../../victim` (x INT)",
        "CREATE TABLE `a/b` (x INT)",
        "CREATE TABLE `..` (x INT)",
        "CREATE TABLE `a\u{0}b` (x INT)",
        "CREATE DATABASE `../../x`",
        "CREATE DATABASE `x/../..`",
    ] {
        let (status, body) = server.sql_json(sql).await;
        assert_status(status, &body, StatusCode::BAD_REQUEST, "Invalid");
    }
    server.exec("CREATE TABLE ok_1 (x INT)").await;
    let (status, body) = server.sql_json("ALTER TABLE ok_1 RENAME TO `../../moved`").await;
    assert_status(status, &body, StatusCode::BAD_REQUEST, "Invalid");
    // Partition values are escaped; a column name cannot add path parts either.
    server.exec("CREATE TABLE p (x INT) PARTITIONED BY (k STRING)").await;
    server.exec("INSERT INTO p PARTITION (k='../../../../escape') VALUES (1)").await;
    server.exec("INSERT INTO p PARTITION (k='a:b') VALUES (2)").await;
    let body = server.exec("SELECT x, k FROM p ORDER BY x").await;
    assert_eq!(body["rows"], json!([[1, "../../../../escape"], [2, "a:b"]]));
    let body = server.exec("SHOW PARTITIONS p").await;
    assert_eq!(body["rows"], json!([["k=..%2F..%2F..%2F..%2Fescape"], ["k=a%3Ab"]]));
    let (status, body) = server.sql_json("CREATE TABLE q (x INT) PARTITIONED BY (`../k` STRING)").await;
    if status == StatusCode::OK {
        let (status, body) = server.sql_json("INSERT INTO q PARTITION (`../k`='v') VALUES (1)").await;
        assert_status(status, &body, StatusCode::BAD_REQUEST, "not a valid name");
    } else {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    server.assert_alive().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn locations_are_checked_as_real_paths() {
    let (_dir, allowed, secret) = tree();
    std::os::unix::fs::symlink(&secret, allowed.join("link")).unwrap();
    let server = server_allowing(&allowed).await;
    let escape = format!("{}/../../../../../../{}", allowed.display(), secret.display());
    for location in [escape, allowed.join("link").display().to_string(), allowed.join("link/sub").display().to_string()]
    {
        let (status, body) =
            server.sql_json(&format!("CREATE EXTERNAL TABLE leak (line STRING) LOCATION '{location}'")).await;
        assert_status(status, &body, StatusCode::FORBIDDEN, "--allow-local-dir");
    }
    // Inside the allowed directory is fine; a link that appears later is caught when the table is read.
    let table_dir = allowed.join("t");
    std::fs::create_dir(&table_dir).unwrap();
    std::fs::write(table_dir.join("rows.txt"), "visible\n").unwrap();
    server.exec(&format!("CREATE EXTERNAL TABLE t (line STRING) LOCATION '{}'", table_dir.display())).await;
    assert_eq!(server.exec("SELECT line FROM t").await["rows"], json!([["visible"]]));
    std::fs::rename(&table_dir, allowed.join("t.old")).unwrap();
    std::os::unix::fs::symlink(&secret, &table_dir).unwrap();
    let (status, body) = server.sql_json("SELECT line FROM t").await;
    assert_status(status, &body, StatusCode::FORBIDDEN, "symbolic link");
    server.assert_alive().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn remote_callers_get_no_environment_and_no_refused_function_as_500() {
    let (_dir, allowed, secret) = tree();
    let server = server_allowing(&allowed).await;
    // SAFETY of the test: PATH is set in every test process; its value must not come back.
    let body = server.exec("SELECT '${env:PATH}' AS p, '${hiveconf:x}' AS x").await;
    assert_eq!(body["rows"], json!([["${env:PATH}", "${hiveconf:x}"]]));
    let body = server.exec("SET hivevar:y=7; SELECT '${hivevar:y}' AS y").await;
    assert_eq!(body["rows"], json!([["7"]]));
    let (status, body) =
        server.sql_json(&format!("SELECT in_file('top secret', '{}')", secret.join("data.txt").display())).await;
    assert_status(status, &body, StatusCode::FORBIDDEN, "in_file");
    let (status, body) = server.sql_json("SELECT reflect('java.lang.Runtime', 'exec', 'id')").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let big = format!("SELECT 'a' RLIKE '{}'", "(a{1000}){1000}");
    let (status, body) = server.sql_json(&big).await;
    assert!(status.is_client_error() || status == StatusCode::OK, "{status} {body}");
    server.assert_alive().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deep_statements_run_or_are_refused_without_crashing() {
    let server = TestServer::start().await;
    let unions = vec!["SELECT 1 AS x"; 400].join(" UNION ALL ");
    let body = server.exec(&format!("SELECT count(*) FROM ({unions}) t")).await;
    assert_eq!(body["rows"], json!([[400]]));
    let sum = vec!["1"; 2000].join("+");
    assert_eq!(server.exec(&format!("SELECT {sum} AS s")).await["rows"], json!([[2000]]));
    let ors = (0..2000).map(|i| format!("value = {i}")).collect::<Vec<_>>().join(" OR ");
    assert_eq!(server.exec(&format!("SELECT count(*) FROM range(5000) WHERE {ors}")).await["rows"], json!([[2000]]));
    let limit = enma::hive::limits::MAX_OPERATORS;
    for sql in [format!("SELECT {}", vec!["1"; limit + 2].join("+")), vec!["SELECT 1"; limit + 2].join(" UNION ALL ")] {
        let (status, body) = server.sql_json(&sql).await;
        assert_status(status, &body, StatusCode::BAD_REQUEST, &format!("the limit is {limit}"));
    }
    server.assert_alive().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn growing_functions_are_capped() {
    let server = TestServer::start().await;
    // One value past the cap is NULL, as Hive's functions give NULL for what they cannot build.
    let body = server.exec("SELECT length(repeat('x', 268435456)) AS n").await;
    assert_eq!(body["rows"], json!([[null]]));
    let (status, body) = server.sql_json("SELECT length(repeat(cast(value AS STRING), 16000000)) FROM range(8)").await;
    assert_status(status, &body, StatusCode::BAD_REQUEST, "repeat: the results for one batch");
    let (status, body) =
        server.sql_json("SELECT length(lpad(cast(value AS STRING), 16000000, 'ab')) FROM range(8)").await;
    assert_status(status, &body, StatusCode::BAD_REQUEST, "lpad");
    assert_eq!(server.exec("SELECT length(repeat('ab', 1000)) AS n").await["rows"], json!([[2000]]));
    server.assert_alive().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_timeout_answers_on_time_even_when_an_operator_holds_the_cpu() {
    let server =
        TestServer::with(ServeConfig { query_timeout: Some(Duration::from_secs(2)), ..Default::default() }).await;
    let started = Instant::now();
    let (status, body) = server
        .sql_json("SELECT a.value FROM range(200000) a CROSS JOIN range(200000) b WHERE (a.value*b.value)%1000003=5")
        .await;
    let took = started.elapsed();
    assert_status(status, &body, StatusCode::GATEWAY_TIMEOUT, "timeout");
    assert!(took < Duration::from_millis(3500), "the 504 came after {took:?}");
    // The server answers at once; the cancelled join lets go of the query
    // threads at its next batch boundary, after which queries run again.
    let started = Instant::now();
    let (status, _) = TestServer::json(server.get("/health")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(1), "health took {:?}", started.elapsed());
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.sql_json("SELECT 1").await.0 != StatusCode::OK {
        assert!(Instant::now() < deadline, "the cancelled query never let go of the query threads");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    server.assert_alive().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn errors_keep_the_json_shape() {
    let server = TestServer::start().await;
    for path in ["/v1/databases/%FF%FE/tables", "/v1/databases/default/tables/%C3%28"] {
        let response = server.get(path).send().await.unwrap();
        let status = response.status();
        let body: Value = serde_json::from_str(&response.text().await.unwrap()).expect("a JSON body");
        assert!(status.is_client_error(), "{path}: {status} {body}");
        assert!(body["error"]["message"].is_string(), "{body}");
    }
    server.stop().await;
}

/// Backdates every file and directory under `dir` by two hours.
fn backdate(dir: &Path) {
    let past = SystemTime::now() - Duration::from_secs(7200);
    for entry in walk(dir) {
        let file = std::fs::File::open(&entry).unwrap();
        file.set_modified(past).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn leftovers_of_killed_writes_go_with_the_next_write() {
    let server = TestServer::start().await;
    server.exec("CREATE TABLE t (x INT)").await;
    server.exec("INSERT INTO t VALUES (1)").await;
    let location = server.exec("DESCRIBE FORMATTED t").await;
    let location = location["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0].as_str().is_some_and(|c| c.starts_with("Location")))
        .and_then(|r| r[1].as_str())
        .unwrap()
        .trim()
        .to_string();
    let dir = PathBuf::from(location.strip_prefix("file://").unwrap());
    // What a killed INSERT INTO and a killed INSERT OVERWRITE leave behind, two hours ago.
    let two_hours_ago =
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() - 7_200_000_000_000;
    for name in [".staging-0123abcd".to_string(), format!(".gen-{two_hours_ago:020}-deadbeef")] {
        std::fs::create_dir(dir.join(&name)).unwrap();
        std::fs::write(dir.join(&name).join("part-00000.txt"), "9\n").unwrap();
        backdate(&dir.join(&name));
    }
    // A write in progress right now is left alone.
    std::fs::create_dir(dir.join(".staging-fresh")).unwrap();
    std::fs::write(dir.join(".staging-fresh/part-00000.txt"), "8\n").unwrap();
    server.exec("INSERT INTO t VALUES (2)").await;
    let mut hidden: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    hidden.sort();
    assert_eq!(hidden, [".staging-fresh"]);
    assert_eq!(server.exec("SELECT x FROM t ORDER BY x").await["rows"], json!([[1], [2]]));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_command_is_the_callers_error() {
    let server =
        TestServer::with_engine(ServeConfig::default(), |c| c.remote_access.commands = vec!["cat*".into()]).await;
    let (status, body) =
        server.sql_json("SELECT TRANSFORM (1) USING 'cat /no/such/file' AS (x) FROM (SELECT 1) t").await;
    assert_status(status, &body, StatusCode::BAD_REQUEST, "exit status 1");
    assert_eq!(body["error"]["code"], "invalid_data", "{body}");
    server.assert_alive().await;
    server.stop().await;
}
