//! `array(v1, v2, ...)`: an array of the arguments, in Hive's common type of
//! them (`array(1, 'a')` is `["1","a"]`). Also answers to `make_array`, the
//! name the HiveQL rewrite gives Hive's constructor.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, ListArray, UInt32Array, new_empty_array};
use arrow::buffer::OffsetBuffer;
use arrow::compute::{concat, take};
use arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::common::numeric::common_type;
use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MakeArray {
    signature: Signature,
    aliases: Vec<String>,
}

impl Default for MakeArray {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable), aliases: vec!["make_array".to_string()] }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(MakeArray::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("array(v1, v2, ...)", "an array of the given values", "> SELECT array(1, 2, 3);\n[1,2,3]")
});

/// The element type of an array (or the key or value type of a map) built
/// from values of `types`: their common type, a string when there are none.
pub(crate) fn element_type(name: &str, types: &[DataType]) -> Result<DataType> {
    match common_type(types) {
        Some(DataType::Null) if types.is_empty() => Ok(DataType::Utf8),
        Some(t) => Ok(t),
        None => plan_err!("{name}: the values have types {types:?}, which have no common type"),
    }
}

impl ScalarUDFImpl for MakeArray {
    fn name(&self) -> &str {
        "array"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let t = element_type("array", arg_types)?;
        Ok(vec![t; arg_types.len()])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let t = arg_types.first().cloned().unwrap_or(DataType::Utf8);
        Ok(DataType::List(Arc::new(Field::new_list_field(t, true))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { args.number_rows };
        let DataType::List(field) = args.return_field.data_type() else {
            return plan_err!("array must return an array");
        };
        let arrays: Vec<ArrayRef> = args.args.iter().map(|a| a.to_array(rows)).collect::<Result<_>>()?;
        let out = build(field.clone(), &arrays, rows)?;
        if all_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(out))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

/// One array a row, of the i-th value of every column.
pub fn build(field: Arc<Field>, columns: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
    let n = columns.len();
    let values = if n == 0 {
        new_empty_array(field.data_type())
    } else {
        let refs: Vec<&dyn Array> = columns.iter().map(|c| c.as_ref()).collect();
        let all = concat(&refs)?;
        // Row-major: element j of row i is at j * rows + i of `all`.
        let idx: UInt32Array = (0..rows).flat_map(|i| (0..n).map(move |j| (j * rows + i) as u32)).collect();
        take(all.as_ref(), &idx, None)?
    };
    Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::from_lengths(std::iter::repeat_n(n, rows)), values, None)?))
}

#[cfg(test)]
mod tests {
    use arrow::array::Int32Array;

    use super::*;
    use crate::hive_text::display_value;

    #[test]
    fn rows_of_columns() {
        let a: ArrayRef = Arc::new(Int32Array::from(vec![1, 2]));
        let b: ArrayRef = Arc::new(Int32Array::from(vec![Some(3), None]));
        let f = Arc::new(Field::new_list_field(DataType::Int32, true));
        let out = build(f.clone(), &[a, b], 2).unwrap();
        assert_eq!(display_value(out.as_ref(), 0), "[1,3]");
        assert_eq!(display_value(out.as_ref(), 1), "[2,null]");
        assert_eq!(display_value(build(f, &[], 1).unwrap().as_ref(), 0), "[]");
    }

    #[test]
    fn mixed_values_become_strings() {
        assert_eq!(element_type("array", &[DataType::Int32, DataType::Utf8]).unwrap(), DataType::Utf8);
    }
}
