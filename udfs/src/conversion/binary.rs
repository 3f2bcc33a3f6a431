//! `binary(x)`: a string's UTF-8 bytes, or a binary unchanged.

use std::sync::LazyLock;

use arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    crate::doc::hive_doc(
        "binary(str)",
        "Returns the bytes of str (a string or a binary) as a BINARY",
        "> SELECT hex(binary('ab'));\n 6162",
    )
});

/// Hive's `binary` conversion function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Binary {
    signature: Signature,
}

impl Default for Binary {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for Binary {
    fn name(&self) -> &str {
        "binary"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Binary | DataType::LargeBinary | DataType::BinaryView] => Ok(vec![DataType::Binary]),
            [DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null] => Ok(vec![DataType::Utf8]),
            _ => exec_err!("binary takes a string or a binary, got {arg_types:?}"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [arg] = args.args.as_slice() else { return exec_err!("binary takes one argument") };
        arg.cast_to(&DataType::Binary, None)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, AsArray, StringArray};
    use arrow::datatypes::Field;
    use datafusion::common::config::ConfigOptions;

    use super::*;

    #[test]
    fn string_bytes() {
        let a = Arc::new(StringArray::from(vec![Some("ab"), None, Some("é")]));
        let out = Binary::default()
            .invoke_with_args(ScalarFunctionArgs {
                args: vec![ColumnarValue::Array(a)],
                arg_fields: vec![Arc::new(Field::new("a", DataType::Utf8, true))],
                number_rows: 3,
                return_field: Arc::new(Field::new("r", DataType::Binary, true)),
                config_options: Arc::new(ConfigOptions::default()),
            })
            .unwrap();
        let ColumnarValue::Array(out) = out else { panic!("array") };
        let b = out.as_binary::<i32>();
        assert_eq!(b.value(0), b"ab");
        assert!(b.is_null(1));
        assert_eq!(b.value(2), "é".as_bytes());
    }
}
