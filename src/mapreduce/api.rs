//! The Rust API for MapReduce jobs: a [`Mapper`], an optional combiner and a
//! [`Reducer`] over byte-string keys and values, and [`Counters`].
//!
//! Keys and values are bytes, as Hadoop streaming's text records are; a job
//! decides their encoding. Each task gets its own mapper or reducer from the
//! job's factory, so implementations may keep state without locking.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

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

/// The group of the counters every job keeps, with Hadoop's names.
pub const TASK_COUNTERS: &str = "Map-Reduce Framework";

/// A job's counters, shared by its tasks: `(group, name) → value`.
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
                let n: i64 = std::str::from_utf8(v).ok().and_then(|s| s.trim().parse().ok()).ok_or_else(|| {
                    crate::error::Error::execution(format!("word count: value '{}' is not a number", String::from_utf8_lossy(v)))
                })?;
                sum += n;
            }
            out.emit(key, sum.to_string().as_bytes());
            Ok(())
        }
    }

    pub fn mapper() -> MapperFactory {
        Arc::new(|| Box::new(WordMapper))
    }

    pub fn reducer() -> ReducerFactory {
        Arc::new(|| Box::new(SumReducer))
    }
}
