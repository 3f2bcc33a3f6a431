//! `context_ngrams(sentences, context, k [, pf])`: the k most frequent word
//! runs that fill the NULL places of `context` (an `array<string>` such as
//! `array('the', null)`) where the other words match, over the group's
//! sentences (`array<array<string>>` or `array<string>`), as
//! `array<struct<ngram:array<string>, estfrequency:double>>` sorted by
//! frequency, most frequent first. Counting is Hive's (see `ngram_estimator`).
//! NULL for a group without matches, a context without NULL, or a bad k or pf.

use std::sync::LazyLock;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use super::ngram_estimator::{NgramAccumulator, Pattern, coerce_sequences, positive_at, result_type, string_list};
use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ContextNgrams {
    signature: Signature,
}

impl Default for ContextNgrams {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "context_ngrams(expr, context, k [, pf])",
        "the k most frequent word sequences that fill the null places of the context array where its other \
         words match, over the word sequences in expr (array<string> or array<array<string>>); pf sets the \
         precision of the estimate",
        "> SELECT context_ngrams(sentences(s), array('the', null), 2) FROM (SELECT stack(2, 'the cat sat', 'the cat ran. the dog') AS s) t;\n \
         [{\"ngram\":[\"cat\"],\"estfrequency\":2.0},{\"ngram\":[\"dog\"],\"estfrequency\":1.0}]",
    )
});

/// The context, `k` and `pf` of `row`: `(k, pf, pattern)`.
fn parse(values: &[ArrayRef], row: usize) -> Option<(usize, usize, Pattern)> {
    let contexts = values[1].as_list_opt::<i32>()?;
    if contexts.is_null(row) {
        return None;
    }
    let context = contexts.value(row);
    let context: Vec<Option<String>> = context.as_string_opt::<i32>()?.iter().map(|w| w.map(str::to_string)).collect();
    if !context.iter().any(Option::is_none) {
        return None;
    }
    let k = positive_at(&values[2], row)?;
    let pf = match values.get(3) {
        Some(pf) => positive_at(pf, row)?,
        None => 1,
    };
    Some((k, pf, Pattern::Context(context)))
}

impl AggregateUDFImpl for ContextNgrams {
    fn name(&self) -> &str {
        "context_ngrams"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [seqs, _context, rest @ ..] if (1..=2).contains(&rest.len()) => {
                let mut types = vec![coerce_sequences("context_ngrams", seqs)?, string_list()];
                types.extend(rest.iter().map(|_| DataType::Int64));
                Ok(types)
            }
            _ => plan_err!("context_ngrams takes 3 or 4 arguments (expr, context, k [, pf]), got {}", arg_types.len()),
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

    use arrow::array::{Int64Array, ListArray, ListBuilder, StringBuilder};
    use arrow::buffer::OffsetBuffer;
    use arrow::datatypes::Field;
    use datafusion::common::ScalarValue;

    use super::super::ngram_estimator::tests::pairs;
    use super::*;

    /// Rows of `array<array<string>>`: each row's sentences split on '.', words on ' '.
    fn sentences(rows: &[&str]) -> ArrayRef {
        let mut offsets = vec![0i32];
        let mut b = ListBuilder::new(StringBuilder::new());
        let mut count = 0;
        for row in rows {
            for s in row.split('.') {
                for w in s.split_whitespace() {
                    b.values().append_value(w);
                }
                b.append(true);
                count += 1;
            }
            offsets.push(count);
        }
        Arc::new(ListArray::new(
            Arc::new(Field::new_list_field(string_list(), true)),
            OffsetBuffer::new(offsets.into()),
            Arc::new(b.finish()),
            None,
        ))
    }

    fn contexts(context: &[Option<&str>], rows: usize) -> ArrayRef {
        let mut b = ListBuilder::new(StringBuilder::new());
        for _ in 0..rows {
            for w in context {
                b.values().append_option(*w);
            }
            b.append(true);
        }
        Arc::new(b.finish())
    }

    fn run(rows: &[&str], context: &[Option<&str>], k: i64) -> Option<Vec<(String, f64)>> {
        let mut acc = NgramAccumulator::new(parse);
        let ks: ArrayRef = Arc::new(Int64Array::from(vec![k; rows.len()]));
        acc.update_batch(&[sentences(rows), contexts(context, rows.len()), ks]).unwrap();
        pairs(&acc.evaluate().unwrap())
    }

    fn p(v: &[(&str, f64)]) -> Option<Vec<(String, f64)>> {
        Some(v.iter().map(|(s, f)| (s.to_string(), *f)).collect())
    }

    const CATS: [&str; 3] = ["the cat sat. the cat ran", "the dog sat", "a cat sat"];

    #[test]
    fn words_after_and_before_as_hive() {
        // Hive 2.3: context_ngrams(sentences(s), array('the', null), 5) and array(null, 'sat')
        assert_eq!(run(&CATS, &[Some("the"), None], 5), p(&[("cat", 2.0), ("dog", 1.0)]));
        assert_eq!(run(&CATS, &[None, Some("sat")], 5), p(&[("cat", 2.0), ("dog", 1.0)]));
    }

    #[test]
    fn several_blanks_as_hive() {
        // Hive: context_ngrams(split(s, ' '), array('x', null, null), 5, 100)
        // over 'x y x y', 'y x a b', 'z z z'
        assert_eq!(
            run(&["x y x y", "y x a b", "z z z"], &[Some("x"), None, None], 5),
            p(&[("a b", 1.0), ("y x", 1.0)])
        );
    }

    #[test]
    fn no_match_or_no_blank_is_null() {
        assert_eq!(run(&CATS, &[Some("no"), None], 5), None);
        assert_eq!(run(&CATS, &[Some("the"), Some("cat")], 5), None);
    }

    #[test]
    fn partial_states_merge() {
        let ctx = [Some("the"), None];
        let mut a = NgramAccumulator::new(parse);
        let ks = |n: usize| -> ArrayRef { Arc::new(Int64Array::from(vec![5; n])) };
        a.update_batch(&[sentences(&CATS[..1]), contexts(&ctx, 1), ks(1)]).unwrap();
        let mut b = NgramAccumulator::new(parse);
        b.update_batch(&[sentences(&CATS[1..]), contexts(&ctx, 2), ks(2)]).unwrap();
        let states = [a.state().unwrap(), b.state().unwrap()];
        let columns: Vec<ArrayRef> =
            (0..4).map(|i| ScalarValue::iter_to_array(states.iter().map(|s| s[i].clone())).unwrap()).collect();
        let mut total = NgramAccumulator::new(parse);
        total.merge_batch(&columns).unwrap();
        assert_eq!(pairs(&total.evaluate().unwrap()), p(&[("cat", 2.0), ("dog", 1.0)]));
    }
}
