//! `context_ngrams(sentences, context, k [, pf])`: the k most frequent
//! fillings of the NULL places of `context` (an array of words and NULLs)
//! among the group's sentences, e.g. `array('i', 'love', NULL)` gives the
//! most frequent words after "i love". Result as for `ngrams`.

use std::sync::LazyLock;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use super::ngrams::{NgramCounts, int_arg, result_type, sentences, string_list};
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
        "context_ngrams(expr, context, k[, pf])",
        "the k most frequent words filling the NULL places of the array context (words and NULLs) in the sentences expr, with their frequencies",
        "> SELECT context_ngrams(sentences('i love tea. i love jam. i love tea.'), array('i', 'love', null), 1);\n[{\"ngram\":[\"tea\"],\"estfrequency\":2.0}]",
    )
});

impl AggregateUDFImpl for ContextNgrams {
    fn name(&self) -> &str {
        "context_ngrams"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [s, _, _] => Ok(vec![s.clone(), string_list(), DataType::Int64]),
            [s, _, _, _] => Ok(vec![s.clone(), string_list(), DataType::Int64, DataType::Int64]),
            _ => exec_err!("context_ngrams takes 3 or 4 arguments (expr, context, k[, pf]), got {}", arg_types.len()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(result_type())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(NgramCounts::state_fields(args.name))
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(ContextAccumulator { context: None, counts: NgramCounts::default() }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[derive(Debug)]
struct ContextAccumulator {
    context: Option<Vec<Option<String>>>,
    counts: NgramCounts,
}

/// The words of `sentence` at the NULL places of `context`, wherever the
/// context's words match.
fn fillings(sentence: &[String], context: &[Option<String>]) -> Vec<Vec<String>> {
    sentence
        .windows(context.len())
        .filter(|w| w.iter().zip(context).all(|(word, c)| c.as_ref().is_none_or(|c| c == word)))
        .map(|w| w.iter().zip(context).filter(|(_, c)| c.is_none()).map(|(word, _)| word.clone()).collect())
        .collect()
}

impl Accumulator for ContextAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if self.context.is_none() {
            let c = cast(&values[1], &string_list())?;
            let c = c.as_list::<i32>();
            if let Some(i) = (0..c.len()).find(|&i| c.is_valid(i)) {
                let words: Vec<Option<String>> = c.value(i).as_string::<i32>().iter().map(|w| w.map(str::to_string)).collect();
                if words.is_empty() || words.iter().all(Option::is_some) {
                    return exec_err!("context_ngrams: the context needs at least one NULL place");
                }
                self.context = Some(words);
            }
            self.counts.k = int_arg(&values[2])?.map(|k| k.max(0) as usize);
        }
        let Some(context) = &self.context else { return Ok(()) };
        for row in sentences(&values[0])? {
            for sentence in row {
                let words: Vec<String> = sentence.into_iter().flatten().collect();
                for f in fillings(&words, context) {
                    self.counts.add(f, 1.0);
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
        size_of_val(self) + self.counts.counts.len() * 64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_the_null_places() {
        let s: Vec<String> = "i love tea and i love jam".split(' ').map(str::to_string).collect();
        let c = vec![Some("i".to_string()), Some("love".to_string()), None];
        assert_eq!(fillings(&s, &c), vec![vec!["tea".to_string()], vec!["jam".to_string()]]);
    }
}
