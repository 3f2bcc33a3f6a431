//! Compare operators and comparators, shared by every filter that tests bytes
//! (row keys, families, qualifiers, values).
//!
//! HBase asks the comparator how *its* value compares with the cell's, then
//! reads the operator as "cell op comparator": `ValueFilter(<, 'binary:5')`
//! keeps values below `5`. Comparators that only know "match or not"
//! (regexstring, substring, null, bit) answer "equal" for a match and
//! "greater" otherwise, as HBase's return 0 and 1, so `=` keeps matches and
//! `!=` keeps the rest.

use std::cmp::Ordering;
use std::fmt;

use bytes::Bytes;
use regex::bytes::{Regex, RegexBuilder};

use crate::{Error, Result};

/// HBase's CompareOperator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// LESS, `<`.
    Less,
    /// LESS_OR_EQUAL, `<=`.
    LessOrEqual,
    /// EQUAL, `=`.
    Equal,
    /// NOT_EQUAL, `!=`.
    NotEqual,
    /// GREATER_OR_EQUAL, `>=`.
    GreaterOrEqual,
    /// GREATER, `>`.
    Greater,
    /// NO_OP: nothing passes.
    NoOp,
}

/// Every operator with its JSON name and its filter-language symbol.
const OPS: [(CompareOp, &str, Option<&str>); 7] = [
    (CompareOp::Less, "LESS", Some("<")),
    (CompareOp::LessOrEqual, "LESS_OR_EQUAL", Some("<=")),
    (CompareOp::Equal, "EQUAL", Some("=")),
    (CompareOp::NotEqual, "NOT_EQUAL", Some("!=")),
    (CompareOp::GreaterOrEqual, "GREATER_OR_EQUAL", Some(">=")),
    (CompareOp::Greater, "GREATER", Some(">")),
    (CompareOp::NoOp, "NO_OP", None),
];

impl CompareOp {
    /// HBase's enum name (`LESS_OR_EQUAL`), as REST's JSON writes it.
    pub fn name(self) -> &'static str {
        OPS.iter().find(|(op, _, _)| *op == self).map_or("NO_OP", |(_, name, _)| *name)
    }

    /// Reads an enum name, in any letter case.
    pub fn from_name(name: &str) -> Option<CompareOp> {
        OPS.iter().find(|(_, n, _)| n.eq_ignore_ascii_case(name)).map(|(op, _, _)| *op)
    }

    /// The filter language's symbol (`<=`); NO_OP has none.
    pub fn symbol(self) -> Option<&'static str> {
        OPS.iter().find(|(op, _, _)| *op == self).and_then(|(_, _, symbol)| *symbol)
    }

    /// Reads a filter-language symbol.
    pub fn from_symbol(symbol: &str) -> Option<CompareOp> {
        OPS.iter().find(|(_, _, s)| *s == Some(symbol)).map(|(op, _, _)| *op)
    }

    /// Whether a cell passes, given how the comparator's value compares with the cell's.
    pub fn accepts(self, comparator_vs_cell: Ordering) -> bool {
        use Ordering::*;
        match self {
            CompareOp::Less => comparator_vs_cell == Greater,
            CompareOp::LessOrEqual => comparator_vs_cell != Less,
            CompareOp::Equal => comparator_vs_cell == Equal,
            CompareOp::NotEqual => comparator_vs_cell != Equal,
            CompareOp::GreaterOrEqual => comparator_vs_cell != Greater,
            CompareOp::Greater => comparator_vs_cell == Less,
            CompareOp::NoOp => false,
        }
    }
}

/// The bitwise operation of a [`Comparator::Bit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    /// AND: some bit set in both.
    And,
    /// OR: some bit set in either.
    Or,
    /// XOR: some bit that differs.
    Xor,
}

impl BitOp {
    /// HBase's enum name (`AND`, `OR`, `XOR`).
    pub fn name(self) -> &'static str {
        match self {
            BitOp::And => "AND",
            BitOp::Or => "OR",
            BitOp::Xor => "XOR",
        }
    }

    /// Reads an enum name, in any letter case.
    pub fn from_name(name: &str) -> Option<BitOp> {
        [BitOp::And, BitOp::Or, BitOp::Xor].into_iter().find(|op| op.name().eq_ignore_ascii_case(name))
    }
}

/// A compiled regular expression that remembers its source, so filters
/// holding one can still be compared and written back out.
#[derive(Clone)]
pub struct RegexString {
    pattern: String,
    regex: Regex,
}

impl RegexString {
    /// Compiles a pattern the way HBase's RegexStringComparator does by
    /// default: `.` also matches a newline, and a match anywhere in the value counts.
    pub fn new(pattern: &str) -> Result<Self> {
        let regex = RegexBuilder::new(pattern).dot_matches_new_line(true).build().map_err(|e| {
            Error::invalid(format!("RegexStringComparator: '{pattern}' is not a valid regular expression: {e}"))
        })?;
        Ok(RegexString { pattern: pattern.to_string(), regex })
    }

    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Whether the pattern matches somewhere in `value`; values need not be UTF-8.
    pub fn is_match(&self, value: &[u8]) -> bool {
        self.regex.is_match(value)
    }
}

impl PartialEq for RegexString {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern
    }
}

impl fmt::Debug for RegexString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RegexString").field(&self.pattern).finish()
    }
}

/// HBase's ByteArrayComparable family: what a filter compares bytes with.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparator {
    /// BinaryComparator (`binary:`): byte-wise comparison.
    Binary(Bytes),
    /// BinaryPrefixComparator (`binaryprefix:`): byte-wise, over as many of
    /// the cell's bytes as the comparator has.
    BinaryPrefix(Bytes),
    /// RegexStringComparator (`regexstring:`): matches when the pattern is found.
    RegexString(RegexString),
    /// SubstringComparator (`substring:`): matches when the value contains
    /// the text, ignoring case. Held in lower case.
    Substring(String),
    /// NullComparator: matches an empty value (the store has no null values).
    Null,
    /// LongComparator: compares 8-byte big-endian values as signed integers;
    /// values of another length pass no comparison.
    Long(i64),
    /// BitComparator: values of the same length with some bit combining to non-zero.
    Bit {
        /// The mask.
        value: Bytes,
        /// How mask and value bits combine.
        op: BitOp,
    },
}

impl Comparator {
    /// A SubstringComparator; the text is lower-cased, as HBase does.
    pub fn substring(text: &str) -> Comparator {
        Comparator::Substring(text.to_lowercase())
    }

    /// A RegexStringComparator, or an error naming the bad pattern.
    pub fn regex(pattern: &str) -> Result<Comparator> {
        RegexString::new(pattern).map(Comparator::RegexString)
    }

    /// How the comparator's value compares with `value`; `None` when the two
    /// cannot be compared at all.
    pub fn compare(&self, value: &[u8]) -> Option<Ordering> {
        Some(match self {
            Comparator::Binary(mine) => mine.as_ref().cmp(value),
            Comparator::BinaryPrefix(mine) => mine.as_ref().cmp(&value[..value.len().min(mine.len())]),
            Comparator::RegexString(regex) => matched(regex.is_match(value)),
            Comparator::Substring(text) => {
                matched(String::from_utf8_lossy(value).to_lowercase().contains(text.as_str()))
            }
            Comparator::Null => matched(value.is_empty()),
            Comparator::Long(mine) => mine.cmp(&i64::from_be_bytes(<[u8; 8]>::try_from(value).ok()?)),
            Comparator::Bit { value: mask, op } => {
                let hit = mask.len() == value.len()
                    && mask.iter().zip(value).any(|(m, v)| match op {
                        BitOp::And => m & v != 0,
                        BitOp::Or => m | v != 0,
                        BitOp::Xor => m ^ v != 0,
                    });
                matched(hit)
            }
        })
    }

    /// Whether `value` passes `op` against this comparator.
    pub fn test(&self, op: CompareOp, value: &[u8]) -> bool {
        self.compare(value).is_some_and(|ord| op.accepts(ord))
    }

    /// Regex and substring comparators only answer match or no match, so the
    /// filter language allows them with `=` and `!=` only.
    pub fn equality_only(&self) -> bool {
        matches!(self, Comparator::RegexString(_) | Comparator::Substring(_))
    }

    /// HBase's class name, as REST's JSON writes it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Comparator::Binary(_) => "BinaryComparator",
            Comparator::BinaryPrefix(_) => "BinaryPrefixComparator",
            Comparator::RegexString(_) => "RegexStringComparator",
            Comparator::Substring(_) => "SubstringComparator",
            Comparator::Null => "NullComparator",
            Comparator::Long(_) => "LongComparator",
            Comparator::Bit { .. } => "BitComparator",
        }
    }
}

/// HBase's 0 (match) or 1 (no match), as an ordering.
fn matched(hit: bool) -> Ordering {
    if hit { Ordering::Equal } else { Ordering::Greater }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(v: &'static str) -> Comparator {
        Comparator::Binary(Bytes::from_static(v.as_bytes()))
    }

    #[test]
    fn ops_read_cell_against_comparator() {
        let five = binary("5");
        let cases = [
            (CompareOp::Less, [true, false, false]),
            (CompareOp::LessOrEqual, [true, true, false]),
            (CompareOp::Equal, [false, true, false]),
            (CompareOp::NotEqual, [true, false, true]),
            (CompareOp::GreaterOrEqual, [false, true, true]),
            (CompareOp::Greater, [false, false, true]),
            (CompareOp::NoOp, [false, false, false]),
        ];
        for (op, expected) in cases {
            let got = [five.test(op, b"4"), five.test(op, b"5"), five.test(op, b"6")];
            assert_eq!(got, expected, "{op:?}");
        }
    }

    #[test]
    fn binary_is_unsigned_and_lexicographic() {
        let c = binary("ab");
        assert!(c.test(CompareOp::Less, b"a"));
        assert!(c.test(CompareOp::Greater, b"abc"));
        assert!(c.test(CompareOp::Greater, b"b"));
        assert!(Comparator::Binary(Bytes::from_static(b"\x7f")).test(CompareOp::Greater, b"\x80"));
    }

    #[test]
    fn binary_prefix_compares_the_head() {
        let c = Comparator::BinaryPrefix(Bytes::from_static(b"ab"));
        assert!(c.test(CompareOp::Equal, b"abc"));
        assert!(c.test(CompareOp::Equal, b"ab"));
        assert!(c.test(CompareOp::Less, b"a"));
        assert!(c.test(CompareOp::Greater, b"b"));
        assert!(c.test(CompareOp::Less, b"aa"));
    }

    #[test]
    fn regex_finds_anywhere_and_dot_matches_newline() {
        let c = Comparator::regex("b.c").unwrap();
        assert!(c.test(CompareOp::Equal, b"xxb\ncyy"));
        assert!(c.test(CompareOp::NotEqual, b"bc"));
        assert!(!c.test(CompareOp::Equal, b"bc"));
        let anchored = Comparator::regex("^a+$").unwrap();
        assert!(anchored.test(CompareOp::Equal, b"aaa"));
        assert!(!anchored.test(CompareOp::Equal, b"aab"));
    }

    #[test]
    fn regex_on_non_utf8_values() {
        let c = Comparator::regex("ok").unwrap();
        assert!(c.test(CompareOp::Equal, b"\xff\xfeok\x80"));
        assert!(c.test(CompareOp::NotEqual, b"\xff\xfe"));
    }

    #[test]
    fn bad_regex_is_an_error() {
        let err = Comparator::regex("a(").unwrap_err().to_string();
        assert!(err.contains("RegexStringComparator") && err.contains("a("), "{err}");
    }

    #[test]
    fn regex_equality_is_by_pattern() {
        assert_eq!(Comparator::regex("a.*").unwrap(), Comparator::regex("a.*").unwrap());
        assert_ne!(Comparator::regex("a.*").unwrap(), Comparator::regex("a.+").unwrap());
        assert_eq!(format!("{:?}", RegexString::new("x").unwrap()), "RegexString(\"x\")");
    }

    #[test]
    fn substring_ignores_case() {
        let c = Comparator::substring("BoB");
        assert_eq!(c, Comparator::Substring("bob".into()));
        assert!(c.test(CompareOp::Equal, b"hello BOB!"));
        assert!(c.test(CompareOp::Equal, b"bobby"));
        assert!(c.test(CompareOp::NotEqual, b"bo b"));
        assert!(c.test(CompareOp::Equal, b"\xffbob"));
    }

    #[test]
    fn null_matches_empty() {
        assert!(Comparator::Null.test(CompareOp::Equal, b""));
        assert!(Comparator::Null.test(CompareOp::NotEqual, b"x"));
    }

    #[test]
    fn long_compares_signed_big_endian() {
        let c = Comparator::Long(10);
        assert!(c.test(CompareOp::Less, &5i64.to_be_bytes()));
        assert!(c.test(CompareOp::Less, &(-5i64).to_be_bytes()));
        assert!(c.test(CompareOp::Equal, &10i64.to_be_bytes()));
        assert!(c.test(CompareOp::Greater, &11i64.to_be_bytes()));
        assert!(!c.test(CompareOp::NotEqual, b"short"));
        assert_eq!(c.compare(b"short"), None);
    }

    #[test]
    fn bit_ops() {
        let and = Comparator::Bit { value: Bytes::from_static(&[0b0000_0101]), op: BitOp::And };
        assert!(and.test(CompareOp::Equal, &[0b0000_0100]));
        assert!(and.test(CompareOp::NotEqual, &[0b0000_0010]));
        assert!(and.test(CompareOp::NotEqual, &[0b0000_0100, 0]));
        let xor = Comparator::Bit { value: Bytes::from_static(&[1, 1]), op: BitOp::Xor };
        assert!(xor.test(CompareOp::NotEqual, &[1, 1]));
        assert!(xor.test(CompareOp::Equal, &[1, 0]));
        let or = Comparator::Bit { value: Bytes::from_static(&[0]), op: BitOp::Or };
        assert!(or.test(CompareOp::NotEqual, &[0]));
        assert!(or.test(CompareOp::Equal, &[8]));
    }

    #[test]
    fn op_names_and_symbols() {
        for (op, name, symbol) in OPS {
            assert_eq!(op.name(), name);
            assert_eq!(CompareOp::from_name(name), Some(op));
            assert_eq!(op.symbol(), symbol);
            if let Some(s) = symbol {
                assert_eq!(CompareOp::from_symbol(s), Some(op));
            }
        }
        assert_eq!(CompareOp::from_name("less"), Some(CompareOp::Less));
        assert_eq!(CompareOp::from_name("LT"), None);
        assert_eq!(CompareOp::from_symbol("=="), None);
        assert_eq!(BitOp::from_name("xor"), Some(BitOp::Xor));
        assert_eq!(BitOp::from_name("NAND"), None);
    }

    #[test]
    fn type_names_and_equality_only() {
        assert_eq!(binary("a").type_name(), "BinaryComparator");
        assert_eq!(Comparator::substring("a").type_name(), "SubstringComparator");
        assert!(Comparator::substring("a").equality_only());
        assert!(Comparator::regex("a").unwrap().equality_only());
        assert!(!binary("a").equality_only());
        assert!(!Comparator::Null.equality_only());
    }
}
