//! `histogram_numeric(x, nb)`: a histogram of the numbers x of a group in at
//! most nb bins of uneven width, an array of structs `{x: centre, y: height}`
//! (Hive's streaming histogram, see [`super::numeric_histogram`]). A group
//! without values gives NULL.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use super::numeric_histogram::NumericHistogram;
use super::percentile::float_list;
use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct HistogramNumeric {
    signature: Signature,
}

impl Default for HistogramNumeric {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "histogram_numeric(expr, nb)",
        "a histogram of the numbers expr in nb bins of varying width, as an array of (x, y) bin centres and heights",
        "> SELECT histogram_numeric(v, 3) FROM VALUES (1), (2), (4), (10) t(v);\n[{\"x\":1.5,\"y\":2.0},{\"x\":4.0,\"y\":1.0},{\"x\":10.0,\"y\":1.0}]",
    )
});

fn bin_fields() -> Fields {
    Fields::from(vec![Field::new("x", DataType::Float64, true), Field::new("y", DataType::Float64, true)])
}

impl AggregateUDFImpl for HistogramNumeric {
    fn name(&self) -> &str {
        "histogram_numeric"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_, _] => Ok(vec![DataType::Float64, DataType::Int64]),
            _ => exec_err!("histogram_numeric takes 2 arguments (expr, number of bins), got {}", arg_types.len()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(DataType::Struct(bin_fields()), true))))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(format!("{}[histogram]", args.name), float_list(), true))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(HistogramAccumulator { histogram: None }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[derive(Debug)]
struct HistogramAccumulator {
    histogram: Option<NumericHistogram>,
}

/// Adds the non-NULL numbers of `values` to a histogram of `nbins` (read from
/// the first non-NULL row of `nbins` when the histogram does not exist yet).
pub(crate) fn add_values(
    histogram: &mut Option<NumericHistogram>,
    name: &str,
    values: &ArrayRef,
    nbins: Option<usize>,
) -> Result<()> {
    let v = cast(values, &DataType::Float64)?;
    let v = v.as_primitive::<Float64Type>();
    if v.null_count() == v.len() {
        return Ok(());
    }
    if histogram.is_none() {
        match nbins {
            Some(n) if n >= 2 => *histogram = Some(NumericHistogram::new(n)),
            _ => return exec_err!("{name}: the number of bins must be a constant of at least 2"),
        }
    }
    if let Some(h) = histogram.as_mut() {
        v.iter().flatten().for_each(|x| h.add(x));
    }
    Ok(())
}

pub(crate) fn merge_states(histogram: &mut Option<NumericHistogram>, states: &ArrayRef) {
    let lists = states.as_list::<i32>();
    for i in 0..lists.len() {
        if lists.is_valid(i) {
            let values = lists.value(i);
            let values: Vec<f64> = values.as_primitive::<Float64Type>().iter().map(|v| v.unwrap_or(0.0)).collect();
            if values.len() > 1 {
                histogram.get_or_insert_with(|| NumericHistogram::new(0)).merge(&values);
            }
        }
    }
}

pub(crate) fn histogram_state(histogram: &Option<NumericHistogram>) -> Result<ScalarValue> {
    Ok(match histogram {
        Some(h) => {
            let values: Vec<ScalarValue> = h.serialize().into_iter().map(|v| ScalarValue::Float64(Some(v))).collect();
            ScalarValue::List(ScalarValue::new_list_nullable(&values, &DataType::Float64))
        }
        None => ScalarValue::try_from(float_list())?,
    })
}

impl Accumulator for HistogramAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let nb = cast(&values[1], &DataType::Int64)?;
        let nb = nb.as_primitive::<Int64Type>().iter().flatten().next().map(|n| n.max(0) as usize);
        add_values(&mut self.histogram, "histogram_numeric", &values[0], nb)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        merge_states(&mut self.histogram, &states[0]);
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![histogram_state(&self.histogram)?])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let Some(h) = self.histogram.as_ref().filter(|h| !h.is_empty()) else {
            return ScalarValue::try_from(self.return_type());
        };
        let bins: Vec<ScalarValue> = h
            .bins()
            .iter()
            .map(|(x, y)| {
                ScalarValue::Struct(Arc::new(arrow::array::StructArray::new(
                    bin_fields(),
                    vec![
                        Arc::new(arrow::array::Float64Array::from(vec![*x])) as ArrayRef,
                        Arc::new(arrow::array::Float64Array::from(vec![*y])),
                    ],
                    None,
                )))
            })
            .collect();
        Ok(ScalarValue::List(ScalarValue::new_list_nullable(&bins, &DataType::Struct(bin_fields()))))
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.histogram.as_ref().map(|h| h.bins().len() * 16).unwrap_or(0)
    }
}

impl HistogramAccumulator {
    fn return_type(&self) -> DataType {
        DataType::List(Arc::new(Field::new_list_field(DataType::Struct(bin_fields()), true)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int64Array};

    #[test]
    fn bins_as_structs() {
        let mut a = HistogramAccumulator { histogram: None };
        let v: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.0), Some(2.0), None, Some(4.0), Some(10.0)]));
        a.update_batch(&[v, Arc::new(Int64Array::from(vec![3; 5]))]).unwrap();
        let out = a.evaluate().unwrap().to_array().unwrap();
        assert_eq!(
            crate::hive_text::display_value(out.as_ref(), 0),
            r#"[{"x":1.5,"y":2.0},{"x":4.0,"y":1.0},{"x":10.0,"y":1.0}]"#
        );
        let mut empty = HistogramAccumulator { histogram: None };
        assert!(empty.evaluate().unwrap().is_null());
    }
}
