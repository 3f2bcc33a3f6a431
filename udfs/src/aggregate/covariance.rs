//! Hive's covariance accumulator (`GenericUDAFCovariance`): `covar_pop(a, b)`
//! and `covar_samp(a, b)` over the pairs where both are non-NULL.
//!
//! Hive's update formula (not symmetric in its rounding) is kept so results
//! have Hive's last digits. No pair gives NULL; `covar_samp` of one pair is
//! NULL too.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use super::variance::{as_doubles, coerce_numeric};
use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Covariance {
    sample: bool,
    signature: Signature,
}

impl Covariance {
    /// `covar_samp` when `sample`, else `covar_pop`.
    pub fn new(sample: bool) -> Self {
        Self { sample, signature: Signature::user_defined(Volatility::Immutable) }
    }
}

static DOCS: LazyLock<[Documentation; 2]> = LazyLock::new(|| {
    [
        hive_doc(
            "covar_pop(a, b)",
            "the population covariance of the pairs of numbers without NULL",
            "> SELECT covar_pop(y, x) FROM (SELECT stack(3, 2, 1, 3, 2, 7, 4) AS (y, x)) t;\n 2.6666666666666665",
        ),
        hive_doc(
            "covar_samp(a, b)",
            "the sample covariance of the pairs of numbers without NULL (NULL for fewer than two pairs)",
            "> SELECT covar_samp(y, x) FROM (SELECT stack(3, 2, 1, 3, 2, 7, 4) AS (y, x)) t;\n 3.9999999999999996",
        ),
    ]
});

/// Hive's covariance buffer: count, means, and n times the covariance.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct CovarState {
    count: i64,
    xavg: f64,
    yavg: f64,
    covar: f64,
}

impl CovarState {
    fn add(&mut self, vx: f64, vy: f64) {
        self.count += 1;
        self.yavg += (vy - self.yavg) / self.count as f64;
        if self.count > 1 {
            self.covar += (vx - self.xavg) * (vy - self.yavg);
        }
        self.xavg += (vx - self.xavg) / self.count as f64;
    }

    fn merge(&mut self, b: CovarState) {
        let (na, nb) = (self.count, b.count);
        if na == 0 {
            *self = b;
        } else if nb != 0 {
            let (xa, ya) = (self.xavg, self.yavg);
            self.count += nb;
            let n = self.count as f64;
            self.xavg = (xa * na as f64 + b.xavg * nb as f64) / n;
            self.yavg = (ya * na as f64 + b.yavg * nb as f64) / n;
            self.covar += b.covar + (xa - b.xavg) * (ya - b.yavg) * ((na * nb) as f64 / n);
        }
    }
}

impl AggregateUDFImpl for Covariance {
    fn name(&self) -> &str {
        if self.sample { "covar_samp" } else { "covar_pop" }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_numeric(self.name(), arg_types, 2)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let f = |part: &str, t: DataType| Arc::new(Field::new(format!("{}[{part}]", args.name), t, true));
        Ok(vec![
            f("count", DataType::Int64),
            f("xavg", DataType::Float64),
            f("yavg", DataType::Float64),
            f("covar", DataType::Float64),
        ])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(CovarAccumulator { sample: self.sample, state: CovarState::default() }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCS[self.sample as usize])
    }
}

#[derive(Debug)]
struct CovarAccumulator {
    sample: bool,
    state: CovarState,
}

impl Accumulator for CovarAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (a, b) = (as_doubles(&values[0])?, as_doubles(&values[1])?);
        let (a, b) = (a.as_primitive::<Float64Type>(), b.as_primitive::<Float64Type>());
        for i in 0..a.len() {
            if a.is_valid(i) && b.is_valid(i) {
                self.state.add(a.value(i), b.value(i));
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let count = states[0].as_primitive::<Int64Type>();
        let f = |i: usize| states[i].as_primitive::<Float64Type>();
        let (xavg, yavg, covar) = (f(1), f(2), f(3));
        for i in 0..count.len() {
            if count.is_valid(i) {
                self.state.merge(CovarState {
                    count: count.value(i),
                    xavg: xavg.value(i),
                    yavg: yavg.value(i),
                    covar: covar.value(i),
                });
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let s = self.state;
        Ok(vec![
            ScalarValue::Int64(Some(s.count)),
            ScalarValue::Float64(Some(s.xavg)),
            ScalarValue::Float64(Some(s.yavg)),
            ScalarValue::Float64(Some(s.covar)),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let s = self.state;
        Ok(ScalarValue::Float64(match (self.sample, s.count) {
            (_, 0) | (true, 1) => None,
            (false, n) => Some(s.covar / n as f64),
            (true, n) => Some(s.covar / (n - 1) as f64),
        }))
    }

    fn size(&self) -> usize {
        size_of_val(self)
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::Float64Array;

    use super::*;

    fn col(v: &[Option<f64>]) -> ArrayRef {
        Arc::new(Float64Array::from(v.to_vec()))
    }

    fn eval(sample: bool, a: &[Option<f64>], b: &[Option<f64>]) -> Option<f64> {
        let mut acc = CovarAccumulator { sample, state: CovarState::default() };
        acc.update_batch(&[col(a), col(b)]).unwrap();
        let ScalarValue::Float64(v) = acc.evaluate().unwrap() else { panic!() };
        v
    }

    #[test]
    fn as_hive() {
        // Hive 2.3 over stack(4, 1,2, 2,3, 4,7, NULL,5) AS (x, y), called as f(y, x)
        let y = [Some(2.0), Some(3.0), Some(7.0), Some(5.0)];
        let x = [Some(1.0), Some(2.0), Some(4.0), None];
        assert_eq!(eval(false, &y, &x), Some(2.6666666666666665));
        assert_eq!(eval(true, &y, &x), Some(3.9999999999999996));
        assert_eq!(eval(false, &[Some(2.0)], &[Some(1.0)]), Some(0.0));
        assert_eq!(eval(true, &[Some(2.0)], &[Some(1.0)]), None);
        assert_eq!(eval(false, &[None], &[Some(1.0)]), None);
    }

    #[test]
    fn partial_states_merge() {
        let mut a = CovarAccumulator { sample: true, state: CovarState::default() };
        a.update_batch(&[col(&[Some(2.0)]), col(&[Some(1.0)])]).unwrap();
        let mut b = CovarAccumulator { sample: true, state: CovarState::default() };
        b.update_batch(&[col(&[Some(3.0), Some(7.0)]), col(&[Some(2.0), Some(4.0)])]).unwrap();
        let states = [a.state().unwrap(), b.state().unwrap()];
        let columns: Vec<ArrayRef> =
            (0..4).map(|i| ScalarValue::iter_to_array(states.iter().map(|s| s[i].clone())).unwrap()).collect();
        let mut total = CovarAccumulator { sample: true, state: CovarState::default() };
        total.merge_batch(&columns).unwrap();
        let ScalarValue::Float64(Some(v)) = total.evaluate().unwrap() else { panic!() };
        assert!((v - 4.0).abs() < 1e-12);
    }
}
