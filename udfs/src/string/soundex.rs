//! `soundex(str)`: the American Soundex code of str (a letter and three
//! digits), as Apache Commons Codec computes it; '' for ''.

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, map_strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Soundex;

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| hive_doc("soundex(str)", "the Soundex code of str", "> SELECT soundex('Miller');\n M460"));

impl TextFunction for Soundex {
    fn name(&self) -> &'static str {
        "soundex"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=1
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], _rows: usize) -> Result<ArrayRef> {
        map_strings(&args[0], |s| Some(soundex(s)))
    }
}

/// Soundex code of the letters of `s` (other characters are skipped); `H`
/// and `W` do not separate letters of the same code, vowels do.
pub fn soundex(s: &str) -> String {
    fn code(c: char) -> char {
        match c {
            'B' | 'F' | 'P' | 'V' => '1',
            'C' | 'G' | 'J' | 'K' | 'Q' | 'S' | 'X' | 'Z' => '2',
            'D' | 'T' => '3',
            'L' => '4',
            'M' | 'N' => '5',
            'R' => '6',
            _ => '0',
        }
    }
    let letters: Vec<char> = s.chars().filter(|c| c.is_ascii_alphabetic()).map(|c| c.to_ascii_uppercase()).collect();
    let Some(&first) = letters.first() else {
        return String::new();
    };
    let mut out = String::from(first);
    let mut last = code(first);
    for &c in &letters[1..] {
        if out.len() == 4 {
            break;
        }
        let d = code(c);
        if d != '0' && d != last {
            out.push(d);
        }
        if c != 'H' && c != 'W' {
            last = d;
        }
    }
    while out.len() < 4 {
        out.push('0');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_like_commons_codec() {
        for (s, code) in [
            ("Miller", "M460"),
            ("miler", "M460"),
            ("myller", "M460"),
            ("m", "M000"),
            ("mul", "M400"),
            ("Peterson", "P362"),
            ("Pittersen", "P362"),
            ("Ashcraft", "A261"),
            ("", ""),
        ] {
            assert_eq!(soundex(s), code, "{s}");
        }
    }
}
