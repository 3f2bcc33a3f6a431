//! The HiveQL dialect for sqlparser: HiveDialect with Hive's lexical rules
//! that sqlparser's own Hive dialect lacks.
//!
//! It reports HiveDialect's type id, so every Hive-specific branch of the
//! parser still applies, and changes what differs: `"text"` is a string
//! literal (Hive's meaning, not an identifier), backslash escapes stay inside
//! string literals (decoded later by [`unescape_hive_string`], whose rules are
//! Hive's, not sqlparser's), `LIMIT offset, n` is accepted, `DIV` is integer division.

use std::any::TypeId;

use datafusion::sql::sqlparser::ast::{BinaryOperator, CastKind, DataType, Expr};
use datafusion::sql::sqlparser::dialect::{Dialect, HiveDialect, Precedence};
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion::sql::sqlparser::tokenizer::Token;

/// HiveQL's lexical rules on top of sqlparser's HiveDialect.
#[derive(Debug, Default, Clone, Copy)]
pub struct HiveQl {
    hive: HiveDialect,
}

impl Dialect for HiveQl {
    fn dialect(&self) -> TypeId {
        TypeId::of::<HiveDialect>()
    }
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '`'
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        self.hive.is_identifier_start(ch) || ch == '_'
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        // `{`/`}` belong to ${var} substitution, done before parsing.
        ch.is_ascii_alphanumeric() || ch == '_' || ch == '$'
    }
    fn supports_string_literal_backslash_escape(&self) -> bool {
        true
    }
    fn supports_limit_comma(&self) -> bool {
        true
    }
    fn supports_filter_during_aggregation(&self) -> bool {
        true
    }
    fn supports_numeric_prefix(&self) -> bool {
        true
    }
    fn require_interval_qualifier(&self) -> bool {
        true
    }
    fn supports_bang_not_operator(&self) -> bool {
        true
    }
    fn supports_load_data(&self) -> bool {
        true
    }
    fn supports_table_sample_before_alias(&self) -> bool {
        true
    }
    fn supports_group_by_with_modifier(&self) -> bool {
        true
    }
    /// `SELECT explode(m) AS (k, v)`: a generator's column names.
    fn supports_select_item_multi_column_alias(&self) -> bool {
        true
    }
    /// `a DIV b`: Hive's integer division.
    fn parse_infix(&self, parser: &mut Parser, expr: &Expr, _precedence: u8) -> Option<Result<Expr, ParserError>> {
        let is_div = matches!(&parser.peek_token().token, Token::Word(w) if w.keyword == Keyword::DIV);
        if !is_div {
            return None;
        }
        parser.next_token();
        let precedence = self.prec_value(Precedence::MulDivModOp);
        // DataFusion does not execute its integer-division operator; Hive's DIV
        // is the quotient truncated toward zero, as a BIGINT.
        Some(parser.parse_subexpr(precedence).map(|right| Expr::Cast {
            kind: CastKind::Cast,
            expr: Box::new(Expr::Nested(Box::new(Expr::BinaryOp {
                left: Box::new(expr.clone()),
                op: BinaryOperator::Divide,
                right: Box::new(right),
            }))),
            data_type: DataType::BigInt(None),
            array: false,
            format: None,
        }))
    }
}

/// Decodes the backslash escapes of a Hive string literal body as Hive does
/// (`\t`, `\n`, `\001` octal, `\u0041`, `\'`; an unknown escape keeps the
/// character and drops the backslash; `\%` and `\_` stay escaped for LIKE).
pub fn unescape_hive_string(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        // Three octal digits: \001 (first digit 0 or 1 in Hive's rule).
        if i + 3 < chars.len() {
            let d = &chars[i + 1..i + 4];
            if (d[0] == '0' || d[0] == '1') && d[1..].iter().all(|c| ('0'..='7').contains(c)) {
                let v = d.iter().fold(0u32, |acc, c| acc * 8 + (*c as u32 - '0' as u32));
                out.push(char::from_u32(v).unwrap_or('?'));
                i += 4;
                continue;
            }
        }
        if chars[i + 1] == 'u' && i + 5 < chars.len() {
            let hex: String = chars[i + 2..i + 6].iter().collect();
            if let Ok(v) = u32::from_str_radix(&hex, 16)
                && let Some(ch) = char::from_u32(v)
            {
                out.push(ch);
                i += 6;
                continue;
            }
        }
        let n = chars[i + 1];
        match n {
            '0' => out.push('\0'),
            'b' => out.push('\u{8}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'Z' => out.push('\u{1A}'),
            '%' => out.push_str("\\%"),
            '_' => out.push_str("\\_"),
            other => out.push(other),
        }
        i += 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_like_hive() {
        assert_eq!(unescape_hive_string(r"a\tb"), "a\tb");
        assert_eq!(unescape_hive_string(r"\001"), "\u{1}");
        assert_eq!(unescape_hive_string(r"it\'s"), "it's");
        assert_eq!(unescape_hive_string(r"\u0041"), "A");
        assert_eq!(unescape_hive_string(r"a\%"), r"a\%");
        assert_eq!(unescape_hive_string(r"\\"), r"\");
        assert_eq!(unescape_hive_string(r"x\"), r"x\");
    }
}
