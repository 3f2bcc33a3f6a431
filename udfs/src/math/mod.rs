//! Hive's math functions (LanguageManual UDF).
//!
//! Spark's pmod, hex, unhex, bin, factorial, negative, width_bucket and the
//! shift functions give Hive's results and are reused as they are;
//! DataFusion's exp, ln, log, log2, log10, pow, sqrt, cbrt, sin, cos, tan,
//! atan, degrees, abs and pi too.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;
use datafusion_spark::function::{bitwise, math as spark};

pub mod acos;
pub mod asin;
pub mod bround;
pub mod ceil;
pub mod conv;
pub mod e;
pub mod floor;
pub mod greatest;
pub mod least;
pub mod positive;
pub mod radians;
pub mod rand;
pub mod round;
pub mod sign;
pub mod unary;

/// Every math function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        spark::pmod(),
        spark::hex(),
        spark::bin(),
        spark::factorial(),
        spark::negative(),
        spark::unhex(),
        floor::udf(),
        ceil::udf(),
        spark::width_bucket(),
        bitwise::shiftleft(),
        bitwise::shiftright(),
        bitwise::shiftrightunsigned(),
        acos::udf(),
        asin::udf(),
        bround::udf(),
        conv::udf(),
        e::udf(),
        greatest::udf(),
        least::udf(),
        positive::udf(),
        radians::udf(),
        rand::udf(),
        round::udf(),
        sign::udf(),
    ]
}
