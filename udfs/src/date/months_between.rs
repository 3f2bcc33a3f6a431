//! `months_between(date1, date2[, round_off])`: months from `date2` to
//! `date1`. Whole months when both are the same day of the month or both the
//! last day of a month; otherwise the difference of days and times counts in
//! months of 31 days. Rounded to 8 decimal places unless `round_off` is false.

use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, AsArray, Float64Array};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use chrono::{Datelike, NaiveDateTime, Timelike};
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::input::datetimes;
use super::last_day::end_of_month;
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "months_between(date1, date2[, roundOff])",
        "the number of months from date2 to date1: whole when both are the same day of a month or both month ends, else counting 31-day months; rounded to 8 digits unless roundOff is false",
        "> SELECT months_between('1997-02-28 10:30:00', '1996-10-30');\n3.94959677",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("months_between", &[2, 3], DataType::Float64, &DOC, months_between).into_udf()
}

fn months_between(args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    let a = datetimes(&args[0], tz)?;
    let b = datetimes(&args[1], tz)?;
    let round: Vec<Option<bool>> = match args.get(2) {
        Some(r) => cast(r, &DataType::Boolean)?.as_boolean().iter().collect(),
        None => vec![Some(true); a.len()],
    };
    let result: Float64Array = a
        .iter()
        .zip(&b)
        .zip(&round)
        .map(|((a, b), r)| Some(between(a.as_ref()?, b.as_ref()?, r.unwrap_or(true))))
        .collect();
    Ok(ColumnarValue::Array(Arc::new(result)))
}

fn between(a: &NaiveDateTime, b: &NaiveDateTime, round: bool) -> f64 {
    let months = (a.year() as i64 - b.year() as i64) * 12 + a.month() as i64 - b.month() as i64;
    let month_end = |t: &NaiveDateTime| end_of_month(t.date()) == Some(t.date());
    if a.day() == b.day() || (month_end(a) && month_end(b)) {
        return months as f64;
    }
    let seconds = |t: &NaiveDateTime| t.day() as i64 * 86_400 + t.num_seconds_from_midnight() as i64;
    let value = months as f64 + (seconds(a) - seconds(b)) as f64 / 2_678_400.0;
    if round { format!("{value:.8}").parse().unwrap_or(value) } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    fn call(a: &str, b: &str) -> String {
        run(months_between, &[s(a), s(b)], "UTC").remove(0)
    }

    #[test]
    fn hive_rules() {
        assert_eq!(call("1995-02-02", "1995-01-01"), "1.03225806");
        assert_eq!(call("2003-07-17", "2005-07-06"), "-23.64516129");
        assert_eq!(call("2001-06-30", "2000-05-31"), "13.0");
        assert_eq!(call("1976-01-01", "1975-12-31 23:59:59"), "3.7E-7");
        assert_eq!(call("1997-02-28 10:30:00", "1996-10-30"), "3.94959677");
        assert_eq!(call("2002-03-31 10:30:00", "2002-02-28"), "1.0");
        assert_eq!(call("1995-02-02 10:39", "1995-01-01"), "1.03225806");
        assert_eq!(call("5-2-02", "5-01-1"), "1.03225806");
        assert_eq!(call("x", "5-01-1"), "NULL");
        let raw = run(
            months_between,
            &[s("1995-02-02"), s("1995-01-01"), datafusion::common::ScalarValue::Boolean(Some(false))],
            "UTC",
        );
        assert_eq!(raw, ["1.032258064516129"]);
    }
}
