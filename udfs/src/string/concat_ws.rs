//! `concat_ws(sep, a, b, ...)`: the arguments joined with sep between them.
//! An argument may be an array of strings, whose elements join in turn. NULL
//! arguments are skipped (a NULL element of an array joins as `null`, as in
//! Hive); a NULL sep makes the result NULL.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, StringArray, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct ConcatWs;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "concat_ws(separator, [string | array(string)]+)",
        "the strings, and the elements of the string arrays, joined with separator between them; NULL strings are skipped",
        "> SELECT concat_ws('.', 'www', array('facebook', 'com'));\n www.facebook.com",
    )
});

/// One argument: plain values, or lists whose elements are joined.
enum Part {
    Plain(StringArray),
    List(ArrayRef),
}

impl TextFunction for ConcatWs {
    fn name(&self) -> &'static str {
        "concat_ws"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=usize::MAX
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let sep = strings(&args[0])?;
        let parts = args[1..]
            .iter()
            .map(|a| match a.data_type() {
                DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => Ok(Part::List(a.clone())),
                _ => strings(a).map(Part::Plain),
            })
            .collect::<Result<Vec<_>>>()?;
        let mut out = StringBuilder::with_capacity(rows, 0);
        for i in 0..rows {
            let Some(sep) = at(&sep, i) else {
                out.append_null();
                continue;
            };
            let mut pieces: Vec<String> = Vec::new();
            for part in &parts {
                match part {
                    Part::Plain(s) => pieces.extend(at(s, i).map(str::to_string)),
                    Part::List(l) => {
                        if l.is_null(i) {
                            continue;
                        }
                        let values = list_value(l, i);
                        let values = strings(&values)?;
                        pieces.extend(values.iter().map(|v| v.unwrap_or("null").to_string()));
                    }
                }
            }
            out.append_value(pieces.join(sep));
        }
        Ok(Arc::new(out.finish()))
    }
}

/// The elements of row `i` of a list array.
fn list_value(list: &ArrayRef, i: usize) -> ArrayRef {
    match list.data_type() {
        DataType::LargeList(_) => list.as_list::<i64>().value(i),
        DataType::FixedSizeList(..) => list.as_fixed_size_list().value(i),
        _ => list.as_list::<i32>().value(i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::ListArray;

    #[test]
    fn joins_strings_and_arrays_skipping_nulls() {
        let sep: ArrayRef = Arc::new(StringArray::from(vec![Some("-"), None]));
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("www"), Some("x")]));
        let n: ArrayRef = Arc::new(StringArray::from(vec![None::<&str>, None]));
        let l: ArrayRef = Arc::new(ListArray::from_iter_primitive::<arrow::datatypes::Int32Type, _, _>(vec![
            Some(vec![Some(1), Some(2)]),
            Some(vec![]),
        ]));
        let out = ConcatWs.eval(&[sep, a, n, l], 2).unwrap();
        let out = out.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(out.value(0), "www-1-2");
        assert!(out.is_null(1));
    }
}
