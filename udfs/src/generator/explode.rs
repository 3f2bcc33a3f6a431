//! `explode(array)` gives one row per element (column `col`);
//! `explode(map)` one row per entry (columns `key`, `value`).

use std::sync::LazyLock;

use arrow::array::{Array, ArrayRef, AsArray, UInt32Array};
use arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::Documentation;

use crate::doc::hive_doc;
use crate::generator::{Generated, Generator, GeneratorArg, array_elements, element_type, take_rows};

#[derive(Debug, Default)]
pub struct Explode;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "explode(a)",
        "gives a row for each element of the array a, or a row (key, value) for each entry of the map a",
        "> SELECT explode(array(10, 20));\n10\n20",
    )
});

impl Generator for Explode {
    fn name(&self) -> &str {
        "explode"
    }

    fn output_fields(&self, args: &[GeneratorArg]) -> Result<Vec<Field>> {
        let [arg] = args else {
            return exec_err!("explode takes exactly one argument, got {}", args.len());
        };
        match &arg.data_type {
            DataType::Map(entries, _) => match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => Ok(vec![
                    Field::new("key", kv[0].data_type().clone(), true),
                    Field::new("value", kv[1].data_type().clone(), true),
                ]),
                other => exec_err!("explode: unexpected map entries {other}"),
            },
            DataType::Null => Ok(vec![Field::new("col", DataType::Null, true)]),
            t => match element_type(t) {
                Some(e) => Ok(vec![Field::new("col", e.clone(), true)]),
                None => exec_err!("explode takes an array or a map, got {t}"),
            },
        }
    }

    fn generate(&self, args: &[ArrayRef], num_rows: usize) -> Result<Generated> {
        let arg = &args[0];
        if let DataType::Map(..) = arg.data_type() {
            let map = arg.as_map();
            let (indices, rows) = element_indices((0..num_rows).map(|i| {
                map.is_valid(i).then(|| map.value_offsets()[i] as usize..map.value_offsets()[i + 1] as usize)
            }));
            let columns = take_rows(&[map.keys().clone(), map.values().clone()], &indices)?;
            return Ok(Generated { columns, rows });
        }
        let (values, ranges) = array_elements("explode", arg)?;
        let (indices, rows) = element_indices(ranges.into_iter());
        Ok(Generated { columns: take_rows(&[values], &indices)?, rows })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

/// For per-row element ranges: the element indices, and the row of each.
pub(crate) fn element_indices(
    ranges: impl Iterator<Item = Option<std::ops::Range<usize>>>,
) -> (UInt32Array, UInt32Array) {
    let mut indices = Vec::new();
    let mut rows = Vec::new();
    for (i, r) in ranges.enumerate() {
        for e in r.into_iter().flatten() {
            indices.push(e as u32);
            rows.push(i as u32);
        }
    }
    (UInt32Array::from(indices), UInt32Array::from(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::test_util::{arg, rows_text};
    use arrow::array::{Int32Builder, ListBuilder, MapBuilder, StringBuilder};
    use std::sync::Arc;

    #[test]
    fn explodes_arrays() {
        let mut b = ListBuilder::new(Int32Builder::new());
        b.append_value([Some(1), None]);
        b.append_null();
        b.append_value([]);
        b.append_value([Some(3)]);
        let g = Explode.generate(&[Arc::new(b.finish())], 4).unwrap();
        assert_eq!(rows_text(&g), vec!["0: 1", "0: NULL", "3: 3"]);
    }

    #[test]
    fn explodes_maps() {
        let mut b = MapBuilder::new(None, StringBuilder::new(), Int32Builder::new());
        b.keys().append_value("a");
        b.values().append_value(1);
        b.keys().append_value("b");
        b.values().append_value(2);
        b.append(true).unwrap();
        let map: ArrayRef = Arc::new(b.finish());
        let fields = Explode.output_fields(&[arg(map.data_type().clone())]).unwrap();
        assert_eq!(fields.iter().map(|f| f.name().as_str()).collect::<Vec<_>>(), vec!["key", "value"]);
        let g = Explode.generate(&[map], 1).unwrap();
        assert_eq!(rows_text(&g), vec!["0: a\t1", "0: b\t2"]);
    }

    #[test]
    fn rejects_scalars() {
        assert!(Explode.output_fields(&[arg(DataType::Int32)]).is_err());
    }
}
