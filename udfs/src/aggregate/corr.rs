//! Hive's correlation accumulator (`GenericUDAFCorrelation`) and the
//! regressions that read it: `corr(y, x)`, `regr_slope(y, x)`,
//! `regr_intercept(y, x)`, `regr_r2(y, x)`, `regr_sxy(y, x)`, over the pairs
//! where both values are non-NULL.
//!
//! Hive's update and merge formulas are kept so results have Hive's last
//! digits. NULL cases follow Hive: `corr` is NULL when either variance is 0;
//! `regr_slope` and `regr_r2` need two pairs and a varying x; `regr_r2` is
//! 1.0 when y is constant; `regr_intercept` needs a varying x.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use super::variance::{as_doubles, coerce_numeric};
use crate::doc::hive_doc;

/// Which result of the correlation accumulator a function gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Corr,
    RegrSlope,
    RegrIntercept,
    RegrR2,
    RegrSxy,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Corr {
    kind: Kind,
    signature: Signature,
}

impl Corr {
    pub fn new(kind: Kind) -> Self {
        Self { kind, signature: Signature::user_defined(Volatility::Immutable) }
    }
}

const PAIRS: &str = "FROM (SELECT stack(3, 2, 1, 3, 2, 7, 4) AS (y, x)) t;\n ";

static DOCS: LazyLock<[Documentation; 5]> = LazyLock::new(|| {
    [
        hive_doc(
            "corr(y, x)",
            "the Pearson correlation coefficient of the pairs without NULL (NULL when x or y is constant)",
            &format!("> SELECT corr(y, x) {PAIRS}0.9897433186107872"),
        ),
        hive_doc(
            "regr_slope(y, x)",
            "the slope of the least-squares line fitted to the pairs without NULL (NULL when x is constant)",
            &format!("> SELECT regr_slope(y, x) {PAIRS}1.7142857142857144"),
        ),
        hive_doc(
            "regr_intercept(y, x)",
            "the y-intercept of the least-squares line fitted to the pairs without NULL (NULL when x is constant)",
            &format!("> SELECT regr_intercept(y, x) {PAIRS}-8.881784197001252E-16"),
        ),
        hive_doc(
            "regr_r2(y, x)",
            "the coefficient of determination of the least-squares line fitted to the pairs without NULL \
             (NULL when x is constant, 1.0 when y is)",
            &format!("> SELECT regr_r2(y, x) {PAIRS}0.979591836734694"),
        ),
        hive_doc(
            "regr_sxy(y, x)",
            "SUM(x*y)-SUM(x)*SUM(y)/N over the pairs without NULL",
            &format!("> SELECT regr_sxy(y, x) {PAIRS}8.0"),
        ),
    ]
});

/// Hive's correlation buffer: count, means, and n times the variances and covariance.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct CorrState {
    count: i64,
    xavg: f64,
    yavg: f64,
    xvar: f64,
    yvar: f64,
    covar: f64,
}

impl CorrState {
    fn add(&mut self, vy: f64, vx: f64) {
        let (dx, dy) = (vx - self.xavg, vy - self.yavg);
        self.count += 1;
        self.xavg += dx / self.count as f64;
        self.yavg += dy / self.count as f64;
        if self.count > 1 {
            self.covar += dx * (vy - self.yavg);
            self.xvar += dx * (vx - self.xavg);
            self.yvar += dy * (vy - self.yavg);
        }
    }

    fn merge(&mut self, b: CorrState) {
        let (na, nb) = (self.count, b.count);
        if na == 0 {
            *self = b;
        } else if nb != 0 {
            let (xa, ya) = (self.xavg, self.yavg);
            self.count += nb;
            let n = self.count as f64;
            self.xavg = (xa * na as f64 + b.xavg * nb as f64) / n;
            self.yavg = (ya * na as f64 + b.yavg * nb as f64) / n;
            self.xvar += b.xvar + (xa - b.xavg) * (xa - b.xavg) * na as f64 * nb as f64 / n;
            self.yvar += b.yvar + (ya - b.yavg) * (ya - b.yavg) * na as f64 * nb as f64 / n;
            self.covar += b.covar + (xa - b.xavg) * (ya - b.yavg) * ((na * nb) as f64 / n);
        }
    }

    fn result(&self, kind: Kind) -> Option<f64> {
        match kind {
            Kind::Corr if self.count == 0 || self.xvar == 0.0 || self.yvar == 0.0 => None,
            Kind::Corr => Some(self.covar / self.yvar.sqrt() / self.xvar.sqrt()),
            Kind::RegrSlope if self.count < 2 || self.xvar == 0.0 => None,
            Kind::RegrSlope => Some(self.covar / self.xvar),
            Kind::RegrIntercept if self.count == 0 || self.xvar == 0.0 => None,
            Kind::RegrIntercept => Some(self.yavg - self.covar / self.xvar * self.xavg),
            Kind::RegrR2 if self.count < 2 || self.xvar == 0.0 => None,
            Kind::RegrR2 if self.yvar == 0.0 => Some(1.0),
            Kind::RegrR2 => Some(self.covar * self.covar / self.xvar / self.yvar),
            Kind::RegrSxy if self.count == 0 => None,
            Kind::RegrSxy => Some(self.covar),
        }
    }
}

impl AggregateUDFImpl for Corr {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Corr => "corr",
            Kind::RegrSlope => "regr_slope",
            Kind::RegrIntercept => "regr_intercept",
            Kind::RegrR2 => "regr_r2",
            Kind::RegrSxy => "regr_sxy",
        }
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
            f("xvar", DataType::Float64),
            f("yvar", DataType::Float64),
            f("covar", DataType::Float64),
        ])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(CorrAccumulator { kind: self.kind, state: CorrState::default() }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCS[self.kind as usize])
    }
}

#[derive(Debug)]
struct CorrAccumulator {
    kind: Kind,
    state: CorrState,
}

impl Accumulator for CorrAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (y, x) = (as_doubles(&values[0])?, as_doubles(&values[1])?);
        let (y, x) = (y.as_primitive::<Float64Type>(), x.as_primitive::<Float64Type>());
        for i in 0..y.len() {
            if y.is_valid(i) && x.is_valid(i) {
                self.state.add(y.value(i), x.value(i));
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let count = states[0].as_primitive::<Int64Type>();
        let f = |i: usize| states[i].as_primitive::<Float64Type>();
        let (xavg, yavg, xvar, yvar, covar) = (f(1), f(2), f(3), f(4), f(5));
        for i in 0..count.len() {
            if count.is_valid(i) {
                self.state.merge(CorrState {
                    count: count.value(i),
                    xavg: xavg.value(i),
                    yavg: yavg.value(i),
                    xvar: xvar.value(i),
                    yvar: yvar.value(i),
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
            ScalarValue::Float64(Some(s.xvar)),
            ScalarValue::Float64(Some(s.yvar)),
            ScalarValue::Float64(Some(s.covar)),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(self.state.result(self.kind)))
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

    fn eval(kind: Kind, y: &[f64], x: &[f64]) -> Option<f64> {
        let mut a = CorrAccumulator { kind, state: CorrState::default() };
        let c = |v: &[f64]| col(&v.iter().map(|v| Some(*v)).collect::<Vec<_>>());
        a.update_batch(&[c(y), c(x)]).unwrap();
        match a.evaluate().unwrap() {
            ScalarValue::Float64(v) => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn as_hive() {
        // Hive 2.3 over stack(3, 1,2, 2,3, 4,7) AS (x, y), called as f(y, x)
        let (y, x) = ([2.0, 3.0, 7.0], [1.0, 2.0, 4.0]);
        assert_eq!(eval(Kind::Corr, &y, &x), Some(0.9897433186107872));
        assert_eq!(eval(Kind::RegrSlope, &y, &x), Some(1.7142857142857144));
        assert_eq!(eval(Kind::RegrIntercept, &y, &x), Some(-8.881784197001252E-16));
        assert_eq!(eval(Kind::RegrR2, &y, &x), Some(0.979591836734694));
        assert_eq!(eval(Kind::RegrSxy, &y, &x), Some(8.0));
    }

    #[test]
    fn degenerate_cases_as_hive() {
        // one pair
        for kind in [Kind::Corr, Kind::RegrSlope, Kind::RegrIntercept, Kind::RegrR2] {
            assert_eq!(eval(kind, &[2.0], &[1.0]), None);
        }
        assert_eq!(eval(Kind::RegrSxy, &[2.0], &[1.0]), Some(0.0));
        // constant y
        let (y, x) = ([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]);
        assert_eq!(eval(Kind::Corr, &y, &x), None);
        assert_eq!(eval(Kind::RegrR2, &y, &x), Some(1.0));
        assert_eq!(eval(Kind::RegrSlope, &y, &x), Some(0.0));
        assert_eq!(eval(Kind::RegrIntercept, &y, &x), Some(2.0));
        // constant x
        assert_eq!(eval(Kind::RegrSlope, &x, &y), None);
        assert_eq!(eval(Kind::RegrSxy, &x, &y), Some(0.0));
        // no pairs
        assert_eq!(eval(Kind::RegrSxy, &[], &[]), None);
    }

    #[test]
    fn partial_states_merge() {
        let mut a = CorrAccumulator { kind: Kind::Corr, state: CorrState::default() };
        a.update_batch(&[col(&[Some(2.0), Some(3.0)]), col(&[Some(1.0), Some(2.0)])]).unwrap();
        let mut b = CorrAccumulator { kind: Kind::Corr, state: CorrState::default() };
        b.update_batch(&[col(&[Some(7.0), None]), col(&[Some(4.0), Some(5.0)])]).unwrap();
        let empty = CorrAccumulator { kind: Kind::Corr, state: CorrState::default() }.state().unwrap();
        let states = [a.state().unwrap(), empty, b.state().unwrap()];
        let columns: Vec<ArrayRef> =
            (0..6).map(|i| ScalarValue::iter_to_array(states.iter().map(|s| s[i].clone())).unwrap()).collect();
        let mut total = CorrAccumulator { kind: Kind::Corr, state: CorrState::default() };
        total.merge_batch(&columns).unwrap();
        let ScalarValue::Float64(Some(v)) = total.evaluate().unwrap() else { panic!() };
        assert!((v - 0.9897433186107872).abs() < 1e-12);
    }
}
