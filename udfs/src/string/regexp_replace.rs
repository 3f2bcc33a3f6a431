//! `regexp_replace(str, regex, replacement)`: str with every match of the
//! Java regular expression replaced; in replacement `$n` is group n and a
//! backslash takes the next character literally, as in Java.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{Regexes, TextFunction, at, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct RegexpReplace;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "regexp_replace(str, regexp, rep)",
        "str with every part that matches regexp replaced by rep",
        "> SELECT regexp_replace('100-200', '(\\\\d+)', 'num');\n num-num",
    )
});

impl TextFunction for RegexpReplace {
    fn name(&self) -> &'static str {
        "regexp_replace"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        3..=3
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let (s, pattern, rep) = (strings(&args[0])?, strings(&args[1])?, strings(&args[2])?);
        let mut regexes = Regexes::default();
        let out: StringArray = (0..rows)
            .map(|i| {
                let s = at(&s, i)?;
                let re = regexes.get(at(&pattern, i)?)?;
                let rep = rust_replacement(at(&rep, i)?, re.captures_len());
                Some(re.replace_all(s, rep.as_str()).into_owned())
            })
            .collect();
        Ok(Arc::new(out))
    }
}

/// A Java replacement string in Rust's syntax: `$12` becomes `${12}` (as many
/// digits as name an existing group), `\x` and a literal `$` become `$$`-safe text.
pub fn rust_replacement(java: &str, groups: usize) -> String {
    let mut out = String::with_capacity(java.len() + 4);
    let chars: Vec<char> = java.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                push_literal(&mut out, chars[i + 1]);
                i += 2;
            }
            '$' if i + 1 < chars.len() && chars[i + 1].is_ascii_digit() => {
                let mut n = chars[i + 1].to_digit(10).unwrap_or(0) as usize;
                i += 2;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    let next = n * 10 + chars[i].to_digit(10).unwrap_or(0) as usize;
                    if next >= groups {
                        break;
                    }
                    n = next;
                    i += 1;
                }
                out.push_str(&format!("${{{n}}}"));
            }
            c => {
                push_literal(&mut out, c);
                i += 1;
            }
        }
    }
    out
}

fn push_literal(out: &mut String, c: char) {
    if c == '$' {
        out.push_str("$$");
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_replacements() {
        assert_eq!(rust_replacement("[$1]", 2), "[${1}]");
        assert_eq!(rust_replacement("$10", 2), "${1}0");
        assert_eq!(rust_replacement("\\$x", 1), "$$x");
        let a = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
        let get = |r: ArrayRef| r.as_any().downcast_ref::<StringArray>().unwrap().value(0).to_string();
        assert_eq!(get(RegexpReplace.eval(&[a("foobar"), a("oo|ar"), a("")], 1).unwrap()), "fb");
        assert_eq!(get(RegexpReplace.eval(&[a("abc"), a("(b)"), a("[$1]")], 1).unwrap()), "a[b]c");
    }
}
