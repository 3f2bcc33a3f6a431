//! Hive tables stored by the HBase storage handler: SQL reads and writes the
//! key-value store's cells, row-key conditions reach the store as key ranges
//! (EXPLAIN shows them), and SQL returns what a scan of the store returns.

use bytes::Bytes;
use enma_kv::{Family, Mutation, Scan, TableName, TableSchema};

use crate::common::{free_port, lines, rows, session, temp_engine, try_rows};

const METERS: &str = "CREATE TABLE meters (id STRING, kind STRING, kwh DOUBLE, readings INT, attrs MAP<STRING,STRING>)
     STORED BY 'org.apache.hadoop.hive.hbase.HBaseStorageHandler'
     WITH SERDEPROPERTIES ('hbase.columns.mapping' = ':key,info:kind,m:kwh,m:n#b,attrs:')
     TBLPROPERTIES ('hbase.table.name' = 'meters_kv')";

#[tokio::test]
async fn sql_over_an_hbase_table_matches_a_scan_of_the_store() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    rows(&mut s, METERS).await;
    rows(
        &mut s,
        "INSERT INTO meters VALUES ('m1', 'house', 1.5, 7, map('city', 'Oslo')), ('m2', 'shop', 20.25, 9, NULL),
                                   ('m3', 'house', NULL, 2, map('city', 'Bergen', 'floor', '2'))",
    )
    .await;
    assert_eq!(
        lines(&mut s, "SELECT * FROM meters").await,
        [
            "m1\thouse\t1.5\t7\t{\"city\":\"Oslo\"}",
            "m2\tshop\t20.25\t9\t{}",
            "m3\thouse\tNULL\t2\t{\"city\":\"Bergen\",\"floor\":\"2\"}",
        ]
    );
    // The same cells through the store: text values, the #b column as 4 big-endian bytes.
    let store = enma::hbase_handler::store(&engine).unwrap();
    let t = TableName::parse("meters_kv").unwrap();
    let scanned: Vec<_> = store.scanner(&t, Scan::default()).unwrap().map(|r| r.unwrap()).collect();
    assert_eq!(scanned.iter().map(|r| r.key.clone()).collect::<Vec<_>>(), ["m1", "m2", "m3"]);
    let m1: Vec<(Vec<u8>, Bytes)> = scanned[0].cells.iter().map(|c| (c.column(), c.value.clone())).collect();
    assert_eq!(
        m1,
        [
            (b"attrs:city".to_vec(), Bytes::from("Oslo")),
            (b"info:kind".to_vec(), Bytes::from("house")),
            (b"m:kwh".to_vec(), Bytes::from("1.5")),
            (b"m:n".to_vec(), Bytes::copy_from_slice(&7i32.to_be_bytes())),
        ]
    );
    // Key conditions become key ranges in the plan, and select the same rows.
    let plan = lines(&mut s, "EXPLAIN SELECT kind FROM meters WHERE id = 'm2'").await.join("\n");
    assert!(plan.contains("HBaseScanExec: table=meters_kv, row_keys=[='m2']"), "{plan}");
    assert_eq!(lines(&mut s, "SELECT kind FROM meters WHERE id = 'm2'").await, ["shop"]);
    let plan = lines(&mut s, "EXPLAIN SELECT id FROM meters WHERE id >= 'm2' AND id < 'm9'").await.join("\n");
    assert!(plan.contains("row_keys=[['m2', 'm9')]"), "{plan}");
    assert_eq!(lines(&mut s, "SELECT id FROM meters WHERE id >= 'm2' AND id < 'm9'").await, ["m2", "m3"]);
    let plan = lines(&mut s, "EXPLAIN SELECT id FROM meters WHERE id IN ('m3', 'm1', 'x')").await.join("\n");
    assert!(plan.contains("row_keys=[='m1', ='m3', ='x']"), "{plan}");
    assert_eq!(lines(&mut s, "SELECT id FROM meters WHERE id IN ('m3', 'm1', 'x') ORDER BY id").await, ["m1", "m3"]);
    let plan = lines(&mut s, "EXPLAIN SELECT id FROM meters WHERE id LIKE 'm%' AND kind = 'house'").await.join("\n");
    assert!(plan.contains("row_keys=[['m', 'n')]"), "{plan}");
    assert_eq!(lines(&mut s, "SELECT id FROM meters WHERE id LIKE 'm%' AND kind = 'house'").await, ["m1", "m3"]);
    assert_eq!(lines(&mut s, "SELECT count(*), sum(readings) FROM meters").await, ["3\t18"]);
    // A cell written by a store client shows up in SQL; a later INSERT replaces cells.
    store
        .mutate_row(
            &t,
            b"m4",
            &[Mutation::Put {
                family: "info".into(),
                qualifier: "kind".into(),
                timestamp: None,
                value: "plant".into(),
            }],
        )
        .unwrap();
    rows(&mut s, "INSERT OVERWRITE TABLE meters SELECT 'm1', 'office', 3.0, 8, NULL").await;
    assert_eq!(
        lines(&mut s, "SELECT id, kind, kwh, readings FROM meters WHERE id IN ('m1', 'm4') ORDER BY id").await,
        ["m1\toffice\t3.0\t8", "m4\tplant\tNULL\tNULL"]
    );
    let ddl = lines(&mut s, "SHOW CREATE TABLE meters").await.join("\n");
    assert!(
        ddl.contains("STORED BY") && ddl.contains("HBaseStorageHandler") && ddl.contains("hbase.columns.mapping"),
        "{ddl}"
    );
    // Dropping the managed table deletes the store's table.
    rows(&mut s, "DROP TABLE meters").await;
    assert!(!store.table_exists(&t));
}

#[tokio::test]
async fn external_tables_bind_existing_store_tables_and_bad_mappings_are_refused() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    let store = enma::hbase_handler::store(&engine).unwrap();
    let t = TableName::parse("readings").unwrap();
    store.create_table(TableSchema { name: t.clone(), families: vec![Family::new("r")] }).unwrap();
    let put = |q: &str, ts: i64, v: Vec<u8>| Mutation::Put {
        family: "r".into(),
        qualifier: Bytes::copy_from_slice(q.as_bytes()),
        timestamp: Some(ts),
        value: v.into(),
    };
    store
        .mutate_row(
            &t,
            b"k1",
            &[put("kwh", 1_700_000_000_000, 2.5f64.to_be_bytes().to_vec()), put("ok", 1_700_000_000_000, vec![0xFF])],
        )
        .unwrap();
    store.mutate_row(&t, b"k2", &[put("kwh", 1_700_000_001_000, vec![1, 2])]).unwrap();
    assert!(
        try_rows(&mut s, "CREATE EXTERNAL TABLE missing (k STRING, v STRING) STORED BY 'org.apache.hadoop.hive.hbase.HBaseStorageHandler' WITH SERDEPROPERTIES ('hbase.columns.mapping' = ':key,r:v')")
            .await
            .unwrap_err()
            .to_string()
            .contains("doesn't exist")
    );
    rows(
        &mut s,
        "CREATE EXTERNAL TABLE readings (k STRING, kwh DOUBLE, ok BOOLEAN, ts BIGINT)
         STORED BY 'org.apache.hadoop.hive.hbase.HBaseStorageHandler'
         WITH SERDEPROPERTIES ('hbase.columns.mapping' = ':key,r:kwh,r:ok,:timestamp', 'hbase.table.default.storage.type' = 'binary')",
    )
    .await;
    // A value of the wrong width reads as NULL, as Hive reads it.
    assert_eq!(
        lines(&mut s, "SELECT * FROM readings").await,
        ["k1\t2.5\ttrue\t1700000000000", "k2\tNULL\tNULL\t1700000001000"]
    );
    rows(&mut s, "DROP TABLE readings").await;
    assert!(store.table_exists(&t), "dropping an external table keeps the store's table");
    for (ddl, message) in [
        (
            "CREATE TABLE b1 (k STRING, v STRING) STORED BY 'org.apache.hadoop.hive.hbase.HBaseStorageHandler' WITH SERDEPROPERTIES ('hbase.columns.mapping' = ':key')",
            "entries",
        ),
        (
            "CREATE TABLE b2 (k STRING, v STRING) STORED BY 'org.apache.hadoop.hive.hbase.HBaseStorageHandler' WITH SERDEPROPERTIES ('hbase.columns.mapping' = 'f:a,f:b')",
            ":key",
        ),
        (
            "CREATE TABLE b3 (k STRING, v STRING) STORED BY 'org.apache.hadoop.hive.hbase.HBaseStorageHandler' WITH SERDEPROPERTIES ('hbase.columns.mapping' = ':key,f:')",
            "MAP",
        ),
        (
            "CREATE TABLE b4 (k STRING, v STRING) STORED BY 'com.example.Other' WITH SERDEPROPERTIES ('hbase.columns.mapping' = ':key,f:a')",
            "not supported",
        ),
        (
            "CREATE TABLE b5 (k STRING, v STRING) STORED BY 'org.apache.hadoop.hive.hbase.HBaseStorageHandler'",
            "hbase.columns.mapping",
        ),
    ] {
        let err = try_rows(&mut s, ddl).await.unwrap_err().to_string();
        assert!(err.contains(message), "{ddl}: {err}");
    }
    rows(&mut s, "CREATE TABLE ok (k STRING, v STRING) STORED BY 'org.apache.hadoop.hive.hbase.HBaseStorageHandler' WITH SERDEPROPERTIES ('hbase.columns.mapping' = ':key,f:v')").await;
    let err = try_rows(&mut s, "INSERT INTO ok VALUES (NULL, 'x')").await.unwrap_err().to_string();
    assert!(err.contains("row key cannot be NULL"), "{err}");
    let err = try_rows(&mut s, "TRUNCATE TABLE ok").await.unwrap_err().to_string();
    assert!(err.contains("non-native"), "{err}");
}

/// happybase writes through `enma serve --hbase` one row at a time and prints
/// each acknowledged row; the server is killed with SIGKILL mid-stream, and
/// every acknowledged row is in the store afterwards.
#[test]
fn writes_acknowledged_over_thrift_survive_kill_9_of_the_server() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let python = std::env::var("ENMA_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("ENMA_TEST_PYTHON is not set: run tests/run.sh, which installs happybase into a venv")
    });
    let dir = tempfile::tempdir().unwrap();
    let (api, rest, thrift) = (free_port(), free_port(), free_port());
    let mut server = Command::new(env!("CARGO_BIN_EXE_enma"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{api}"), "--hbase"])
        .args([
            "--hbase-rest-listen",
            &format!("127.0.0.1:{rest}"),
            "--hbase-thrift-listen",
            &format!("127.0.0.1:{thrift}"),
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The server starts in well under a second alone, but far slower while the
    // other tests load both cores: wait for its port rather than a fixed time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while std::net::TcpStream::connect(("127.0.0.1", thrift)).is_err() {
        assert!(std::time::Instant::now() < deadline, "enma serve --hbase did not listen within 120 s");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let writer = format!(
        r#"
import sys, time, happybase
for attempt in range(100):
    try:
        c = happybase.Connection('127.0.0.1', {thrift}, autoconnect=True)
        c.tables()
        break
    except Exception:
        time.sleep(0.1)
c.create_table('durable', {{'d': dict()}})
t = c.table('durable')
i = 0
while True:
    t.put(b'row%08d' % i, {{b'd:n': str(i).encode()}})
    print('ack', i, flush=True)
    i += 1
"#
    );
    let mut client =
        Command::new(&python).args(["-c", &writer]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut last = None;
    for line in std::io::BufReader::new(client.stdout.take().unwrap()).lines() {
        let Ok(line) = line else { break };
        if let Some(n) = line.strip_prefix("ack ") {
            last = Some(n.parse::<u64>().unwrap());
            if last >= Some(300) {
                break;
            }
        }
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let _ = client.kill();
    let out = client.wait_with_output().unwrap();
    let last =
        last.unwrap_or_else(|| panic!("happybase acknowledged no write: {}", String::from_utf8_lossy(&out.stderr)));
    let store = enma_kv::Store::open(dir.path().join("kv"), enma_kv::StoreOptions::default()).unwrap();
    let t = TableName::parse("durable").unwrap();
    let keys: Vec<Bytes> = store.scanner(&t, Scan::default()).unwrap().map(|r| r.unwrap().key).collect();
    assert!(keys.len() as u64 > last, "{} rows after the kill, {} acknowledged", keys.len(), last + 1);
    for (i, k) in keys.iter().take(last as usize + 1).enumerate() {
        assert_eq!(*k, format!("row{i:08}"));
    }
}

#[tokio::test]
async fn describe_formatted_names_the_storage_handler() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    rows(&mut s, METERS).await;
    let text = lines(&mut s, "DESCRIBE FORMATTED meters").await.join("\n");
    assert!(text.contains("storage_handler\torg.apache.hadoop.hive.hbase.HBaseStorageHandler"), "{text}");
    assert!(text.contains("SerDe Library:\torg.apache.hadoop.hive.hbase.HBaseSerDe"), "{text}");
    assert!(text.contains("hbase.columns.mapping\t:key,info:kind,m:kwh,m:n#b,attrs:"), "{text}");
}
