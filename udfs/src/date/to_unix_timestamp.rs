//! `to_unix_timestamp(date[, pattern])`: `unix_timestamp` with its argument
//! required.

use std::sync::LazyLock;

use arrow::datatypes::DataType;
use datafusion::logical_expr::{Documentation, ScalarUDF};

use super::udf::DateUdf;
use super::unix_timestamp::unix_timestamp;
use crate::doc::hive_doc;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "to_unix_timestamp(date[, pattern])",
        "the seconds since 1970-01-01 00:00:00 UTC of a date, timestamp or string read with the Java date pattern (default yyyy-MM-dd HH:mm:ss) in the session zone",
        "> SELECT to_unix_timestamp('2009-03-20 11:30:01');  -- session zone America/Los_Angeles\n1237573801",
    )
});

pub fn udf() -> ScalarUDF {
    DateUdf::new("to_unix_timestamp", &[1, 2], DataType::Int64, &DOC, unix_timestamp).into_udf()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::udf::{run, s};

    #[test]
    fn in_session_zone() {
        let la = "America/Los_Angeles";
        assert_eq!(run(unix_timestamp, &[s("2009-03-20 11:30:01")], la), ["1237573801"]);
        assert_eq!(udf().name(), "to_unix_timestamp");
    }
}
