//! `interval_year_month(str)`: a string `Y-M` (optionally signed) as an
//! INTERVAL YEAR TO MONTH; NULL when it is not of that form.

use std::sync::{Arc, LazyLock};

use arrow::array::{AsArray, IntervalYearMonthArray};
use arrow::datatypes::{DataType, IntervalUnit};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    crate::doc::hive_doc(
        "interval_year_month(str)",
        "Reads str, years and months as 'Y-M', as an interval of years and months",
        "> SELECT CAST(interval_year_month('1-2') AS STRING);\n 1-2",
    )
});

/// Hive's conversion of a string to a year-month interval.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct IntervalYearMonth {
    signature: Signature,
}

impl Default for IntervalYearMonth {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// Months of `[+-]Y-M`, blanks around it allowed.
pub fn parse_year_month(s: &str) -> Option<i32> {
    let t = s.trim();
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (y, m) = body.split_once('-')?;
    if y.is_empty() || m.is_empty() || !y.bytes().chain(m.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (y, m): (i32, i32) = (y.parse().ok()?, m.parse().ok()?);
    if m > 11 {
        return None;
    }
    let months = y.checked_mul(12)?.checked_add(m)?;
    Some(if neg { -months } else { months })
}

impl ScalarUDFImpl for IntervalYearMonth {
    fn name(&self) -> &str {
        "interval_year_month"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Interval(IntervalUnit::YearMonth)] => Ok(arg_types.to_vec()),
            [_] => Ok(vec![DataType::Utf8]),
            _ => exec_err!("interval_year_month takes one argument"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Interval(IntervalUnit::YearMonth))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [arg] = args.args.as_slice() else { return exec_err!("interval_year_month takes one argument") };
        if arg.data_type() == DataType::Interval(IntervalUnit::YearMonth) {
            return Ok(arg.clone());
        }
        let scalar = matches!(arg, ColumnarValue::Scalar(_));
        let array = arg.to_array(1)?;
        let out: IntervalYearMonthArray =
            array.as_string::<i32>().iter().map(|s| s.and_then(parse_year_month)).collect();
        if scalar {
            return Ok(ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(Arc::new(out)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_years_and_months() {
        assert_eq!(parse_year_month("1-2"), Some(14));
        assert_eq!(parse_year_month("-1-2"), Some(-14));
        assert_eq!(parse_year_month(" 10-11 "), Some(131));
        assert_eq!(parse_year_month("1-12"), None);
        assert_eq!(parse_year_month("1"), None);
        assert_eq!(parse_year_month("a-b"), None);
    }
}
