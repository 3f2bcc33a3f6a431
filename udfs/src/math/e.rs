//! `e()`: Euler's number, the base of natural logarithms.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct E {
    signature: Signature,
}

impl Default for E {
    fn default() -> Self {
        Self { signature: Signature::nullary(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(E::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("e()", "the number e, the base of natural logarithms", "> SELECT e();\n2.718281828459045")
});

impl ScalarUDFImpl for E {
    fn name(&self) -> &str {
        "e"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(ColumnarValue::Scalar(ScalarValue::Float64(Some(std::f64::consts::E))))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn prints_as_java() {
        let mut s = String::new();
        crate::hive_text::format_f64(std::f64::consts::E, &mut s);
        assert_eq!(s, "2.718281828459045");
    }
}
