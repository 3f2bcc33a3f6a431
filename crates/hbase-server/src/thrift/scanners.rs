//! Open scanners between calls: Thrift1 clients open a scanner, fetch rows by
//! its i32 id in as many calls as they like, and close it.
//!
//! Ids are global, as in HBase's server, but each scanner remembers the
//! connection that opened it, so a client that disconnects without closing
//! (a killed script, a dropped socket) leaves nothing behind. Scanners idle
//! longer than the configured timeout are dropped too, which bounds what a
//! long-lived connection can leak. Each scanner has its own lock, so a slow
//! fetch on one never blocks calls on another.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use enma_kv::Scanner;

/// A scanner and what its fetches need to know.
pub struct OpenScanner {
    pub scanner: Scanner,
    /// Rows go back as `sortedColumns` instead of the `columns` map.
    pub sorted: bool,
    owner: u64,
    last_used: Instant,
}

impl OpenScanner {
    /// Marks the scanner as used now, restarting its idle timeout.
    pub fn touch(&mut self) {
        self.last_used = Instant::now();
    }
}

/// Every open scanner of one server.
pub struct Scanners {
    next_id: AtomicI32,
    open: Mutex<HashMap<i32, Arc<Mutex<OpenScanner>>>>,
    idle_timeout: Duration,
    max_open: usize,
}

impl Scanners {
    pub fn new(idle_timeout: Duration, max_open: usize) -> Self {
        Scanners { next_id: AtomicI32::new(1), open: Mutex::new(HashMap::new()), idle_timeout, max_open }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<i32, Arc<Mutex<OpenScanner>>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a scanner opened by connection `owner`; `None` when the
    /// server already holds its maximum.
    pub fn add(&self, owner: u64, scanner: Scanner, sorted: bool) -> Option<i32> {
        self.expire_idle();
        let mut map = self.map();
        if map.len() >= self.max_open {
            return None;
        }
        // Ids wrap after 2^32 opens; skip any still in use (and the negatives,
        // which some clients treat as errors).
        let id = loop {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            if id > 0 && !map.contains_key(&id) {
                break id;
            }
        };
        let entry = OpenScanner { scanner, sorted, owner, last_used: Instant::now() };
        map.insert(id, Arc::new(Mutex::new(entry)));
        Some(id)
    }

    /// The scanner with this id, to lock and read from.
    pub fn get(&self, id: i32) -> Option<Arc<Mutex<OpenScanner>>> {
        self.map().get(&id).cloned()
    }

    /// Closes a scanner; false when no scanner has this id.
    pub fn remove(&self, id: i32) -> bool {
        self.map().remove(&id).is_some()
    }

    /// Closes every scanner a connection opened (it has gone away).
    pub fn remove_owned_by(&self, owner: u64) {
        self.map().retain(|_, s| match s.try_lock() {
            Ok(s) => s.owner != owner,
            // In use by another connection right now: that one keeps it.
            Err(_) => true,
        });
    }

    /// Drops scanners nobody has used for the idle timeout.
    fn expire_idle(&self) {
        let now = Instant::now();
        self.map().retain(|_, s| match s.try_lock() {
            Ok(s) => now.duration_since(s.last_used) < self.idle_timeout,
            Err(_) => true,
        });
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map().len()
    }
}

/// Locks one scanner, whatever a panicking holder left behind.
pub fn lock(s: &Mutex<OpenScanner>) -> MutexGuard<'_, OpenScanner> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use enma_kv::{Family, Scan, Store, StoreOptions, TableName, TableSchema};

    fn scanner(store: &Store) -> Scanner {
        store.scanner(&TableName::parse("t").unwrap(), Scan::default()).unwrap()
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let schema = TableSchema { name: TableName::parse("t").unwrap(), families: vec![Family::new("cf")] };
        store.create_table(schema).unwrap();
        (dir, store)
    }

    #[test]
    fn ids_are_distinct_and_closing_twice_fails() {
        let (_dir, store) = store();
        let scanners = Scanners::new(Duration::from_secs(60), 10);
        let a = scanners.add(1, scanner(&store), false).unwrap();
        let b = scanners.add(1, scanner(&store), true).unwrap();
        assert_ne!(a, b);
        assert!(lock(&scanners.get(b).unwrap()).sorted);
        assert!(scanners.remove(a));
        assert!(!scanners.remove(a));
        assert!(scanners.get(a).is_none());
    }

    #[test]
    fn a_connection_going_away_closes_its_scanners_only() {
        let (_dir, store) = store();
        let scanners = Scanners::new(Duration::from_secs(60), 10);
        let mine = scanners.add(1, scanner(&store), false).unwrap();
        let theirs = scanners.add(2, scanner(&store), false).unwrap();
        scanners.remove_owned_by(1);
        assert!(scanners.get(mine).is_none());
        assert!(scanners.get(theirs).is_some());
    }

    #[test]
    fn idle_scanners_expire_and_the_cap_holds() {
        let (_dir, store) = store();
        let scanners = Scanners::new(Duration::ZERO, 10);
        let old = scanners.add(1, scanner(&store), false).unwrap();
        scanners.add(1, scanner(&store), false).unwrap();
        assert!(scanners.get(old).is_none(), "expired when the next one opened");

        let capped = Scanners::new(Duration::from_secs(60), 1);
        assert!(capped.add(1, scanner(&store), false).is_some());
        assert!(capped.add(1, scanner(&store), false).is_none());
        assert_eq!(capped.len(), 1);
    }
}
