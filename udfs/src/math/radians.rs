//! `radians(x)`: x degrees in radians, computed as Java 8's `Math.toRadians`
//! does (`x / 180 * pi`), so the last digit matches Hive.

use std::sync::{Arc, LazyLock};

use datafusion::logical_expr::{Documentation, ScalarUDF};

use crate::doc::hive_doc;

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    super::unary::udf("radians", radians, &DOC)
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc("radians(x)", "x, an angle in degrees, in radians", "> SELECT radians(90);\n1.5707963267948966")
});

/// Degrees to radians as `x / 180.0 * PI`.
pub fn radians(x: f64) -> Option<f64> {
    Some(x / 180.0 * std::f64::consts::PI)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(radians(57.2958), Some(1.000000357564167));
        assert_eq!(radians(143.2394), Some(2.4999991485811655));
    }
}
