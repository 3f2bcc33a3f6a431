//! Hive built-in functions with Hive semantics, and ENMA's user UDF registry.

pub mod hive_text;
