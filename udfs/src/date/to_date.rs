//! `to_date(x)`: the date of a timestamp, date or date string.

use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::input::{date_result, dates};
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "to_date(expr)",
        "the date part of a timestamp, date or string; NULL when the string is not a date",
        "> SELECT to_date('2009-07-30 04:17:52');\n2009-07-30",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("to_date", &[1], DataType::Date32, &DOC, to_date).into_udf()
}

fn to_date(args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    Ok(date_result(dates(&args[0], tz)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    #[test]
    fn date_part() {
        assert_eq!(run(to_date, &[s("2009-07-30 04:17:52")], "UTC"), ["2009-07-30"]);
        assert_eq!(run(to_date, &[s("2009-07-30")], "UTC"), ["2009-07-30"]);
        assert_eq!(run(to_date, &[s("2009-07-")], "UTC"), ["NULL"]);
    }
}
