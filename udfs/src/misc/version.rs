//! `version()`: ENMA's version. Computed by the session-fact function of
//! `current_user.rs`.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use super::current_user::{Fact, SessionFact};

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(SessionFact::new(Fact::Version)))
}
