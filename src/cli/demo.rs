//! `enma demo`: the main job on embedded defaults. Builds a small energy
//! warehouse (smart-meter readings partitioned by month), serves it over
//! REST on a loopback port, and runs example analyses through the API.

use std::time::Instant;

use super::DemoArgs;
use crate::api::{ServeConfig, bind};
use crate::engine::{Caller, EngineConfig};
use crate::error::{Error, Result};

/// The example analyses, as a user would send them.
const QUERIES: &[(&str, &str)] = &[
    ("Tables in the energy database", "SHOW TABLES IN energy"),
    (
        "Monthly consumption (kWh) of the first 5 meters",
        "SELECT meter_id, month, round(sum(kwh), 1) AS kwh FROM energy.readings WHERE meter_id < 5 GROUP BY meter_id, month ORDER BY meter_id, month",
    ),
    (
        "Average load profile by hour of day",
        "SELECT extract(hour FROM ts) AS hour, round(avg(kwh), 3) AS avg_kwh FROM energy.readings GROUP BY extract(hour FROM ts) ORDER BY hour",
    ),
    (
        "Top 5 consumers with their tariff",
        "SELECT r.meter_id, m.tariff, round(sum(r.kwh), 1) AS total_kwh FROM energy.readings r JOIN energy.meters m ON r.meter_id = m.meter_id GROUP BY r.meter_id, m.tariff ORDER BY total_kwh DESC LIMIT 5",
    ),
    (
        "Consumption by tariff period, and load factor (ENMA's energy functions)",
        "SELECT tariff_period(ts) AS period, round(sum(kwh), 1) AS kwh, round(load_factor(kwh), 3) AS load_factor FROM energy.readings GROUP BY tariff_period(ts) ORDER BY period",
    ),
    (
        "Partitions read for one month (partition pruning)",
        "SELECT count(*) AS readings, round(sum(kwh), 1) AS kwh FROM energy.readings WHERE month = '2024-02'",
    ),
];

pub async fn run(config: EngineConfig, args: DemoArgs) -> Result<()> {
    let engine = crate::open_engine(config).await?;
    let mut session = engine.session("default", Caller::Operator)?;
    let started = Instant::now();
    let rows = u64::from(args.meters) * u64::from(args.days) * 24;
    println!(
        "Building the sample warehouse: {} meters x {} days of hourly readings ({rows} rows)...",
        args.meters, args.days
    );
    let setup = format!(
        "CREATE DATABASE IF NOT EXISTS energy;
         DROP TABLE IF EXISTS energy.readings;
         DROP TABLE IF EXISTS energy.meters;
         CREATE TABLE energy.readings (meter_id INT COMMENT 'smart meter', ts TIMESTAMP, kwh DOUBLE COMMENT 'energy in the hour')
           COMMENT 'hourly smart-meter readings' PARTITIONED BY (month STRING) STORED AS PARQUET;
         CREATE TABLE energy.meters (meter_id INT, tariff STRING, region STRING)
           ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' STORED AS TEXTFILE;
         INSERT INTO energy.meters
           SELECT CAST(value AS INT), CASE WHEN value % 3 = 0 THEN 'time-of-use' ELSE 'flat' END,
                  CASE WHEN value % 2 = 0 THEN 'north' ELSE 'south' END FROM range({meters});
         SET hive.exec.dynamic.partition.mode=nonstrict;
         INSERT OVERWRITE TABLE energy.readings PARTITION (month)
           SELECT meter_id, ts,
                  round((0.25 + 0.02 * (meter_id % 7))
                        * (1.0 + 0.8 * sin(pi() * ((h % 24) - 7) / 24) * sin(pi() * ((h % 24) - 7) / 24))
                        * (1.0 + 0.3 * cos(2 * pi() * (h / 24) / 365)), 4) AS kwh,
                  to_char(ts, '%Y-%m') AS month
           FROM (SELECT CAST(value % {meters} AS INT) AS meter_id, CAST(floor(value / {meters}) AS BIGINT) AS h,
                        to_timestamp_seconds(1704067200 + CAST(floor(value / {meters}) AS BIGINT) * 3600) AS ts
                 FROM range({rows})) g",
        meters = args.meters,
    );
    session.run(&setup).await.map(drop)?;
    println!("  done in {:.1} s\n", started.elapsed().as_secs_f64());

    let server = bind(engine.clone(), ServeConfig { listen: ([127, 0, 0, 1], 0).into(), ..Default::default() }).await?;
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    println!("REST API serving on http://{addr} — running the example queries through POST /v1/sql\n");
    let client = reqwest::Client::new();
    for (title, sql) in QUERIES {
        println!("== {title}\n   {sql}");
        let resp = client
            .post(format!("http://{addr}/v1/sql"))
            .json(&serde_json::json!({ "sql": sql }))
            .send()
            .await
            .map_err(|e| Error::execution(format!("request failed: {e}")))?;
        let status = resp.status();
        let body: serde_json::Value = resp.json().await.map_err(|e| Error::execution(format!("bad response: {e}")))?;
        if !status.is_success() {
            return Err(Error::execution(format!("query failed ({status}): {body}")));
        }
        print_table(&body);
    }
    let _ = stop.send(());
    let _ = handle.await;
    println!("The warehouse stays in the data directory; try: enma sql -e \"SELECT * FROM energy.readings LIMIT 5\"");
    Ok(())
}

fn print_table(body: &serde_json::Value) {
    let cols: Vec<String> = body["columns"]
        .as_array()
        .map(|c| c.iter().map(|c| c["name"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default();
    println!("   {}", cols.join("\t"));
    for row in body["rows"].as_array().into_iter().flatten() {
        let cells: Vec<String> = row
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "NULL".into(),
                other => other.to_string(),
            })
            .collect();
        println!("   {}", cells.join("\t"));
    }
    println!("   ({} rows, {} ms)\n", body["row_count"], body["elapsed_ms"]);
}
