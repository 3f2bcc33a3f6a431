//! `load_factor(kw)`: the load factor of a series of demand readings, their
//! mean divided by their peak. 1.0 is a flat load; a low value is a load that
//! peaks rarely (what drives capacity costs). NULL readings are ignored; the
//! result is NULL without readings or when the peak is not positive.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, UInt64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LoadFactor {
    signature: Signature,
}

impl Default for LoadFactor {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "load_factor(kw)",
        "the load factor of the readings: their mean divided by their maximum, NULL when the maximum is not positive",
        "> SELECT load_factor(kw) FROM VALUES (1.0), (2.0), (3.0) t(kw);\n0.6666666666666666",
    )
});

impl AggregateUDFImpl for LoadFactor {
    fn name(&self) -> &str {
        "load_factor"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [t] if t.is_numeric() || matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
                Ok(vec![t.clone()])
            }
            [_] => Ok(vec![DataType::Float64]),
            _ => exec_err!("load_factor takes one numeric argument, got {arg_types:?}"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(format!("{}[sum]", args.name), DataType::Float64, true)),
            Arc::new(Field::new(format!("{}[count]", args.name), DataType::UInt64, true)),
            Arc::new(Field::new(format!("{}[max]", args.name), DataType::Float64, true)),
        ])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::<LoadFactorAccumulator>::default())
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

/// Sum, count and maximum of the readings seen.
#[derive(Debug, Default)]
struct LoadFactorAccumulator {
    sum: f64,
    count: u64,
    max: Option<f64>,
}

impl LoadFactorAccumulator {
    fn add(&mut self, sum: f64, count: u64, max: Option<f64>) {
        self.sum += sum;
        self.count += count;
        self.max = match (self.max, max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

impl Accumulator for LoadFactorAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let v = cast(&values[0], &DataType::Float64)?;
        let v = v.as_primitive::<Float64Type>();
        let sum = arrow::compute::sum(v).unwrap_or(0.0);
        let count = (v.len() - v.null_count()) as u64;
        self.add(sum, count, arrow::compute::max(v));
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let sums = states[0].as_primitive::<Float64Type>();
        let counts = states[1].as_primitive::<UInt64Type>();
        let maxes = states[2].as_primitive::<Float64Type>();
        self.add(
            arrow::compute::sum(sums).unwrap_or(0.0),
            arrow::compute::sum(counts).unwrap_or(0),
            arrow::compute::max(maxes),
        );
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::Float64(Some(self.sum)),
            ScalarValue::UInt64(Some(self.count)),
            ScalarValue::Float64(self.max),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let value = match self.max {
            Some(max) if max > 0.0 && self.count > 0 => Some(self.sum / self.count as f64 / max),
            _ => None,
        };
        Ok(ScalarValue::Float64(value))
    }

    fn size(&self) -> usize {
        size_of_val(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Float64Array;

    #[test]
    fn mean_over_peak_across_partial_states() {
        let mut a = LoadFactorAccumulator::default();
        a.update_batch(&[Arc::new(Float64Array::from(vec![Some(1.0), None, Some(2.0)]))]).unwrap();
        let mut b = LoadFactorAccumulator::default();
        b.update_batch(&[Arc::new(Float64Array::from(vec![3.0]))]).unwrap();
        let state: Vec<ArrayRef> = b.state().unwrap().iter().map(|s| s.to_array().unwrap()).collect();
        a.merge_batch(&state).unwrap();
        assert_eq!(a.evaluate().unwrap(), ScalarValue::Float64(Some(2.0 / 3.0)));
    }

    #[test]
    fn no_readings_or_no_positive_peak_is_null() {
        let mut a = LoadFactorAccumulator::default();
        assert_eq!(a.evaluate().unwrap(), ScalarValue::Float64(None));
        a.update_batch(&[Arc::new(Float64Array::from(vec![0.0, 0.0]))]).unwrap();
        assert_eq!(a.evaluate().unwrap(), ScalarValue::Float64(None));
    }
}
