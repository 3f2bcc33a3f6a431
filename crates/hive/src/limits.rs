//! Limits on the size of one statement, checked on its tokens before any
//! tree is built.
//!
//! Parsing builds chains of operators (`a + b + c ...`, `x OR y OR ...`,
//! `SELECT .. UNION ALL SELECT ..`) as trees as deep as the chain is long,
//! and the passes after it (Hive's rewrites, planning, optimizing, even
//! dropping the tree) recurse over that depth. Queries run on threads with a
//! large stack (`engine::query_threads`); this limit keeps every statement
//! within what that stack holds, with an error instead of an abort.

use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::error::{Error, Result};

/// Most operators (arithmetic, comparison, AND / OR, set operations) one
/// statement may hold.
pub const MAX_OPERATORS: usize = 10_000;

/// Refuses a statement with more than [`MAX_OPERATORS`] operators.
pub fn check_operators(tokens: &[TokenWithSpan]) -> Result<()> {
    let operators = tokens.iter().filter(|t| is_operator(&t.token)).count();
    if operators > MAX_OPERATORS {
        return Err(Error::plan(format!(
            "the statement holds {operators} operators (arithmetic, comparisons, AND/OR, UNION/INTERSECT/EXCEPT); \
             the limit is {MAX_OPERATORS} per statement: split it, or use IN (...) lists and tables instead of long chains"
        )));
    }
    Ok(())
}

fn is_operator(token: &Token) -> bool {
    match token {
        Token::Word(w) if w.quote_style.is_none() => {
            ["AND", "OR", "UNION", "INTERSECT", "EXCEPT", "MINUS"].iter().any(|k| w.value.eq_ignore_ascii_case(k))
        }
        Token::Plus
        | Token::Minus
        | Token::Mul
        | Token::Div
        | Token::Mod
        | Token::StringConcat
        | Token::Eq
        | Token::DoubleEq
        | Token::Neq
        | Token::Lt
        | Token::Gt
        | Token::LtEq
        | Token::GtEq
        | Token::Spaceship
        | Token::Ampersand
        | Token::Pipe
        | Token::Caret
        | Token::DuckIntDiv => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::HiveDialect;
    use datafusion::sql::sqlparser::tokenizer::Tokenizer;

    fn check(sql: &str) -> Result<()> {
        check_operators(&Tokenizer::new(&HiveDialect {}, sql).tokenize_with_location().unwrap())
    }

    #[test]
    fn counts_operators() {
        let chain = |n: usize, op: &str| vec!["1"; n].join(op);
        assert!(check(&format!("SELECT {}", chain(MAX_OPERATORS + 1, "+"))).is_ok());
        assert!(check(&format!("SELECT {}", chain(MAX_OPERATORS + 2, " OR "))).is_err());
        assert!(check(&format!("SELECT {}", chain(MAX_OPERATORS + 2, " UNION ALL SELECT "))).is_err());
        assert!(check("SELECT 'a + b' AS `or`, x FROM t WHERE a = 1 AND b <> 2").is_ok());
    }
}
