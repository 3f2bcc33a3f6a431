//! `greatest(v1, v2, ...)`: the largest argument, compared in Hive's common
//! type of the arguments (a string among them compares all as strings). Unlike
//! SQL's usual rule, one NULL argument makes the result NULL.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, make_array};
use arrow::buffer::NullBuffer;
use arrow::compute::kernels::cmp::{gt, lt};
use arrow::compute::kernels::zip::zip;
use arrow::compute::prep_null_mask_filter;
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::common::numeric::common_type;
use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Greatest {
    signature: Signature,
}

impl Default for Greatest {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Greatest::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "greatest(v1, v2, ...)",
        "the largest of the arguments, NULL if any argument is NULL",
        "> SELECT greatest(2, 7, 3);\n7",
    )
});

/// Hive's common type of n-way comparison arguments, for greatest and least.
pub(crate) fn coerce_nway(name: &str, arg_types: &[DataType]) -> Result<Vec<DataType>> {
    if arg_types.len() < 2 {
        return plan_err!("{name} takes at least 2 arguments, got {}", arg_types.len());
    }
    match common_type(arg_types) {
        Some(t) => Ok(vec![t; arg_types.len()]),
        None => plan_err!("{name} cannot compare values of types {arg_types:?}"),
    }
}

/// The greatest (`greatest = true`) or least value of each row; NULL where
/// any argument is NULL.
pub(crate) fn extreme(args: &[ColumnarValue], greatest: bool) -> Result<ColumnarValue> {
    let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let mut best: ArrayRef = arrays[0].clone();
    let mut nulls = best.logical_nulls();
    if !matches!(best.data_type(), DataType::Null) {
        for next in &arrays[1..] {
            let better = if greatest { gt(next, &best)? } else { lt(next, &best)? };
            let better = if better.null_count() > 0 { prep_null_mask_filter(&better) } else { better };
            best = zip(&better, next, &best)?;
            nulls = NullBuffer::union(nulls.as_ref(), next.logical_nulls().as_ref());
        }
        best = make_array(best.to_data().into_builder().nulls(nulls).build()?);
    }
    if all_scalar {
        return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&best, 0)?));
    }
    Ok(ColumnarValue::Array(best))
}

impl ScalarUDFImpl for Greatest {
    fn name(&self) -> &str {
        "greatest"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_nway("greatest", arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[0].clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        extreme(&args.args, true)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Int64Array, StringArray};

    use super::*;

    #[test]
    fn null_anywhere_is_null() {
        let a = ColumnarValue::Array(Arc::new(Int64Array::from(vec![Some(1), Some(5), None])));
        let b = ColumnarValue::Array(Arc::new(Int64Array::from(vec![Some(3), None, Some(2)])));
        let ColumnarValue::Array(r) = extreme(&[a, b], true).unwrap() else { panic!() };
        assert_eq!(r.as_ref(), &Int64Array::from(vec![Some(3), None, None]) as &dyn Array);
    }

    #[test]
    fn strings_compare_bytewise() {
        let a = ColumnarValue::Scalar(ScalarValue::Utf8(Some("11".into())));
        let b = ColumnarValue::Array(Arc::new(StringArray::from(vec!["2"])));
        let ColumnarValue::Array(r) = extreme(&[a, b], true).unwrap() else { panic!() };
        assert_eq!(r.as_ref(), &StringArray::from(vec!["2"]) as &dyn Array);
    }
}
