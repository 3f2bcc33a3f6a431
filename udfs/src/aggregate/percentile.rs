//! `percentile(x, p)` and `percentile(x, array(p1, p2, ...))`: the exact
//! p-th percentile of the integer values x of a group (interpolated between
//! the two nearest values, as Hive does), a DOUBLE or an array of DOUBLEs.
//! NULL values are skipped; a group without values gives NULL.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Percentile {
    signature: Signature,
}

impl Default for Percentile {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "percentile(expr, pc)",
        "the exact percentile pc (0 to 1, or an array of them) of the integer values of expr in the group",
        "> SELECT percentile(v, 0.5) FROM VALUES (1), (2), (3), (4) t(v);\n2.5",
    )
});

pub(crate) fn float_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
}

/// The percentiles asked for: one number, or an array of them.
pub(crate) fn percentiles_arg(name: &str, array: &ArrayRef) -> Result<Option<Vec<f64>>> {
    let Some(row) = (0..array.len()).find(|&i| array.is_valid(i)) else { return Ok(None) };
    let ps: Vec<Option<f64>> = match array.data_type() {
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => {
            let list = cast(array, &float_list())?;
            let values = list.as_list::<i32>().value(row);
            values.as_primitive::<Float64Type>().iter().collect()
        }
        _ => {
            let v = cast(array, &DataType::Float64)?;
            vec![v.as_primitive::<Float64Type>().iter().nth(row).flatten()]
        }
    };
    match ps.into_iter().collect::<Option<Vec<f64>>>() {
        Some(ps) if ps.iter().all(|p| (0.0..=1.0).contains(p)) => Ok(Some(ps)),
        _ => exec_err!("{name}: percentiles must be numbers between 0.0 and 1.0"),
    }
}

/// Hive's exact percentile of sorted values: linear interpolation between
/// the values at the two positions around (n - 1) * p.
pub fn percentile_of_sorted(sorted: &[i64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let position = (sorted.len() - 1) as f64 * p;
    let (lower, higher) = (position.floor(), position.ceil());
    let (lo, hi) = (sorted[lower as usize] as f64, sorted[higher as usize] as f64);
    if lower == higher || lo == hi {
        return Some(lo);
    }
    Some((higher - position) * lo + (position - lower) * hi)
}

impl AggregateUDFImpl for Percentile {
    fn name(&self) -> &str {
        "percentile"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_, p] => Ok(vec![DataType::Int64, p.clone()]),
            _ => exec_err!("percentile takes 2 arguments (expr, percentile), got {}", arg_types.len()),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(match &arg_types[1] {
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => float_list(),
            _ => DataType::Float64,
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(
                format!("{}[values]", args.name),
                DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true))),
                true,
            )),
            Arc::new(Field::new(format!("{}[percentiles]", args.name), float_list(), true)),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(PercentileAccumulator {
            values: vec![],
            percentiles: None,
            list: args.return_field.data_type() != &DataType::Float64,
        }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[derive(Debug)]
struct PercentileAccumulator {
    values: Vec<i64>,
    percentiles: Option<Vec<f64>>,
    list: bool,
}

impl Accumulator for PercentileAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if self.percentiles.is_none() {
            self.percentiles = percentiles_arg("percentile", &values[1])?;
        }
        let v = cast(&values[0], &DataType::Int64)?;
        self.values.extend(v.as_primitive::<Int64Type>().iter().flatten());
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states[0].as_list::<i32>();
        for i in 0..lists.len() {
            if lists.is_valid(i) {
                self.values.extend(lists.value(i).as_primitive::<Int64Type>().iter().flatten());
            }
        }
        if self.percentiles.is_none() {
            self.percentiles = percentiles_arg("percentile", &states[1])?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let values: Vec<ScalarValue> = self.values.iter().map(|v| ScalarValue::Int64(Some(*v))).collect();
        let ps: Vec<ScalarValue> = self.percentiles.iter().flatten().map(|p| ScalarValue::Float64(Some(*p))).collect();
        Ok(vec![
            ScalarValue::List(ScalarValue::new_list_nullable(&values, &DataType::Int64)),
            match self.percentiles {
                Some(_) => ScalarValue::List(ScalarValue::new_list_nullable(&ps, &DataType::Float64)),
                None => ScalarValue::try_from(float_list())?,
            },
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.values.sort_unstable();
        let results: Vec<Option<f64>> =
            self.percentiles.iter().flatten().map(|p| percentile_of_sorted(&self.values, *p)).collect();
        Ok(floats_result(self.list, self.values.is_empty(), results))
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.values.capacity() * 8
    }
}

/// One DOUBLE, or an array of them; NULL for a group without values.
pub(crate) fn floats_result(list: bool, empty: bool, results: Vec<Option<f64>>) -> ScalarValue {
    match (list, empty) {
        (false, true) => ScalarValue::Float64(None),
        (false, false) => ScalarValue::Float64(results.first().copied().flatten()),
        (true, true) => ScalarValue::try_from(float_list()).unwrap_or(ScalarValue::Null),
        (true, false) => {
            let values: Vec<ScalarValue> = results.into_iter().map(ScalarValue::Float64).collect();
            ScalarValue::List(ScalarValue::new_list_nullable(&values, &DataType::Float64))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_between_neighbours() {
        let v = [1, 2, 3, 4];
        assert_eq!(percentile_of_sorted(&v, 0.5), Some(2.5));
        assert_eq!(percentile_of_sorted(&v, 0.0), Some(1.0));
        assert_eq!(percentile_of_sorted(&v, 1.0), Some(4.0));
        assert_eq!(percentile_of_sorted(&[5], 0.3), Some(5.0));
        assert_eq!(percentile_of_sorted(&[], 0.3), None);
    }
}
