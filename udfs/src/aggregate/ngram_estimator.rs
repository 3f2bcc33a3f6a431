//! The n-gram counter shared by `ngrams` and `context_ngrams`: Hive's
//! constant-space top-k heuristic (keep at most 2·k·pf n-grams, trim to k·pf
//! by dropping the least frequent, finally keep k).
//!
//! Which of several equally frequent n-grams a trim drops depends in Hive on
//! the iteration order of a `java.util.HashMap`, so [`Counts`] tracks that
//! order (bucket of the Java hash, then insertion order within a bucket) to
//! give the same top-k as Hive when frequencies tie.
//!
//! The accumulator's state is four lists: the parameters `[k, pf, n]`, the
//! context (empty for `ngrams`), the words of every n-gram one after another
//! (n each), and their frequencies, all in that Java iteration order.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, ListArray, StringArray, StructArray};
use arrow::buffer::OffsetBuffer;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::Accumulator;

/// `array<string>`.
pub(crate) fn string_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

/// The element of the result: `struct<ngram:array<string>, estfrequency:double>`.
fn entry_fields() -> Fields {
    Fields::from(vec![Field::new("ngram", string_list(), true), Field::new("estfrequency", DataType::Float64, true)])
}

/// `array<struct<ngram:array<string>, estfrequency:double>>`.
pub(crate) fn result_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Struct(entry_fields()), true)))
}

/// The sequences argument coerced to `array<string>` or `array<array<string>>`.
pub(crate) fn coerce_sequences(name: &str, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Null => Ok(DataType::List(Arc::new(Field::new_list_field(string_list(), true)))),
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => match f.data_type() {
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => {
                Ok(DataType::List(Arc::new(Field::new_list_field(string_list(), true))))
            }
            _ => Ok(string_list()),
        },
        other => datafusion::common::plan_err!(
            "{name}: the first argument must be array<string> or array<array<string>>, got {other}"
        ),
    }
}

/// Java's `String.hashCode` (over UTF-16 code units).
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// Java's `ArrayList<String>.hashCode`.
fn java_list_hash(words: &[String]) -> i32 {
    words.iter().fold(1i32, |h, w| h.wrapping_mul(31).wrapping_add(java_string_hash(w)))
}

/// N-gram frequencies kept as a `java.util.HashMap` would order them.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    map: HashMap<Vec<String>, (f64, u64)>,
    /// Table size of the Java map (16 after the first insert; never shrinks).
    capacity: usize,
    next_seq: u64,
}

impl Counts {
    fn bucket(&self, key: &[String]) -> usize {
        let h = java_list_hash(key) as u32;
        ((h ^ (h >> 16)) as usize) & (self.capacity - 1)
    }

    fn add(&mut self, key: Vec<String>, by: f64) {
        if let Some(entry) = self.map.get_mut(&key) {
            entry.0 += by;
            return;
        }
        if self.capacity == 0 {
            self.capacity = 16;
        }
        let bucket = self.bucket(&key);
        self.map.insert(key, (by, self.next_seq));
        self.next_seq += 1;
        // A chain of 9 in a table smaller than 64 makes Java grow the table.
        if self.capacity < 64 && self.map.keys().filter(|k| self.bucket(k) == bucket).count() > 8 {
            self.capacity *= 2;
        }
        if self.map.len() > self.capacity * 3 / 4 {
            self.capacity *= 2;
        }
    }

    /// The entries in the Java map's iteration order.
    fn ordered(&self) -> Vec<(&Vec<String>, f64)> {
        let mut entries: Vec<(usize, u64, &Vec<String>, f64)> =
            self.map.iter().map(|(k, (v, seq))| (self.bucket(k), *seq, k, *v)).collect();
        entries.sort_by_key(|(bucket, seq, _, _)| (*bucket, *seq));
        entries.into_iter().map(|(_, _, k, v)| (k, v)).collect()
    }

    /// Keeps the `keep` most frequent, dropping first the entries that come
    /// first in iteration order among equal frequencies (Hive's stable sort).
    fn trim(&mut self, keep: usize) {
        if self.map.len() <= keep {
            return;
        }
        let mut entries: Vec<(Vec<String>, f64)> = self.ordered().into_iter().map(|(k, v)| (k.clone(), v)).collect();
        entries.sort_by(|a, b| a.1.total_cmp(&b.1));
        let drop = entries.len() - keep;
        for (key, _) in entries.into_iter().take(drop) {
            self.map.remove(&key);
        }
    }
}

/// Which n-grams a sequence of words gives.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Pattern {
    /// Every run of n words.
    Ngrams(usize),
    /// The words at the NULL places of every run matching the other words.
    Context(Vec<Option<String>>),
}

impl Pattern {
    fn n(&self) -> usize {
        match self {
            Pattern::Ngrams(n) => *n,
            Pattern::Context(c) => c.iter().filter(|w| w.is_none()).count(),
        }
    }

    fn width(&self) -> usize {
        match self {
            Pattern::Ngrams(n) => *n,
            Pattern::Context(c) => c.len(),
        }
    }

    /// The n-gram at the start of `run` (`width()` words), if it matches.
    /// N-grams with a NULL word are skipped.
    fn extract(&self, run: &[Option<String>]) -> Option<Vec<String>> {
        match self {
            Pattern::Ngrams(_) => run.iter().cloned().collect(),
            Pattern::Context(context) => {
                let mut ngram = vec![];
                for (c, w) in context.iter().zip(run) {
                    match c {
                        None => ngram.push(w.clone()?),
                        Some(c) if Some(c) == w.as_ref() => {}
                        Some(_) => return None,
                    }
                }
                Some(ngram)
            }
        }
    }
}

/// Hive's `NGramEstimator` with its parameters.
#[derive(Debug)]
pub(crate) struct Estimator {
    k: usize,
    pf: usize,
    pattern: Pattern,
    counts: Counts,
}

impl Estimator {
    /// `pf` below 1000/k is raised to it, as Hive does.
    pub(crate) fn new(k: usize, pf: usize, pattern: Pattern) -> Self {
        let pf = if k * pf < 1000 { 1000 / k } else { pf };
        Estimator { k, pf, pattern, counts: Counts::default() }
    }

    fn add(&mut self, ngram: Vec<String>, by: f64) {
        self.counts.add(ngram, by);
        if self.counts.map.len() > self.k * self.pf * 2 {
            self.counts.trim(self.k * self.pf);
        }
    }

    /// Counts the n-grams of one sequence, scanning from its end as Hive does.
    pub(crate) fn add_sequence(&mut self, words: &[Option<String>]) {
        let width = self.pattern.width();
        if words.len() < width {
            return;
        }
        for i in (0..=words.len() - width).rev() {
            if let Some(ngram) = self.pattern.extract(&words[i..i + width]) {
                self.add(ngram, 1.0);
            }
        }
    }

    /// The top k, most frequent first, ties in word order; None when empty.
    pub(crate) fn top(&mut self) -> Vec<(Vec<String>, f64)> {
        self.counts.trim(self.k);
        let mut entries: Vec<(Vec<String>, f64)> = self.counts.map.iter().map(|(k, (v, _))| (k.clone(), *v)).collect();
        entries.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        entries
    }
}

/// Reads `(k, pf, pattern)` from the arguments after the sequences at a row.
pub(crate) type ParseFn = fn(&[ArrayRef], usize) -> Option<(usize, usize, Pattern)>;

/// The accumulator of `ngrams` and `context_ngrams`: `parse` reads the
/// parameters (everything after the sequences) of the first row that has them.
pub(crate) struct NgramAccumulator {
    parse: ParseFn,
    estimator: Option<Estimator>,
    /// Whether `merge_batch` built the counts (Hive's final, reduce-side map).
    merged: bool,
}

impl std::fmt::Debug for NgramAccumulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NgramAccumulator").field("estimator", &self.estimator).finish()
    }
}

/// The words of list `row` of a `List<Utf8>` array.
fn words_of(list: &ListArray, row: usize) -> Vec<Option<String>> {
    let values = list.value(row);
    values.as_string::<i32>().iter().map(|w| w.map(str::to_string)).collect()
}

/// A positive integer argument at `row`.
pub(crate) fn positive_at(array: &ArrayRef, row: usize) -> Option<usize> {
    let v = cast(array, &DataType::Int64).ok()?;
    let v = v.as_primitive::<Int64Type>();
    (v.is_valid(row) && v.value(row) >= 1).then(|| v.value(row) as usize)
}

impl NgramAccumulator {
    pub(crate) fn new(parse: ParseFn) -> Self {
        NgramAccumulator { parse, estimator: None, merged: false }
    }

    pub(crate) fn state_fields(name: &str) -> Vec<FieldRef> {
        let list = |t: DataType| DataType::List(Arc::new(Field::new_list_field(t, true)));
        vec![
            Arc::new(Field::new(format!("{name}[params]"), list(DataType::Int64), true)),
            Arc::new(Field::new(format!("{name}[context]"), string_list(), true)),
            Arc::new(Field::new(format!("{name}[words]"), string_list(), true)),
            Arc::new(Field::new(format!("{name}[freqs]"), list(DataType::Float64), true)),
        ]
    }

    /// Hive's reduce side starts from a fresh map filled in the order the
    /// partial result was written; without a merge, do the same here.
    fn as_if_merged(&mut self) {
        if self.merged {
            return;
        }
        self.merged = true;
        if let Some(e) = &mut self.estimator {
            let entries: Vec<(Vec<String>, f64)> =
                e.counts.ordered().into_iter().map(|(k, v)| (k.clone(), v)).collect();
            e.counts = Counts::default();
            for (k, v) in entries {
                e.counts.add(k, v);
            }
        }
    }
}

impl Accumulator for NgramAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let seqs = values[0].as_list::<i32>();
        for row in 0..seqs.len() {
            if seqs.is_null(row) {
                continue;
            }
            if self.estimator.is_none() {
                match (self.parse)(values, row) {
                    Some((k, pf, pattern)) => self.estimator = Some(Estimator::new(k, pf, pattern)),
                    None => continue,
                }
            }
            let Some(estimator) = self.estimator.as_mut() else { continue };
            let seq = seqs.value(row);
            match seq.data_type() {
                DataType::List(_) => {
                    let inner = seq.as_list::<i32>();
                    for i in 0..inner.len() {
                        if inner.is_valid(i) {
                            estimator.add_sequence(&words_of(inner, i));
                        }
                    }
                }
                _ => estimator.add_sequence(&words_of(seqs, row)),
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.merged = true;
        let (params, contexts) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        let (words, freqs) = (states[2].as_list::<i32>(), states[3].as_list::<i32>());
        for row in 0..params.len() {
            if params.is_null(row) || params.value(row).len() != 3 {
                continue;
            }
            let p = params.value(row);
            let p: Vec<usize> = p.as_primitive::<Int64Type>().values().iter().map(|v| *v as usize).collect();
            let (k, pf, n) = (p[0], p[1], p[2]);
            if self.estimator.is_none() {
                let context = words_of(contexts, row);
                let pattern = if context.is_empty() { Pattern::Ngrams(n) } else { Pattern::Context(context) };
                self.estimator = Some(Estimator { k, pf, pattern, counts: Counts::default() });
            }
            let Some(estimator) = self.estimator.as_mut() else { continue };
            if n == 0 || estimator.pattern.n() != n {
                continue;
            }
            let row_words: Vec<String> = words_of(words, row).into_iter().map(Option::unwrap_or_default).collect();
            let row_freqs = freqs.value(row);
            for (ngram, freq) in row_words.chunks(n).zip(row_freqs.as_primitive::<Float64Type>().values().iter()) {
                estimator.counts.add(ngram.to_vec(), *freq);
            }
            if estimator.counts.map.len() > estimator.k * estimator.pf {
                estimator.counts.trim(estimator.k * estimator.pf);
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let list =
            |values: Vec<ScalarValue>, t: &DataType| ScalarValue::List(ScalarValue::new_list_nullable(&values, t));
        let Some(e) = &self.estimator else {
            return Ok(vec![
                list(vec![], &DataType::Int64),
                list(vec![], &DataType::Utf8),
                list(vec![], &DataType::Utf8),
                list(vec![], &DataType::Float64),
            ]);
        };
        let params = [e.k, e.pf, e.pattern.n()].iter().map(|v| ScalarValue::Int64(Some(*v as i64))).collect();
        let context = match &e.pattern {
            Pattern::Ngrams(_) => vec![],
            Pattern::Context(c) => c.iter().map(|w| ScalarValue::Utf8(w.clone())).collect(),
        };
        let (mut words, mut freqs) = (vec![], vec![]);
        for (ngram, freq) in e.counts.ordered() {
            words.extend(ngram.iter().map(|w| ScalarValue::Utf8(Some(w.clone()))));
            freqs.push(ScalarValue::Float64(Some(freq)));
        }
        Ok(vec![
            list(params, &DataType::Int64),
            list(context, &DataType::Utf8),
            list(words, &DataType::Utf8),
            list(freqs, &DataType::Float64),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.as_if_merged();
        let top = match &mut self.estimator {
            Some(e) => e.top(),
            None => vec![],
        };
        if top.is_empty() {
            return ScalarValue::try_from(result_type());
        }
        let mut offsets = vec![0usize];
        let mut words = vec![];
        for (ngram, _) in &top {
            words.extend(ngram.iter().map(|w| Some(w.as_str())));
            offsets.push(words.len());
        }
        let ngrams = ListArray::new(
            Arc::new(Field::new_list_field(DataType::Utf8, true)),
            OffsetBuffer::from_lengths(offsets.windows(2).map(|w| w[1] - w[0])),
            Arc::new(StringArray::from(words)),
            None,
        );
        let freqs = Float64Array::from(top.iter().map(|(_, f)| *f).collect::<Vec<_>>());
        let entries = StructArray::new(entry_fields(), vec![Arc::new(ngrams), Arc::new(freqs)], None);
        let DataType::List(field) = result_type() else { unreachable!() };
        let one = ListArray::new(field, OffsetBuffer::from_lengths([top.len()]), Arc::new(entries), None);
        Ok(ScalarValue::List(Arc::new(one)))
    }

    fn size(&self) -> usize {
        let words: usize = self
            .estimator
            .as_ref()
            .map(|e| e.counts.map.keys().map(|k| k.iter().map(|w| w.len() + 24).sum::<usize>() + 48).sum())
            .unwrap_or(0);
        size_of_val(self) + words
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The result as `(words joined by spaces, frequency)` pairs.
    pub(crate) fn pairs(v: &ScalarValue) -> Option<Vec<(String, f64)>> {
        let ScalarValue::List(list) = v else { panic!("not a list: {v:?}") };
        if list.is_null(0) {
            return None;
        }
        let entries = list.value(0);
        let entries = entries.as_struct();
        let (ngrams, freqs) = (entries.column(0).as_list::<i32>(), entries.column(1).as_primitive::<Float64Type>());
        Some(
            (0..entries.len())
                .map(|i| {
                    let words: Vec<String> = words_of(ngrams, i).into_iter().flatten().collect();
                    (words.join(" "), freqs.value(i))
                })
                .collect(),
        )
    }

    #[test]
    fn java_hashes() {
        assert_eq!(java_string_hash("hello"), 99162322);
        assert_eq!(java_list_hash(&["x".into(), "y".into()]), 4802);
    }

    #[test]
    fn ties_at_the_cut_follow_java_map_order() {
        // Hive: ngrams(split(s, ' '), 2, 2) over 'x y x y', 'y x', 'z z z'
        // keeps [x y] and [z z]; [y x] comes first in the Java map.
        let mut e = Estimator::new(2, 1, Pattern::Ngrams(2));
        for s in ["x y x y", "y x", "z z z"] {
            e.add_sequence(&s.split(' ').map(|w| Some(w.to_string())).collect::<Vec<_>>());
        }
        let top: Vec<String> = e.top().into_iter().map(|(k, _)| k.join(" ")).collect();
        assert_eq!(top, ["x y", "z z"]);
    }

    fn top_of(rows: &[String], pattern: Pattern, k: usize) -> Vec<String> {
        let mut e = Estimator::new(k, 1, pattern);
        for s in rows {
            e.add_sequence(&s.split(' ').map(|w| Some(w.to_string())).collect::<Vec<_>>());
        }
        e.top().into_iter().map(|(k, _)| k.join(" ")).collect()
    }

    #[test]
    fn ties_in_a_grown_java_map_as_hive() {
        // Hive 2.3, all frequencies 1: which survive depends on the Java map's order
        let w1 = (0..40).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        let w2 = (0..30).map(|i| format!("alpha{i} beta{}", i % 7)).collect::<Vec<_>>().join(" ");
        assert_eq!(top_of(std::slice::from_ref(&w1), Pattern::Ngrams(1), 5), ["w17", "w19", "w5", "w6", "w7"]);
        assert_eq!(
            top_of(std::slice::from_ref(&w2), Pattern::Ngrams(2), 4),
            ["alpha7 beta0", "beta0 alpha22", "beta4 alpha26", "beta5 alpha13"]
        );
        assert_eq!(
            top_of(&[w2, w1], Pattern::Context(vec![None, None]), 3),
            ["alpha7 beta0", "beta4 alpha26", "beta5 alpha13"]
        );
    }
}
