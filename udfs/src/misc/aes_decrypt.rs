//! `aes_decrypt(input, key)`: the inverse of `aes_encrypt` (the kernel and
//! its rules live there).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use super::aes_encrypt::Aes;

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(Aes::new(false)))
}
