//! The cluster: a real Ballista scheduler and executors, each an `enma`
//! process on loopback, running the same statements as the local engine and
//! giving the same rows; and losing an executor in the middle of a query.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use enma::engine::{Caller, Engine, EngineConfig, Session};

use crate::common::{free_port, rows, try_rows};
use crate::tpch;

/// One scheduler and its executors, as child processes, killed on drop.
pub struct LocalCluster {
    pub url: String,
    scheduler: Child,
    executors: Vec<Option<Child>>,
    logs: PathBuf,
    _dir: tempfile::TempDir,
}

fn spawn(args: &[String], env: &[(&str, String)], log: &Path) -> Child {
    let file = std::fs::File::create(log).unwrap();
    Command::new(env!("CARGO_BIN_EXE_enma"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("ENMA_LOG", "info")
        .env_remove("ENMA_SCHEDULER")
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .unwrap()
}

impl LocalCluster {
    /// Starts a scheduler and `executors` executors with two task slots each,
    /// and waits until every executor has registered.
    pub async fn start(executors: usize) -> LocalCluster {
        Self::start_with(executors, &[]).await
    }

    /// As [`start`](Self::start), with environment variables for every process.
    pub async fn start_with(executors: usize, env: &[(&str, String)]) -> LocalCluster {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        let port = free_port();
        let scheduler = spawn(
            &["scheduler".into(), "--port".into(), port.to_string(), "--executor-timeout".into(), "6".into()],
            env,
            &logs.join("scheduler.log"),
        );
        let url = format!("df://127.0.0.1:{port}");
        let mut cluster = LocalCluster { url: url.clone(), scheduler, executors: vec![], logs, _dir: dir };
        cluster.wait_for(|| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(), "the scheduler's port").await;
        for n in 0..executors {
            let work = cluster._dir.path().join(format!("work-{n}"));
            let args: Vec<String> = vec![
                "executor".into(),
                "--scheduler".into(),
                url.clone(),
                "--port".into(),
                free_port().to_string(),
                "--grpc-port".into(),
                free_port().to_string(),
                "--slots".into(),
                "2".into(),
                "--heartbeat".into(),
                "1".into(),
                "--work-dir".into(),
                work.display().to_string(),
            ];
            let child = spawn(&args, env, &cluster.logs.join(format!("executor-{n}.log")));
            cluster.executors.push(Some(child));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match enma::cluster::cluster_status(&url).await {
                Ok(s) if s.executors.len() == executors => break,
                _ if Instant::now() > deadline => panic!("executors did not register\n{}", cluster.logs()),
                _ => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        cluster
    }

    async fn wait_for(&self, mut ready: impl FnMut() -> bool, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !ready() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}\n{}", self.logs());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills executor `n` at once (SIGKILL), as a crashed machine would go.
    pub fn kill_executor(&mut self, n: usize) {
        if let Some(mut child) = self.executors[n].take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Executor `n`'s log so far.
    pub fn executor_log(&self, n: usize) -> String {
        std::fs::read_to_string(self.logs.join(format!("executor-{n}.log"))).unwrap_or_default()
    }

    /// Every process's log, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        let mut entries: Vec<_> = std::fs::read_dir(&self.logs).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            out.push_str(&format!("--- {} (last lines)\n", path.display()));
            for line in tail.into_iter().rev() {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }

    /// An engine on `data_dir` that runs its queries on this cluster.
    pub async fn engine(&self, data_dir: &Path) -> Engine {
        let mut config = EngineConfig::new(data_dir);
        config.scheduler = Some(self.url.clone());
        enma::open_engine(config).await.unwrap()
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        for child in self.executors.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = self.scheduler.kill();
        let _ = self.scheduler.wait();
    }
}

fn session(engine: &Engine) -> Session {
    engine.session("default", Caller::Operator).unwrap()
}

/// Sample meter readings as Hive text files, one per month, loaded into a
/// partitioned TEXTFILE table with arrays and maps.
async fn load_readings(s: &mut Session, dir: &Path) {
    rows(
        s,
        "CREATE TABLE readings (meter STRING, ts TIMESTAMP, kwh DOUBLE, tags ARRAY<STRING>, attrs MAP<STRING,STRING>) \
         PARTITIONED BY (month STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' \
         COLLECTION ITEMS TERMINATED BY '|' MAP KEYS TERMINATED BY ':' STORED AS TEXTFILE",
    )
    .await;
    for month in 1..=3 {
        let mut text = String::new();
        for i in 0..400u32 {
            let day = 1 + i / 24 % 28;
            let hour = i % 24;
            let kwh = ((i * 37 + month * 11) % 97) as f64 / 8.0;
            let tags = if i % 3 == 0 { "res|solar" } else { "com" };
            text.push_str(&format!(
                "m{:02},2024-{month:02}-{day:02} {hour:02}:00:00,{kwh},{tags},site:s{}|grid:g{}\n",
                i % 7,
                i % 5,
                i % 2
            ));
        }
        let file = dir.join(format!("readings-{month}.txt"));
        std::fs::write(&file, text).unwrap();
        rows(
            s,
            &format!(
                "LOAD DATA LOCAL INPATH '{}' INTO TABLE readings PARTITION (month='2024-{month:02}')",
                file.display()
            ),
        )
        .await;
    }
}

/// Hive functions, LATERAL VIEW, user functions, over text and partitions.
const FUNCTION_QUERIES: &[&str] = &[
    "SELECT month, meter, count(*), round(sum(kwh), 3), max(ts), min(kwh) FROM readings GROUP BY month, meter ORDER BY month, meter",
    "SELECT upper(meter), concat_ws('-', meter, month), date_format(ts, 'yyyy-MM-dd HH'), regexp_extract(meter, '([0-9]+)', 1), \
     size(tags), attrs['site'], year(ts), datediff(ts, '2024-01-01'), if(kwh > 6, 'high', 'low'), nvl(attrs['none'], 'n/a') \
     FROM readings WHERE month = '2024-02' ORDER BY meter, ts LIMIT 60",
    "SELECT meter, sort_array(collect_set(month)), percentile(CAST(kwh * 8 AS BIGINT), 0.5), count(DISTINCT attrs['site']), \
     round(stddev_pop(kwh), 6) FROM readings GROUP BY meter ORDER BY meter",
    "SELECT tag, count(*), round(avg(kwh), 6) FROM readings LATERAL VIEW explode(tags) t AS tag GROUP BY tag ORDER BY tag",
    "SELECT meter, k, count(*) FROM readings LATERAL VIEW explode(attrs) a AS k, v WHERE month = '2024-03' GROUP BY meter, k ORDER BY meter, k",
    "SELECT meter, month, row_number() OVER (PARTITION BY meter ORDER BY ts) AS rn, kwh FROM readings \
     WHERE day(ts) = 3 AND month = '2024-01' ORDER BY meter, rn",
    // User functions: scalar, aggregate and table.
    "SELECT meter, tariff_period(ts) AS period, round(sum(heating_degree_days(kwh, kwh + 10)), 4), round(load_factor(kwh), 6) \
     FROM readings GROUP BY meter, tariff_period(ts) ORDER BY meter, period",
    "SELECT r.meter, h.hour, round(sum(h.kwh), 6) FROM (SELECT meter, ts, ts + INTERVAL '150' MINUTE AS t1, kwh FROM readings WHERE month = '2024-01' AND day(ts) = 2) r \
     LATERAL VIEW split_hourly(r.ts, r.t1, r.kwh) h AS hour, kwh GROUP BY r.meter, h.hour ORDER BY r.meter, h.hour",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_give_the_same_rows_on_the_cluster_as_locally() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let mut l = tpch_locally(dir.path(), 0.01, 2).await;
    rows(&mut l, "USE default").await;
    load_readings(&mut l, dir.path()).await;

    let cluster = LocalCluster::start(2).await;
    let remote = cluster.engine(&data_dir).await;
    let mut c = session(&remote);

    let mut mismatches = Vec::new();
    let mut compare = async |name: &str, sql: &str, l: &mut Session, c: &mut Session| {
        let want = rows(l, sql).await;
        assert!(!want.is_empty(), "{name} returns no rows locally; the comparison would prove nothing");
        match try_rows(c, sql).await {
            Ok(got) if got == want => {}
            Ok(got) => mismatches.push(format!(
                "{name}: {} rows locally, {} on the cluster; first difference: {:?}",
                want.len(),
                got.len(),
                want.iter().zip(&got).find(|(a, b)| a != b)
            )),
            Err(e) => mismatches.push(format!("{name}: failed on the cluster: {e}")),
        }
    };
    rows(&mut l, "USE tpch").await;
    rows(&mut c, "USE tpch").await;
    for (name, sql) in tpch::queries() {
        compare(&name, &sql, &mut l, &mut c).await;
    }
    rows(&mut l, "USE default").await;
    rows(&mut c, "USE default").await;
    // A function bound by name in the session reaches the executors as the function it names.
    for s in [&mut l, &mut c] {
        rows(s, "CREATE TEMPORARY FUNCTION hdd AS 'enma.energy.HeatingDegreeDays'").await;
    }
    compare(
        "temporary function",
        "SELECT meter, round(sum(hdd(kwh, kwh + 4, 12.5)), 4) FROM readings GROUP BY meter ORDER BY meter",
        &mut l,
        &mut c,
    )
    .await;
    for (i, sql) in FUNCTION_QUERIES.iter().enumerate() {
        compare(&format!("function query {i}"), sql, &mut l, &mut c).await;
    }

    // Writes: the SELECT runs on the cluster, the commit here.
    let insert = "SET hive.exec.dynamic.partition.mode=nonstrict; \
        INSERT OVERWRITE TABLE {t} PARTITION (month) SELECT meter, round(sum(kwh), 3), count(*), month FROM readings GROUP BY meter, month";
    for (s, t) in [(&mut l, "monthly_local"), (&mut c, "monthly_cluster")] {
        rows(s, &format!("CREATE TABLE {t} (meter STRING, total DOUBLE, n BIGINT) PARTITIONED BY (month STRING) STORED AS PARQUET")).await;
        rows(s, &insert.replace("{t}", t)).await;
        // Overwrite again: the second write replaces the first.
        rows(s, &insert.replace("{t}", t)).await;
    }
    let read = |t: &str| format!("SELECT month, meter, total, n FROM {t} ORDER BY month, meter");
    let local_rows = rows(&mut l, &read("monthly_local")).await;
    assert_eq!(local_rows.len(), 21);
    assert_eq!(
        rows(&mut l, &read("monthly_cluster")).await,
        local_rows,
        "the cluster's INSERT OVERWRITE wrote other rows"
    );
    assert_eq!(
        rows(&mut l, "SHOW PARTITIONS monthly_cluster").await,
        rows(&mut l, "SHOW PARTITIONS monthly_local").await
    );
    rows(&mut c, "CREATE TABLE top_meters STORED AS PARQUET AS SELECT meter, sum(kwh) AS total FROM readings GROUP BY meter ORDER BY total DESC LIMIT 3").await;
    assert_eq!(rows(&mut l, "SELECT count(*) FROM top_meters").await, vec![vec!["3".to_string()]]);
    // HBase tables live in this process's key-value store, which executors cannot read: a clear error.
    // (Boxed: this test's future is already large, and a debug build's stack is not.)
    Box::pin(async {
        rows(&mut c, "CREATE TABLE kv_meters (id STRING, v STRING) STORED BY 'org.apache.hadoop.hive.hbase.HBaseStorageHandler' WITH SERDEPROPERTIES ('hbase.columns.mapping' = ':key,f:v')").await;
        let err = try_rows(&mut c, "SELECT * FROM kv_meters").await.unwrap_err().to_string();
        assert!(err.contains("HBase table") && err.contains("--scheduler"), "{err}");
    })
    .await;

    // The REST API on the cluster: its status, and a query.
    let server = enma::api::bind(
        remote.clone(),
        enma::api::ServeConfig { listen: ([127, 0, 0, 1], 0).into(), ..Default::default() },
    )
    .await
    .unwrap();
    let api = format!("http://{}", server.local_addr());
    let task = tokio::spawn(server.run(std::future::pending()));
    let status: serde_json::Value = reqwest::get(format!("{api}/v1/cluster")).await.unwrap().json().await.unwrap();
    assert_eq!(status["mode"], "cluster", "{status}");
    assert_eq!(status["executors"].as_array().unwrap().len(), 2, "{status}");
    assert_eq!(status["total_slots"], 4, "{status}");
    assert!(status["jobs_by_status"]["Completed"].as_u64().unwrap() >= 30, "{status}");
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("{api}/v1/sql"))
        .json(&serde_json::json!({ "sql": "SELECT meter, count(*) AS n FROM readings GROUP BY meter ORDER BY meter LIMIT 2" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["rows"], serde_json::json!([["m00", 174], ["m01", 171]]), "{body}");
    task.abort();

    assert!(
        mismatches.is_empty(),
        "{} statements differ:\n{}\n{}",
        mismatches.len(),
        mismatches.join("\n"),
        cluster.logs()
    );
}

/// TPC-H data at `scale` in `dir`, declared in database `tpch` of a local
/// engine on `dir/data`; returns that engine's session, in `tpch`.
async fn tpch_locally(dir: &Path, scale: f64, files: i32) -> Session {
    let tpch_dir = tpch::generate(&dir.join("tpch"), scale, files);
    let local = enma::open_engine(EngineConfig::new(dir.join("data"))).await.unwrap();
    let mut l = session(&local);
    rows(&mut l, &tpch::ddl(&tpch_dir, "tpch")).await;
    rows(&mut l, "USE tpch").await;
    l
}

/// Waits until executor `n` of `cluster` has finished a task (so output of
/// the running job lives there), or a minute has passed.
async fn until_executor_finished_a_task(cluster: &LocalCluster, n: usize) {
    let log = cluster.logs.join(format!("executor-{n}.log"));
    let started = Instant::now();
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("Finished task")
        && started.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_on_s3_read_and_write_the_same_on_the_cluster() {
    let moto = crate::s3::start_moto().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::new(dir.path().join("data"));
    config.warehouse = Some("s3://warehouse/hive".into());
    config.s3 = moto.config();
    let local = enma::open_engine(config.clone()).await.unwrap();
    let mut l = session(&local);
    rows(
        &mut l,
        "CREATE TABLE r (meter INT, kwh DOUBLE) PARTITIONED BY (day STRING) STORED AS PARQUET;
         SET hive.exec.dynamic.partition.mode=nonstrict;
         INSERT INTO r PARTITION (day) VALUES (1, 1.5, 'd1'), (2, 2.5, 'd1'), (1, 4.0, 'd2'), (3, 0.5, 'd3');
         CREATE EXTERNAL TABLE e (a INT, b STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LOCATION 's3://external/e';
         INSERT INTO e VALUES (1, 'x'), (2, NULL), (3, 'z');
         CREATE TABLE j (a INT, m MAP<STRING,INT>) STORED AS JSONFILE;
         INSERT INTO j SELECT 1, map('k', 2) UNION ALL SELECT 3, map('k', 4)",
    )
    .await;
    // The scheduler lists the files and the executors read them: both need the credentials.
    let env = [
        ("ENMA_S3_ENDPOINT", moto.endpoint.clone()),
        ("ENMA_S3_REGION", "us-east-1".to_string()),
        ("ENMA_S3_ACCESS_KEY_ID", "test".to_string()),
        ("ENMA_S3_SECRET_ACCESS_KEY", "test".to_string()),
        ("ENMA_S3_ALLOW_HTTP", "true".to_string()),
    ];
    let cluster = LocalCluster::start_with(2, &env).await;
    config.scheduler = Some(cluster.url.clone());
    let remote = enma::open_engine(config).await.unwrap();
    let mut c = session(&remote);
    let query = "SELECT r.day, r.meter, r.kwh, e.b, j.m['k'] FROM r LEFT JOIN e ON r.meter = e.a LEFT JOIN j ON r.meter = j.a \
                 WHERE r.day <> 'd3' ORDER BY r.day, r.meter";
    let want = rows(&mut l, query).await;
    assert_eq!(want.len(), 3);
    match try_rows(&mut c, query).await {
        Ok(got) => assert_eq!(got, want),
        Err(e) => panic!("{e}\n{}", cluster.logs()),
    }
    rows(&mut c, "INSERT OVERWRITE TABLE r PARTITION (day='d1') SELECT meter * 10, kwh FROM r WHERE day = 'd2'").await;
    assert_eq!(
        rows(&mut l, "SELECT day, meter, kwh FROM r ORDER BY day, meter").await,
        [["d1", "10", "4.0"], ["d2", "1", "4.0"], ["d3", "3", "0.5"]].map(|r| r.map(String::from).to_vec()).to_vec()
    );
}

/// A query with shuffles (a join and an aggregation) long enough to be
/// caught in the middle on a debug build.
const LONG_QUERY: &str = "SELECT l_suppkey, count(*), sum(l_extendedprice * (1 - l_discount)), max(o_orderdate), \
     count(DISTINCT o_custkey) FROM lineitem JOIN orders ON l_orderkey = o_orderkey GROUP BY l_suppkey ORDER BY l_suppkey";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_completes_when_an_executor_is_killed_mid_query() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = tpch_locally(dir.path(), 0.1, 8).await;
    let want = rows(&mut l, LONG_QUERY).await;

    let mut cluster = LocalCluster::start(2).await;
    let remote = cluster.engine(&dir.path().join("data")).await;
    let mut c = session(&remote);
    rows(&mut c, "USE tpch").await;
    let url = cluster.url.clone();
    let job = c.cluster_job().expect("a cluster session").1.to_string();
    let started = Instant::now();
    let (result, killed_at) = tokio::join!(
        async { tokio::time::timeout(Duration::from_secs(240), try_rows(&mut c, LONG_QUERY)).await },
        async {
            // Kill the executor once it has finished a task of the job, so
            // shuffle output is lost with it and must be computed again.
            until_executor_finished_a_task(&cluster, 1).await;
            // What `enma sql` shows as its progress bar.
            let progress = enma::cluster::job_progress(&url, &job).await.unwrap();
            let progress = progress.expect("the session's job is running");
            // (The executor's report of its finished task may not have reached the scheduler yet.)
            assert!(
                progress.stages >= 2 && progress.tasks >= 1 && progress.completed_tasks <= progress.tasks,
                "{progress:?}"
            );
            let running = !enma::cluster::cluster_status(&url).await.unwrap().running_jobs.is_empty();
            cluster.kill_executor(1);
            (started.elapsed(), running)
        }
    );
    let (at, running) = killed_at;
    assert!(running, "the job had finished before the executor was killed ({at:?}); the test proves nothing");
    let got = match result {
        Ok(Ok(rows)) => rows,
        Ok(Err(e)) => panic!("the query failed after losing an executor at {at:?}: {e}\n{}", cluster.logs()),
        Err(_) => panic!("the query hung after losing an executor at {at:?}\n{}", cluster.logs()),
    };
    assert_eq!(got, want, "the cluster's rows differ after losing an executor");
    eprintln!("executor killed after {at:?}; query completed after {:?}", started.elapsed());
    // The scheduler drops the executor once its heartbeats stop (6 s here).
    let deadline = Instant::now() + Duration::from_secs(20);
    while enma::cluster::cluster_status(&url).await.unwrap().executors.len() != 1 {
        assert!(Instant::now() < deadline, "the scheduler still lists the killed executor");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_insert_overwrite_that_loses_every_executor_fails_and_keeps_the_old_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = tpch_locally(dir.path(), 0.1, 8).await;
    rows(&mut l, "CREATE TABLE summary (l_suppkey BIGINT, n BIGINT) STORED AS PARQUET").await;
    rows(&mut l, "INSERT OVERWRITE TABLE summary VALUES (1, 1), (2, 2)").await;

    let mut cluster = LocalCluster::start(1).await;
    let remote = cluster.engine(&dir.path().join("data")).await;
    let mut c = session(&remote);
    rows(&mut c, "USE tpch").await;
    let insert = "INSERT OVERWRITE TABLE summary SELECT l_suppkey, count(DISTINCT o_custkey) FROM lineitem \
                  JOIN orders ON l_orderkey = o_orderkey GROUP BY l_suppkey";
    let started = Instant::now();
    let (result, ()) =
        tokio::join!(async { tokio::time::timeout(Duration::from_secs(120), try_rows(&mut c, insert)).await }, async {
            until_executor_finished_a_task(&cluster, 0).await;
            cluster.kill_executor(0);
        });
    let err = match result {
        Ok(Err(e)) => e,
        Ok(Ok(_)) => panic!("the insert succeeded without executors\n{}", cluster.logs()),
        Err(_) => panic!("the insert hung after losing every executor\n{}", cluster.logs()),
    };
    eprintln!("failed after {:?}: {err}", started.elapsed());
    assert!(err.message().contains("executor"), "the error does not say what happened: {err}");
    assert_eq!(
        rows(&mut l, "SELECT * FROM summary ORDER BY l_suppkey").await,
        vec![vec!["1".to_string(), "1".to_string()], vec!["2".to_string(), "2".to_string()]],
        "a failed INSERT OVERWRITE changed the table"
    );
}

/// TPC-H timing, locally and on a two-executor cluster: run by hand with
/// `ENMA_TPCH_SF=1 cargo test --release --test it cluster::tpch_timing -- --ignored --nocapture`
/// (data is generated once into `ENMA_TPCH_DIR`, default `target/tpch-sf<N>`).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, not a test: run by hand"]
async fn tpch_timing() {
    let sf: f64 = std::env::var("ENMA_TPCH_SF").ok().and_then(|v| v.parse().ok()).unwrap_or(1.0);
    let data = std::env::var("ENMA_TPCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/tpch-sf{sf}")));
    let generated = Instant::now();
    let tpch_dir = tpch::generate(&data, sf, 8);
    eprintln!("data ready in {:.1} s", generated.elapsed().as_secs_f64());
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let local = enma::open_engine(EngineConfig::new(&data_dir)).await.unwrap();
    let mut l = session(&local);
    rows(&mut l, &tpch::ddl(&tpch_dir, "tpch")).await;
    rows(&mut l, "USE tpch").await;
    let cluster = LocalCluster::start(2).await;
    let remote = cluster.engine(&data_dir).await;
    let mut c = session(&remote);
    rows(&mut c, "USE tpch").await;
    let (mut total_local, mut total_cluster) = (0.0, 0.0);
    eprintln!("query\tlocal s\tcluster s");
    for (name, sql) in tpch::queries() {
        let t = Instant::now();
        let want = rows(&mut l, &sql).await;
        let local_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let got = try_rows(&mut c, &sql).await;
        let cluster_s = t.elapsed().as_secs_f64();
        let same = matches!(&got, Ok(g) if *g == want);
        eprintln!("{name}\t{local_s:.2}\t{cluster_s:.2}{}", if same { "" } else { "\tDIFFERENT" });
        total_local += local_s;
        total_cluster += cluster_s;
    }
    eprintln!("total\t{total_local:.2}\t{total_cluster:.2}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_script_starts_checks_and_stops_a_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("cluster/local.sh");
    let port = free_port();
    let base = free_port();
    let run = |args: &[&str]| {
        let mut all = vec![args[0], "--dir", dir.path().to_str().unwrap()];
        all.extend_from_slice(&args[1..]);
        Command::new("bash")
            .arg(&script)
            .args(&all)
            .env("ENMA_SCHEDULER_PORT", port.to_string())
            .env("ENMA_EXECUTOR_BASE_PORT", base.to_string())
            .env_remove("ENMA_SCHEDULER")
            .output()
            .unwrap()
    };
    let started = run(&["start", "-n", "1", "--bin", env!("CARGO_BIN_EXE_enma")]);
    let say = |o: &std::process::Output| {
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    };
    assert!(started.status.success(), "{}", say(&started));
    let url = format!("df://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while enma::cluster::cluster_status(&url).await.map(|s| s.executors.len()).unwrap_or(0) != 1 {
        assert!(Instant::now() < deadline, "the executor did not register");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(run(&["status"]).status.success());
    assert!(!run(&["start"]).status.success(), "a second start must refuse while the cluster runs");
    let stopped = run(&["stop"]);
    assert!(stopped.status.success(), "{}", say(&stopped));
    assert!(!run(&["status"]).status.success(), "status after stop must say the roles are down");
    assert!(enma::cluster::cluster_status(&url).await.is_err(), "the scheduler still answers after stop");
}
