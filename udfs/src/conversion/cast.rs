//! `cast(expr AS type)`: Hive's conversions. The SQL form `CAST(x AS t)` is
//! planned as this function wherever Hive's result differs from Arrow's cast
//! (see `common::hive_cast`); the target type travels as the type of a NULL
//! second argument, so the function is `cast(x, CAST(NULL AS t))`.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::common::hive_cast;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    crate::doc::hive_doc(
        "cast(expr AS type)",
        "Converts expr to type the way Hive does; a value that does not convert is NULL",
        "> SELECT cast('12.5' AS INT), cast(TRUE AS STRING), cast('no' AS BOOLEAN);\n 12\tTRUE\tfalse",
    )
});

/// Hive's CAST as a function of the value and a NULL of the target type.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Cast {
    signature: Signature,
}

impl Default for Cast {
    fn default() -> Self {
        Self { signature: Signature::any(2, Volatility::Immutable) }
    }
}

/// The registered function.
pub fn udf() -> Arc<ScalarUDF> {
    static UDF: LazyLock<Arc<ScalarUDF>> = LazyLock::new(|| Arc::new(ScalarUDF::new_from_impl(Cast::default())));
    UDF.clone()
}

/// `expr` converted to `to` with Hive's semantics: the function where Hive
/// differs from Arrow, else a plain TRY_CAST.
pub fn cast_expr(expr: Expr, from: &DataType, to: &DataType) -> Expr {
    if from == to {
        return expr;
    }
    match ScalarValue::try_from(to) {
        Ok(null) if hive_cast::needs_hive_cast(from, to) => udf().call(vec![expr, Expr::Literal(null, None)]),
        _ => datafusion::logical_expr::try_cast(expr, to.clone()),
    }
}

impl ScalarUDFImpl for Cast {
    fn name(&self) -> &str {
        "cast"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [_, to] => Ok(to.clone()),
            _ => exec_err!("cast takes a value and a NULL of the target type, got {arg_types:?}"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let to = args.return_field.data_type().clone();
        match &args.args[0] {
            ColumnarValue::Array(a) => Ok(ColumnarValue::Array(hive_cast::cast(a, &to)?)),
            ColumnarValue::Scalar(s) => {
                let out = hive_cast::cast(&s.to_array()?, &to)?;
                Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
            }
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Array, StringArray};
    use arrow::datatypes::Field;
    use datafusion::common::config::ConfigOptions;

    use super::*;

    fn run(arg: ColumnarValue, to: DataType) -> ColumnarValue {
        let n = match &arg {
            ColumnarValue::Array(a) => a.len(),
            ColumnarValue::Scalar(_) => 1,
        };
        let from = arg.data_type();
        Cast::default()
            .invoke_with_args(ScalarFunctionArgs {
                args: vec![arg, ColumnarValue::Scalar(ScalarValue::try_from(&to).unwrap())],
                arg_fields: vec![Arc::new(Field::new("a", from, true)), Arc::new(Field::new("b", to.clone(), true))],
                number_rows: n,
                return_field: Arc::new(Field::new("r", to, true)),
                config_options: Arc::new(ConfigOptions::default()),
            })
            .unwrap()
    }

    #[test]
    fn scalars_and_arrays() {
        let out = run(ColumnarValue::Scalar(ScalarValue::Utf8(Some("12.5".into()))), DataType::Int32);
        assert!(matches!(out, ColumnarValue::Scalar(ScalarValue::Int32(Some(12)))));
        let a = Arc::new(StringArray::from(vec![Some("no"), Some("yes"), None]));
        let ColumnarValue::Array(out) = run(ColumnarValue::Array(a), DataType::Boolean) else { panic!("array") };
        let texts: Vec<String> = (0..out.len()).map(|i| crate::hive_text::display_value(out.as_ref(), i)).collect();
        assert_eq!(texts, ["false", "true", "NULL"]);
    }

    #[test]
    fn plain_casts_stay_try_cast() {
        let e = cast_expr(datafusion::prelude::col("x"), &DataType::Int32, &DataType::Int64);
        assert!(matches!(e, Expr::TryCast(_)));
        let e = cast_expr(datafusion::prelude::col("x"), &DataType::Utf8, &DataType::Int32);
        assert!(matches!(e, Expr::ScalarFunction(_)));
    }
}
