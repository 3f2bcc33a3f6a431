//! Hive's values as text, in one place: every parse of a Hive value from a
//! string or from the bytes of a text-table field, and every print of one as
//! the Hive CLI shows it. The functions (`udfs`), the casts and the text-table
//! reader call these, so a value reads and prints the same everywhere.
//!
//! Two families of parsers, named by where Hive uses them:
//!
//! - `parse_*` read the text form of a value in a text table, as Hive's lazy
//!   objects (`LazyInteger`, `LazyDouble`, `LazyHiveDecimal`, ...) read a
//!   field: no blanks around it, NULL (`None`) when it does not parse.
//! - `cast_*` are what `CAST(string AS type)` gives: the same grammar, with
//!   blanks around the value allowed, and Hive's cast rules for booleans and
//!   dates.
//!
//! Modules by concept: [`number`] (integers and Java's floating-point
//! syntax), [`decimal`], [`boolean`], [`datetime`] (dates and timestamps),
//! [`binary`], and [`display`] (printing).
//!
//! Architecture invariant: this crate knows Arrow's arrays and types, not
//! DataFusion; it has no functions, plans or errors of the engine.

pub mod binary;
pub mod boolean;
pub mod datetime;
pub mod decimal;
pub mod display;
pub mod number;

/// Java's `String.trim`: drops leading and trailing bytes up to the space (U+0020).
pub fn java_trim(b: &[u8]) -> &[u8] {
    let Some(start) = b.iter().position(|&c| c > b' ') else {
        return &b[b.len()..];
    };
    let end = b.iter().rposition(|&c| c > b' ').map_or(start, |e| e + 1);
    &b[start..end]
}

/// [`java_trim`] of a string.
pub fn java_trim_str(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_as_java() {
        assert_eq!(java_trim(b" \t1 2\x01 "), b"1 2");
        assert_eq!(java_trim(b"  "), b"");
        assert_eq!(java_trim(b""), b"");
        assert_eq!(java_trim_str("\u{0}a\n"), "a");
    }
}
