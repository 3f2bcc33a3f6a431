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
        Command::new(env!("CARGO_BIN_EXE_enma"))
            .current_dir(dir.path())
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(args)
            .output()
            .unwrap()
    };
    let (mapper, reducer) = (script("map.py"), script("reduce.py"));
    let streaming = enma(&[
        "mapreduce",
        "--input",
        "text",
        "--output",
        "out-streaming",
        "--mapper",
        &mapper,
        "--reducer",
        &reducer,
        "--num-reducers",
        "3",
    ]);
    let stderr = String::from_utf8_lossy(&streaming.stderr);
    assert!(streaming.status.success(), "{stderr}");
    assert_eq!(read_counts(&dir.path().join("out-streaming")), expected);
    assert!(stderr.contains("reduce_calls=3"), "the reducers' counters: {stderr}");
    assert!(stderr.contains(&format!("Map output records={}", expected.values().sum::<u64>())), "{stderr}");
    let rust =
        enma(&["mapreduce", "--input", "text", "--output", "out-rust", "--job", "wordcount", "--num-reducers", "2"]);
    assert!(rust.status.success(), "{}", String::from_utf8_lossy(&rust.stderr));
    assert_eq!(read_counts(&dir.path().join("out-rust")), expected);
    // Bad input: a clear message and a non-zero exit, no output directory.
    let bad = enma(&[
        "mapreduce",
        "--input",
        "text",
        "--output",
        "out-bad",
        "--mapper",
        "python3 -c 'import sys; sys.exit(4)'",
    ]);
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
    config.remote_access.local_dirs = vec![work.clone()];
    config.remote_access.commands = vec!["awk *".into()];
    let engine = enma::open_engine(config).await.unwrap();
    let server =
        enma::api::bind(engine, enma::api::ServeConfig { listen: ([127, 0, 0, 1], 0).into(), ..Default::default() })
            .await
            .unwrap();
    let url = format!("http://{}", server.local_addr());
    tokio::spawn(server.run(std::future::pending()));
    let client = reqwest::Client::new();
    let post = |body: serde_json::Value| client.post(format!("{url}/v1/mapreduce")).json(&body).send();
    let jobs: serde_json::Value =
        client.get(format!("{url}/v1/mapreduce/jobs")).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = jobs["jobs"].as_array().unwrap().iter().map(|j| j["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["daily-consumption", "wordcount"], "{jobs}");
    // Not allowed: a directory outside the allowed ones, a command not on the list.
    let outside = dir.path().canonicalize().unwrap().join("elsewhere");
    let r =
        post(serde_json::json!({"input": [work.join("in.txt")], "output": outside, "job": "wordcount"})).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("--allow-local-dir"));
    let r = post(serde_json::json!({"input": [work.join("in.txt")], "output": work.join("o1"), "mapper": "python3 -c 'import os'"})).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("--allow-command"));
    // Allowed: a Rust job and a streaming job whose commands match `awk *`.
    let mapper = r#"awk '{for (i = 1; i <= NF; i++) print $i "\t1"}'"#;
    let reducer = r#"awk -F '\t' '{n[$1] += $2} END {for (w in n) print w "\t" n[w]}'"#;
    for (output, body) in [
        (
            "rust",
            serde_json::json!({"input": [work.join("in.txt")], "output": work.join("rust"), "job": "wordcount", "num_reducers": 2}),
        ),
        (
            "streaming",
            serde_json::json!({"input": [work.clone()], "output": work.join("streaming"), "mapper": mapper, "reducer": reducer,
                               "conf": {"mapreduce.job.reduces": "3", "mapreduce.map.memory.mb": "2048"}}),
        ),
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
        if output == "streaming" {
            assert_eq!(status["parts_total"], 3, "{status}");
            assert_eq!(status["ignored_conf"], serde_json::json!(["mapreduce.map.memory.mb"]), "{status}");
        }
        assert_eq!(
            status["counters"]["Map-Reduce Framework"]["Map output records"],
            expected.values().sum::<u64>(),
            "{status}"
        );
        assert_eq!(read_counts(&work.join(output)), expected, "{output}");
    }
    let r = client.get(format!("{url}/v1/mapreduce/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // Files or a table on each side, not both and not neither.
    for body in [
        serde_json::json!({"input": [work.join("in.txt")], "input_table": "t", "output": work.join("o2"), "job": "wordcount"}),
        serde_json::json!({"input": [work.join("in.txt")], "output": work.join("o3"), "output_table": "t", "job": "wordcount"}),
        serde_json::json!({"output": work.join("o4"), "job": "wordcount"}),
    ] {
        let r = post(body.clone()).await.unwrap();
        assert_eq!(r.status(), 400, "{body}");
        assert!(r.json::<serde_json::Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("give"));
    }
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
    assert_eq!(
        lines(&mut s, "SELECT n + 1 FROM (SELECT MAP a USING 'cat' AS n FROM t) m ORDER BY 1").await,
        ["2.0", "3.0", "4.0"]
    );
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
        lines(
            &mut s,
            "SELECT TRANSFORM (CAST('2024-03-01 10:30:00' AS TIMESTAMP), true, 1.5) USING 'cat' FROM t WHERE a = 1"
        )
        .await,
        ["2024-03-01 10:30:00\ttrue\t1.5"]
    );
    // ROW FORMAT DELIMITED for what the script reads and what it writes; the lines are Hive 2.3's.
    let mut comma = lines(
        &mut s,
        "SELECT TRANSFORM(a, b) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' USING 'cat' AS (line STRING) FROM t",
    )
    .await;
    comma.sort();
    assert_eq!(comma, ["1,y", "2,x", "3,\\N"]);
    let mut pipes = lines(
        &mut s,
        "SELECT TRANSFORM(a, b) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' NULL DEFINED AS 'NA' USING 'cat' AS (line STRING) FROM t",
    )
    .await;
    pipes.sort();
    assert_eq!(pipes, ["1|y", "2|x", "3|NA"]);
    assert_eq!(
        lines(
            &mut s,
            "SELECT x + 1, y FROM (SELECT TRANSFORM(a, b) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' USING 'cat' \
             AS (x INT, y STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' FROM t) o ORDER BY 1"
        )
        .await,
        ["2\ty", "3\tx", "4\tNULL"]
    );
    let err = try_rows(&mut s, "SELECT TRANSFORM(a) ROW FORMAT SERDE 'x.Y' USING 'cat' FROM t")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("ROW FORMAT DELIMITED"), "{err}");
    // Hive's FROM-first MapReduce scripts; the expected rows are Hive 2.3's.
    rows(
        &mut s,
        "CREATE TABLE src (key STRING, value STRING); INSERT INTO src VALUES ('1','a'),('2','b'),('1','c'),('3','d');
         CREATE TABLE dest (k STRING, v STRING)",
    )
    .await;
    rows(
        &mut s,
        "FROM (FROM src MAP src.key, src.value USING 'cat' AS (k, v) CLUSTER BY k) mo
         INSERT OVERWRITE TABLE dest REDUCE mo.k, mo.v USING 'cat' AS (k, v)",
    )
    .await;
    assert_eq!(lines(&mut s, "SELECT * FROM dest ORDER BY k, v").await, ["1\ta", "1\tc", "2\tb", "3\td"]);
    assert_eq!(
        lines(
            &mut s,
            "FROM (FROM src SELECT TRANSFORM(key, value) USING 'cat' AS k, v DISTRIBUTE BY k SORT BY k, v) t
             SELECT TRANSFORM(t.k, t.v) USING 'cat' AS (a STRING, b STRING)"
        )
        .await,
        ["1\ta", "1\tc", "2\tb", "3\td"]
    );
    let mut mapped = lines(&mut s, "FROM src MAP key, value USING 'cat' AS k, v WHERE key > '1'").await;
    mapped.sort();
    assert_eq!(mapped, ["2\tb", "3\td"]);
    // `map(` stays the function.
    assert_eq!(lines(&mut s, "FROM src SELECT map('a', key) WHERE key = '2'").await, ["{\"a\":\"2\"}"]);
    let err = try_rows(&mut s, "SELECT TRANSFORM (a) USING 'exit 3' FROM t").await.unwrap_err().to_string();
    assert!(err.contains("exit status 3"), "{err}");
    // A remote caller runs only the operator's allowed commands.
    let mut remote = engine.session("default", enma::engine::Caller::Remote).unwrap();
    let err = try_rows(&mut remote, "SELECT TRANSFORM (a) USING 'cat' FROM t").await.unwrap_err();
    assert_eq!(err.kind(), enma::ErrorKind::Forbidden, "{err}");
    assert!(err.to_string().contains("--allow-command"), "{err}");
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn counter(report: &enma::mapreduce::JobReport, group: &str, name: &str) -> Option<i64> {
    report.counters.iter().find(|(g, n, _)| g == group && n == name).map(|c| c.2)
}

/// The same jobs on a scheduler and two executors, each its own process:
/// the executors read the splits, run the map tasks, the shuffle and the
/// reducers, and write the output files; the counters add up across them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_count_on_a_two_executor_cluster_matches_the_reference() {
    Box::pin(async {
        use enma::mapreduce::{JobSpec, TASK_COUNTERS, run_job};
        let cluster = crate::cluster::LocalCluster::start(2).await;
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("text");
        std::fs::create_dir(&input).unwrap();
        let mut expected = write_text(&input.join("a.txt"), 3 << 20);
        for (w, n) in write_text(&input.join("b.txt"), 1 << 20) {
            *expected.entry(w).or_insert(0) += n;
        }
        let lines: usize = ["a.txt", "b.txt"].iter().map(|f| std::fs::read_to_string(input.join(f)).unwrap().lines().count()).sum();
        let engine = cluster.engine(&dir.path().join("data")).await;
        let rust = JobSpec { split_bytes: Some(512 << 10), ..JobSpec::rust("wordcount", vec![input.clone()], dir.path().join("out-rust"), 3).unwrap() };
        let report = run_job(&engine, &rust, |_, _| {}).await.unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
        assert_eq!(read_counts(&rust.output), expected, "{report:?}\n{}", cluster.logs());
        assert_eq!(report.parts, 3);
        // One file per reducer, named by its number, each sorted by key as reducers emit.
        assert_eq!(listing(&rust.output), ["_SUCCESS", "part-00000", "part-00001", "part-00002"]);
        for p in 0..3 {
            let text = std::fs::read_to_string(rust.output.join(format!("part-{p:05}"))).unwrap();
            let keys: Vec<&str> = text.lines().map(|l| l.split('\t').next().unwrap()).collect();
            assert!(keys.is_sorted(), "part {p} is not sorted: {keys:?}");
        }
        assert!(rust.output.join("_SUCCESS").exists());
        assert_eq!(counter(&report, TASK_COUNTERS, "Map input records"), Some(lines as i64), "{:?}", report.counters);
        assert_eq!(counter(&report, TASK_COUNTERS, "Map output records"), Some(expected.values().sum::<u64>() as i64));
        assert_eq!(counter(&report, TASK_COUNTERS, "Reduce output records"), Some(expected.len() as i64));
        assert_eq!(counter(&report, "File Input Format Counters", "Bytes Read"), Some(report.input_bytes as i64));
        // Both executors took tasks.
        for n in 0..2 {
            assert!(cluster.executor_log(n).contains("Finished task"), "executor {n} ran nothing\n{}", cluster.logs());
        }
        let streaming = JobSpec {
            split_bytes: Some(1 << 20),
            ..JobSpec::streaming(vec![input.clone()], dir.path().join("out-streaming"), &script("map.py"), None, Some(&script("reduce.py")), 2)
        };
        let report = run_job(&engine, &streaming, |_, _| {}).await.unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
        assert_eq!(read_counts(&streaming.output), expected);
        assert_eq!(counter(&report, "WordCount", "reduce_calls"), Some(2), "{:?}", report.counters);
        // Map-only: one file per split, every line once; by default the input is
        // split for the cluster's 4 task slots (this process alone has 2 partitions).
        let map_only = JobSpec::streaming(vec![input.clone()], dir.path().join("out-map-only"), "tr a-z A-Z", None, Some("NONE"), 1);
        let report = run_job(&engine, &map_only, |_, _| {}).await.unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
        let files = listing(&map_only.output);
        assert_eq!(files.len(), report.parts + 1, "{files:?}");
        assert!(report.parts >= 4, "{files:?}");
        let mut got: Vec<String> = files[1..].iter().flat_map(|f| std::fs::read_to_string(map_only.output.join(f)).unwrap().lines().map(String::from).collect::<Vec<_>>()).collect();
        let mut want: Vec<String> = ["a.txt", "b.txt"].iter().flat_map(|f| std::fs::read_to_string(input.join(f)).unwrap().lines().map(|l| l.to_uppercase()).collect::<Vec<_>>()).collect();
        got.sort();
        want.sort();
        assert!(got == want, "map-only output differs from the input ({} lines against {})", got.len(), want.len());
        // TRANSFORM on the cluster: the scheduler plans the input, the executors run the command.
        let mut s = engine.session("default", enma::engine::Caller::Operator).unwrap();
        crate::common::rows(&mut s, "CREATE TABLE t (a INT, b STRING); INSERT INTO t VALUES (2, 'x'), (1, 'y'), (3, NULL)").await;
        assert_eq!(
            crate::common::lines(&mut s, "SELECT TRANSFORM (a, b) USING 'cat' AS (n INT, s STRING) FROM t WHERE a > 1 ORDER BY n").await,
            ["2\tx", "3\tNULL"]
        );
        let reducer = r#"awk -F '\t' 'prev > $1 {exit 9} {prev = $1; n[$1] += 1} END {for (w in n) print w "\t" n[w]}'"#;
        let sql = format!(
            "FROM (FROM t MAP b USING 'cat' AS k CLUSTER BY k) m SELECT TRANSFORM (k) USING '{}' AS (k, n INT) ORDER BY k",
            reducer.replace('\'', "\\'")
        );
        assert_eq!(crate::common::lines(&mut s, &sql).await, ["NULL\t1", "x\t1", "y\t1"]);
        Box::pin(commands_see_the_task_environment(&engine, dir.path())).await;
        // A table's rows in, a table out, with the scan and the tasks on the executors.
        Box::pin(daily_from_table_into_table(&engine, dir.path())).await;
        // A failing task fails the job with the command's message, and leaves no output.
        let failing = JobSpec::streaming(vec![input.clone()], dir.path().join("out-failing"), "echo broken >&2; exit 5", None, None, 1);
        let err = run_job(&engine, &failing, |_, _| {}).await.unwrap_err().to_string();
        assert!(err.contains("exit status 5") && err.contains("broken"), "{err}");
        assert!(!failing.output.exists());
    })
    .await;
}

/// The energy example: daily consumption per meter from raw reading files,
/// with a header line and a malformed line counted and skipped.
#[tokio::test]
async fn daily_consumption_per_meter_from_raw_readings() {
    use enma::mapreduce::{JobSpec, run_job};
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("meter,timestamp,kwh\n");
    let mut expected: BTreeMap<(String, String), f64> = BTreeMap::new();
    for meter in ["m001", "m002", "m013"] {
        for day in 1..=3 {
            for hour in 0..24 {
                let kwh = (meter.len() * 7 + day * 3 + hour) as f64 / 40.0;
                text.push_str(&format!("{meter},2026-01-{day:02} {hour:02}:00:00,{kwh}\n"));
                *expected.entry((meter.to_string(), format!("2026-01-{day:02}"))).or_default() += kwh;
            }
        }
    }
    text.push_str("m001,not a time,1.0\n");
    std::fs::write(dir.path().join("readings.csv"), text).unwrap();
    let engine = enma::open_engine(enma::engine::EngineConfig::new(dir.path().join("data"))).await.unwrap();
    let job = JobSpec {
        split_bytes: Some(1000),
        ..JobSpec::rust("daily-consumption", vec![dir.path().join("readings.csv")], dir.path().join("daily"), 2)
            .unwrap()
    };
    let report = run_job(&engine, &job, |_, _| {}).await.unwrap();
    let mut got = BTreeMap::new();
    for p in 0..2 {
        for line in std::fs::read_to_string(job.output.join(format!("part-{p:05}"))).unwrap().lines() {
            let f: Vec<&str> = line.split('\t').collect();
            got.insert((f[0].to_string(), f[1].to_string()), f[2].to_string());
        }
    }
    let expected: BTreeMap<_, _> = expected.into_iter().map(|(k, v)| (k, format!("{v:.3}"))).collect();
    assert_eq!(got, expected);
    // The job's partitioner sends all of a meter's days to one reducer.
    for meter in ["m001", "m002", "m013"] {
        let holding = (0..2)
            .filter(|p| {
                std::fs::read_to_string(job.output.join(format!("part-{p:05}")))
                    .unwrap()
                    .lines()
                    .any(|l| l.starts_with(meter))
            })
            .count();
        assert_eq!(holding, 1, "{meter}");
    }
    assert_eq!(counter(&report, "Energy", "Malformed readings"), Some(1), "{:?}", report.counters);
}

/// The energy case in SQL's terms: a Rust job reads a table's rows and its
/// output is loaded into another table, which SQL then reads.
async fn daily_from_table_into_table(engine: &enma::engine::Engine, scratch: &Path) {
    use enma::mapreduce::{JobSpec, OutputTable, run_job};
    let mut s = engine.session("default", enma::engine::Caller::Operator).unwrap();
    crate::common::rows(
        &mut s,
        "CREATE TABLE readings (meter STRING, ts STRING, kwh DOUBLE);
         INSERT INTO readings VALUES ('m1', '2026-01-01 00:00:00', 1.5), ('m1', '2026-01-01 01:00:00', 2.0),
                                     ('m2', '2026-01-02 00:00:00', 0.25), ('m1', '2026-01-02 00:00:00', 1.0), ('m3', NULL, 1.0);
         CREATE TABLE daily (meter STRING, day STRING, kwh DOUBLE) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t';
         CREATE TABLE daily_pq (meter STRING, day DATE, kwh DECIMAL(10,3)) STORED AS PARQUET;
         CREATE TABLE by_month (meter STRING, day STRING, kwh DOUBLE) PARTITIONED BY (month STRING)",
    )
    .await;
    let mut job = JobSpec::rust("daily-consumption", vec![], scratch.join("daily"), 2).unwrap();
    job.input_table = Some("readings".into());
    job.output_table = Some(OutputTable { name: "daily".into(), overwrite: true });
    let report = run_job(engine, &job, |_, _| {}).await.unwrap();
    assert_eq!(report.table.as_deref(), Some("daily"));
    assert_eq!(counter(&report, "Energy", "Malformed readings"), Some(1), "the NULL timestamp: {:?}", report.counters);
    let daily = crate::common::lines(&mut s, "SELECT * FROM daily ORDER BY meter, day").await;
    assert_eq!(daily, ["m1\t2026-01-01\t3.5", "m1\t2026-01-02\t1.0", "m2\t2026-01-02\t0.25"]);
    assert!(!job.output.exists(), "the scratch directory is gone");
    // Any other table gets the lines converted to its columns (here Parquet, typed), atomically.
    job.output_table = Some(OutputTable { name: "daily_pq".into(), overwrite: false });
    run_job(engine, &job, |_, _| {}).await.unwrap();
    let daily = crate::common::lines(&mut s, "SELECT meter, day, kwh FROM daily_pq ORDER BY meter, day").await;
    assert_eq!(daily, ["m1\t2026-01-01\t3.500", "m1\t2026-01-02\t1.000", "m2\t2026-01-02\t0.250"]);
    // Not a partitioned table: which partition the rows belong to is not the job's to say.
    job.output_table = Some(OutputTable { name: "by_month".into(), overwrite: false });
    let err = run_job(engine, &job, |_, _| {}).await.unwrap_err().to_string();
    assert!(err.contains("unpartitioned"), "{err}");
}

#[tokio::test]
async fn a_job_reads_a_table_and_loads_its_output_into_a_table() {
    let (engine, dir) = crate::common::temp_engine().await;
    daily_from_table_into_table(&engine, dir.path()).await;
}

/// Hadoop streaming's secondary sort, with Hadoop's own settings: the key is
/// two fields, the reducer is chosen by the first, and each reducer sees its
/// records sorted by both. Without the partitioner, first fields spread over
/// reducers (the check can fail).
#[test]
fn streaming_secondary_sort_with_hadoops_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..2000u32 {
        text.push_str(&format!("g{} {:04}\n", (i * 7919) % 40, (i * 104729) % 1000));
    }
    std::fs::write(dir.path().join("in.txt"), text).unwrap();
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "mapreduce",
            "--input",
            "in.txt",
            "--output",
            out,
            "--mapper",
            "awk '{print $1 \"\\t\" $2 \"\\tv\"}'",
            "--reducer",
            "cat",
            "-D",
            "mapreduce.job.reduces=4",
            "-D",
            "stream.num.map.output.key.fields=2",
        ];
        args.extend_from_slice(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_enma"))
            .current_dir(dir.path())
            .arg("--data-dir")
            .arg("data")
            .args(&args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (0..4)
            .map(|p| std::fs::read_to_string(dir.path().join(out).join(format!("part-{p:05}"))).unwrap())
            .collect::<Vec<_>>()
    };
    let groups_per_part = |parts: &[String]| {
        let mut owner: BTreeMap<String, std::collections::BTreeSet<usize>> = BTreeMap::new();
        for (p, text) in parts.iter().enumerate() {
            let keys: Vec<(&str, &str)> = text
                .lines()
                .map(|l| {
                    let f: Vec<&str> = l.split('\t').collect();
                    (f[0], f[1])
                })
                .collect();
            assert!(keys.is_sorted(), "part {p} is not sorted by both fields");
            assert!(text.lines().all(|l| l.ends_with("\tv")), "the value is the third field");
            for (g, _) in keys {
                owner.entry(g.to_string()).or_default().insert(p);
            }
        }
        assert_eq!(owner.len(), 40);
        owner.values().map(|parts| parts.len()).max().unwrap()
    };
    let keyed = run(
        "by-first-field",
        &[
            "-D",
            "mapreduce.partition.keypartitioner.options=-k1,1",
            "--partitioner",
            "org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner",
        ],
    );
    assert_eq!(groups_per_part(&keyed), 1, "every first field in one reducer");
    assert_eq!(keyed.iter().map(|p| p.lines().count()).sum::<usize>(), 2000);
    let hashed = run("by-whole-key", &[]);
    assert!(groups_per_part(&hashed) > 1, "hashing the whole key spreads a first field over reducers");
}

/// What streaming commands find in their environment: the job's `-cmdenv`
/// variables, and Hadoop's per-task ones (the map task's input file, the
/// task's partition number).
async fn commands_see_the_task_environment(engine: &enma::engine::Engine, dir: &Path) {
    use enma::mapreduce::{JobSpec, run_job};
    let input = dir.join("env-input");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("a.txt"), "1\n2\n").unwrap();
    std::fs::write(input.join("b.txt"), "3\n").unwrap();
    let mapper = r#"awk '{print ENVIRON["map_input_file"] "\t" ENVIRON["SOURCE"] "\t" ENVIRON["mapreduce_task_partition"] "\t" $0}'"#;
    let mut job = JobSpec::streaming(vec![input.clone()], dir.join("env-output"), mapper, None, Some("NONE"), 0);
    job.cmdenv = vec![("SOURCE".into(), "meters".into())];
    let report = run_job(engine, &job, |_, _| {}).await.unwrap();
    let mut seen = Vec::new();
    for p in 0..report.parts {
        for line in std::fs::read_to_string(job.output.join(format!("part-{p:05}"))).unwrap().lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let file = Path::new(f[0]).file_name().unwrap().to_string_lossy().into_owned();
            assert_eq!(f[2], p.to_string(), "the task partition is the output file's number: {line}");
            seen.push((f[3].to_string(), file, f[1].to_string()));
        }
    }
    seen.sort();
    let want: Vec<(String, String, String)> = [("1", "a.txt"), ("2", "a.txt"), ("3", "b.txt")]
        .iter()
        .map(|(l, f)| (l.to_string(), f.to_string(), "meters".to_string()))
        .collect();
    assert_eq!(seen, want);
}

#[tokio::test]
async fn streaming_commands_see_the_task_environment() {
    let (engine, dir) = crate::common::temp_engine().await;
    commands_see_the_task_environment(&engine, dir.path()).await;
}

/// Input straight from an object store (a real S3-compatible server): the
/// input directory is listed there (skipping `_SUCCESS`), and each map task
/// reads its byte range with a ranged GET.
#[tokio::test]
async fn word_count_reads_its_input_from_s3() {
    use enma::mapreduce::{JobSpec, run_job};
    let moto = crate::s3::start_moto().await;
    let client = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let mut expected = BTreeMap::new();
    let mut total = 0;
    for (name, bytes) in [("a.txt", 300_000), ("b.txt", 100_000), ("_SUCCESS", 0)] {
        let path = dir.path().join(name);
        if bytes > 0 {
            for (w, n) in write_text(&path, bytes) {
                *expected.entry(w).or_insert(0) += n;
            }
        } else {
            std::fs::write(&path, "not input").unwrap();
        }
        let body = std::fs::read(&path).unwrap();
        total += if bytes > 0 { body.len() } else { 0 };
        let r = client.put(format!("{}/external/words/{name}", moto.endpoint)).body(body).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
    let mut config = enma::engine::EngineConfig::new(dir.path().join("data"));
    config.s3 = moto.config();
    let engine = enma::open_engine(config).await.unwrap();
    let job = JobSpec {
        split_bytes: Some(64 << 10),
        ..JobSpec::rust("wordcount", vec!["s3://external/words".into()], dir.path().join("out"), 2).unwrap()
    };
    let report = run_job(&engine, &job, |_, _| {}).await.unwrap();
    assert_eq!(read_counts(&job.output), expected);
    assert_eq!(
        counter(&report, "File Input Format Counters", "Bytes Read"),
        Some(total as i64),
        "{:?}",
        report.counters
    );
    // Streaming commands see the object's URL as their input file.
    let files = JobSpec::streaming(
        vec!["s3://external/words/b.txt".into()],
        dir.path().join("files"),
        r#"awk 'NR == 1 {print ENVIRON["map_input_file"]}'"#,
        None,
        Some("NONE"),
        0,
    );
    run_job(&engine, &files, |_, _| {}).await.unwrap();
    assert_eq!(std::fs::read_to_string(files.output.join("part-00000")).unwrap(), "s3://external/words/b.txt\n");
    let missing = JobSpec::rust("wordcount", vec!["s3://external/nothing".into()], dir.path().join("o2"), 1).unwrap();
    let err = run_job(&engine, &missing, |_, _| {}).await.unwrap_err().to_string();
    assert!(err.contains("s3://external/nothing"), "{err}");
}

/// A server for remote callers over `engine`; its base URL.
async fn serve(engine: enma::engine::Engine) -> String {
    let server =
        enma::api::bind(engine, enma::api::ServeConfig { listen: ([127, 0, 0, 1], 0).into(), ..Default::default() })
            .await
            .unwrap();
    let url = format!("http://{}", server.local_addr());
    tokio::spawn(server.run(std::future::pending()));
    url
}

/// A temporary directory (canonical) with a `work` directory that remote
/// callers of the engine may use, with `commands`, and that engine.
async fn engine_allowing(commands: &[&str]) -> (tempfile::TempDir, std::path::PathBuf, enma::engine::Engine) {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().canonicalize().unwrap().join("work");
    std::fs::create_dir(&work).unwrap();
    let mut config = enma::engine::EngineConfig::new(dir.path().join("data"));
    config.remote_access.local_dirs = vec![work.clone()];
    config.remote_access.commands = commands.iter().map(|c| c.to_string()).collect();
    let engine = enma::open_engine(config).await.unwrap();
    (dir, work, engine)
}

/// [`engine_allowing`], and a server over that engine.
async fn server_allowing(commands: &[&str]) -> (tempfile::TempDir, std::path::PathBuf, enma::engine::Engine, String) {
    let (dir, work, engine) = engine_allowing(commands).await;
    let url = serve(engine.clone()).await;
    (dir, work, engine, url)
}

/// Polls a job until it is no longer running; its last status.
async fn finished(client: &reqwest::Client, url: &str, started: reqwest::Response) -> serde_json::Value {
    assert_eq!(started.status(), 202);
    let started: serde_json::Value = started.json().await.unwrap();
    let id = started["id"].as_str().unwrap().to_string();
    for _ in 0..600 {
        let status: serde_json::Value =
            client.get(format!("{url}/v1/mapreduce/{id}")).send().await.unwrap().json().await.unwrap();
        if status["status"] != "running" {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {id} still running");
}

/// A 4xx response whose body is the API's JSON error; its message.
async fn json_error(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    let text = response.text().await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert!(body["error"]["code"].is_string(), "{body}");
    body["error"]["message"].as_str().unwrap_or_else(|| panic!("no message: {body}")).to_string()
}

/// An allowed prefix (`cat*`) does not let a remote caller append a second
/// command: commands of remote callers are split into words and run without
/// a shell, and shell syntax is refused (403) before anything runs, for
/// MapReduce's mapper, combiner and reducer and for TRANSFORM. An allowed
/// command with arguments still runs.
#[tokio::test]
async fn allowed_command_prefixes_do_not_admit_shell_syntax() {
    let (dir, work, engine, url) = server_allowing(&["cat*"]).await;
    std::fs::write(work.join("in.txt"), "a\nb\n").unwrap();
    let mut s = crate::common::session(&engine);
    crate::common::rows(&mut s, "CREATE TABLE t (a STRING); INSERT INTO t VALUES ('x'), ('y')").await;
    let client = reqwest::Client::new();
    let marker = dir.path().join("ran");
    let injected = format!("cat; touch {}", marker.display());
    let post = |body: serde_json::Value| client.post(format!("{url}/v1/mapreduce")).json(&body).send();
    for (n, role) in ["mapper", "combiner", "reducer"].into_iter().enumerate() {
        let mut body =
            serde_json::json!({"input": [work.join("in.txt")], "output": work.join(format!("o{n}")), "mapper": "cat"});
        body[role] = serde_json::json!(injected);
        let message = json_error(post(body).await.unwrap(), 403).await;
        assert!(message.contains("';'") && message.contains("--allow-command"), "{role}: {message}");
    }
    let sql = |sql: String| client.post(format!("{url}/v1/sql")).json(&serde_json::json!({"sql": sql})).send();
    for command in
        [injected.clone(), format!("cat $(touch {})", marker.display()), format!("cat | touch {}", marker.display())]
    {
        let r = sql(format!("SELECT TRANSFORM (a) USING '{command}' FROM t")).await.unwrap();
        let message = json_error(r, 403).await;
        assert!(message.contains("without a shell"), "{command}: {message}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!marker.exists(), "a refused command ran");
    // `cat -n` matches `cat*`, and runs (its numbers show it got its argument).
    let r = sql("SELECT TRANSFORM (a) USING 'cat -n' AS (n INT, a STRING) FROM t ORDER BY a".into()).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["rows"].as_array().unwrap().iter().map(|r| r[1].clone()).collect::<Vec<_>>(), ["x", "y"], "{body}");
    let status = finished(
        &client,
        &url,
        post(serde_json::json!({"input": [work.join("in.txt")], "output": work.join("numbered"), "mapper": "cat -n", "reducer": "NONE"}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status["status"], "succeeded", "{status}");
    let text = std::fs::read_to_string(work.join("numbered/part-00000")).unwrap();
    assert_eq!(text.lines().map(|l| l.trim_start()).collect::<Vec<_>>(), ["1\ta", "2\tb"]);
    // Quoted, the same characters are plain arguments to the allowed program.
    let r = sql("SELECT TRANSFORM (a) USING 'cat \"no;such|file\"' FROM t".into()).await.unwrap();
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        status != 200 && status != 403 && body["error"]["message"].as_str().unwrap().contains("no;such|file"),
        "{status} {body}"
    );
    assert!(!marker.exists());
}

/// A job's reduce tasks all run at once: more than `MAX_REDUCERS` is refused
/// with a 400 naming the limit, by `num_reducers` and by Hadoop's setting,
/// over REST and on the command line.
#[tokio::test]
async fn too_many_reducers_are_refused() {
    let (dir, work, _engine, url) = server_allowing(&["cat"]).await;
    std::fs::write(work.join("in.txt"), "a\n").unwrap();
    let client = reqwest::Client::new();
    let post = |body: serde_json::Value| client.post(format!("{url}/v1/mapreduce")).json(&body).send();
    let limit = enma::mapreduce::MAX_REDUCERS.to_string();
    for body in [
        serde_json::json!({"input": [work.join("in.txt")], "output": work.join("o1"), "job": "wordcount", "num_reducers": 100000}),
        serde_json::json!({"input": [work.join("in.txt")], "output": work.join("o2"), "mapper": "cat", "conf": {"mapreduce.job.reduces": "100000"}}),
    ] {
        let message = json_error(post(body).await.unwrap(), 400).await;
        assert!(message.contains(&limit) && message.contains("100000"), "{message}");
    }
    assert!(!work.join("o1").exists() && !work.join("o2").exists());
    // The limit itself is fine.
    let body = serde_json::json!({"input": [work.join("in.txt")], "output": work.join("o3"), "job": "wordcount", "num_reducers": enma::mapreduce::MAX_REDUCERS});
    assert_eq!(finished(&client, &url, post(body).await.unwrap()).await["status"], "succeeded");
    let enma = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_enma"))
            .current_dir(dir.path())
            .arg("--data-dir")
            .arg("cli-data")
            .args(args)
            .output()
            .unwrap()
    };
    for extra in [["--num-reducers", "100000"], ["-D", "mapreduce.job.reduces=100000"]] {
        let mut args = vec!["mapreduce", "--input", "work/in.txt", "--output", "cli-out", "--mapper", "cat"];
        args.extend(extra);
        let o = enma(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && stderr.contains(&limit), "{extra:?}: {stderr}");
        assert!(!dir.path().join("cli-out").exists());
    }
}

/// `file://` URLs name local paths for the output as for the input, on the
/// command line and over REST (where they are held to the allowed directories).
#[tokio::test]
async fn file_urls_name_local_directories() {
    let (dir, work, _engine, url) = server_allowing(&["cat"]).await;
    std::fs::write(work.join("in.txt"), "b a\n").unwrap();
    let file_url = |p: &Path| format!("file://{}", p.display());
    let o = Command::new(env!("CARGO_BIN_EXE_enma"))
        .current_dir(dir.path())
        .args(["--data-dir", "cli-data", "mapreduce", "--job", "wordcount"])
        .args(["--input", &file_url(&work.join("in.txt")), "--output", &file_url(&work.join("cli-out"))])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read_counts(&work.join("cli-out")), BTreeMap::from([("a".to_string(), 1), ("b".to_string(), 1)]));
    assert!(!dir.path().join("file:").exists(), "a directory named file: was made");
    let client = reqwest::Client::new();
    let post = |body: serde_json::Value| client.post(format!("{url}/v1/mapreduce")).json(&body).send();
    let body = serde_json::json!({"input": [file_url(&work.join("in.txt"))], "output": file_url(&work.join("rest-out")), "mapper": "cat"});
    let status = finished(&client, &url, post(body).await.unwrap()).await;
    assert_eq!(status["status"], "succeeded", "{status}");
    assert_eq!(status["output"], work.join("rest-out").display().to_string());
    assert_eq!(std::fs::read_to_string(work.join("rest-out/part-00000")).unwrap(), "b a\n");
    // Outside the allowed directories as URL too, also through `..` and links.
    let outside = dir.path().canonicalize().unwrap().join("outside");
    std::os::unix::fs::symlink(dir.path(), work.join("link")).unwrap();
    for output in
        [file_url(&outside), format!("file://{}/../outside", work.display()), file_url(&work.join("link/outside"))]
    {
        let body = serde_json::json!({"input": [work.join("in.txt")], "output": output, "mapper": "cat"});
        let message = json_error(post(body).await.unwrap(), 403).await;
        assert!(message.contains("--allow-local-dir"), "{output}: {message}");
    }
    let body = serde_json::json!({"input": [work.join("in.txt")], "output": "s3://bucket/out", "mapper": "cat"});
    json_error(post(body).await.unwrap(), 400).await;
    assert!(!outside.exists());
}

fn staging_entries(dir: &Path) -> Vec<String> {
    listing(dir).into_iter().filter(|n| n.contains(".tmp-") || n.contains(".new-")).collect()
}

/// A failed job removes its hidden staging directory, even while other
/// reducers are finishing their files; and a job removes what killed jobs
/// left for the same output, but not what a running job is using.
#[tokio::test]
async fn failed_jobs_leave_no_staging_directories() {
    use enma::mapreduce::{JobSpec, run_job};
    let (engine, dir) = crate::common::temp_engine().await;
    let input = dir.path().join("in.txt");
    std::fs::write(&input, (0..20000).map(|i| format!("k{i}\tv\n")).collect::<String>()).unwrap();
    let out = dir.path().join("out");
    // Reducer 0 fails at once; the others finish and rename their files meanwhile.
    let reducer = r#"if [ "$mapreduce_task_partition" = 0 ]; then echo failing >&2; exit 7; fi; cat"#;
    // Or a mapper fails at once, while the reducers are still creating their files.
    for (mapper, reducer) in [("cat", reducer), ("exit 7", "cat")].into_iter().cycle().take(4) {
        let job = JobSpec::streaming(vec![input.clone()], out.clone(), mapper, None, Some(reducer), 64);
        let err = run_job(&engine, &job, |_, _| {}).await.unwrap_err().to_string();
        assert!(err.contains("exit status 7"), "{err}");
        assert_eq!(staging_entries(dir.path()), Vec::<String>::new());
        assert!(!out.exists());
    }
    // A job that runs out of file descriptors fails, and its directory goes once the tasks let theirs go.
    let work = dir.path().join("fd");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(work.join("in.txt"), (0..50000).map(|i| format!("w{} x\n", i % 5000)).collect::<String>()).unwrap();
    for _ in 0..2 {
        let o = Command::new("sh")
            .current_dir(&work)
            .args([
                "-c",
                r#"ulimit -n 60 && exec "$0" "$@""#,
                env!("CARGO_BIN_EXE_enma"),
                "--data-dir",
                "data",
                "mapreduce",
            ])
            .args(["--input", "in.txt", "--output", "out", "--job", "wordcount", "--num-reducers", "200"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && stderr.contains("Too many open files"), "{stderr}");
        assert_eq!(staging_entries(&work), Vec::<String>::new(), "{stderr}");
    }
    // A killed job's directory (no lock held) goes; a running job's (locked) stays.
    let killed = dir.path().join(".out.tmp-0123456789abcdef0123456789abcdef");
    std::fs::create_dir(&killed).unwrap();
    std::fs::write(killed.join(".part-00000.x"), "partial").unwrap();
    let running = dir.path().join(".out.tmp-fedcba9876543210fedcba9876543210");
    std::fs::create_dir(&running).unwrap();
    let lock = std::fs::File::open(&running).unwrap();
    lock.try_lock().unwrap();
    let other = dir.path().join(".other.tmp-0123456789abcdef0123456789abcdef");
    std::fs::create_dir(&other).unwrap();
    let job = JobSpec::streaming(vec![input.clone()], out.clone(), "cat", None, None, 2);
    run_job(&engine, &job, |_, _| {}).await.unwrap();
    assert!(out.join("_SUCCESS").exists());
    assert!(!killed.exists(), "the killed job's directory is left");
    assert!(running.exists() && other.exists(), "a running job's or another output's directory was removed");
    drop(lock);
}

/// Every refusal of `POST /v1/mapreduce` is the API's JSON error with a 4xx
/// status: a body that is not JSON, not a job, an unknown or mistyped field,
/// another content type, too large a body.
#[tokio::test]
async fn mapreduce_request_rejections_are_json_errors() {
    let (_dir, work, _engine, url) = server_allowing(&[]).await;
    let client = reqwest::Client::new();
    let endpoint = format!("{url}/v1/mapreduce");
    let raw = |body: Vec<u8>, content_type: Option<&str>| {
        let mut request = client.post(&endpoint).body(body);
        if let Some(t) = content_type {
            request = request.header("content-type", t);
        }
        request.send()
    };
    let job =
        serde_json::json!({"input": [work.join("in.txt")], "output": work.join("o"), "job": "wordcount"}).to_string();
    for (body, content_type, status, needle) in [
        ("{".to_string(), Some("application/json"), 400, "JSON"),
        (String::new(), Some("application/json"), 400, "JSON"),
        ("[1, 2]".to_string(), Some("application/json"), 400, "JSON"),
        (r#"{"input": ["/x"], "job": "wordcount", "bogus": 1}"#.to_string(), Some("application/json"), 400, "bogus"),
        (r#"{"input": "/x", "job": "wordcount"}"#.to_string(), Some("application/json"), 400, "expected a sequence"),
        (
            r#"{"input": ["/x"], "job": "wordcount", "num_reducers": -1}"#.to_string(),
            Some("application/json"),
            400,
            "-1",
        ),
        ("{}".to_string(), Some("application/json"), 400, "give"),
        (job.clone(), Some("text/plain"), 415, "application/json"),
        (job.clone(), Some("application/x-www-form-urlencoded"), 415, "application/json"),
    ] {
        let message = json_error(raw(body.clone().into_bytes(), content_type).await.unwrap(), status).await;
        assert!(message.contains(needle), "{body} ({content_type:?}): {message}");
    }
    let message = json_error(raw(vec![b' '; 2 << 20], Some("application/json")).await.unwrap(), 413).await;
    assert!(!message.is_empty());
    // JSON with parameters, or with no content type at all, is taken.
    std::fs::write(work.join("in.txt"), "a\n").unwrap();
    assert_eq!(raw(job.clone().into_bytes(), Some("application/json; charset=utf-8")).await.unwrap().status(), 202);
    let job =
        serde_json::json!({"input": [work.join("in.txt")], "output": work.join("o2"), "job": "wordcount"}).to_string();
    assert_eq!(raw(job.into_bytes(), None).await.unwrap().status(), 202);
}

/// A server that shuts down while its MapReduce job runs stops the job:
/// the job's command is killed (the shutdown does not wait out its 60 s) and
/// no output, partial or scratch, is left in the work directory.
#[tokio::test]
async fn shutting_the_server_down_cancels_its_running_jobs() {
    let (_dir, work, engine) = engine_allowing(&["sleep *"]).await;
    write_text(&work.join("in.txt"), 1_000);
    let server =
        enma::api::bind(engine, enma::api::ServeConfig { listen: ([127, 0, 0, 1], 0).into(), ..Default::default() })
            .await
            .unwrap();
    let url = format!("http://{}", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let body = serde_json::json!({
        "input": [work.join("in.txt")], "output": work.join("out"), "mapper": "sleep 60", "reducer": "NONE",
    });
    let started = client.post(format!("{url}/v1/mapreduce")).json(&body).send().await.unwrap();
    assert_eq!(started.status(), 202);
    let id = started.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let status: serde_json::Value =
        client.get(format!("{url}/v1/mapreduce/{id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["status"], "running", "{status}");

    stop.send(()).unwrap();
    let began = std::time::Instant::now();
    tokio::time::timeout(std::time::Duration::from_secs(30), serving).await.expect("stopped in time").unwrap().unwrap();
    assert!(began.elapsed() < std::time::Duration::from_secs(20), "waited {:?}", began.elapsed());
    let left: Vec<_> = std::fs::read_dir(&work).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["in.txt"], "the work directory after the shutdown");
}
