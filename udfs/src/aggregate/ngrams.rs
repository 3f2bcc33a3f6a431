//! `ngrams(sentences, n, k [, pf])`: the k most frequent runs of n words in
//! the group's sentences (`array<array<string>>`, as `sentences()` gives, or
//! `array<string>`), as `array<struct<ngram:array<string>, estfrequency:double>>`
//! sorted by frequency, most frequent first. Counting uses Hive's heuristic
//! with a buffer of k·pf n-grams (see `ngram_estimator`), exact for small data.
//! NULL for a group without n-grams; a bad n, k or pf gives NULL too.

use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use super::ngram_estimator::{NgramAccumulator, Pattern, coerce_sequences, positive_at, result_type};
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
        "ngrams(expr, n, k [, pf])",
        "the k most frequent n-grams (runs of n words) of the word sequences in expr, an array<string> or \
         array<array<string>> such as sentences() returns; pf sets the precision of the estimate",
        "> SELECT ngrams(sentences(s), 2, 2) FROM (SELECT stack(2, 'the cat sat', 'the cat ran') AS s) t;\n \
         [{\"ngram\":[\"the\",\"cat\"],\"estfrequency\":2.0},{\"ngram\":[\"cat\",\"ran\"],\"estfrequency\":1.0}]",
    )
});

/// `n`, `k` and `pf` of `row`: `(k, pf, pattern)`.
fn parse(values: &[ArrayRef], row: usize) -> Option<(usize, usize, Pattern)> {
    let n = positive_at(&values[1], row)?;
    let k = positive_at(&values[2], row)?;
    let pf = match values.get(3) {
        Some(pf) => positive_at(pf, row)?,
        None => 1,
    };
    Some((k, pf, Pattern::Ngrams(n)))
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
            [seqs, rest @ ..] if (2..=3).contains(&rest.len()) => {
                let mut types = vec![coerce_sequences("ngrams", seqs)?];
                types.extend(rest.iter().map(|_| DataType::Int64));
                Ok(types)
            }
            _ => plan_err!("ngrams takes 3 or 4 arguments (expr, n, k [, pf]), got {}", arg_types.len()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(result_type())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(NgramAccumulator::state_fields(args.name))
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(NgramAccumulator::new(parse)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, ListArray, StringArray};
    use arrow::datatypes::Field;
    use datafusion::common::ScalarValue;

    use super::super::ngram_estimator::string_list;
    use super::super::ngram_estimator::tests::pairs;
    use super::*;

    /// Rows of `array<array<string>>`: each row's sentences split on '.', words on ' '.
    fn sentences(rows: &[&str]) -> ArrayRef {
        let mut offsets = vec![0i32];
        let mut sentences: Vec<Option<Vec<Option<String>>>> = vec![];
        for row in rows {
            for s in row.split('.') {
                sentences.push(Some(s.split_whitespace().map(|w| Some(w.to_string())).collect()));
            }
            offsets.push(sentences.len() as i32);
        }
        let mut b = arrow::array::ListBuilder::new(arrow::array::StringBuilder::new());
        for s in &sentences {
            for w in s.iter().flatten() {
                b.values().append_option(w.as_deref());
            }
            b.append(true);
        }
        let inner = b.finish();
        Arc::new(ListArray::new(
            Arc::new(Field::new_list_field(string_list(), true)),
            arrow::buffer::OffsetBuffer::new(offsets.into()),
            Arc::new(inner),
            None,
        ))
    }

    fn consts(v: i64, rows: usize) -> ArrayRef {
        Arc::new(Int64Array::from(vec![v; rows]))
    }

    fn run(rows: &[&str], n: i64, k: i64) -> Option<Vec<(String, f64)>> {
        let mut acc = NgramAccumulator::new(parse);
        acc.update_batch(&[sentences(rows), consts(n, rows.len()), consts(k, rows.len())]).unwrap();
        pairs(&acc.evaluate().unwrap())
    }

    fn p(v: &[(&str, f64)]) -> Option<Vec<(String, f64)>> {
        Some(v.iter().map(|(s, f)| (s.to_string(), *f)).collect())
    }

    const CATS: [&str; 3] = ["the cat sat. the cat ran", "the dog sat", "a cat sat"];

    #[test]
    fn bigrams_as_hive() {
        // Hive 2.3: ngrams(sentences(s), 2, 3) over CATS
        assert_eq!(run(&CATS, 2, 3), p(&[("cat sat", 2.0), ("the cat", 2.0), ("the dog", 1.0)]));
    }

    #[test]
    fn unigrams_as_hive() {
        assert_eq!(
            run(&CATS, 1, 10),
            p(&[("cat", 3.0), ("sat", 3.0), ("the", 3.0), ("a", 1.0), ("dog", 1.0), ("ran", 1.0)])
        );
    }

    #[test]
    fn no_ngrams_is_null() {
        assert_eq!(run(&["a"], 2, 3), None);
        assert_eq!(run(&[], 2, 3), None);
        assert_eq!(run(&CATS, 0, 3), None);
    }

    #[test]
    fn flat_word_arrays() {
        // Hive: ngrams(split(s, ' '), 2, 2) over 'x y x y', 'y x', 'z z z'
        let words: ArrayRef = Arc::new(ListArray::new(
            Arc::new(Field::new_list_field(DataType::Utf8, true)),
            arrow::buffer::OffsetBuffer::from_lengths([4, 2, 3]),
            Arc::new(StringArray::from(vec!["x", "y", "x", "y", "y", "x", "z", "z", "z"])),
            None,
        ));
        let mut acc = NgramAccumulator::new(parse);
        acc.update_batch(&[words, consts(2, 3), consts(2, 3)]).unwrap();
        assert_eq!(pairs(&acc.evaluate().unwrap()), p(&[("x y", 2.0), ("z z", 2.0)]));
    }

    #[test]
    fn partial_states_merge() {
        let mut a = NgramAccumulator::new(parse);
        a.update_batch(&[sentences(&CATS[..1]), consts(2, 1), consts(3, 1)]).unwrap();
        let mut b = NgramAccumulator::new(parse);
        b.update_batch(&[sentences(&CATS[1..]), consts(2, 2), consts(3, 2)]).unwrap();
        let empty = NgramAccumulator::new(parse).state().unwrap();
        let states: Vec<Vec<ScalarValue>> = vec![a.state().unwrap(), empty, b.state().unwrap()];
        let columns: Vec<ArrayRef> =
            (0..4).map(|i| ScalarValue::iter_to_array(states.iter().map(|s| s[i].clone())).unwrap()).collect();
        let mut total = NgramAccumulator::new(parse);
        total.merge_batch(&columns).unwrap();
        assert_eq!(pairs(&total.evaluate().unwrap()), p(&[("cat sat", 2.0), ("the cat", 2.0), ("the dog", 1.0)]));
    }
}
