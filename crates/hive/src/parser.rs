//! The HiveQL front end: splits a script into statements and parses each one.
//!
//! Queries go to sqlparser (with the [`HiveQl`] dialect) and stay in its AST.
//! Hive's DDL, DML and utility statements are parsed here, over sqlparser's
//! tokens, because sqlparser either does not parse them or parses them into
//! shapes that lose Hive's meaning (see the design notes in HIVEQL_PARSER.md).

use std::collections::BTreeMap;

use datafusion::sql::sqlparser::ast;
use datafusion::sql::sqlparser::parser::{Parser, ParserOptions};
use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use super::dialect::{HiveQl, unescape_hive_string};
use super::statement::{CreateTable, DescribeMode, HiveStatement, PartitionSpec, TableName};
use super::types::normalize_hive_type;
use crate::error::{Error, Result};
use enma_metastore::{Column, StorageFormat};

/// Splits a script on `;` outside quotes and comments; drops empty statements.
pub fn split_statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = script.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == '\\' && q != '`' {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' | '`' => {
                    quote = Some(c);
                    cur.push(c);
                }
                '-' if chars.peek() == Some(&'-') => {
                    // A comment runs to the end of the line.
                    for n in chars.by_ref() {
                        if n == '\n' {
                            cur.push('\n');
                            break;
                        }
                    }
                }
                ';' => {
                    if !cur.trim().is_empty() {
                        out.push(cur.trim().to_string());
                    }
                    cur.clear();
                }
                _ => cur.push(c),
            },
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// Whether token `i` begins the select of a FROM-first clause: SELECT, or
/// Hive's MAP / REDUCE transforms (`map(` is the function).
fn starts_select(tokens: &[TokenWithSpan], i: usize) -> bool {
    let t = &tokens[i].token;
    is_word(t, "SELECT")
        || ((is_word(t, "MAP") || is_word(t, "REDUCE"))
            && !matches!(tokens.get(i + 1).map(|t| &t.token), Some(Token::LParen)))
}

/// One clause of a FROM-first statement, tokens `start..end`, as an
/// ordinary statement: `[INSERT ...] SELECT list FROM src [WHERE ...]`
/// (`SELECT MAP ...` for a MAP or REDUCE clause).
fn select_first(
    sql: &str,
    tokens: &[TokenWithSpan],
    start: usize,
    end: Option<usize>,
    from_text: &str,
) -> Result<String> {
    let end_off = end.map(|e| offset_of(sql, &tokens[e])).unwrap_or(sql.len());
    let clause_tokens = &tokens[start..end.unwrap_or(tokens.len())];
    let Some(&sel) = top_level_at(clause_tokens, |i| starts_select(clause_tokens, i)).first() else {
        return Err(Error::parse("each INSERT of a multi-insert needs a SELECT"));
    };
    let after_select = &clause_tokens[sel + 1..];
    const TAIL: &[&str] =
        &["WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "CLUSTER", "DISTRIBUTE", "SORT", "WINDOW", "LATERAL"];
    let tail = top_level(after_select, |t| TAIL.iter().any(|k| is_word(t, k)))
        .first()
        .map(|&k| offset_of(sql, &after_select[k]));
    let head = &sql[offset_of(sql, &clause_tokens[0])..offset_of(sql, &clause_tokens[sel])];
    let list_end = tail.unwrap_or(end_off);
    let list = &sql[offset_of(sql, &clause_tokens[sel])..list_end];
    let select = if is_word(&clause_tokens[sel].token, "SELECT") { "" } else { "SELECT " };
    let rest = &sql[list_end..end_off];
    Ok(format!("{head} {select}{list} FROM {from_text} {rest}"))
}

fn tokenize(sql: &str) -> Result<Vec<TokenWithSpan>> {
    Ok(Tokenizer::new(&HiveQl::default(), sql)
        .with_unescape(false)
        .tokenize_with_location()
        .map_err(|e| Error::parse(format!("cannot parse statement: {e}")))?
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect())
}

/// Subqueries written FROM-first, `(FROM src MAP ... CLUSTER BY k) t` as
/// Hive's MapReduce scripts nest them, rewritten select-first (innermost
/// first), so the statement around them parses as usual.
fn rewrite_from_first_subqueries(sql: &str) -> Result<String> {
    let tokens = tokenize(sql)?;
    let Some(open) = (0..tokens.len().saturating_sub(1))
        .find(|&i| matches!(tokens[i].token, Token::LParen) && is_word(&tokens[i + 1].token, "FROM"))
    else {
        return Ok(sql.to_string());
    };
    let mut depth = 0;
    let close = (open..tokens.len())
        .find(|&i| {
            match tokens[i].token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            depth == 0
        })
        .ok_or_else(|| Error::parse("unbalanced parentheses"))?;
    let (inner_start, inner_end) = (offset_of(sql, &tokens[open + 1]), offset_of(sql, &tokens[close]));
    let inner = rewrite_from_first_subqueries(&sql[inner_start..inner_end])?;
    let inner_tokens = tokenize(&inner)?;
    let rest = rewrite_from_first_subqueries(&sql[inner_end..])?;
    // Not a query (`trim(FROM s)`): left as it is.
    let Some(&sel) = top_level_at(&inner_tokens, |i| starts_select(&inner_tokens, i)).first() else {
        return Ok(format!("{}{inner}{rest}", &sql[..inner_start]));
    };
    let from_text = inner[offset_of(&inner, &inner_tokens[0]) + 4..offset_of(&inner, &inner_tokens[sel])].trim();
    let query = select_first(&inner, &inner_tokens, sel, None, from_text)?;
    Ok(format!("{}{}{rest}", &sql[..inner_start], query.trim()))
}

/// Parses one statement (without its trailing `;`).
pub fn parse_statement(sql: &str) -> Result<HiveStatement> {
    let trimmed = sql.trim();
    let first = trimmed.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
    // SET takes raw text: values may hold spaces and characters that do not tokenize.
    if first == "SET" {
        return Ok(parse_set(trimmed[3..].trim()));
    }
    if first == "RESET" {
        return Ok(HiveStatement::Reset);
    }
    let mut tokens = tokenize(trimmed)?;
    super::limits::check_operators(&tokens)?;
    let rewritten;
    let mut trimmed = trimmed;
    if tokens.windows(2).any(|w| matches!(w[0].token, Token::LParen) && is_word(&w[1].token, "FROM")) {
        rewritten = rewrite_from_first_subqueries(trimmed)?;
        trimmed = &rewritten;
        tokens = tokenize(trimmed)?;
    }
    if matches!(tokens.first().map(|t| &t.token), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("FROM")) {
        return parse_from_first(trimmed, &tokens);
    }
    let tokens = super::transform::mark_transforms(tokens)?;
    let mut p = P { tokens, pos: 0 };
    let stmt = p.statement()?;
    if !p.at_end() {
        return Err(p.unexpected());
    }
    Ok(stmt)
}

/// Byte offset in `sql` of a token's start (spans are 1-based line and character column).
fn offset_of(sql: &str, t: &TokenWithSpan) -> usize {
    let (line, col) = (t.span.start.line as usize, t.span.start.column as usize);
    let line_start: usize = sql.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = &sql[line_start..];
    line_start + rest.char_indices().nth(col.saturating_sub(1)).map(|(i, _)| i).unwrap_or(rest.len())
}

fn is_word(t: &Token, kw: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// Indexes of the tokens at bracket depth 0 that satisfy `pred`.
fn top_level(tokens: &[TokenWithSpan], pred: impl Fn(&Token) -> bool) -> Vec<usize> {
    top_level_at(tokens, |i| pred(&tokens[i].token))
}

/// As [`top_level`], for a predicate that looks at a token's neighbours too (given its index).
fn top_level_at(tokens: &[TokenWithSpan], pred: impl Fn(usize) -> bool) -> Vec<usize> {
    let mut depth = 0i32;
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            _ if depth == 0 && pred(i) => out.push(i),
            _ => {}
        }
    }
    out
}

/// `FROM src INSERT ... SELECT ... [INSERT ... SELECT ...]` (Hive's multi-insert)
/// and `FROM src SELECT ...`: each clause becomes an ordinary statement that
/// reads `src`. The inserts run one after the other, each atomic on its own.
fn parse_from_first(sql: &str, tokens: &[TokenWithSpan]) -> Result<HiveStatement> {
    let starts: Vec<usize> = top_level_at(tokens, |i| is_word(&tokens[i].token, "INSERT") || starts_select(tokens, i));
    let Some(&first) = starts.first() else {
        return Err(Error::parse("FROM ... must be followed by INSERT, SELECT, MAP or REDUCE"));
    };
    let from_text = sql[offset_of(sql, &tokens[0]) + 4..offset_of(sql, &tokens[first])].trim();
    // Clause boundaries: each INSERT, or a SELECT that does not belong to an INSERT.
    let mut clauses = Vec::new();
    let mut i = 0;
    while i < starts.len() {
        let start = starts[i];
        let mut next = i + 1;
        if is_word(&tokens[start].token, "INSERT") {
            // The SELECT of this INSERT is part of it.
            if next < starts.len() && starts_select(tokens, starts[next]) {
                next += 1;
            }
        }
        let end = starts.get(next).copied();
        clauses.push((start, end));
        i = next;
    }
    let mut statements = Vec::new();
    for (start, end) in clauses {
        let text = select_first(sql, tokens, start, end, from_text)?;
        statements.push(parse_statement(text.trim().trim_end_matches(';'))?);
    }
    if statements.len() == 1
        && let Some(only) = statements.pop()
    {
        return Ok(only);
    }
    Ok(HiveStatement::Multi(statements))
}

/// `LATERAL VIEW explode(m) myTab LIMIT 2`: in Hive the view's column names
/// need AS, but sqlparser takes any word after the view name that is not
/// WHERE, GROUP, CLUSTER, HAVING or LATERAL for a column name (here LIMIT).
/// Where the next word ends the lateral view instead, an explicit `WHERE TRUE`
/// ends it for sqlparser (the next clause of such a select cannot be WHERE).
fn end_lateral_views(mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    const ENDS: &[&str] = &["LIMIT", "ORDER", "SORT", "DISTRIBUTE", "UNION", "EXCEPT", "INTERSECT", "MINUS", "WINDOW"];
    let mut i = 0;
    while i + 1 < tokens.len() {
        if !(is_word(&tokens[i].token, "LATERAL") && is_word(&tokens[i + 1].token, "VIEW")) {
            i += 1;
            continue;
        }
        i += 2;
        // The function name, then its arguments up to the matching parenthesis.
        while i < tokens.len() && !matches!(tokens[i].token, Token::LParen) {
            i += 1;
        }
        let mut depth = 0;
        while i < tokens.len() {
            match tokens[i].token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            i += 1;
            if depth == 0 {
                break;
            }
        }
        // The view name, then a word that ends the lateral view.
        if i + 1 < tokens.len()
            && matches!(tokens[i].token, Token::Word(_))
            && ENDS.iter().any(|k| is_word(&tokens[i + 1].token, k))
        {
            let span = tokens[i + 1].span;
            let word = |w: &str| TokenWithSpan::new(Token::make_keyword(w), span);
            tokens.splice(i + 1..i + 1, [word("WHERE"), word("TRUE")]);
        }
    }
    tokens
}

fn parse_set(rest: &str) -> HiveStatement {
    if rest.is_empty() || rest == "-v" {
        return HiveStatement::Set { key: None, value: None };
    }
    match rest.split_once('=') {
        Some((k, v)) => HiveStatement::Set { key: Some(k.trim().to_string()), value: Some(v.trim().to_string()) },
        None => HiveStatement::Set { key: Some(rest.to_string()), value: None },
    }
}

fn parser_options() -> ParserOptions {
    ParserOptions::new().with_unescape(false).with_trailing_commas(false)
}

/// A cursor over the tokens of one statement.
struct P {
    tokens: Vec<TokenWithSpan>,
    pos: usize,
}

impl P {
    fn peek(&self) -> &Token {
        self.tokens.get(self.pos).map(|t| &t.token).unwrap_or(&Token::EOF)
    }
    fn peek_at(&self, n: usize) -> &Token {
        self.tokens.get(self.pos + n).map(|t| &t.token).unwrap_or(&Token::EOF)
    }
    fn at_end(&self) -> bool {
        matches!(self.peek(), Token::EOF | Token::SemiColon) && {
            self.tokens[self.pos.min(self.tokens.len())..]
                .iter()
                .all(|t| matches!(t.token, Token::EOF | Token::SemiColon))
        }
    }
    fn unexpected(&self) -> Error {
        match self.tokens.get(self.pos) {
            Some(t) if t.token != Token::EOF => Error::parse(format!(
                "cannot recognize input near '{}' at line {}:{}",
                t.token, t.span.start.line, t.span.start.column
            )),
            _ => Error::parse("cannot recognize input: unexpected end of statement"),
        }
    }
    fn is_kw_at(&self, n: usize, kw: &str) -> bool {
        matches!(self.peek_at(n), Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }
    fn is_kw(&self, kw: &str) -> bool {
        self.is_kw_at(0, kw)
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_kws(&mut self, kws: &[&str]) -> bool {
        if kws.iter().enumerate().all(|(i, k)| self.is_kw_at(i, k)) {
            self.pos += kws.len();
            true
        } else {
            false
        }
    }
    fn expect_kw(&mut self, kw: &str) -> Result<()> {
        if self.eat_kw(kw) { Ok(()) } else { Err(self.unexpected()) }
    }
    fn eat(&mut self, t: &Token) -> bool {
        if self.peek() == t {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, t: &Token) -> Result<()> {
        if self.eat(t) { Ok(()) } else { Err(self.unexpected()) }
    }
    /// An identifier (bare or `quoted`); bare ones are lowercased, as Hive does.
    fn ident(&mut self) -> Result<String> {
        match self.peek().clone() {
            Token::Word(w) => {
                self.pos += 1;
                Ok(if w.quote_style.is_some() { w.value } else { w.value.to_ascii_lowercase() })
            }
            _ => Err(self.unexpected()),
        }
    }
    fn table_name(&mut self) -> Result<TableName> {
        let first = self.ident()?;
        if self.eat(&Token::Period) {
            let name = self.ident()?;
            Ok(TableName { database: Some(first), name })
        } else {
            Ok(TableName { database: None, name: first })
        }
    }
    /// A string literal, Hive escapes decoded.
    fn string(&mut self) -> Result<String> {
        match self.peek().clone() {
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                self.pos += 1;
                Ok(unescape_hive_string(&s))
            }
            _ => Err(self.unexpected()),
        }
    }
    fn if_not_exists(&mut self) -> bool {
        self.eat_kws(&["IF", "NOT", "EXISTS"])
    }
    fn if_exists(&mut self) -> bool {
        self.eat_kws(&["IF", "EXISTS"])
    }
    /// `('k'='v', ...)`
    fn properties(&mut self) -> Result<BTreeMap<String, String>> {
        self.expect(&Token::LParen)?;
        let mut props = BTreeMap::new();
        loop {
            let k = self.string()?;
            self.expect(&Token::Eq)?;
            let v = self.string()?;
            props.insert(k, v);
            if !self.eat(&Token::Comma) {
                break;
            }
        }
        self.expect(&Token::RParen)?;
        Ok(props)
    }
    /// A literal value in a partition spec: string, number, or bare word.
    fn literal_text(&mut self) -> Result<String> {
        match self.peek().clone() {
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                self.pos += 1;
                Ok(unescape_hive_string(&s))
            }
            Token::Number(n, _) => {
                self.pos += 1;
                Ok(n)
            }
            Token::Minus => {
                self.pos += 1;
                Ok(format!("-{}", self.literal_text()?))
            }
            Token::Word(w) => {
                self.pos += 1;
                Ok(w.value)
            }
            _ => Err(self.unexpected()),
        }
    }
    /// `PARTITION (k='v', k2)`; the PARTITION keyword already consumed.
    fn partition_spec(&mut self) -> Result<PartitionSpec> {
        self.expect(&Token::LParen)?;
        let mut spec = Vec::new();
        loop {
            let k = self.ident()?;
            let v = if self.eat(&Token::Eq) { Some(self.literal_text()?) } else { None };
            spec.push((k, v));
            if !self.eat(&Token::Comma) {
                break;
            }
        }
        self.expect(&Token::RParen)?;
        Ok(spec)
    }
    /// `(k = 'v', k2 < 3)` in DROP PARTITION: comparisons on partition columns.
    fn partition_filter(&mut self) -> Result<Vec<(String, String, String)>> {
        self.expect(&Token::LParen)?;
        let mut out = Vec::new();
        loop {
            let k = self.ident()?;
            let op = match self.peek() {
                Token::Eq => "=",
                Token::Neq => "<>",
                Token::Lt => "<",
                Token::LtEq => "<=",
                Token::Gt => ">",
                Token::GtEq => ">=",
                _ => return Err(self.unexpected()),
            };
            self.pos += 1;
            out.push((k, op.to_string(), self.literal_text()?));
            if !self.eat(&Token::Comma) {
                break;
            }
        }
        self.expect(&Token::RParen)?;
        Ok(out)
    }
    fn opt_partition(&mut self) -> Result<Option<PartitionSpec>> {
        if self.eat_kw("PARTITION") { Ok(Some(self.partition_spec()?)) } else { Ok(None) }
    }
    /// The text of a type: tokens up to a `,` or `)` outside brackets, or COMMENT.
    fn type_text(&mut self) -> Result<String> {
        let mut depth: i32 = 0;
        let mut parens = 0;
        let mut text = String::new();
        loop {
            let t = self.peek().clone();
            match &t {
                Token::EOF | Token::SemiColon => break,
                Token::Comma if depth == 0 && parens == 0 => break,
                Token::RParen if parens == 0 => break,
                Token::Word(w) if depth == 0 && w.quote_style.is_none() && w.value.eq_ignore_ascii_case("COMMENT") => {
                    break;
                }
                Token::Lt => depth += 1,
                Token::Gt => depth -= 1,
                Token::ShiftRight => depth -= 2,
                Token::LParen => parens += 1,
                Token::RParen => parens -= 1,
                _ => {}
            }
            text.push_str(&t.to_string());
            text.push(' ');
            self.pos += 1;
            if depth == 0 && parens == 0 && !matches!(self.peek(), Token::Lt | Token::LParen) && !text.trim().is_empty()
            {
                // A complete simple type, or the closing bracket of a complex one.
                let t_upper = text.trim().to_ascii_uppercase();
                if t_upper != "DOUBLE" {
                    break;
                }
            }
        }
        if text.trim().is_empty() {
            return Err(self.unexpected());
        }
        normalize_hive_type(&text)
    }
    /// `(name type [COMMENT 'c'], ...)`
    fn column_list(&mut self) -> Result<Vec<Column>> {
        self.expect(&Token::LParen)?;
        let mut cols = Vec::new();
        loop {
            let name = self.ident()?;
            let hive_type = self.type_text()?;
            let comment = if self.eat_kw("COMMENT") { Some(self.string()?) } else { None };
            cols.push(Column { name, hive_type, comment });
            if !self.eat(&Token::Comma) {
                break;
            }
        }
        self.expect(&Token::RParen)?;
        let mut seen = std::collections::HashSet::new();
        for c in &cols {
            if !seen.insert(c.name.clone()) {
                return Err(Error::plan(format!("Duplicate column name: {}", c.name)));
            }
        }
        Ok(cols)
    }
    /// `(a, b)`
    fn ident_list(&mut self) -> Result<Vec<String>> {
        self.expect(&Token::LParen)?;
        let mut v = vec![self.ident()?];
        while self.eat(&Token::Comma) {
            v.push(self.ident()?);
        }
        self.expect(&Token::RParen)?;
        Ok(v)
    }
    /// The rest of the tokens as a sqlparser query.
    fn rest_query(&mut self) -> Result<Box<ast::Query>> {
        let dialect = HiveQl::default();
        let rest = end_lateral_views(self.tokens[self.pos..].to_vec());
        let mut parser = Parser::new(&dialect).with_options(parser_options()).with_tokens_with_locations(rest);
        let q = parser.parse_query()?;
        // Whatever is left must be only the end.
        let _ = parser.consume_token(&Token::SemiColon);
        if parser.peek_token().token != Token::EOF {
            return Err(Error::parse(format!("cannot recognize input near '{}'", parser.peek_token().token)));
        }
        self.pos = self.tokens.len();
        Ok(q)
    }
    fn rest_statement(&mut self) -> Result<Box<ast::Statement>> {
        let dialect = HiveQl::default();
        let rest = end_lateral_views(self.tokens[self.pos..].to_vec());
        let mut parser = Parser::new(&dialect).with_options(parser_options()).with_tokens_with_locations(rest);
        let s = parser.parse_statement()?;
        let _ = parser.consume_token(&Token::SemiColon);
        if parser.peek_token().token != Token::EOF {
            return Err(Error::parse(format!("cannot recognize input near '{}'", parser.peek_token().token)));
        }
        self.pos = self.tokens.len();
        Ok(Box::new(s))
    }

    fn statement(&mut self) -> Result<HiveStatement> {
        if self.is_kw("SELECT") || self.is_kw("WITH") || self.is_kw("VALUES") || self.peek() == &Token::LParen {
            if self.is_kw("WITH")
                && self
                    .tokens
                    .iter()
                    .any(|t| matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case("INSERT")))
            {
                return Err(Error::plan("WITH ... INSERT is not supported yet; write INSERT ... WITH ... SELECT"));
            }
            return Ok(HiveStatement::Query(self.rest_statement()?));
        }
        if self.eat_kw("EXPLAIN") {
            let mut analyze = false;
            let mut verbose = false;
            loop {
                if self.eat_kw("ANALYZE") {
                    analyze = true;
                } else if self.eat_kw("EXTENDED") || self.eat_kw("FORMATTED") || self.eat_kw("VERBOSE") {
                    verbose = true;
                } else if self.eat_kw("DEPENDENCY")
                    || self.eat_kw("AUTHORIZATION")
                    || self.eat_kw("LOGICAL")
                    || self.eat_kw("CBO")
                {
                    return Err(Error::plan("only EXPLAIN [EXTENDED | ANALYZE] is supported"));
                } else {
                    break;
                }
            }
            let inner = self.statement()?;
            return Ok(HiveStatement::Explain { analyze, verbose, statement: Box::new(inner) });
        }
        if self.eat_kw("USE") {
            return Ok(HiveStatement::Use(self.ident()?));
        }
        if self.eat_kw("CREATE") {
            return self.create();
        }
        if self.eat_kw("DROP") {
            return self.drop();
        }
        if self.eat_kw("SHOW") {
            return self.show();
        }
        if self.eat_kw("DESCRIBE") || self.eat_kw("DESC") {
            return self.describe();
        }
        if self.eat_kw("ALTER") {
            return self.alter();
        }
        if self.eat_kw("TRUNCATE") {
            self.eat_kw("TABLE");
            let table = self.table_name()?;
            let partition = self.opt_partition()?;
            return Ok(HiveStatement::Truncate { table, partition });
        }
        if self.eat_kw("MSCK") {
            self.eat_kw("REPAIR");
            self.expect_kw("TABLE")?;
            let table = self.table_name()?;
            if self.eat_kw("ADD") || self.eat_kw("SYNC") {
                self.expect_kw("PARTITIONS")?;
            } else if self.eat_kw("DROP") {
                return Err(Error::plan(
                    "MSCK REPAIR TABLE ... DROP PARTITIONS is not supported; use ALTER TABLE ... DROP PARTITION",
                ));
            }
            return Ok(HiveStatement::Msck { table });
        }
        if self.eat_kw("INSERT") {
            return self.insert();
        }
        if self.eat_kw("LOAD") {
            self.expect_kw("DATA")?;
            let local = self.eat_kw("LOCAL");
            self.expect_kw("INPATH")?;
            let path = self.string()?;
            let overwrite = self.eat_kw("OVERWRITE");
            self.expect_kw("INTO")?;
            self.expect_kw("TABLE")?;
            let table = self.table_name()?;
            let partition = self.opt_partition()?;
            if self.is_kw("INPUTFORMAT") {
                return Err(Error::plan("LOAD DATA ... INPUTFORMAT is not supported"));
            }
            return Ok(HiveStatement::Load { local, path, overwrite, table, partition });
        }
        const KNOWN: &[&str] = &[
            "GRANT", "REVOKE", "ANALYZE", "EXPORT", "IMPORT", "ABORT", "COMMIT", "ROLLBACK", "MERGE", "UPDATE",
            "DELETE", "RELOAD", "ADD", "LIST", "DFS", "LOCK", "UNLOCK", "REPL", "KILL",
        ];
        Err(match self.peek() {
            Token::Word(w) if KNOWN.iter().any(|k| w.value.eq_ignore_ascii_case(k)) => {
                Error::plan(format!("statement '{}' is not supported yet", w.value.to_ascii_uppercase()))
            }
            _ => self.unexpected(),
        })
    }

    fn create(&mut self) -> Result<HiveStatement> {
        if self.eat_kw("DATABASE") || self.eat_kw("SCHEMA") {
            let if_not_exists = self.if_not_exists();
            let name = self.ident()?;
            let (mut comment, mut location, mut properties) = (None, None, BTreeMap::new());
            loop {
                if self.eat_kw("COMMENT") {
                    comment = Some(self.string()?);
                } else if self.eat_kw("LOCATION") {
                    location = Some(self.string()?);
                } else if self.eat_kws(&["WITH", "DBPROPERTIES"]) {
                    properties = self.properties()?;
                } else {
                    break;
                }
            }
            return Ok(HiveStatement::CreateDatabase { name, if_not_exists, comment, location, properties });
        }
        let temporary = self.eat_kw("TEMPORARY");
        let external = self.eat_kw("EXTERNAL");
        if self.eat_kw("FUNCTION") {
            let name = self.table_name()?;
            self.expect_kw("AS")?;
            let class = self.string()?;
            if self.is_kw("USING") {
                return Err(Error::plan(
                    "CREATE FUNCTION ... USING JAR | FILE | ARCHIVE is not supported: functions are Rust code built into ENMA; \
                     name one of them with AS 'class' (see SHOW FUNCTIONS)",
                ));
            }
            return Ok(HiveStatement::CreateFunction { name, class, temporary });
        }
        if self.is_kw("VIEW") || self.is_kw("MATERIALIZED") || self.is_kw("INDEX") || self.is_kw("MACRO") {
            let what = self.peek().to_string().to_ascii_uppercase();
            return Err(Error::plan(format!("CREATE {what} is not supported yet")));
        }
        self.expect_kw("TABLE")?;
        let if_not_exists = self.if_not_exists();
        let name = self.table_name()?;
        let mut ct = CreateTable {
            name,
            external,
            temporary,
            if_not_exists,
            columns: vec![],
            comment: None,
            partition_columns: vec![],
            format: None,
            storage_handler: None,
            serde_properties: BTreeMap::new(),
            location: None,
            properties: BTreeMap::new(),
            query: None,
            like: None,
        };
        if self.eat_kw("LIKE") {
            ct.like = Some(self.table_name()?);
        } else if self.peek() == &Token::LParen {
            ct.columns = self.column_list()?;
        }
        loop {
            if self.eat_kw("COMMENT") {
                ct.comment = Some(self.string()?);
            } else if self.eat_kws(&["PARTITIONED", "BY"]) {
                ct.partition_columns = self.column_list()?;
            } else if self.eat_kws(&["CLUSTERED", "BY"]) {
                let cols = self.ident_list()?;
                if self.eat_kws(&["SORTED", "BY"]) {
                    // (col [ASC|DESC], ...)
                    self.expect(&Token::LParen)?;
                    while !self.eat(&Token::RParen) {
                        if self.at_end() {
                            return Err(self.unexpected());
                        }
                        self.pos += 1;
                    }
                }
                self.expect_kw("INTO")?;
                let n = self.literal_text()?;
                self.expect_kw("BUCKETS")?;
                // Bucketing is a layout hint for Hive's readers; ENMA keeps it as metadata.
                ct.properties.insert("enma.bucketing".into(), format!("{} INTO {n} BUCKETS", cols.join(",")));
            } else if self.eat_kws(&["SKEWED", "BY"]) {
                return Err(Error::plan("SKEWED BY is not supported"));
            } else if self.eat_kws(&["ROW", "FORMAT"]) {
                self.row_format(&mut ct)?;
            } else if self.eat_kws(&["STORED", "AS"]) {
                if self.eat_kw("INPUTFORMAT") {
                    let input = self.string()?;
                    self.expect_kw("OUTPUTFORMAT")?;
                    let _output = self.string()?;
                    ct.format = Some(format_from_class(&input)?);
                } else {
                    let word = self.ident()?;
                    ct.format = Some(StorageFormat::from_hive_name(&word).ok_or_else(|| {
                        Error::plan(format!("STORED AS {word} is not supported (PARQUET, TEXTFILE, JSONFILE, ORC)"))
                    })?);
                }
            } else if self.eat_kws(&["STORED", "BY"]) {
                ct.storage_handler = Some(self.string()?);
                if self.eat_kws(&["WITH", "SERDEPROPERTIES"]) {
                    ct.serde_properties.extend(self.properties()?);
                }
            } else if self.eat_kw("LOCATION") {
                ct.location = Some(self.string()?);
            } else if self.eat_kw("TBLPROPERTIES") {
                ct.properties.extend(self.properties()?);
            } else if self.eat_kw("AS") {
                ct.query = Some(self.rest_query()?);
            } else {
                break;
            }
        }
        Ok(HiveStatement::CreateTable(Box::new(ct)))
    }

    fn row_format(&mut self, ct: &mut CreateTable) -> Result<()> {
        if self.eat_kw("SERDE") {
            let class = self.string()?;
            ct.format = Some(format_from_class(&class)?);
            if self.eat_kws(&["WITH", "SERDEPROPERTIES"]) {
                ct.serde_properties.extend(self.properties()?);
            }
            return Ok(());
        }
        self.expect_kw("DELIMITED")?;
        loop {
            if self.eat_kws(&["FIELDS", "TERMINATED", "BY"]) {
                let d = self.string()?;
                ct.serde_properties.insert("field.delim".into(), d.clone());
                ct.serde_properties.insert("serialization.format".into(), d);
                if self.eat_kws(&["ESCAPED", "BY"]) {
                    let e = self.string()?;
                    ct.serde_properties.insert("escape.delim".into(), e);
                }
            } else if self.eat_kws(&["COLLECTION", "ITEMS", "TERMINATED", "BY"]) {
                ct.serde_properties.insert("collection.delim".into(), self.string()?);
            } else if self.eat_kws(&["MAP", "KEYS", "TERMINATED", "BY"]) {
                ct.serde_properties.insert("mapkey.delim".into(), self.string()?);
            } else if self.eat_kws(&["LINES", "TERMINATED", "BY"]) {
                let l = self.string()?;
                if l != "\n" {
                    return Err(Error::plan("LINES TERMINATED BY only supports '\\n' (as in Hive)"));
                }
                ct.serde_properties.insert("line.delim".into(), l);
            } else if self.eat_kws(&["NULL", "DEFINED", "AS"]) {
                ct.serde_properties.insert("serialization.null.format".into(), self.string()?);
            } else {
                break;
            }
        }
        Ok(())
    }

    fn drop(&mut self) -> Result<HiveStatement> {
        if self.eat_kw("DATABASE") || self.eat_kw("SCHEMA") {
            let if_exists = self.if_exists();
            let name = self.ident()?;
            let cascade = self.eat_kw("CASCADE");
            if !cascade {
                self.eat_kw("RESTRICT");
            }
            return Ok(HiveStatement::DropDatabase { name, if_exists, cascade });
        }
        if self.eat_kw("TABLE") {
            let if_exists = self.if_exists();
            let table = self.table_name()?;
            self.eat_kw("PURGE");
            return Ok(HiveStatement::DropTable { table, if_exists });
        }
        let temporary = self.eat_kw("TEMPORARY");
        if self.eat_kw("FUNCTION") {
            let if_exists = self.if_exists();
            let name = self.table_name()?;
            return Ok(HiveStatement::DropFunction { name, temporary, if_exists });
        }
        Err(Error::plan(format!("DROP {} is not supported yet", self.peek().to_string().to_ascii_uppercase())))
    }

    fn show(&mut self) -> Result<HiveStatement> {
        if self.eat_kw("DATABASES") || self.eat_kw("SCHEMAS") {
            let like = if self.eat_kw("LIKE") || matches!(self.peek(), Token::SingleQuotedString(_)) {
                Some(self.string()?)
            } else {
                None
            };
            return Ok(HiveStatement::ShowDatabases { like });
        }
        if self.eat_kw("TABLES") {
            let database = if self.eat_kw("IN") || self.eat_kw("FROM") { Some(self.ident()?) } else { None };
            let like = if self.eat_kw("LIKE") || matches!(self.peek(), Token::SingleQuotedString(_)) {
                Some(self.string()?)
            } else {
                None
            };
            return Ok(HiveStatement::ShowTables { database, like });
        }
        if self.eat_kw("PARTITIONS") {
            let table = self.table_name()?;
            let spec = self.opt_partition()?;
            return Ok(HiveStatement::ShowPartitions { table, spec });
        }
        if self.eat_kw("FUNCTIONS") {
            let like = if self.eat_kw("LIKE")
                || matches!(self.peek(), Token::SingleQuotedString(_) | Token::DoubleQuotedString(_))
            {
                Some(self.string()?)
            } else {
                None
            };
            return Ok(HiveStatement::ShowFunctions { like });
        }
        if self.eat_kws(&["CREATE", "TABLE"]) {
            return Ok(HiveStatement::ShowCreateTable(self.table_name()?));
        }
        if self.eat_kw("TBLPROPERTIES") {
            return Ok(HiveStatement::ShowTblProperties(self.table_name()?));
        }
        if self.eat_kw("COLUMNS") {
            if !(self.eat_kw("IN") || self.eat_kw("FROM")) {
                return Err(self.unexpected());
            }
            let mut table = self.table_name()?;
            if self.eat_kw("IN") || self.eat_kw("FROM") {
                table.database = Some(self.ident()?);
            }
            return Ok(HiveStatement::ShowColumns(table));
        }
        Err(Error::plan(format!("SHOW {} is not supported yet", self.peek().to_string().to_ascii_uppercase())))
    }

    fn describe(&mut self) -> Result<HiveStatement> {
        if self.eat_kw("DATABASE") || self.eat_kw("SCHEMA") {
            let extended = self.eat_kw("EXTENDED");
            return Ok(HiveStatement::DescribeDatabase { name: self.ident()?, extended });
        }
        if self.eat_kw("FUNCTION") {
            let extended = self.eat_kw("EXTENDED");
            // Operators are functions too in Hive: DESCRIBE FUNCTION <=>.
            let mut name = String::new();
            while !self.at_end() {
                name.push_str(&self.peek().to_string());
                self.pos += 1;
            }
            if name.is_empty() {
                return Err(self.unexpected());
            }
            return Ok(HiveStatement::DescribeFunction { name: name.trim_matches('`').to_ascii_lowercase(), extended });
        }
        let mode = if self.eat_kw("EXTENDED") {
            DescribeMode::Extended
        } else if self.eat_kw("FORMATTED") {
            DescribeMode::Formatted
        } else {
            DescribeMode::Plain
        };
        let table = self.table_name()?;
        if self.is_kw("PARTITION") {
            return Err(Error::plan("DESCRIBE ... PARTITION is not supported yet"));
        }
        let column = if matches!(self.peek(), Token::Word(_)) { Some(self.ident()?) } else { None };
        Ok(HiveStatement::Describe { table, mode, column })
    }

    fn alter(&mut self) -> Result<HiveStatement> {
        self.expect_kw("TABLE")?;
        let table = self.table_name()?;
        if self.eat_kws(&["RENAME", "TO"]) {
            let to = self.table_name()?;
            return Ok(HiveStatement::RenameTable { from: table, to });
        }
        if self.eat_kws(&["ADD", "COLUMNS"]) {
            let columns = self.column_list()?;
            let _ = self.eat_kw("RESTRICT") || self.eat_kw("CASCADE");
            return Ok(HiveStatement::AddColumns { table, columns, replace: false });
        }
        if self.eat_kw("CHANGE") {
            self.eat_kw("COLUMN");
            let old = self.ident()?;
            let name = self.ident()?;
            let hive_type = self.type_text()?;
            let comment = if self.eat_kw("COMMENT") { Some(self.string()?) } else { None };
            let position = if self.eat_kw("FIRST") {
                Some(None)
            } else if self.eat_kw("AFTER") {
                Some(Some(self.ident()?))
            } else {
                None
            };
            let _ = self.eat_kw("RESTRICT") || self.eat_kw("CASCADE");
            return Ok(HiveStatement::ChangeColumn {
                table,
                old,
                column: Column { name, hive_type, comment },
                position,
            });
        }
        if self.eat_kws(&["REPLACE", "COLUMNS"]) {
            let columns = self.column_list()?;
            return Ok(HiveStatement::AddColumns { table, columns, replace: true });
        }
        if self.eat_kw("ADD") {
            let if_not_exists = self.if_not_exists();
            let mut partitions = Vec::new();
            while self.eat_kw("PARTITION") {
                let spec = self.partition_spec()?;
                let location = if self.eat_kw("LOCATION") { Some(self.string()?) } else { None };
                partitions.push((spec, location));
            }
            if partitions.is_empty() {
                return Err(self.unexpected());
            }
            return Ok(HiveStatement::AddPartitions { table, if_not_exists, partitions });
        }
        if self.eat_kw("DROP") {
            let if_exists = self.if_exists();
            let mut specs = Vec::new();
            loop {
                self.expect_kw("PARTITION")?;
                specs.push(self.partition_filter()?);
                if !self.eat(&Token::Comma) {
                    break;
                }
            }
            self.eat_kw("PURGE");
            return Ok(HiveStatement::DropPartitions { table, if_exists, specs });
        }
        if self.eat_kws(&["SET", "TBLPROPERTIES"]) {
            return Ok(HiveStatement::SetTblProperties { table, properties: self.properties()? });
        }
        if self.eat_kws(&["SET", "LOCATION"]) {
            return Ok(HiveStatement::SetLocation { table, partition: None, location: self.string()? });
        }
        if self.eat_kw("PARTITION") {
            let spec = self.partition_spec()?;
            if self.eat_kws(&["SET", "LOCATION"]) {
                return Ok(HiveStatement::SetLocation { table, partition: Some(spec), location: self.string()? });
            }
        }
        Err(Error::plan("this form of ALTER TABLE is not supported yet"))
    }

    fn insert(&mut self) -> Result<HiveStatement> {
        let overwrite = if self.eat_kw("OVERWRITE") {
            true
        } else {
            self.expect_kw("INTO")?;
            false
        };
        if self.is_kw("LOCAL") || self.is_kw("DIRECTORY") {
            return Err(Error::plan("INSERT OVERWRITE [LOCAL] DIRECTORY is not supported yet"));
        }
        let had_table = self.eat_kw("TABLE");
        if overwrite && !had_table {
            return Err(self.unexpected());
        }
        let table = self.table_name()?;
        let partition = self.opt_partition()?;
        self.eat_kws(&["IF", "NOT", "EXISTS"]);
        let columns = if self.peek() == &Token::LParen
            && !self.is_kw_at(1, "SELECT")
            && !self.is_kw_at(1, "WITH")
            && !self.is_kw_at(1, "VALUES")
        {
            self.ident_list()?
        } else {
            vec![]
        };
        let query = self.rest_query()?;
        Ok(HiveStatement::Insert { table, overwrite, partition, columns, query })
    }
}

fn format_from_class(class: &str) -> Result<StorageFormat> {
    let c = class.to_ascii_lowercase();
    if c.contains("parquet") {
        Ok(StorageFormat::Parquet)
    } else if c.contains("lazysimpleserde") || c.contains("textinputformat") {
        Ok(StorageFormat::TextFile)
    } else if c.contains("json") {
        Ok(StorageFormat::JsonFile)
    } else if c.contains("orc") {
        Ok(StorageFormat::Orc)
    } else {
        Err(Error::plan(format!("SerDe or format class '{class}' is not supported")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_comments() {
        let s = split_statements("select ';' ; -- a; comment\n select 2;;");
        assert_eq!(s, vec!["select ';'", "select 2"]);
    }

    #[test]
    fn parses_create_table_clauses() {
        let s = parse_statement(
            "CREATE EXTERNAL TABLE IF NOT EXISTS db.t (a INT COMMENT 'x', m MAP<STRING,ARRAY<INT>>, s STRUCT<a:INT,b:STRING>, d DECIMAL(10,2)) \
             COMMENT 'tbl' PARTITIONED BY (dt STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' \
             COLLECTION ITEMS TERMINATED BY ',' NULL DEFINED AS '' STORED AS TEXTFILE LOCATION 's3://b/p' \
             TBLPROPERTIES ('skip.header.line.count'='1')",
        )
        .unwrap();
        let HiveStatement::CreateTable(ct) = s else { panic!() };
        assert!(ct.external && ct.if_not_exists);
        assert_eq!(ct.columns[1].hive_type, "map<string,array<int>>");
        assert_eq!(ct.columns[2].hive_type, "struct<a:int,b:string>");
        assert_eq!(ct.columns[3].hive_type, "decimal(10,2)");
        assert_eq!(ct.partition_columns[0].name, "dt");
        assert_eq!(ct.serde_properties["field.delim"], "\t");
        assert_eq!(ct.format, Some(StorageFormat::TextFile));
        assert_eq!(ct.properties["skip.header.line.count"], "1");
    }

    #[test]
    fn parses_insert_and_load() {
        let s = parse_statement("INSERT OVERWRITE TABLE t PARTITION (y='2020', m) SELECT a, m FROM s").unwrap();
        let HiveStatement::Insert { overwrite, partition, .. } = s else { panic!() };
        assert!(overwrite);
        assert_eq!(partition.unwrap(), vec![("y".into(), Some("2020".into())), ("m".into(), None)]);
        let s = parse_statement("LOAD DATA LOCAL INPATH '/x/y' OVERWRITE INTO TABLE t PARTITION (p=1)").unwrap();
        assert!(matches!(s, HiveStatement::Load { local: true, overwrite: true, .. }));
        assert!(parse_statement("INSERT INTO t VALUES (1, 'a')").is_ok());
    }

    #[test]
    fn rewrites_multi_insert() {
        let s = parse_statement("FROM src s INSERT OVERWRITE TABLE a SELECT s.x WHERE s.x < 3 INSERT INTO TABLE b PARTITION (p='1') SELECT count(*) GROUP BY s.y").unwrap();
        let HiveStatement::Multi(parts) = s else { panic!("{s:?}") };
        assert_eq!(parts.len(), 2);
        let HiveStatement::Insert { query, overwrite: true, .. } = &parts[0] else { panic!() };
        assert_eq!(query.to_string(), "SELECT s.x FROM src s WHERE s.x < 3");
        let HiveStatement::Insert { query, partition: Some(_), .. } = &parts[1] else { panic!() };
        assert_eq!(query.to_string(), "SELECT count(*) FROM src s GROUP BY s.y");
        assert!(matches!(parse_statement("FROM (SELECT 1 AS a) t SELECT a").unwrap(), HiveStatement::Query(_)));
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_statement("CREATE TABLE (").is_err());
        assert!(parse_statement("SELEC 1").is_err());
        assert!(parse_statement("SELECT 1 garbage garbage").is_err());
    }
}
