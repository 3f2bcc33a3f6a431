//! `nullif(a, b)`: NULL when a equals b, else a. As in Hive the result has
//! a's type (`nullif(2, 3.5)` is the int 2); the two are compared in their
//! common type. Arrays, maps and structs compare element by element.

use std::sync::{Arc, LazyLock};

use arrow::array::make_comparator;
use arrow::array::{Array, ArrayRef, BooleanArray, make_array};
use arrow::buffer::NullBuffer;
use arrow::compute::{SortOptions, cast};
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::common::numeric::common_type;
use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NullIf {
    signature: Signature,
}

impl Default for NullIf {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(NullIf::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("nullif(a, b)", "NULL when a equals b, otherwise a", "> SELECT nullif(1, 1), nullif(2, 1);\nNULL\t2")
});

impl ScalarUDFImpl for NullIf {
    fn name(&self) -> &str {
        "nullif"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [a, b] => Ok(vec![a.clone(), b.clone()]),
            _ => plan_err!("nullif takes 2 arguments, got {}", arg_types.len()),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[0].clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let out = nullif(&arrays[0], &arrays[1])?;
        if all_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(out))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

/// `a` with NULL where it equals `b` (compared in their common type).
pub fn nullif(a: &ArrayRef, b: &ArrayRef) -> Result<ArrayRef> {
    if matches!(a.data_type(), DataType::Null) || matches!(b.data_type(), DataType::Null) {
        return Ok(a.clone());
    }
    let t = common_type(&[a.data_type().clone(), b.data_type().clone()]).unwrap_or_else(|| a.data_type().clone());
    let (ca, cb) = if a.data_type() == b.data_type() { (a.clone(), b.clone()) } else { (cast(a, &t)?, cast(b, &t)?) };
    let cmp = make_comparator(ca.as_ref(), cb.as_ref(), SortOptions::default())?;
    let keep: BooleanArray = (0..a.len()).map(|i| Some(ca.is_null(i) || cb.is_null(i) || !cmp(i, i).is_eq())).collect();
    let nulls = NullBuffer::union(a.logical_nulls().as_ref(), Some(&NullBuffer::new(keep.values().clone())));
    Ok(make_array(a.to_data().into_builder().nulls(nulls).build()?))
}

#[cfg(test)]
mod tests {
    use arrow::array::{Float32Array, Int32Array};

    use super::*;

    #[test]
    fn keeps_the_first_type() {
        let a: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), Some(2), None]));
        let b: ArrayRef = Arc::new(Float32Array::from(vec![1.0, 2.5, 1.0]));
        let out = nullif(&a, &b).unwrap();
        assert_eq!(out.as_ref(), &Int32Array::from(vec![None, Some(2), None]) as &dyn Array);
    }
}
