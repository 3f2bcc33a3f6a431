//! The warehouse on hdfs://, against a real HDFS named by `ENMA_TEST_HDFS_URL`
//! (e.g. `hdfs://namenode:9000/tmp/enma-test`). No HDFS can run on the CI
//! machines, so without the variable this test only reports that it did not run.

use enma::engine::{Engine, EngineConfig};

use crate::common::{lines, rows, session};

#[tokio::test]
async fn warehouse_on_hdfs() {
    let Ok(base) = std::env::var("ENMA_TEST_HDFS_URL") else {
        eprintln!("warehouse_on_hdfs: ENMA_TEST_HDFS_URL is not set; not run");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::new(dir.path());
    config.warehouse = Some(format!("{}/{}", base.trim_end_matches('/'), uuid::Uuid::new_v4().simple()));
    let engine = enma::open_engine(config).await.unwrap();
    let mut s = session(&engine);
    rows(
        &mut s,
        "CREATE TABLE h (k INT, v STRING) PARTITIONED BY (p STRING) STORED AS PARQUET;
         INSERT OVERWRITE TABLE h PARTITION (p='a') VALUES (1, 'x'), (2, 'y');
         INSERT INTO h PARTITION (p='b') VALUES (3, 'z')",
    )
    .await;
    assert_eq!(lines(&mut s, "SELECT p, count(*) FROM h GROUP BY p ORDER BY p").await, vec!["a\t2", "b\t1"]);
    rows(&mut s, "DROP TABLE h").await;
}
