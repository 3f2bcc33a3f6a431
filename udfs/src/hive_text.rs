//! Hive's text forms of values (how the Hive CLI prints a cell) live in
//! [`enma_values::display`]; re-exported here for the many callers that
//! print through `enma_udfs::hive_text`.

pub use enma_values::display::{display_value, format_f32, format_f64, write_display_value};
