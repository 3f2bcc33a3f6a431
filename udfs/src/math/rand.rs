//! `rand([seed])`: a pseudo-random double in [0, 1) for each row. With a
//! seed the sequence is Java's `java.util.Random(seed).nextDouble()`, as
//! Hive's `UDFRand` draws it, so seeded results repeat Hive's.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, Float64Array};
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Rand {
    signature: Signature,
}

impl Default for Rand {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Volatile) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Rand::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "rand([seed])",
        "a pseudo-random number in [0, 1) for each row; with a seed, the same sequence every time",
        "> SELECT rand(0);\n0.730967787376657",
    )
});

/// Java's `java.util.Random` linear congruential generator.
pub struct JavaRandom(u64);

impl JavaRandom {
    const MULT: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    pub fn new(seed: i64) -> Self {
        Self((seed as u64 ^ Self::MULT) & Self::MASK)
    }

    fn next(&mut self, bits: u32) -> u64 {
        self.0 = (self.0.wrapping_mul(Self::MULT).wrapping_add(0xB)) & Self::MASK;
        self.0 >> (48 - bits)
    }

    pub fn next_double(&mut self) -> f64 {
        ((self.next(26) << 27) + self.next(27)) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

impl ScalarUDFImpl for Rand {
    fn name(&self) -> &str {
        "rand"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [] => Ok(vec![]),
            [_] => Ok(vec![DataType::Int64]),
            _ => plan_err!("rand takes at most one argument (a seed), got {}", arg_types.len()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let seed = match args.args.first() {
            Some(ColumnarValue::Scalar(s)) => match s {
                ScalarValue::Int64(v) => v.unwrap_or(0),
                _ => 0,
            },
            Some(ColumnarValue::Array(_)) => return plan_err!("rand takes a constant seed"),
            None => {
                let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                t.as_nanos() as i64
            }
        };
        let mut r = JavaRandom::new(seed);
        let out: Float64Array = (0..args.number_rows).map(|_| Some(r.next_double())).collect();
        Ok(ColumnarValue::Array(Arc::new(out) as ArrayRef))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::JavaRandom;

    #[test]
    fn repeats_java() {
        // new java.util.Random(0).nextDouble() twice
        let mut r = JavaRandom::new(0);
        assert_eq!(r.next_double(), 0.730967787376657);
        assert_eq!(r.next_double(), 0.24053641567148587);
    }
}
