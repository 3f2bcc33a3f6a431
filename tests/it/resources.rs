//! The Eve-compatible resources (issue 18), replayed against the gold files
//! real Eve 2.3.1 recorded (tests/resources): each scenario on a fresh
//! server, on the embedded store and on MongoDB (the stand-in, or
//! `MONGODB_URI`'s server). Steps known to differ are listed, with the
//! reason, in tests/resources/known.json; any other difference fails, and
//! so does a known step that starts to match.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use enma_docstore::testing::MongoServer;
use enma_docstore::{DocumentStore, Embedded, EmbeddedOptions, Mongo};

fn resources_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/resources")
}

/// Serves `scenario`'s settings over `store` on a free port; the base URL.
async fn serve(scenario: &str, store: Arc<dyn DocumentStore>) -> String {
    let text = std::fs::read_to_string(resources_dir().join("scenarios").join(format!("{scenario}.json"))).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let settings = enma_resources::Settings::from_value(&value["settings"]).unwrap();
    let router = enma_resources::router(settings, store, &Default::default()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await
    });
    base
}

/// Runs replay.py for `scenario` against `base`; panics with its report when it fails.
async fn replay(scenario: &str, base: &str, backend: &str) {
    let python = std::env::var("ENMA_TEST_PYTHON").expect("ENMA_TEST_PYTHON: run the tests with tests/run.sh");
    let dir = resources_dir();
    let output = tokio::process::Command::new(python)
        .arg(dir.join("replay.py"))
        .arg("--base")
        .arg(base)
        .arg("--known")
        .arg(dir.join("known.json"))
        .arg(scenario)
        .output()
        .await
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    let summary = report.lines().rfind(|l| l.starts_with("replay ")).unwrap_or("(no summary)");
    println!("{backend}: {summary}");
    assert!(
        output.status.success(),
        "{backend}: the replay of {scenario} differs from Eve's gold file:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn replay_on_both_backends(scenario: &str) {
    let dir = tempfile::tempdir().unwrap();
    let embedded = Embedded::open(dir.path(), EmbeddedOptions::default()).unwrap();
    let base = serve(scenario, Arc::new(embedded)).await;
    replay(scenario, &base, "embedded").await;

    let server = MongoServer::start();
    let mongo = Mongo::connect(&server.fresh_database_uri(), None).await.unwrap();
    let base = serve(scenario, Arc::new(mongo)).await;
    replay(scenario, &base, "mongodb").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crud_answers_as_eve() {
    replay_on_both_backends("crud").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_answer_as_eve() {
    replay_on_both_backends("query").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_answers_as_eve() {
    replay_on_both_backends("validation").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_shape_the_api_as_eve() {
    replay_on_both_backends("settings").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_settings_shape_the_api_as_eve() {
    replay_on_both_backends("settings_alt").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_roles_and_auth_field_answer_as_eve() {
    replay_on_both_backends("auth").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_auth_answers_as_eve() {
    replay_on_both_backends("auth_token").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soft_delete_answers_as_eve() {
    replay_on_both_backends("soft_delete").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versioning_answers_as_eve() {
    replay_on_both_backends("versioning").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregation_endpoints_answer_as_eve() {
    replay_on_both_backends("aggregation").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xml_and_caching_answer_as_eve() {
    for scenario in ["representation", "representation_xml_only"] {
        replay_on_both_backends(scenario).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_answer_as_eve() {
    replay_on_both_backends("ratelimit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oplog_answers_as_eve() {
    for scenario in ["oplog", "oplog_auth", "oplog_noaudit"] {
        replay_on_both_backends(scenario).await;
    }
}

/// A child process killed when the test ends, passed or not.
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_listening(port: u16, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(std::time::Instant::now() < deadline, "{what} does not listen on {port}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

const METERS_YAML: &str = r#"# An Eve settings file, as YAML.
RESOURCE_METHODS: [GET, POST, DELETE]
ITEM_METHODS: [GET, PATCH, PUT, DELETE]
DOMAIN:
  readings:
    schema:
      meter: {type: string, required: true}
      kwh: {type: number, min: 0}
      read_at: {type: datetime}
      tags: {type: list}
  notes:
    versioning: true
    soft_delete: true
    schema:
      text: {type: string}
      views: {type: integer, versioned: false}
"#;

/// `enma serve` of the SQL API on `sql_port` and the resources of `settings` on `api_port`.
fn enma_serve(data_dir: &Path, settings: &Path, sql_port: u16, api_port: u16) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_enma"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{sql_port}")])
        .arg("--resources")
        .arg(settings)
        .args(["--resources-listen", &format!("127.0.0.1:{api_port}")])
        .stderr(std::process::Stdio::null());
    command
}

async fn json_of(response: reqwest::Response) -> serde_json::Value {
    assert!(response.status().is_success(), "{} {:?}", response.status(), response.url());
    response.json().await.unwrap()
}

/// The Done-when point of issue 18: `enma serve --resources FILE
/// --mongodb-uri URI` serves what Eve 2.3.1 wrote, and Eve serves what ENMA
/// wrote, on one MongoDB database; a document another tool wrote without
/// Eve's meta fields is served by both alike, with the same computed ETag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eve_and_enma_serve_one_mongodb_database() {
    let dir = tempfile::tempdir().unwrap();
    let mongo = MongoServer::start();
    let uri = mongo.fresh_database_uri();
    let yaml = dir.path().join("meters.yaml");
    std::fs::write(&yaml, METERS_YAML).unwrap();
    let (sql_port, enma_port, eve_port) =
        (crate::common::free_port(), crate::common::free_port(), crate::common::free_port());
    let _enma = Process(
        enma_serve(&dir.path().join("data"), &yaml, sql_port, enma_port).args(["--mongodb-uri", &uri]).spawn().unwrap(),
    );
    // Eve reads the same settings (as JSON, with its MONGO_URI).
    let eve_settings = dir.path().join("eve.json");
    let settings: serde_json::Value = serde_json::json!({
        "MONGO_URI": uri,
        "RESOURCE_METHODS": ["GET", "POST", "DELETE"],
        "ITEM_METHODS": ["GET", "PATCH", "PUT", "DELETE"],
        "DOMAIN": {"readings": {"schema": {
            "meter": {"type": "string", "required": true},
            "kwh": {"type": "number", "min": 0},
            "read_at": {"type": "datetime"},
            "tags": {"type": "list"}}},
                   "notes": {"versioning": true, "soft_delete": true, "schema": {
            "text": {"type": "string"},
            "views": {"type": "integer", "versioned": false}}}}
    });
    std::fs::write(&eve_settings, settings.to_string()).unwrap();
    let python = std::env::var("ENMA_TEST_PYTHON").expect("ENMA_TEST_PYTHON: run the tests with tests/run.sh");
    let _eve = Process(
        std::process::Command::new(&python)
            .arg(resources_dir().join("eve_server.py"))
            .arg(&eve_settings)
            .args(["127.0.0.1", &eve_port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_listening(enma_port, "enma serve --resources").await;
    wait_listening(eve_port, "Eve").await;
    let enma = format!("http://127.0.0.1:{enma_port}");
    let eve = format!("http://127.0.0.1:{eve_port}");
    let http = reqwest::Client::new();

    // ENMA writes; Eve reads it back field for field, ETag included.
    let readings = serde_json::json!([
        {"meter": "m-1", "kwh": 1.5, "read_at": "Tue, 01 Dec 2026 10:00:00 GMT", "tags": ["a"]},
        {"meter": "m-2", "kwh": 20, "read_at": "Tue, 01 Dec 2026 11:00:00 GMT"}
    ]);
    let posted = json_of(http.post(format!("{enma}/readings")).json(&readings).send().await.unwrap()).await;
    let first = posted["_items"][0]["_id"].as_str().unwrap().to_string();
    let etag = posted["_items"][0]["_etag"].as_str().unwrap().to_string();
    let from_eve = json_of(http.get(format!("{eve}/readings/{first}")).send().await.unwrap()).await;
    let from_enma = json_of(http.get(format!("{enma}/readings/{first}")).send().await.unwrap()).await;
    assert_eq!(from_eve, from_enma);
    assert_eq!(from_eve["_etag"], serde_json::json!(etag));
    assert_eq!(from_eve["read_at"], "Tue, 01 Dec 2026 10:00:00 GMT");

    // Eve accepts ENMA's ETag, and ENMA accepts the one Eve's update made.
    let patched = http
        .patch(format!("{eve}/readings/{first}"))
        .header("If-Match", &etag)
        .json(&serde_json::json!({"kwh": 2.5}))
        .send()
        .await
        .unwrap();
    let patched = json_of(patched).await;
    let eve_etag = patched["_etag"].as_str().unwrap().to_string();
    let patched = http
        .patch(format!("{enma}/readings/{first}"))
        .header("If-Match", format!("\"{eve_etag}\""))
        .json(&serde_json::json!({"tags": ["b"]}))
        .send()
        .await
        .unwrap();
    json_of(patched).await;

    // Eve writes; ENMA serves it.
    let posted = http
        .post(format!("{eve}/readings"))
        .json(&serde_json::json!({"meter": "m-3", "kwh": 3, "read_at": "Wed, 02 Dec 2026 09:30:00 GMT"}))
        .send()
        .await
        .unwrap();
    json_of(posted).await;

    // A document another tool wrote, without _etag, _created or _updated.
    let script = format!(
        "import pymongo; pymongo.MongoClient({uri:?}).get_default_database().readings.insert_one({{'meter': 'raw', 'kwh': 7.25}})"
    );
    let status = std::process::Command::new(&python).args(["-c", &script]).status().unwrap();
    assert!(status.success());

    // Both serve the whole collection alike: same documents, ETags, dates and links.
    let page = "readings?sort=meter";
    let from_eve = json_of(http.get(format!("{eve}/{page}")).send().await.unwrap()).await;
    let from_enma = json_of(http.get(format!("{enma}/{page}")).send().await.unwrap()).await;
    assert_eq!(from_eve["_meta"]["total"], 4);
    assert_eq!(from_eve, from_enma);
    let raw = from_enma["_items"].as_array().unwrap().iter().find(|d| d["meter"] == "raw").unwrap();
    assert_eq!(raw["_created"], "Thu, 01 Jan 1970 00:00:00 GMT");

    // The computed ETag of the raw document is one a later If-Match accepts.
    let raw_id = raw["_id"].as_str().unwrap();
    let raw_etag = raw["_etag"].as_str().unwrap();
    let patched = http
        .patch(format!("{enma}/readings/{raw_id}"))
        .header("If-Match", raw_etag)
        .json(&serde_json::json!({"kwh": 8}))
        .send()
        .await
        .unwrap();
    json_of(patched).await;
    let from_eve = json_of(http.get(format!("{eve}/readings/{raw_id}")).send().await.unwrap()).await;
    let from_enma = json_of(http.get(format!("{enma}/readings/{raw_id}")).send().await.unwrap()).await;
    assert_eq!(from_eve, from_enma);
    assert_eq!(from_eve["kwh"], 8);

    // Versions and soft deletes: each server writes in turn, and both read
    // the shadow collection and the deleted document alike.
    let note = json_of(
        http.post(format!("{enma}/notes")).json(&serde_json::json!({"text": "one", "views": 1})).send().await.unwrap(),
    )
    .await;
    let id = note["_id"].as_str().unwrap().to_string();
    let mut tag = note["_etag"].as_str().unwrap().to_string();
    for (server, text) in [(&eve, "two"), (&enma, "three"), (&eve, "four")] {
        let patched = http
            .patch(format!("{server}/notes/{id}"))
            .header("If-Match", &tag)
            .json(&serde_json::json!({"text": text}))
            .send()
            .await
            .unwrap();
        tag = json_of(patched).await["_etag"].as_str().unwrap().to_string();
    }
    let deleted = http.delete(format!("{enma}/notes/{id}")).header("If-Match", &tag).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    for query in ["", "?version=2", "?version=all", "?version=diffs", "?version=all&max_results=2&page=2"] {
        let from_eve = http.get(format!("{eve}/notes/{id}{query}")).send().await.unwrap();
        let from_enma = http.get(format!("{enma}/notes/{id}{query}")).send().await.unwrap();
        assert_eq!(from_eve.status(), from_enma.status(), "{query}");
        assert_eq!(from_eve.headers().get("etag"), from_enma.headers().get("etag"), "{query}");
        let (from_eve, from_enma): (serde_json::Value, serde_json::Value) =
            (from_eve.json().await.unwrap(), from_enma.json().await.unwrap());
        assert_eq!(from_eve, from_enma, "{query}");
    }
    let all = json_of(http.get(format!("{enma}/notes/{id}?version=all")).send().await.unwrap()).await;
    assert_eq!(all["_meta"]["total"], 5);
    assert_eq!(all["_items"][4]["_deleted"], true);
}

/// Bad input gets Eve's error envelope and a 4xx, never a 5xx or a crash:
/// documents nested past MongoDB's 100 levels or past the JSON reader's
/// bound, a body past the limit, `$where` smuggled through Eve's Python
/// syntax, and deeply nested filters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_eves_errors_never_a_5xx() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn DocumentStore> = Arc::new(Embedded::open(dir.path(), EmbeddedOptions::default()).unwrap());
    let settings = serde_json::json!({
        "RESOURCE_METHODS": ["GET", "POST"], "ITEM_METHODS": ["GET", "PATCH"],
        "DOMAIN": {"loose": {"allow_unknown": true, "schema": {"a": {"type": "integer"}}}}
    });
    let settings = enma_resources::Settings::from_value(&settings).unwrap();
    let config = enma_resources::ResourcesConfig { body_limit: 64 << 10 };
    let router = enma_resources::router(settings, store, &config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let http = reqwest::Client::new();

    let nested = |depth: usize| format!("{{\"x\": {}1{}}}", "{\"y\": ".repeat(depth), "}".repeat(depth));
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        (
            "101 levels",
            http.post(format!("{base}/loose")).header("Content-Type", "application/json").body(nested(101)),
            400,
        ),
        (
            "5000 levels",
            http.post(format!("{base}/loose")).header("Content-Type", "application/json").body(nested(5000)),
            400,
        ),
        (
            "a body past the limit",
            http.post(format!("{base}/loose"))
                .header("Content-Type", "application/json")
                .body(format!("{{\"s\": \"{}\"}}", "x".repeat(100 << 10))),
            413,
        ),
        ("$where in Python syntax", http.get(format!("{base}/loose?where=\"$where\"==\"sleep(100)\"")), 400),
        ("$where in JSON", http.get(format!("{base}/loose?where={{\"$where\":\"sleep(100)\"}}")), 400),
        (
            "a deep filter",
            http.get(format!("{base}/loose?where={}{{\"a\":1}}{}", "{\"$and\":[".repeat(3000), "]}".repeat(3000))),
            400,
        ),
        (
            "a deep Python filter",
            http.get(format!("{base}/loose?where={}a==1{}", "(".repeat(3000), ")".repeat(3000))),
            400,
        ),
        ("an unknown operator", http.get(format!("{base}/loose?where={{\"a\":{{\"$bogus\":1}}}}")), 400),
        ("a sort that does not parse", http.get(format!("{base}/loose?sort=[(\"a\",")), 400),
    ];
    for (what, request, status) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{what}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["_status"], "ERR", "{what}: {body}");
        assert_eq!(body["_error"]["code"], status, "{what}: {body}");
    }
    // 100 levels are fine, and the server still answers.
    let response = http
        .post(format!("{base}/loose"))
        .header("Content-Type", "application/json")
        .body(nested(99))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

/// Off loopback the resources need `AUTH`; with it, a request without
/// credentials gets Eve's 401 and one with them gets through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_loopback_only_with_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn DocumentStore> = Arc::new(Embedded::open(dir.path(), EmbeddedOptions::default()).unwrap());
    let open = serde_json::json!({"DOMAIN": {"meters": {}}});
    let settings = enma_resources::Settings::from_value(&open).unwrap();
    let anywhere: std::net::SocketAddr = "0.0.0.0:0".parse().unwrap();
    let refused = enma_resources::bind(anywhere, settings, store.clone(), Default::default()).await;
    let message = refused.err().expect("an open API off loopback is refused").to_string();
    assert!(message.contains("without authentication"), "{message}");

    // bcrypt of "s3cret" at cost 4, made with Python's bcrypt.
    let hash = "$2b$04$JmqOoNVeAbxIbVsGyjZ8FuYKZNLdzyk/AcM7Zukx3bYzKnwMIKh12";
    let guarded = serde_json::json!({"AUTH": {"users": [{"username": "ann", "password": hash}]},
                                     "DOMAIN": {"meters": {}}});
    let settings = enma_resources::Settings::from_value(&guarded).unwrap();
    let server = enma_resources::bind(anywhere, settings, store, Default::default()).await.unwrap();
    let port = enma_service::Service::local_addr(&server).port();
    let shutdown = enma_service::Shutdown::new();
    tokio::spawn(enma_service::Service::serve(Box::new(server), shutdown.clone()));
    let url = format!("http://127.0.0.1:{port}/meters");
    let client = reqwest::Client::new();
    let denied = client.get(&url).send().await.unwrap();
    assert_eq!(denied.status(), 401);
    assert_eq!(denied.headers()["www-authenticate"], "Basic realm=\"eve\"");
    let wrong = client.get(&url).basic_auth("ann", Some("guess")).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let ok = client.get(&url).basic_auth("ann", Some("s3cret")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    shutdown.cancel();
}

/// Readings POSTed to the resource API are rows of `resources.readings` in
/// the next HiveQL query of the same `enma serve`; `INSERT INTO` writes
/// documents the API serves with Eve's meta fields; conditions go to the
/// store (EXPLAIN shows them). On the embedded store and on MongoDB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_are_hiveql_tables_on_both_backends() {
    let mongo = MongoServer::start();
    for backend in ["embedded", "mongodb"] {
        let dir = tempfile::tempdir().unwrap();
        let yaml = dir.path().join("meters.yaml");
        std::fs::write(&yaml, METERS_YAML).unwrap();
        let (sql_port, api_port) = (crate::common::free_port(), crate::common::free_port());
        let mut command = enma_serve(&dir.path().join("data"), &yaml, sql_port, api_port);
        if backend == "mongodb" {
            command.args(["--mongodb-uri", &mongo.fresh_database_uri()]);
        }
        let _enma = Process(command.spawn().unwrap());
        wait_listening(api_port, "enma serve --resources").await;
        wait_listening(sql_port, "enma serve").await;
        let api = format!("http://127.0.0.1:{api_port}");
        let http = reqwest::Client::new();
        let sql = |text: String| {
            let http = http.clone();
            async move {
                let response = http
                    .post(format!("http://127.0.0.1:{sql_port}/v1/sql"))
                    .json(&serde_json::json!({"sql": text}))
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let body: serde_json::Value = response.json().await.unwrap();
                assert!(status.is_success(), "{backend}: {text}: {body}");
                body
            }
        };

        let readings = serde_json::json!([
            {"meter": "m-1", "kwh": 1.5, "read_at": "Tue, 01 Dec 2026 10:00:00 GMT"},
            {"meter": "m-1", "kwh": 2.5, "read_at": "Tue, 01 Dec 2026 11:00:00 GMT"},
            {"meter": "m-2", "kwh": 4, "read_at": "Tue, 01 Dec 2026 10:00:00 GMT", "tags": ["x"]}
        ]);
        json_of(http.post(format!("{api}/readings")).json(&readings).send().await.unwrap()).await;
        let totals =
            sql("SELECT meter, sum(kwh), count(*) FROM resources.readings GROUP BY meter ORDER BY meter".into()).await;
        assert_eq!(totals["rows"], serde_json::json!([["m-1", 4.0, 2], ["m-2", 4.0, 1]]), "{backend}");
        let hours = sql(
            "SELECT hour(read_at), kwh FROM resources.readings WHERE meter = 'm-1' AND read_at >= '2026-12-01 11:00:00'"
                .into(),
        )
        .await;
        assert_eq!(hours["rows"], serde_json::json!([[11, 2.5]]), "{backend}");
        let plan = sql("EXPLAIN SELECT kwh FROM resources.readings WHERE meter = 'm-2'".into()).await;
        assert!(plan.to_string().contains("partial_filters"), "{backend}: {plan}");

        // INSERT INTO goes through the resource's POST: validated, with Eve's meta fields.
        sql("INSERT INTO resources.readings (meter, kwh, read_at) VALUES ('m-3', 7.0, '2026-12-02 08:30:00')".into())
            .await;
        let page = json_of(http.get(format!("{api}/readings?where={{\"meter\":\"m-3\"}}")).send().await.unwrap()).await;
        let doc = &page["_items"][0];
        assert_eq!(doc["kwh"], 7.0, "{backend}");
        assert_eq!(doc["read_at"], "Wed, 02 Dec 2026 08:30:00 GMT", "{backend}");
        assert_eq!(doc["_etag"].as_str().map(str::len), Some(40), "{backend}");
        let refused = http
            .post(format!("http://127.0.0.1:{sql_port}/v1/sql"))
            .json(&serde_json::json!({"sql": "INSERT INTO resources.readings (meter, kwh) VALUES ('m-4', -1.0)"}))
            .send()
            .await
            .unwrap();
        assert!(refused.status().is_client_error(), "{backend}: a reading Eve's schema refuses");
        let count = sql("SELECT count(*) FROM resources.readings".into()).await;
        assert_eq!(count["rows"], serde_json::json!([[4]]), "{backend}");
    }
}

/// The stores a test's servers use, kept until the test ends.
struct Stores {
    _dir: tempfile::TempDir,
    _mongo: MongoServer,
}

/// Serves `settings` in this process on each backend (embedded, then
/// MongoDB); each backend's name and base URL.
async fn serve_on_both_backends(settings: &serde_json::Value) -> (Vec<(&'static str, String)>, Stores) {
    let dir = tempfile::tempdir().unwrap();
    let mongo = MongoServer::start();
    let stores: Vec<(&str, Arc<dyn DocumentStore>)> = vec![
        ("embedded", Arc::new(Embedded::open(dir.path(), EmbeddedOptions::default()).unwrap())),
        ("mongodb", Arc::new(Mongo::connect(&mongo.fresh_database_uri(), None).await.unwrap())),
    ];
    let mut servers = Vec::new();
    for (backend, store) in stores {
        let settings = enma_resources::Settings::from_value(settings).unwrap();
        let router = enma_resources::router(settings, store, &Default::default()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        servers.push((backend, format!("http://{}", listener.local_addr().unwrap())));
        tokio::spawn(async move { axum::serve(listener, router).await });
    }
    (servers, Stores { _dir: dir, _mongo: mongo })
}

/// Beyond Eve: keyset pages (`?after=`) walk a sorted collection without
/// skipping or repeating documents while it changes, and `?count=` says
/// whether and how the total is counted. On both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyset_pages_and_count_modes() {
    let settings = serde_json::json!({
        "RESOURCE_METHODS": ["GET", "POST"], "PAGINATION_LIMIT": 100,
        "DOMAIN": {"readings": {"schema": {"meter": {"type": "string"}, "n": {"type": "integer"}}}}
    });
    let (servers, _stores) = serve_on_both_backends(&settings).await;
    for (backend, base) in servers {
        let http = reqwest::Client::new();
        // 45 readings, n repeating (ties the cursor must break by id).
        let docs: Vec<serde_json::Value> =
            (0..45).map(|i| serde_json::json!({"meter": format!("m{i}"), "n": i % 9})).collect();
        json_of(http.post(format!("{base}/readings")).json(&docs).send().await.unwrap()).await;
        let mut seen = Vec::new();
        let mut url = format!("{base}/readings?sort=-n&max_results=10&after=");
        let mut pages = 0;
        loop {
            let response = http.get(&url).send().await.unwrap();
            assert!(
                response.headers().get("x-total-count").is_none(),
                "{backend}: keyset pages count nothing by default"
            );
            let page = json_of(response).await;
            pages += 1;
            for item in page["_items"].as_array().unwrap() {
                seen.push((item["n"].as_i64().unwrap(), item["meter"].as_str().unwrap().to_string()));
            }
            if pages == 2 {
                // Written behind the cursor: the walk neither repeats nor misses because of it.
                json_of(
                    http.post(format!("{base}/readings"))
                        .json(&serde_json::json!({"meter": "late", "n": 99}))
                        .send()
                        .await
                        .unwrap(),
                )
                .await;
            }
            match page["_meta"]["next"].as_str() {
                Some(next) => {
                    assert!(page["_links"]["next"]["href"].as_str().unwrap().ends_with(&format!("after={next}")));
                    url = format!("{base}/readings?sort=-n&max_results=10&after={next}");
                }
                None => break,
            }
        }
        assert_eq!(pages, 5, "{backend}");
        assert_eq!(seen.len(), 45, "{backend}: {seen:?}");
        let mut sorted = seen.clone();
        sorted.sort_by_key(|s| std::cmp::Reverse(s.0));
        assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), sorted.iter().map(|s| s.0).collect::<Vec<_>>());
        let distinct: std::collections::HashSet<_> = seen.iter().map(|s| s.1.clone()).collect();
        assert_eq!(distinct.len(), 45, "{backend}: no document twice");

        let none = http.get(format!("{base}/readings?count=none")).send().await.unwrap();
        assert!(none.headers().get("x-total-count").is_none(), "{backend}");
        let estimated = http.get(format!("{base}/readings?count=estimated")).send().await.unwrap();
        assert_eq!(estimated.headers()["x-total-count"], "46", "{backend}");
        let exact =
            json_of(http.get(format!("{base}/readings?count=exact&where={{\"n\":3}}")).send().await.unwrap()).await;
        assert_eq!(exact["_meta"]["total"], 5, "{backend}");
        for bad in ["count=some", "after=garbage&sort=n"] {
            let response = http.get(format!("{base}/readings?{bad}")).send().await.unwrap();
            assert_eq!(response.status(), 400, "{backend}: {bad}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["_status"], "ERR", "{backend}: {bad}");
        }
    }
}

/// Beyond Eve: `/openapi.json` describes the settings' resources, and a
/// real OpenAPI validator (PyPI's openapi-spec-validator) accepts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_valid_openapi() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn DocumentStore> = Arc::new(Embedded::open(dir.path(), EmbeddedOptions::default()).unwrap());
    let text = std::fs::read_to_string(resources_dir().join("scenarios").join("settings.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let settings = enma_resources::Settings::from_value(&value["settings"]).unwrap();
    let router = enma_resources::router(settings, store, &Default::default()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let doc = json_of(reqwest::get(format!("{base}/api/v1/openapi.json")).await.unwrap()).await;
    assert!(doc["paths"]["/api/v1/folks"]["post"].is_object(), "{doc}");
    assert!(doc["paths"]["/api/v1/folks/<person>/invoices".replace('<', "{").replace('>', "}")].is_object(), "{doc}");
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let python = std::env::var("ENMA_TEST_PYTHON").expect("ENMA_TEST_PYTHON: run the tests with tests/run.sh");
    let check = "import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1])))";
    let out = std::process::Command::new(python).args(["-c", check]).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Beyond Eve: a GET with `Accept: text/event-stream` follows a resource's
/// writes as server-sent events, on both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_stream_as_server_sent_events() {
    use futures::StreamExt;
    let settings = serde_json::json!({
        "RESOURCE_METHODS": ["GET", "POST"], "ITEM_METHODS": ["GET", "PATCH", "DELETE"],
        "DOMAIN": {"readings": {"schema": {"meter": {"type": "string"}, "kwh": {"type": "number"}}},
                   "other": {"schema": {"x": {"type": "integer"}}}}
    });
    let (servers, _stores) = serve_on_both_backends(&settings).await;
    for (backend, base) in servers {
        let http = reqwest::Client::new();
        let feed = http.get(format!("{base}/readings")).header("Accept", "text/event-stream").send().await.unwrap();
        assert_eq!(feed.status(), 200, "{backend}");
        assert_eq!(feed.headers()["content-type"], "text/event-stream", "{backend}");
        let mut chunks = feed.bytes_stream();

        let posted = json_of(
            http.post(format!("{base}/readings"))
                .json(&serde_json::json!({"meter": "m-1", "kwh": 1.5}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        json_of(http.post(format!("{base}/other")).json(&serde_json::json!({"x": 1})).send().await.unwrap()).await;
        let id = posted["_id"].as_str().unwrap();
        let patched = http
            .patch(format!("{base}/readings/{id}"))
            .header("If-Match", posted["_etag"].as_str().unwrap())
            .json(&serde_json::json!({"kwh": 2.5}))
            .send()
            .await
            .unwrap();
        let etag = json_of(patched).await["_etag"].as_str().unwrap().to_string();
        let deleted = http.delete(format!("{base}/readings/{id}")).header("If-Match", &etag).send().await.unwrap();
        assert_eq!(deleted.status(), 204);

        let mut text = String::new();
        while !text.contains("event: DELETE") || !text.ends_with("\n\n") {
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), chunks.next())
                .await
                .unwrap_or_else(|_| panic!("{backend}: no event within 10 s; got {text:?}"))
                .unwrap()
                .unwrap();
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        let events: Vec<(String, serde_json::Value)> = text
            .split("\n\n")
            .filter(|e| e.contains("data:"))
            .map(|e| {
                let field = |name: &str| e.lines().find_map(|l| l.strip_prefix(name)).unwrap_or("").trim().to_string();
                (field("event:"), serde_json::from_str(&field("data:")).unwrap())
            })
            .collect();
        let ops: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
        assert_eq!(ops, ["POST", "PATCH", "DELETE"], "{backend}: only this resource's writes, in order");
        assert_eq!(events[0].1["_id"], id, "{backend}");
        assert_eq!(events[0].1["changes"]["meter"], "m-1", "{backend}");
        assert_eq!(events[1].1["changes"]["kwh"], 2.5, "{backend}");
        assert_eq!(events[1].1["changes"]["_etag"], etag, "{backend}");
        assert_eq!(events[2].1["_id"], id, "{backend}");
    }
}

/// Every write the embedded resource store acknowledged survives SIGKILL of
/// the server mid-stream: after a restart the API serves each acknowledged
/// document, with its ETag, and nothing half-written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_resource_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("meters.yaml");
    std::fs::write(&yaml, METERS_YAML).unwrap();
    let start = |api_port: u16| {
        let sql_port = crate::common::free_port();
        enma_serve(&dir.path().join("data"), &yaml, sql_port, api_port).spawn().unwrap()
    };
    let port = crate::common::free_port();
    let mut server = start(port);
    wait_listening(port, "enma serve --resources").await;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    // A writer keeps POSTing batches; the server dies under it.
    let writer = {
        let (http, base) = (http.clone(), base.clone());
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for batch in 0.. {
                let docs: Vec<serde_json::Value> =
                    (0..20).map(|i| serde_json::json!({"meter": format!("m-{batch}-{i}"), "kwh": i})).collect();
                let Ok(response) = http.post(format!("{base}/readings")).json(&docs).send().await else { break };
                let Ok(body) = response.json::<serde_json::Value>().await else { break };
                for item in body["_items"].as_array().into_iter().flatten() {
                    acknowledged
                        .push((item["_id"].as_str().unwrap().to_string(), item["_etag"].as_str().unwrap().to_string()));
                }
            }
            acknowledged
        })
    };
    // Killed once some batches were acknowledged and more are in flight.
    let waited = std::time::Instant::now();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let count = http.get(format!("{base}/readings?max_results=1")).send().await.unwrap();
        let n: u64 = count.headers()["x-total-count"].to_str().unwrap().parse().unwrap();
        if n >= 200 || waited.elapsed() > std::time::Duration::from_secs(60) {
            break;
        }
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let acknowledged = writer.await.unwrap();
    assert!(acknowledged.len() >= 20, "the writer got {} acknowledgements before the kill", acknowledged.len());

    let port = crate::common::free_port();
    let _server = Process(start(port));
    wait_listening(port, "enma serve --resources, restarted").await;
    let base = format!("http://127.0.0.1:{port}");
    let total = http.get(format!("{base}/readings?max_results=1")).send().await.unwrap();
    let stored: u64 = total.headers()["x-total-count"].to_str().unwrap().parse().unwrap();
    // Whole batches only: a batch is written all or none.
    assert_eq!(stored % 20, 0, "{stored} documents: a batch was half written");
    assert!(stored >= acknowledged.len() as u64, "{stored} stored, {} acknowledged", acknowledged.len());
    for (id, etag) in acknowledged.iter().step_by(7) {
        let doc = json_of(http.get(format!("{base}/readings/{id}")).send().await.unwrap()).await;
        assert_eq!(doc["_etag"], etag.as_str());
    }
}

/// An open change feed does not hold `enma serve`'s shutdown: on SIGTERM
/// the stream ends and the process exits well within its 30 s grace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_open_change_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("meters.yaml");
    std::fs::write(&yaml, METERS_YAML).unwrap();
    let (sql_port, api_port) = (crate::common::free_port(), crate::common::free_port());
    let mut server = enma_serve(&dir.path().join("data"), &yaml, sql_port, api_port).spawn().unwrap();
    wait_listening(api_port, "enma serve --resources").await;
    let feed = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{api_port}/readings"))
        .header("Accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    let status = std::process::Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(status.success());
    let stopped = std::time::Instant::now();
    loop {
        if let Some(code) = server.try_wait().unwrap() {
            assert!(code.success(), "enma serve exited with {code}");
            break;
        }
        assert!(stopped.elapsed() < std::time::Duration::from_secs(10), "enma serve still runs 10 s after SIGTERM");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The client sees its stream end.
    let rest = tokio::time::timeout(std::time::Duration::from_secs(5), feed.bytes()).await;
    assert!(rest.is_ok(), "the feed did not end");
}
