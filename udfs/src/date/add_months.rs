//! `add_months(date, n[, pattern])`: the date `n` months later. The last
//! day of a month stays the last day of a month (2014-02-28 minus one month
//! is 2014-01-31); otherwise the day is kept or cut to the month's end. With a
//! pattern the result (with the time of a timestamp) is printed by it.

use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::input::{PatternCache, date_string, datetimes, integers, string_result, strings};
use super::last_day::end_of_month;
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "add_months(start_date, num_months[, output_date_format])",
        "the date num_months after start_date; a last day of a month gives the last day of the target month; printed with output_date_format (a Java date pattern) when given",
        "> SELECT add_months('2009-08-31', 1);\n2009-09-30",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("add_months", &[2, 3], DataType::Utf8, &DOC, add_months).into_udf()
}

fn add_months(args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    let starts = datetimes(&args[0], tz)?;
    let months = integers(&args[1])?;
    let patterns = match args.get(2) {
        Some(p) => Some(strings(p)?),
        None => None,
    };
    let mut cache = PatternCache::default();
    Ok(string_result(starts.iter().zip(&months).enumerate().map(|(i, (t, n))| {
        let t = t.as_ref()?;
        let date = shift(t.date(), (*n)?)?;
        match &patterns {
            None => Some(date_string(date)),
            Some(p) => Some(cache.get(p[i].as_deref()?)?.format_local(&NaiveDateTime::new(date, t.time()), tz)),
        }
    })))
}

/// `d` moved by `months`, with Hive's last-day-of-month rule.
pub fn shift(d: NaiveDate, months: i64) -> Option<NaiveDate> {
    let total = d.year() as i64 * 12 + d.month0() as i64 + months;
    let first = NaiveDate::from_ymd_opt(i32::try_from(total.div_euclid(12)).ok()?, total.rem_euclid(12) as u32 + 1, 1)?;
    let last = end_of_month(first)?;
    if Some(d) == end_of_month(d) || d.day() > last.day() { Some(last) } else { first.with_day(d.day()) }
}

#[cfg(test)]
mod tests {
    use datafusion::common::ScalarValue;

    use super::*;
    use crate::date::udf::{run, s};

    fn call(d: &str, n: i64) -> String {
        run(add_months, &[s(d), ScalarValue::Int64(Some(n))], "UTC").remove(0)
    }

    #[test]
    fn month_ends() {
        assert_eq!(call("2014-01-14", 1), "2014-02-14");
        assert_eq!(call("2014-01-31", 1), "2014-02-28");
        assert_eq!(call("2014-02-28", -1), "2014-01-31");
        assert_eq!(call("2016-01-29 10:30:00", 1), "2016-02-29");
        assert_eq!(call("2016-02-29", -12), "2015-02-28");
        let p = run(
            add_months,
            &[s("2016-02-29 10:30:12"), ScalarValue::Int64(Some(-12)), s("YYYY-MM-dd HH:mm:ss")],
            "UTC",
        );
        assert_eq!(p, ["2015-02-28 10:30:12"]);
        let dec = ScalarValue::Decimal128(Some(-120), 3, 1);
        assert_eq!(run(add_months, &[s("2016-02-29"), dec], "UTC"), ["2015-02-28"]);
    }
}
