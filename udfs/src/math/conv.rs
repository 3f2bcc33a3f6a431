//! `conv(num, from_base, to_base)`: a number written in one base, written in
//! another, as Hive's `UDFConv` does it: the digits go through an unsigned
//! 64-bit value (overflow gives all ones), reading stops at the first digit
//! that is not valid in `from_base`, and a negative `to_base` prints the
//! value as signed.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, Int32Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int32Type};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Conv {
    signature: Signature,
}

impl Default for Conv {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Conv::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "conv(num, from_base, to_base)",
        "num, read as a number in base from_base, written in base to_base (bases 2 to 36; a negative to_base writes a signed number)",
        "> SELECT conv('100', 2, 10);\n4\n> SELECT conv(-10, 16, -10);\n-16",
    )
});

impl ScalarUDFImpl for Conv {
    fn name(&self) -> &str {
        "conv"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != 3 {
            return plan_err!("conv takes 3 arguments (num, from_base, to_base), got {}", arg_types.len());
        }
        Ok(vec![DataType::Utf8, DataType::Int32, DataType::Int32])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let num = cast(&arrays[0], &DataType::Utf8)?;
        let num = num.as_string::<i32>();
        let from = cast(&arrays[1], &DataType::Int32)?;
        let to = cast(&arrays[2], &DataType::Int32)?;
        let (from, to): (&Int32Array, &Int32Array) = (from.as_primitive::<Int32Type>(), to.as_primitive::<Int32Type>());
        let out: StringArray = (0..num.len())
            .map(|i| {
                if num.is_null(i) || from.is_null(i) || to.is_null(i) {
                    return None;
                }
                conv(num.value(i), from.value(i), to.value(i))
            })
            .collect();
        let out: ArrayRef = Arc::new(out);
        if args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
            return Ok(ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(out))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

/// Java's `Character.digit`, for ASCII digits and letters.
fn digit(c: u8, radix: u32) -> i64 {
    (c as char).to_digit(radix).map_or(-1, i64::from)
}

fn unsigned_div(dividend: i64, divisor: i64) -> i64 {
    ((dividend as u64) / (divisor as u64)) as i64
}

/// Hive's conversion of `num` from base `from` to base `to`; NULL for bases
/// outside 2..=36.
pub fn conv(num: &str, from: i32, to: i32) -> Option<String> {
    if !(2..=36).contains(&from) || !(2..=36).contains(&to.unsigned_abs()) {
        return None;
    }
    let bytes = num.as_bytes();
    if bytes.is_empty() {
        return Some(String::new());
    }
    let mut negative = bytes[0] == b'-';
    let digits = if negative { &bytes[1..] } else { bytes };
    let radix = from as i64;
    // Read digits until one is not valid in the base; stop with all ones on overflow.
    let bound = unsigned_div(-1 - radix, radix);
    let mut val: i64 = 0;
    for &c in digits {
        let d = digit(c, from as u32);
        if d < 0 {
            break;
        }
        if val >= bound && unsigned_div(-1 - d, radix) < val {
            val = -1;
            break;
        }
        val = val.wrapping_mul(radix).wrapping_add(d);
    }
    if negative && to > 0 {
        val = if val < 0 { -1 } else { -val };
    }
    if to < 0 && val < 0 {
        val = val.wrapping_neg();
        negative = true;
    }
    let out_radix = to.unsigned_abs() as u64;
    let mut out = Vec::new();
    let mut v = val as u64;
    loop {
        let d = (v % out_radix) as u32;
        out.push(std::char::from_digit(d, out_radix as u32).unwrap_or('0').to_ascii_uppercase());
        v /= out_radix;
        if v == 0 {
            break;
        }
    }
    if negative && to < 0 {
        out.push('-');
    }
    Some(out.iter().rev().collect())
}

#[cfg(test)]
mod tests {
    use super::conv;

    fn c(n: &str, f: i32, t: i32) -> Option<String> {
        conv(n, f, t)
    }

    #[test]
    fn bases() {
        assert_eq!(c("4521", 10, 36).as_deref(), Some("3HL"));
        assert_eq!(c("110011", 2, 16).as_deref(), Some("33"));
        assert_eq!(c("facebook", 36, 16).as_deref(), Some("116ED2B2FB4"));
        assert_eq!(c("123455", 3, 10).as_deref(), Some("5"));
        assert_eq!(c("131", 1, 5), None);
        assert_eq!(c("515", 5, 100), None);
        assert_eq!(c("10", -2, 2), None);
        assert_eq!(c("", 16, 10).as_deref(), Some(""));
    }

    #[test]
    fn signs_and_overflow() {
        assert_eq!(c("-641", 10, -10).as_deref(), Some("-641"));
        assert_eq!(c("1011", 2, -16).as_deref(), Some("B"));
        assert_eq!(c("-1", 10, 16).as_deref(), Some("FFFFFFFFFFFFFFFF"));
        assert_eq!(c("-15", 10, 16).as_deref(), Some("FFFFFFFFFFFFFFF1"));
        assert_eq!(c("9223372036854775807", 36, 16).as_deref(), Some("FFFFFFFFFFFFFFFF"));
        assert_eq!(c("9223372036854775807", 36, -16).as_deref(), Some("-1"));
        assert_eq!(c("-9223372036854775807", 36, 16).as_deref(), Some("FFFFFFFFFFFFFFFF"));
        assert_eq!(c("-9223372036854775807", 36, -16).as_deref(), Some("-1"));
    }
}
