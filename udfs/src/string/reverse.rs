//! `reverse(str)`: the characters of str in reverse order.

use std::ops::RangeInclusive;
use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, map_strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Reverse;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("reverse(str)", "str with its characters in reverse order", "> SELECT reverse('Facebook');\n koobecaF")
});

impl TextFunction for Reverse {
    fn name(&self) -> &'static str {
        "reverse"
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
        map_strings(&args[0], |s| Some(reverse(s)))
    }
}

/// The characters in reverse order (whole characters, not bytes).
pub fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverses_characters() {
        assert_eq!(reverse("val_238"), "832_lav");
        assert_eq!(reverse("邵铮"), "铮邵");
    }
}
