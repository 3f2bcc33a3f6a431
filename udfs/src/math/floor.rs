//! `floor(x)`: the largest integer not above x — a BIGINT for a double, a
//! `decimal(p - s + 1, 0)` for a `decimal(p, s)`. Spark's floor computes
//! exactly that; this wrapper adds Hive's reading of a string argument as a
//! double. `ceil` reuses the wrapper.

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::arrow::datatypes::FieldRef;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::common::numeric::is_numeric;

/// A numeric function of Spark's that also takes strings (read as doubles).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct StringsAsDouble {
    inner: Arc<ScalarUDF>,
    signature: Signature,
}

impl StringsAsDouble {
    pub fn new(inner: Arc<ScalarUDF>) -> Self {
        Self { inner, signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(StringsAsDouble::new(datafusion_spark::function::math::floor())))
}

impl ScalarUDFImpl for StringsAsDouble {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        Ok(arg_types.iter().map(|t| if is_numeric(t) { t.clone() } else { DataType::Float64 }).collect())
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        self.inner.invoke_with_args(args)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_read_as_doubles() {
        let f = StringsAsDouble::new(datafusion_spark::function::math::floor());
        assert_eq!(f.coerce_types(&[DataType::Utf8]).unwrap(), vec![DataType::Float64]);
        assert_eq!(f.coerce_types(&[DataType::Int32]).unwrap(), vec![DataType::Int32]);
        assert_eq!(f.name(), "floor");
    }
}
