//! `unbase64(str)`: the bytes a base-64 text stands for; NULL when the text
//! is not base 64.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, BinaryArray};
use arrow::datatypes::DataType;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Unbase64;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("unbase64(str)", "the binary that the base-64 text str encodes", "> SELECT unbase64('SGl2ZQ==');\n Hive")
});

impl TextFunction for Unbase64 {
    fn name(&self) -> &'static str {
        "unbase64"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=1
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], _rows: usize) -> Result<ArrayRef> {
        let s = strings(&args[0])?;
        Ok(Arc::new(s.iter().map(|v| v.and_then(unbase64)).collect::<BinaryArray>()))
    }
}

/// The decoded bytes; blanks are ignored, as Java's MIME-tolerant decoder does.
pub fn unbase64(s: &str) -> Option<Vec<u8>> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(clean.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_or_null() {
        assert_eq!(unbase64("SGl2ZQ==").unwrap(), b"Hive");
        assert_eq!(unbase64("@@"), None);
    }
}
