//! Hive's math functions (LanguageManual UDF).
//!
//! Spark's pmod, hex, bin, factorial and negative give Hive's results and
//! are reused as they are.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;
use datafusion_spark::function::math as spark;

pub mod acos;
pub mod asin;
pub mod bround;
pub mod conv;
pub mod greatest;
pub mod least;
pub mod radians;
pub mod round;
pub mod sign;

/// Every math function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        spark::pmod(),
        spark::hex(),
        spark::bin(),
        spark::factorial(),
        spark::negative(),
        acos::udf(),
        asin::udf(),
        bround::udf(),
        conv::udf(),
        greatest::udf(),
        least::udf(),
        radians::udf(),
        round::udf(),
        sign::udf(),
    ]
}
