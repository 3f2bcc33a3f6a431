//! `datediff(end, start)`: the days from `start` to `end` (times ignored).

use std::sync::LazyLock;

use arrow::array::{ArrayRef, Int32Array};
use arrow::datatypes::DataType;
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarUDF};

use super::input::dates;
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "datediff(date1, date2)",
        "the number of days from date2 to date1",
        "> SELECT datediff('2009-07-30', '2009-07-31');\n-1",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("datediff", &[2], DataType::Int32, &DOC, datediff).into_udf()
}

fn datediff(args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    let ends = dates(&args[0], tz)?;
    let starts = dates(&args[1], tz)?;
    let days: Int32Array = ends
        .iter()
        .zip(&starts)
        .map(|(e, s)| Some((e.as_ref()?.signed_duration_since(*s.as_ref()?)).num_days() as i32))
        .collect();
    Ok(ColumnarValue::Array(std::sync::Arc::new(days)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    #[test]
    fn days_between() {
        assert_eq!(run(datediff, &[s("2009-07-30"), s("2009-07-31")], "UTC"), ["-1"]);
        assert_eq!(run(datediff, &[s("2009-07-31 23:59:59"), s("2009-07-30 00:00:01")], "UTC"), ["1"]);
        assert_eq!(run(datediff, &[s("x"), s("2009-07-30")], "UTC"), ["NULL"]);
    }
}
