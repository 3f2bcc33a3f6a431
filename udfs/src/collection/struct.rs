//! `struct(v1, v2, ...)`: a struct of the arguments, its fields named
//! `col1`, `col2`, ... as Hive names them.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StructArray};
use arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Struct {
    signature: Signature,
}

impl Default for Struct {
    fn default() -> Self {
        Self { signature: Signature::variadic_any(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Struct::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "struct(v1, v2, ...)",
        "a struct of the given values, with fields col1, col2, ...",
        "> SELECT struct(1, 'a');\n{\"col1\":1,\"col2\":\"a\"}",
    )
});

fn fields(arg_types: &[DataType]) -> Fields {
    arg_types.iter().enumerate().map(|(i, t)| Field::new(format!("col{}", i + 1), t.clone(), true)).collect()
}

impl ScalarUDFImpl for Struct {
    fn name(&self) -> &str {
        "struct"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        if arg_types.is_empty() {
            return plan_err!("struct takes at least one argument");
        }
        Ok(DataType::Struct(fields(arg_types)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { args.number_rows };
        let arrays: Vec<ArrayRef> = args.args.iter().map(|a| a.to_array(rows)).collect::<Result<_>>()?;
        let types: Vec<DataType> = arrays.iter().map(|a| a.data_type().clone()).collect();
        let out: ArrayRef = Arc::new(StructArray::try_new(fields(&types), arrays, None)?);
        if all_scalar {
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
    fn fields_are_numbered_from_one() {
        let t = fields(&[DataType::Int32, DataType::Utf8]);
        assert_eq!(t[0].name(), "col1");
        assert_eq!(t[1].name(), "col2");
    }
}
