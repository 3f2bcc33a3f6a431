//! The load: table `bench` (family `d`) dropped and created, then three
//! phases, each from `clients` concurrent clients, every call timed in the
//! client: puts of `rows` rows (one `d:v` cell each, in a shuffled order),
//! random point gets of existing rows, and short scans from random start rows.
//!
//! Each client is one thread making one call at a time (a closed loop), so a
//! call's latency is what the caller waits and the throughput is what
//! `clients` callers get. Every answer is checked — a get must return the
//! value's length, a scan its rows from its start row — so a wrong answer
//! fails the run instead of counting as a fast one.

use std::ops::Range;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::{Value, json};

use crate::Result;
use crate::latency::Summary;

/// The table the load writes, and its one column.
pub const TABLE: &str = "bench";
pub const FAMILY: &str = "d";
pub const QUALIFIER: &str = "v";
/// `family:qualifier`, as HBase's clients spell the column.
pub const COLUMN: &str = "d:v";

/// What one protocol's client does; one per client thread.
pub trait Client: Send {
    /// Drops table `bench` if it exists and creates it with family `d` (one version).
    fn reset_table(&mut self) -> Result<()>;
    /// Writes `d:v` of `row`.
    fn put(&mut self, row: &[u8], value: &[u8]) -> Result<()>;
    /// The value of `d:v` in `row`, `None` when the row has none.
    fn get(&mut self, row: &[u8]) -> Result<Option<Bytes>>;
    /// The keys of the first `rows` rows from `start` on.
    fn scan(&mut self, start: &[u8], rows: usize) -> Result<Vec<Bytes>>;
}

/// What each phase's call is, per mode, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calls {
    pub put: &'static str,
    pub get: &'static str,
    pub scan: &'static str,
}

impl Calls {
    pub fn to_json(self) -> Value {
        json!({ "put": self.put, "get": self.get, "scan": self.scan })
    }
}

/// The sizes of a load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub rows: u64,
    pub value_bytes: usize,
    pub clients: usize,
    pub gets: u64,
    pub scans: u64,
    pub scan_rows: usize,
    pub seed: u64,
}

impl Params {
    /// Refuses sizes the phases cannot run: no rows, no clients, scans longer than the table.
    pub fn validate(&self) -> Result<()> {
        if self.rows == 0 || self.clients == 0 || self.scan_rows == 0 {
            return Err("--rows, --clients and --scan-rows must be at least 1".into());
        }
        if self.scans > 0 && self.scan_rows as u64 > self.rows {
            return Err(format!("--scan-rows {} is more than the {} rows written", self.scan_rows, self.rows).into());
        }
        Ok(())
    }

    pub fn to_json(&self) -> Value {
        json!({
            "rows": self.rows,
            "value_bytes": self.value_bytes,
            "clients": self.clients,
            "gets": self.gets,
            "scans": self.scans,
            "scan_rows": self.scan_rows,
            "seed": self.seed,
        })
    }
}

/// The three phases, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Put,
    Get,
    Scan,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Put => "put",
            Phase::Get => "get",
            Phase::Scan => "scan",
        }
    }
}

/// `row%010d`: fixed width, so key order is numeric order and a scan from
/// row `i` returns rows `i`, `i + 1`, ...
pub fn row_key(i: u64) -> String {
    format!("row{i:010}")
}

/// Runs the load with one client per thread (`clients[0]` also resets the
/// table) and returns each phase's summary; a phase with no calls is left out.
/// `report` is told each phase's summary as soon as it is done.
pub fn run(
    clients: &mut [Box<dyn Client>],
    params: &Params,
    mut report: impl FnMut(Phase, &Summary),
) -> Result<Vec<(Phase, Summary)>> {
    params.validate()?;
    if clients.len() != params.clients {
        return Err(format!("{} clients for a load of {}", clients.len(), params.clients).into());
    }
    clients[0].reset_table()?;
    // One untimed call each, so connecting is not in the first call's latency.
    for client in clients.iter_mut() {
        client.get(row_key(0).as_bytes())?;
    }
    let mut phases = Vec::new();
    let mut record = |phase: Phase, summary: Summary| {
        report(phase, &summary);
        phases.push((phase, summary));
    };

    let order = shuffled(params.rows, params.seed);
    let summary = run_phase(clients, params.rows, |c, client, timer| {
        let mut rng = Rng::new(params.seed ^ 0x5075_7400 ^ c as u64);
        let mut value = vec![0u8; params.value_bytes];
        for &i in &order[share(params.rows, params.clients, c)] {
            let key = row_key(i);
            rng.fill(&mut value);
            timer.time(|| client.put(key.as_bytes(), &value))?;
        }
        Ok(())
    })?;
    record(Phase::Put, summary);

    if params.gets > 0 {
        let summary = run_phase(clients, params.gets, |c, client, timer| {
            let mut rng = Rng::new(params.seed ^ 0x4765_7400 ^ c as u64);
            for _ in share(params.gets, params.clients, c) {
                let key = row_key(rng.below(params.rows));
                let value = timer.time(|| client.get(key.as_bytes()))?;
                check_get(&key, value.as_deref(), params.value_bytes)?;
            }
            Ok(())
        })?;
        record(Phase::Get, summary);
    }

    if params.scans > 0 {
        // Start rows that have `scan_rows` rows from them on.
        let starts = params.rows - params.scan_rows as u64 + 1;
        let summary = run_phase(clients, params.scans, |c, client, timer| {
            let mut rng = Rng::new(params.seed ^ 0x5363_616e ^ c as u64);
            for _ in share(params.scans, params.clients, c) {
                let start = rng.below(starts);
                let key = row_key(start);
                let keys = timer.time(|| client.scan(key.as_bytes(), params.scan_rows))?;
                check_scan(start, &keys, params.scan_rows)?;
            }
            Ok(())
        })?;
        record(Phase::Scan, summary);
    }
    Ok(phases)
}

/// The JSON a load writes: `{mode, phases: {put|get|scan: {ops, seconds,
/// ops_per_sec, p50_us, p99_us, max_us}}, params}`.
pub fn result_json(mode: &str, params: &Params, calls: Calls, extra: Value, phases: &[(Phase, Summary)]) -> Value {
    let mut p = params.to_json();
    p["calls"] = calls.to_json();
    if let (Some(p), Value::Object(extra)) = (p.as_object_mut(), extra) {
        p.extend(extra);
    }
    let phases: serde_json::Map<String, Value> =
        phases.iter().map(|(phase, s)| (phase.name().to_string(), s.to_json())).collect();
    json!({ "mode": mode, "phases": phases, "params": p })
}

fn check_get(key: &str, value: Option<&[u8]>, expected: usize) -> Result<()> {
    match value {
        Some(v) if v.len() == expected => Ok(()),
        Some(v) => Err(format!("get of {key} returned {} bytes, not {expected}", v.len()).into()),
        None => Err(format!("get of {key} found no value, but every row was written").into()),
    }
}

fn check_scan(start: u64, keys: &[Bytes], expected: usize) -> Result<()> {
    let first = row_key(start);
    if keys.len() != expected {
        return Err(format!("scan from {first} returned {} rows, not {expected}", keys.len()).into());
    }
    let last = row_key(start + expected as u64 - 1);
    if keys.first().map(|k| &k[..]) != Some(first.as_bytes()) || keys.last().map(|k| &k[..]) != Some(last.as_bytes()) {
        let shown = |k: Option<&Bytes>| k.map(|k| String::from_utf8_lossy(k).into_owned()).unwrap_or_default();
        return Err(format!(
            "scan from {first} returned rows {} .. {}, not {first} .. {last}",
            shown(keys.first()),
            shown(keys.last())
        )
        .into());
    }
    Ok(())
}

/// What a client's next call returns once another client has failed.
#[derive(Debug)]
struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopped: another client failed")
    }
}

impl std::error::Error for Stopped {}

/// One client's latencies in a phase.
pub struct Timer<'a> {
    samples: Vec<u64>,
    /// Set when another client failed: the phase is over.
    stop: &'a AtomicBool,
}

impl Timer<'_> {
    /// Runs one call and records how long it took.
    fn time<T>(&mut self, call: impl FnOnce() -> Result<T>) -> Result<T> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(Stopped.into());
        }
        let start = Instant::now();
        let out = call();
        self.samples.push(start.elapsed().as_nanos().try_into().unwrap_or(u64::MAX));
        out
    }
}

/// Runs `work(client index, client, timer)` on one thread per client, all
/// starting together; the phase lasts until the last one is done. The first
/// failure stops the phase (the others stop at their next call) and is returned.
fn run_phase<F>(clients: &mut [Box<dyn Client>], ops: u64, work: F) -> Result<Summary>
where
    F: Fn(usize, &mut dyn Client, &mut Timer<'_>) -> Result<()> + Sync,
{
    let barrier = Barrier::new(clients.len() + 1);
    let failed = AtomicBool::new(false);
    let per_client = usize::try_from(ops / clients.len() as u64 + 1).unwrap_or(0);
    let (start, outcomes) = std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter_mut()
            .enumerate()
            .map(|(c, client)| {
                let (barrier, failed, work) = (&barrier, &failed, &work);
                s.spawn(move || {
                    let mut timer = Timer { samples: Vec::with_capacity(per_client), stop: failed };
                    barrier.wait();
                    let outcome = work(c, &mut **client, &mut timer);
                    let end = Instant::now();
                    if outcome.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    outcome.map(|()| (timer.samples, end))
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let outcomes: Vec<_> =
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a client thread panicked".into()))).collect();
        (start, outcomes)
    });
    // The failure that stopped the phase, not the `Stopped` of the clients it stopped.
    let mut outcomes = outcomes;
    outcomes.sort_by_key(|o| o.as_ref().is_err_and(|e| e.is::<Stopped>()));
    let mut samples = Vec::with_capacity(usize::try_from(ops).unwrap_or(0));
    let mut end = start;
    for outcome in outcomes {
        let (s, e) = outcome?;
        samples.extend(s);
        end = end.max(e);
    }
    Ok(Summary::of(samples, end.saturating_duration_since(start).max(Duration::from_nanos(1))))
}

/// Client `i`'s part of `total` calls split over `parts` clients: contiguous,
/// sizes differing by at most one.
pub fn share(total: u64, parts: usize, i: usize) -> Range<usize> {
    let (parts, i) = (parts as u64, i as u64);
    let at = |k: u64| usize::try_from(total / parts * k + (total % parts).min(k)).unwrap_or(usize::MAX);
    at(i)..at(i + 1)
}

/// `0..n` in a random order (Fisher-Yates), the same for the same seed.
pub fn shuffled(n: u64, seed: u64) -> Vec<u64> {
    let mut order: Vec<u64> = (0..n).collect();
    let mut rng = Rng::new(seed);
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
}

/// xorshift64*: fast, good enough for keys and payloads, reproducible by seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // SplitMix64 of the seed, so nearby seeds start far apart; never zero.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn shares_cover_everything_once() {
        for (total, parts) in [(10, 3), (3, 4), (0, 2), (100_000, 4), (7, 1)] {
            let ranges: Vec<_> = (0..parts).map(|i| share(total, parts, i)).collect();
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges[parts - 1].end, total as usize);
            for w in ranges.windows(2) {
                assert_eq!(w[0].end, w[1].start);
            }
            let sizes: Vec<_> = ranges.iter().map(|r| r.len()).collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
        }
    }

    #[test]
    fn shuffle_is_a_reproducible_permutation() {
        let a = shuffled(1000, 7);
        assert_eq!(a, shuffled(1000, 7));
        assert_ne!(a, shuffled(1000, 8));
        assert_ne!(a, (0..1000).collect::<Vec<_>>());
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn rng_stays_in_range_and_fills_odd_lengths() {
        let mut rng = Rng::new(0);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            seen[rng.below(5) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        let mut buf = [0u8; 13];
        rng.fill(&mut buf);
        assert!(buf.iter().any(|&b| b != 0));
    }

    #[test]
    fn keys_sort_numerically() {
        assert_eq!(row_key(42), "row0000000042");
        assert!(row_key(9) < row_key(10));
    }

    /// A client over a shared map, with a fault to switch on.
    struct MapClient {
        rows: Arc<Mutex<BTreeMap<Bytes, Bytes>>>,
        truncate_values: bool,
    }

    impl Client for MapClient {
        fn reset_table(&mut self) -> Result<()> {
            self.rows.lock().unwrap().clear();
            Ok(())
        }

        fn put(&mut self, row: &[u8], value: &[u8]) -> Result<()> {
            let value = if self.truncate_values { &value[1..] } else { value };
            self.rows.lock().unwrap().insert(Bytes::copy_from_slice(row), Bytes::copy_from_slice(value));
            Ok(())
        }

        fn get(&mut self, row: &[u8]) -> Result<Option<Bytes>> {
            Ok(self.rows.lock().unwrap().get(row).cloned())
        }

        fn scan(&mut self, start: &[u8], rows: usize) -> Result<Vec<Bytes>> {
            let map = self.rows.lock().unwrap();
            Ok(map.range(Bytes::copy_from_slice(start)..).take(rows).map(|(k, _)| k.clone()).collect())
        }
    }

    fn params() -> Params {
        Params { rows: 500, value_bytes: 10, clients: 3, gets: 200, scans: 50, scan_rows: 20, seed: 1 }
    }

    fn clients(truncate_values: bool) -> Vec<Box<dyn Client>> {
        let rows = Arc::new(Mutex::new(BTreeMap::new()));
        (0..3).map(|_| Box::new(MapClient { rows: rows.clone(), truncate_values }) as Box<dyn Client>).collect()
    }

    #[test]
    fn phases_count_every_call() {
        let mut seen = Vec::new();
        let phases = run(&mut clients(false), &params(), |p, _| seen.push(p)).unwrap();
        assert_eq!(seen, [Phase::Put, Phase::Get, Phase::Scan]);
        let ops: Vec<_> = phases.iter().map(|(p, s)| (p.name(), s.ops)).collect();
        assert_eq!(ops, [("put", 500), ("get", 200), ("scan", 50)]);
        let j = result_json("map", &params(), Calls { put: "p", get: "g", scan: "s" }, json!({"x": 1}), &phases);
        assert_eq!(j["phases"]["get"]["ops"], 200);
        assert_eq!(j["params"]["scan_rows"], 20);
        assert_eq!(j["params"]["calls"]["scan"], "s");
        assert_eq!(j["params"]["x"], 1);
    }

    #[test]
    fn wrong_answers_fail_the_run() {
        let err = run(&mut clients(true), &params(), |_, _| {}).unwrap_err();
        assert!(err.to_string().contains("returned 9 bytes, not 10"), "{err}");
        assert!(check_scan(5, &[Bytes::from(row_key(5))], 2).unwrap_err().to_string().contains("1 rows, not 2"));
        let skipped = [Bytes::from(row_key(5)), Bytes::from(row_key(7))];
        assert!(check_scan(5, &skipped, 2).is_err());
        assert!(check_get("r", None, 3).is_err());
    }
}
