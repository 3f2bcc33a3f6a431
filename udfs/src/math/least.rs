//! `least(v1, v2, ...)`: the smallest argument, compared in Hive's common
//! type of the arguments; one NULL argument makes the result NULL.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::greatest::{coerce_nway, extreme};
use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Least {
    signature: Signature,
}

impl Default for Least {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Least::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "least(v1, v2, ...)",
        "the smallest of the arguments, NULL if any argument is NULL",
        "> SELECT least(2, 7, 3);\n2",
    )
});

impl ScalarUDFImpl for Least {
    fn name(&self) -> &str {
        "least"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_nway("least", arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[0].clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        extreme(&args.args, false)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Array, Float64Array};
    use datafusion::common::ScalarValue;

    use super::*;

    #[test]
    fn smallest_or_null() {
        let a = ColumnarValue::Scalar(ScalarValue::Float64(Some(1.5)));
        let b = ColumnarValue::Array(Arc::new(Float64Array::from(vec![Some(-2.0), Some(3.0), None])));
        let ColumnarValue::Array(r) = extreme(&[a, b], false).unwrap() else { panic!() };
        assert_eq!(r.as_ref(), &Float64Array::from(vec![Some(-2.0), Some(1.5), None]) as &dyn Array);
    }
}
