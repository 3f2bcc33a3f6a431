//! HiveQL statement families end to end on file:// storage: DDL, DML with
//! static and dynamic partitions, LOAD, partition pruning, atomic overwrite,
//! and metastore persistence.

use std::time::Duration;

use enma::engine::EngineConfig;

use crate::common::{lines, rows, session, temp_engine, try_rows};

#[tokio::test]
async fn databases_and_tables() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    rows(&mut s, "CREATE DATABASE sales; CREATE DATABASE IF NOT EXISTS sales").await;
    assert!(try_rows(&mut s, "CREATE DATABASE sales").await.is_err());
    assert_eq!(lines(&mut s, "SHOW DATABASES").await, vec!["default", "sales"]);
    rows(&mut s, "USE sales; CREATE TABLE t1 (a INT, b STRING); CREATE TABLE t2 (a INT)").await;
    assert_eq!(lines(&mut s, "SHOW TABLES").await, vec!["t1", "t2"]);
    assert_eq!(lines(&mut s, "SHOW TABLES IN sales LIKE 't1|x*'").await, vec!["t1"]);
    assert_eq!(lines(&mut s, "SHOW TABLES IN default").await, Vec::<String>::new());
    assert!(try_rows(&mut s, "DROP DATABASE sales").await.is_err(), "non-empty database needs CASCADE");
    rows(&mut s, "USE default; DROP DATABASE sales CASCADE; DROP DATABASE IF EXISTS sales").await;
    assert_eq!(lines(&mut s, "SHOW DATABASES").await, vec!["default"]);
}

#[tokio::test]
async fn managed_and_external_tables_insert_select() {
    let (engine, dir) = temp_engine().await;
    let mut s = session(&engine);
    let ext = dir.path().join("ext");
    rows(
        &mut s,
        &format!(
            "CREATE TABLE m (id INT, name STRING, price DECIMAL(10,2), tags ARRAY<STRING>, attrs MAP<STRING,INT>, s STRUCT<x:INT,y:STRING>) STORED AS PARQUET;
             CREATE EXTERNAL TABLE e (id INT, name STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' STORED AS TEXTFILE LOCATION '{}';
             INSERT INTO m SELECT 1, 'a', 1.5, array('x','y'), map('k', 1), named_struct('x', 1, 'y', 'z');
             INSERT INTO m VALUES (2, 'b', 2.25, NULL, NULL, NULL);
             INSERT INTO e SELECT id, name FROM m",
            ext.display()
        ),
    )
    .await;
    assert_eq!(
        lines(&mut s, "SELECT * FROM m ORDER BY id").await,
        vec!["1\ta\t1.50\t[\"x\",\"y\"]\t{\"k\":1}\t{\"x\":1,\"y\":\"z\"}", "2\tb\t2.25\tNULL\tNULL\tNULL"]
    );
    assert_eq!(lines(&mut s, "SELECT * FROM e ORDER BY id").await, vec!["1\ta", "2\tb"]);
    // The external table's files are Hive text files with its delimiter.
    let text: String = std::fs::read_dir(&ext)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect();
    assert!(text.contains("1,a\n") && text.contains("2,b\n"), "{text:?}");
    // Dropping: external data stays, managed data goes.
    let m_loc = engine.metastore().table("default", "m").unwrap().location;
    rows(&mut s, "DROP TABLE e; DROP TABLE m").await;
    assert!(ext.read_dir().unwrap().count() > 0);
    let m_path = url::Url::parse(&m_loc).unwrap().to_file_path().unwrap();
    assert!(!m_path.exists() || walk(&m_path).is_empty(), "managed data left at {m_loc}");
    assert!(try_rows(&mut s, "SELECT * FROM m").await.is_err());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test]
async fn static_and_dynamic_partitions_with_pruning() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    rows(
        &mut s,
        "CREATE TABLE src (meter INT, kwh DOUBLE, day STRING) STORED AS PARQUET;
         INSERT INTO src VALUES (1, 1.5, '2024-01-01'), (2, 2.5, '2024-01-01'), (1, 3.0, '2024-01-02'), (3, 4.0, NULL);
         CREATE TABLE r (meter INT, kwh DOUBLE) PARTITIONED BY (year INT, day STRING) STORED AS PARQUET;
         INSERT OVERWRITE TABLE r PARTITION (year=2023, day='2023-12-31') SELECT meter, kwh FROM src WHERE day = '2024-01-01'",
    )
    .await;
    assert!(
        try_rows(&mut s, "INSERT OVERWRITE TABLE r PARTITION (year, day) SELECT meter, kwh, 2024, day FROM src")
            .await
            .is_err(),
        "strict mode"
    );
    rows(
        &mut s,
        "SET hive.exec.dynamic.partition.mode=nonstrict;
         INSERT OVERWRITE TABLE r PARTITION (year, day) SELECT meter, kwh, 2024, day FROM src;
         INSERT INTO TABLE r PARTITION (year=2024, day) SELECT meter, kwh, day FROM src WHERE meter = 2",
    )
    .await;
    assert_eq!(
        lines(&mut s, "SHOW PARTITIONS r").await,
        vec![
            "year=2023/day=2023-12-31",
            "year=2024/day=2024-01-01",
            "year=2024/day=2024-01-02",
            "year=2024/day=__HIVE_DEFAULT_PARTITION__"
        ]
    );
    assert_eq!(
        lines(&mut s, "SELECT year, day, count(*), sum(kwh) FROM r GROUP BY year, day ORDER BY year, day").await,
        // As in Hive, the default partition of a string column reads as its name.
        vec![
            "2023\t2023-12-31\t2\t4.0",
            "2024\t2024-01-01\t3\t6.5",
            "2024\t2024-01-02\t1\t3.0",
            "2024\t__HIVE_DEFAULT_PARTITION__\t1\t4.0"
        ]
    );
    // Pruning: the plan reads the files of one partition only.
    let plan =
        lines(&mut s, "EXPLAIN SELECT sum(kwh) FROM r WHERE day = '2024-01-02' AND year = 2024").await.join("\n");
    assert!(plan.contains("day=2024-01-02"), "{plan}");
    assert!(!plan.contains("day=2024-01-01") && !plan.contains("day=2023-12-31"), "{plan}");
    assert_eq!(lines(&mut s, "SELECT sum(kwh) FROM r WHERE day = '2024-01-02' AND year = 2024").await, vec!["3.0"]);
    // Partitions by hand, MSCK, drop.
    rows(&mut s, "ALTER TABLE r ADD IF NOT EXISTS PARTITION (year=2025, day='x') PARTITION (year=2025, day='y')").await;
    assert!(try_rows(&mut s, "ALTER TABLE r ADD PARTITION (year=2025, day='x')").await.is_err());
    rows(&mut s, "ALTER TABLE r DROP PARTITION (year=2025)").await;
    assert_eq!(lines(&mut s, "SHOW PARTITIONS r PARTITION (year=2025)").await, Vec::<String>::new());
    assert_eq!(lines(&mut s, "SELECT count(*) FROM r").await, vec!["7"]);
}

#[tokio::test]
async fn msck_discovers_partition_directories() {
    let (engine, dir) = temp_engine().await;
    let mut s = session(&engine);
    let base = dir.path().join("logs");
    for (d, content) in [("dt=2024-01-01", "a\t1\nb\t2\n"), ("dt=2024-01-02", "c\t3\n")] {
        std::fs::create_dir_all(base.join(d)).unwrap();
        std::fs::write(base.join(d).join("data.txt"), content).unwrap();
    }
    rows(
        &mut s,
        &format!(
            "CREATE EXTERNAL TABLE logs (k STRING, v INT) PARTITIONED BY (dt STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' LOCATION '{}'",
            base.display()
        ),
    )
    .await;
    assert_eq!(lines(&mut s, "SELECT count(*) FROM logs").await, vec!["0"]);
    rows(&mut s, "MSCK REPAIR TABLE logs").await;
    assert_eq!(lines(&mut s, "SHOW PARTITIONS logs").await, vec!["dt=2024-01-01", "dt=2024-01-02"]);
    assert_eq!(
        lines(&mut s, "SELECT dt, sum(v) FROM logs GROUP BY dt ORDER BY dt").await,
        vec!["2024-01-01\t3", "2024-01-02\t3"]
    );
}

#[tokio::test]
async fn load_data_truncate_alter_describe() {
    let (engine, dir) = temp_engine().await;
    let mut s = session(&engine);
    let f = dir.path().join("in.csv");
    std::fs::write(&f, "id,name\n1,x\n2,\\N\nbad,z\n").unwrap();
    rows(
        &mut s,
        &format!(
            "CREATE TABLE t (id INT, name STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' TBLPROPERTIES ('skip.header.line.count'='1');
             LOAD DATA LOCAL INPATH '{0}' INTO TABLE t;
             LOAD DATA LOCAL INPATH '{0}' INTO TABLE t",
            f.display()
        ),
    )
    .await;
    assert!(f.exists(), "LOAD DATA LOCAL copies");
    assert_eq!(
        lines(&mut s, "SELECT * FROM t ORDER BY id, name").await,
        vec!["NULL\tz", "NULL\tz", "1\tx", "1\tx", "2\tNULL", "2\tNULL"]
    );
    rows(&mut s, &format!("LOAD DATA LOCAL INPATH '{}' OVERWRITE INTO TABLE t", f.display())).await;
    assert_eq!(lines(&mut s, "SELECT count(*) FROM t").await, vec!["3"]);
    rows(&mut s, "ALTER TABLE t ADD COLUMNS (extra DOUBLE COMMENT 'new')").await;
    assert_eq!(lines(&mut s, "SELECT id, extra FROM t WHERE id = 1").await, vec!["1\tNULL"]);
    assert_eq!(lines(&mut s, "DESCRIBE t").await, vec!["id\tint\t", "name\tstring\t", "extra\tdouble\tnew"]);
    let formatted = lines(&mut s, "DESCRIBE FORMATTED t").await.join("\n");
    assert!(formatted.contains("MANAGED_TABLE") && formatted.contains("skip.header.line.count"), "{formatted}");
    let ddl = lines(&mut s, "SHOW CREATE TABLE t").await.join("\n");
    assert!(ddl.contains("CREATE TABLE `default.t`(") && ddl.contains("LazySimpleSerDe"), "{ddl}");
    rows(&mut s, "ALTER TABLE t RENAME TO t2; TRUNCATE TABLE t2").await;
    assert_eq!(lines(&mut s, "SELECT count(*) FROM t2").await, vec!["0"]);
    assert!(try_rows(&mut s, "SELECT * FROM t").await.is_err());
    rows(&mut s, "CREATE TABLE t3 LIKE t2; CREATE TABLE t4 AS SELECT 1 AS one, 'x' AS two").await;
    assert_eq!(lines(&mut s, "DESCRIBE t3").await.len(), 3);
    assert_eq!(lines(&mut s, "SELECT * FROM t4").await, vec!["1\tx"]);
    // A CTAS whose query fails creates nothing.
    assert!(try_rows(&mut s, "CREATE TABLE t5 AS SELECT * FROM nope").await.is_err());
    assert!(try_rows(&mut s, "SELECT * FROM t5").await.is_err());
}

#[tokio::test]
async fn hive_query_semantics() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    rows(&mut s, "CREATE TABLE n (a INT, b STRING) STORED AS PARQUET; INSERT INTO n VALUES (1, '10'), (2, '9'), (3, 'x'), (4, '5')").await;
    assert_eq!(lines(&mut s, "SELECT a FROM n WHERE b > 8 ORDER BY a").await, vec!["1", "2"]);
    assert_eq!(lines(&mut s, "SELECT 7 / 2, '10' > 9, '1.0' = 1").await, vec!["3.5\ttrue\ttrue"]);
    assert_eq!(lines(&mut s, "SELECT count(*) FROM n TABLESAMPLE (2 ROWS)").await, vec!["2"]);
    assert_eq!(lines(&mut s, "SELECT 'a\\tb', \"dq\"").await, vec!["a\tb\tdq"]);
    let out = session(&engine).run("SELECT count(*), max(a) FROM n").await.unwrap();
    let names: Vec<_> = out.schema.fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names, vec!["_c0", "_c1"]);
    assert_eq!(lines(&mut s, "SET x=1; SET x").await, vec!["x=1"]);
}

#[tokio::test]
async fn insert_overwrite_is_atomic_for_concurrent_readers() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    // Every generation of the table has rows with one value of g and sum 100*g.
    rows(&mut s, "CREATE TABLE a (g INT, v INT) STORED AS PARQUET; INSERT OVERWRITE TABLE a SELECT 0, 0").await;
    let reader_engine = engine.clone();
    let reader = tokio::spawn(async move {
        let mut r = session(&reader_engine);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..60 {
            let got = rows(&mut r, "SELECT count(DISTINCT g), min(g), sum(v) FROM a").await;
            let (distinct, g, sum) = (&got[0][0], got[0][1].parse::<i64>().unwrap(), got[0][2].parse::<i64>().unwrap());
            assert_eq!(distinct, "1", "a reader saw two generations at once: {got:?}");
            assert_eq!(sum, if g == 0 { 0 } else { 100 }, "a reader saw a partial generation: {got:?}");
            seen.insert(g);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        seen
    });
    for g in 1..=20 {
        rows(&mut s, &format!("INSERT OVERWRITE TABLE a SELECT {g}, CAST(value AS INT) * 0 + 1 FROM range(100)")).await;
        rows(&mut s, &format!("INSERT OVERWRITE TABLE a SELECT {g}, CAST(value AS INT) * 0 + 1 FROM range(100)")).await;
    }
    let seen = reader.await.unwrap();
    assert!(!seen.is_empty());
    // A failing overwrite leaves the old data readable.
    let before = lines(&mut s, "SELECT g, sum(v) FROM a GROUP BY g").await;
    let bad = try_rows(&mut s, "INSERT OVERWRITE TABLE a SELECT 99, v FROM no_such_table").await;
    assert!(bad.is_err());
    let err = try_rows(&mut s, "INSERT OVERWRITE TABLE a SELECT 99, CAST(arrow_cast('x', 'Int32') AS INT)").await;
    assert!(err.is_err(), "a failing query must fail the insert");
    assert_eq!(lines(&mut s, "SELECT g, sum(v) FROM a GROUP BY g").await, before);
    // Replaced generations go once they are past the retention period.
    rows(&mut s, "SET enma.overwrite.retain.seconds=0; INSERT OVERWRITE TABLE a SELECT 7, 1; INSERT OVERWRITE TABLE a SELECT 8, 1").await;
    let loc = engine.metastore().table("default", "a").unwrap().location;
    let dir = url::Url::parse(&loc).unwrap().to_file_path().unwrap();
    let gens = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(".gen-"))
        .count();
    assert_eq!(gens, 1, "stale generations left in {}", dir.display());
    assert_eq!(lines(&mut s, "SELECT g, v FROM a").await, vec!["8\t1"]);
}

#[tokio::test]
async fn metastore_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = enma::open_engine(EngineConfig::new(dir.path())).await.unwrap();
        let mut s = session(&engine);
        rows(&mut s, "CREATE DATABASE d; CREATE TABLE d.t (x INT) PARTITIONED BY (p STRING) STORED AS PARQUET; INSERT INTO d.t PARTITION (p='a') VALUES (1)").await;
    }
    let engine = enma::open_engine(EngineConfig::new(dir.path())).await.unwrap();
    let mut s = session(&engine);
    assert_eq!(lines(&mut s, "SELECT * FROM d.t").await, vec!["1\ta"]);
    assert_eq!(lines(&mut s, "SHOW PARTITIONS d.t").await, vec!["p=a"]);
}

#[tokio::test]
async fn memory_limit_makes_big_sorts_spill() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::new(dir.path());
    config.memory_limit = Some(20 << 20);
    let engine = enma::open_engine(config).await.unwrap();
    let mut s = session(&engine);
    let got =
        lines(&mut s, "SELECT count(*), min(k) FROM (SELECT value AS k FROM range(2000000) ORDER BY value * -1) t")
            .await;
    assert_eq!(got, vec!["2000000\t0"]);
}

#[tokio::test]
async fn concurrent_ddl_keeps_every_change() {
    let (engine, _dir) = temp_engine().await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            let mut s = session(&engine);
            rows(&mut s, &format!("CREATE TABLE c{i} (x INT); INSERT INTO c{i} VALUES ({i})")).await;
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut s = session(&engine);
    assert_eq!(lines(&mut s, "SHOW TABLES").await.len(), 16);
    assert_eq!(lines(&mut s, "SELECT sum(x) FROM (SELECT x FROM c0 UNION ALL SELECT x FROM c15) t").await, vec!["15"]);
}

#[tokio::test]
async fn remote_callers_may_not_touch_the_local_disk_unless_allowed() {
    use enma::engine::Caller;
    let dir = tempfile::tempdir().unwrap();
    let allowed = dir.path().join("allowed");
    std::fs::create_dir_all(&allowed).unwrap();
    std::fs::write(allowed.join("in.txt"), "1\n").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "2\n").unwrap();
    let mut config = EngineConfig::new(dir.path().join("data"));
    config.remote_access.local_dirs = vec![std::fs::canonicalize(&allowed).unwrap()];
    let engine = enma::open_engine(config).await.unwrap();
    let mut remote = engine.session("default", Caller::Remote).unwrap();
    rows(&mut remote, "CREATE TABLE t (x INT)").await;
    for sql in [
        format!("LOAD DATA LOCAL INPATH '{}' INTO TABLE t", dir.path().join("secret.txt").display()),
        format!("CREATE EXTERNAL TABLE e (x INT) LOCATION '{}'", dir.path().display()),
        format!("CREATE DATABASE d LOCATION '{}'", dir.path().join("db").display()),
    ] {
        let err = try_rows(&mut remote, &sql).await.unwrap_err();
        assert_eq!(err.kind(), enma::ErrorKind::Forbidden, "{sql}: {err}");
        assert!(err.message().contains("--allow-local-dir"), "{err}");
    }
    rows(&mut remote, &format!("LOAD DATA LOCAL INPATH '{}' INTO TABLE t", allowed.join("in.txt").display())).await;
    assert_eq!(lines(&mut remote, "SELECT * FROM t").await, vec!["1"]);
    // The operator (CLI) is not limited.
    let mut local = session(&engine);
    rows(&mut local, &format!("LOAD DATA LOCAL INPATH '{}' INTO TABLE t", dir.path().join("secret.txt").display()))
        .await;
    assert_eq!(lines(&mut local, "SELECT count(*) FROM t").await, vec!["2"]);
}

/// Scans carry the Parquet footers' row counts, so joins put the smaller side
/// on the build side; text files carry at least their size.
#[tokio::test]
async fn scans_know_row_counts_and_joins_build_on_the_smaller_side() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    rows(
        &mut s,
        "CREATE TABLE big (k INT, v STRING) STORED AS PARQUET; \
         CREATE TABLE small (k INT, name STRING) STORED AS PARQUET; \
         CREATE TABLE notes (k INT, note STRING); \
         INSERT INTO big SELECT pos % 10, cast(pos AS STRING) FROM (SELECT posexplode(split(space(499), ' ')) AS (pos, x)) g; \
         INSERT INTO small VALUES (1, 'one'), (2, 'two'); \
         INSERT INTO notes VALUES (1, 'n')",
    )
    .await;
    let plan = lines(&mut s, "SET datafusion.explain.show_statistics=true; EXPLAIN SELECT * FROM big").await.join("\n");
    assert!(plan.contains("Rows=Exact(500)"), "{plan}");
    let plan =
        lines(&mut s, "SET datafusion.explain.show_statistics=true; EXPLAIN SELECT * FROM notes").await.join("\n");
    assert!(plan.contains("Bytes=Inexact("), "{plan}");
    // Written with the big table first, built from the small one.
    let plan = lines(
        &mut s,
        "SET datafusion.explain.show_statistics=false; EXPLAIN SELECT b.v, s.name FROM big b JOIN small s ON b.k = s.k",
    )
    .await
    .join("\n");
    let join = plan.lines().position(|l| l.contains("HashJoinExec")).expect(&plan);
    let first_scan = plan.lines().skip(join).find(|l| l.contains("DataSourceExec")).expect(&plan);
    assert!(first_scan.contains("/small/"), "the build side (first input) should scan small:\n{plan}");
    assert_eq!(
        rows(&mut s, "SELECT count(*) FROM big b JOIN small s ON b.k = s.k").await,
        vec![vec!["100".to_string()]]
    );
}
