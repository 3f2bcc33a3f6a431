//! Hive's aggregate functions (UDAFs) and window functions.
//!
//! DataFusion's statistics aggregates already give Hive's results under most
//! of Hive's names (var_pop, var_samp, stddev_pop, stddev_samp, covar_pop,
//! covar_samp, corr, regr_*); where Hive's name means something else
//! (`variance` is the population variance, `std` and `stddev` the population
//! standard deviation, while DataFusion's `stddev` is the sample one), the
//! DataFusion function is registered again under Hive's name.

use std::sync::Arc;

use datafusion::functions_aggregate::{stddev, variance};
use datafusion::logical_expr::{AggregateUDF, WindowUDF};

pub mod collect;
pub mod context_ngrams;
pub mod histogram_numeric;
pub mod ngrams;
pub mod numeric_histogram;
pub mod percentile;
pub mod percentile_approx;

/// Every aggregate function.
pub fn functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        Arc::new(AggregateUDF::new_from_impl(collect::Collect::new(true))),
        Arc::new(AggregateUDF::new_from_impl(collect::Collect::new(false))),
        Arc::new(AggregateUDF::new_from_impl(percentile::Percentile::default())),
        Arc::new(AggregateUDF::new_from_impl(percentile_approx::PercentileApprox::default())),
        Arc::new(AggregateUDF::new_from_impl(histogram_numeric::HistogramNumeric::default())),
        Arc::new(AggregateUDF::new_from_impl(ngrams::Ngrams::default())),
        Arc::new(AggregateUDF::new_from_impl(context_ngrams::ContextNgrams::default())),
        Arc::new(variance::var_pop_udaf().as_ref().clone().with_aliases(["variance"])),
        Arc::new(stddev::stddev_pop_udaf().as_ref().clone().with_aliases(["std", "stddev"])),
    ]
}

/// Every window function.
pub fn window_functions() -> Vec<Arc<WindowUDF>> {
    vec![]
}
