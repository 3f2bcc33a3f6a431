//! Hive's `SELECT TRANSFORM (cols) USING 'command' [AS (name [type], ...) | AS name, ...]`
//! and its `MAP cols USING` / `REDUCE cols USING` spellings. The parser below
//! DataFusion's does not know them, so before parsing the tokens are rewritten
//! to a call `enma_transform('command', 'name type, ...', cols...)`, which the
//! engine then plans as a table (see `engine::transform`).

use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::error::{Error, Result};

/// How rows are written to a script, or its output read back: Hive's
/// `ROW FORMAT DELIMITED FIELDS TERMINATED BY 'c' NULL DEFINED AS 's'`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowFormat {
    pub field_delim: u8,
    pub null: String,
}

impl Default for RowFormat {
    /// Hive's default for scripts: tabs, and `\N` for NULL.
    fn default() -> Self {
        RowFormat { field_delim: b'\t', null: "\\N".into() }
    }
}

/// The row formats of a TRANSFORM: what the script reads, and what it writes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ScriptFormat {
    pub input: RowFormat,
    pub output: RowFormat,
}

impl ScriptFormat {
    /// As the marker's argument: bytes in hex, so no quoting or escaping can change them.
    pub fn to_marker(&self) -> String {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let f = |r: &RowFormat| format!("{}:{}", hex(&[r.field_delim]), hex(r.null.as_bytes()));
        format!("{},{}", f(&self.input), f(&self.output))
    }

    pub fn from_marker(text: &str) -> Result<Self> {
        let bad = || Error::internal(format!("bad TRANSFORM format marker '{text}'"));
        let unhex = |h: &str| -> Result<Vec<u8>> {
            (0..h.len())
                .step_by(2)
                .map(|i| h.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()).ok_or_else(bad))
                .collect()
        };
        let row = |part: &str| -> Result<RowFormat> {
            let (delim, null) = part.split_once(':').ok_or_else(bad)?;
            let delim = *unhex(delim)?.first().ok_or_else(bad)?;
            Ok(RowFormat { field_delim: delim, null: String::from_utf8(unhex(null)?).map_err(|_| bad())? })
        };
        let (input, output) = text.split_once(',').ok_or_else(bad)?;
        Ok(ScriptFormat { input: row(input)?, output: row(output)? })
    }
}

/// `ROW FORMAT DELIMITED ...` at `tokens[i]` (if there): the format and the index after it.
fn row_format(tokens: &[TokenWithSpan], mut i: usize) -> Result<(RowFormat, usize)> {
    let mut format = RowFormat::default();
    if !(tokens.get(i).is_some_and(|t| word(&t.token, "ROW"))
        && tokens.get(i + 1).is_some_and(|t| word(&t.token, "FORMAT")))
    {
        return Ok((format, i));
    }
    i += 2;
    if !tokens.get(i).is_some_and(|t| word(&t.token, "DELIMITED")) {
        return Err(Error::plan("TRANSFORM supports ROW FORMAT DELIMITED only (not a SerDe class)"));
    }
    i += 1;
    let text = |i: usize| match tokens.get(i).map(|t| &t.token) {
        Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => {
            Ok(super::dialect::unescape_hive_string(s))
        }
        _ => Err(Error::parse("ROW FORMAT DELIMITED: expected a quoted string")),
    };
    let is = |i: usize, words: &[&str]| {
        words.iter().enumerate().all(|(k, w)| tokens.get(i + k).is_some_and(|t| word(&t.token, w)))
    };
    loop {
        if is(i, &["FIELDS", "TERMINATED", "BY"]) {
            let delim = text(i + 3)?;
            format.field_delim =
                *delim.as_bytes().first().ok_or_else(|| Error::plan("FIELDS TERMINATED BY needs a character"))?;
            i += 4;
        } else if is(i, &["NULL", "DEFINED", "AS"]) {
            format.null = text(i + 3)?;
            i += 4;
        } else if is(i, &["LINES", "TERMINATED", "BY"]) {
            if text(i + 3)? != "\n" {
                return Err(Error::plan("TRANSFORM reads and writes lines ended by \\n only"));
            }
            i += 4;
        } else if is(i, &["COLLECTION", "ITEMS"]) || is(i, &["MAP", "KEYS"]) || is(i, &["ESCAPED"]) {
            return Err(Error::plan(
                "TRANSFORM's ROW FORMAT supports FIELDS TERMINATED BY, NULL DEFINED AS and LINES TERMINATED BY '\\n'",
            ));
        } else {
            return Ok((format, i));
        }
    }
}

/// The marker function the rewrite produces:
/// `enma_transform('command', 'columns', 'format as JSON', args...)`.
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
        let kw_transform =
            word(&tokens[i].token, "TRANSFORM") && matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::LParen));
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
        let (input_format, after) = row_format(&tokens, j)?;
        j = after;
        if !tokens.get(j).is_some_and(|t| word(&t.token, "USING")) {
            if kw_transform {
                return Err(Error::parse("TRANSFORM (...) must be followed by USING 'command'"));
            }
            i += 1;
            continue;
        }
        let command = match tokens.get(j + 1).map(|t| &t.token) {
            // The tokens keep their escapes: read the command as Hive reads a string literal.
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => {
                super::dialect::unescape_hive_string(s)
            }
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
        let (output_format, after) = row_format(&tokens, j)?;
        j = after;
        let format = ScriptFormat { input: input_format, output: output_format }.to_marker();
        let span = tokens[i].span;
        let mut call = vec![
            TokenWithSpan { token: Token::make_word(TRANSFORM_FN, None), span },
            TokenWithSpan { token: Token::LParen, span },
            TokenWithSpan { token: Token::SingleQuotedString(command), span },
            TokenWithSpan { token: Token::Comma, span },
            TokenWithSpan { token: Token::SingleQuotedString(columns), span },
            TokenWithSpan { token: Token::Comma, span },
            TokenWithSpan { token: Token::SingleQuotedString(format), span },
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
