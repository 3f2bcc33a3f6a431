//! Hive built-in functions with Hive semantics, and ENMA's user UDF registry.
//!
//! Each Hive function lives in one file under its LanguageManual category
//! (`math/`, `string/`, `date/`, ...), with its usage text and unit tests.
//! Each category's `mod.rs` is a table of contents with one `functions()`.
//! Where a DataFusion or datafusion-spark function already gives Hive's
//! results, the category reuses it under the Hive name instead of a copy.
//!
//! [`builtins`] gathers every category; [`register`] puts them, and the
//! user functions of [`energy`], into a DataFusion session.

use std::sync::Arc;

use datafusion::execution::registry::FunctionRegistry;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF, WindowUDF};

pub mod aggregate;
pub mod catalog;
pub mod collection;
pub mod common;
pub mod conditional;
pub mod conversion;
pub mod date;
pub mod doc;
pub mod energy;
pub mod generator;
pub mod hive_text;
pub mod masking;
pub mod math;
pub mod misc;
pub mod string;

/// A function refusing what the caller may not do (see [`enma_common::Refusal`]).
pub use enma_common::Refusal;

/// A set of functions to register in a session.
#[derive(Debug, Default, Clone)]
pub struct Functions {
    pub scalars: Vec<Arc<ScalarUDF>>,
    pub aggregates: Vec<Arc<AggregateUDF>>,
    pub windows: Vec<Arc<WindowUDF>>,
    pub generators: Vec<Arc<dyn generator::Generator>>,
}

impl Functions {
    /// Adds every function of `other`.
    pub fn extend(&mut self, other: Functions) {
        self.scalars.extend(other.scalars);
        self.aggregates.extend(other.aggregates);
        self.windows.extend(other.windows);
        self.generators.extend(other.generators);
    }

    /// Registers the scalar, aggregate and window functions in `registry`,
    /// replacing DataFusion's functions of the same names. Generators
    /// (table functions) are planned by the engine, not the registry.
    pub fn register_in(&self, registry: &mut dyn FunctionRegistry) -> datafusion::common::Result<()> {
        for f in &self.scalars {
            registry.register_udf(f.clone())?;
        }
        for f in &self.aggregates {
            registry.register_udaf(f.clone())?;
        }
        for f in &self.windows {
            registry.register_udwf(f.clone())?;
        }
        Ok(())
    }
}

/// Hive's built-in functions, every category.
pub fn builtins() -> Functions {
    let mut all = Functions::default();
    for scalars in [
        math::functions(),
        string::functions(),
        date::functions(),
        conditional::functions(),
        collection::functions(),
        conversion::functions(),
        misc::functions(),
        masking::functions(),
    ] {
        all.scalars.extend(scalars);
    }
    all.aggregates.extend(aggregate::functions());
    all.windows.extend(aggregate::window_functions());
    all.generators.extend(generator::functions());
    all
}

/// The user functions shipped with ENMA (the energy examples) and any added
/// in `energy/` by the same pattern.
pub fn user_functions() -> Functions {
    energy::functions()
}
