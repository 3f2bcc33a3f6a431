//! `round(x[, d])`: x rounded to d decimal places (0 by default), halves away
//! from zero, as Hive's `GenericUDFRound` does. A negative d rounds to tens,
//! hundreds, ... Integers stay integers, doubles stay doubles (rounded as the
//! decimal Java prints for them), and a decimal becomes a decimal of scale
//! `max(d, 0)`, so `round(125.315, 4)` is `125.3150`. `bround` shares this
//! kernel with halves to even.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, Decimal128Array, Float32Array, Float64Array, PrimitiveArray};
use arrow::compute::cast;
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Decimal128Type, Field, FieldRef, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type,
};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::common::numeric::{is_decimal, is_integer};
use crate::doc::hive_doc;

/// How a value exactly halfway between two results rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Halves {
    /// Away from zero (`round`).
    Up,
    /// To the even neighbour (`bround`).
    Even,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Round {
    signature: Signature,
    name: &'static str,
    halves: Halves,
}

impl Round {
    pub fn new(name: &'static str, halves: Halves) -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable), name, halves }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Round::new("round", Halves::Up)))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "round(x[, d])",
        "x rounded to d decimal places (default 0), halves away from zero; a negative d rounds to the left of the point",
        "> SELECT round(12.345, 2);\n12.35\n> SELECT round(1234, -2);\n1200",
    )
});

static BROUND_DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "bround(x[, d])",
        "x rounded to d decimal places (default 0), halves to the even neighbour (banker's rounding)",
        "> SELECT bround(2.5);\n2\n> SELECT bround(1.35, 1);\n1.4",
    )
});

/// The decimal type of rounding `decimal(p, s)` to `d` places (Hive's rule).
fn rounded_decimal(p: u8, s: i8, d: i64) -> DataType {
    let int_digits = p as i64 - s as i64;
    let int_digits = if d < s as i64 { int_digits + 1 } else { int_digits };
    let scale = d.clamp(0, 38);
    let precision = (int_digits + scale).clamp(1, 38);
    DataType::Decimal128(precision as u8, scale.min(precision) as i8)
}

impl ScalarUDFImpl for Round {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let value = match arg_types.first() {
            Some(t) if is_integer(t) => match t {
                DataType::UInt8 => DataType::Int16,
                DataType::UInt16 => DataType::Int32,
                DataType::UInt32 | DataType::UInt64 => DataType::Int64,
                t => t.clone(),
            },
            Some(DataType::Float32) => DataType::Float32,
            Some(DataType::Decimal128(p, s)) => DataType::Decimal128(*p, *s),
            Some(t) if is_decimal(t) => DataType::Decimal128(38, 10),
            Some(_) => DataType::Float64,
            None => return plan_err!("{} takes 1 or 2 arguments, got none", self.name),
        };
        match arg_types.len() {
            1 => Ok(vec![value]),
            2 => Ok(vec![value, DataType::Int32]),
            n => plan_err!("{} takes 1 or 2 arguments, got {n}", self.name),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match &arg_types[0] {
            DataType::Decimal128(p, s) => Ok(rounded_decimal(*p, *s, 0)),
            t => Ok(t.clone()),
        }
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let t = match args.arg_fields[0].data_type() {
            DataType::Decimal128(p, s) => {
                let d = match args.scalar_arguments.get(1) {
                    None => Some(0),
                    Some(Some(ScalarValue::Int32(d))) => d.map(i64::from),
                    // A scale that changes by row keeps the input's scale.
                    _ => Some(*s as i64),
                };
                rounded_decimal(*p, *s, d.unwrap_or(*s as i64))
            }
            t => t.clone(),
        };
        Ok(Arc::new(Field::new(self.name, t, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let places = match arrays.get(1) {
            Some(d) => cast(d, &DataType::Int32)?,
            None => Arc::new(arrow::array::Int32Array::from(vec![0; arrays[0].len()])) as ArrayRef,
        };
        let out =
            round_array(&arrays[0], places.as_primitive::<Int32Type>(), args.return_field.data_type(), self.halves)?;
        if all_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(out))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(if self.halves == Halves::Up { &DOC } else { &BROUND_DOC })
    }
}

/// Rounds each value of `values` to the places of the same row; the result
/// has type `out` (the input's type, or for decimals the rounded decimal).
pub fn round_array(
    values: &ArrayRef,
    places: &PrimitiveArray<Int32Type>,
    out: &DataType,
    halves: Halves,
) -> Result<ArrayRef> {
    fn ints<T: ArrowPrimitiveType>(v: &ArrayRef, places: &PrimitiveArray<Int32Type>, halves: Halves) -> Result<ArrayRef>
    where
        T::Native: Into<i64> + TryFrom<i64>,
    {
        let v = v.as_primitive::<T>();
        let out: PrimitiveArray<T> = (0..v.len())
            .map(|i| {
                if v.is_null(i) || places.is_null(i) {
                    return None;
                }
                let r = round_int(v.value(i).into(), places.value(i), halves);
                T::Native::try_from(r).ok()
            })
            .collect();
        Ok(Arc::new(out))
    }
    Ok(match values.data_type() {
        DataType::Int8 => ints::<Int8Type>(values, places, halves)?,
        DataType::Int16 => ints::<Int16Type>(values, places, halves)?,
        DataType::Int32 => ints::<Int32Type>(values, places, halves)?,
        DataType::Int64 => ints::<Int64Type>(values, places, halves)?,
        DataType::Float64 => {
            let v = values.as_primitive::<Float64Type>();
            let out: Float64Array = (0..v.len())
                .map(|i| (!v.is_null(i) && !places.is_null(i)).then(|| round_f64(v.value(i), places.value(i), halves)))
                .collect();
            Arc::new(out)
        }
        DataType::Float32 => {
            let v = values.as_primitive::<Float32Type>();
            let out: Float32Array = (0..v.len())
                .map(|i| {
                    (!v.is_null(i) && !places.is_null(i))
                        .then(|| round_f64(v.value(i) as f64, places.value(i), halves) as f32)
                })
                .collect();
            Arc::new(out)
        }
        DataType::Decimal128(_, s) => {
            let DataType::Decimal128(p_out, s_out) = out else {
                return exec_err!("round of a decimal must give a decimal, not {out}");
            };
            let v = values.as_primitive::<Decimal128Type>();
            let out: Decimal128Array = (0..v.len())
                .map(|i| {
                    if v.is_null(i) || places.is_null(i) {
                        return None;
                    }
                    round_decimal(v.value(i), *s, places.value(i), *s_out, halves)
                        .filter(|r| r.unsigned_abs() < 10u128.pow(*p_out as u32))
                })
                .collect();
            Arc::new(out.with_precision_and_scale(*p_out, *s_out)?)
        }
        DataType::Null => values.clone(),
        t => return exec_err!("round cannot round values of type {t}"),
    })
}

/// `v / p` rounded to an integer by `halves`.
fn div_round(v: i128, p: i128, halves: Halves) -> i128 {
    let (q, r) = (v / p, v % p);
    let twice = 2 * r.abs();
    let away = twice > p || (twice == p && (halves == Halves::Up || q % 2 != 0));
    if away { q + v.signum() } else { q }
}

/// An integer rounded to `d` places (only a negative `d` changes it).
pub fn round_int(v: i64, d: i32, halves: Halves) -> i64 {
    if d >= 0 {
        return v;
    }
    if d < -19 {
        return 0;
    }
    let p = 10i128.pow((-d) as u32);
    (div_round(v as i128, p, halves) * p) as i64
}

/// A decimal's unscaled value at scale `s`, rounded to `d` places and given
/// at scale `s_out`; None when it does not fit.
pub fn round_decimal(v: i128, s: i8, d: i32, s_out: i8, halves: Halves) -> Option<i128> {
    let d = d as i64;
    let s = s as i64;
    let rounded_at_d = if d >= s {
        return v.checked_mul(10i128.checked_pow((s_out as i64 - s).max(0) as u32)?);
    } else if s - d > 38 {
        0
    } else {
        div_round(v, 10i128.pow((s - d) as u32), halves)
    };
    // `rounded_at_d` counts units of 10^-d; bring it to scale s_out.
    let shift = s_out as i64 - d;
    if shift >= 0 {
        rounded_at_d.checked_mul(10i128.checked_pow(shift as u32)?)
    } else {
        Some(rounded_at_d / 10i128.pow((-shift) as u32))
    }
}

/// A double rounded to `d` places as Java's `BigDecimal.valueOf(v).setScale(d)`:
/// the shortest decimal that reads back as `v`, rounded, read back as a double.
pub fn round_f64(v: f64, d: i32, halves: Halves) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    // Digit i has place value 10^(exp - i); keep those at or above 10^-d.
    let keep = exp + d as i64 + 1;
    if keep >= digits.len() as i64 {
        return v;
    }
    let mut kept: u128 = 0;
    for &dg in &digits[..keep.max(0) as usize] {
        kept = kept * 10 + dg as u128;
    }
    let next = if keep >= 0 { digits[keep as usize] } else { 0 };
    let rest_nonzero = keep >= 0 && digits[keep as usize + 1..].iter().any(|&x| x != 0);
    let up = match halves {
        Halves::Up => next >= 5,
        Halves::Even => next > 5 || (next == 5 && (rest_nonzero || kept % 2 == 1)),
    };
    if keep < 0 {
        return 0.0;
    }
    if up {
        kept += 1;
    }
    let r: f64 = format!("{kept}e{}", exp - keep + 1).parse().unwrap_or(v.abs());
    if v < 0.0 && r != 0.0 { -r } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_round_their_printed_digits() {
        assert_eq!(round_f64(2.5, 0, Halves::Up), 3.0);
        assert_eq!(round_f64(-2.5, 0, Halves::Up), -3.0);
        assert_eq!(round_f64(2.5, 0, Halves::Even), 2.0);
        assert_eq!(round_f64(1.005, 2, Halves::Up), 1.01);
        assert_eq!(round_f64(1809242.3151111344, 9, Halves::Up), 1809242.315111134);
        assert_eq!(round_f64(3.25, -1, Halves::Up), 0.0);
        assert_eq!(round_f64(5.5, -1, Halves::Up), 10.0);
        assert!(round_f64(f64::NAN, 0, Halves::Up).is_nan());
    }

    #[test]
    fn integers_round_left_of_the_point() {
        assert_eq!(round_int(55555, -1, Halves::Up), 55560);
        assert_eq!(round_int(55555, -5, Halves::Up), 100000);
        assert_eq!(round_int(55555, -6, Halves::Up), 0);
        assert_eq!(round_int(45, -1, Halves::Even), 40);
        assert_eq!(round_int(-55, -1, Halves::Even), -60);
    }

    #[test]
    fn decimals_take_the_new_scale() {
        // 125.315 at scale 3
        assert_eq!(round_decimal(125315, 3, 4, 4, Halves::Up), Some(1253150));
        assert_eq!(round_decimal(125315, 3, 2, 2, Halves::Up), Some(12532));
        assert_eq!(round_decimal(125315, 3, -1, 0, Halves::Up), Some(130));
        assert_eq!(round_decimal(-125315, 3, 0, 0, Halves::Up), Some(-125));
        assert_eq!(round_decimal(125, 2, 1, 1, Halves::Even), Some(12));
        assert_eq!(round_decimal(135, 2, 1, 1, Halves::Even), Some(14));
        assert_eq!(rounded_decimal(6, 3, 4), DataType::Decimal128(7, 4));
    }
}
