//! `substr(str, pos[, len])` (also `substring`): len characters of str from
//! position pos, as Hive counts: 1-based, 0 acts like 1, a negative pos
//! counts from the end, a pos beyond either end or a len below 1 gives ''.
//! On a binary it counts bytes and gives a binary.
//!
//! DataFusion plans `substr(...)` and `SUBSTRING(...)` through an expression
//! planner that names its own function, not the registered one, so the
//! engine must register [`SubstrPlanner`] ahead of DataFusion's planners.

use std::ops::{Range, RangeInclusive};
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, BinaryArray, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult};
use datafusion::logical_expr::{Documentation, Expr};

use crate::common::text::{TextFunction, binaries, int_at, ints, is_binary, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Substr;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "substr(str, pos[, len])",
        "the part of str (or of the binary bin) that starts at pos and is len long; a negative pos counts from the end",
        "> SELECT substr('Facebook', 5);\n book\n> SELECT substr('Facebook', -5);\n ebook\n> SELECT substr('Facebook', 5, 1);\n b",
    )
});

impl TextFunction for Substr {
    fn name(&self) -> &'static str {
        "substr"
    }
    fn aliases(&self) -> &'static [&'static str] {
        &["substring"]
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=3
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(if is_binary(&args[0]) { DataType::Binary } else { DataType::Utf8 })
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let pos = ints(&args[1])?;
        let len = args.get(2).map(ints).transpose()?;
        let bounds = |i: usize| -> Option<(i64, i64)> {
            let p = int_at(&pos, i)?;
            let l = match &len {
                Some(l) => int_at(l, i)?,
                None => i32::MAX as i64,
            };
            Some((p, l))
        };
        if is_binary(args[0].data_type()) {
            let b = binaries(&args[0])?;
            let out: BinaryArray = (0..rows)
                .map(|i| {
                    let v = b.is_valid(i).then(|| b.value(i))?;
                    let (p, l) = bounds(i)?;
                    Some(v[window(p, l, v.len()).unwrap_or(0..0)].to_vec())
                })
                .collect();
            return Ok(Arc::new(out));
        }
        let s = strings(&args[0])?;
        let out: StringArray = (0..rows)
            .map(|i| {
                let v = s.is_valid(i).then(|| s.value(i))?;
                let (p, l) = bounds(i)?;
                Some(substr(v, p, l))
            })
            .collect();
        Ok(Arc::new(out))
    }
}

/// Plans SQL `SUBSTRING(str FROM pos FOR len)` and `substr(...)` with
/// Hive's `substr` instead of DataFusion's.
#[derive(Debug, Default)]
pub struct SubstrPlanner;

impl ExprPlanner for SubstrPlanner {
    fn plan_substring(&self, args: Vec<Expr>) -> Result<PlannerResult<Vec<Expr>>> {
        static SUBSTR: LazyLock<Arc<datafusion::logical_expr::ScalarUDF>> =
            LazyLock::new(|| crate::common::text::udf(Substr));
        Ok(PlannerResult::Planned(Expr::ScalarFunction(ScalarFunction::new_udf(SUBSTR.clone(), args))))
    }
}

/// The range of positions (0-based) that `pos` and `len` select out of `n`,
/// None for an empty result.
pub fn window(pos: i64, len: i64, n: usize) -> Option<Range<usize>> {
    let n = n as i64;
    if len <= 0 || pos.unsigned_abs() > n as u64 {
        return None;
    }
    let start = if pos > 0 {
        pos - 1
    } else if pos < 0 {
        n + pos
    } else {
        0
    };
    let end = if n - start < len { n } else { start + len };
    Some(start as usize..end as usize)
}

/// The characters of `s` that `pos` and `len` select.
pub fn substr(s: &str, pos: i64, len: i64) -> String {
    let n = s.chars().count();
    match window(pos, len, n) {
        Some(r) => s.chars().skip(r.start).take(r.len()).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_positions() {
        let max = i32::MAX as i64;
        assert_eq!(substr("ABCDEFG", 3, 4), "CDEF");
        assert_eq!(substr("ABCDEFG", -5, 4), "CDEF");
        assert_eq!(substr("ABC", 0, max), "ABC");
        assert_eq!(substr("ABC", 4, max), "");
        assert_eq!(substr("ABC", -4, max), "");
        assert_eq!(substr("ABC", 1, 0), "");
        assert_eq!(substr("ABC", 2, -100), "");
        assert_eq!(substr("ABC", -1, 4), "C");
        assert_eq!(substr("ABC", 2147483647, 2147483647), "");
        assert_eq!(substr("abc 玩玩玩 abc", 5, 3), "玩玩玩");
        assert_eq!(substr("ABC", i64::MIN, i64::MAX), "");
        assert_eq!(substr("ABC", 2, i64::MAX), "BC");
    }
}
