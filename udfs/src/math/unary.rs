//! The one `ScalarUDFImpl` that Hive's functions of one DOUBLE share
//! (`acos`, `asin`, `radians`): the argument converts to DOUBLE, and a
//! kernel maps each value (None is NULL). Each function file gives its name,
//! usage text and kernel.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, AsArray, Float64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// A function of one DOUBLE giving a DOUBLE.
#[derive(Debug)]
pub struct UnaryDouble {
    name: &'static str,
    kernel: fn(f64) -> Option<f64>,
    doc: &'static LazyLock<Documentation>,
    signature: Signature,
}

/// The UDF `name` computing `kernel`, ready to register.
pub fn udf(
    name: &'static str,
    kernel: fn(f64) -> Option<f64>,
    doc: &'static LazyLock<Documentation>,
) -> Arc<ScalarUDF> {
    let signature = Signature::user_defined(Volatility::Immutable);
    Arc::new(ScalarUDF::new_from_impl(UnaryDouble { name, kernel, doc, signature }))
}

// A function is known by its name: two with one name are the same function.
impl PartialEq for UnaryDouble {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for UnaryDouble {}

impl Hash for UnaryDouble {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for UnaryDouble {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_] => Ok(vec![DataType::Float64]),
            _ => plan_err!("{} takes one argument, got {}", self.name, arg_types.len()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let v = cast(&args.args[0].to_array(1)?, &DataType::Float64)?;
        let out: Float64Array = v.as_primitive::<Float64Type>().iter().map(|x| x.and_then(self.kernel)).collect();
        let out: ArrayRef = Arc::new(out);
        if scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(out))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(self.doc)
    }
}
