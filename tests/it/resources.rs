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
    tokio::spawn(async move { axum::serve(listener, router).await });
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
