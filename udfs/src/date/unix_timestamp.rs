//! `unix_timestamp([date[, pattern]])`: seconds since 1970-01-01 00:00:00
//! UTC of a time read in the session zone; without arguments, of now.
//! `to_unix_timestamp` is the same with an argument required.

use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::from_unixtime::DEFAULT_PATTERN;
use super::input::{PatternCache, bigint_result, datetimes, strings};
use super::udf::DateUdf;
use crate::common::java_date::from_local;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "unix_timestamp([date[, pattern]])",
        "the seconds since 1970-01-01 00:00:00 UTC of a date, timestamp or string read with the Java date pattern (default yyyy-MM-dd HH:mm:ss) in the session zone; of now without arguments; NULL when the string does not match",
        "> SELECT unix_timestamp('2009-03-20 11:30:01');  -- session zone America/Los_Angeles\n1237573801",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("unix_timestamp", &[0, 1, 2], DataType::Int64, &DOC, unix_timestamp)
        .at_query_start(|now, _| ScalarValue::Int64(Some(now.timestamp())))
        .into_udf()
}

/// The kernel of unix_timestamp and to_unix_timestamp.
pub fn unix_timestamp(args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    let Some(first) = args.first() else {
        return Ok(bigint_result([Some(chrono::Utc::now().timestamp())]));
    };
    let epoch = |t: &NaiveDateTime| from_local(tz, t).map(|t| t.timestamp());
    if !matches!(
        first.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(..)
    ) {
        let values = datetimes(first, tz)?;
        return Ok(bigint_result(values.iter().map(|t| t.as_ref().and_then(epoch))));
    }
    let texts = strings(first)?;
    let patterns = match args.get(1) {
        Some(p) => strings(p)?,
        None => vec![Some(DEFAULT_PATTERN.to_string()); texts.len()],
    };
    let mut cache = PatternCache::default();
    Ok(bigint_result(texts.iter().zip(&patterns).map(|(text, p)| {
        let pattern = cache.get(p.as_deref()?)?;
        Some(pattern.parse_datetime(text.as_deref()?, tz)?.timestamp())
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    const LA: &str = "America/Los_Angeles";

    #[test]
    fn strings_and_patterns() {
        assert_eq!(run(unix_timestamp, &[s("2009-03-20 11:30:01")], LA), ["1237573801"]);
        assert_eq!(run(unix_timestamp, &[s("2009-03-20"), s("yyyy-MM-dd")], LA), ["1237532400"]);
        assert_eq!(
            run(unix_timestamp, &[s("2009 Mar 20 11:30:01 am"), s("yyyy MMM dd h:mm:ss a")], LA),
            ["1237573801"]
        );
        assert_eq!(run(unix_timestamp, &[s("random_string")], LA), ["NULL"]);
        assert_eq!(run(unix_timestamp, &[s("2009-03-20")], LA), ["NULL"]);
    }

    #[test]
    fn dates_and_timestamps() {
        let date = ScalarValue::Date32(Some(14323)); // 2009-03-20
        assert_eq!(run(unix_timestamp, &[date], LA), ["1237532400"]);
        let ts = ScalarValue::TimestampNanosecond(Some(1_237_548_601_000_000_000), None); // 11:30:01 wall clock
        assert_eq!(run(unix_timestamp, &[ts], LA), ["1237573801"]);
    }
}
