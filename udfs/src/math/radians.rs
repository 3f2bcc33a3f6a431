//! `radians(x)`: x degrees in radians, computed as Java 8's `Math.toRadians`
//! does (`x / 180 * pi`), so the last digit matches Hive.

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
pub struct Radians {
    signature: Signature,
}

impl Default for Radians {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Radians::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("radians(x)", "x, an angle in degrees, in radians", "> SELECT radians(90);\n1.5707963267948966")
});

/// Degrees to radians as `x / 180.0 * PI`.
pub fn radians(x: f64) -> Option<f64> {
    Some(x / 180.0 * std::f64::consts::PI)
}

impl ScalarUDFImpl for Radians {
    fn name(&self) -> &str {
        "radians"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_] => Ok(vec![DataType::Float64]),
            _ => plan_err!("radians takes one argument, got {}", arg_types.len()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let v = cast(&args.args[0].to_array(1)?, &DataType::Float64)?;
        let out: Float64Array = v.as_primitive::<Float64Type>().iter().map(|x| x.and_then(radians)).collect();
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
        assert_eq!(radians(57.2958), Some(1.000000357564167));
        assert_eq!(radians(143.2394), Some(2.4999991485811655));
    }
}
