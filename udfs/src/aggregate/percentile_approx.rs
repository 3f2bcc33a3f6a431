//! `percentile_approx(x, p [, accuracy])`: an approximate percentile p (or an
//! array of them) of the numbers x of a group, as a DOUBLE (or an array),
//! read from Hive's streaming histogram of `accuracy` bins (10000 by
//! default; exact interpolation while the group has fewer distinct values).
//! A group without values gives NULL.

use std::sync::{Arc, LazyLock};

use arrow::array::ArrayRef;
use arrow::array::AsArray;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use super::histogram_numeric::{add_values, histogram_state, merge_states};
use super::numeric_histogram::NumericHistogram;
use super::percentile::{float_list, floats_result, percentiles_arg};
use crate::doc::hive_doc;

const DEFAULT_ACCURACY: usize = 10_000;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PercentileApprox {
    signature: Signature,
}

impl Default for PercentileApprox {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "percentile_approx(expr, pc, [nb])",
        "an approximate percentile pc (0 to 1, or an array of them) of the numbers expr in the group; nb (default 10000) is the number of histogram bins, more is more exact",
        "> SELECT percentile_approx(v, 0.5) FROM VALUES (1), (2), (4), (10) t(v);\n2.0",
    )
});

impl AggregateUDFImpl for PercentileApprox {
    fn name(&self) -> &str {
        "percentile_approx"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_, p] => Ok(vec![DataType::Float64, p.clone()]),
            [_, p, _] => Ok(vec![DataType::Float64, p.clone(), DataType::Int64]),
            _ => exec_err!(
                "percentile_approx takes 2 or 3 arguments (expr, percentile, accuracy), got {}",
                arg_types.len()
            ),
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
            Arc::new(Field::new(format!("{}[histogram]", args.name), float_list(), true)),
            Arc::new(Field::new(format!("{}[percentiles]", args.name), float_list(), true)),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(ApproxAccumulator {
            histogram: None,
            percentiles: None,
            list: args.return_field.data_type() != &DataType::Float64,
        }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[derive(Debug)]
struct ApproxAccumulator {
    histogram: Option<NumericHistogram>,
    percentiles: Option<Vec<f64>>,
    list: bool,
}

impl Accumulator for ApproxAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if self.percentiles.is_none() {
            self.percentiles = percentiles_arg("percentile_approx", &values[1])?;
        }
        let nbins = match values.get(2) {
            Some(a) => cast(a, &DataType::Int64)?
                .as_primitive::<Int64Type>()
                .iter()
                .flatten()
                .next()
                .map(|n| n.max(0) as usize),
            None => Some(DEFAULT_ACCURACY),
        };
        add_values(&mut self.histogram, "percentile_approx", &values[0], nbins)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        merge_states(&mut self.histogram, &states[0]);
        if self.percentiles.is_none() {
            self.percentiles = percentiles_arg("percentile_approx", &states[1])?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let ps: Vec<ScalarValue> = self.percentiles.iter().flatten().map(|p| ScalarValue::Float64(Some(*p))).collect();
        Ok(vec![
            histogram_state(&self.histogram)?,
            match self.percentiles {
                Some(_) => ScalarValue::List(ScalarValue::new_list_nullable(&ps, &DataType::Float64)),
                None => ScalarValue::try_from(float_list())?,
            },
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let empty = self.histogram.as_ref().is_none_or(|h| h.is_empty());
        let results = match &self.histogram {
            Some(h) => self.percentiles.iter().flatten().map(|p| h.quantile(*p)).collect(),
            None => vec![],
        };
        Ok(floats_result(self.list, empty, results))
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.histogram.as_ref().map(|h| h.bins().len() * 16).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, ListArray};
    use arrow::datatypes::Float64Type;

    #[test]
    fn interpolates_in_the_histogram() {
        let mut a = ApproxAccumulator { histogram: None, percentiles: None, list: true };
        let v: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0, 4.0, 10.0]));
        let ps: ArrayRef =
            Arc::new(ListArray::from_iter_primitive::<Float64Type, _, _>(vec![Some(vec![Some(0.25), Some(0.5)]); 4]));
        a.update_batch(&[v, ps]).unwrap();
        let out = a.evaluate().unwrap().to_array().unwrap();
        assert_eq!(crate::hive_text::display_value(out.as_ref(), 0), "[1.0,2.0]");
    }
}
