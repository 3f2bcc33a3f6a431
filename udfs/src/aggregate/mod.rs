//! Hive's aggregate functions (UDAFs) and window functions.
//!
//! The statistics (variance, covariance, correlation, regr_*) keep Hive's
//! own update formulas, so results agree with Hive to the last digit; they
//! replace DataFusion's functions of the same names (and `variance`, `std`,
//! `stddev` take Hive's population meaning). DataFusion's window functions
//! (lead, lag, first_value, last_value, rank, dense_rank, row_number,
//! percent_rank, cume_dist, ntile) already give Hive's results with Hive's
//! default frames.

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, WindowUDF};

pub mod collect;
pub mod context_ngrams;
pub mod corr;
pub mod covariance;
pub mod histogram_numeric;
pub mod ngram_estimator;
pub mod ngrams;
pub mod numeric_histogram;
pub mod percentile;
pub mod percentile_approx;
pub mod variance;

/// Every aggregate function.
pub fn functions() -> Vec<Arc<AggregateUDF>> {
    use corr::{Corr, Kind as C};
    use variance::{Kind as V, Variance};
    vec![
        Arc::new(AggregateUDF::new_from_impl(collect::Collect::new(true))),
        Arc::new(AggregateUDF::new_from_impl(collect::Collect::new(false))),
        Arc::new(AggregateUDF::new_from_impl(percentile::Percentile::default())),
        Arc::new(AggregateUDF::new_from_impl(percentile_approx::PercentileApprox::default())),
        Arc::new(AggregateUDF::new_from_impl(histogram_numeric::HistogramNumeric::default())),
        Arc::new(AggregateUDF::new_from_impl(Variance::new(V::VarPop))),
        Arc::new(AggregateUDF::new_from_impl(Variance::new(V::VarSamp))),
        Arc::new(AggregateUDF::new_from_impl(Variance::new(V::StddevPop))),
        Arc::new(AggregateUDF::new_from_impl(Variance::new(V::StddevSamp))),
        Arc::new(AggregateUDF::new_from_impl(Variance::new(V::RegrSxx))),
        Arc::new(AggregateUDF::new_from_impl(Variance::new(V::RegrSyy))),
        Arc::new(AggregateUDF::new_from_impl(covariance::Covariance::new(false))),
        Arc::new(AggregateUDF::new_from_impl(covariance::Covariance::new(true))),
        Arc::new(AggregateUDF::new_from_impl(Corr::new(C::Corr))),
        Arc::new(AggregateUDF::new_from_impl(Corr::new(C::RegrSlope))),
        Arc::new(AggregateUDF::new_from_impl(Corr::new(C::RegrIntercept))),
        Arc::new(AggregateUDF::new_from_impl(Corr::new(C::RegrR2))),
        Arc::new(AggregateUDF::new_from_impl(Corr::new(C::RegrSxy))),
        Arc::new(AggregateUDF::new_from_impl(ngrams::Ngrams::default())),
        Arc::new(AggregateUDF::new_from_impl(context_ngrams::ContextNgrams::default())),
    ]
}

/// Every window function.
pub fn window_functions() -> Vec<Arc<WindowUDF>> {
    vec![]
}
