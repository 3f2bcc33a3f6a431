//! The one `ScalarUDFImpl` the date functions share: each function file
//! gives its name, arities, result type, usage text and kernel, and this
//! struct does the DataFusion plumbing (any argument types are accepted as
//! they come; the kernels read them as Hive converts them).

use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::input::{arrays, session_zone, shape, zone_named};

/// A kernel: the arguments as arrays of equal length, and the session zone.
pub type Kernel = fn(&[ArrayRef], &Tz) -> Result<ColumnarValue>;

/// The value of a function without arguments at the query's start time.
pub type AtQueryStart = fn(DateTime<Utc>, &Tz) -> ScalarValue;

/// A Hive date function.
#[derive(Debug)]
pub struct DateUdf {
    name: &'static str,
    aliases: Vec<String>,
    arities: &'static [usize],
    result: DataType,
    signature: Signature,
    doc: &'static LazyLock<Documentation>,
    kernel: Kernel,
    at_query_start: Option<AtQueryStart>,
}

impl DateUdf {
    /// A function `name` taking one of `arities` arguments, returning `result`.
    pub fn new(
        name: &'static str,
        arities: &'static [usize],
        result: DataType,
        doc: &'static LazyLock<Documentation>,
        kernel: Kernel,
    ) -> Self {
        Self {
            name,
            aliases: vec![],
            arities,
            result,
            signature: Signature::user_defined(Volatility::Immutable),
            doc,
            kernel,
            at_query_start: None,
        }
    }

    /// Other names of the function.
    pub fn with_aliases(mut self, aliases: &[&str]) -> Self {
        self.aliases = aliases.iter().map(|a| a.to_string()).collect();
        self
    }

    /// Called without arguments, the function is `value` at the time the
    /// query started, so every row and every call in a query agree.
    pub fn at_query_start(mut self, value: AtQueryStart) -> Self {
        self.at_query_start = Some(value);
        self.signature = Signature::user_defined(Volatility::Stable);
        self
    }

    pub fn into_udf(self) -> ScalarUDF {
        ScalarUDF::new_from_impl(self)
    }
}

impl PartialEq for DateUdf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.aliases == other.aliases
    }
}

impl Eq for DateUdf {}

impl Hash for DateUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for DateUdf {
    fn name(&self) -> &str {
        self.name
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if !self.arities.contains(&arg_types.len()) {
            let arities = self.arities.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(" or ");
            return plan_err!("{} takes {arities} arguments, got {}: {arg_types:?}", self.name, arg_types.len());
        }
        Ok(arg_types.iter().map(|t| if t == &DataType::Null { DataType::Utf8 } else { t.clone() }).collect())
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.result.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let tz = session_zone(&args);
        let arrays = arrays(&args)?;
        let result = (self.kernel)(&arrays, &tz)?;
        shape(result, &args)
    }

    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        match (self.at_query_start, info.query_execution_start_time()) {
            (Some(value), Some(now)) if args.is_empty() => {
                let tz = zone_named(info.config_options().execution.time_zone.as_deref()).unwrap_or(chrono_tz::UTC);
                Ok(ExprSimplifyResult::Simplified(Expr::Literal(value(now, &tz), None)))
            }
            _ => Ok(ExprSimplifyResult::Original(args)),
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(self.doc)
    }
}

/// Runs a kernel on scalar arguments in zone `tz` (for unit tests).
#[cfg(test)]
pub fn run(kernel: Kernel, args: &[datafusion::common::ScalarValue], tz: &str) -> Vec<String> {
    let arrays: Vec<ArrayRef> = args.iter().map(|a| a.to_array().unwrap()).collect();
    let tz: Tz = tz.parse().unwrap();
    let out = kernel(&arrays, &tz).unwrap().to_array(1).unwrap();
    (0..out.len()).map(|i| crate::hive_text::display_value(out.as_ref(), i)).collect()
}

/// A string literal argument (for unit tests).
#[cfg(test)]
pub fn s(v: &str) -> datafusion::common::ScalarValue {
    datafusion::common::ScalarValue::Utf8(Some(v.to_string()))
}
