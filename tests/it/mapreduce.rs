//! `enma mapreduce` end to end: word count as a Hadoop-streaming job with
//! Python scripts (whose reducer relies on sorted input, as streaming
//! reducers do) and as the registered Rust job, both checked against a count
//! made here.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The streaming scripts of the word-count benchmark (`benches/mapreduce`); the
/// reducer sums runs of equal keys, so unsorted input would give wrong counts.
fn script(name: &str) -> String {
    format!("python3 {}/benches/mapreduce/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Deterministic text: words from a small vocabulary with a skewed distribution.
fn write_text(path: &Path, bytes: usize) -> BTreeMap<String, u64> {
    let vocabulary: Vec<String> = (0..500).map(|i| format!("w{}{}", i % 37, "x".repeat(i % 5))).collect();
    let mut counts = BTreeMap::new();
    let mut text = String::with_capacity(bytes + 100);
    let mut state = 0x2545F4914F6CDD1Du64;
    while text.len() < bytes {
        for i in 0..12 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let r = (state % 1000) as usize;
            let word = &vocabulary[(r * r / 1000) % vocabulary.len()];
            *counts.entry(word.clone()).or_insert(0) += 1;
            text.push_str(word);
            text.push(if i == 11 { '\n' } else { ' ' });
        }
    }
    std::fs::write(path, text).unwrap();
    counts
}

fn read_counts(dir: &Path) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("part-") {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                let (w, n) = line.split_once('\t').unwrap_or_else(|| panic!("bad line {line:?}"));
                assert!(counts.insert(w.to_string(), n.parse().unwrap()).is_none(), "{w} in two reducers' output");
            }
        }
    }
    counts
}

#[test]
fn word_count_as_streaming_python_and_as_rust_job_matches_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("text");
    std::fs::create_dir(&input).unwrap();
    let mut expected = write_text(&input.join("a.txt"), 3 << 20);
    for (w, n) in write_text(&input.join("b.txt"), 1 << 20) {
        *expected.entry(w).or_insert(0) += n;
    }
    let enma = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_enma")).current_dir(dir.path()).arg("--data-dir").arg(dir.path().join("data")).args(args).output().unwrap()
    };
    let (mapper, reducer) = (script("map.py"), script("reduce.py"));
    let streaming = enma(&[
        "mapreduce", "--input", "text", "--output", "out-streaming", "--mapper", &mapper, "--reducer", &reducer, "--num-reducers", "3",
    ]);
    let stderr = String::from_utf8_lossy(&streaming.stderr);
    assert!(streaming.status.success(), "{stderr}");
    assert_eq!(read_counts(&dir.path().join("out-streaming")), expected);
    assert!(stderr.contains("reduce_calls=3"), "the reducers' counters: {stderr}");
    assert!(stderr.contains(&format!("Map output records={}", expected.values().sum::<u64>())), "{stderr}");
    let rust = enma(&["mapreduce", "--input", "text", "--output", "out-rust", "--job", "wordcount", "--num-reducers", "2"]);
    assert!(rust.status.success(), "{}", String::from_utf8_lossy(&rust.stderr));
    assert_eq!(read_counts(&dir.path().join("out-rust")), expected);
    // Bad input: a clear message and a non-zero exit, no output directory.
    let bad = enma(&["mapreduce", "--input", "text", "--output", "out-bad", "--mapper", "python3 -c 'import sys; sys.exit(4)'"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("exit status 4"), "{}", String::from_utf8_lossy(&bad.stderr));
    assert!(!dir.path().join("out-bad").exists());
    let missing = enma(&["mapreduce", "--input", "nope", "--output", "o", "--job", "wordcount"]);
    assert!(!missing.status.success() && String::from_utf8_lossy(&missing.stderr).contains("nope"));
}

/// `POST /v1/mapreduce`: a remote caller runs a job only on allowed
/// directories and allowed commands; status, counters and output by id.
#[tokio::test]
async fn mapreduce_over_rest_with_the_operators_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().canonicalize().unwrap().join("work");
    std::fs::create_dir(&work).unwrap();
    let expected = write_text(&work.join("in.txt"), 200_000);
    let mut config = enma::engine::EngineConfig::new(dir.path().join("data"));
    config.allowed_local_dirs = vec![work.clone()];
    config.allowed_commands = vec!["awk *".into()];
    let engine = enma::engine::Engine::open(config).await.unwrap();
    let server = enma::api::bind(engine, enma::api::ServeConfig { listen: ([127, 0, 0, 1], 0).into(), ..Default::default() })
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr());
    tokio::spawn(server.run(std::future::pending()));
    let client = reqwest::Client::new();
    let post = |body: serde_json::Value| client.post(format!("{url}/v1/mapreduce")).json(&body).send();
    let jobs: serde_json::Value = client.get(format!("{url}/v1/mapreduce/jobs")).send().await.unwrap().json().await.unwrap();
    assert_eq!(jobs["jobs"], serde_json::json!(["wordcount"]));
    // Not allowed: a directory outside the allowed ones, a command not on the list.
    let outside = dir.path().canonicalize().unwrap().join("elsewhere");
    let r = post(serde_json::json!({"input": [work.join("in.txt")], "output": outside, "job": "wordcount"})).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("--allow-local-dir"));
    let r = post(serde_json::json!({"input": [work.join("in.txt")], "output": work.join("o1"), "mapper": "python3 -c 'import os'"})).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("--allow-command"));
    // Allowed: a Rust job and a streaming job whose commands match `awk *`.
    let mapper = r#"awk '{for (i = 1; i <= NF; i++) print $i "\t1"}'"#;
    let reducer = r#"awk -F '\t' '{n[$1] += $2} END {for (w in n) print w "\t" n[w]}'"#;
    for (output, body) in [
        ("rust", serde_json::json!({"input": [work.join("in.txt")], "output": work.join("rust"), "job": "wordcount", "num_reducers": 2})),
        ("streaming", serde_json::json!({"input": [work.clone()], "output": work.join("streaming"), "mapper": mapper, "reducer": reducer})),
    ] {
        let r = post(body).await.unwrap();
        assert_eq!(r.status(), 202, "{output}");
        let started: serde_json::Value = r.json().await.unwrap();
        let id = started["id"].as_str().unwrap().to_string();
        let mut status = serde_json::Value::Null;
        for _ in 0..300 {
            status = client.get(format!("{url}/v1/mapreduce/{id}")).send().await.unwrap().json().await.unwrap();
            if status["status"] != "running" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(status["status"], "succeeded", "{output}: {status}");
        assert_eq!(status["counters"]["Map-Reduce Framework"]["Map output records"], expected.values().sum::<u64>(), "{status}");
        assert_eq!(read_counts(&work.join(output)), expected, "{output}");
    }
    let r = client.get(format!("{url}/v1/mapreduce/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

/// Hive's TRANSFORM (and MAP ... USING): rows to a command as tab-separated
/// text with NULL as `\N`, its lines back as typed columns; a subquery's
/// CLUSTER BY hands a reduce script its input sorted, as Hive's reducer gets it.
#[tokio::test]
async fn transform_runs_commands_over_rows() {
    use crate::common::{lines, rows, session, temp_engine, try_rows};
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    rows(&mut s, "CREATE TABLE t (a INT, b STRING); INSERT INTO t VALUES (2, 'x'), (1, 'y'), (3, NULL)").await;
    assert_eq!(
        lines(&mut s, "SELECT TRANSFORM (a, b) USING 'cat' AS (n INT, s STRING) FROM t WHERE a > 1 ORDER BY n").await,
        ["2\tx", "3\tNULL"]
    );
    // Without AS: Hive's `key` and `value` strings, the value being the rest of the line.
    assert_eq!(
        lines(&mut s, "SELECT key, value FROM (SELECT TRANSFORM (a, b, a) USING 'cat' FROM t) o ORDER BY key").await,
        ["1\ty\t1", "2\tx\t2", "3\t\\N\t3"]
    );
    // Untyped AS columns are strings; string + int is a double, as in Hive.
    assert_eq!(lines(&mut s, "SELECT n + 1 FROM (SELECT MAP a USING 'cat' AS n FROM t) m ORDER BY 1").await, ["2.0", "3.0", "4.0"]);
    // The reduce pattern: the reducer script fails (exit 9) if its input is not sorted by key.
    rows(&mut s, "CREATE TABLE w AS SELECT CAST(id % 7 AS STRING) AS k, 1 AS v FROM range(1000) r(id)").await;
    let reducer = r#"awk -F '\t' 'prev > $1 {exit 9} {prev = $1; n[$1] += $2} END {for (w in n) print w "\t" n[w]}'"#;
    let sql = format!(
        "SELECT TRANSFORM (k, v) USING '{}' AS (k, total INT) FROM (SELECT k, v FROM w CLUSTER BY k) m CLUSTER BY k",
        reducer.replace('\'', "\\'")
    );
    assert_eq!(lines(&mut s, &sql).await, ["0\t143", "1\t143", "2\t143", "3\t143", "4\t143", "5\t143", "6\t142"]);
    // Values reach the command in Hive's text forms.
    assert_eq!(
        lines(&mut s, "SELECT TRANSFORM (CAST('2024-03-01 10:30:00' AS TIMESTAMP), true, 1.5) USING 'cat' AS (line STRING) FROM t WHERE a = 1").await,
        ["2024-03-01 10:30:00"]
    );
    assert_eq!(
        lines(&mut s, "SELECT TRANSFORM (CAST('2024-03-01 10:30:00' AS TIMESTAMP), true, 1.5) USING 'cat' FROM t WHERE a = 1").await,
        ["2024-03-01 10:30:00\ttrue\t1.5"]
    );
    let err = try_rows(&mut s, "SELECT TRANSFORM (a) USING 'exit 3' FROM t").await.unwrap_err().to_string();
    assert!(err.contains("exit status 3"), "{err}");
    // A remote caller runs only the operator's allowed commands.
    let mut remote = engine.session("default", enma::engine::Caller::Remote).unwrap();
    let err = try_rows(&mut remote, "SELECT TRANSFORM (a) USING 'cat' FROM t").await.unwrap_err();
    assert_eq!(err.kind(), enma::ErrorKind::Forbidden, "{err}");
    assert!(err.to_string().contains("--allow-command"), "{err}");
}
