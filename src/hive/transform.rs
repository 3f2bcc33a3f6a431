//! Hive's `SELECT TRANSFORM (cols) USING 'command' [AS (name [type], ...) | AS name, ...]`
//! and its `MAP cols USING` / `REDUCE cols USING` spellings. The parser below
//! DataFusion's does not know them, so before parsing the tokens are rewritten
//! to a call `enma_transform('command', 'name type, ...', cols...)`, which the
//! engine then plans as a table (see `engine::transform`).

use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::error::{Error, Result};

/// The marker function the rewrite produces.
pub const TRANSFORM_FN: &str = "enma_transform";

fn word(t: &Token, kw: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// The index after the `)` matching the `(` at `open`.
fn after_parens(tokens: &[TokenWithSpan], open: usize) -> Result<usize> {
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            _ => {}
        }
    }
    Err(Error::parse("TRANSFORM: unbalanced parentheses"))
}

/// Rewrites every TRANSFORM / MAP / REDUCE select into the marker call.
pub fn mark_transforms(mut tokens: Vec<TokenWithSpan>) -> Result<Vec<TokenWithSpan>> {
    let mut i = 0;
    while i < tokens.len() {
        let starts_select = i > 0 && word(&tokens[i - 1].token, "SELECT");
        let kw_transform = word(&tokens[i].token, "TRANSFORM") && matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::LParen));
        let kw_map_reduce = starts_select && (word(&tokens[i].token, "MAP") || word(&tokens[i].token, "REDUCE"));
        if !(kw_transform || kw_map_reduce) {
            i += 1;
            continue;
        }
        // The argument tokens, without the surrounding parentheses.
        let (args, mut j) = if kw_transform {
            let end = after_parens(&tokens, i + 1)?;
            (tokens[i + 2..end - 1].to_vec(), end)
        } else {
            let mut j = i + 1;
            let mut depth = 0;
            while j < tokens.len() && !(depth == 0 && word(&tokens[j].token, "USING")) {
                match tokens[j].token {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            (tokens[i + 1..j].to_vec(), j)
        };
        if tokens.get(j).is_some_and(|t| word(&t.token, "ROW")) {
            return Err(Error::plan("TRANSFORM with ROW FORMAT is not supported yet; rows go to the command tab-separated"));
        }
        if !tokens.get(j).is_some_and(|t| word(&t.token, "USING")) {
            if kw_transform {
                return Err(Error::parse("TRANSFORM (...) must be followed by USING 'command'"));
            }
            i += 1;
            continue;
        }
        let command = match tokens.get(j + 1).map(|t| &t.token) {
            // The tokens keep their escapes: read the command as Hive reads a string literal.
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => super::dialect::unescape_hive_string(s),
            _ => return Err(Error::parse("USING must be followed by the command as a string")),
        };
        j += 2;
        let mut columns = String::new();
        if tokens.get(j).is_some_and(|t| word(&t.token, "AS")) {
            j += 1;
            if matches!(tokens.get(j).map(|t| &t.token), Some(Token::LParen)) {
                let end = after_parens(&tokens, j)?;
                columns = tokens[j + 1..end - 1].iter().map(|t| t.token.to_string()).collect::<Vec<_>>().join(" ");
                j = end;
            } else {
                let mut names = Vec::new();
                while let Some(Token::Word(w)) = tokens.get(j).map(|t| &t.token) {
                    names.push(w.value.clone());
                    j += 1;
                    if matches!(tokens.get(j).map(|t| &t.token), Some(Token::Comma)) {
                        j += 1;
                    } else {
                        break;
                    }
                }
                columns = names.join(", ");
            }
        }
        if tokens.get(j).is_some_and(|t| word(&t.token, "ROW")) {
            return Err(Error::plan("TRANSFORM with ROW FORMAT is not supported yet; rows come back tab-separated"));
        }
        let span = tokens[i].span;
        let mut call = vec![
            TokenWithSpan { token: Token::make_word(TRANSFORM_FN, None), span },
            TokenWithSpan { token: Token::LParen, span },
            TokenWithSpan { token: Token::SingleQuotedString(command), span },
            TokenWithSpan { token: Token::Comma, span },
            TokenWithSpan { token: Token::SingleQuotedString(columns), span },
        ];
        call.push(TokenWithSpan { token: Token::Comma, span });
        call.extend(args);
        call.push(TokenWithSpan { token: Token::RParen, span });
        let n = call.len();
        tokens.splice(i..j, call);
        i += n;
    }
    Ok(tokens)
}
