//! `instr(str, substr)`: the 1-based character position of the first
//! substr in str, 0 when absent.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, Int32Array};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Instr;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "instr(str, substr)",
        "the position (from 1) of the first occurrence of substr in str, 0 when there is none",
        "> SELECT instr('Facebook', 'boo');\n 5",
    )
});

impl TextFunction for Instr {
    fn name(&self) -> &'static str {
        "instr"
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
        let (s, sub) = (strings(&args[0])?, strings(&args[1])?);
        let out: Int32Array = (0..rows).map(|i| Some(position(at(&s, i)?, at(&sub, i)?, 0))).collect();
        Ok(Arc::new(out))
    }
}

/// The 1-based character position of `needle` in `hay` at or after the
/// character index `from` (0-based), 0 when absent. Shared with `locate`.
pub fn position(hay: &str, needle: &str, from: usize) -> i32 {
    let Some((start, _)) = hay.char_indices().chain([(hay.len(), ' ')]).nth(from) else {
        return 0;
    };
    match hay[start..].find(needle) {
        Some(b) => (from + hay[start..start + b].chars().count() + 1) as i32,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_positions() {
        assert_eq!(position("abcd", "abc", 0), 1);
        assert_eq!(position("abcabc", "ccc", 0), 0);
        assert_eq!(position("abc", "", 0), 1);
        assert_eq!(position("玩abc", "b", 0), 3);
        assert_eq!(position("abcabc", "abc", 1), 4);
        assert_eq!(position("abc", "x", 9), 0);
    }
}
