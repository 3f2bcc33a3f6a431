//! `date_format(date, pattern)`: a date, timestamp or date string printed
//! with a Java date pattern, in the session zone (its name for `z`).

use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::input::{PatternCache, datetimes, string_result, strings};
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "date_format(date/timestamp/string, fmt)",
        "the date printed with the Java date pattern fmt (letters of SimpleDateFormat); NULL when fmt is not a valid pattern",
        "> SELECT date_format('2015-04-08', 'y');\n2015",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("date_format", &[2], DataType::Utf8, &DOC, date_format).into_udf()
}

fn date_format(args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    let values = datetimes(&args[0], tz)?;
    let patterns = strings(&args[1])?;
    let mut cache = PatternCache::default();
    Ok(string_result(values.iter().zip(&patterns).map(|(t, p)| {
        let pattern = cache.get(p.as_deref()?)?;
        Some(pattern.format_local(t.as_ref()?, tz))
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    fn call(v: &str, p: &str, tz: &str) -> String {
        run(date_format, &[s(v), s(p)], tz).remove(0)
    }

    #[test]
    fn formats() {
        assert_eq!(call("2015-04-08", "E G y Y MMM w W D d", "Africa/Johannesburg"), "Wed AD 2015 2015 Apr 15 2 98 8");
        assert_eq!(call("2015-04-08 21:30:45", "hh a", "Europe/Berlin"), "09 PM");
        assert_eq!(call("2015-04-08 10:30:45.123", "S", "UTC"), "1");
        assert_eq!(
            call("2015-04-08 10:30:45", "yyyy-MM-dd HH:mm:ss.SSS z", "Asia/Bangkok"),
            "2015-04-08 10:30:45.000 ICT"
        );
        assert_eq!(call("1400-01-14 01:00:00", "yyyy-MM-dd HH:mm:ss z", "Asia/Bangkok"), "1400-01-14 01:00:00 ICT");
        assert_eq!(call("2015-04-08", "", "UTC"), "");
        assert_eq!(call("2015-04-08", "B", "UTC"), "NULL");
        assert_eq!(call("bad", "yyyy", "UTC"), "NULL");
    }
}
