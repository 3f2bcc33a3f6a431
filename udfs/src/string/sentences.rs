//! `sentences(str[, lang[, country]])`: str cut into sentences, each an
//! array of its words; punctuation dropped. Sentences end at `.`, `!` or `?`
//! followed by white space or the end; words are runs of letters and digits
//! (keeping `'` inside words and `.` or `,` inside numbers), close to what
//! Java's BreakIterator does for English. lang and country are accepted and
//! not used.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Sentences;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "sentences(str[, lang, country])",
        "the sentences of str, each an array of words",
        "> SELECT sentences('Hello there! How are you?');\n [[\"Hello\",\"there\"],[\"How\",\"are\",\"you\"]]",
    )
});

impl TextFunction for Sentences {
    fn name(&self) -> &'static str {
        "sentences"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=3
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        let words = DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)));
        Ok(DataType::List(Arc::new(Field::new_list_field(words, true))))
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let s = strings(&args[0])?;
        let mut out = ListBuilder::new(ListBuilder::new(StringBuilder::new()));
        for i in 0..rows {
            let Some(s) = at(&s, i) else {
                out.append(false);
                continue;
            };
            for sentence in sentences(s) {
                for w in sentence {
                    out.values().values().append_value(w);
                }
                out.values().append(true);
            }
            out.append(true);
        }
        Ok(Arc::new(out.finish()))
    }
}

/// The words of each sentence of `s`; sentences without words are left out.
pub fn sentences(s: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut sentence: Vec<String> = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let inner = |f: fn(char) -> bool| prev.is_some_and(f) && next.is_some_and(f) && !word.is_empty();
        if c == '\'' && inner(char::is_alphabetic) {
            continue;
        }
        if c.is_alphanumeric() || ((c == '.' || c == ',') && inner(|c| c.is_ascii_digit())) {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            sentence.push(std::mem::take(&mut word));
        }
        if matches!(c, '.' | '!' | '?')
            && next.is_none_or(|n| n.is_whitespace() || matches!(n, '.' | '!' | '?' | '"' | '\''))
            && !sentence.is_empty()
        {
            out.push(std::mem::take(&mut sentence));
        }
    }
    if !word.is_empty() {
        sentence.push(word);
    }
    if !sentence.is_empty() {
        out.push(sentence);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_of_words() {
        let got = sentences("Hello there! How are you? I am fine.");
        assert_eq!(got, vec![vec!["Hello", "there"], vec!["How", "are", "you"], vec!["I", "am", "fine"]]);
        assert_eq!(sentences("It's 3.14, isn't it"), vec![vec!["Its", "3.14", "isnt", "it"]]);
    }
}
