//! `acos(x)`: the arc cosine of x in radians, NULL when x is outside [-1, 1]
//! (Hive gives NULL where Java gives NaN).

use std::sync::{Arc, LazyLock};

use datafusion::logical_expr::{Documentation, ScalarUDF};

use crate::doc::hive_doc;

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    super::unary::udf("acos", acos, &DOC)
}

static DOC: LazyLock<Documentation> =
    LazyLock::new(|| hive_doc("acos(x)", "the arc cosine of x, NULL if x is not in [-1, 1]", "> SELECT acos(1);\n0.0"));

/// Arc cosine, None outside [-1, 1].
pub fn acos(x: f64) -> Option<f64> {
    (-1.0..=1.0).contains(&x).then(|| x.acos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(acos(0.0), Some(std::f64::consts::FRAC_PI_2));
        assert_eq!(acos(2.0), None);
        assert_eq!(acos(f64::NAN), None);
    }
}
