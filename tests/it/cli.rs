//! The `enma sql` command line, run as a separate process.

use std::process::Command;

fn enma(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_enma")).arg("--data-dir").arg(data).args(args).output().unwrap()
}

#[test]
fn sql_prints_like_hive_and_fails_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = enma(
        dir.path(),
        &[
            "sql",
            "-e",
            "CREATE TABLE t (a INT, b ARRAY<INT>, c STRING) STORED AS PARQUET; INSERT INTO t SELECT 1, array(1,2), NULL; SELECT * FROM t",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\t[1,2]\tNULL\n");
    let out = enma(dir.path(), &["sql", "--header", "-e", "SELECT a AS x, c FROM t"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "x\tc\n1\tNULL\n");
    let file = dir.path().join("q.sql");
    std::fs::write(&file, "-- a comment\nSELECT count(*) FROM t;\n").unwrap();
    let out = enma(dir.path(), &["sql", "-f", file.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
    let out = enma(dir.path(), &["sql", "-e", "SELECT * FROM missing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = enma(dir.path(), &["sql", "-e", "SELEC 1"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn demo_builds_the_sample_and_queries_it_over_rest() {
    let dir = tempfile::tempdir().unwrap();
    let out = enma(dir.path(), &["demo", "--meters", "4", "--days", "40"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("REST API serving on http://127.0.0.1:"), "{stdout}");
    // 4 meters x 40 days x 24 hours; February 2024 holds days 32..40 (9 days).
    assert!(stdout.contains("readings\tkwh") && stdout.contains("864\t"), "{stdout}");
    let out = enma(dir.path(), &["sql", "-e", "SELECT count(*) FROM energy.readings; SHOW PARTITIONS energy.readings"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "3840\nmonth=2024-01\nmonth=2024-02\n");
}

#[test]
fn killed_insert_overwrite_leaves_the_old_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = enma(
        dir.path(),
        &["sql", "-e", "CREATE TABLE k (v BIGINT) STORED AS PARQUET; INSERT INTO k VALUES (1), (2), (3)"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut child = Command::new(env!("CARGO_BIN_EXE_enma"))
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "sql",
            "-e",
            "INSERT OVERWRITE TABLE k SELECT a.value * b.value FROM range(100000) a CROSS JOIN range(100000) b",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(child.try_wait().unwrap().is_none(), "the overwrite should still be running");
    child.kill().unwrap();
    child.wait().unwrap();
    let out = enma(dir.path(), &["sql", "-e", "SELECT count(*), sum(v) FROM k"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "3\t6\n", "{}", String::from_utf8_lossy(&out.stderr));
}
