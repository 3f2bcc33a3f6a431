//! `trim(str)`: str without leading and trailing spaces (only the space
//! character). DataFusion plans SQL `TRIM(x)` as `btrim`, hence the alias;
//! its `TRIM(BOTH 'x' FROM s)` form passes the characters to remove as a
//! second argument, which `trim`, `ltrim` and `rtrim` accept.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, map_strings, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Trim;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("trim(str)", "str with the spaces at both ends removed", "> SELECT trim('   facebook  ');\n facebook")
});

impl TextFunction for Trim {
    fn name(&self) -> &'static str {
        "trim"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["btrim"]
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=2
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        if args.len() == 2 {
            return trim_chars(args, rows, |s, set| s.trim_matches(|c| set.contains(&c)));
        }
        map_strings(&args[0], |s| Some(trim(s)))
    }
}

/// `f(s, characters)` for each row of `(str, characters)`: the two-argument
/// form of the trims.
pub fn trim_chars(args: &[ArrayRef], rows: usize, f: impl for<'a> Fn(&'a str, &[char]) -> &'a str) -> Result<ArrayRef> {
    let (s, set) = (strings(&args[0])?, strings(&args[1])?);
    let out: StringArray = (0..rows)
        .map(|i| {
            let set: Vec<char> = at(&set, i)?.chars().collect();
            Some(f(at(&s, i)?, &set).to_string())
        })
        .collect();
    Ok(Arc::new(out))
}

/// Without leading and trailing ' '.
pub fn trim(s: &str) -> String {
    s.trim_matches(' ').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_spaces_at_both_ends() {
        assert_eq!(trim("  a b  "), "a b");
        assert_eq!(trim("\ta "), "\ta");
        let a: ArrayRef = Arc::new(StringArray::from(vec!["xxaxx"]));
        let x: ArrayRef = Arc::new(StringArray::from(vec!["x"]));
        let out = Trim.eval(&[a, x], 1).unwrap();
        assert_eq!(out.as_any().downcast_ref::<StringArray>().unwrap().value(0), "a");
    }
}
