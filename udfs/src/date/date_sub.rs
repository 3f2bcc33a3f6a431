//! `date_sub(start, days)`: the date `days` days before `start`.

use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use chrono::Duration;
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::input::{date_result, dates, integers};
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "date_sub(start_date, num_days)",
        "the date num_days days before start_date (a date, timestamp or string)",
        "> SELECT date_sub('2009-07-30', 1);\n2009-07-29",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("date_sub", &[2], DataType::Date32, &DOC, date_sub).into_udf()
}

fn date_sub(args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    let starts = dates(&args[0], tz)?;
    let days = integers(&args[1])?;
    Ok(date_result(starts.iter().zip(&days).map(|(s, d)| s.as_ref()?.checked_add_signed(Duration::try_days(-(*d)?)?))))
}

#[cfg(test)]
mod tests {
    use datafusion::common::ScalarValue;

    use super::*;
    use crate::date::udf::{run, s};

    #[test]
    fn shifts() {
        assert_eq!(run(date_sub, &[s("2009-07-30 10:00:00"), ScalarValue::Int64(Some(1))], "UTC"), ["2009-07-29"]);
        assert_eq!(run(date_sub, &[s("1900-01-01"), ScalarValue::Int8(Some(10))], "UTC"), ["1899-12-22"]);
        assert_eq!(run(date_sub, &[s("1900-01-01"), s("x")], "UTC"), ["NULL"]);
    }
}
