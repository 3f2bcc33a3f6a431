//! Eve's rate limits (`RATE_LIMIT_GET: [requests, seconds]`, ... per
//! method), counted in this process instead of Redis: one counter per
//! client shared by every method, each method comparing it with its own
//! limit; every counted request pushes the window's end to now + period.
//! A client is its Basic user name, else its credentials (Eve puts every
//! Bearer client in one bucket; ENMA gives each its own), else its address.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The counters are pruned of expired clients past this many.
const PRUNE_AT: usize = 100_000;

/// The limits of the settings and the clients' counters.
#[derive(Debug, Default)]
pub struct RateLimits {
    limits: HashMap<String, (u64, i64)>,
    counters: Mutex<HashMap<String, (u64, i64)>>,
}

/// One counted request: the limit it met, what remains, when the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub limit: u64,
    pub remaining: i64,
    pub reset: i64,
    pub over: bool,
}

/// `RATE_LIMIT_<METHOD>: [requests, seconds]` of every method, by method.
pub fn limits(g: &Map<String, Value>) -> HashMap<String, (u64, i64)> {
    let mut limits = HashMap::new();
    for (key, value) in g {
        let Some(method) = key.strip_prefix("RATE_LIMIT_") else { continue };
        if let Some([Value::Number(n), Value::Number(p)]) = value.as_array().map(Vec::as_slice)
            && let (Some(n), Some(p)) = (n.as_u64(), p.as_i64())
        {
            limits.insert(method.to_uppercase(), (n, p.max(1)));
        }
    }
    limits
}

impl RateLimits {
    pub fn new(limits: HashMap<String, (u64, i64)>) -> RateLimits {
        RateLimits { limits, counters: Mutex::new(HashMap::new()) }
    }

    pub fn is_empty(&self) -> bool {
        self.limits.is_empty()
    }

    /// Counts a `method` request of `client` at `now` (seconds); `None` when the method has no limit.
    pub fn hit(&self, method: &str, client: &str, now: i64) -> Option<Hit> {
        let (limit, period) = *self.limits.get(method)?;
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        if counters.len() > PRUNE_AT {
            counters.retain(|_, (_, until)| *until > now);
        }
        let entry = counters.entry(client.to_string()).or_insert((0, 0));
        if entry.1 <= now {
            *entry = (0, 0);
        }
        entry.0 += 1;
        entry.1 = now + period;
        Some(Hit { limit, remaining: limit as i64 - entry.0 as i64, reset: entry.1, over: entry.0 > limit })
    }
}

/// The client a request counts for: its Basic user name, a digest of other
/// credentials, or its address.
pub fn client(authorization: Option<&str>, address: Option<&str>) -> String {
    match authorization.filter(|a| !a.trim().is_empty()) {
        Some(a) => match crate::auth::basic_user(a) {
            Some(user) => format!("user/{user}"),
            None => {
                let digest = Sha256::digest(a.trim().as_bytes());
                format!("credentials/{}", digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>())
            }
        },
        None => format!("address/{}", address.unwrap_or("unknown")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_counter_per_client_each_method_its_limit() {
        let g = serde_json::json!({"RATE_LIMIT_GET": [3, 600], "RATE_LIMIT_PATCH": [1, 600]});
        let limits = RateLimits::new(limits(g.as_object().unwrap()));
        assert_eq!(limits.hit("HEAD", "a", 0), None);
        assert_eq!(limits.hit("GET", "a", 0).unwrap().remaining, 2);
        let patch = limits.hit("PATCH", "a", 1).unwrap();
        assert!(patch.over && patch.reset == 601);
        assert!(!limits.hit("GET", "b", 1).unwrap().over);
        assert!(limits.hit("GET", "a", 2).unwrap().remaining == 0);
        // The window ends a period after the last request.
        assert_eq!(limits.hit("GET", "a", 700).unwrap().remaining, 2);
        assert_ne!(client(Some("Bearer x"), None), client(Some("Bearer y"), None));
        assert_eq!(client(None, Some("127.0.0.1")), "address/127.0.0.1");
    }
}
