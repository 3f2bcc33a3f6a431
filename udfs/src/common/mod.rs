//! What several functions share: Hive's implicit conversions of arguments,
//! Java date patterns, number printing.

pub mod hive_cast;
pub mod java_date;
pub mod numeric;
pub mod text;
