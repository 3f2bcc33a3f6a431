//! HBase's filter language, as Thrift's `filterString` and the shell send it:
//! `PrefixFilter('row') AND (SKIP ValueFilter(!=, 'binary:0') OR PageFilter(10))`.
//!
//! A filter is `Name(arg, ...)`. Strings are in single quotes, a quote inside
//! one doubled (`'it''s'`); comparators are strings of the form `'type:value'`;
//! operators (`<`, `<=`, `=`, `!=`, `>`, `>=`), numbers and `true`/`false` are
//! bare. Filters combine with the keywords AND and OR and the prefixes SKIP
//! and WHILE; parentheses bind tightest, then SKIP/WHILE, then AND, then OR,
//! as HBase's reference guide documents. A chain `A AND B AND C` becomes one
//! list, as HBase's parser builds it.
//!
//! This is a small recursive-descent parser rather than HBase's two-stack
//! one, so errors can say where they are; nesting is capped so a hostile
//! string cannot exhaust the stack.

use bytes::Bytes;

use super::{Comparator, CompareOp, Filter, ListOp};
use crate::{Error, Result};

/// Deepest nesting of parentheses and SKIP/WHILE accepted.
const MAX_DEPTH: usize = 100;

/// Parses a whole filter string.
pub(super) fn parse(text: &str) -> Result<Filter> {
    let mut parser = Parser { text, pos: 0, depth: 0 };
    parser.skip_ws();
    if parser.at_end() {
        return Err(Error::invalid("filter string is empty"));
    }
    let filter = parser.or_expr()?;
    parser.skip_ws();
    match parser.peek() {
        None => Ok(filter),
        Some(b')') => Err(parser.error("this ')' has no matching '('")),
        Some(_) => Err(parser.error(format!("expected AND or OR before '{}'", parser.token()))),
    }
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next unread character.
    pos: usize,
    depth: usize,
}

/// One argument of a filter call, as written.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    /// A single-quoted string, quotes removed and `''` unescaped.
    Quoted(Vec<u8>),
    /// An operator, number or boolean.
    Bare(String),
}

impl<'a> Parser<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    /// The word starting here: up to whitespace, a parenthesis, a quote or a comma.
    fn word(&self) -> &'a str {
        let text = self.text;
        let rest = &text[self.pos..];
        let end =
            rest.find(|c: char| c.is_ascii_whitespace() || matches!(c, '(' | ')' | '\'' | ',')).unwrap_or(rest.len());
        &rest[..end]
    }

    /// What is here, for an error message: the word, or else the one character.
    fn token(&self) -> &'a str {
        let word = self.word();
        if word.is_empty() {
            let text = self.text;
            let rest = &text[self.pos..];
            rest.chars().next().map_or("", |c| &rest[..c.len_utf8()])
        } else {
            word
        }
    }

    fn error(&self, message: impl std::fmt::Display) -> Error {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, pos: usize, message: impl std::fmt::Display) -> Error {
        let character = self.text[..pos.min(self.text.len())].chars().count() + 1;
        Error::invalid(format!("filter string: {message} (at character {character})"))
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("filters are nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn or_expr(&mut self) -> Result<Filter> {
        self.chain("OR", ListOp::MustPassOne, Self::and_expr)
    }

    fn and_expr(&mut self) -> Result<Filter> {
        self.chain("AND", ListOp::MustPassAll, Self::unary)
    }

    /// `operand (keyword operand)*`, one list when the keyword occurs.
    fn chain(&mut self, keyword: &str, op: ListOp, operand: fn(&mut Self) -> Result<Filter>) -> Result<Filter> {
        let mut members = vec![operand(self)?];
        loop {
            self.skip_ws();
            if self.word() != keyword {
                break;
            }
            self.pos += keyword.len();
            members.push(operand(self)?);
        }
        Ok(if members.len() == 1 { members.remove(0) } else { Filter::List(op, members) })
    }

    fn unary(&mut self) -> Result<Filter> {
        self.skip_ws();
        let word = self.word();
        let wrap: fn(Box<Filter>) -> Filter = match word {
            "SKIP" => Filter::Skip,
            "WHILE" => Filter::While,
            _ => return self.primary(),
        };
        self.pos += word.len();
        self.enter()?;
        let inner = self.unary()?;
        self.leave();
        Ok(wrap(Box::new(inner)))
    }

    fn primary(&mut self) -> Result<Filter> {
        self.skip_ws();
        match self.peek() {
            None => Err(self.error("expected a filter, but the string ended")),
            Some(b'(') => {
                let open = self.pos;
                self.pos += 1;
                self.enter()?;
                let inner = self.or_expr()?;
                self.leave();
                self.skip_ws();
                if self.peek() != Some(b')') {
                    let what = if self.at_end() { "the end".to_string() } else { format!("'{}'", self.token()) };
                    return Err(self.error_at(open, format!("this '(' is not closed (found {what} instead of ')')")));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(b')') => Err(self.error("expected a filter, found ')'")),
            Some(b'\'') => Err(self.error("expected a filter name, found a quoted string")),
            Some(_) => match self.word() {
                "" => Err(self.error(format!("expected a filter, found '{}'", self.token()))),
                keyword @ ("AND" | "OR") => Err(self.error(format!("expected a filter before {keyword}"))),
                name => self.call(name),
            },
        }
    }

    /// `Name(args)`, with the name already seen.
    fn call(&mut self, name: &'a str) -> Result<Filter> {
        let start = self.pos;
        self.pos += name.len();
        self.skip_ws();
        if self.peek() != Some(b'(') {
            return Err(self.error_at(start, format!("expected '(' after the filter name '{name}'")));
        }
        self.pos += 1;
        let args = self.arguments(name)?;
        build(name, args).map_err(|e| self.error_at(start, e))
    }

    fn arguments(&mut self, name: &str) -> Result<Vec<Arg>> {
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(args);
        }
        loop {
            self.skip_ws();
            args.push(self.argument(name, args.len() + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => {
                    self.pos += 1;
                    return Ok(args);
                }
                None => {
                    return Err(self.error(format!("{name}: the argument list has no closing ')'")));
                }
                Some(_) => {
                    return Err(self.error(format!(
                        "{name}: expected ',' or ')' after argument {}, found '{}'",
                        args.len(),
                        self.token()
                    )));
                }
            }
        }
    }

    fn argument(&mut self, name: &str, index: usize) -> Result<Arg> {
        match self.peek() {
            Some(b'\'') => self.quoted(name).map(Arg::Quoted),
            None => Err(self.error(format!("{name}: the argument list has no closing ')'"))),
            Some(_) => {
                let text = self.text;
                let rest = &text[self.pos..];
                let end = rest
                    .find(|c: char| c.is_ascii_whitespace() || matches!(c, ',' | ')' | '(' | '\''))
                    .unwrap_or(rest.len());
                if end == 0 {
                    return Err(self.error(format!("{name}: argument {index} is missing, found '{}'", self.token())));
                }
                self.pos += end;
                Ok(Arg::Bare(rest[..end].to_string()))
            }
        }
    }

    /// A single-quoted string starting here.
    fn quoted(&mut self, name: &str) -> Result<Vec<u8>> {
        let open = self.pos;
        let text = self.text;
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = open + 1;
        loop {
            match bytes.get(i) {
                None => {
                    return Err(self.error_at(open, format!("{name}: this quoted string has no closing quote")));
                }
                Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => {
                    out.push(b'\'');
                    i += 2;
                }
                Some(b'\'') => {
                    self.pos = i + 1;
                    return Ok(out);
                }
                Some(&b) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
    }
}

/// The filter names the language knows, for the "unknown filter" message.
const NAMES: &str = "KeyOnlyFilter, FirstKeyOnlyFilter, PrefixFilter, ColumnPrefixFilter, \
    MultipleColumnPrefixFilter, ColumnCountGetFilter, PageFilter, ColumnPaginationFilter, \
    InclusiveStopFilter, TimestampsFilter, RowFilter, FamilyFilter, QualifierFilter, ValueFilter, \
    ColumnRangeFilter, SingleColumnValueFilter, SingleColumnValueExcludeFilter, ColumnValueFilter";

/// Builds one filter from its name and arguments; errors name the filter.
fn build(name: &str, list: Vec<Arg>) -> Result<Filter> {
    let args = Args { name, list };
    let compare = |make: fn(CompareOp, Comparator) -> Filter| -> Result<Filter> {
        args.count(&[2], "2 arguments (a compare operator and a comparator)")?;
        let (op, comparator) = args.comparison(0)?;
        Ok(make(op, comparator))
    };
    match name {
        "KeyOnlyFilter" => {
            args.count(&[0, 1], "no arguments or 1 (lenAsVal, true or false)")?;
            let len_as_val = if args.list.is_empty() { false } else { args.boolean(0, "lenAsVal")? };
            Ok(Filter::KeyOnly { len_as_val })
        }
        "FirstKeyOnlyFilter" => {
            args.count(&[0], "no arguments")?;
            Ok(Filter::FirstKeyOnly)
        }
        "PrefixFilter" => {
            args.count(&[1], "1 argument (the row prefix)")?;
            Ok(Filter::Prefix(args.bytes(0, "the row prefix")?))
        }
        "ColumnPrefixFilter" => {
            args.count(&[1], "1 argument (the qualifier prefix)")?;
            Ok(Filter::ColumnPrefix(args.bytes(0, "the qualifier prefix")?))
        }
        "MultipleColumnPrefixFilter" => {
            let mut prefixes: Vec<Bytes> = Vec::with_capacity(args.list.len());
            for i in 0..args.list.len() {
                let prefix = args.bytes(i, "a qualifier prefix")?;
                if prefixes.contains(&prefix) {
                    return Err(args.error(format!(
                        "the prefix '{}' is given twice; prefixes must be distinct",
                        String::from_utf8_lossy(&prefix)
                    )));
                }
                prefixes.push(prefix);
            }
            Ok(Filter::MultipleColumnPrefix(prefixes))
        }
        "ColumnCountGetFilter" => {
            args.count(&[1], "1 argument (the number of columns)")?;
            Ok(Filter::ColumnCountGet(args.count_arg(0, "the number of columns")?))
        }
        "PageFilter" => {
            args.count(&[1], "1 argument (the page size)")?;
            let size = args.integer(0, "the page size")?;
            let size = u64::try_from(size)
                .map_err(|_| args.error(format!("the page size must not be negative, got {size}")))?;
            Ok(Filter::Page(size))
        }
        "ColumnPaginationFilter" => {
            args.count(&[2], "2 arguments (limit and offset)")?;
            Ok(Filter::ColumnPagination {
                limit: args.count_arg(0, "the limit")?,
                offset: args.count_arg(1, "the offset")?,
            })
        }
        "InclusiveStopFilter" => {
            args.count(&[1], "1 argument (the stop row)")?;
            Ok(Filter::InclusiveStop(args.bytes(0, "the stop row")?))
        }
        "TimestampsFilter" | "TimeStampsFilter" => {
            let mut timestamps = Vec::with_capacity(args.list.len());
            for i in 0..args.list.len() {
                let ts = args.integer(i, "a timestamp")?;
                if ts < 0 {
                    return Err(args.error(format!("timestamps must not be negative, got {ts}")));
                }
                timestamps.push(ts);
            }
            Ok(Filter::Timestamps(timestamps))
        }
        "RowFilter" => compare(Filter::Row),
        "FamilyFilter" => compare(Filter::Family),
        "QualifierFilter" => compare(Filter::Qualifier),
        "ValueFilter" => compare(Filter::Value),
        "ColumnRangeFilter" => {
            args.count(&[4], "4 arguments (minColumn, minColumnInclusive, maxColumn, maxColumnInclusive)")?;
            Ok(Filter::ColumnRange {
                min: args.bytes(0, "minColumn")?,
                min_inclusive: args.boolean(1, "minColumnInclusive")?,
                max: args.bytes(2, "maxColumn")?,
                max_inclusive: args.boolean(3, "maxColumnInclusive")?,
            })
        }
        "SingleColumnValueFilter" | "SingleColumnValueExcludeFilter" => {
            args.count(
                &[4, 6],
                "4 or 6 arguments (family, qualifier, compare operator, comparator[, filterIfMissing, latestVersionOnly])",
            )?;
            let (op, comparator) = args.comparison(2)?;
            let six = args.list.len() == 6;
            Ok(Filter::SingleColumnValue {
                family: args.bytes(0, "the family")?,
                qualifier: args.bytes(1, "the qualifier")?,
                op,
                comparator,
                filter_if_missing: if six { args.boolean(4, "filterIfMissing")? } else { false },
                latest_version_only: if six { args.boolean(5, "latestVersionOnly")? } else { true },
                exclude: name == "SingleColumnValueExcludeFilter",
            })
        }
        "ColumnValueFilter" => {
            args.count(&[4], "4 arguments (family, qualifier, compare operator, comparator)")?;
            let (op, comparator) = args.comparison(2)?;
            Ok(Filter::ColumnValue {
                family: args.bytes(0, "the family")?,
                qualifier: args.bytes(1, "the qualifier")?,
                op,
                comparator,
            })
        }
        "DependentColumnFilter" => Err(args.error("this filter is not supported")),
        _ => Err(Error::invalid(format!("unknown filter '{name}'; the filter language knows {NAMES}"))),
    }
}

/// A filter's arguments, with conversions whose errors name the filter and argument.
struct Args<'a> {
    name: &'a str,
    list: Vec<Arg>,
}

impl Args<'_> {
    fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::invalid(format!("{}: {message}", self.name))
    }

    fn count(&self, allowed: &[usize], what: &str) -> Result<()> {
        if allowed.contains(&self.list.len()) {
            Ok(())
        } else {
            Err(self.error(format!("takes {what}, got {}", self.list.len())))
        }
    }

    fn bare(&self, i: usize, what: &str, kind: &str) -> Result<&str> {
        match &self.list[i] {
            Arg::Bare(text) => Ok(text),
            Arg::Quoted(_) => Err(self.error(format!("argument {} ({what}) must be {kind} without quotes", i + 1))),
        }
    }

    fn bytes(&self, i: usize, what: &str) -> Result<Bytes> {
        match &self.list[i] {
            Arg::Quoted(bytes) => Ok(Bytes::copy_from_slice(bytes)),
            Arg::Bare(text) => {
                Err(self.error(format!("argument {} ({what}) must be a quoted string, got {text}", i + 1)))
            }
        }
    }

    fn boolean(&self, i: usize, what: &str) -> Result<bool> {
        let text = self.bare(i, what, "true or false")?;
        if text.eq_ignore_ascii_case("true") {
            Ok(true)
        } else if text.eq_ignore_ascii_case("false") {
            Ok(false)
        } else {
            Err(self.error(format!("argument {} ({what}) must be true or false, got {text}", i + 1)))
        }
    }

    fn integer(&self, i: usize, what: &str) -> Result<i64> {
        let text = self.bare(i, what, "a number")?;
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.error(format!("argument {} ({what}) must be a whole number, got {text}", i + 1)));
        }
        text.parse().map_err(|_| self.error(format!("argument {} ({what}) is out of range: {text}", i + 1)))
    }

    /// A non-negative number that fits HBase's `int`.
    fn count_arg(&self, i: usize, what: &str) -> Result<u32> {
        let n = self.integer(i, what)?;
        if n < 0 {
            return Err(self.error(format!("{what} must not be negative, got {n}")));
        }
        i32::try_from(n)
            .map(|n| n as u32)
            .map_err(|_| self.error(format!("argument {} ({what}) is out of range: {n}", i + 1)))
    }

    /// An operator at `i` and a comparator at `i + 1`.
    fn comparison(&self, i: usize) -> Result<(CompareOp, Comparator)> {
        let symbol = self.bare(i, "the compare operator", "one of <, <=, =, !=, >=, >")?;
        let op = CompareOp::from_symbol(symbol).ok_or_else(|| {
            self.error(format!("argument {} must be a compare operator (<, <=, =, !=, >=, >), got {symbol}", i + 1))
        })?;
        let comparator = self.comparator(i + 1)?;
        if comparator.equality_only() && !matches!(op, CompareOp::Equal | CompareOp::NotEqual) {
            return Err(
                self.error(format!("a regexstring or substring comparator only works with = and !=, got {symbol}"))
            );
        }
        Ok((op, comparator))
    }

    /// `'type:value'`, split at the first colon.
    fn comparator(&self, i: usize) -> Result<Comparator> {
        let spec = match &self.list[i] {
            Arg::Quoted(bytes) => bytes,
            Arg::Bare(text) => {
                return Err(self.error(format!(
                    "argument {} (the comparator) must be quoted, as 'binary:value', got {text}",
                    i + 1
                )));
            }
        };
        let colon = spec.iter().position(|&b| b == b':').ok_or_else(|| {
            self.error(format!("the comparator '{}' needs a type, as 'binary:value'", String::from_utf8_lossy(spec)))
        })?;
        let (kind, value) = (String::from_utf8_lossy(&spec[..colon]), &spec[colon + 1..]);
        let text = || {
            std::str::from_utf8(value)
                .map_err(|_| self.error(format!("the {kind} comparator's value must be valid UTF-8")))
        };
        match kind.to_ascii_lowercase().as_str() {
            "binary" => Ok(Comparator::Binary(Bytes::copy_from_slice(value))),
            "binaryprefix" => Ok(Comparator::BinaryPrefix(Bytes::copy_from_slice(value))),
            "regexstring" => Comparator::regex(text()?).map_err(|e| self.error(e)),
            "substring" => Ok(Comparator::substring(text()?)),
            _ => Err(self.error(format!(
                "unknown comparator type '{kind}'; use binary, binaryprefix, regexstring or substring"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::RegexString;

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    fn ok(text: &str) -> Filter {
        match parse(text) {
            Ok(f) => f,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn err(text: &str) -> String {
        match parse(text) {
            Ok(f) => panic!("{text} parsed as {f:?}"),
            Err(Error::InvalidArgument(message)) => message,
            Err(e) => panic!("{text}: wrong error kind {e:?}"),
        }
    }

    fn prefix(p: &'static str) -> Filter {
        Filter::Prefix(b(p))
    }

    fn and(members: Vec<Filter>) -> Filter {
        Filter::List(ListOp::MustPassAll, members)
    }

    fn or(members: Vec<Filter>) -> Filter {
        Filter::List(ListOp::MustPassOne, members)
    }

    #[test]
    fn simple_filters() {
        assert_eq!(ok("PrefixFilter('row')"), prefix("row"));
        assert_eq!(ok("KeyOnlyFilter()"), Filter::KeyOnly { len_as_val: false });
        assert_eq!(ok("KeyOnlyFilter(true)"), Filter::KeyOnly { len_as_val: true });
        assert_eq!(ok("FirstKeyOnlyFilter()"), Filter::FirstKeyOnly);
        assert_eq!(ok("ColumnPrefixFilter('col')"), Filter::ColumnPrefix(b("col")));
        assert_eq!(ok("MultipleColumnPrefixFilter('a', 'b')"), Filter::MultipleColumnPrefix(vec![b("a"), b("b")]));
        assert_eq!(ok("MultipleColumnPrefixFilter()"), Filter::MultipleColumnPrefix(vec![]));
        assert_eq!(ok("ColumnCountGetFilter(4)"), Filter::ColumnCountGet(4));
        assert_eq!(ok("PageFilter(10)"), Filter::Page(10));
        assert_eq!(ok("ColumnPaginationFilter(3, 5)"), Filter::ColumnPagination { limit: 3, offset: 5 });
        assert_eq!(ok("InclusiveStopFilter('r9')"), Filter::InclusiveStop(b("r9")));
        assert_eq!(ok("TimestampsFilter(5985489, 48895495)"), Filter::Timestamps(vec![5985489, 48895495]));
        assert_eq!(ok("TimeStampsFilter(1)"), Filter::Timestamps(vec![1]));
        assert_eq!(
            ok("ColumnRangeFilter('abc', true, 'xyz', FALSE)"),
            Filter::ColumnRange { min: b("abc"), min_inclusive: true, max: b("xyz"), max_inclusive: false }
        );
    }

    #[test]
    fn compare_filters() {
        assert_eq!(ok("RowFilter(<=, 'binary:r5')"), Filter::Row(CompareOp::LessOrEqual, Comparator::Binary(b("r5"))));
        assert_eq!(
            ok("FamilyFilter(=, 'binaryprefix:f')"),
            Filter::Family(CompareOp::Equal, Comparator::BinaryPrefix(b("f")))
        );
        assert_eq!(
            ok("QualifierFilter(!=, 'regexstring:^a.*')"),
            Filter::Qualifier(CompareOp::NotEqual, Comparator::RegexString(RegexString::new("^a.*").unwrap()))
        );
        assert_eq!(
            ok("ValueFilter(=, 'substring:HeLLo')"),
            Filter::Value(CompareOp::Equal, Comparator::Substring("hello".into()))
        );
        for (symbol, op) in [
            ("<", CompareOp::Less),
            ("<=", CompareOp::LessOrEqual),
            ("=", CompareOp::Equal),
            ("!=", CompareOp::NotEqual),
            (">=", CompareOp::GreaterOrEqual),
            (">", CompareOp::Greater),
        ] {
            assert_eq!(ok(&format!("ValueFilter({symbol},'binary:5')")), Filter::Value(op, Comparator::Binary(b("5"))));
        }
    }

    #[test]
    fn comparator_value_keeps_later_colons_and_may_be_empty() {
        assert_eq!(ok("ValueFilter(=, 'binary:a:b')"), Filter::Value(CompareOp::Equal, Comparator::Binary(b("a:b"))));
        assert_eq!(ok("ValueFilter(=, 'binary:')"), Filter::Value(CompareOp::Equal, Comparator::Binary(b(""))));
        assert_eq!(ok("ValueFilter(=, 'BINARY:x')"), Filter::Value(CompareOp::Equal, Comparator::Binary(b("x"))));
    }

    #[test]
    fn single_column_value_forms() {
        let four = ok("SingleColumnValueFilter('cf', 'q', >=, 'binary:10')");
        assert_eq!(
            four,
            Filter::SingleColumnValue {
                family: b("cf"),
                qualifier: b("q"),
                op: CompareOp::GreaterOrEqual,
                comparator: Comparator::Binary(b("10")),
                filter_if_missing: false,
                latest_version_only: true,
                exclude: false,
            }
        );
        let six = ok("SingleColumnValueExcludeFilter('cf', 'q', =, 'substring:x', true, false)");
        assert_eq!(
            six,
            Filter::SingleColumnValue {
                family: b("cf"),
                qualifier: b("q"),
                op: CompareOp::Equal,
                comparator: Comparator::Substring("x".into()),
                filter_if_missing: true,
                latest_version_only: false,
                exclude: true,
            }
        );
        assert_eq!(
            ok("ColumnValueFilter('cf', 'q', <, 'binary:z')"),
            Filter::ColumnValue {
                family: b("cf"),
                qualifier: b("q"),
                op: CompareOp::Less,
                comparator: Comparator::Binary(b("z"))
            }
        );
    }

    #[test]
    fn quotes_escape_by_doubling() {
        assert_eq!(ok("PrefixFilter('it''s')"), prefix("it's"));
        assert_eq!(ok("PrefixFilter('''')"), prefix("'"));
        assert_eq!(ok("PrefixFilter('')"), prefix(""));
        assert_eq!(ok("PrefixFilter('a''''b')"), prefix("a''b"));
        assert_eq!(ok("PrefixFilter('a (b) AND c')"), prefix("a (b) AND c"));
        assert_eq!(ok("ValueFilter(=, 'binary:x''y')"), Filter::Value(CompareOp::Equal, Comparator::Binary(b("x'y"))));
    }

    #[test]
    fn utf8_in_strings() {
        assert_eq!(ok("PrefixFilter('zé日')"), Filter::Prefix(Bytes::from("zé日".as_bytes().to_vec())));
    }

    #[test]
    fn whitespace_is_free() {
        let expected = and(vec![prefix("a"), Filter::Page(1)]);
        assert_eq!(ok("PrefixFilter('a') AND PageFilter(1)"), expected);
        assert_eq!(ok("  PrefixFilter ( 'a' )\tAND\n PageFilter( 1 )  "), expected);
        assert_eq!(ok("(PrefixFilter('a'))AND(PageFilter(1))"), expected);
    }

    #[test]
    fn chains_become_one_list() {
        assert_eq!(
            ok("PrefixFilter('a') AND PrefixFilter('b') AND PrefixFilter('c')"),
            and(vec![prefix("a"), prefix("b"), prefix("c")])
        );
        assert_eq!(
            ok("PrefixFilter('a') OR PrefixFilter('b') OR PrefixFilter('c')"),
            or(vec![prefix("a"), prefix("b"), prefix("c")])
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            ok("PrefixFilter('a') AND PrefixFilter('b') OR PrefixFilter('c')"),
            or(vec![and(vec![prefix("a"), prefix("b")]), prefix("c")])
        );
        assert_eq!(
            ok("PrefixFilter('a') OR PrefixFilter('b') AND PrefixFilter('c')"),
            or(vec![prefix("a"), and(vec![prefix("b"), prefix("c")])])
        );
    }

    #[test]
    fn skip_and_while_bind_tightest() {
        assert_eq!(
            ok("PrefixFilter('a') AND SKIP PrefixFilter('b') OR PrefixFilter('c')"),
            or(vec![and(vec![prefix("a"), Filter::Skip(Box::new(prefix("b")))]), prefix("c")])
        );
        assert_eq!(
            ok("WHILE PrefixFilter('a') AND PrefixFilter('b')"),
            and(vec![Filter::While(Box::new(prefix("a"))), prefix("b")])
        );
        assert_eq!(ok("SKIP WHILE PrefixFilter('a')"), Filter::Skip(Box::new(Filter::While(Box::new(prefix("a"))))));
        assert_eq!(ok("SKIP(PrefixFilter('a'))"), Filter::Skip(Box::new(prefix("a"))));
    }

    #[test]
    fn parentheses_group() {
        assert_eq!(
            ok("PrefixFilter('a') AND (PrefixFilter('b') OR PrefixFilter('c'))"),
            and(vec![prefix("a"), or(vec![prefix("b"), prefix("c")])])
        );
        assert_eq!(
            ok("((PrefixFilter('a') OR (PrefixFilter('b'))) AND ((SKIP (PrefixFilter('c')))))"),
            and(vec![or(vec![prefix("a"), prefix("b")]), Filter::Skip(Box::new(prefix("c")))])
        );
        assert_eq!(
            ok(
                "(RowFilter(=, 'binary:Row 1') AND TimestampsFilter(74689, 89734)) OR ColumnRangeFilter('abc', true, 'xyz', false)"
            ),
            or(vec![
                and(vec![
                    Filter::Row(CompareOp::Equal, Comparator::Binary(b("Row 1"))),
                    Filter::Timestamps(vec![74689, 89734])
                ]),
                Filter::ColumnRange { min: b("abc"), min_inclusive: true, max: b("xyz"), max_inclusive: false },
            ])
        );
    }

    #[test]
    fn nested_lists_stay_nested() {
        assert_eq!(
            ok("(PrefixFilter('a') AND PrefixFilter('b')) AND PrefixFilter('c')"),
            and(vec![and(vec![prefix("a"), prefix("b")]), prefix("c")])
        );
    }

    #[test]
    fn keywords_need_separation() {
        assert!(err("PrefixFilter('a') ANDPageFilter(1)").contains("expected AND or OR"));
        assert!(err("ANDFilter() OR PrefixFilter('a')").contains("unknown filter 'ANDFilter'"));
        assert!(err("PrefixFilter('a') ORPrefixFilter('b')").contains("expected AND or OR before 'ORPrefixFilter'"));
    }

    #[test]
    fn empty_and_garbage() {
        assert_eq!(err(""), "filter string is empty");
        assert_eq!(err("   "), "filter string is empty");
        assert!(
            err("PrefixFilter('a') PageFilter(1)").contains("expected AND or OR before 'PageFilter' (at character 19)")
        );
        assert!(err("AND PrefixFilter('a')").contains("expected a filter before AND"));
        assert!(err("PrefixFilter('a') AND").contains("the string ended"));
        assert!(err("PrefixFilter('a') OR OR PrefixFilter('b')").contains("expected a filter before OR"));
        assert!(err("'a'").contains("found a quoted string"));
        assert!(err(", PrefixFilter('a')").contains("expected a filter, found ','"));
        assert!(err("SKIP").contains("the string ended"));
    }

    #[test]
    fn unbalanced_parentheses() {
        assert!(err("(PrefixFilter('a')").contains("this '(' is not closed (found the end"));
        assert!(err("(PrefixFilter('a') PageFilter(1))").contains("found 'PageFilter' instead of ')'"));
        assert!(err("PrefixFilter('a'))").contains("no matching '('"));
        assert!(err("()").contains("found ')'"));
        assert!(err("PrefixFilter('a'").contains("no closing ')'"));
        assert!(err("PrefixFilter").contains("expected '(' after the filter name 'PrefixFilter'"));
    }

    #[test]
    fn unterminated_quote() {
        let message = err("PrefixFilter('abc)");
        assert!(message.contains("no closing quote") && message.contains("at character 14"), "{message}");
        assert!(err("PrefixFilter('it''s)").contains("no closing quote"));
    }

    #[test]
    fn argument_errors_name_the_filter() {
        assert!(err("PageFilter()").contains("PageFilter: takes 1 argument (the page size), got 0"));
        assert!(err("PageFilter(1, 2)").contains("got 2"));
        assert!(err("PageFilter(-1)").contains("must not be negative"));
        assert!(err("PageFilter(ten)").contains("must be a whole number, got ten"));
        assert!(err("PageFilter('10')").contains("must be a number without quotes"));
        assert!(err("PageFilter(99999999999999999999)").contains("out of range"));
        assert!(err("ColumnCountGetFilter(3000000000)").contains("out of range"));
        assert!(err("ColumnPaginationFilter(1, -2)").contains("the offset must not be negative"));
        assert!(err("PrefixFilter(abc)").contains("PrefixFilter: argument 1 (the row prefix) must be a quoted string"));
        assert!(err("PrefixFilter('a' 'b')").contains("expected ',' or ')' after argument 1"));
        assert!(err("PrefixFilter('a',)").contains("argument 2 is missing"));
        assert!(err("PrefixFilter(,'a')").contains("argument 1 is missing"));
        assert!(err("KeyOnlyFilter(yes)").contains("must be true or false, got yes"));
        assert!(err("FirstKeyOnlyFilter(1)").contains("takes no arguments"));
        assert!(err("TimestampsFilter(5, -1)").contains("must not be negative"));
        assert!(err("MultipleColumnPrefixFilter('a', 'a')").contains("prefixes must be distinct"));
        assert!(err("SingleColumnValueFilter('f', 'q', =, 'binary:x', true)").contains("4 or 6 arguments"));
        assert!(err("SingleColumnValueFilter('f', 'q', =, 'binary:x', true, maybe)").contains("latestVersionOnly"));
    }

    #[test]
    fn comparison_errors() {
        assert!(err("ValueFilter(==, 'binary:x')").contains("must be a compare operator"));
        assert!(err("ValueFilter('=', 'binary:x')").contains("without quotes"));
        assert!(err("ValueFilter(=, binary:x)").contains("must be quoted"));
        assert!(err("ValueFilter(=, 'x')").contains("needs a type"));
        assert!(err("ValueFilter(=, 'long:5')").contains("unknown comparator type 'long'"));
        assert!(err("ValueFilter(<, 'regexstring:a')").contains("only works with = and !="));
        assert!(err("RowFilter(>=, 'substring:a')").contains("only works with = and !="));
        assert!(err("ValueFilter(=, 'regexstring:a(')").contains("not a valid regular expression"));
        assert!(err("ValueFilter(=)").contains("2 arguments"));
    }

    #[test]
    fn unknown_and_unsupported_filters() {
        let message = err("NoSuchFilter('a')");
        assert!(message.contains("unknown filter 'NoSuchFilter'") && message.contains("PrefixFilter"), "{message}");
        assert!(err("prefixfilter('a')").contains("unknown filter"));
        assert!(err("DependentColumnFilter('f', 'q')").contains("not supported"));
    }

    #[test]
    fn nesting_is_capped() {
        let deep = format!("{}PrefixFilter('a'){}", "(".repeat(MAX_DEPTH + 5), ")".repeat(MAX_DEPTH + 5));
        assert!(err(&deep).contains("nested more than"));
        let skips = format!("{}PrefixFilter('a')", "SKIP ".repeat(MAX_DEPTH + 5));
        assert!(err(&skips).contains("nested more than"));
        let fine = format!("{}PrefixFilter('a'){}", "(".repeat(50), ")".repeat(50));
        assert_eq!(ok(&fine), prefix("a"));
    }

    #[test]
    fn error_positions_count_characters() {
        assert!(err("PrefixFilter('é') PageFilter(1)").contains("at character 19"));
    }
}
