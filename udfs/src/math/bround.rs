//! `bround(x[, d])`: `round` with halves to the even neighbour (banker's
//! rounding), as Hive's `GenericUDFBRound`; types follow `round`.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use super::round::{Halves, Round};

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Round::new("bround", Halves::Even)))
}

#[cfg(test)]
mod tests {
    use super::super::round::{Halves, round_decimal, round_int};

    #[test]
    fn halves_go_to_even() {
        assert_eq!(round_decimal(25, 1, 0, 0, Halves::Even), Some(2));
        assert_eq!(round_decimal(35, 1, 0, 0, Halves::Even), Some(4));
        assert_eq!(round_decimal(-135, 2, 1, 1, Halves::Even), Some(-14));
        assert_eq!(round_int(55, -1, Halves::Even), 60);
        assert_eq!(round_int(45, -1, Halves::Even), 40);
    }
}
