//! `date(x)`: x as a DATE, the function form of `CAST(x AS DATE)` (strings
//! in Hive's date or timestamp forms, timestamps, dates; NULL when the value
//! does not convert).

use std::sync::LazyLock;

use arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::common::hive_cast;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    crate::doc::hive_doc(
        "date(expr)",
        "Returns expr converted to a DATE, as CAST(expr AS DATE) does; NULL when it does not convert",
        "> SELECT date('2009-07-30 04:17:52');\n 2009-07-30",
    )
});

/// Hive's `date` conversion function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Date {
    signature: Signature,
}

impl Default for Date {
    fn default() -> Self {
        Self { signature: Signature::any(1, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for Date {
    fn name(&self) -> &str {
        "date"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Date32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [arg] = args.args.as_slice() else { return exec_err!("date takes one argument") };
        let array = arg.to_array(args.number_rows)?;
        Ok(ColumnarValue::Array(hive_cast::cast(&array, &DataType::Date32)?))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, AsArray, StringArray};
    use arrow::datatypes::{Date32Type, Field};
    use datafusion::common::config::ConfigOptions;

    use super::*;

    #[test]
    fn strings_convert_and_bad_ones_are_null() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("2009-07-30 04:17:52"), Some("x"), None]));
        let out = Date::default()
            .invoke_with_args(ScalarFunctionArgs {
                args: vec![ColumnarValue::Array(a)],
                arg_fields: vec![Arc::new(Field::new("a", DataType::Utf8, true))],
                number_rows: 3,
                return_field: Arc::new(Field::new("r", DataType::Date32, true)),
                config_options: Arc::new(ConfigOptions::default()),
            })
            .unwrap();
        let ColumnarValue::Array(out) = out else { panic!("array") };
        let d = out.as_primitive::<Date32Type>();
        assert_eq!(d.value(0), 14455);
        assert!(d.is_null(1) && d.is_null(2));
    }
}
