//! `asin(x)`: the arc sine of x in radians, NULL when x is outside [-1, 1]
//! (Hive gives NULL where Java gives NaN).

use std::sync::{Arc, LazyLock};

use datafusion::logical_expr::{Documentation, ScalarUDF};

use crate::doc::hive_doc;

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    super::unary::udf("asin", asin, &DOC)
}

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| hive_doc("asin(x)", "the arc sine of x, NULL if x is not in [-1, 1]", "> SELECT asin(0);\n0.0"));

/// Arc sine, None outside [-1, 1].
pub fn asin(x: f64) -> Option<f64> {
    (-1.0..=1.0).contains(&x).then(|| x.asin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(asin(0.66), Some(0.7208187608700897));
        assert_eq!(asin(-2.0), None);
    }
}
