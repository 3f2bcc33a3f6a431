//! `hash(a1, a2, ...)`: Hive's own hash of the arguments (not murmur3), as
//! `ObjectInspectorUtils.hashCode` computes it and `GenericUDFHash` folds it:
//! `h = 31 * h + hash(arg)`. Integers hash to themselves, bigints and doubles
//! fold their high and low 32 bits, floats to their bits, strings as Java's
//! `String.hashCode` over their UTF-8 bytes (signed), booleans to 1/0, NULL
//! to 0; arrays and structs fold their elements the same way, maps sum
//! `hash(key) ^ hash(value)`.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, Int32Array};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimeUnit, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
    UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;
use crate::hive_text::display_value;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct HiveHash {
    signature: Signature,
}

impl Default for HiveHash {
    fn default() -> Self {
        Self { signature: Signature::variadic_any(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(HiveHash::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("hash(a1, a2, ...)", "a hash value of the arguments, as Hive computes it", "> SELECT hash('abc');\n96354")
});

impl ScalarUDFImpl for HiveHash {
    fn name(&self) -> &str {
        "hash"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { args.number_rows };
        let arrays: Vec<ArrayRef> = args.args.iter().map(|a| a.to_array(rows)).collect::<Result<_>>()?;
        let out: Int32Array = (0..rows)
            .map(|i| Some(arrays.iter().fold(0i32, |h, a| h.wrapping_mul(31).wrapping_add(hash_value(a.as_ref(), i)))))
            .collect();
        let out: ArrayRef = Arc::new(out);
        if all_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(out))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

fn fold_long(v: i64) -> i32 {
    (v ^ ((v as u64) >> 32) as i64) as i32
}

/// Java's `String.hashCode`-style fold over signed bytes, from `init`.
fn hash_bytes(init: i32, bytes: &[u8]) -> i32 {
    bytes.iter().fold(init, |h, &b| h.wrapping_mul(31).wrapping_add(b as i8 as i32))
}

/// Java's `BigDecimal.hashCode` of the value with trailing zeros of the
/// fraction removed, as Hive hashes its (normalized) decimals:
/// `31 * unscaled.hashCode() + scale`, where a `BigInteger` hashes its
/// 32-bit magnitude words, high first, times its sign.
fn decimal_hash(mut unscaled: i128, mut scale: i8) -> i32 {
    while scale > 0 && unscaled != 0 && unscaled % 10 == 0 {
        unscaled /= 10;
        scale -= 1;
    }
    if unscaled == 0 {
        scale = 0;
    }
    let mag = unscaled.unsigned_abs();
    let words = [(mag >> 96) as u32, (mag >> 64) as u32, (mag >> 32) as u32, mag as u32];
    let first = words.iter().position(|&w| w != 0).unwrap_or(words.len());
    let h = words[first..].iter().fold(0i32, |h, &w| h.wrapping_mul(31).wrapping_add(w as i32));
    let h = h.wrapping_mul(unscaled.signum() as i32);
    h.wrapping_mul(31).wrapping_add(scale as i32)
}

/// Hive's hash of one value.
pub fn hash_value(a: &dyn Array, i: usize) -> i32 {
    if a.is_null(i) {
        return 0;
    }
    match a.data_type() {
        DataType::Boolean => a.as_boolean().value(i) as i32,
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i) as i32,
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i) as i32,
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i),
        DataType::Int64 => fold_long(a.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => a.as_primitive::<UInt8Type>().value(i) as i32,
        DataType::UInt16 => a.as_primitive::<UInt16Type>().value(i) as i32,
        DataType::UInt32 => fold_long(a.as_primitive::<UInt32Type>().value(i) as i64),
        DataType::UInt64 => fold_long(a.as_primitive::<UInt64Type>().value(i) as i64),
        DataType::Float32 => {
            let v = a.as_primitive::<Float32Type>().value(i);
            if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() as i32 }
        }
        DataType::Float64 => {
            let v = a.as_primitive::<Float64Type>().value(i);
            fold_long(if v.is_nan() { 0x7ff8_0000_0000_0000 } else { v.to_bits() as i64 })
        }
        DataType::Utf8 => hash_bytes(0, a.as_string::<i32>().value(i).as_bytes()),
        DataType::LargeUtf8 => hash_bytes(0, a.as_string::<i64>().value(i).as_bytes()),
        DataType::Utf8View => hash_bytes(0, a.as_string_view().value(i).as_bytes()),
        // BytesWritable hashes from 1.
        DataType::Binary => hash_bytes(1, a.as_binary::<i32>().value(i)),
        DataType::LargeBinary => hash_bytes(1, a.as_binary::<i64>().value(i)),
        DataType::BinaryView => hash_bytes(1, a.as_binary_view().value(i)),
        DataType::Date32 => a.as_primitive::<Date32Type>().value(i),
        DataType::Timestamp(unit, _) => {
            let (per_sec, v) = match unit {
                TimeUnit::Second => (1, a.as_primitive::<TimestampSecondType>().value(i)),
                TimeUnit::Millisecond => (1_000, a.as_primitive::<TimestampMillisecondType>().value(i)),
                TimeUnit::Microsecond => (1_000_000, a.as_primitive::<TimestampMicrosecondType>().value(i)),
                TimeUnit::Nanosecond => (1_000_000_000, a.as_primitive::<TimestampNanosecondType>().value(i)),
            };
            let (secs, frac) = (v.div_euclid(per_sec), v.rem_euclid(per_sec));
            let nanos = frac * (1_000_000_000 / per_sec);
            let bits = (secs << 30) | nanos;
            fold_long(bits)
        }
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let v = l.value(i);
            (0..v.len()).fold(0i32, |h, j| h.wrapping_mul(31).wrapping_add(hash_value(v.as_ref(), j)))
        }
        DataType::LargeList(_) => {
            let l = a.as_list::<i64>();
            let v = l.value(i);
            (0..v.len()).fold(0i32, |h, j| h.wrapping_mul(31).wrapping_add(hash_value(v.as_ref(), j)))
        }
        DataType::Map(..) => {
            let m = a.as_map();
            let e = m.value(i);
            (0..e.len()).fold(0i32, |h, j| {
                h.wrapping_add(hash_value(e.column(0).as_ref(), j) ^ hash_value(e.column(1).as_ref(), j))
            })
        }
        DataType::Struct(_) => {
            let s = a.as_struct();
            s.columns().iter().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(hash_value(c.as_ref(), i)))
        }
        DataType::Decimal128(_, scale) => decimal_hash(a.as_primitive::<Decimal128Type>().value(i), *scale),
        // Other types: the hash of their printed form.
        _ => hash_bytes(0, display_value(a, i).as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{BooleanArray, Float32Array, Float64Array, Int64Array, StringArray};

    use super::*;

    #[test]
    fn as_hive_hashes() {
        assert_eq!(hash_value(&Int64Array::from(vec![123456789012]), 0), -1097262584);
        assert_eq!(hash_value(&Float32Array::from(vec![1.25f32]), 0), 1067450368);
        assert_eq!(hash_value(&Float64Array::from(vec![16.0]), 0), 1076887552);
        assert_eq!(hash_value(&StringArray::from(vec!["400"]), 0), 51508);
        assert_eq!(hash_value(&StringArray::from(vec!["abc"]), 0), 96354);
        assert_eq!(hash_value(&BooleanArray::from(vec![true, false]), 1), 0);
        assert_eq!(hash_value(&StringArray::from(vec![None::<&str>]), 0), 0);
        assert_eq!(decimal_hash(15, 1), 466);
        assert_eq!(decimal_hash(150, 2), 466);
        assert_eq!(decimal_hash(10, 0), 310);
    }
}
