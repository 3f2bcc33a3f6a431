//! ENMA's own functions for energy analytics, written the way a user adds a
//! function: one file each, listed in [`functions`]. They are registered
//! with Hive's built-ins in every session (SQL and REST alike), and each has
//! a class name for `CREATE [TEMPORARY] FUNCTION name AS 'class'`.
//!
//! - `heating_degree_days` / `cooling_degree_days` (scalar, [`degree_days`]);
//! - `tariff_period` (scalar, [`tariff_period`]);
//! - `load_factor` (aggregate, [`load_factor`]);
//! - `split_hourly` (table function, [`split_hourly`]).

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

use crate::Functions;

pub mod degree_days;
pub mod load_factor;
pub mod split_hourly;
pub mod tariff_period;

/// Every energy function.
pub fn functions() -> Functions {
    Functions {
        scalars: vec![
            Arc::new(ScalarUDF::new_from_impl(degree_days::DegreeDays::new(degree_days::Need::Heating))),
            Arc::new(ScalarUDF::new_from_impl(degree_days::DegreeDays::new(degree_days::Need::Cooling))),
            Arc::new(ScalarUDF::new_from_impl(tariff_period::TariffPeriod::default())),
        ],
        aggregates: vec![Arc::new(AggregateUDF::new_from_impl(load_factor::LoadFactor::default()))],
        windows: vec![],
        generators: vec![Arc::new(split_hourly::SplitHourly)],
    }
}
