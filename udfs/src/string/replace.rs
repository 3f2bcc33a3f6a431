//! `replace(str, search, replacement)`: str with every non-overlapping
//! search replaced (an empty search inserts replacement between characters,
//! as Java's `String.replace` does).

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Replace;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "replace(str, search, replacement)",
        "str with every occurrence of search replaced by replacement",
        "> SELECT replace('Hack and Hue', 'H', 'BL');\n BLack and BLue",
    )
});

impl TextFunction for Replace {
    fn name(&self) -> &'static str {
        "replace"
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
        let (s, search, rep) = (strings(&args[0])?, strings(&args[1])?, strings(&args[2])?);
        let out: StringArray = (0..rows).map(|i| Some(at(&s, i)?.replace(at(&search, i)?, at(&rep, i)?))).collect();
        Ok(Arc::new(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Array;

    #[test]
    fn replaces_all() {
        let a = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
        let out = Replace.eval(&[a("Hack and Hue"), a("H"), a("BL")], 1).unwrap();
        assert_eq!(out.as_any().downcast_ref::<StringArray>().unwrap().value(0), "BLack and BLue");
        let out = Replace.eval(&[a("abc"), a(""), a("x")], 1).unwrap();
        let out = out.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(out.value(0), "xaxbxcx");
        assert!(!out.is_null(0));
    }
}
