//! `field(val, v1, v2, ...)`: the 1-based position of the first vi equal to
//! val, 0 when none is or val is NULL. Values compare only with values of
//! the same kind, as in Hive: a string never equals a number
//! (`field('1', 1)` is 0), nor a DOUBLE an INT (`field(1.0D, 1)` is 0).

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, Int32Array};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, doubles, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Field;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "field(val, val1, val2, ...)",
        "the index of the first vali equal to val, 0 when none is or val is NULL",
        "> SELECT field('b', 'a', 'b', 'c');\n 2",
    )
});

/// The kinds of values that can be equal to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Floating,
    Decimal,
    Text,
    Other,
}

/// The values of one argument, in the form they compare in.
enum Values {
    Numbers(Kind, arrow::array::Float64Array),
    Texts(Kind, arrow::array::StringArray),
}

impl Values {
    fn of(a: &ArrayRef) -> Result<Self> {
        let t = a.data_type();
        let kind = if t.is_integer() {
            Kind::Integer
        } else if t.is_floating() {
            Kind::Floating
        } else if t.is_numeric() {
            Kind::Decimal
        } else if crate::common::text::is_string(t) {
            Kind::Text
        } else {
            Kind::Other
        };
        Ok(if t.is_numeric() { Values::Numbers(kind, doubles(a)?) } else { Values::Texts(kind, strings(a)?) })
    }

    fn same(&self, other: &Values, i: usize) -> bool {
        match (self, other) {
            (Values::Numbers(k, a), Values::Numbers(l, b)) => {
                k == l && a.is_valid(i) && b.is_valid(i) && a.value(i) == b.value(i)
            }
            (Values::Texts(k, a), Values::Texts(l, b)) => {
                k == l && a.is_valid(i) && b.is_valid(i) && a.value(i) == b.value(i)
            }
            _ => false,
        }
    }

    fn is_null(&self, i: usize) -> bool {
        match self {
            Values::Numbers(_, a) => a.is_null(i),
            Values::Texts(_, a) => a.is_null(i),
        }
    }
}

impl TextFunction for Field {
    fn name(&self) -> &'static str {
        "field"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=usize::MAX
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let val = Values::of(&args[0])?;
        let cands = args[1..].iter().map(Values::of).collect::<Result<Vec<_>>>()?;
        let out: Int32Array = (0..rows)
            .map(|i| {
                if val.is_null(i) {
                    return Some(0);
                }
                Some(cands.iter().position(|c| val.same(c, i)).map_or(0, |p| p as i32 + 1))
            })
            .collect();
        Ok(Arc::new(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};

    #[test]
    fn position_by_kind() {
        let s = |v: &str| -> ArrayRef { Arc::new(StringArray::from(vec![v])) };
        let n = |v: i64| -> ArrayRef { Arc::new(Int64Array::from(vec![v])) };
        let get = |a: ArrayRef| a.as_any().downcast_ref::<Int32Array>().unwrap().value(0);
        assert_eq!(get(Field.eval(&[s("b"), s("a"), s("b")], 1).unwrap()), 2);
        assert_eq!(get(Field.eval(&[n(1), n(2), n(1)], 1).unwrap()), 2);
        assert_eq!(get(Field.eval(&[s("1"), n(1), n(2)], 1).unwrap()), 0);
        let d: ArrayRef = Arc::new(arrow::array::Float64Array::from(vec![1.0]));
        assert_eq!(get(Field.eval(&[d, n(1)], 1).unwrap()), 0);
    }
}
