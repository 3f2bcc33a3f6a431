//! `find_in_set(str, list)`: the 1-based position of str among the
//! comma-separated items of list; 0 when absent or when str has a comma.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, Int32Array};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct FindInSet;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "find_in_set(str, str_list)",
        "the position of str in the comma-delimited str_list, 0 when it is not there or str contains a comma",
        "> SELECT find_in_set('ab','abc,b,ab,c,def');\n 3",
    )
});

impl TextFunction for FindInSet {
    fn name(&self) -> &'static str {
        "find_in_set"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=2
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let (s, list) = (strings(&args[0])?, strings(&args[1])?);
        let out: Int32Array = (0..rows).map(|i| Some(find_in_set(at(&s, i)?, at(&list, i)?))).collect();
        Ok(Arc::new(out))
    }
}

/// Position of `s` among the items of `list`, 0 when absent.
pub fn find_in_set(s: &str, list: &str) -> i32 {
    if s.contains(',') {
        return 0;
    }
    list.split(',').position(|item| item == s).map_or(0, |p| p as i32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_like_hive() {
        assert_eq!(find_in_set("ab", "abc,ab,bbb"), 2);
        assert_eq!(find_in_set("ab", "abc,abd,abf"), 0);
        assert_eq!(find_in_set("", ""), 1);
        assert_eq!(find_in_set("", "a,b,"), 3);
        assert_eq!(find_in_set(",", "a,b,d,"), 0);
        assert_eq!(find_in_set("a", ""), 0);
    }
}
