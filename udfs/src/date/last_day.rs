//! `last_day(date)`: the last day of the month of a date, as a string.

use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::input::{date_string, dates, string_result};
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "last_day(date)",
        "the last day of the month that date (a date, timestamp or string) belongs to",
        "> SELECT last_day('2009-01-12');\n2009-01-31",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("last_day", &[1], DataType::Utf8, &DOC, last_day).into_udf()
}

fn last_day(args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    Ok(string_result(dates(&args[0], tz)?.into_iter().map(|d| end_of_month(d?).map(date_string))))
}

/// The last day of `d`'s month.
pub fn end_of_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    #[test]
    fn month_ends() {
        assert_eq!(run(last_day, &[s("2016-02-03")], "UTC"), ["2016-02-29"]);
        assert_eq!(run(last_day, &[s("2014-02-28 10:30:45")], "UTC"), ["2014-02-28"]);
        assert_eq!(run(last_day, &[s("2014-12-02")], "UTC"), ["2014-12-31"]);
        assert_eq!(run(last_day, &[s("nope")], "UTC"), ["NULL"]);
    }
}
