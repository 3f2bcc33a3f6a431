//! `stack(n, v1, ..., vk)`: spreads the k values over n rows of
//! ceil(k / n) columns (`col0`, `col1`, ...), filling the last row with NULLs.

use std::sync::LazyLock;

use arrow::array::{Array, ArrayRef, AsArray, new_null_array};
use arrow::compute::{cast, interleave};
use arrow::datatypes::{DataType, Field, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::Documentation;

use crate::doc::hive_doc;
use crate::generator::{Generated, Generator, GeneratorArg};

#[derive(Debug, Default)]
pub struct Stack;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "stack(n, v1, ..., vk)",
        "spreads v1, ..., vk over n rows of ceil(k/n) columns each",
        "> SELECT stack(2, 'A', 10, 'B', 20);\nA\t10\nB\t20",
    )
});

/// Number of columns for `values` values over `rows` rows.
fn columns(values: usize, rows: usize) -> usize {
    values.div_ceil(rows)
}

fn row_count(n: &ScalarValue) -> Option<usize> {
    match n.cast_to(&DataType::Int64).ok()? {
        ScalarValue::Int64(Some(n)) if n > 0 => Some(n as usize),
        _ => None,
    }
}

impl Generator for Stack {
    fn name(&self) -> &str {
        "stack"
    }

    fn output_fields(&self, args: &[GeneratorArg]) -> Result<Vec<Field>> {
        if args.len() < 2 {
            return exec_err!("stack takes at least 2 arguments, got {}", args.len());
        }
        let Some(n) = args[0].literal.as_ref().and_then(row_count) else {
            return exec_err!("stack: the number of rows must be a positive integer constant");
        };
        let values = &args[1..];
        let cols = columns(values.len(), n);
        Ok((0..cols)
            .map(|j| {
                // The column's type is that of its first value that is not NULL.
                let t = (0..n)
                    .filter_map(|r| values.get(r * cols + j))
                    .map(|a| &a.data_type)
                    .find(|t| **t != DataType::Null)
                    .cloned()
                    .unwrap_or(DataType::Null);
                Field::new(format!("col{j}"), t, true)
            })
            .collect())
    }

    fn generate(&self, args: &[ArrayRef], num_rows: usize) -> Result<Generated> {
        let n_arg = cast(&args[0], &DataType::Int64)?;
        let n_arg = n_arg.as_primitive::<Int64Type>();
        let n = match (0..num_rows).find(|&i| n_arg.is_valid(i)) {
            Some(i) if n_arg.value(i) > 0 => n_arg.value(i) as usize,
            Some(_) => return exec_err!("stack: the number of rows must be positive"),
            None => 0,
        };
        let values = &args[1..];
        if n == 0 {
            return Ok(Generated { columns: vec![], rows: Vec::<u32>::new().into() });
        }
        let cols = columns(values.len(), n);
        let mut columns = Vec::with_capacity(cols);
        for j in 0..cols {
            let sources: Vec<&ArrayRef> = (0..n).filter_map(|r| values.get(r * cols + j)).collect();
            let t = sources
                .iter()
                .map(|a| a.data_type())
                .find(|t| **t != DataType::Null)
                .cloned()
                .unwrap_or(DataType::Null);
            let mut arrays = sources.iter().map(|a| cast(a, &t)).collect::<std::result::Result<Vec<_>, _>>()?;
            // Rows past the last value read from an all-NULL array.
            let nulls = arrays.len();
            arrays.push(new_null_array(&t, 1));
            let refs: Vec<&dyn Array> = arrays.iter().map(|a| a.as_ref()).collect();
            let picks: Vec<(usize, usize)> =
                (0..num_rows).flat_map(|i| (0..n).map(move |r| if r < nulls { (r, i) } else { (nulls, 0) })).collect();
            columns.push(interleave(&refs, &picks)?);
        }
        let rows = (0..num_rows).flat_map(|i| std::iter::repeat_n(i as u32, n)).collect::<Vec<_>>().into();
        Ok(Generated { columns, rows })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::test_util::rows_text;
    use arrow::array::{Int64Array, StringArray};
    use std::sync::Arc;

    fn lit(v: ScalarValue) -> GeneratorArg {
        GeneratorArg { data_type: v.data_type(), literal: Some(v) }
    }

    #[test]
    fn spreads_values_over_rows() {
        let args: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![2, 2])),
            Arc::new(StringArray::from(vec!["a", "A"])),
            Arc::new(StringArray::from(vec!["b", "B"])),
            Arc::new(StringArray::from(vec!["c", "C"])),
            Arc::new(StringArray::from(vec!["d", "D"])),
            Arc::new(StringArray::from(vec!["e", "E"])),
        ];
        let g = Stack.generate(&args, 2).unwrap();
        assert_eq!(rows_text(&g), vec!["0: a\tb\tc", "0: d\te\tNULL", "1: A\tB\tC", "1: D\tE\tNULL"]);
    }

    #[test]
    fn column_types_come_from_the_first_non_null_value() {
        let args = vec![
            lit(ScalarValue::Int64(Some(2))),
            lit(ScalarValue::Null),
            lit(ScalarValue::Utf8(Some("x".into()))),
            lit(ScalarValue::Int32(Some(1))),
        ];
        let fields = Stack.output_fields(&args).unwrap();
        assert_eq!(
            fields.iter().map(|f| f.data_type().clone()).collect::<Vec<_>>(),
            vec![DataType::Int32, DataType::Utf8]
        );
        assert!(Stack.output_fields(&[arg_no_literal(), lit(ScalarValue::Int32(Some(1)))]).is_err());
    }

    fn arg_no_literal() -> GeneratorArg {
        GeneratorArg { data_type: DataType::Int64, literal: None }
    }
}
