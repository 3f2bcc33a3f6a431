//! `regexp_extract(str, regex[, index])`: the text of group index (default 1;
//! 0 is the whole match) of the first match of the Java regular expression;
//! '' when nothing matches, NULL when the group did not take part.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{Regexes, TextFunction, at, int_at, ints, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct RegexpExtract;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "regexp_extract(str, regexp[, idx])",
        "the part of str that group idx (default 1) of regexp matches",
        "> SELECT regexp_extract('100-200', '(\\\\d+)-(\\\\d+)', 1);\n 100",
    )
});

impl TextFunction for RegexpExtract {
    fn name(&self) -> &'static str {
        "regexp_extract"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=3
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let (s, pattern) = (strings(&args[0])?, strings(&args[1])?);
        let index = args.get(2).map(ints).transpose()?;
        let mut regexes = Regexes::default();
        let out: StringArray = (0..rows)
            .map(|i| {
                let s = at(&s, i)?;
                let re = regexes.get(at(&pattern, i)?)?;
                let idx = match &index {
                    Some(x) => usize::try_from(int_at(x, i)?).ok()?,
                    None => 1,
                };
                if idx >= re.captures_len() {
                    return None;
                }
                match re.captures(s) {
                    Some(c) => c.get(idx).map(|m| m.as_str().to_string()),
                    None => Some(String::new()),
                }
            })
            .collect();
        Ok(Arc::new(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Array;

    #[test]
    fn group_of_first_match() {
        let a = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
        let n = |v: i64| -> ArrayRef { Arc::new(arrow::array::Int64Array::from(vec![v])) };
        let get = |r: ArrayRef| r.as_any().downcast_ref::<StringArray>().unwrap().value(0).to_string();
        assert_eq!(get(RegexpExtract.eval(&[a("foothebar"), a("foo(.*?)(bar)"), n(2)], 1).unwrap()), "bar");
        assert_eq!(get(RegexpExtract.eval(&[a("100-200"), a(r"(\d+)-(\d+)")], 1).unwrap()), "100");
        assert_eq!(get(RegexpExtract.eval(&[a("x"), a(r"(\d+)")], 1).unwrap()), "");
        assert!(RegexpExtract.eval(&[a("x"), a(r"(\d+)"), n(3)], 1).unwrap().is_null(0));
    }
}
