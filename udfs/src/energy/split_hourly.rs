//! `split_hourly(start, end, kwh)`: a table function that spreads an
//! interval reading (a meter read at `start` and again at `end`) over the
//! clock hours it covers, in proportion to the time in each hour, so that
//! readings of any interval can be summed by hour. It gives one row per hour
//! touched: `hour` (the hour's start) and `kwh`. A row with a NULL, or with
//! `end` not after `start`, gives no rows.
//!
//! ```sql
//! SELECT meter, h.hour, h.kwh FROM reads
//! LATERAL VIEW split_hourly(read_start, read_end, kwh) h AS hour, kwh
//! ```

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, Float64Builder, TimestampMicrosecondBuilder, UInt32Builder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type, TimeUnit, TimestampMicrosecondType};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::Documentation;

use crate::doc::hive_doc;
use crate::generator::{Generated, Generator, GeneratorArg};

const HOUR_MICROS: i64 = 3_600_000_000;
const MICROS: DataType = DataType::Timestamp(TimeUnit::Microsecond, None);

#[derive(Debug, Default)]
pub struct SplitHourly;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "split_hourly(start, end, kwh)",
        "spreads the energy of a reading over the clock hours from start to end, in proportion to the time in each hour: one row (hour, kwh) per hour",
        "> SELECT split_hourly('2024-01-01 10:30:00', '2024-01-01 12:00:00', 3.0);\n2024-01-01 10:00:00\t1.0\n2024-01-01 11:00:00\t2.0",
    )
});

/// `(hour start, share of kwh)` of an interval, both ends in microseconds.
pub fn split(start: i64, end: i64, kwh: f64) -> Vec<(i64, f64)> {
    if end <= start {
        return vec![];
    }
    let total = (end - start) as f64;
    let mut out = Vec::new();
    let mut hour = start.div_euclid(HOUR_MICROS) * HOUR_MICROS;
    while hour < end {
        let from = start.max(hour);
        let to = end.min(hour + HOUR_MICROS);
        out.push((hour, kwh * (to - from) as f64 / total));
        hour += HOUR_MICROS;
    }
    out
}

impl Generator for SplitHourly {
    fn name(&self) -> &str {
        "split_hourly"
    }

    fn output_fields(&self, args: &[GeneratorArg]) -> Result<Vec<Field>> {
        if args.len() != 3 {
            return exec_err!("split_hourly takes 3 arguments (start, end, kwh), got {}", args.len());
        }
        Ok(vec![Field::new("hour", MICROS, true), Field::new("kwh", DataType::Float64, true)])
    }

    fn generate(&self, args: &[ArrayRef], num_rows: usize) -> Result<Generated> {
        let start = cast(&args[0], &MICROS)?;
        let end = cast(&args[1], &MICROS)?;
        let kwh = cast(&args[2], &DataType::Float64)?;
        let (start, end) =
            (start.as_primitive::<TimestampMicrosecondType>(), end.as_primitive::<TimestampMicrosecondType>());
        let kwh = kwh.as_primitive::<Float64Type>();
        let mut hours = TimestampMicrosecondBuilder::new();
        let mut shares = Float64Builder::new();
        let mut rows = UInt32Builder::new();
        for i in 0..num_rows {
            if start.is_null(i) || end.is_null(i) || kwh.is_null(i) {
                continue;
            }
            for (hour, share) in split(start.value(i), end.value(i), kwh.value(i)) {
                hours.append_value(hour);
                shares.append_value(share);
                rows.append_value(i as u32);
            }
        }
        Ok(Generated {
            columns: vec![Arc::new(hours.finish()) as ArrayRef, Arc::new(shares.finish())],
            rows: rows.finish(),
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_is_shared_by_time_in_each_hour() {
        let h = HOUR_MICROS;
        assert_eq!(split(10 * h + h / 2, 12 * h, 3.0), vec![(10 * h, 1.0), (11 * h, 2.0)]);
        assert_eq!(split(5 * h, 5 * h, 1.0), vec![]);
        assert_eq!(split(5 * h + 1, 5 * h + 2, 1.0), vec![(5 * h, 1.0)]);
    }

    #[test]
    fn rows_point_back_to_their_input_row() {
        let h = HOUR_MICROS;
        let start: ArrayRef = Arc::new(arrow::array::TimestampMicrosecondArray::from(vec![Some(0), None, Some(h)]));
        let end: ArrayRef =
            Arc::new(arrow::array::TimestampMicrosecondArray::from(vec![Some(2 * h), Some(h), Some(2 * h)]));
        let kwh: ArrayRef = Arc::new(arrow::array::Float64Array::from(vec![2.0, 1.0, 4.0]));
        let g = SplitHourly.generate(&[start, end, kwh], 3).unwrap();
        assert_eq!(g.rows.values().to_vec(), vec![0, 0, 2]);
        assert_eq!(g.columns[1].len(), 3);
    }
}
