//! The REST API end to end: a server on a free loopback port over an engine
//! in a temporary directory, called with reqwest.

use std::io::Cursor;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use arrow::array::AsArray;
use arrow::datatypes::{DataType, Int64Type};
use arrow::ipc::reader::StreamReader;
use enma::api::{ServeConfig, bind};
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::common::temp_engine;

const ARROW_STREAM: &str = "application/vnd.apache.arrow.stream";

/// A query that keeps the CPUs busy far longer than any test waits and
/// yields its single row only at the end. (An aggregate over many small
/// batches, not a nested-loop join: DataFusion drops a cancelled query at its
/// next batch boundary, and a big cross join spends many seconds per batch.)
const SLOW_SQL: &str = "SELECT max(value % 7) AS m, count(*) AS n FROM range(1000000000000) WHERE value % 3 = 1";

/// A server running in this process.
pub(crate) struct TestServer {
    url: String,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<enma::Result<()>>>,
    _dir: TempDir,
}

impl TestServer {
    pub(crate) async fn start() -> Self {
        Self::with(ServeConfig::default()).await
    }

    pub(crate) async fn with(config: ServeConfig) -> Self {
        Self::with_engine(config, |_| {}).await
    }

    /// A server whose engine settings `adjust` changes (allowed directories, commands).
    pub(crate) async fn with_engine(
        mut config: ServeConfig,
        adjust: impl FnOnce(&mut enma::engine::EngineConfig),
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut engine_config = enma::engine::EngineConfig::new(dir.path().join("data"));
        adjust(&mut engine_config);
        let engine = enma::open_engine(engine_config).await.unwrap();
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        let server = bind(engine, config).await.unwrap();
        let url = format!("http://{}", server.local_addr());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = rx.await;
        }));
        Self { url, client: reqwest::Client::new(), shutdown: Some(tx), task: Some(task), _dir: dir }
    }

    pub(crate) fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.url))
    }

    pub(crate) fn sql(&self, sql: &str) -> reqwest::RequestBuilder {
        self.client.post(format!("{}/v1/sql", self.url)).json(&json!({ "sql": sql }))
    }

    /// Status and JSON body of a response.
    pub(crate) async fn json(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
        (status, body)
    }

    pub(crate) async fn sql_json(&self, sql: &str) -> (StatusCode, Value) {
        Self::json(self.sql(sql)).await
    }

    /// Runs statements that must succeed.
    pub(crate) async fn exec(&self, sql: &str) -> Value {
        let (status, body) = self.sql_json(sql).await;
        assert_eq!(status, StatusCode::OK, "{sql}: {body}");
        body
    }

    pub(crate) async fn assert_alive(&self) {
        let (status, body) = Self::json(self.get("/health")).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
        let body = self.exec("SELECT 40 + 2 AS answer").await;
        assert_eq!(body["rows"], json!([[42]]));
    }

    /// Asks the server to stop and waits until it has; fails if in-flight
    /// work keeps it running.
    pub(crate) async fn stop(mut self) {
        let _ = self.shutdown.take().unwrap().send(());
        let task = self.task.take().unwrap();
        tokio::time::timeout(Duration::from_secs(20), task)
            .await
            .expect("server did not stop: some request is still running")
            .unwrap()
            .unwrap();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Checks an error response: status, JSON `{"error": {"code", "message"}}`.
fn assert_error(status: StatusCode, body: &Value, expected_status: StatusCode, expected_code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], expected_code, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn health_is_ok() {
    let server = TestServer::start().await;
    let (status, body) = TestServer::json(server.get("/health")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "ok"}));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sql_json_scalar_values() {
    let server = TestServer::start().await;
    let response = server
        .sql(
            "SELECT 1 AS i, CAST(9007199254740993 AS BIGINT) AS big, CAST(2.5 AS DOUBLE) AS d, \
             CAST('NaN' AS DOUBLE) AS nan, CAST('Infinity' AS DOUBLE) AS inf, 'say \"hi\"' AS s, true AS b, \
             CAST(NULL AS INT) AS n, CAST(1.25 AS DECIMAL(5,2)) AS dec, CAST('2024-01-31' AS DATE) AS dt, \
             CAST('2024-01-31 10:20:30.5' AS TIMESTAMP) AS ts, CAST('hi' AS BINARY) AS bin",
        )
        .send()
        .await
        .unwrap();
    let (status, content_type) = (response.status(), response.headers()["content-type"].clone());
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type, "application/json");
    let names: Vec<&str> = body["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["i", "big", "d", "nan", "inf", "s", "b", "n", "dec", "dt", "ts", "bin"]);
    let types: Vec<&str> = body["columns"].as_array().unwrap().iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "int",
            "bigint",
            "double",
            "double",
            "double",
            "string",
            "boolean",
            "int",
            "decimal(5,2)",
            "date",
            "timestamp",
            "binary"
        ]
    );
    assert_eq!(
        body["rows"],
        json!([[
            1,
            9007199254740993u64,
            2.5,
            "NaN",
            "Infinity",
            "say \"hi\"",
            true,
            null,
            "1.25",
            "2024-01-31",
            "2024-01-31 10:20:30.5",
            "aGk="
        ]])
    );
    assert_eq!(body["row_count"], 1);
    assert!(body["elapsed_ms"].is_u64(), "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sql_json_nested_values() {
    let server = TestServer::start().await;
    let body = server
        .exec("SELECT array(1, 2) AS arr, map('k', 1) AS m, named_struct('a', 1, 'b', 'z') AS st, array(map('x', array(1))) AS deep")
        .await;
    let types: Vec<&str> = body["columns"].as_array().unwrap().iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["array<int>", "map<string,int>", "struct<a:int,b:string>", "array<map<string,array<int>>>"]);
    assert_eq!(body["rows"], json!([[[1, 2], {"k": 1}, {"a": 1, "b": "z"}, [{"x": [1]}]]]));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sql_csv() {
    let server = TestServer::start().await;
    let response = server
        .sql(
            "SELECT * FROM (SELECT 1 AS id, 'a,b' AS s, CAST(NULL AS STRING) AS n, '' AS e, 'say \"hi\"' AS q \
             UNION ALL SELECT 2, 'plain', 'x', 'y', 'two\nlines') t ORDER BY id",
        )
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(
        response.text().await.unwrap(),
        "id,s,n,e,q\n1,\"a,b\",,\"\",\"say \"\"hi\"\"\"\n2,plain,x,y,\"two\nlines\"\n"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sql_arrow_ipc_stream() {
    let server = TestServer::start().await;
    let response = server
        .sql("SELECT value AS v, CAST(value AS STRING) AS s FROM range(20000)")
        .header("accept", ARROW_STREAM)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], ARROW_STREAM);
    let bytes = response.bytes().await.unwrap();
    let reader = StreamReader::try_new(Cursor::new(bytes.to_vec()), None).unwrap();
    let schema = reader.schema();
    assert_eq!(schema.field(0).name(), "v");
    assert_eq!(schema.field(1).name(), "s");
    let (mut rows, mut sum, mut batches) = (0usize, 0i64, 0);
    for batch in reader {
        let batch = batch.unwrap();
        batches += 1;
        let v = batch.column(0).as_primitive::<Int64Type>();
        let s = arrow::compute::cast(batch.column(1), &DataType::Utf8).unwrap();
        let s = s.as_string::<i32>();
        for row in 0..batch.num_rows() {
            assert_eq!(s.value(row), v.value(row).to_string());
            sum += v.value(row);
        }
        rows += batch.num_rows();
    }
    assert_eq!(rows, 20000);
    assert_eq!(sum, 19999 * 20000 / 2);
    assert!(batches > 1, "expected the result in several batches");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sql_result_of_last_statement_and_empty_result() {
    let server = TestServer::start().await;
    let body = server.exec("CREATE TABLE t (id INT, name STRING); INSERT INTO t VALUES (1, 'a'), (2, 'b'); SELECT name FROM t ORDER BY id").await;
    assert_eq!(body["rows"], json!([["a"], ["b"]]));
    let body = server.exec("SELECT name FROM t WHERE id > 5").await;
    assert_eq!(body["columns"], json!([{"name": "name", "type": "string"}]));
    assert_eq!((body["rows"].clone(), body["row_count"].clone()), (json!([]), json!(0)));
    let response = server.sql("SELECT id FROM t WHERE id > 5").header("accept", ARROW_STREAM).send().await.unwrap();
    let reader = StreamReader::try_new(Cursor::new(response.bytes().await.unwrap().to_vec()), None).unwrap();
    assert_eq!(reader.schema().field(0).name(), "id");
    assert_eq!(reader.map(|b| b.unwrap().num_rows()).sum::<usize>(), 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catalog_endpoints() {
    let server = TestServer::start().await;
    server
        .exec(
            "CREATE DATABASE sales_db COMMENT 'all sales'; \
             CREATE TABLE sales_db.sales (id INT COMMENT 'the id', amount DOUBLE) PARTITIONED BY (ds STRING) \
             STORED AS PARQUET TBLPROPERTIES ('owner' = 'ops'); \
             INSERT INTO sales_db.sales PARTITION (ds = '2024-01-01') VALUES (1, 2.5); \
             CREATE TABLE sales_db.notes (txt STRING)",
        )
        .await;

    let (status, body) = TestServer::json(server.get("/v1/databases")).await;
    assert_eq!(status, StatusCode::OK);
    let databases = body["databases"].as_array().unwrap();
    let names: Vec<&str> = databases.iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["default", "sales_db"]);
    assert_eq!(databases[1]["comment"], "all sales");
    assert!(databases[1]["location"].as_str().unwrap().contains("sales_db"), "{body}");

    let (status, body) = TestServer::json(server.get("/v1/databases/sales_db/tables")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"tables": ["notes", "sales"]}));

    let (status, body) = TestServer::json(server.get("/v1/databases/sales_db/tables/sales")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["columns"],
        json!([{"name": "id", "type": "int", "comment": "the id"}, {"name": "amount", "type": "double", "comment": null}])
    );
    assert_eq!(body["partition_columns"], json!([{"name": "ds", "type": "string", "comment": null}]));
    assert_eq!(body["format"], "PARQUET");
    assert_eq!(body["kind"], "MANAGED_TABLE");
    assert_eq!(body["properties"]["owner"], "ops");
    assert!(body["location"].as_str().unwrap().ends_with("sales"), "{body}");
    let partitions = body["partitions"].as_array().unwrap();
    assert_eq!(partitions.len(), 1);
    assert_eq!(partitions[0]["values"], json!(["2024-01-01"]));
    assert!(partitions[0]["location"].as_str().unwrap().contains("ds=2024-01-01"), "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_errors_are_json() {
    let server = TestServer::start().await;
    let (status, body) = server.sql_json("SELEC 1").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "parse_error");
    let (status, body) = server.sql_json("SELECT no_such_column FROM range(3)").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "plan_error");

    let unknown_db =
        server.client.post(format!("{}/v1/sql", server.url)).json(&json!({"sql": "SELECT 1", "database": "nope"}));
    let (status, body) = TestServer::json(unknown_db).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = server.sql_json("SELECT * FROM no_such_table").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = TestServer::json(server.get("/v1/databases/nope/tables")).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = TestServer::json(server.get("/v1/databases/default/tables/nope")).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = TestServer::json(server.get("/v1/nothing/here")).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = TestServer::json(server.get("/v1/sql")).await;
    assert_error(status, &body, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");

    let post = |body: &'static str| server.client.post(format!("{}/v1/sql", server.url)).body(body);
    for bad in [
        "{\"sql\": ",
        "[]",
        "{}",
        "{\"sql\": 5}",
        "{\"sql\": \"  ; \"}",
        "{\"sql\": \"SELECT 1\", \"databse\": \"x\"}",
        "",
    ] {
        let (status, body) = TestServer::json(post(bad)).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    }
    let (status, body) = TestServer::json(server.sql("SELECT 1").header("accept", "image/png")).await;
    assert_error(status, &body, StatusCode::NOT_ACCEPTABLE, "not_acceptable");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn create_twice_is_conflict() {
    let server = TestServer::start().await;
    server.exec("CREATE TABLE twice (id INT)").await;
    let (status, body) = server.sql_json("CREATE TABLE twice (id INT)").await;
    assert_error(status, &body, StatusCode::CONFLICT, "already_exists");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn body_over_limit_is_413() {
    let server = TestServer::start().await;
    let sql = format!("SELECT '{}'", "x".repeat(1024 * 1024));
    let (status, body) = server.sql_json(&sql).await;
    assert_error(status, &body, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // Just under the limit is fine.
    let body = server.exec(&format!("SELECT length('{}') AS n", "x".repeat(1000 * 1000))).await;
    assert_eq!(body["rows"], json!([[1000000]]));
    server.assert_alive().await;
    server.stop().await;
}

#[test]
fn slow_query_times_out_with_504() {
    on_named_runtime(async {
        let server = TestServer::with_engine(
            ServeConfig { query_timeout: Some(Duration::from_millis(500)), ..Default::default() },
            |c| c.query_thread_name = RUNTIME_THREADS.into(),
        )
        .await;
        let started = Instant::now();
        let (status, body) = server.sql_json(SLOW_SQL).await;
        assert_error(status, &body, StatusCode::GATEWAY_TIMEOUT, "timeout");
        assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
        // The timed-out query was dropped: it stops using the CPU.
        assert_goes_idle().await;
        server.assert_alive().await;
        server.stop().await;
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timeout_while_streaming_aborts_the_body() {
    let server =
        TestServer::with(ServeConfig { query_timeout: Some(Duration::from_millis(1000)), ..Default::default() }).await;
    let response = server.sql("SELECT * FROM range(100000000000)").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let started = Instant::now();
    let body = response.bytes().await;
    assert!(body.is_err(), "a result cut by the timeout must not arrive as a complete body");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    server.assert_alive().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn data_error_before_the_first_byte_is_400() {
    let server = TestServer::start().await;
    // A value a cast refuses is the request's fault, not the server's.
    let sql = "SELECT arrow_cast(CASE WHEN value < 0 THEN '1' ELSE 'x' END, 'Int32') AS v FROM range(10)";
    for accept in ["application/json", "text/csv", ARROW_STREAM] {
        let (status, body) = TestServer::json(server.sql(sql).header("accept", accept)).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_data");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn error_while_streaming_aborts_the_body() {
    let server = TestServer::start().await;
    // Fails at row 900000 (DataFusion's arrow_cast refuses 'x' as an int), long after the first batch was sent.
    let sql = "SELECT arrow_cast(CASE WHEN value < 900000 THEN '1' ELSE 'x' END, 'Int32') AS v FROM range(1000000)";
    for accept in ["application/json", "text/csv", ARROW_STREAM] {
        let response = server.sql(sql).header("accept", accept).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{accept}");
        assert!(response.bytes().await.is_err(), "{accept}: a failed result must not arrive as a complete body");
    }
    server.assert_alive().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn token_is_required_when_configured() {
    let server = TestServer::with(ServeConfig { token: Some("s3cret".into()), ..Default::default() }).await;
    let (status, _) = TestServer::json(server.get("/health")).await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = TestServer::json(server.get("/v1/databases")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, body) = TestServer::json(server.get("/v1/databases").bearer_auth("wrong")).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, body) = server.sql_json("SELECT 1").await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");

    let (status, _) = TestServer::json(server.get("/v1/databases").bearer_auth("s3cret")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = TestServer::json(server.sql("SELECT 1 AS one").bearer_auth("s3cret")).await;
    assert_eq!((status, body["rows"].clone()), (StatusCode::OK, json!([[1]])));
    server.stop().await;
}

#[tokio::test]
async fn public_address_without_token_is_refused() {
    let (engine, _dir) = temp_engine().await;
    let config = ServeConfig { listen: SocketAddr::from(([0, 0, 0, 0], 0)), ..Default::default() };
    let err = bind(engine.clone(), config.clone()).await.err().expect("refused");
    assert_eq!(err.kind(), enma::ErrorKind::Forbidden);
    assert!(err.message().contains("token"), "{err}");
    let with_token = ServeConfig { token: Some("t".into()), ..config };
    assert!(bind(engine, with_token).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn server_survives_bad_input() {
    let server = TestServer::start().await;
    let post = |body: Vec<u8>| server.client.post(format!("{}/v1/sql", server.url)).body(body);
    let deep = format!("SELECT {}1{}", "(".repeat(20000), ")".repeat(20000));
    let inputs: Vec<Vec<u8>> = vec![
        b"{\"sql\": \"\xff\xfe\"}".to_vec(),
        b"\x00\x01\x02".to_vec(),
        serde_json::to_vec(&json!({"sql": deep})).unwrap(),
        serde_json::to_vec(&json!({"sql": "SELECT 'unterminated"})).unwrap(),
        serde_json::to_vec(&json!({"sql": "SELECT 1; DROP"})).unwrap(),
        serde_json::to_vec(&json!({"sql": "SELECT CAST('x' AS DECIMAL(99, 200))"})).unwrap(),
        serde_json::to_vec(&json!({"sql": "SELECT 1", "database": "../../etc"})).unwrap(),
    ];
    for input in inputs {
        let response = post(input).send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_client_error() || status == StatusCode::OK, "{status}: {body}");
        if status != StatusCode::OK {
            assert!(body["error"]["code"].is_string(), "{body}");
        }
    }
    server.assert_alive().await;
    server.stop().await;
}

#[test]
fn disconnecting_client_cancels_its_query() {
    on_named_runtime(async {
        let server =
            TestServer::with_engine(ServeConfig::default(), |c| c.query_thread_name = RUNTIME_THREADS.into()).await;
        // Before the first byte: the client goes away while the query computes.
        let request = tokio::spawn(server.sql(SLOW_SQL).send());
        assert_goes_busy().await;
        request.abort();
        assert_goes_idle().await;

        // While streaming: the client reads a little of an endless result, then leaves.
        let response = server.sql("SELECT * FROM range(100000000000)").send().await.unwrap();
        let mut body = response.bytes_stream();
        assert!(body.next().await.unwrap().is_ok());
        drop(body);
        server.assert_alive().await;
        // Graceful shutdown waits for running requests; it ends only if both queries were dropped.
        server.stop().await;
    });
}

/// Name of the threads of the runtime built by [`on_named_runtime`] (at most
/// 15 bytes, Linux's limit for thread names).
const RUNTIME_THREADS: &str = "enma-api-cancel";

/// Runs a test on its own runtime whose threads carry a name, so the CPU time
/// of the server it starts (queries included) can be measured.
fn on_named_runtime(test: impl Future<Output = ()>) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(RUNTIME_THREADS)
        .enable_all()
        .build()
        .unwrap()
        .block_on(test);
}

/// CPU seconds the named runtime's threads use during `window`.
async fn cpu_seconds_within(window: Duration) -> f64 {
    let before = runtime_cpu_seconds();
    tokio::time::sleep(window).await;
    runtime_cpu_seconds() - before
}

/// Fails unless the named runtime's threads start working within a few
/// seconds (the machine may be busy with other tests).
async fn assert_goes_busy() {
    let mut used = 0.0;
    for _ in 0..10 {
        used = cpu_seconds_within(Duration::from_millis(500)).await;
        if used > 0.15 {
            return;
        }
    }
    panic!("the query should be running: {used} CPU seconds in 0.5 s");
}

/// Fails unless the named runtime's threads go (nearly) idle within a few seconds.
async fn assert_goes_idle() {
    let mut used = f64::MAX;
    for _ in 0..10 {
        used = cpu_seconds_within(Duration::from_millis(500)).await;
        if used < 0.1 {
            return;
        }
    }
    panic!("a cancelled query is still running: {used} CPU seconds in 0.5 s");
}

/// User + system CPU seconds of this process's threads named [`RUNTIME_THREADS`], from /proc.
fn runtime_cpu_seconds() -> f64 {
    let mut ticks = 0u64;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        if name.trim_end() != RUNTIME_THREADS {
            continue;
        }
        // Fields after "(comm) ": state, ppid, ..., utime is the 12th, stime the 13th.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split_whitespace().collect();
        ticks += fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    }
    // USER_HZ is 100 on every Linux configuration this runs on.
    ticks as f64 / 100.0
}

/// Ten million rows through the JSON encoder: the body is counted as it
/// arrives, and neither side holds the whole result.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_million_rows_stream_as_json() {
    const ROWS: u64 = 10_000_000;
    let server = TestServer::start().await;
    let started = Instant::now();
    let response = server.sql(&format!("SELECT * FROM range({ROWS})")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.bytes_stream();
    let (mut newlines, mut bytes, mut tail) = (0u64, 0u64, Vec::new());
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        bytes += chunk.len() as u64;
        newlines += bytecount(&chunk);
        tail.extend_from_slice(&chunk[chunk.len().saturating_sub(200)..]);
        let keep = tail.len().saturating_sub(200);
        tail.drain(..keep);
    }
    // One line per row, plus the line ending the rows and the final newline.
    assert_eq!(newlines, ROWS + 2);
    let tail = String::from_utf8(tail).unwrap();
    let end: Value = serde_json::from_str(&format!("{{{}", &tail[tail.rfind("\"row_count\"").unwrap()..])).unwrap();
    assert_eq!(end["row_count"], ROWS);
    eprintln!("{ROWS} rows, {bytes} bytes of JSON in {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
    server.stop().await;
}

fn bytecount(chunk: &[u8]) -> u64 {
    chunk.split(|&b| b == b'\n').count() as u64 - 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn user_functions_over_rest() {
    let server = TestServer::start().await;
    let body = server
        .exec(
            "SELECT heating_degree_days(2, 10) AS hdd, cooling_degree_days(20, 30, 22) AS cdd, \
             tariff_period('2024-01-15 18:30:00') AS period",
        )
        .await;
    assert_eq!(body["rows"], json!([[12.0, 3.0, "peak"]]));
    let body = server.exec("SELECT load_factor(kw) AS lf FROM (VALUES (1.0), (2.0), (4.0)) t(kw)").await;
    assert_eq!(body["rows"], json!([[7.0 / 12.0]]));
    let body = server
        .exec(
            "SELECT h.hour, h.kwh FROM (SELECT CAST('2024-01-01 10:30:00' AS TIMESTAMP) AS t0, \
             CAST('2024-01-01 12:00:00' AS TIMESTAMP) AS t1, 3.0 AS kwh) r \
             LATERAL VIEW split_hourly(r.t0, r.t1, r.kwh) h AS hour, kwh ORDER BY h.hour",
        )
        .await;
    assert_eq!(body["rows"], json!([["2024-01-01 10:00:00", 1.0], ["2024-01-01 11:00:00", 2.0]]));
    // A permanent binding made over REST is seen by later requests (each has its own session).
    server.exec("CREATE FUNCTION hdd AS 'enma.energy.HeatingDegreeDays'").await;
    let body = server.exec("SELECT hdd(0, 10) AS d").await;
    assert_eq!(body["rows"], json!([[13.0]]));

    let (status, body) = TestServer::json(server.get("/v1/functions?like=*degree_days")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let names: Vec<&str> = body["functions"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["cooling_degree_days", "heating_degree_days"]);
    assert_eq!(body["functions"][0]["kind"], "scalar");
    assert!(
        body["functions"][0]["usage"].as_str().unwrap().starts_with("cooling_degree_days(tmin, tmax[, base]) - "),
        "{body}"
    );

    let (status, body) = TestServer::json(server.get("/v1/functions/load_factor")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kind"], "aggregate");
    assert!(
        body["extended"].as_array().unwrap().iter().any(|l| l.as_str().unwrap().contains("SELECT load_factor")),
        "{body}"
    );
    let (status, body) = TestServer::json(server.get("/v1/functions/split_hourly")).await;
    assert_eq!((status, &body["kind"]), (StatusCode::OK, &json!("table")), "{body}");
    let (status, body) = TestServer::json(server.get("/v1/functions/no_such_function")).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cluster_status_is_local_without_a_scheduler_and_503_when_unreachable() {
    let server = TestServer::start().await;
    let (status, body) = TestServer::json(server.get("/v1/cluster")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "mode": "local" }));

    // A scheduler that is not there: a clear 503, not a hang or a 500.
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = enma::engine::EngineConfig::new(dir.path());
    config.scheduler = Some(format!("df://127.0.0.1:{port}"));
    let engine = enma::open_engine(config).await.unwrap();
    let server = bind(engine, ServeConfig { listen: SocketAddr::from(([127, 0, 0, 1], 0)), ..Default::default() })
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr());
    let task = tokio::spawn(server.run(std::future::pending()));
    let response = reqwest::get(format!("{url}/v1/cluster")).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("unreachable"), "{body}");
    // A query there: the same 503, naming the scheduler.
    let response = reqwest::Client::new()
        .post(format!("{url}/v1/sql"))
        .json(&json!({ "sql": "SELECT count(*) FROM (SELECT 1 AS a UNION ALL SELECT 2) t" }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("cannot reach the cluster's scheduler"), "{body}");
    task.abort();
}
