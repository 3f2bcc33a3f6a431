//! `ngrams(sentences, n, k [, pf])`: the k most frequent sequences of n
//! words in the group, where each row holds a sentence (array of strings) or
//! several (array of arrays of strings, as `sentences()` gives). The result
//! is an array of `{ngram: array<string>, estfrequency: double}`, most
//! frequent first (ties in word order). Counts here are exact; Hive's are
//! estimates that agree for groups of modest size. A group without n-grams
//! gives NULL.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, ListBuilder, StringBuilder, StructArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Ngrams {
    signature: Signature,
}

impl Default for Ngrams {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "ngrams(expr, n, k[, pf])",
        "the k most frequent n-grams (sequences of n words) of the sentences expr (arrays of strings, or arrays of them), with their frequencies",
        "> SELECT ngrams(sentences('a b a b'), 2, 1);\n[{\"ngram\":[\"a\",\"b\"],\"estfrequency\":2.0}]",
    )
});

pub(crate) fn string_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

pub(crate) fn result_fields() -> Fields {
    Fields::from(vec![Field::new("ngram", string_list(), true), Field::new("estfrequency", DataType::Float64, true)])
}

pub(crate) fn result_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Struct(result_fields()), true)))
}

/// The sentences of each row, from array<string> or array<array<string>>.
pub(crate) fn sentences(array: &ArrayRef) -> Result<Vec<Vec<Vec<Option<String>>>>> {
    let nested = matches!(crate::generator::element_type(array.data_type()), Some(t) if crate::generator::element_type(t).is_some());
    let target = if nested { DataType::List(Arc::new(Field::new_list_field(string_list(), true))) } else { string_list() };
    let a = cast(array, &target)?;
    let rows = a.as_list::<i32>();
    let words = |l: ArrayRef| -> Vec<Option<String>> { l.as_string::<i32>().iter().map(|w| w.map(str::to_string)).collect() };
    Ok((0..rows.len())
        .map(|i| {
            if rows.is_null(i) {
                return vec![];
            }
            let row = rows.value(i);
            if nested {
                let inner = row.as_list::<i32>();
                (0..inner.len()).filter(|&j| inner.is_valid(j)).map(|j| words(inner.value(j))).collect()
            } else {
                vec![words(row)]
            }
        })
        .collect())
}

/// First non-NULL value of an integer argument.
pub(crate) fn int_arg(array: &ArrayRef) -> Result<Option<i64>> {
    Ok(cast(array, &DataType::Int64)?.as_primitive::<Int64Type>().iter().flatten().next())
}

/// Counts of n-grams, shared with `context_ngrams`.
#[derive(Debug, Default)]
pub(crate) struct NgramCounts {
    pub k: Option<usize>,
    pub counts: HashMap<Vec<String>, f64>,
}

impl NgramCounts {
    pub fn add(&mut self, ngram: Vec<String>, n: f64) {
        *self.counts.entry(ngram).or_default() += n;
    }

    /// State: the counted n-grams and their counts, and k.
    pub fn state(&self) -> Result<Vec<ScalarValue>> {
        let mut counts = Vec::new();
        let mut items = ListBuilder::new(StringBuilder::new());
        for (g, c) in &self.counts {
            items.append_value(g.iter().map(|w| Some(w.as_str())));
            counts.push(ScalarValue::Float64(Some(*c)));
        }
        let items = items.finish();
        let list = ScalarValue::List(Arc::new(arrow::array::ListArray::new(
            Arc::new(Field::new_list_field(string_list(), true)),
            arrow::buffer::OffsetBuffer::from_lengths([items.len()]),
            Arc::new(items),
            None,
        )));
        Ok(vec![
            list,
            ScalarValue::List(ScalarValue::new_list_nullable(&counts, &DataType::Float64)),
            ScalarValue::Int64(self.k.map(|k| k as i64)),
        ])
    }

    pub fn merge(&mut self, states: &[ArrayRef]) -> Result<()> {
        let grams = states[0].as_list::<i32>();
        let counts = states[1].as_list::<i32>();
        for i in 0..grams.len() {
            if grams.is_null(i) || counts.is_null(i) {
                continue;
            }
            let g = grams.value(i);
            let g = g.as_list::<i32>();
            let c = counts.value(i);
            let c = c.as_primitive::<arrow::datatypes::Float64Type>();
            for j in 0..g.len() {
                let words = g.value(j).as_string::<i32>().iter().map(|w| w.unwrap_or("").to_string()).collect();
                self.add(words, c.value(j));
            }
        }
        if self.k.is_none() {
            self.k = int_arg(&states[2])?.map(|k| k.max(0) as usize);
        }
        Ok(())
    }

    /// The k most frequent, ties in word order; NULL without any.
    pub fn evaluate(&self) -> Result<ScalarValue> {
        if self.counts.is_empty() {
            return ScalarValue::try_from(result_type());
        }
        let mut all: Vec<(&Vec<String>, f64)> = self.counts.iter().map(|(g, c)| (g, *c)).collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        all.truncate(self.k.unwrap_or(0));
        let mut grams = ListBuilder::new(StringBuilder::new());
        for (g, _) in &all {
            grams.append_value(g.iter().map(|w| Some(w.as_str())));
        }
        let freqs = Float64Array::from(all.iter().map(|(_, c)| *c).collect::<Vec<_>>());
        let structs = StructArray::new(result_fields(), vec![Arc::new(grams.finish()) as ArrayRef, Arc::new(freqs)], None);
        Ok(ScalarValue::List(Arc::new(arrow::array::ListArray::new(
            Arc::new(Field::new_list_field(DataType::Struct(result_fields()), true)),
            arrow::buffer::OffsetBuffer::from_lengths([structs.len()]),
            Arc::new(structs),
            None,
        ))))
    }

    pub fn state_fields(name: &str) -> Vec<FieldRef> {
        vec![
            Arc::new(Field::new(
                format!("{name}[ngrams]"),
                DataType::List(Arc::new(Field::new_list_field(string_list(), true))),
                true,
            )),
            Arc::new(Field::new(
                format!("{name}[counts]"),
                DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true))),
                true,
            )),
            Arc::new(Field::new(format!("{name}[k]"), DataType::Int64, true)),
        ]
    }
}

impl AggregateUDFImpl for Ngrams {
    fn name(&self) -> &str {
        "ngrams"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [s, _, _] => Ok(vec![s.clone(), DataType::Int64, DataType::Int64]),
            [s, _, _, _] => Ok(vec![s.clone(), DataType::Int64, DataType::Int64, DataType::Int64]),
            _ => exec_err!("ngrams takes 3 or 4 arguments (expr, n, k[, pf]), got {}", arg_types.len()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(result_type())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(NgramCounts::state_fields(args.name))
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(NgramsAccumulator { n: None, counts: NgramCounts::default() }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[derive(Debug)]
struct NgramsAccumulator {
    n: Option<usize>,
    counts: NgramCounts,
}

impl Accumulator for NgramsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if self.n.is_none() {
            self.n = int_arg(&values[1])?.map(|n| n.max(0) as usize);
            self.counts.k = int_arg(&values[2])?.map(|k| k.max(0) as usize);
            if self.n.unwrap_or(0) < 1 || self.counts.k.unwrap_or(0) < 1 {
                return exec_err!("ngrams: n and k must be positive integer constants");
            }
        }
        let n = self.n.unwrap_or(1);
        for row in sentences(&values[0])? {
            for sentence in row {
                let words: Vec<String> = sentence.into_iter().flatten().collect();
                for w in words.windows(n) {
                    self.counts.add(w.to_vec(), 1.0);
                }
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.counts.merge(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.counts.state()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.counts.evaluate()
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.counts.counts.iter().map(|(g, _)| 32 + g.iter().map(|w| w.len() + 24).sum::<usize>()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int64Array;

    fn sentence_rows(rows: &[&[&str]]) -> ArrayRef {
        let mut b = ListBuilder::new(StringBuilder::new());
        for r in rows {
            b.append_value(r.iter().map(|w| Some(*w)));
        }
        Arc::new(b.finish())
    }

    #[test]
    fn most_frequent_first_across_partial_states() {
        let ints = |v: i64, n: usize| Arc::new(Int64Array::from(vec![v; n])) as ArrayRef;
        let mut a = NgramsAccumulator { n: None, counts: NgramCounts::default() };
        a.update_batch(&[sentence_rows(&[&["a", "b", "a", "b"]]), ints(2, 1), ints(2, 1)]).unwrap();
        let mut b = NgramsAccumulator { n: None, counts: NgramCounts::default() };
        b.update_batch(&[sentence_rows(&[&["b", "a", "c"]]), ints(2, 1), ints(2, 1)]).unwrap();
        let state: Vec<ArrayRef> = b.state().unwrap().iter().map(|s| s.to_array().unwrap()).collect();
        a.merge_batch(&state).unwrap();
        let out = a.evaluate().unwrap().to_array().unwrap();
        assert_eq!(
            crate::hive_text::display_value(out.as_ref(), 0),
            r#"[{"ngram":["a","b"],"estfrequency":2.0},{"ngram":["b","a"],"estfrequency":2.0}]"#
        );
    }
}
