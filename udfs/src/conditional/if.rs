//! `if(cond, then, else)`: `then` where cond is true, else `else` (a NULL
//! cond counts as false). The result has Hive's common type of the two
//! branches, so `if(false, 1, 'ABC')` is the string `ABC`.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, AsArray};
use arrow::compute::kernels::zip::zip;
use arrow::compute::{cast, prep_null_mask_filter};
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::common::numeric::common_type;
use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct If {
    signature: Signature,
}

impl Default for If {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(If::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "if(cond, then, else)",
        "then when cond is true, otherwise else (also when cond is NULL)",
        "> SELECT if(1 = 1, 'yes', 'no');\nyes",
    )
});

impl ScalarUDFImpl for If {
    fn name(&self) -> &str {
        "if"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let [_, a, b] = arg_types else {
            return plan_err!("if takes 3 arguments (cond, then, else), got {}", arg_types.len());
        };
        match common_type(&[a.clone(), b.clone()]) {
            Some(t) => Ok(vec![DataType::Boolean, t.clone(), t]),
            None => plan_err!("if: the branches have types {a} and {b}, which have no common type"),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[1].clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let cond = cast(&arrays[0], &DataType::Boolean)?;
        let cond = cond.as_boolean();
        let cond = if cond.null_count() > 0 { prep_null_mask_filter(cond) } else { cond.clone() };
        let out = if matches!(arrays[1].data_type(), DataType::Null) {
            arrays[1].clone()
        } else {
            zip(&cond, &arrays[1], &arrays[2])?
        };
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
    use arrow::array::{BooleanArray, Int64Array};

    use super::*;

    #[test]
    fn null_condition_takes_else() {
        let cond = ColumnarValue::Array(Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])));
        let a = ColumnarValue::Scalar(ScalarValue::Int64(Some(1)));
        let b = ColumnarValue::Array(Arc::new(Int64Array::from(vec![Some(2), Some(3), None])));
        let args = [cond, a, b];
        let arrays = ColumnarValue::values_to_arrays(&args).unwrap();
        let c = prep_null_mask_filter(arrays[0].as_boolean());
        let out = zip(&c, &arrays[1], &arrays[2]).unwrap();
        assert_eq!(out.as_ref(), &Int64Array::from(vec![Some(1), Some(3), None]) as &dyn Array);
    }
}
