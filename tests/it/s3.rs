//! The warehouse and table locations on s3:// against a real S3-compatible
//! server (moto), started on a loopback port by this test. The test script
//! (tests/run.sh) installs it and sets `ENMA_MOTO_SERVER`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use enma::engine::EngineConfig;
use enma::storage::S3Config;

use crate::common::{lines, rows, session, try_rows};

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// ENMA's settings for this server.
    pub fn config(&self) -> S3Config {
        S3Config {
            endpoint: Some(self.endpoint.clone()),
            region: Some("us-east-1".into()),
            access_key_id: Some("test".into()),
            secret_access_key: Some("test".into()),
            allow_http: true,
        }
    }
}

pub async fn start_moto() -> Moto {
    let bin = std::env::var("ENMA_MOTO_SERVER")
        .expect("ENMA_MOTO_SERVER must name moto_server: run the tests with tests/run.sh");
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let endpoint = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{endpoint}/")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for bucket in ["warehouse", "external"] {
        let r = client.put(format!("{endpoint}/{bucket}")).send().await.expect("create bucket");
        assert!(r.status().is_success(), "create bucket: {}", r.status());
    }
    Moto { child, endpoint }
}

#[tokio::test]
async fn warehouse_on_s3() {
    let moto = start_moto().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::new(dir.path());
    config.warehouse = Some("s3://warehouse/hive".into());
    config.s3 = moto.config();
    let engine = enma::open_engine(config.clone()).await.unwrap();
    let mut s = session(&engine);
    rows(
        &mut s,
        "CREATE DATABASE energy;
         CREATE TABLE energy.r (meter INT, kwh DOUBLE) PARTITIONED BY (day STRING) STORED AS PARQUET;
         SET hive.exec.dynamic.partition.mode=nonstrict;
         INSERT INTO energy.r PARTITION (day) VALUES (1, 1.5, 'd1'), (2, 2.5, 'd1'), (1, 4.0, 'd2');
         INSERT OVERWRITE TABLE energy.r PARTITION (day='d2') SELECT 9, 9.0;
         CREATE EXTERNAL TABLE energy.e (a INT, b STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LOCATION 's3://external/e';
         INSERT INTO energy.e VALUES (1, 'x'), (2, NULL);
         CREATE TABLE energy.j (a INT, m MAP<STRING,INT>) STORED AS JSONFILE;
         INSERT INTO energy.j SELECT 1, map('k', 2)",
    )
    .await;
    let loc = engine.metastore().table("energy", "r").unwrap().location;
    assert!(loc.starts_with("s3://warehouse/hive/energy.db/r"), "{loc}");
    assert_eq!(
        lines(&mut s, "SELECT day, meter, kwh FROM energy.r ORDER BY day, meter").await,
        vec!["d1\t1\t1.5", "d1\t2\t2.5", "d2\t9\t9.0"]
    );
    assert_eq!(lines(&mut s, "SHOW PARTITIONS energy.r").await, vec!["day=d1", "day=d2"]);
    let plan = lines(&mut s, "EXPLAIN SELECT * FROM energy.r WHERE day = 'd1'").await.join("\n");
    assert!(plan.contains("day=d1") && !plan.contains("day=d2"), "{plan}");
    assert_eq!(lines(&mut s, "SELECT * FROM energy.e ORDER BY a").await, vec!["1\tx", "2\tNULL"]);
    assert_eq!(lines(&mut s, "SELECT a, m FROM energy.j").await, vec!["1\t{\"k\":2}"]);
    rows(&mut s, "TRUNCATE TABLE energy.j; ALTER TABLE energy.r DROP PARTITION (day='d1')").await;
    assert_eq!(lines(&mut s, "SELECT count(*) FROM energy.j").await, vec!["0"]);
    assert_eq!(lines(&mut s, "SELECT count(*) FROM energy.r").await, vec!["1"]);
    rows(&mut s, "DROP TABLE energy.e").await;
    // External data outlives the table; a new table over it sees it again.
    rows(&mut s, "CREATE EXTERNAL TABLE energy.e2 (a INT, b STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LOCATION 's3://external/e'").await;
    assert_eq!(lines(&mut s, "SELECT count(*) FROM energy.e2").await, vec!["2"]);
    // A bucket that does not exist is a clear error, not a hang.
    assert!(
        try_rows(&mut s, "CREATE EXTERNAL TABLE energy.bad (a INT) LOCATION 's3://nope/x'; SELECT * FROM energy.bad")
            .await
            .is_err()
    );
    // LOAD DATA from S3 moves the objects; MSCK finds partition directories on S3.
    let client = reqwest::Client::new();
    for (key, body) in [("incoming/a.txt", "5|five\n6|six\n"), ("logs/dt=1/part", "1\n2\n"), ("logs/dt=2/part", "3\n")]
    {
        let r = client.put(format!("{}/external/{key}", moto.endpoint)).body(body).send().await.unwrap();
        assert!(r.status().is_success());
    }
    rows(&mut s, "LOAD DATA INPATH 's3://external/incoming/a.txt' INTO TABLE energy.e2").await;
    assert_eq!(lines(&mut s, "SELECT a, b FROM energy.e2 WHERE a > 4 ORDER BY a").await, vec!["5\tfive", "6\tsix"]);
    let r = client.get(format!("{}/external/incoming/a.txt", moto.endpoint)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404, "LOAD DATA INPATH moves the file");
    rows(&mut s, "CREATE EXTERNAL TABLE energy.logs (v INT) PARTITIONED BY (dt INT) LOCATION 's3://external/logs'; MSCK REPAIR TABLE energy.logs").await;
    assert_eq!(lines(&mut s, "SELECT dt, sum(v) FROM energy.logs GROUP BY dt ORDER BY dt").await, vec!["1\t3", "2\t3"]);
    // CTAS, rename (the managed data moves) and describe on S3.
    rows(&mut s, "CREATE TABLE energy.c AS SELECT meter, kwh FROM energy.r; ALTER TABLE energy.c RENAME TO energy.c2")
        .await;
    assert_eq!(lines(&mut s, "SELECT * FROM energy.c2").await, vec!["9\t9.0"]);
    assert!(engine.metastore().table("energy", "c2").unwrap().location.ends_with("energy.db/c2"));
    assert_eq!(lines(&mut s, "DESCRIBE energy.c2").await, vec!["meter\tint\t", "kwh\tdouble\t"]);
    drop(s);
    // The metastore (local) and data (S3) survive a restart.
    let engine = enma::open_engine(config).await.unwrap();
    let mut s = session(&engine);
    assert_eq!(lines(&mut s, "SELECT sum(kwh) FROM energy.r").await, vec!["9.0"]);
}
