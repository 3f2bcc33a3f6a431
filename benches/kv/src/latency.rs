//! One phase's figures: how many calls, how long the phase took, calls per
//! second, and the median, 99th percentile and worst latency of a call.

use std::time::Duration;

use serde_json::{Value, json};

/// The summary of one phase, from every call's latency over all clients.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub ops: u64,
    /// Wall clock from all clients starting to the last one finishing.
    pub seconds: f64,
    pub ops_per_sec: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
}

impl Summary {
    /// Summarises `latencies_ns` (one per call, any order) over a phase that took `wall`.
    pub fn of(mut latencies_ns: Vec<u64>, wall: Duration) -> Summary {
        latencies_ns.sort_unstable();
        let us = |ns: u64| ns as f64 / 1000.0;
        let ops = latencies_ns.len() as u64;
        let seconds = wall.as_secs_f64();
        Summary {
            ops,
            seconds,
            ops_per_sec: if seconds > 0.0 { ops as f64 / seconds } else { 0.0 },
            p50_us: us(percentile(&latencies_ns, 50)),
            p99_us: us(percentile(&latencies_ns, 99)),
            max_us: us(latencies_ns.last().copied().unwrap_or(0)),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "ops": self.ops,
            "seconds": round(self.seconds, 3),
            "ops_per_sec": round(self.ops_per_sec, 1),
            "p50_us": round(self.p50_us, 1),
            "p99_us": round(self.p99_us, 1),
            "max_us": round(self.max_us, 1),
        })
    }

    /// One line for the terminal: `50000 ops in 3.21 s: 15576 ops/s, p50 240 µs, p99 1.10 ms, max 9.87 ms`.
    pub fn line(&self) -> String {
        format!(
            "{} ops in {:.2} s: {:.0} ops/s, p50 {}, p99 {}, max {}",
            self.ops,
            self.seconds,
            self.ops_per_sec,
            duration(self.p50_us),
            duration(self.p99_us),
            duration(self.max_us)
        )
    }
}

/// The nearest-rank percentile of sorted samples: the smallest sample that
/// `percent` % of all samples are at or below; 0 when there are none.
pub fn percentile(sorted: &[u64], percent: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (sorted.len() * percent).div_ceil(100).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn round(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

/// Microseconds as the terminal shows them: µs below a millisecond, ms above.
fn duration(us: f64) -> String {
    if us >= 1000.0 { format!("{:.2} ms", us / 1000.0) } else { format!("{us:.0} µs") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&hundred, 50), 50);
        assert_eq!(percentile(&hundred, 99), 99);
        assert_eq!(percentile(&hundred, 100), 100);
        assert_eq!(percentile(&hundred, 0), 1);
        // With fewer samples than the percentile has steps, the rank rounds up.
        let ten: Vec<u64> = (1..=10).map(|i| i * 10).collect();
        assert_eq!(percentile(&ten, 50), 50);
        assert_eq!(percentile(&ten, 99), 100);
        assert_eq!(percentile(&[7], 50), 7);
        assert_eq!(percentile(&[7], 99), 7);
        assert_eq!(percentile(&[], 99), 0);
    }

    #[test]
    fn summary_sorts_and_scales() {
        // 1000 calls: 990 of 100 µs, then 10 slow ones of 5..=50 ms, in reverse order.
        let mut ns: Vec<u64> = (1..=10).rev().map(|i| i * 5_000_000).collect();
        ns.extend(std::iter::repeat_n(100_000, 990));
        let s = Summary::of(ns, Duration::from_millis(500));
        assert_eq!(s.ops, 1000);
        assert_eq!(s.seconds, 0.5);
        assert_eq!(s.ops_per_sec, 2000.0);
        assert_eq!(s.p50_us, 100.0);
        assert_eq!(s.p99_us, 100.0);
        assert_eq!(s.max_us, 50_000.0);
        assert_eq!(s.line(), "1000 ops in 0.50 s: 2000 ops/s, p50 100 µs, p99 100 µs, max 50.00 ms");
        // One more slow call pushes the 99th percentile onto the slow ones.
        let mut ns: Vec<u64> = (1..=11).map(|i| i * 5_000_000).collect();
        ns.extend(std::iter::repeat_n(100_000, 989));
        assert_eq!(Summary::of(ns, Duration::from_secs(1)).p99_us, 5_000.0);
    }

    #[test]
    fn empty_phase_and_json() {
        let s = Summary::of(Vec::new(), Duration::ZERO);
        assert_eq!((s.ops, s.ops_per_sec, s.p50_us, s.max_us), (0, 0.0, 0.0, 0.0));
        let s = Summary::of(vec![1_234_567, 2_000], Duration::from_nanos(1_236_567));
        let j = s.to_json();
        assert_eq!(j["ops"], 2);
        assert_eq!(j["p50_us"], 2.0);
        assert_eq!(j["max_us"], 1234.6);
        assert_eq!(j["seconds"], 0.001);
        assert_eq!(j["ops_per_sec"], 1617.4);
    }
}
