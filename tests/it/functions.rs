//! Functions through SQL: the catalogue of Hive's LanguageManual, DESCRIBE
//! FUNCTION, the energy user functions, and CREATE / DROP [TEMPORARY] FUNCTION.

use std::collections::BTreeSet;

use crate::common::{lines, rows, session, temp_engine, try_rows};

/// LanguageManual names not registered yet; the test fails when one of them
/// appears (remove it here) or another goes missing.
const STILL_MISSING: &[&str] = &[];

#[tokio::test]
async fn language_manual_functions_are_listed() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    let listed: BTreeSet<String> = rows(&mut s, "SHOW FUNCTIONS").await.into_iter().map(|r| r[0].clone()).collect();
    let mut missing = Vec::new();
    let mut total = 0;
    for (_, names) in enma_udfs::catalog::LANGUAGE_MANUAL {
        for name in *names {
            total += 1;
            if !listed.contains(*name) {
                missing.push(*name);
            }
        }
    }
    missing.sort();
    missing.dedup();
    println!("LanguageManual functions: {total}, missing {}: {missing:?}", missing.len());
    assert_eq!(missing, STILL_MISSING, "update STILL_MISSING");
    // For information: what Hive 2.3.10's own SHOW FUNCTIONS lists beyond the LanguageManual.
    let hive = include_str!("../../udfs/tests/data/hive-2.3.10-show-functions.txt");
    let beyond: Vec<&str> = hive.lines().map(str::trim).filter(|n| !n.is_empty() && !listed.contains(*n)).collect();
    println!("Hive 2.3.10 SHOW FUNCTIONS: {} names, {} not here: {beyond:?}", hive.lines().count(), beyond.len());
    // Hive's operators are listed too.
    for op in ["<=>", "div", "rlike", "between"] {
        assert!(listed.contains(op), "{op} not listed");
    }
}

#[tokio::test]
async fn describe_function_shows_usage() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    let usage = lines(&mut s, "DESCRIBE FUNCTION heating_degree_days").await;
    assert_eq!(usage.len(), 1);
    assert!(usage[0].starts_with("heating_degree_days(tmin, tmax[, base]) - "), "{usage:?}");
    let extended = lines(&mut s, "DESCRIBE FUNCTION EXTENDED tariff_period").await;
    assert!(extended.iter().any(|l| l.contains("SELECT tariff_period(")), "{extended:?}");
    assert_eq!(extended.last().unwrap(), "Function type:BUILTIN");
    assert_eq!(lines(&mut s, "DESCRIBE FUNCTION <=>").await.len(), 1);
    assert_eq!(lines(&mut s, "DESCRIBE FUNCTION nope").await, ["Function 'nope' does not exist."]);
}

#[tokio::test]
async fn energy_functions_in_sql() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    rows(
        &mut s,
        "CREATE TABLE weather (day STRING, tmin DOUBLE, tmax DOUBLE); \
         INSERT INTO weather VALUES ('2024-01-01', -2, 6), ('2024-07-01', 19, 31), ('2024-04-01', 10, 20), ('2024-04-02', NULL, 20)",
    )
    .await;
    assert_eq!(
        lines(
            &mut s,
            "SELECT day, heating_degree_days(tmin, tmax), cooling_degree_days(tmin, tmax) FROM weather ORDER BY day"
        )
        .await,
        ["2024-01-01\t16.0\t0.0", "2024-04-01\t3.0\t0.0", "2024-04-02\tNULL\tNULL", "2024-07-01\t0.0\t7.0"]
    );
    // Strings convert as Hive converts them; a base may be given.
    assert_eq!(
        lines(&mut s, "SELECT heating_degree_days('10', '14', 15.5), heating_degree_days('x', 1)").await,
        ["3.5\tNULL"]
    );
    assert_eq!(
        lines(
            &mut s,
            "SELECT tariff_period(CAST('2024-01-15 18:30:00' AS TIMESTAMP)), tariff_period('2024-01-15 09:00:00'), \
             tariff_period('2024-01-13 18:00:00'), tariff_period(NULL)"
        )
        .await,
        ["peak\tshoulder\toffpeak\tNULL"]
    );
    rows(
        &mut s,
        "CREATE TABLE demand (meter STRING, kw DOUBLE); \
         INSERT INTO demand VALUES ('a', 1), ('a', 2), ('a', 3), ('b', 5), ('b', 5), ('c', 0), ('c', NULL)",
    )
    .await;
    assert_eq!(
        lines(&mut s, "SELECT meter, load_factor(kw) FROM demand GROUP BY meter ORDER BY meter").await,
        ["a\t0.6666666666666666", "b\t1.0", "c\tNULL"]
    );
}

#[tokio::test]
async fn create_and_drop_functions() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    // Temporary: this session only, by class or by function name.
    rows(&mut s, "CREATE TEMPORARY FUNCTION hdd AS 'enma.energy.HeatingDegreeDays'").await;
    rows(&mut s, "CREATE TEMPORARY FUNCTION my_abs AS 'org.apache.hadoop.hive.ql.udf.generic.GenericUDFAbs'").await;
    assert_eq!(lines(&mut s, "SELECT hdd(2, 10), my_abs(-3)").await, ["12.0\t3"]);
    assert_eq!(lines(&mut s, "DESCRIBE FUNCTION EXTENDED hdd").await.last().unwrap(), "Function type:TEMPORARY");
    let err = try_rows(&mut session(&engine), "SELECT hdd(2, 10)").await.unwrap_err();
    assert!(err.to_string().contains("hdd"), "{err}");
    rows(&mut s, "DROP TEMPORARY FUNCTION hdd").await;
    assert!(try_rows(&mut s, "SELECT hdd(2, 10)").await.is_err());
    // The function it named keeps its own name.
    assert_eq!(lines(&mut s, "SELECT heating_degree_days(2, 10)").await, ["12.0"]);
    rows(&mut s, "DROP TEMPORARY FUNCTION IF EXISTS hdd").await;

    // Permanent: kept in the metastore, seen by new sessions.
    rows(&mut s, "CREATE FUNCTION lf AS 'load_factor'").await;
    let mut other = session(&engine);
    assert_eq!(lines(&mut other, "SELECT lf(x) FROM (VALUES (1.0), (2.0)) t(x)").await, ["0.75"]);
    let err = try_rows(&mut other, "CREATE FUNCTION lf AS 'load_factor'").await.unwrap_err();
    assert!(err.to_string().contains("exists already"), "{err}");
    rows(&mut other, "DROP FUNCTION lf").await;
    assert!(try_rows(&mut session(&engine), "SELECT lf(1.0)").await.is_err());

    // Bad bindings are clear errors.
    let err = try_rows(&mut s, "CREATE TEMPORARY FUNCTION x AS 'com.example.NoSuchUdf'").await.unwrap_err();
    assert!(err.to_string().contains("no function implements class 'com.example.NoSuchUdf'"), "{err}");
    let err = try_rows(&mut s, "CREATE TEMPORARY FUNCTION abs AS 'heating_degree_days'").await.unwrap_err();
    assert!(err.to_string().contains("exists already"), "{err}");
    let err = try_rows(&mut s, "CREATE FUNCTION y AS 'abs' USING JAR 'hdfs:///udfs.jar'").await.unwrap_err();
    assert!(err.to_string().contains("USING JAR"), "{err}");
    let err = try_rows(&mut s, "DROP TEMPORARY FUNCTION nope").await.unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[tokio::test]
async fn table_functions_in_lateral_views() {
    let (engine, _dir) = temp_engine().await;
    let mut s = session(&engine);
    rows(
        &mut s,
        "CREATE TABLE reads (meter STRING, t0 TIMESTAMP, t1 TIMESTAMP, kwh DOUBLE); \
         INSERT INTO reads VALUES ('m1', CAST('2024-01-01 10:30:00' AS TIMESTAMP), CAST('2024-01-01 12:00:00' AS TIMESTAMP), 3.0)",
    )
    .await;
    assert_eq!(
        lines(
            &mut s,
            "SELECT r.meter, h.hour, h.kwh FROM reads r LATERAL VIEW split_hourly(r.t0, r.t1, r.kwh) h AS hour, kwh"
        )
        .await,
        ["m1\t2024-01-01 10:00:00\t1.0", "m1\t2024-01-01 11:00:00\t2.0"]
    );
    // A temporary name for a table function works in LATERAL VIEW too.
    rows(&mut s, "CREATE TEMPORARY FUNCTION hourly AS 'enma.energy.SplitHourly'").await;
    assert_eq!(
        lines(&mut s, "SELECT sum(h.kwh) FROM reads LATERAL VIEW hourly(t0, t1, kwh) h AS hour, kwh").await,
        ["3.0"]
    );
    assert_eq!(lines(&mut s, "DESCRIBE FUNCTION EXTENDED hourly").await.last().unwrap(), "Function type:TEMPORARY");
    rows(&mut s, "DROP TEMPORARY FUNCTION hourly").await;
    assert!(try_rows(&mut s, "SELECT * FROM reads LATERAL VIEW hourly(t0, t1, kwh) h AS hour, kwh").await.is_err());
}
