//! Hive's streaming histogram (Ben-Haim and Tom-Tov, "A Streaming Parallel
//! Decision Tree Algorithm"), shared by `histogram_numeric` and
//! `percentile_approx`: at most `nbins` bins (x = centre, y = height); a new
//! value past that merges the two closest bins. Ties between equally close
//! pairs are broken with Java's `Random(31183)`, as Hive does, so results
//! match Hive's for the same input order.

/// Java's `java.util.Random` (a 48-bit linear congruential generator).
#[derive(Debug, Clone)]
struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    const MULT: u64 = 0x5DEECE66D;
    const MASK: u64 = (1 << 48) - 1;

    fn new(seed: u64) -> Self {
        Self { seed: (seed ^ Self::MULT) & Self::MASK }
    }

    fn next(&mut self, bits: u32) -> u64 {
        self.seed = (self.seed.wrapping_mul(Self::MULT).wrapping_add(0xB)) & Self::MASK;
        self.seed >> (48 - bits)
    }

    fn next_double(&mut self) -> f64 {
        ((self.next(26) << 27) + self.next(27)) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[derive(Debug, Clone)]
pub struct NumericHistogram {
    nbins: usize,
    /// (x, y), sorted by x.
    bins: Vec<(f64, f64)>,
    prng: JavaRandom,
}

impl NumericHistogram {
    pub fn new(nbins: usize) -> Self {
        Self { nbins, bins: vec![], prng: JavaRandom::new(31183) }
    }

    pub fn is_empty(&self) -> bool {
        self.bins.is_empty()
    }

    pub fn bins(&self) -> &[(f64, f64)] {
        &self.bins
    }

    pub fn add(&mut self, v: f64) {
        let at = self.bins.partition_point(|b| b.0 < v);
        if at < self.bins.len() && self.bins[at].0 == v {
            self.bins[at].1 += 1.0;
        } else {
            self.bins.insert(at, (v, 1.0));
            if self.bins.len() > self.nbins {
                self.trim();
            }
        }
    }

    /// Merges the two closest bins until at most `nbins` remain.
    fn trim(&mut self) {
        while self.bins.len() > self.nbins && self.bins.len() >= 2 {
            let mut smallest = self.bins[1].0 - self.bins[0].0;
            let (mut at, mut ties) = (0, 1u32);
            for i in 1..self.bins.len() - 1 {
                let diff = self.bins[i + 1].0 - self.bins[i].0;
                if diff < smallest {
                    smallest = diff;
                    at = i;
                    ties = 1;
                } else if diff == smallest {
                    ties += 1;
                    if self.prng.next_double() <= 1.0 / ties as f64 {
                        at = i;
                    }
                }
            }
            let (a, b) = (self.bins[at], self.bins[at + 1]);
            let d = a.1 + b.1;
            let mut x = a.0 * (a.1 / d);
            x += b.0 / d * b.1;
            self.bins[at] = (x, d);
            self.bins.remove(at + 1);
        }
    }

    /// The partial state: `[nbins, x1, y1, x2, y2, ...]`, as Hive serialises it.
    pub fn serialize(&self) -> Vec<f64> {
        let mut out = vec![self.nbins as f64];
        out.extend(self.bins.iter().flat_map(|(x, y)| [*x, *y]));
        out
    }

    pub fn merge(&mut self, other: &[f64]) {
        if other.is_empty() {
            return;
        }
        let bins = other[1..].chunks_exact(2).map(|c| (c[0], c[1]));
        if self.nbins == 0 || self.bins.is_empty() {
            self.nbins = other[0] as usize;
            self.bins = bins.collect();
        } else {
            self.bins.extend(bins);
            self.bins.sort_by(|a, b| a.0.total_cmp(&b.0));
            self.trim();
        }
    }

    /// The approximate q-quantile, interpolated between bin centres.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let sum: f64 = self.bins.iter().map(|b| b.1).sum();
        let mut csum = 0.0;
        for (b, bin) in self.bins.iter().enumerate() {
            csum += bin.1;
            if csum / sum >= q {
                if b == 0 {
                    return Some(bin.0);
                }
                csum -= bin.1;
                let prev = self.bins[b - 1];
                return Some(prev.0 + (q * sum - csum) * (bin.0 - prev.0) / bin.1);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_random_matches_java() {
        // new java.util.Random(42).nextDouble() == 0.7275636800328681
        assert_eq!(JavaRandom::new(42).next_double(), 0.7275636800328681);
    }

    #[test]
    fn merges_closest_bins_and_interpolates() {
        let mut h = NumericHistogram::new(3);
        for v in [1.0, 2.0, 4.0, 10.0] {
            h.add(v);
        }
        assert_eq!(h.bins(), &[(1.5, 2.0), (4.0, 1.0), (10.0, 1.0)]);
        let mut e = NumericHistogram::new(10000);
        for v in [1.0, 2.0, 4.0, 10.0] {
            e.add(v);
        }
        assert_eq!(e.quantile(0.5), Some(2.0));
        assert_eq!(e.quantile(0.25), Some(1.0));
        let mut m = NumericHistogram::new(3);
        m.merge(&h.serialize());
        m.merge(&[3.0, 3.0, 1.0]);
        assert_eq!(m.bins().len(), 3);
    }
}
