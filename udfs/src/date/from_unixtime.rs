//! `from_unixtime(seconds[, pattern])`: seconds since 1970-01-01 00:00:00
//! UTC printed in the session zone, by default as `yyyy-MM-dd HH:mm:ss`.

use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use chrono::DateTime;
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::input::{PatternCache, integers, string_result, strings};
use super::udf::DateUdf;
use crate::doc::hive_doc;

/// Hive's default pattern for from_unixtime and unix_timestamp.
pub const DEFAULT_PATTERN: &str = "yyyy-MM-dd HH:mm:ss";

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "from_unixtime(unix_time[, fmt])",
        "unix_time (seconds since 1970-01-01 00:00:00 UTC) as a time in the session zone, printed with the Java date pattern fmt (default yyyy-MM-dd HH:mm:ss)",
        "> SELECT from_unixtime(0, 'yyyy-MM-dd HH:mm:ss');  -- session zone UTC\n1970-01-01 00:00:00",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("from_unixtime", &[1, 2], DataType::Utf8, &DOC, from_unixtime).into_udf()
}

fn from_unixtime(args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    let seconds = integers(&args[0])?;
    let patterns = match args.get(1) {
        Some(p) => strings(p)?,
        None => vec![Some(DEFAULT_PATTERN.to_string()); seconds.len()],
    };
    let mut cache = PatternCache::default();
    Ok(string_result(seconds.iter().zip(&patterns).map(|(secs, p)| {
        let instant = DateTime::from_timestamp((*secs)?, 0)?.with_timezone(tz);
        Some(cache.get(p.as_deref()?)?.format(&instant))
    })))
}

#[cfg(test)]
mod tests {
    use datafusion::common::ScalarValue;

    use super::*;
    use crate::date::udf::{run, s};

    #[test]
    fn in_session_zone() {
        let secs = ScalarValue::Int64(Some(1237573801));
        assert_eq!(run(from_unixtime, std::slice::from_ref(&secs), "America/Los_Angeles"), ["2009-03-20 11:30:01"]);
        assert_eq!(run(from_unixtime, std::slice::from_ref(&secs), "UTC"), ["2009-03-20 18:30:01"]);
        assert_eq!(run(from_unixtime, &[secs, s("yyyy MMM dd z")], "America/Los_Angeles"), ["2009 Mar 20 PDT"]);
        assert_eq!(run(from_unixtime, &[ScalarValue::Int64(None)], "UTC"), ["NULL"]);
    }
}
