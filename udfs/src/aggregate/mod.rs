//! Hive's aggregate functions (UDAFs) and window functions.

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, WindowUDF};

pub mod context_ngrams;
pub mod ngram_estimator;
pub mod ngrams;

/// Every aggregate function.
pub fn functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        Arc::new(AggregateUDF::new_from_impl(ngrams::Ngrams::default())),
        Arc::new(AggregateUDF::new_from_impl(context_ngrams::ContextNgrams::default())),
    ]
}

/// Every window function.
pub fn window_functions() -> Vec<Arc<WindowUDF>> {
    vec![]
}
