//! `trunc(date, unit)`: the first day of the date's month, quarter or year,
//! as a string. `trunc(number[, digits])` cuts a number, as DataFusion's
//! `trunc` (which this replaces) does.

use std::sync::LazyLock;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF};

use super::input::{date_string, dates, string_result, strings};
use super::udf::DateUdf;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "trunc(date, fmt) / trunc(number[, digits])",
        "the date cut to the first day of its month (fmt MONTH, MON, MM), quarter (QUARTER, Q) or year (YEAR, YYYY, YY), as a string; for a number, the number cut to digits decimal places",
        "> SELECT trunc('2009-02-12', 'MM');\n2009-02-01",
    )
});

pub fn udf() -> ScalarUDF {
    ScalarUDF::new_from_impl(Trunc { date: DateUdf::new("trunc", &[1, 2], DataType::Utf8, &DOC, trunc_date) })
}

/// Dates go to the Hive kernel, numbers to DataFusion's trunc.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Trunc {
    date: DateUdf,
}

fn is_number(t: &DataType) -> bool {
    t.is_numeric()
}

impl datafusion::logical_expr::ScalarUDFImpl for Trunc {
    fn name(&self) -> &str {
        "trunc"
    }

    fn signature(&self) -> &datafusion::logical_expr::Signature {
        self.date.signature()
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.first().is_some_and(is_number) {
            return datafusion::functions::math::trunc().inner().coerce_types(arg_types).or_else(|_| {
                let mut types = vec![DataType::Float64];
                types.extend(arg_types.iter().skip(1).map(|_| DataType::Int64));
                Ok(types)
            });
        }
        self.date.coerce_types(arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        if arg_types.first().is_some_and(is_number) {
            return datafusion::functions::math::trunc().return_type(arg_types);
        }
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if args.arg_fields.first().is_some_and(|f| is_number(f.data_type())) {
            return datafusion::functions::math::trunc().invoke_with_args(args);
        }
        self.date.invoke_with_args(args)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

fn trunc_date(args: &[ArrayRef], tz: &Tz) -> Result<ColumnarValue> {
    let values = dates(&args[0], tz)?;
    let units = match args.get(1) {
        Some(u) => strings(u)?,
        None => vec![None; values.len()],
    };
    Ok(string_result(
        values.iter().zip(&units).map(|(d, unit)| Some(date_string(truncate(d.as_ref()?, unit.as_deref()?)?))),
    ))
}

fn truncate(d: &NaiveDate, unit: &str) -> Option<NaiveDate> {
    let month = match unit.to_ascii_uppercase().as_str() {
        "MONTH" | "MON" | "MM" => d.month(),
        "QUARTER" | "Q" => d.month0() / 3 * 3 + 1,
        "YEAR" | "YYYY" | "YY" => 1,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(d.year(), month, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    #[test]
    fn units() {
        assert_eq!(run(trunc_date, &[s("2016-02-29 10:30:45"), s("MM")], "UTC"), ["2016-02-01"]);
        assert_eq!(run(trunc_date, &[s("2016-05-11"), s("Q")], "UTC"), ["2016-04-01"]);
        assert_eq!(run(trunc_date, &[s("2016-12-31"), s("QUARTER")], "UTC"), ["2016-10-01"]);
        assert_eq!(run(trunc_date, &[s("2016-12-31"), s("year")], "UTC"), ["2016-01-01"]);
        assert_eq!(run(trunc_date, &[s("2016-12-31"), s("DD")], "UTC"), ["NULL"]);
    }
}
