//! `resources-bench`: load for an Eve-compatible resource API, for
//! `benches/resources.sh`, which points it at ENMA on its embedded store,
//! ENMA on MongoDB and Eve 2.3.1 in turn.
//!
//! Three phases against a `readings` resource (meter, kwh, read_at):
//! - **ingest**: meter readings POSTed as lists of `--batch` documents from
//!   `--writers` concurrent clients; the figure is documents per second;
//! - **item**: GETs of one reading by id, from `--clients` concurrent clients;
//! - **page**: GETs of one meter's 25 latest readings
//!   (`where={"meter": ...}&sort=-read_at`), likewise.
//!
//! The ids the item phase asks for are the ones the ingest got back; meters
//! and ids are picked by a fixed pseudo-random sequence, the same for every
//! server.

#[path = "../../kv/src/latency.rs"]
mod latency;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};

use latency::Summary;

type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

#[derive(Parser, Debug)]
#[command(
    name = "resources-bench",
    about = "Bulk POST ingest, item GETs and filtered pages against an Eve-compatible API"
)]
struct Cli {
    /// The API's root, e.g. http://127.0.0.1:5000.
    #[arg(long)]
    base: String,
    /// What the figures are labelled with in the JSON.
    #[arg(long)]
    label: String,
    /// Readings to POST.
    #[arg(long, default_value_t = 100_000)]
    readings: u64,
    /// Readings per POST.
    #[arg(long, default_value_t = 1000)]
    batch: u64,
    /// Concurrent clients POSTing.
    #[arg(long, default_value_t = 4)]
    writers: usize,
    /// Distinct meters the readings belong to.
    #[arg(long, default_value_t = 1000)]
    meters: u64,
    /// Concurrent clients of the GET phases.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Requests of each GET phase.
    #[arg(long, default_value_t = 20_000)]
    gets: u64,
    /// Where to write the figures as JSON.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("resources-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: &Cli) -> Result<()> {
    if cli.batch == 0 || cli.readings == 0 || cli.clients == 0 || cli.writers == 0 || cli.meters == 0 {
        return Err("--readings, --batch, --writers, --clients and --meters must be positive".into());
    }
    let http = reqwest::Client::builder().pool_max_idle_per_host(cli.clients.max(cli.writers)).build()?;
    let base = cli.base.trim_end_matches('/').to_string();

    let (ingest, ids) = ingest(&http, &base, cli).await?;
    println!("{}: ingest {} ({:.0} readings/s)", cli.label, ingest.line(), cli.readings as f64 / ingest.seconds);
    let ids = Arc::new(ids);
    let item = {
        let ids = ids.clone();
        gets(&http, cli, move |i| format!("{base}/readings/{}", ids[(pick(i) % ids.len() as u64) as usize]), &cli.base)
            .await?
    };
    println!("{}: item {}", cli.label, item.line());
    let meters = cli.meters;
    let base = cli.base.trim_end_matches('/').to_string();
    let page = gets(
        &http,
        cli,
        move |i| {
            let meter = format!("m-{:05}", pick(i) % meters);
            format!("{base}/readings?where={{\"meter\":\"{meter}\"}}&sort=-read_at&max_results=25")
        },
        &cli.base,
    )
    .await?;
    println!("{}: page {}", cli.label, page.line());

    if let Some(path) = &cli.json {
        let out = json!({
            "label": cli.label,
            "params": {"readings": cli.readings, "batch": cli.batch, "writers": cli.writers,
                       "meters": cli.meters, "clients": cli.clients, "gets": cli.gets},
            "ingest": with_rate(ingest.to_json(), "readings_per_sec", cli.readings as f64 / ingest.seconds),
            "item": item.to_json(),
            "page": page.to_json(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&out)? + "\n")?;
    }
    Ok(())
}

fn with_rate(mut v: Value, key: &str, rate: f64) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.into(), json!((rate * 10.0).round() / 10.0));
    }
    v
}

/// A fixed pseudo-random sequence (SplitMix64), so every server gets the same requests.
fn pick(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Reading `i`: its meter, a consumption and an hour, in Eve's date format.
fn reading(i: u64, meters: u64) -> Value {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    // Hour i/meters after 2026-01-01 00:00 UTC (a Thursday), within January.
    let hour = (i / meters) % (31 * 24);
    let (day, h) = (hour / 24, hour % 24);
    let date = format!("{}, {:02} Jan 2026 {:02}:00:00 GMT", DAYS[(day % 7) as usize], day + 1, h);
    json!({"meter": format!("m-{:05}", i % meters), "kwh": (pick(i) % 5000) as f64 / 1000.0, "read_at": date})
}

/// POSTs every reading in batches; the ingest's figures (one op per
/// batch) and the ids the server gave (up to 100 000).
async fn ingest(http: &reqwest::Client, base: &str, cli: &Cli) -> Result<(Summary, Vec<String>)> {
    let batches = cli.readings.div_ceil(cli.batch);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..cli.writers {
        let (http, next, url) = (http.clone(), next.clone(), format!("{base}/readings"));
        let (readings, batch, meters) = (cli.readings, cli.batch, cli.meters);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut ids = Vec::new();
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                if b >= batches {
                    break;
                }
                let docs: Vec<Value> =
                    (b * batch..((b + 1) * batch).min(readings)).map(|i| reading(i, meters)).collect();
                let t = Instant::now();
                let response = http.post(&url).json(&docs).send().await?;
                let status = response.status();
                let body: Value = response.json().await?;
                latencies.push(t.elapsed().as_nanos() as u64);
                if status != 201 {
                    return Err(format!("POST {url} answered {status}: {body}").into());
                }
                let items = match body.get("_items") {
                    Some(Value::Array(items)) => items.clone(),
                    _ => vec![body],
                };
                for item in items {
                    if ids.len() < 100_000
                        && let Some(id) = item.get("_id").and_then(Value::as_str)
                    {
                        ids.push(id.to_string());
                    }
                }
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((latencies, ids))
        }));
    }
    let mut latencies = Vec::new();
    let mut ids = Vec::new();
    for t in tasks {
        let (l, i) = t.await??;
        latencies.extend(l);
        ids.extend(i);
    }
    let wall = started.elapsed();
    if ids.is_empty() {
        return Err("the ingest returned no ids".into());
    }
    Ok((Summary::of(latencies, wall), ids))
}

/// `cli.gets` GETs of the URLs `url` makes, from `cli.clients` clients;
/// every answer must be a 200.
async fn gets(
    http: &reqwest::Client,
    cli: &Cli,
    url: impl Fn(u64) -> String + Send + Sync + 'static,
    what: &str,
) -> Result<Summary> {
    let url = Arc::new(url);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..cli.clients {
        let (http, next, url, total) = (http.clone(), next.clone(), url.clone(), cli.gets);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let u = url(i);
                let t = Instant::now();
                let response = http.get(&u).timeout(Duration::from_secs(60)).send().await?;
                let status = response.status();
                let body = response.bytes().await?;
                latencies.push(t.elapsed().as_nanos() as u64);
                if status != 200 {
                    return Err(format!("GET {u} answered {status}: {}", String::from_utf8_lossy(&body)).into());
                }
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await?.map_err(|e| format!("{what}: {e}"))?);
    }
    Ok(Summary::of(latencies, started.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_spread_over_meters_and_hours() {
        let r = reading(0, 1000);
        assert_eq!(r["meter"], "m-00000");
        assert_eq!(r["read_at"], "Thu, 01 Jan 2026 00:00:00 GMT");
        let r = reading(1000 * 25 + 7, 1000);
        assert_eq!(r["meter"], "m-00007");
        assert_eq!(r["read_at"], "Fri, 02 Jan 2026 01:00:00 GMT");
        assert_ne!(pick(1), pick(2));
    }
}
