//! `next_day(date, day_of_week)`: the first date after `date` that falls on
//! the day named by two letters, three letters or the full English name.

use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::input::{date_string, dates, string_result, strings};
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "next_day(start_date, day_of_week)",
        "the first date later than start_date that is day_of_week (Mo/Mon/Monday, in any case); NULL for an unknown day",
        "> SELECT next_day('2015-01-14', 'TU');\n2015-01-20",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("next_day", &[2], DataType::Utf8, &DOC, next_day).into_udf()
}

fn next_day(args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    let starts = dates(&args[0], tz)?;
    let days = strings(&args[1])?;
    Ok(string_result(starts.iter().zip(&days).map(|(d, day)| {
        let target = weekday(day.as_deref()?)?;
        Some(date_string(following(d.as_ref()?, target)?))
    })))
}

/// The weekday named `name`: `MO`, `MON` or `MONDAY` in any case.
fn weekday(name: &str) -> Option<Weekday> {
    let upper = name.trim().to_ascii_uppercase();
    let days = [
        ("MONDAY", Weekday::Mon),
        ("TUESDAY", Weekday::Tue),
        ("WEDNESDAY", Weekday::Wed),
        ("THURSDAY", Weekday::Thu),
        ("FRIDAY", Weekday::Fri),
        ("SATURDAY", Weekday::Sat),
        ("SUNDAY", Weekday::Sun),
    ];
    days.iter().find(|(full, _)| upper == *full || upper == full[..2] || upper == full[..3]).map(|(_, w)| *w)
}

fn following(d: &NaiveDate, target: Weekday) -> Option<NaiveDate> {
    let ahead =
        (target.num_days_from_monday() as i64 - d.weekday().num_days_from_monday() as i64 + 6).rem_euclid(7) + 1;
    d.checked_add_signed(Duration::days(ahead))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    #[test]
    fn days() {
        assert_eq!(run(next_day, &[s("2015-01-11"), s("su")], "UTC"), ["2015-01-18"]);
        assert_eq!(run(next_day, &[s("2015-01-11"), s("MO")], "UTC"), ["2015-01-12"]);
        assert_eq!(run(next_day, &[s("2015-01-17 00:02:30"), s("SAt")], "UTC"), ["2015-01-24"]);
        assert_eq!(run(next_day, &[s("2015-01-14"), s("thursDAY")], "UTC"), ["2015-01-15"]);
        assert_eq!(run(next_day, &[s("2015-02-02"), s("VT")], "UTC"), ["NULL"]);
        assert_eq!(run(next_day, &[s("2015-02-02"), s("Mond")], "UTC"), ["NULL"]);
    }
}
