//! Hive's usage text for a function, kept in DataFusion's `Documentation` so
//! `DESCRIBE FUNCTION` reads it from the registered function itself.
//!
//! Hive prints `name(args) - what it does`, then for EXTENDED an example.
//! Here `syntax_example` holds `name(args)`, `description` the rest, and
//! `sql_example` the example lines.

use datafusion::logical_expr::{DocSection, Documentation};

const HIVE: DocSection = DocSection { include: true, label: "Hive functions", description: None };

/// Documentation in Hive's form: `syntax` is `name(args)`, `description`
/// what it returns, `example` one or more `> SELECT ...;` lines with results.
pub fn hive_doc(syntax: &str, description: &str, example: &str) -> Documentation {
    Documentation::builder(HIVE, description, syntax).with_sql_example(example).build()
}
