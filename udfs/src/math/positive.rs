//! `positive(x)`: x itself (unary plus); a string is read as a double.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::DataType;
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::common::numeric::is_numeric;
use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Positive {
    signature: Signature,
}

impl Default for Positive {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Positive::default()))
}

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| hive_doc("positive(x)", "x unchanged (unary plus)", "> SELECT positive(-3);\n-3"));

/// The argument type `positive` takes for an argument of type `t`.
fn operand(t: &DataType) -> DataType {
    if is_numeric(t) { t.clone() } else { DataType::Float64 }
}

impl ScalarUDFImpl for Positive {
    fn name(&self) -> &str {
        "positive"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [t] => Ok(vec![operand(t)]),
            _ => plan_err!("positive takes one argument, got {}", arg_types.len()),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[0].clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(args.args[0].clone())
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_read_as_doubles() {
        assert_eq!(operand(&DataType::Utf8), DataType::Float64);
        assert_eq!(operand(&DataType::Int8), DataType::Int8);
    }
}
