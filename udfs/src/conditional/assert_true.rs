//! `assert_true(cond)`: NULL when cond is true; fails the query otherwise
//! (also for a NULL cond), with Hive's message.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AssertTrue {
    signature: Signature,
}

impl Default for AssertTrue {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(AssertTrue::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "assert_true(cond)",
        "NULL if cond is true for every row; otherwise the query fails",
        "> SELECT assert_true(2 > 1);\nNULL",
    )
});

impl ScalarUDFImpl for AssertTrue {
    fn name(&self) -> &str {
        "assert_true"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [_] => Ok(vec![DataType::Boolean]),
            _ => plan_err!("assert_true takes 1 argument, got {}", arg_types.len()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Null)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let cond = args.args[0].to_array(args.number_rows)?;
        let cond = cast(&cond, &DataType::Boolean)?;
        let cond = cond.as_boolean();
        if cond.null_count() > 0 || cond.false_count() > 0 {
            return exec_err!("ASSERT_TRUE(): assertion failed.");
        }
        Ok(ColumnarValue::Scalar(ScalarValue::Null))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}
