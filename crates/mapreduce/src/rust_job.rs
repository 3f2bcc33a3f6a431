//! The Rust API for MapReduce jobs: a [`Mapper`], an optional combiner and a
//! [`Reducer`] over byte-string keys and values, and [`Counters`].
//!
//! Keys and values are bytes, as Hadoop streaming's text records are; a job
//! decides their encoding. Each task gets its own mapper or reducer from the
//! job's factory, so implementations may keep state without locking.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, Mutex, RwLock};

use arrow::array::BinaryBuilder;

use crate::error::Result;

/// Turns one input record into any number of output pairs.
pub trait Mapper: Send {
    fn map(&mut self, key: &[u8], value: &[u8], out: &mut Output<'_>) -> Result<()>;

    /// Called once after the task's last record.
    fn finish(&mut self, _out: &mut Output<'_>) -> Result<()> {
        Ok(())
    }
}

/// Turns one key and all its values (in the order the sort left them) into
/// any number of output pairs. Used as the combiner too.
pub trait Reducer: Send {
    fn reduce(&mut self, key: &[u8], values: &mut dyn Iterator<Item = &[u8]>, out: &mut Output<'_>) -> Result<()>;
}

/// Makes one mapper per map task.
pub type MapperFactory = Arc<dyn Fn() -> Box<dyn Mapper> + Send + Sync>;
/// Makes one reducer per reduce (or combine) task.
pub type ReducerFactory = Arc<dyn Fn() -> Box<dyn Reducer> + Send + Sync>;

/// Where a task's pairs go, and its counters.
pub struct Output<'a> {
    pub(crate) keys: &'a mut BinaryBuilder,
    pub(crate) values: &'a mut BinaryBuilder,
    pub(crate) counters: &'a Counters,
}

impl Output<'_> {
    pub fn emit(&mut self, key: &[u8], value: &[u8]) {
        self.keys.append_value(key);
        self.values.append_value(value);
    }

    /// Adds to a user counter, as Hadoop's `Reporter.incrCounter`.
    pub fn count(&self, group: &str, name: &str, amount: i64) {
        self.counters.add(group, name, amount);
    }
}

/// A Rust job: what [`register_job`] stores under a name. Every process
/// that runs the job's tasks (each cluster executor too) must have it
/// registered under the same name, as Hadoop needs the job's jar on every node.
#[derive(Clone)]
pub struct RustJob {
    pub mapper: MapperFactory,
    /// Runs on map output before the shuffle: its output must be map output again.
    pub combiner: Option<ReducerFactory>,
    pub reducer: ReducerFactory,
    /// Which part of a key decides its reducer; `None`: the whole key.
    pub partitioner: Option<Arc<dyn Partitioner>>,
    /// One line for `GET /v1/mapreduce/jobs` and `enma mapreduce --help`.
    pub description: String,
}

/// Which part of a key decides its reducer: records whose partition keys
/// are equal meet in one reduce task, which still sees them sorted by their
/// whole keys (a secondary sort). Hadoop's `Partitioner` returns a reducer
/// number instead; a part of the key says the same thing and lets the
/// shuffle spread the parts over however many reducers the job has.
pub trait Partitioner: Send + Sync {
    fn partition_key<'k>(&self, key: &'k [u8]) -> &'k [u8];
}

/// The first `n` tab-separated fields of the key decide the reducer.
pub struct KeyFields(pub usize);

impl Partitioner for KeyFields {
    fn partition_key<'k>(&self, key: &'k [u8]) -> &'k [u8] {
        &key[..super::partition::fields_len(key, self.0)]
    }
}

static JOBS: LazyLock<RwLock<BTreeMap<String, RustJob>>> = LazyLock::new(|| {
    let mut jobs = BTreeMap::new();
    jobs.insert("wordcount".to_string(), wordcount::job());
    jobs.insert("daily-consumption".to_string(), daily_consumption::job());
    RwLock::new(jobs)
});

/// Registers (or replaces) a Rust job under `name`.
pub fn register_job(name: &str, job: RustJob) {
    JOBS.write().unwrap_or_else(|e| e.into_inner()).insert(name.to_string(), job);
}

/// The Rust job registered under `name`.
pub fn rust_job(name: &str) -> Option<RustJob> {
    JOBS.read().unwrap_or_else(|e| e.into_inner()).get(name).cloned()
}

/// The registered Rust jobs: `(name, description)`, by name.
pub fn rust_jobs() -> Vec<(String, String)> {
    JOBS.read().unwrap_or_else(|e| e.into_inner()).iter().map(|(n, j)| (n.clone(), j.description.clone())).collect()
}

/// The group of the counters every job keeps, with Hadoop's names.
pub const TASK_COUNTERS: &str = "Map-Reduce Framework";

/// A task's counters: `(group, name) → value`. Each task keeps its own and
/// sends them downstream with its output when it ends (see
/// [`super::counter_batch`]), so a job's counters add up the same way on
/// one machine and on a cluster.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    inner: Arc<Mutex<BTreeMap<(String, String), i64>>>,
}

impl Counters {
    pub fn add(&self, group: &str, name: &str, amount: i64) {
        let mut m = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry((group.to_string(), name.to_string())).or_default() += amount;
    }

    pub fn get(&self, group: &str, name: &str) -> i64 {
        let m = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        m.get(&(group.to_string(), name.to_string())).copied().unwrap_or(0)
    }

    /// Every counter, sorted by group and name.
    pub fn snapshot(&self) -> Vec<(String, String, i64)> {
        let m = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        m.iter().map(|((g, n), v)| (g.clone(), n.clone(), *v)).collect()
    }

    /// The counters as JSON, `[[group, name, value], ...]`, to travel with a task's output.
    #[expect(clippy::expect_used, reason = "a list of strings and integers always serialises")]
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(&self.snapshot()).expect("counters serialise")
    }

    /// Adds counters sent by another task.
    pub(crate) fn add_json(&self, json: &str) -> Result<()> {
        let counters: Vec<(String, String, i64)> = serde_json::from_str(json)
            .map_err(|e| crate::error::Error::internal(format!("a task sent unreadable counters: {e}")))?;
        for (group, name, value) in counters {
            self.add(&group, &name, value);
        }
        Ok(())
    }
}

/// Hadoop's IdentityMapper: every record as it comes (for text input, the offset and the line).
pub fn identity_mapper() -> MapperFactory {
    struct Identity;
    impl Mapper for Identity {
        fn map(&mut self, key: &[u8], value: &[u8], out: &mut Output<'_>) -> Result<()> {
            out.emit(key, value);
            Ok(())
        }
    }
    Arc::new(|| Box::new(Identity))
}

/// Hadoop's IdentityReducer: every value, under its key, in sorted key order.
pub fn identity_reducer() -> ReducerFactory {
    struct Identity;
    impl Reducer for Identity {
        fn reduce(&mut self, key: &[u8], values: &mut dyn Iterator<Item = &[u8]>, out: &mut Output<'_>) -> Result<()> {
            for v in values {
                out.emit(key, v);
            }
            Ok(())
        }
    }
    Arc::new(|| Box::new(Identity))
}

/// Word count: the mapper emits `(word, 1)` for each whitespace-separated
/// word, the reducer (and combiner) sums; counts are decimal text, as a
/// streaming job would write them.
pub mod wordcount {
    use super::*;

    pub struct WordMapper;

    impl Mapper for WordMapper {
        fn map(&mut self, _key: &[u8], line: &[u8], out: &mut Output<'_>) -> Result<()> {
            for word in line.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()) {
                out.emit(word, b"1");
            }
            Ok(())
        }
    }

    pub struct SumReducer;

    impl Reducer for SumReducer {
        fn reduce(&mut self, key: &[u8], values: &mut dyn Iterator<Item = &[u8]>, out: &mut Output<'_>) -> Result<()> {
            let mut sum = 0i64;
            for v in values {
                let n = parse_count(v).ok_or_else(|| {
                    crate::error::Error::execution(format!(
                        "word count: value '{}' is not a number",
                        String::from_utf8_lossy(v)
                    ))
                })?;
                sum += n;
            }
            out.emit(key, sum.to_string().as_bytes());
            Ok(())
        }
    }

    /// A count as streaming writes it: decimal digits (the common case, read
    /// without UTF-8 checks), else any integer text.
    fn parse_count(v: &[u8]) -> Option<i64> {
        if !v.is_empty() && v.len() < 19 && v.iter().all(u8::is_ascii_digit) {
            return Some(v.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')));
        }
        std::str::from_utf8(v).ok()?.trim().parse().ok()
    }

    pub fn mapper() -> MapperFactory {
        Arc::new(|| Box::new(WordMapper))
    }

    pub fn reducer() -> ReducerFactory {
        Arc::new(|| Box::new(SumReducer))
    }

    pub fn job() -> RustJob {
        RustJob {
            mapper: mapper(),
            combiner: Some(reducer()),
            reducer: reducer(),
            partitioner: None,
            description: "word count: whitespace-separated words of text lines, and how often each occurs".into(),
        }
    }
}

/// The energy case: daily consumption per meter from raw reading files.
/// Each line is `meter,timestamp,kwh` (as meters export them, a header line
/// allowed; or tab-separated, as a table's rows reach a job); the output is `meter\tday\tkwh` per meter and day, in kWh
/// rounded to the Wh. Lines that do not parse count as
/// `Energy/Malformed readings` and are skipped, so one bad export does not
/// stop the job.
pub mod daily_consumption {
    use super::*;

    /// The counter group of this job.
    pub const GROUP: &str = "Energy";

    pub struct ReadingMapper;

    impl Mapper for ReadingMapper {
        fn map(&mut self, _key: &[u8], line: &[u8], out: &mut Output<'_>) -> Result<()> {
            match parse(line) {
                Some((meter, day, kwh)) => {
                    let mut key = Vec::with_capacity(meter.len() + 11);
                    key.extend_from_slice(meter);
                    key.push(b'\t');
                    key.extend_from_slice(day);
                    out.emit(&key, kwh.to_string().as_bytes());
                }
                None if line.is_empty() || line.starts_with(b"meter") => {}
                None => out.count(GROUP, "Malformed readings", 1),
            }
            Ok(())
        }
    }

    /// `meter,yyyy-MM-dd[ T]HH:mm[:ss],kwh` → `(meter, yyyy-MM-dd, kwh)`;
    /// tabs separate the fields as well as commas (a table's rows come so).
    fn parse(line: &[u8]) -> Option<(&[u8], &[u8], f64)> {
        let mut fields = line.split(|&b| b == b',' || b == b'\t');
        let (meter, time, kwh) = (fields.next()?, fields.next()?, fields.next()?);
        let day = time.get(..10)?;
        let date_like =
            day.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() });
        let kwh: f64 = std::str::from_utf8(kwh).ok()?.trim().parse().ok()?;
        (!meter.is_empty() && date_like && kwh.is_finite()).then_some((meter, day, kwh))
    }

    /// Sums kWh; as the combiner it emits the exact sum, as the reducer rounded to the Wh.
    pub struct SumKwh {
        round: bool,
    }

    impl Reducer for SumKwh {
        fn reduce(&mut self, key: &[u8], values: &mut dyn Iterator<Item = &[u8]>, out: &mut Output<'_>) -> Result<()> {
            let mut sum = 0.0;
            for v in values {
                sum += std::str::from_utf8(v).ok().and_then(|s| s.parse::<f64>().ok()).ok_or_else(|| {
                    crate::error::Error::execution(format!(
                        "daily consumption: value '{}' is not a number",
                        String::from_utf8_lossy(v)
                    ))
                })?;
            }
            let text = if self.round { format!("{sum:.3}") } else { sum.to_string() };
            out.emit(key, text.as_bytes());
            Ok(())
        }
    }

    pub fn job() -> RustJob {
        RustJob {
            mapper: Arc::new(|| Box::new(ReadingMapper)),
            combiner: Some(Arc::new(|| Box::new(SumKwh { round: false }))),
            reducer: Arc::new(|| Box::new(SumKwh { round: true })),
            // A meter's days meet in one reducer, in day order.
            partitioner: Some(Arc::new(KeyFields(1))),
            description: "daily consumption per meter: lines 'meter,timestamp,kwh' in, 'meter<TAB>day<TAB>kwh' out"
                .into(),
        }
    }
}
