//! `heating_degree_days(tmin, tmax [, base])` and
//! `cooling_degree_days(tmin, tmax [, base])`: the degree-days of one day
//! from its minimum and maximum temperature, by the mean-temperature method.
//! A day whose mean is below the base needs heating for `base - mean`
//! degree-days; above it, cooling for `mean - base`. The default base is
//! 18 °C (65 °F is 18.3 °C), the usual base in Europe's energy statistics.

use std::sync::LazyLock;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

/// Base temperature when none is given, in °C.
pub const DEFAULT_BASE: f64 = 18.0;

/// Which side of the base a degree-day counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Need {
    Heating,
    Cooling,
}

/// The scalar function for one [`Need`].
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DegreeDays {
    need: Need,
    signature: Signature,
}

impl DegreeDays {
    pub fn new(need: Need) -> Self {
        // Any numbers (and numeric strings, as Hive converts them) coerce to DOUBLE.
        Self { need, signature: Signature::user_defined(Volatility::Immutable) }
    }
}

static HEATING_DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "heating_degree_days(tmin, tmax[, base])",
        "degree-days of heating of a day: base minus the mean of tmin and tmax, or 0 when the mean is at or above base (default 18)",
        "> SELECT heating_degree_days(2, 10);\n12.0",
    )
});

static COOLING_DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "cooling_degree_days(tmin, tmax[, base])",
        "degree-days of cooling of a day: the mean of tmin and tmax minus base, or 0 when the mean is at or below base (default 18)",
        "> SELECT cooling_degree_days(20, 30);\n7.0",
    )
});

/// Degree-days of one day; NULL when a temperature is missing.
pub fn degree_days(need: Need, tmin: f64, tmax: f64, base: f64) -> f64 {
    let mean = (tmin + tmax) / 2.0;
    let d = match need {
        Need::Heating => base - mean,
        Need::Cooling => mean - base,
    };
    d.max(0.0)
}

impl ScalarUDFImpl for DegreeDays {
    fn name(&self) -> &str {
        match self.need {
            Need::Heating => "heating_degree_days",
            Need::Cooling => "cooling_degree_days",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if !(2..=3).contains(&arg_types.len()) {
            return exec_err!("{} takes 2 or 3 arguments, got {}", self.name(), arg_types.len());
        }
        // Numbers and strings pass as they are and convert inside, so that a
        // string that is not a number is NULL (as in Hive), not an error.
        Ok(arg_types
            .iter()
            .map(|t| {
                if t.is_numeric() || matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
                    t.clone()
                } else {
                    DataType::Float64
                }
            })
            .collect())
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let f64s =
            arrays.iter().map(|a| cast(a, &DataType::Float64)).collect::<std::result::Result<Vec<ArrayRef>, _>>()?;
        let tmin = f64s[0].as_primitive::<Float64Type>();
        let tmax = f64s[1].as_primitive::<Float64Type>();
        let base = f64s.get(2).map(|b| b.as_primitive::<Float64Type>());
        let out: Float64Array = (0..args.number_rows)
            .map(|i| {
                if tmin.is_null(i) || tmax.is_null(i) {
                    return None;
                }
                let base = match base {
                    Some(b) if b.is_null(i) => return None,
                    Some(b) => b.value(i),
                    None => DEFAULT_BASE,
                };
                Some(degree_days(self.need, tmin.value(i), tmax.value(i), base))
            })
            .collect();
        Ok(ColumnarValue::Array(std::sync::Arc::new(out)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(match self.need {
            Need::Heating => &HEATING_DOC,
            Need::Cooling => &COOLING_DOC,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heating_and_cooling_are_the_two_sides_of_the_base() {
        assert_eq!(degree_days(Need::Heating, 2.0, 10.0, DEFAULT_BASE), 12.0);
        assert_eq!(degree_days(Need::Cooling, 2.0, 10.0, DEFAULT_BASE), 0.0);
        assert_eq!(degree_days(Need::Cooling, 20.0, 30.0, DEFAULT_BASE), 7.0);
        assert_eq!(degree_days(Need::Heating, 20.0, 30.0, 15.5), 0.0);
    }
}
