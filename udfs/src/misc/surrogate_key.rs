//! `surrogate_key([write_id_bits, task_id_bits])`: a BIGINT that is unique
//! for every row this process generates, for use as a key column in writes.
//! As in Hive, the 64 bits are split into a write id (the top
//! `write_id_bits`, default 24), a task id (the next `task_id_bits`, default
//! 16) and a row number (the rest). ENMA has no transaction write ids: the
//! write id is taken from the process's start time, the task id from the
//! process id, and the row number from a counter shared by all queries of
//! the process; a counter that would overflow its bits is an error rather
//! than a repeated key.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use arrow::array::Int64Array;
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    crate::doc::hive_doc(
        "surrogate_key([write_id_bits, task_id_bits])",
        "Returns a unique BIGINT for each row: a write id in the top write_id_bits (default 24), a task id in the next task_id_bits (default 16), and a row number in the remaining bits",
        "> SELECT surrogate_key() FROM src LIMIT 2;\n 1152921504606846976\n 1152921504606846977",
    )
});

/// Rows numbered so far by this process.
static NEXT_ROW: AtomicU64 = AtomicU64::new(0);

/// A value that differs between runs of the process: its start time in seconds.
static WRITE_ID: LazyLock<u64> = LazyLock::new(|| {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SurrogateKey {
    signature: Signature,
}

impl Default for SurrogateKey {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Volatile) }
    }
}

/// The key of row `row` with `write` and `task` ids, or None when a part does not fit its bits.
pub fn key(write_bits: u32, task_bits: u32, write: u64, task: u64, row: u64) -> Option<i64> {
    let row_bits = 64 - write_bits - task_bits;
    let mask = |bits: u32| if bits == 0 { 0 } else { u64::MAX >> (64 - bits) };
    if row > mask(row_bits) {
        return None;
    }
    let w = (write & mask(write_bits)) << (row_bits + task_bits);
    let t = (task & mask(task_bits)) << row_bits;
    Some((w | t | row) as i64)
}

fn bits(arg: Option<&ColumnarValue>, default: u32, what: &str) -> Result<u32> {
    match arg {
        None => Ok(default),
        Some(ColumnarValue::Scalar(v)) => match v.cast_to(&DataType::Int64)? {
            ScalarValue::Int64(Some(n)) if (1..=62).contains(&n) => Ok(n as u32),
            other => exec_err!("surrogate_key: {what} must be a constant from 1 to 62, got {other}"),
        },
        Some(_) => exec_err!("surrogate_key: {what} must be a constant"),
    }
}

impl ScalarUDFImpl for SurrogateKey {
    fn name(&self) -> &str {
        "surrogate_key"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types.len() {
            0 | 2 => Ok(arg_types.to_vec()),
            n => exec_err!("surrogate_key takes no arguments or two (write_id_bits, task_id_bits), got {n}"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let write_bits = bits(args.args.first(), 24, "write_id_bits")?;
        let task_bits = bits(args.args.get(1), 16, "task_id_bits")?;
        if write_bits + task_bits > 62 {
            return exec_err!("surrogate_key: write_id_bits + task_id_bits must leave bits for the row number");
        }
        let n = args.number_rows as u64;
        let first = NEXT_ROW.fetch_add(n, Ordering::Relaxed);
        let task = std::process::id() as u64;
        let keys = (first..first + n)
            .map(|row| key(write_bits, task_bits, *WRITE_ID, task, row))
            .collect::<Option<Vec<i64>>>();
        match keys {
            Some(keys) => Ok(ColumnarValue::Array(Arc::new(Int64Array::from(keys)))),
            None => exec_err!("surrogate_key: the row number no longer fits in {} bits", 64 - write_bits - task_bits),
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_take_their_bits() {
        assert_eq!(key(24, 16, 1, 0, 0), Some(1 << 40));
        assert_eq!(key(24, 16, 1, 1, 5), Some((1 << 40) | (1 << 24) | 5));
        assert_eq!(key(24, 16, 0, 0, 1 << 24), None);
        // Ids wider than their bits are cut to them.
        assert_eq!(key(1, 1, 3, 3, 0), Some((1u64 << 63 | 1u64 << 62) as i64));
    }
}
