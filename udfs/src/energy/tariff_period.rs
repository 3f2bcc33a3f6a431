//! `tariff_period(ts)`: the time-of-use tariff period a reading falls in,
//! from its wall-clock time: `peak` on weekdays 17:00-21:00, `shoulder` on
//! weekdays 07:00-17:00 and 21:00-23:00, `offpeak` at night and at weekends.
//! Timestamps are Hive's local date-times, so the wall clock is the value
//! itself; strings in Hive's timestamp form are accepted too.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, AsArray, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use chrono::{DateTime, Datelike, Timelike, Weekday};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

/// A time-of-use period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Peak,
    Shoulder,
    OffPeak,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Peak => "peak",
            Period::Shoulder => "shoulder",
            Period::OffPeak => "offpeak",
        }
    }
}

/// The period of a wall-clock time.
pub fn period_of(weekday: Weekday, hour: u32) -> Period {
    if matches!(weekday, Weekday::Sat | Weekday::Sun) {
        return Period::OffPeak;
    }
    match hour {
        17..=20 => Period::Peak,
        7..=16 | 21..=22 => Period::Shoulder,
        _ => Period::OffPeak,
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TariffPeriod {
    signature: Signature,
}

impl Default for TariffPeriod {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "tariff_period(ts)",
        "the time-of-use period of a timestamp: 'peak' on weekdays from 17:00 to 21:00, 'shoulder' on weekdays from 07:00 to 17:00 and from 21:00 to 23:00, 'offpeak' otherwise",
        "> SELECT tariff_period('2024-01-15 18:30:00');\npeak",
    )
});

const MICROS: DataType = DataType::Timestamp(TimeUnit::Microsecond, None);

impl ScalarUDFImpl for TariffPeriod {
    fn name(&self) -> &str {
        "tariff_period"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            // Strings convert inside, so that one not in timestamp form is NULL.
            [t @ (DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)] => Ok(vec![t.clone()]),
            [DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 | DataType::Null] => Ok(vec![MICROS]),
            _ => exec_err!("tariff_period takes one TIMESTAMP (or a string in timestamp form), got {arg_types:?}"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let ts = cast(&arrays[0], &MICROS)?;
        let ts = ts.as_primitive::<TimestampMicrosecondType>();
        let out: StringArray = (0..ts.len())
            .map(|i| {
                if ts.is_null(i) {
                    return None;
                }
                let t = DateTime::from_timestamp_micros(ts.value(i))?.naive_utc();
                Some(period_of(t.weekday(), t.hour()).as_str())
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_evenings_are_peak_and_weekends_offpeak() {
        assert_eq!(period_of(Weekday::Mon, 18), Period::Peak);
        assert_eq!(period_of(Weekday::Fri, 20), Period::Peak);
        assert_eq!(period_of(Weekday::Wed, 7), Period::Shoulder);
        assert_eq!(period_of(Weekday::Wed, 22), Period::Shoulder);
        assert_eq!(period_of(Weekday::Wed, 23), Period::OffPeak);
        assert_eq!(period_of(Weekday::Tue, 3), Period::OffPeak);
        assert_eq!(period_of(Weekday::Sat, 18), Period::OffPeak);
    }
}
