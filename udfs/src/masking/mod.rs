//! Hive's data masking functions (LanguageManual UDF, "Data Masking").
//! `mask` holds the masking rules the `mask_*_n` functions share.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::common::text::udf;

pub mod mask;
pub mod mask_first_n;
pub mod mask_hash;
pub mod mask_last_n;
pub mod mask_show_first_n;
pub mod mask_show_last_n;

/// Every masking function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        udf(mask::Mask),
        udf(mask_first_n::MaskFirstN),
        udf(mask_hash::MaskHash),
        udf(mask_last_n::MaskLastN),
        udf(mask_show_first_n::MaskShowFirstN),
        udf(mask_show_last_n::MaskShowLastN),
    ]
}
