//! What Hive's string functions share: the one wrapper that turns a small
//! [`TextFunction`] into a DataFusion scalar UDF, and Hive's implicit
//! conversions of arguments.
//!
//! Hive converts arguments itself instead of rejecting them: a number passed
//! where a string is expected becomes its text (`instr(123, '23')` is 2), a
//! boolean becomes `TRUE`/`FALSE`, a double prints as Java prints it; a
//! string passed where a number is expected is parsed, and what does not parse
//! is NULL. So every function here takes any argument types
//! (`Signature::variadic_any`) and converts in `eval` with [`strings`],
//! [`ints`] and [`doubles`].

use std::fmt::Debug;
use std::hash::Hash;
use std::ops::RangeInclusive;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BinaryArray, Float64Array, Int64Array, StringArray, StringBuilder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float32Type, Float64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::hive_text;

/// A Hive function over converted arguments: the parts that differ from one
/// function to the next. [`udf`] makes the DataFusion function of it.
pub trait TextFunction: Debug + PartialEq + Eq + Hash + Send + Sync + 'static {
    /// Hive's name of the function.
    fn name(&self) -> &'static str;
    /// Other names Hive accepts for it.
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// How many arguments it takes.
    fn arity(&self) -> RangeInclusive<usize>;
    /// Its result type for these argument types.
    fn return_type(&self, args: &[DataType]) -> Result<DataType>;
    /// Its usage text.
    fn doc(&self) -> &'static Documentation;
    /// Whether it gives a new value on every call (`rand`-like); default no.
    fn volatile(&self) -> bool {
        false
    }
    /// The result for `rows` rows; every argument is an array of `rows` values.
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef>;
}

/// The DataFusion scalar UDF of a [`TextFunction`].
pub fn udf<F: TextFunction>(f: F) -> Arc<ScalarUDF> {
    let volatility = if f.volatile() { Volatility::Volatile } else { Volatility::Immutable };
    let aliases = f.aliases().iter().map(|a| a.to_string()).collect();
    Arc::new(ScalarUDF::new_from_impl(TextUdf { signature: Signature::variadic_any(volatility), aliases, f }))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct TextUdf<F> {
    f: F,
    signature: Signature,
    aliases: Vec<String>,
}

impl<F: TextFunction> ScalarUDFImpl for TextUdf<F> {
    fn name(&self) -> &str {
        self.f.name()
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let arity = self.f.arity();
        if !arity.contains(&arg_types.len()) {
            let (lo, hi) = (arity.start(), arity.end());
            let expected = if lo == hi {
                format!("{lo}")
            } else if *hi == usize::MAX {
                format!("at least {lo}")
            } else {
                format!("{lo} to {hi}")
            };
            return plan_err!("{} takes {expected} arguments, got {}: {arg_types:?}", self.f.name(), arg_types.len());
        }
        self.f.return_type(arg_types)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { args.number_rows };
        let arrays = args.args.iter().map(|a| a.to_array(rows)).collect::<Result<Vec<_>>>()?;
        let out = self.f.eval(&arrays, rows)?;
        let out = if out.data_type() == args.return_type() { out } else { cast(&out, args.return_type())? };
        if all_scalar && !self.f.volatile() {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(self.f.doc())
    }
}

/// Whether `t` is one of Arrow's string types.
pub fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Whether `t` is one of Arrow's binary types.
pub fn is_binary(t: &DataType) -> bool {
    matches!(t, DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_))
}

/// Hive's text of each value, as its implicit conversion to STRING makes it:
/// strings as they are, booleans `TRUE`/`FALSE`, doubles and floats as Java
/// prints them, binaries as their bytes (read as UTF-8), the rest as Hive
/// prints them.
pub fn strings(array: &ArrayRef) -> Result<StringArray> {
    let t = array.data_type();
    let dictionary_of_strings = matches!(t, DataType::Dictionary(_, v) if is_string(v));
    if is_string(t) || dictionary_of_strings || matches!(t, DataType::Null) {
        return Ok(cast(array, &DataType::Utf8)?.as_string::<i32>().clone());
    }
    let mut out = StringBuilder::with_capacity(array.len(), array.len() * 8);
    let mut text = String::new();
    for i in 0..array.len() {
        if array.is_null(i) {
            out.append_null();
            continue;
        }
        text.clear();
        match t {
            DataType::Boolean => text.push_str(if array.as_boolean().value(i) { "TRUE" } else { "FALSE" }),
            DataType::Float64 => hive_text::format_f64(array.as_primitive::<Float64Type>().value(i), &mut text),
            DataType::Float32 => hive_text::format_f32(array.as_primitive::<Float32Type>().value(i), &mut text),
            _ if is_binary(t) => text.push_str(&String::from_utf8_lossy(bytes_at(array, i))),
            _ => hive_text::write_display_value(array.as_ref(), i, &mut text),
        }
        out.append_value(&text);
    }
    Ok(out.finish())
}

/// The bytes of row `i` of a binary array (any of Arrow's binary types).
pub fn bytes_at(array: &ArrayRef, i: usize) -> &[u8] {
    match array.data_type() {
        DataType::Binary => array.as_binary::<i32>().value(i),
        DataType::LargeBinary => array.as_binary::<i64>().value(i),
        DataType::BinaryView => array.as_binary_view().value(i),
        DataType::FixedSizeBinary(_) => array.as_fixed_size_binary().value(i),
        _ => &[],
    }
}

/// Each value as bytes: binaries as they are, anything else as the UTF-8 of
/// its Hive text ([`strings`]).
pub fn binaries(array: &ArrayRef) -> Result<BinaryArray> {
    if is_binary(array.data_type()) {
        return Ok(cast(array, &DataType::Binary)?.as_binary::<i32>().clone());
    }
    let s = strings(array)?;
    Ok(s.iter().map(|v| v.map(str::as_bytes)).collect())
}

/// Each value as Hive's implicit conversion to an integer makes it: numbers
/// truncated toward zero, strings parsed (`' 12 '` and `'1.5'` too), what does
/// not convert NULL.
pub fn ints(array: &ArrayRef) -> Result<Int64Array> {
    let t = array.data_type();
    if t.is_integer() {
        return Ok(cast(array, &DataType::Int64)?.as_primitive().clone());
    }
    if t.is_floating()
        || matches!(
            t,
            DataType::Decimal128(..) | DataType::Decimal256(..) | DataType::Decimal64(..) | DataType::Decimal32(..)
        )
    {
        let d = cast(array, &DataType::Float64)?;
        return Ok(d
            .as_primitive::<Float64Type>()
            .iter()
            .map(|v| v.filter(|v| v.is_finite()).map(|v| v.trunc() as i64))
            .collect());
    }
    if matches!(t, DataType::Boolean) {
        return Ok(array.as_boolean().iter().map(|v| v.map(i64::from)).collect());
    }
    let s = strings(array)?;
    Ok(s.iter().map(|v| v.and_then(parse_int)).collect())
}

/// A string as an integer the way Hive converts it, or None.
pub fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    s.parse::<i64>().ok().or_else(|| {
        let d = s.parse::<f64>().ok().filter(|d| d.is_finite() && !s.contains(['e', 'E', 'n', 'N', 'i', 'I']))?;
        Some(d.trunc() as i64)
    })
}

/// Each value as Hive's implicit conversion to DOUBLE makes it.
pub fn doubles(array: &ArrayRef) -> Result<Float64Array> {
    let t = array.data_type();
    if t.is_numeric() {
        return Ok(cast(array, &DataType::Float64)?.as_primitive().clone());
    }
    if matches!(t, DataType::Boolean) {
        return Ok(array.as_boolean().iter().map(|v| v.map(|b| if b { 1.0 } else { 0.0 })).collect());
    }
    let s = strings(array)?;
    Ok(s.iter().map(|v| v.and_then(|v| v.trim().parse::<f64>().ok())).collect())
}

/// `f` applied to the Hive text of each value; NULL stays NULL, and so does
/// a value for which `f` gives None.
pub fn map_strings<S: AsRef<str>>(array: &ArrayRef, f: impl Fn(&str) -> Option<S>) -> Result<ArrayRef> {
    let s = strings(array)?;
    Ok(Arc::new(s.iter().map(|v| v.and_then(&f)).collect::<StringArray>()))
}

/// Java regular expressions compiled for Rust's `regex`, each pattern once
/// per batch. A pattern Rust cannot compile (look-around, back references)
/// gives None, and the function NULL.
#[derive(Default)]
pub struct Regexes(std::collections::HashMap<String, Option<regex::Regex>>);

impl Regexes {
    /// The compiled `pattern`, None when it does not compile.
    pub fn get(&mut self, pattern: &str) -> Option<&regex::Regex> {
        if !self.0.contains_key(pattern) {
            self.0.insert(pattern.to_string(), regex::Regex::new(&java_regex(pattern)).ok());
        }
        self.0.get(pattern).and_then(Option::as_ref)
    }
}

/// A Java pattern in Rust's syntax: Java's POSIX classes (`\p{Alpha}`,
/// `\p{Digit}`, ...) become the ASCII classes they stand for; the rest of
/// the syntax the two share.
pub fn java_regex(pattern: &str) -> std::borrow::Cow<'_, str> {
    const CLASSES: &[(&str, &str)] = &[
        ("\\p{Lower}", "[a-z]"),
        ("\\p{Upper}", "[A-Z]"),
        ("\\p{ASCII}", "[\\x00-\\x7F]"),
        ("\\p{Alpha}", "[a-zA-Z]"),
        ("\\p{Digit}", "[0-9]"),
        ("\\p{Alnum}", "[a-zA-Z0-9]"),
        ("\\p{Punct}", "[!-/:-@\\[-`{-~]"),
        ("\\p{Graph}", "[!-~]"),
        ("\\p{Print}", "[ -~]"),
        ("\\p{Blank}", "[ \\t]"),
        ("\\p{Cntrl}", "[\\x00-\\x1F\\x7F]"),
        ("\\p{XDigit}", "[0-9a-fA-F]"),
        ("\\p{Space}", "\\s"),
    ];
    if !pattern.contains("\\p{") {
        return pattern.into();
    }
    let mut out = pattern.to_string();
    for (java, rust) in CLASSES {
        out = out.replace(java, rust);
    }
    out.into()
}

/// Java's `String.split(regex, limit)` for limit -1 (keep trailing empty
/// strings) or 0 (drop them): a zero-width match at the start makes no
/// leading empty string.
pub fn java_split<'a>(s: &'a str, re: &regex::Regex, keep_trailing: bool) -> Vec<&'a str> {
    if s.is_empty() {
        return vec![""];
    }
    let mut parts = Vec::new();
    let mut last = 0;
    for m in re.find_iter(s) {
        if m.end() == 0 {
            continue;
        }
        parts.push(&s[last..m.start()]);
        last = m.end();
    }
    parts.push(&s[last..]);
    if !keep_trailing {
        while parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
        if parts == [""] && !s.is_empty() {
            parts.clear();
        }
    }
    parts
}

/// The longest string a function builds (16 MiB): longer results (`repeat('x',
/// 2147483647)`) are NULL rather than exhausting memory.
pub const MAX_RESULT_BYTES: usize = 16 << 20;

/// The most bytes the functions that make strings longer than their
/// arguments (`repeat`, `space`, `lpad`, `rpad`) build for one batch of rows
/// (64 MiB). Their output is not accounted in the query's memory pool, so it
/// is capped: past it the query fails with an error naming the function.
pub const MAX_BATCH_RESULT_BYTES: usize = 64 << 20;

/// What a growing function may still build for the current batch.
pub struct ResultBudget {
    function: &'static str,
    left: usize,
}

impl ResultBudget {
    pub fn new(function: &'static str) -> Self {
        Self { function, left: MAX_BATCH_RESULT_BYTES }
    }
    /// Accounts for a value of `bytes` about to be built.
    pub fn take(&mut self, bytes: usize) -> Result<()> {
        match self.left.checked_sub(bytes) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => datafusion::common::exec_err!(
                "{}: the results for one batch of rows would exceed {} MiB (each value may have up to {} MiB)",
                self.function,
                MAX_BATCH_RESULT_BYTES >> 20,
                MAX_RESULT_BYTES >> 20
            ),
        }
    }
}

/// Row `i` of a string array, None when NULL.
pub fn at(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

/// Row `i` of an integer array, None when NULL.
pub fn int_at(a: &Int64Array, i: usize) -> Option<i64> {
    a.is_valid(i).then(|| a.value(i))
}

/// The first `n` characters of `s` (all of it when shorter).
pub fn take_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{BooleanArray, Float32Array, Int32Array};

    #[test]
    fn implicit_strings_follow_hive() {
        let a: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), None]));
        let s = strings(&a).unwrap();
        assert_eq!(s.value(0), "TRUE");
        assert!(s.is_null(1));
        let f: ArrayRef = Arc::new(Float32Array::from(vec![1.25]));
        assert_eq!(strings(&f).unwrap().value(0), "1.25");
        let d: ArrayRef = Arc::new(Float64Array::from(vec![16.0]));
        assert_eq!(strings(&d).unwrap().value(0), "16.0");
        let i: ArrayRef = Arc::new(Int32Array::from(vec![123]));
        assert_eq!(strings(&i).unwrap().value(0), "123");
    }

    #[test]
    fn java_posix_classes() {
        let mut r = Regexes::default();
        let re = r.get("\\p{Alpha}+\\p{Digit}").unwrap();
        assert_eq!(re.find("--ab1").unwrap().as_str(), "ab1");
        assert!(r.get("[\\p{Punct}]").unwrap().is_match("!"));
    }

    #[test]
    fn implicit_ints_parse_strings_or_null() {
        let a: ArrayRef = Arc::new(StringArray::from(vec!["2", " 3 ", "1.5", "invalid number"]));
        let i = ints(&a).unwrap();
        assert_eq!(i.iter().collect::<Vec<_>>(), vec![Some(2), Some(3), Some(1), None]);
    }
}
