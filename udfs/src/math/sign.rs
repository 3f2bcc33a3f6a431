//! `sign(x)` / `signum(x)`: -1, 0 or 1 by the sign of x. As in Hive, a double
//! (or anything read as one) gives a double (`sign(-45)` is `-1.0`); a
//! decimal gives an int.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int32Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Decimal128Type, Float64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::common::numeric::is_decimal;
use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Sign {
    signature: Signature,
    aliases: Vec<String>,
}

impl Default for Sign {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable), aliases: vec!["signum".to_string()] }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Sign::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("sign(x)", "-1.0, 0.0 or 1.0 by the sign of x (an int for a decimal x)", "> SELECT sign(-45);\n-1.0")
});

impl ScalarUDFImpl for Sign {
    fn name(&self) -> &str {
        "sign"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [t] if is_decimal(t) => Ok(vec![DataType::Decimal128(38, 10).max_decimal(t)]),
            [_] => Ok(vec![DataType::Float64]),
            _ => plan_err!("sign takes one argument, got {}", arg_types.len()),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(if is_decimal(&arg_types[0]) { DataType::Int32 } else { DataType::Float64 })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let v = args.args[0].to_array(1)?;
        let out = sign(&v)?;
        if scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(out))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

trait MaxDecimal {
    fn max_decimal(self, t: &DataType) -> DataType;
}

impl MaxDecimal for DataType {
    /// A decimal128 as is; wider decimals narrowed to the default.
    fn max_decimal(self, t: &DataType) -> DataType {
        if let DataType::Decimal128(..) = t { t.clone() } else { self }
    }
}

/// The sign of each value: decimals give ints, everything else doubles.
pub fn sign(v: &ArrayRef) -> Result<ArrayRef> {
    if let DataType::Decimal128(..) = v.data_type() {
        let d = v.as_primitive::<Decimal128Type>();
        let out: Int32Array = d.iter().map(|x| x.map(|x| x.signum() as i32)).collect();
        return Ok(Arc::new(out));
    }
    let d = cast(v, &DataType::Float64)?;
    let d = d.as_primitive::<Float64Type>();
    let out: Float64Array = d
        .iter()
        .map(|x| {
            x.map(|x| {
                if x.is_nan() {
                    x
                } else if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            })
        })
        .collect();
    Ok(Arc::new(out))
}

#[cfg(test)]
mod tests {
    use arrow::array::Decimal128Array;

    use super::*;

    #[test]
    fn doubles_and_decimals() {
        let v: ArrayRef = Arc::new(Float64Array::from(vec![Some(-45.0), Some(0.0), Some(46.0), None]));
        let out = sign(&v).unwrap();
        assert_eq!(out.as_ref(), &Float64Array::from(vec![Some(-1.0), Some(0.0), Some(1.0), None]) as &dyn Array);
        let v: ArrayRef = Arc::new(Decimal128Array::from(vec![-5, 0]).with_precision_and_scale(3, 1).unwrap());
        assert_eq!(sign(&v).unwrap().as_ref(), &Int32Array::from(vec![-1, 0]) as &dyn Array);
    }
}
