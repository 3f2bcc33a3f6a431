//! `posexplode(array)`: a row per element with its position from 0
//! (columns `pos`, `val`).

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, Int32Array};
use arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::Documentation;

use crate::doc::hive_doc;
use crate::generator::explode::element_indices;
use crate::generator::{Generated, Generator, GeneratorArg, array_elements, element_type, take_rows};

#[derive(Debug, Default)]
pub struct PosExplode;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "posexplode(a)",
        "gives a row (pos, val) for each element of the array a, pos counting from 0",
        "> SELECT posexplode(array('x', 'y'));\n0\tx\n1\ty",
    )
});

impl Generator for PosExplode {
    fn name(&self) -> &str {
        "posexplode"
    }

    fn output_fields(&self, args: &[GeneratorArg]) -> Result<Vec<Field>> {
        let [arg] = args else {
            return exec_err!("posexplode takes exactly one argument, got {}", args.len());
        };
        let element = match &arg.data_type {
            DataType::Null => DataType::Null,
            t => match element_type(t) {
                Some(e) => e.clone(),
                None => return exec_err!("posexplode takes an array, got {t}"),
            },
        };
        Ok(vec![Field::new("pos", DataType::Int32, true), Field::new("val", element, true)])
    }

    fn generate(&self, args: &[ArrayRef], _num_rows: usize) -> Result<Generated> {
        let (values, ranges) = array_elements("posexplode", &args[0])?;
        let starts: Vec<usize> = ranges.iter().map(|r| r.as_ref().map(|r| r.start).unwrap_or(0)).collect();
        let (indices, rows) = element_indices(ranges.into_iter());
        let pos: Int32Array = indices
            .values()
            .iter()
            .zip(rows.values())
            .map(|(&e, &r)| Some((e as usize - starts[r as usize]) as i32))
            .collect();
        let mut columns = vec![Arc::new(pos) as ArrayRef];
        columns.extend(take_rows(&[values], &indices)?);
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
    use arrow::array::{ListBuilder, StringBuilder};

    #[test]
    fn numbers_elements_from_zero_in_each_row() {
        let mut b = ListBuilder::new(StringBuilder::new());
        b.append_value([Some("a"), Some("b")]);
        b.append_null();
        b.append_value([Some("c")]);
        let g = PosExplode.generate(&[Arc::new(b.finish())], 3).unwrap();
        assert_eq!(rows_text(&g), vec!["0: 0\ta", "0: 1\tb", "2: 0\tc"]);
    }
}
