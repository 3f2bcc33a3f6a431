//! `inline(array<struct>)`: a row per struct of the array, its fields as columns.

use std::sync::LazyLock;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::Documentation;

use crate::doc::hive_doc;
use crate::generator::explode::element_indices;
use crate::generator::{Generated, Generator, GeneratorArg, array_elements, element_type, take_rows};

#[derive(Debug, Default)]
pub struct Inline;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "inline(a)",
        "gives a row for each struct of the array a, with the struct's fields as columns",
        "> SELECT inline(array(struct('A', 10), struct('B', 20)));\nA\t10\nB\t20",
    )
});

impl Generator for Inline {
    fn name(&self) -> &str {
        "inline"
    }

    fn output_fields(&self, args: &[GeneratorArg]) -> Result<Vec<Field>> {
        let [arg] = args else {
            return exec_err!("inline takes exactly one argument, got {}", args.len());
        };
        match element_type(&arg.data_type) {
            Some(DataType::Struct(fields)) => {
                Ok(fields.iter().map(|f| f.as_ref().clone().with_nullable(true)).collect())
            }
            _ => exec_err!("inline takes an array of structs, got {}", arg.data_type),
        }
    }

    fn generate(&self, args: &[ArrayRef], _num_rows: usize) -> Result<Generated> {
        let (values, ranges) = array_elements("inline", &args[0])?;
        let (indices, rows) = element_indices(ranges.into_iter());
        let structs = take_rows(&[values], &indices)?.remove(0);
        let structs = structs.as_struct();
        // A NULL struct gives a row of NULLs.
        let columns = structs
            .columns()
            .iter()
            .map(|c| match structs.logical_nulls() {
                Some(nulls) => arrow::compute::nullif(c, &arrow::array::BooleanArray::new(!nulls.inner(), None)),
                None => Ok(c.clone()),
            })
            .collect::<std::result::Result<_, _>>()?;
        Ok(Generated { columns, rows })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::test_util::{arg, rows_text};
    use arrow::array::{Int32Array, ListArray, StringArray, StructArray};
    use arrow::buffer::OffsetBuffer;
    use std::sync::Arc;

    #[test]
    fn gives_the_fields_of_each_struct() {
        let s = StructArray::from(vec![
            (
                Arc::new(Field::new("col1", DataType::Int32, true)),
                Arc::new(Int32Array::from(vec![1, 2, 3])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("col2", DataType::Utf8, true)),
                Arc::new(StringArray::from(vec!["a", "b", "c"])) as ArrayRef,
            ),
        ]);
        let item = Arc::new(Field::new_list_field(s.data_type().clone(), true));
        let list: ArrayRef = Arc::new(ListArray::new(item, OffsetBuffer::from_lengths([2, 1]), Arc::new(s), None));
        let fields = Inline.output_fields(&[arg(list.data_type().clone())]).unwrap();
        assert_eq!(fields[1].name(), "col2");
        let g = Inline.generate(&[list], 2).unwrap();
        assert_eq!(rows_text(&g), vec!["0: 1\ta", "0: 2\tb", "1: 3\tc"]);
    }
}
