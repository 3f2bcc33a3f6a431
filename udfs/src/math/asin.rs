//! `asin(x)`: the arc sine of x in radians, NULL when x is outside [-1, 1]
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
pub struct Asin {
    signature: Signature,
}

impl Default for Asin {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Asin::default()))
}

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| hive_doc("asin(x)", "the arc sine of x, NULL if x is not in [-1, 1]", "> SELECT asin(0);\n0.0"));

/// Arc sine, None outside [-1, 1].
pub fn asin(x: f64) -> Option<f64> {
    (-1.0..=1.0).contains(&x).then(|| x.asin())
}

impl ScalarUDFImpl for Asin {
    fn name(&self) -> &str {
        "asin"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_] => Ok(vec![DataType::Float64]),
            _ => plan_err!("asin takes one argument, got {}", arg_types.len()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let v = cast(&args.args[0].to_array(1)?, &DataType::Float64)?;
        let out: Float64Array = v.as_primitive::<Float64Type>().iter().map(|x| x.and_then(asin)).collect();
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
        assert_eq!(asin(0.66), Some(0.7208187608700897));
        assert_eq!(asin(-2.0), None);
    }
}
