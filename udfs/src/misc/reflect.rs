//! `reflect(class, method, args...)` / `java_method`: Hive calls a Java
//! method by reflection and returns its result as a string. There is no JVM
//! here, so a whitelist of pure static methods of `java.lang.Math`,
//! `java.lang.String`, `java.lang.Integer`, `java.lang.Long` and
//! `java.lang.Double` is computed natively, with Java's results and printing;
//! any other method is an error that names it. As in Hive, a method that
//! fails on its input gives NULL.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;
use crate::hive_text::{display_value, format_f64};

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Reflect {
    signature: Signature,
    aliases: Vec<String>,
}

impl Default for Reflect {
    fn default() -> Self {
        // Volatile, as in Hive, so a call in a branch never taken is not folded at plan time.
        Self { signature: Signature::variadic_any(Volatility::Volatile), aliases: vec!["java_method".to_string()] }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Reflect::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "reflect(class, method[, arg1[, arg2..]])",
        "the result, as a string, of a static Java method (java.lang.Math, String, Integer, Long and Double only)",
        "> SELECT reflect('java.lang.Math', 'max', 2, 3);\n3",
    )
});

/// One argument as the Java method sees it.
#[derive(Debug, Clone)]
enum Arg {
    Int(i64),
    Double(f64),
    Str(String),
}

impl Arg {
    fn of(a: &dyn Array, i: usize) -> Option<Arg> {
        if a.is_null(i) {
            return None;
        }
        Some(match a.data_type() {
            t if t.is_integer() => Arg::Int(display_value(a, i).parse().ok()?),
            t if t.is_floating() || matches!(t, DataType::Decimal128(..)) => {
                Arg::Double(display_value(a, i).parse().ok()?)
            }
            _ => Arg::Str(display_value(a, i)),
        })
    }
    fn f64(&self) -> Option<f64> {
        match self {
            Arg::Int(v) => Some(*v as f64),
            Arg::Double(v) => Some(*v),
            Arg::Str(_) => None,
        }
    }
    fn text(&self) -> String {
        match self {
            Arg::Int(v) => v.to_string(),
            Arg::Double(v) => java_double(*v),
            Arg::Str(s) => s.clone(),
        }
    }
}

fn java_double(v: f64) -> String {
    let mut s = String::new();
    format_f64(v, &mut s);
    s
}

/// Java's `Integer.parseInt(s, radix)`; None where Java throws.
fn parse_int(s: &str, radix: u32, bits: u32) -> Option<i64> {
    if !(2..=36).contains(&radix) || s.is_empty() || s.starts_with('+') && s.len() == 1 {
        return None;
    }
    let v = i64::from_str_radix(s, radix).ok()?;
    let (min, max) = if bits == 32 { (i32::MIN as i64, i32::MAX as i64) } else { (i64::MIN, i64::MAX) };
    (min..=max).contains(&v).then_some(v)
}

/// Whether `class.method` is one this function computes.
fn known(class: &str, method: &str) -> bool {
    matches!(
        (class, method),
        (
            "java.lang.Math",
            "abs"
                | "max"
                | "min"
                | "round"
                | "floor"
                | "ceil"
                | "rint"
                | "exp"
                | "log"
                | "log10"
                | "sqrt"
                | "cbrt"
                | "pow"
                | "sin"
                | "cos"
                | "tan"
                | "asin"
                | "acos"
                | "atan"
                | "atan2"
                | "signum"
                | "toDegrees"
                | "toRadians"
        ) | ("java.lang.String", "valueOf" | "isEmpty" | "length")
            | (
                "java.lang.Integer" | "java.lang.Long",
                "valueOf"
                    | "parseInt"
                    | "parseLong"
                    | "toString"
                    | "toHexString"
                    | "toBinaryString"
                    | "toOctalString"
                    | "max"
                    | "min"
            )
            | ("java.lang.Double", "valueOf" | "parseDouble" | "isNaN")
    )
}

/// The method's result as Hive prints it; None where Java would throw.
fn call(class: &str, method: &str, args: &[Arg]) -> Option<String> {
    let d = |i: usize| args.get(i).and_then(Arg::f64);
    let math1 = |f: fn(f64) -> f64| Some(java_double(f(d(0)?)));
    match (class, method, args) {
        ("java.lang.Math", "abs", [Arg::Int(v)]) => Some(v.wrapping_abs().to_string()),
        ("java.lang.Math", "max", [Arg::Int(a), Arg::Int(b)]) => Some((*a.max(b)).to_string()),
        ("java.lang.Math", "min", [Arg::Int(a), Arg::Int(b)]) => Some((*a.min(b)).to_string()),
        ("java.lang.Math", "max", [_, _]) => Some(java_double(d(0)?.max(d(1)?))),
        ("java.lang.Math", "min", [_, _]) => Some(java_double(d(0)?.min(d(1)?))),
        ("java.lang.Math", "round", [a]) => {
            let v = a.f64()?;
            Some(if v.is_nan() { 0 } else { (v + 0.5).floor() as i64 }.to_string())
        }
        ("java.lang.Math", "abs", [_]) => math1(f64::abs),
        ("java.lang.Math", "floor", [_]) => math1(f64::floor),
        ("java.lang.Math", "ceil", [_]) => math1(f64::ceil),
        ("java.lang.Math", "rint", [_]) => math1(f64::round_ties_even),
        ("java.lang.Math", "exp", [_]) => math1(f64::exp),
        ("java.lang.Math", "log", [_]) => math1(f64::ln),
        ("java.lang.Math", "log10", [_]) => math1(f64::log10),
        ("java.lang.Math", "sqrt", [_]) => math1(f64::sqrt),
        ("java.lang.Math", "cbrt", [_]) => math1(f64::cbrt),
        ("java.lang.Math", "sin", [_]) => math1(f64::sin),
        ("java.lang.Math", "cos", [_]) => math1(f64::cos),
        ("java.lang.Math", "tan", [_]) => math1(f64::tan),
        ("java.lang.Math", "asin", [_]) => math1(f64::asin),
        ("java.lang.Math", "acos", [_]) => math1(f64::acos),
        ("java.lang.Math", "atan", [_]) => math1(f64::atan),
        ("java.lang.Math", "signum", [_]) => math1(|x| if x == 0.0 || x.is_nan() { x } else { x.signum() }),
        ("java.lang.Math", "toDegrees", [_]) => math1(|x| x * 180.0 / std::f64::consts::PI),
        ("java.lang.Math", "toRadians", [_]) => math1(|x| x / 180.0 * std::f64::consts::PI),
        ("java.lang.Math", "pow", [_, _]) => Some(java_double(d(0)?.powf(d(1)?))),
        ("java.lang.Math", "atan2", [_, _]) => Some(java_double(d(0)?.atan2(d(1)?))),
        // Instance methods are called on a new, empty string, as Hive does.
        ("java.lang.String", "isEmpty", []) => Some("true".to_string()),
        ("java.lang.String", "length", []) => Some("0".to_string()),
        ("java.lang.String", "valueOf", [a]) => Some(a.text()),
        ("java.lang.Integer" | "java.lang.Long", "max", [Arg::Int(a), Arg::Int(b)]) => Some((*a.max(b)).to_string()),
        ("java.lang.Integer" | "java.lang.Long", "min", [Arg::Int(a), Arg::Int(b)]) => Some((*a.min(b)).to_string()),
        ("java.lang.Integer" | "java.lang.Long", "valueOf" | "parseInt" | "parseLong" | "toString", [a, rest @ ..]) => {
            let bits = if class == "java.lang.Integer" { 32 } else { 64 };
            let radix = match rest {
                [] => 10,
                [Arg::Int(r)] => *r as u32,
                _ => return None,
            };
            match (method, a) {
                ("toString", Arg::Int(v)) if rest.is_empty() => Some(v.to_string()),
                ("toString", _) => None,
                (_, a) => parse_int(&a.text(), radix, bits).map(|v| v.to_string()),
            }
        }
        ("java.lang.Integer" | "java.lang.Long", "toHexString" | "toBinaryString" | "toOctalString", [Arg::Int(v)]) => {
            let u = if class == "java.lang.Integer" { *v as i32 as u32 as u64 } else { *v as u64 };
            Some(match method {
                "toHexString" => format!("{u:x}"),
                "toBinaryString" => format!("{u:b}"),
                _ => format!("{u:o}"),
            })
        }
        ("java.lang.Double", "valueOf" | "parseDouble", [a]) => {
            let v = match a {
                Arg::Str(s) => s.trim().parse::<f64>().ok()?,
                a => a.f64()?,
            };
            Some(java_double(v))
        }
        ("java.lang.Double", "isNaN", [a]) => Some(a.f64()?.is_nan().to_string()),
        _ => None,
    }
}

impl ScalarUDFImpl for Reflect {
    fn name(&self) -> &str {
        "reflect"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        if arg_types.len() < 2 {
            return plan_err!("reflect takes a class name, a method name and its arguments");
        }
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { args.number_rows };
        let arrays: Vec<ArrayRef> = args.args.iter().map(|a| a.to_array(rows)).collect::<Result<_>>()?;
        let names: Vec<ArrayRef> = arrays[..2].iter().map(|a| cast(a, &DataType::Utf8)).collect::<Result<_, _>>()?;
        let (classes, methods) = (names[0].as_string::<i32>(), names[1].as_string::<i32>());
        let mut out = Vec::with_capacity(rows);
        for i in 0..rows {
            if classes.is_null(i) || methods.is_null(i) {
                out.push(None);
                continue;
            }
            let (class, method) = (classes.value(i), methods.value(i));
            if !known(class, method) {
                return exec_err!(
                    "reflect: {class}.{method} is not supported (only pure static methods of java.lang.Math, String, Integer, Long and Double are)"
                );
            }
            let call_args: Option<Vec<Arg>> = arrays[2..].iter().map(|a| Arg::of(a.as_ref(), i)).collect();
            out.push(call_args.and_then(|a| call(class, method, &a)));
        }
        let out: ArrayRef = Arc::new(StringArray::from(out));
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
    fn as_java() {
        assert_eq!(call("java.lang.String", "valueOf", &[Arg::Int(1)]).as_deref(), Some("1"));
        assert_eq!(call("java.lang.String", "isEmpty", &[]).as_deref(), Some("true"));
        assert_eq!(call("java.lang.Math", "max", &[Arg::Int(2), Arg::Int(3)]).as_deref(), Some("3"));
        assert_eq!(call("java.lang.Math", "round", &[Arg::Double(2.5)]).as_deref(), Some("3"));
        assert_eq!(call("java.lang.Math", "floor", &[Arg::Double(1.9)]).as_deref(), Some("1.0"));
        assert_eq!(
            call("java.lang.Integer", "valueOf", &[Arg::Str("238".into()), Arg::Int(16)]).as_deref(),
            Some("568")
        );
        assert_eq!(call("java.lang.Integer", "valueOf", &[Arg::Str("x".into())]), None);
        assert!(!known("java.lang.System", "exit"));
    }
}
