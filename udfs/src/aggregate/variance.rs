//! Hive's variance family, one accumulator (Hive's `GenericUDAFVariance`):
//! `var_pop` (also `variance`), `var_samp`, `stddev_pop` (also `std`,
//! `stddev`), `stddev_samp`, and `regr_sxx(y, x)` / `regr_syy(y, x)` (n times
//! the population variance of x / y over the rows where both are non-NULL).
//!
//! Hive updates `sum[(x - avg)^2]` with its own streaming formula; using it
//! here (rather than DataFusion's Welford update) gives Hive's last digits.
//! One value gives 0.0 (also for the sample versions, as Hive 2.3 does);
//! no value gives NULL. Strings are read as numbers, bad ones skipped.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use crate::doc::hive_doc;

/// Which result of the variance accumulator a function gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    VarPop,
    VarSamp,
    StddevPop,
    StddevSamp,
    RegrSxx,
    RegrSyy,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Variance {
    kind: Kind,
    signature: Signature,
}

impl Variance {
    pub fn new(kind: Kind) -> Self {
        Self { kind, signature: Signature::user_defined(Volatility::Immutable) }
    }
}

static DOCS: LazyLock<[Documentation; 6]> = LazyLock::new(|| {
    [
        hive_doc(
            "var_pop(x)",
            "the population variance of the non-NULL values of x (also named variance)",
            "> SELECT var_pop(x) FROM (SELECT stack(3, 1, 2, 4) AS x) t;\n 1.5555555555555556",
        ),
        hive_doc(
            "var_samp(x)",
            "the sample variance of the non-NULL values of x (0.0 for a single value)",
            "> SELECT var_samp(x) FROM (SELECT stack(3, 1, 2, 4) AS x) t;\n 2.3333333333333335",
        ),
        hive_doc(
            "stddev_pop(x)",
            "the population standard deviation of the non-NULL values of x (also named std and stddev)",
            "> SELECT stddev_pop(x) FROM (SELECT stack(3, 1, 2, 4) AS x) t;\n 1.247219128924647",
        ),
        hive_doc(
            "stddev_samp(x)",
            "the sample standard deviation of the non-NULL values of x (0.0 for a single value)",
            "> SELECT stddev_samp(x) FROM (SELECT stack(3, 1, 2, 4) AS x) t;\n 1.5275252316519468",
        ),
        hive_doc(
            "regr_sxx(y, x)",
            "the sum of squared deviations of x from its mean, SUM(x*x)-SUM(x)*SUM(x)/N, over the pairs without NULL",
            "> SELECT regr_sxx(y, x) FROM (SELECT stack(3, 2, 1, 3, 2, 7, 4) AS (y, x)) t;\n 4.666666666666667",
        ),
        hive_doc(
            "regr_syy(y, x)",
            "the sum of squared deviations of y from its mean, SUM(y*y)-SUM(y)*SUM(y)/N, over the pairs without NULL",
            "> SELECT regr_syy(y, x) FROM (SELECT stack(3, 2, 1, 3, 2, 7, 4) AS (y, x)) t;\n 14.0",
        ),
    ]
});

/// Numbers as DOUBLE; strings stay strings, read (leniently) at run time.
pub(crate) fn coerce_numeric(name: &str, arg_types: &[DataType], arity: usize) -> Result<Vec<DataType>> {
    if arg_types.len() != arity {
        return plan_err!("{name} takes {arity} argument(s), got {}", arg_types.len());
    }
    Ok(arg_types
        .iter()
        .map(|t| match t {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => t.clone(),
            _ => DataType::Float64,
        })
        .collect())
}

/// The argument as DOUBLEs; strings that are not numbers become NULL.
pub(crate) fn as_doubles(array: &ArrayRef) -> Result<ArrayRef> {
    Ok(cast(array, &DataType::Float64)?)
}

/// Hive's variance buffer: count, sum, and n times the population variance.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct VarianceState {
    pub count: i64,
    pub sum: f64,
    pub variance: f64,
}

impl VarianceState {
    pub fn add(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        if self.count > 1 {
            let t = self.count as f64 * v - self.sum;
            self.variance += (t * t) / (self.count as f64 * (self.count - 1) as f64);
        }
    }

    pub fn merge(&mut self, other: VarianceState) {
        let (n, m) = (self.count, other.count);
        if n == 0 {
            *self = other;
        } else if m != 0 {
            let (a, b) = (self.sum, other.sum);
            self.count += m;
            self.sum += b;
            let t = (m as f64 / n as f64) * a - b;
            self.variance += other.variance + ((n as f64 / m as f64) / (n as f64 + m as f64)) * t * t;
        }
    }

    fn result(&self, kind: Kind) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let n = self.count as f64;
        let samp = if self.count > 1 { self.variance / (n - 1.0) } else { 0.0 };
        let pop = if self.count > 1 { self.variance / n } else { 0.0 };
        Some(match kind {
            Kind::VarPop => pop,
            Kind::VarSamp => samp,
            Kind::StddevPop => pop.sqrt(),
            Kind::StddevSamp => samp.sqrt(),
            Kind::RegrSxx | Kind::RegrSyy => self.variance,
        })
    }
}

impl AggregateUDFImpl for Variance {
    fn name(&self) -> &str {
        match self.kind {
            Kind::VarPop => "var_pop",
            Kind::VarSamp => "var_samp",
            Kind::StddevPop => "stddev_pop",
            Kind::StddevSamp => "stddev_samp",
            Kind::RegrSxx => "regr_sxx",
            Kind::RegrSyy => "regr_syy",
        }
    }

    fn aliases(&self) -> &[String] {
        static VARIANCE: LazyLock<Vec<String>> = LazyLock::new(|| vec!["variance".to_string()]);
        static STD: LazyLock<Vec<String>> = LazyLock::new(|| vec!["std".to_string(), "stddev".to_string()]);
        match self.kind {
            Kind::VarPop => &VARIANCE,
            Kind::StddevPop => &STD,
            _ => &[],
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let arity = if matches!(self.kind, Kind::RegrSxx | Kind::RegrSyy) { 2 } else { 1 };
        coerce_numeric(self.name(), arg_types, arity)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(format!("{}[count]", args.name), DataType::Int64, true)),
            Arc::new(Field::new(format!("{}[sum]", args.name), DataType::Float64, true)),
            Arc::new(Field::new(format!("{}[variance]", args.name), DataType::Float64, true)),
        ])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(VarianceAccumulator { kind: self.kind, state: VarianceState::default() }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCS[self.kind as usize])
    }
}

#[derive(Debug)]
struct VarianceAccumulator {
    kind: Kind,
    state: VarianceState,
}

impl Accumulator for VarianceAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        // regr_sxx(y, x) reads x, regr_syy(y, x) reads y; both skip pairs with a NULL.
        let (value, other) = match self.kind {
            Kind::RegrSxx => (as_doubles(&values[1])?, Some(as_doubles(&values[0])?)),
            Kind::RegrSyy => (as_doubles(&values[0])?, Some(as_doubles(&values[1])?)),
            _ => (as_doubles(&values[0])?, None),
        };
        let value = value.as_primitive::<Float64Type>();
        for i in 0..value.len() {
            if value.is_valid(i) && other.as_ref().is_none_or(|o| o.is_valid(i)) {
                self.state.add(value.value(i));
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let count = states[0].as_primitive::<Int64Type>();
        let (sum, variance) = (states[1].as_primitive::<Float64Type>(), states[2].as_primitive::<Float64Type>());
        for i in 0..count.len() {
            if count.is_valid(i) {
                self.state.merge(VarianceState {
                    count: count.value(i),
                    sum: sum.value(i),
                    variance: variance.value(i),
                });
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::Int64(Some(self.state.count)),
            ScalarValue::Float64(Some(self.state.sum)),
            ScalarValue::Float64(Some(self.state.variance)),
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
    use arrow::array::{Float64Array, StringArray};

    use super::*;

    fn acc(kind: Kind) -> VarianceAccumulator {
        VarianceAccumulator { kind, state: VarianceState::default() }
    }

    fn eval(kind: Kind, values: &[ArrayRef]) -> Option<f64> {
        let mut a = acc(kind);
        a.update_batch(values).unwrap();
        match a.evaluate().unwrap() {
            ScalarValue::Float64(v) => v,
            other => panic!("{other:?}"),
        }
    }

    fn col(v: &[Option<f64>]) -> ArrayRef {
        Arc::new(Float64Array::from(v.to_vec()))
    }

    #[test]
    fn as_hive() {
        // Hive 2.3 over stack(4, 1,2, 2,3, 4,7, NULL,5) AS (x, y)
        let x = col(&[Some(1.0), Some(2.0), Some(4.0), None]);
        let y = col(&[Some(2.0), Some(3.0), Some(7.0), Some(5.0)]);
        assert_eq!(eval(Kind::VarPop, std::slice::from_ref(&x)), Some(1.5555555555555556));
        assert_eq!(eval(Kind::VarSamp, std::slice::from_ref(&x)), Some(2.3333333333333335));
        assert_eq!(eval(Kind::StddevPop, std::slice::from_ref(&x)), Some(1.247219128924647));
        assert_eq!(eval(Kind::StddevSamp, std::slice::from_ref(&x)), Some(1.5275252316519468));
        assert_eq!(eval(Kind::RegrSxx, &[y.clone(), x.clone()]), Some(4.666666666666667));
        assert_eq!(eval(Kind::RegrSyy, &[y, x]), Some(14.0));
    }

    #[test]
    fn one_value_is_zero_and_none_is_null() {
        let one = col(&[Some(1.0)]);
        for kind in [Kind::VarPop, Kind::VarSamp, Kind::StddevPop, Kind::StddevSamp] {
            assert_eq!(eval(kind, std::slice::from_ref(&one)), Some(0.0));
            assert_eq!(eval(kind, &[col(&[None])]), None);
        }
    }

    #[test]
    fn strings_are_numbers() {
        let s: ArrayRef = Arc::new(StringArray::from(vec![Some("1"), Some("x"), Some("2"), Some("4")]));
        assert_eq!(eval(Kind::VarPop, &[s]), Some(1.5555555555555556));
    }

    #[test]
    fn partial_states_merge() {
        let mut a = acc(Kind::VarSamp);
        a.update_batch(&[col(&[Some(1.0), Some(2.0)])]).unwrap();
        let mut b = acc(Kind::VarSamp);
        b.update_batch(&[col(&[Some(4.0), None])]).unwrap();
        let states = [a.state().unwrap(), acc(Kind::VarSamp).state().unwrap(), b.state().unwrap()];
        let columns: Vec<ArrayRef> =
            (0..3).map(|i| ScalarValue::iter_to_array(states.iter().map(|s| s[i].clone())).unwrap()).collect();
        let mut total = acc(Kind::VarSamp);
        total.merge_batch(&columns).unwrap();
        let v = match total.evaluate().unwrap() {
            ScalarValue::Float64(Some(v)) => v,
            other => panic!("{other:?}"),
        };
        assert!((v - 7.0 / 3.0).abs() < 1e-12);
    }
}
