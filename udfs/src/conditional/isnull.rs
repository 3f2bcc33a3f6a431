//! `isnull(x)` and `isnotnull(x)`: whether x is NULL (never NULL
//! themselves). `isnotnull.rs` reuses this function's struct.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, BooleanArray};
use arrow::compute::{is_not_null, is_null};
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct IsNull {
    signature: Signature,
    negated: bool,
}

impl IsNull {
    pub fn new(negated: bool) -> Self {
        Self { signature: Signature::any(1, Volatility::Immutable), negated }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(IsNull::new(false)))
}

static DOCS: LazyLock<[Documentation; 2]> = LazyLock::new(|| {
    [
        hive_doc("isnull(x)", "true if x is NULL, false otherwise", "> SELECT isnull(NULL);\ntrue"),
        hive_doc("isnotnull(x)", "true if x is not NULL, false otherwise", "> SELECT isnotnull(1);\ntrue"),
    ]
});

impl ScalarUDFImpl for IsNull {
    fn name(&self) -> &str {
        if self.negated { "isnotnull" } else { "isnull" }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        if arg_types.len() != 1 {
            return plan_err!("{} takes one argument, got {}", self.name(), arg_types.len());
        }
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match &args.args[0] {
            ColumnarValue::Scalar(s) => {
                Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(s.is_null() != self.negated))))
            }
            ColumnarValue::Array(a) => {
                let out: BooleanArray = if self.negated { is_not_null(a.as_ref())? } else { is_null(a.as_ref())? };
                Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
            }
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCS[self.negated as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(IsNull::new(false).name(), "isnull");
        assert_eq!(IsNull::new(true).name(), "isnotnull");
    }
}
