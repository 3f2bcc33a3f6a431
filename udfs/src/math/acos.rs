//! `acos(x)`: the arc cosine of x in radians, NULL when x is outside [-1, 1]
//! (Hive gives NULL where Java gives NaN).

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, AsArray, Float64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Acos {
    signature: Signature,
}

impl Default for Acos {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Acos::default()))
}

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| hive_doc("acos(x)", "the arc cosine of x, NULL if x is not in [-1, 1]", "> SELECT acos(1);\n0.0"));

/// Arc cosine, None outside [-1, 1].
pub fn acos(x: f64) -> Option<f64> {
    (-1.0..=1.0).contains(&x).then(|| x.acos())
}

impl ScalarUDFImpl for Acos {
    fn name(&self) -> &str {
        "acos"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_] => Ok(vec![DataType::Float64]),
            _ => plan_err!("acos takes one argument, got {}", arg_types.len()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let v = cast(&args.args[0].to_array(1)?, &DataType::Float64)?;
        let out: Float64Array = v.as_primitive::<Float64Type>().iter().map(|x| x.and_then(acos)).collect();
        let out: ArrayRef = Arc::new(out);
        if scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(out))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(acos(0.0), Some(std::f64::consts::FRAC_PI_2));
        assert_eq!(acos(2.0), None);
        assert_eq!(acos(f64::NAN), None);
    }
}
