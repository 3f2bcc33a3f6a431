//! A tokenizer and parser for the part of Python 3.11's grammar that a query
//! string can reasonably use, producing a tree shaped like Python's `ast`
//! (same node kinds, same child order), because Eve's `where` parser walks
//! `ast.parse(...)` output with `ast.NodeVisitor` and `ast.literal_eval`
//! evaluates it: faithful results need a faithful tree.
//!
//! Covered: simple statements separated by `;`/newlines (expression
//! statements, `=` assignments, `pass`), the whole expression grammar except
//! `lambda`, `await` and `yield` (these, and every compound or other keyword
//! statement, give [`SynError::Unsupported`]).
//! Literals: every int/float/imaginary form (underscores, hex/octal/binary),
//! all string prefixes, f-strings (as `JoinedStr`/`FormattedValue`),
//! implicit concatenation, escapes except `\N{...}`. Identifiers: ASCII plus any alphabetic non-ASCII character
//! (Python's NFKC normalisation is not applied).

use crate::py::num::is_py_space;

use super::pyval::PyVal;

/// Nesting deeper than this is refused, as CPython's tokenizer refuses more
/// than 200 nested brackets ("too many nested parentheses").
const MAX_DEPTH: usize = 200;

/// Why the text could not be turned into a tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SynError {
    /// Python raises `SyntaxError` (message as `str(e)`: `msg (<unknown>, line N)`).
    Syntax(String),
    /// Valid Python that this reimplementation does not model.
    Unsupported(&'static str),
    /// A tree deeper than [`MAX_TREE_DEPTH`]: CPython raises `RecursionError`
    /// building (or, in Eve, walking) such a tree.
    TooDeep,
}

/// Deepest expression tree built: CPython refuses trees deeper than about
/// 3000 levels ("maximum recursion depth exceeded during ast construction",
/// a `RecursionError`); 2900 allows for the frames below the parser.
const MAX_TREE_DEPTH: usize = 2900;

/// Deepest recursion of this parser (unary operators, brackets, nested
/// sub-expressions), to keep the Rust stack small; deeper input is treated
/// as [`SynError::TooDeep`] although CPython could still parse it.
const MAX_RECURSION: usize = 1000;

fn syntax<T>(msg: &str, line: usize) -> Result<T, SynError> {
    Err(SynError::Syntax(format!("{msg} (<unknown>, line {line})")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    In,
    NotIn,
    Is,
    IsNot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOpKind {
    Add,
    Sub,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnOp {
    Not,
    UAdd,
    USub,
    Invert,
}

/// An expression node (Python `ast.expr`); children are in `_fields` order.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    BoolOp {
        and: bool,
        values: Vec<Expr>,
    },
    BinOp {
        left: Box<Expr>,
        op: BinOpKind,
        right: Box<Expr>,
    },
    UnaryOp {
        op: UnOp,
        operand: Box<Expr>,
    },
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    /// `None` keys are `**mapping` entries.
    Dict {
        keys: Vec<Option<Expr>>,
        values: Vec<Expr>,
    },
    Set(Vec<Expr>),
    Compare {
        left: Box<Expr>,
        ops: Vec<CmpOp>,
        comparators: Vec<Expr>,
    },
    /// Keyword arguments are kept only for completeness of the tree.
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        keywords: Vec<Expr>,
    },
    Constant(PyVal),
    Attribute {
        value: Box<Expr>,
        attr: String,
    },
    Subscript {
        value: Box<Expr>,
        slice: Box<Expr>,
    },
    Starred(Box<Expr>),
    Name(String),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
    /// `[elt for ...]`, `{elt for ...}`, `(elt for ...)`: `elt`, generators.
    Comp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    /// `{key: value for ...}`.
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    /// `target := value`.
    NamedExpr {
        target: Box<Expr>,
        value: Box<Expr>,
    },
    /// An f-string: `Constant` strings and `FormattedValue`s.
    JoinedStr(Vec<Expr>),
    /// `{value:format_spec}` in an f-string (`format_spec` a `JoinedStr`).
    FormattedValue {
        value: Box<Expr>,
        format_spec: Option<Box<Expr>>,
    },
}

/// One `for target in iter if ...` clause of a comprehension.
#[derive(Debug, Clone)]
pub(crate) struct Comprehension {
    pub(crate) target: Expr,
    pub(crate) iter: Expr,
    pub(crate) ifs: Vec<Expr>,
}

/// A statement node (Python `ast.stmt`).
#[derive(Debug, Clone)]
pub(crate) enum Stmt {
    Expr(Expr),
    Assign { targets: Vec<Expr>, value: Expr },
    Pass,
}

// ------------------------------------------------------------------ tokens

#[derive(Debug, Clone)]
enum Tok {
    Name(String),
    Num(PyVal),
    /// A string literal piece: `Ok(str)` / `Err(bytes)`.
    Str(Result<PyVal, Vec<u8>>),
    /// An f-string piece.
    FStr(Vec<FPart>),
    Op(&'static str),
    Newline,
    End,
}

/// A piece of an f-string.
#[derive(Debug, Clone)]
enum FPart {
    Lit(PyVal),
    Field { value: Expr, format_spec: Option<Vec<FPart>> },
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

const OPS: [&str; 49] = [
    "**=", "//=", ">>=", "<<=", "...", "!=", "%=", "&=", "**", "*=", "+=", "-=", "->", "//", "/=", ":=", "<<", "<=",
    "==", ">=", ">>", "@=", "^=", "|=", "%", "&", "(", ")", "*", "+", ",", "-", ".", "/", ":", ";", "<", "=", ">", "@",
    "[", "]", "^", "{", "|", "}", "~", "!", "<>",
];

const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

fn is_id_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic())
}

fn is_id_continue(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphanumeric())
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    parens: Vec<(char, usize)>,
    out: Vec<Token>,
}

impl Lexer {
    fn peek(&self, off: usize) -> Option<char> {
        self.chars.get(self.pos + off).copied()
    }

    fn push(&mut self, tok: Tok) {
        self.out.push(Token { tok, line: self.line });
    }

    /// Consumes a newline (`\n`, `\r\n` or `\r`) at the cursor if any.
    fn eat_newline(&mut self) -> bool {
        match self.peek(0) {
            Some('\n') => {
                self.pos += 1;
                self.line += 1;
                true
            }
            Some('\r') => {
                self.pos += 1;
                if self.peek(0) == Some('\n') {
                    self.pos += 1;
                }
                self.line += 1;
                true
            }
            _ => false,
        }
    }

    fn run(mut self) -> Result<Vec<Token>, SynError> {
        let mut at_line_start = true;
        loop {
            if at_line_start && self.parens.is_empty() {
                let mut indent = 0;
                while let Some(c @ (' ' | '\t' | '\x0c')) = self.peek(0) {
                    if c != '\x0c' {
                        indent += 1;
                    }
                    self.pos += 1;
                }
                match self.peek(0) {
                    None => break,
                    Some('#') => {
                        while self.peek(0).is_some_and(|c| c != '\n' && c != '\r') {
                            self.pos += 1;
                        }
                        continue;
                    }
                    Some('\n' | '\r') => {
                        self.eat_newline();
                        continue;
                    }
                    _ => {}
                }
                if indent > 0 {
                    return syntax("unexpected indent", self.line);
                }
                at_line_start = false;
            }
            while let Some(' ' | '\t' | '\x0c') = self.peek(0) {
                self.pos += 1;
            }
            let Some(c) = self.peek(0) else { break };
            match c {
                '#' => {
                    while self.peek(0).is_some_and(|c| c != '\n' && c != '\r') {
                        self.pos += 1;
                    }
                }
                '\n' | '\r' => {
                    if self.parens.is_empty() {
                        self.push(Tok::Newline);
                        at_line_start = true;
                    }
                    self.eat_newline();
                }
                '\\' => {
                    self.pos += 1;
                    if !self.eat_newline() {
                        if self.peek(0).is_none() {
                            return syntax("unexpected EOF while parsing", self.line);
                        }
                        return syntax("unexpected character after line continuation character", self.line);
                    }
                    if self.peek(0).is_none() {
                        return syntax("unexpected EOF while parsing", self.line);
                    }
                }
                '"' | '\'' => self.string("")?,
                c if c.is_ascii_digit() || (c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit())) => {
                    self.number()?
                }
                c if is_id_start(c) => {
                    let start = self.pos;
                    while self.peek(0).is_some_and(is_id_continue) {
                        self.pos += 1;
                    }
                    let word: String = self.chars[start..self.pos].iter().collect();
                    let lower = word.to_ascii_lowercase();
                    let is_prefix = matches!(lower.as_str(), "r" | "u" | "b" | "br" | "rb" | "f" | "fr" | "rf");
                    if is_prefix && matches!(self.peek(0), Some('"' | '\'')) {
                        self.string(&lower)?;
                    } else {
                        self.push(Tok::Name(word));
                    }
                }
                _ => self.operator(c)?,
            }
        }
        if let Some(&(open, line)) = self.parens.last() {
            return syntax(&format!("'{open}' was never closed"), line);
        }
        if !matches!(self.out.last(), None | Some(Token { tok: Tok::Newline, .. })) {
            self.push(Tok::Newline);
        }
        self.push(Tok::End);
        Ok(self.out)
    }

    fn operator(&mut self, c: char) -> Result<(), SynError> {
        for op in OPS {
            let n = op.chars().count();
            if self.chars.len() >= self.pos + n && self.chars[self.pos..self.pos + n].iter().copied().eq(op.chars()) {
                if op == "!" || op == "<>" {
                    return syntax("invalid syntax", self.line);
                }
                match op {
                    "(" | "[" | "{" => {
                        self.parens.push((c, self.line));
                        if self.parens.len() > MAX_DEPTH {
                            return syntax("too many nested parentheses", self.line);
                        }
                    }
                    ")" | "]" | "}" => match self.parens.pop() {
                        None => return syntax(&format!("unmatched '{c}'"), self.line),
                        Some((open, oline)) => {
                            let expected = match open {
                                '(' => ')',
                                '[' => ']',
                                _ => '}',
                            };
                            if expected != c {
                                let msg = if oline == self.line {
                                    format!("closing parenthesis '{c}' does not match opening parenthesis '{open}'")
                                } else {
                                    format!(
                                        "closing parenthesis '{c}' does not match opening parenthesis '{open}' on line {oline}"
                                    )
                                };
                                return syntax(&msg, self.line);
                            }
                        }
                    },
                    _ => {}
                }
                self.pos += n;
                self.push(Tok::Op(op));
                return Ok(());
            }
        }
        let cp = c as u32;
        if c.is_control() || c.is_whitespace() || is_py_space(c) {
            syntax(&format!("invalid non-printable character U+{cp:04X}"), self.line)
        } else {
            syntax(&format!("invalid character '{c}' (U+{cp:04X})"), self.line)
        }
    }

    fn number(&mut self) -> Result<(), SynError> {
        let start = self.pos;
        let line = self.line;
        let digits_run = |lx: &mut Lexer, ok: &dyn Fn(char) -> bool| -> Result<usize, SynError> {
            // digit (['_'] digit)*
            let mut n = 0;
            loop {
                match lx.peek(0) {
                    Some(c) if ok(c) => {
                        lx.pos += 1;
                        n += 1;
                    }
                    Some('_') if n > 0 && lx.peek(1).is_some_and(ok) => lx.pos += 1,
                    Some('_') if n > 0 => return syntax("invalid decimal literal", lx.line),
                    _ => return Ok(n),
                }
            }
        };
        let first = self.peek(0);
        let radix = match (first, self.peek(1)) {
            (Some('0'), Some('x' | 'X')) => 16,
            (Some('0'), Some('o' | 'O')) => 8,
            (Some('0'), Some('b' | 'B')) => 2,
            _ => 10,
        };
        let value = if radix != 10 {
            self.pos += 2;
            if self.peek(0) == Some('_') {
                self.pos += 1;
            }
            let body_start = self.pos;
            let n = digits_run(self, &|c: char| c.is_digit(radix))?;
            let name = match radix {
                16 => "hexadecimal",
                8 => "octal",
                _ => "binary",
            };
            if n == 0 {
                return syntax(&format!("invalid {name} literal"), line);
            }
            let text: String = self.chars[body_start..self.pos].iter().filter(|&&c| c != '_').collect();
            if self.peek(0).is_some_and(|c| c.is_ascii_alphanumeric()) {
                return syntax(&format!("invalid {name} literal"), line);
            }
            match i128::from_str_radix(&text, radix) {
                Ok(v) => PyVal::Int(v),
                Err(_) => PyVal::BigInt(false, text),
            }
        } else {
            let int_digits = digits_run(self, &|c: char| c.is_ascii_digit())?;
            let mut is_float = false;
            if self.peek(0) == Some('.') {
                is_float = true;
                self.pos += 1;
                digits_run(self, &|c: char| c.is_ascii_digit())?;
            }
            if matches!(self.peek(0), Some('e' | 'E')) {
                let save = self.pos;
                self.pos += 1;
                if matches!(self.peek(0), Some('+' | '-')) {
                    self.pos += 1;
                }
                if digits_run(self, &|c: char| c.is_ascii_digit())? == 0 {
                    self.pos = save;
                    return syntax("invalid decimal literal", line);
                }
                is_float = true;
            }
            let text: String = self.chars[start..self.pos].iter().filter(|&&c| c != '_').collect();
            let imaginary = matches!(self.peek(0), Some('j' | 'J'));
            if imaginary {
                self.pos += 1;
            }
            if let Some(c) = self.peek(0)
                && is_id_continue(c)
            {
                // `1if x else y` style: allowed before a keyword
                let rest: String = self.chars[self.pos..].iter().take(7).collect();
                let ok = ["and", "or", "if", "in", "is", "not", "else", "for"]
                    .iter()
                    .any(|k| rest.starts_with(k) && !rest[k.len()..].chars().next().is_some_and(is_id_continue));
                if !ok {
                    return syntax("invalid decimal literal", line);
                }
            }
            if imaginary {
                PyVal::Complex(0.0, text.parse::<f64>().unwrap_or(f64::INFINITY))
            } else if is_float {
                PyVal::Float(text.parse::<f64>().unwrap_or(f64::INFINITY))
            } else {
                if int_digits > 1 && text.starts_with('0') && text.chars().any(|c| c != '0') {
                    return syntax(
                        "leading zeros in decimal integer literals are not permitted; \
                         use an 0o prefix for octal integers",
                        line,
                    );
                }
                match text.parse::<i128>() {
                    Ok(v) => PyVal::Int(v),
                    Err(_) => PyVal::BigInt(false, text.trim_start_matches('0').to_string()),
                }
            }
        };
        self.out.push(Token { tok: Tok::Num(value), line });
        Ok(())
    }

    fn string(&mut self, prefix: &str) -> Result<(), SynError> {
        let line = self.line;
        let raw = prefix.contains('r');
        let bytes = prefix.contains('b');
        let fstring = prefix.contains('f');
        let q = self.peek(0).unwrap_or('"');
        let triple = self.peek(1) == Some(q) && self.peek(2) == Some(q);
        self.pos += if triple { 3 } else { 1 };
        // the literal's body, newlines normalised to '\n'
        let mut body: Vec<char> = Vec::new();
        loop {
            let Some(c) = self.peek(0) else {
                let what =
                    if triple { "unterminated triple-quoted string literal" } else { "unterminated string literal" };
                return syntax(&format!("{what} (detected at line {})", self.line), line);
            };
            if c == q && (!triple || (self.peek(1) == Some(q) && self.peek(2) == Some(q))) {
                self.pos += if triple { 3 } else { 1 };
                break;
            }
            match c {
                '\n' | '\r' => {
                    if !triple {
                        return syntax(&format!("unterminated string literal (detected at line {})", self.line), line);
                    }
                    self.eat_newline();
                    body.push('\n');
                }
                '\\' => {
                    body.push('\\');
                    self.pos += 1;
                    if !self.eat_newline() {
                        if let Some(n) = self.peek(0) {
                            body.push(n);
                            self.pos += 1;
                        }
                    } else {
                        body.push('\n');
                    }
                }
                c => {
                    body.push(c);
                    self.pos += 1;
                }
            }
        }
        let tok = if fstring {
            Tok::FStr(fstring_parts(&body, raw, line, 0)?)
        } else {
            let units = decode_literal(&body, raw, bytes, line)?;
            if bytes {
                Tok::Str(Err(units.iter().map(|&u| (u & 0xff) as u8).collect()))
            } else {
                Tok::Str(Ok(units_to_str(&units)))
            }
        };
        self.out.push(Token { tok, line });
        Ok(())
    }
}

/// A `str` from code units, lone surrogates making it a [`PyVal::BadStr`].
fn units_to_str(units: &[u32]) -> PyVal {
    let mut s = String::new();
    let mut bad = false;
    for &u in units {
        match char::from_u32(u) {
            Some(c) => s.push(c),
            None => {
                bad = true;
                s.push('\u{FFFD}');
            }
        }
    }
    if bad { PyVal::BadStr(s) } else { PyVal::Str(s) }
}

/// Decodes a literal's body (escape sequences unless raw) into code units.
fn decode_literal(body: &[char], raw: bool, bytes: bool, line: usize) -> Result<Vec<u32>, SynError> {
    let mut units = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if bytes && !c.is_ascii() {
            return syntax("bytes can only contain ASCII literal characters", line);
        }
        if c != '\\' || raw || i + 1 >= body.len() {
            units.push(c as u32);
            i += 1;
            continue;
        }
        let n = body[i + 1];
        i += 2;
        let simple = match n {
            '\n' => Some(None),
            '\\' => Some(Some('\\' as u32)),
            '\'' => Some(Some('\'' as u32)),
            '"' => Some(Some('"' as u32)),
            'a' => Some(Some(7)),
            'b' => Some(Some(8)),
            'f' => Some(Some(12)),
            'n' => Some(Some(10)),
            'r' => Some(Some(13)),
            't' => Some(Some(9)),
            'v' => Some(Some(11)),
            _ => None,
        };
        if let Some(unit) = simple {
            units.extend(unit);
            continue;
        }
        match n {
            '0'..='7' => {
                let mut v = n.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match body.get(i).and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                units.push(v);
            }
            'x' | 'u' | 'U' if !(bytes && n != 'x') => {
                let len = match n {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                for _ in 0..len {
                    match body.get(i).and_then(|c| c.to_digit(16)) {
                        Some(d) => {
                            v = v.wrapping_mul(16).wrapping_add(d);
                            i += 1;
                        }
                        None => {
                            return if bytes {
                                syntax("(value error) invalid \\x escape", line)
                            } else {
                                syntax(
                                    "(unicode error) 'unicodeescape' codec can't decode bytes: truncated escape",
                                    line,
                                )
                            };
                        }
                    }
                }
                if v > 0x10FFFF {
                    return syntax(
                        "(unicode error) 'unicodeescape' codec can't decode bytes: illegal Unicode character",
                        line,
                    );
                }
                units.push(v);
            }
            'N' if !bytes => return Err(SynError::Unsupported("\\N{...} escapes")),
            _ => {
                // unknown escape: the backslash stays
                units.push('\\' as u32);
                i -= 1;
            }
        }
    }
    Ok(units)
}

/// Splits an f-string body into literal text and replacement fields
/// (Python 3.11 rules: `{{`/`}}`, `!r`/`!s`/`!a`, `:spec` with nested
/// fields, the `=` self-documenting form, no backslash or `#` in an
/// expression).
fn fstring_parts(body: &[char], raw: bool, line: usize, nesting: usize) -> Result<Vec<FPart>, SynError> {
    let mut parts = Vec::new();
    let mut lit: Vec<char> = Vec::new();
    let flush = |lit: &mut Vec<char>, parts: &mut Vec<FPart>| -> Result<(), SynError> {
        if !lit.is_empty() {
            let units = decode_literal(lit, raw, false, line)?;
            parts.push(FPart::Lit(units_to_str(&units)));
            lit.clear();
        }
        Ok(())
    };
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c == '{' && body.get(i + 1) == Some(&'{') && nesting == 0 {
            lit.push('{');
            i += 2;
            continue;
        }
        if c == '}' {
            if body.get(i + 1) == Some(&'}') && nesting == 0 {
                lit.push('}');
                i += 2;
                continue;
            }
            return syntax("f-string: single '}' is not allowed", line);
        }
        if c != '{' {
            lit.push(c);
            i += 1;
            continue;
        }
        flush(&mut lit, &mut parts)?;
        if nesting >= 2 {
            return syntax("f-string: expressions nested too deeply", line);
        }
        // the expression: up to '!', ':', '=' or '}' at depth 0
        let start = i + 1;
        let mut j = start;
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        let mut self_doc = false;
        while j < body.len() {
            let ch = body[j];
            if ch == '\\' {
                return syntax("f-string expression part cannot include a backslash", line);
            }
            if let Some(qc) = quote {
                if ch == qc {
                    quote = None;
                }
                j += 1;
                continue;
            }
            match ch {
                '\'' | '"' => quote = Some(ch),
                '[' | '(' | '{' => depth += 1,
                ']' | ')' => depth = depth.saturating_sub(1),
                '}' if depth > 0 => depth -= 1,
                '#' => return syntax("f-string expression part cannot include '#'", line),
                '}' => break,
                '!' if depth == 0 && body.get(j + 1) != Some(&'=') => break,
                ':' if depth == 0 => break,
                '=' if depth == 0
                    && body.get(j + 1) != Some(&'=')
                    && !matches!(body.get(j.wrapping_sub(1)), Some('=' | '!' | '<' | '>')) =>
                {
                    self_doc = true;
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        if quote.is_some() {
            return syntax("f-string: unterminated string", line);
        }
        if j >= body.len() {
            return syntax("f-string: expecting '}'", line);
        }
        let expr_text: String = body[start..j].iter().collect();
        if expr_text.trim().is_empty() {
            return syntax("f-string: empty expression not allowed", line);
        }
        let value = match parse_eval(&format!("({expr_text})")) {
            Ok(e) => e,
            Err(SynError::Syntax(_)) => return syntax("f-string: invalid syntax", line),
            Err(e) => return Err(e),
        };
        if self_doc {
            j += 1;
            let text: String = body[start..j].iter().collect();
            lit.extend(text.chars());
            flush(&mut lit, &mut parts)?;
        }
        if body.get(j) == Some(&'!') {
            // the conversion (`!r`, `!s`, `!a`) is not a node: only checked
            if !matches!(body.get(j + 1), Some('r' | 's' | 'a')) {
                return syntax("f-string: invalid conversion character: expected 's', 'r', or 'a'", line);
            }
            j += 2;
        }
        let mut format_spec = None;
        if body.get(j) == Some(&':') {
            // the spec runs to the matching '}'
            let spec_start = j + 1;
            let mut k = spec_start;
            let mut d = 0usize;
            while k < body.len() {
                match body[k] {
                    '{' => d += 1,
                    '}' if d == 0 => break,
                    '}' => d -= 1,
                    _ => {}
                }
                k += 1;
            }
            if k >= body.len() {
                return syntax("f-string: expecting '}'", line);
            }
            format_spec = Some(fstring_parts(&body[spec_start..k], raw, line, nesting + 1)?);
            j = k;
        }
        if body.get(j) != Some(&'}') {
            return syntax("f-string: expecting '}'", line);
        }
        parts.push(FPart::Field { value, format_spec });
        i = j + 1;
    }
    flush(&mut lit, &mut parts)?;
    Ok(parts)
}

fn tokenize(src: &str) -> Result<Vec<Token>, SynError> {
    if src.contains('\0') {
        return Err(SynError::Syntax("source code string cannot contain null bytes".into()));
    }
    Lexer { chars: src.chars().collect(), pos: 0, line: 1, parens: Vec::new(), out: Vec::new() }.run()
}

// ------------------------------------------------------------------ parser

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    /// Depth of the tree being built.
    depth: usize,
    /// Depth of this parser's own recursion.
    recursion: usize,
}

type PResult<T> = Result<T, SynError>;

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::End, |t| &t.tok)
    }

    fn peek_at(&self, n: usize) -> &Tok {
        self.toks.get(self.pos + n).map_or(&Tok::End, |t| &t.tok)
    }

    fn line(&self) -> usize {
        self.toks.get(self.pos).map_or(1, |t| t.line)
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Name(n) if n == kw)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_op(&mut self, op: &str) -> PResult<()> {
        if self.eat_op(op) { Ok(()) } else { self.invalid() }
    }

    fn invalid<T>(&self) -> PResult<T> {
        syntax("invalid syntax", self.line())
    }

    /// One more level of parser recursion (and of tree depth).
    fn enter(&mut self) -> PResult<()> {
        self.recursion += 1;
        if self.recursion > MAX_RECURSION {
            return Err(SynError::TooDeep);
        }
        self.deepen()
    }

    fn leave(&mut self) {
        self.recursion = self.recursion.saturating_sub(1);
        self.depth = self.depth.saturating_sub(1);
    }

    /// One more level of tree depth built iteratively (operator chains).
    fn deepen(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_TREE_DEPTH {
            return Err(SynError::TooDeep);
        }
        Ok(())
    }

    fn shallow_n(&mut self, n: usize) {
        self.depth = self.depth.saturating_sub(n);
    }

    // statements ----------------------------------------------------------

    fn module(&mut self) -> PResult<Vec<Stmt>> {
        let mut out = Vec::new();
        loop {
            while matches!(self.peek(), Tok::Newline) {
                self.pos += 1;
            }
            if matches!(self.peek(), Tok::End) {
                return Ok(out);
            }
            loop {
                out.push(self.small_stmt()?);
                if self.eat_op(";") {
                    if matches!(self.peek(), Tok::Newline | Tok::End) {
                        break;
                    }
                    continue;
                }
                break;
            }
            if !matches!(self.peek(), Tok::Newline | Tok::End) {
                return self.invalid();
            }
        }
    }

    fn small_stmt(&mut self) -> PResult<Stmt> {
        if let Tok::Name(n) = self.peek() {
            match n.as_str() {
                "pass" => {
                    self.pos += 1;
                    return Ok(Stmt::Pass);
                }
                "if" | "for" | "while" | "def" | "class" | "with" | "try" | "async" | "import" | "from" | "del"
                | "global" | "nonlocal" | "assert" | "return" | "raise" | "break" | "continue" | "yield" => {
                    return Err(SynError::Unsupported("statements other than expressions and `=`"));
                }
                _ => {}
            }
        }
        if self.is_op("@") {
            return Err(SynError::Unsupported("decorators"));
        }
        let first = self.star_expressions()?;
        if self.is_op("=") {
            let mut items = vec![first];
            while self.eat_op("=") {
                items.push(self.star_expressions()?);
            }
            let value = items.pop().ok_or(SynError::Unsupported("assignment"))?;
            for t in &items {
                self.check_target(t)?;
            }
            return Ok(Stmt::Assign { targets: items, value });
        }
        if let Tok::Op(op) = self.peek() {
            if op.ends_with('=') && !matches!(*op, "==" | "!=" | "<=" | ">=") {
                return Err(SynError::Unsupported("augmented assignment"));
            }
            if *op == ":" {
                return Err(SynError::Unsupported("annotated assignment"));
            }
        }
        Ok(Stmt::Expr(first))
    }

    fn check_target(&self, e: &Expr) -> PResult<()> {
        match e {
            Expr::Name(_) | Expr::Attribute { .. } | Expr::Subscript { .. } => Ok(()),
            Expr::Starred(inner) => self.check_target(inner),
            Expr::Tuple(items) | Expr::List(items) => items.iter().try_for_each(|i| self.check_target(i)),
            _ => syntax("cannot assign to expression", self.line()),
        }
    }

    // expressions ---------------------------------------------------------

    /// `star_expressions` (a bare tuple when commas are present).
    fn star_expressions(&mut self) -> PResult<Expr> {
        let first = self.star_expression()?;
        if !self.is_op(",") {
            if matches!(first, Expr::Starred(_)) {
                return syntax("can't use starred expression here", self.line());
            }
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_expr_end() {
                break;
            }
            items.push(self.star_expression()?);
        }
        Ok(Expr::Tuple(items))
    }

    /// `expressions` (eval mode): no starred items.
    fn expressions(&mut self) -> PResult<Expr> {
        let first = self.expression()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_expr_end() {
                break;
            }
            items.push(self.expression()?);
        }
        Ok(Expr::Tuple(items))
    }

    fn at_expr_end(&self) -> bool {
        match self.peek() {
            Tok::Newline | Tok::End => true,
            Tok::Op(o) => matches!(*o, ")" | "]" | "}" | "=" | ";" | ":"),
            _ => false,
        }
    }

    fn star_expression(&mut self) -> PResult<Expr> {
        if self.eat_op("*") {
            let e = self.bitwise_or()?;
            return Ok(Expr::Starred(Box::new(e)));
        }
        self.expression()
    }

    fn expression(&mut self) -> PResult<Expr> {
        if self.is_kw("lambda") {
            return Err(SynError::Unsupported("lambda"));
        }
        self.enter()?;
        let body = self.disjunction()?;
        let out = if self.eat_kw("if") {
            let test = self.disjunction()?;
            if !self.eat_kw("else") {
                return syntax("expected 'else' after 'if' expression", self.line());
            }
            let orelse = self.expression()?;
            Expr::IfExp { test: Box::new(test), body: Box::new(body), orelse: Box::new(orelse) }
        } else {
            body
        };
        self.leave();
        Ok(out)
    }

    fn disjunction(&mut self) -> PResult<Expr> {
        let first = self.conjunction()?;
        if !self.is_kw("or") {
            return Ok(first);
        }
        let mut values = vec![first];
        while self.eat_kw("or") {
            values.push(self.conjunction()?);
        }
        Ok(Expr::BoolOp { and: false, values })
    }

    fn conjunction(&mut self) -> PResult<Expr> {
        let first = self.inversion()?;
        if !self.is_kw("and") {
            return Ok(first);
        }
        let mut values = vec![first];
        while self.eat_kw("and") {
            values.push(self.inversion()?);
        }
        Ok(Expr::BoolOp { and: true, values })
    }

    fn inversion(&mut self) -> PResult<Expr> {
        if self.eat_kw("not") {
            self.enter()?;
            let operand = self.inversion()?;
            self.leave();
            return Ok(Expr::UnaryOp { op: UnOp::Not, operand: Box::new(operand) });
        }
        self.comparison()
    }

    fn comp_op(&mut self) -> Option<CmpOp> {
        let op = match self.peek() {
            Tok::Op("==") => CmpOp::Eq,
            Tok::Op("!=") => CmpOp::NotEq,
            Tok::Op("<") => CmpOp::Lt,
            Tok::Op("<=") => CmpOp::LtE,
            Tok::Op(">") => CmpOp::Gt,
            Tok::Op(">=") => CmpOp::GtE,
            Tok::Name(n) if n == "in" => CmpOp::In,
            Tok::Name(n) if n == "not" && matches!(self.peek_at(1), Tok::Name(m) if m == "in") => {
                self.pos += 1;
                CmpOp::NotIn
            }
            Tok::Name(n) if n == "is" => {
                if matches!(self.peek_at(1), Tok::Name(m) if m == "not") {
                    self.pos += 1;
                    CmpOp::IsNot
                } else {
                    CmpOp::Is
                }
            }
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let left = self.bitwise_or()?;
        let mut ops = Vec::new();
        let mut comparators = Vec::new();
        while let Some(op) = self.comp_op() {
            ops.push(op);
            comparators.push(self.bitwise_or()?);
        }
        if ops.is_empty() { Ok(left) } else { Ok(Expr::Compare { left: Box::new(left), ops, comparators }) }
    }

    /// Binary operators by precedence climbing (one stack frame for the six
    /// levels `|`, `^`, `&`, `<< >>`, `+ -`, `* / // % @`), left-associative.
    fn binary(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut left = self.factor()?;
        let mut chain = 0;
        while let Tok::Op(op) = self.peek() {
            let op = *op;
            let prec = match op {
                "|" => 1,
                "^" => 2,
                "&" => 3,
                "<<" | ">>" => 4,
                "+" | "-" => 5,
                "*" | "/" | "//" | "%" | "@" => 6,
                _ => break,
            };
            if prec < min_prec {
                break;
            }
            self.pos += 1;
            // each operator nests the tree one level deeper (left-assoc)
            self.deepen()?;
            chain += 1;
            let right = if prec == 6 { self.factor()? } else { self.binary(prec + 1)? };
            let kind = match op {
                "+" => BinOpKind::Add,
                "-" => BinOpKind::Sub,
                _ => BinOpKind::Other,
            };
            left = Expr::BinOp { left: Box::new(left), op: kind, right: Box::new(right) };
        }
        self.shallow_n(chain);
        Ok(left)
    }

    fn bitwise_or(&mut self) -> PResult<Expr> {
        self.binary(1)
    }

    fn factor(&mut self) -> PResult<Expr> {
        let op = match self.peek() {
            Tok::Op("+") => UnOp::UAdd,
            Tok::Op("-") => UnOp::USub,
            Tok::Op("~") => UnOp::Invert,
            _ => return self.power(),
        };
        self.pos += 1;
        self.enter()?;
        let operand = self.factor()?;
        self.leave();
        Ok(Expr::UnaryOp { op, operand: Box::new(operand) })
    }

    fn power(&mut self) -> PResult<Expr> {
        if self.is_kw("await") {
            return Err(SynError::Unsupported("await"));
        }
        let base = self.primary()?;
        if self.eat_op("**") {
            let exp = self.factor()?;
            return Ok(Expr::BinOp { left: Box::new(base), op: BinOpKind::Other, right: Box::new(exp) });
        }
        Ok(base)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let mut e = self.atom()?;
        let mut chain = 0;
        loop {
            if self.is_op(".") || self.is_op("(") || self.is_op("[") {
                self.deepen()?;
                chain += 1;
            }
            if self.eat_op(".") {
                match self.peek().clone() {
                    Tok::Name(n) if !KEYWORDS.contains(&n.as_str()) => {
                        self.pos += 1;
                        e = Expr::Attribute { value: Box::new(e), attr: n };
                    }
                    _ => return self.invalid(),
                }
            } else if self.eat_op("(") {
                e = self.call(e)?;
            } else if self.eat_op("[") {
                let slice = self.slices()?;
                self.expect_op("]")?;
                e = Expr::Subscript { value: Box::new(e), slice: Box::new(slice) };
            } else {
                self.shallow_n(chain);
                return Ok(e);
            }
        }
    }

    fn call(&mut self, func: Expr) -> PResult<Expr> {
        let mut args = Vec::new();
        let mut keywords = Vec::new();
        loop {
            if self.eat_op(")") {
                break;
            }
            if self.eat_op("*") {
                let e = self.expression()?;
                args.push(Expr::Starred(Box::new(e)));
            } else if self.eat_op("**") {
                keywords.push(self.expression()?);
            } else if matches!(self.peek(), Tok::Name(n) if !KEYWORDS.contains(&n.as_str()))
                && matches!(self.peek_at(1), Tok::Op("="))
            {
                self.pos += 2;
                keywords.push(self.expression()?);
            } else {
                let mut e = self.named_expression()?;
                if self.at_comprehension() {
                    let generators = self.comp_for()?;
                    e = Expr::Comp { elt: Box::new(e), generators };
                }
                if !keywords.is_empty() {
                    return syntax("positional argument follows keyword argument", self.line());
                }
                args.push(e);
            }
            if !self.eat_op(",") {
                self.expect_op(")")?;
                break;
            }
        }
        Ok(Expr::Call { func: Box::new(func), args, keywords })
    }

    fn slices(&mut self) -> PResult<Expr> {
        let first = self.slice()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.is_op("]") {
                break;
            }
            items.push(self.slice()?);
        }
        Ok(Expr::Tuple(items))
    }

    fn slice(&mut self) -> PResult<Expr> {
        let lower = if self.is_op(":") {
            None
        } else if self.eat_op("*") {
            let e = self.bitwise_or()?;
            return Ok(Expr::Starred(Box::new(e)));
        } else {
            Some(self.expression()?)
        };
        if !self.eat_op(":") {
            return lower.ok_or(SynError::Unsupported("slice"));
        }
        let upper = if self.is_op(":") || self.is_op("]") || self.is_op(",") {
            None
        } else {
            Some(Box::new(self.expression()?))
        };
        let step = if self.eat_op(":") {
            if self.is_op("]") || self.is_op(",") { None } else { Some(Box::new(self.expression()?)) }
        } else {
            None
        };
        Ok(Expr::Slice { lower: lower.map(Box::new), upper, step })
    }

    fn star_named_expression(&mut self) -> PResult<Expr> {
        if self.eat_op("*") {
            let e = self.bitwise_or()?;
            return Ok(Expr::Starred(Box::new(e)));
        }
        self.named_expression()
    }

    fn at_comprehension(&self) -> bool {
        self.is_kw("for") || self.is_kw("async")
    }

    /// `for_if_clauses`.
    fn comp_for(&mut self) -> PResult<Vec<Comprehension>> {
        let mut out = Vec::new();
        while self.at_comprehension() {
            if self.is_kw("async") {
                return Err(SynError::Unsupported("async comprehensions"));
            }
            self.pos += 1;
            let first = self.star_target()?;
            let target = if self.is_op(",") {
                let mut items = vec![first];
                while self.eat_op(",") {
                    if self.is_kw("in") {
                        break;
                    }
                    items.push(self.star_target()?);
                }
                Expr::Tuple(items)
            } else {
                first
            };
            self.check_target(&target)?;
            if !self.eat_kw("in") {
                return self.invalid();
            }
            let iter = self.disjunction()?;
            let mut ifs = Vec::new();
            while self.eat_kw("if") {
                ifs.push(self.disjunction()?);
            }
            out.push(Comprehension { target, iter, ifs });
        }
        Ok(out)
    }

    fn star_target(&mut self) -> PResult<Expr> {
        if self.eat_op("*") {
            let e = self.bitwise_or()?;
            return Ok(Expr::Starred(Box::new(e)));
        }
        self.bitwise_or()
    }

    /// `named_expression`: `NAME := expression` or an expression.
    fn named_expression(&mut self) -> PResult<Expr> {
        if let (Tok::Name(n), Tok::Op(":=")) = (self.peek().clone(), self.peek_at(1).clone())
            && !KEYWORDS.contains(&n.as_str())
        {
            self.pos += 2;
            let value = self.expression()?;
            return Ok(Expr::NamedExpr { target: Box::new(Expr::Name(n)), value: Box::new(value) });
        }
        self.expression()
    }

    fn atom(&mut self) -> PResult<Expr> {
        let tok = self.peek().clone();
        match tok {
            Tok::Name(n) => {
                self.pos += 1;
                match n.as_str() {
                    "True" => Ok(Expr::Constant(PyVal::Bool(true))),
                    "False" => Ok(Expr::Constant(PyVal::Bool(false))),
                    "None" => Ok(Expr::Constant(PyVal::None)),
                    "yield" => Err(SynError::Unsupported("yield")),
                    "lambda" => Err(SynError::Unsupported("lambda")),
                    k if KEYWORDS.contains(&k) => {
                        self.pos -= 1;
                        self.invalid()
                    }
                    _ => Ok(Expr::Name(n)),
                }
            }
            Tok::Num(v) => {
                self.pos += 1;
                Ok(Expr::Constant(v))
            }
            Tok::Str(_) | Tok::FStr(_) => {
                let line = self.line();
                let mut is_bytes: Option<bool> = None;
                let mut any_f = false;
                let mut bytes_acc = Vec::new();
                let mut parts: Vec<FPart> = Vec::new();
                loop {
                    let t = self.peek().clone();
                    let piece_is_bytes = match &t {
                        Tok::Str(Err(_)) => true,
                        Tok::Str(Ok(_)) | Tok::FStr(_) => false,
                        _ => break,
                    };
                    if is_bytes.is_some_and(|b| b != piece_is_bytes) {
                        return syntax("cannot mix bytes and nonbytes literals", line);
                    }
                    is_bytes = Some(piece_is_bytes);
                    self.pos += 1;
                    match t {
                        Tok::Str(Err(b)) => bytes_acc.extend(b),
                        Tok::Str(Ok(v)) => parts.push(FPart::Lit(v)),
                        Tok::FStr(p) => {
                            any_f = true;
                            parts.extend(p);
                        }
                        _ => {}
                    }
                }
                if is_bytes == Some(true) {
                    return Ok(Expr::Constant(PyVal::Bytes(bytes_acc)));
                }
                if any_f {
                    return Ok(Expr::JoinedStr(fparts_to_exprs(parts)));
                }
                let mut acc = PyVal::Str(String::new());
                for p in parts {
                    if let FPart::Lit(v) = p {
                        acc = concat_str(acc, v);
                    }
                }
                Ok(Expr::Constant(acc))
            }
            Tok::Op("...") => {
                self.pos += 1;
                Ok(Expr::Constant(PyVal::Ellipsis))
            }
            Tok::Op("(") => {
                self.pos += 1;
                self.enter()?;
                let out = self.paren_body()?;
                self.leave();
                Ok(out)
            }
            Tok::Op("[") => {
                self.pos += 1;
                self.enter()?;
                let mut items = Vec::new();
                if !self.eat_op("]") {
                    items.push(self.star_named_expression()?);
                    if self.at_comprehension() {
                        let elt = items.pop().ok_or(SynError::Unsupported("comprehension"))?;
                        let generators = self.comp_for()?;
                        self.expect_op("]")?;
                        self.leave();
                        return Ok(Expr::Comp { elt: Box::new(elt), generators });
                    }
                    while self.eat_op(",") {
                        if self.is_op("]") {
                            break;
                        }
                        items.push(self.star_named_expression()?);
                    }
                    self.expect_op("]")?;
                }
                self.leave();
                Ok(Expr::List(items))
            }
            Tok::Op("{") => {
                self.pos += 1;
                self.enter()?;
                let out = self.brace_body()?;
                self.leave();
                Ok(out)
            }
            _ => self.invalid(),
        }
    }

    fn paren_body(&mut self) -> PResult<Expr> {
        if self.eat_op(")") {
            return Ok(Expr::Tuple(Vec::new()));
        }
        if self.is_kw("yield") {
            return Err(SynError::Unsupported("yield"));
        }
        let first = self.star_named_expression()?;
        if self.at_comprehension() {
            let generators = self.comp_for()?;
            self.expect_op(")")?;
            return Ok(Expr::Comp { elt: Box::new(first), generators });
        }
        if self.eat_op(")") {
            if matches!(first, Expr::Starred(_)) {
                return syntax("cannot use starred expression here", self.line());
            }
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.is_op(")") {
                break;
            }
            items.push(self.star_named_expression()?);
        }
        self.expect_op(")")?;
        Ok(Expr::Tuple(items))
    }

    fn brace_body(&mut self) -> PResult<Expr> {
        if self.eat_op("}") {
            return Ok(Expr::Dict { keys: Vec::new(), values: Vec::new() });
        }
        let mut keys = Vec::new();
        let mut values = Vec::new();
        // first item decides dict or set
        if self.eat_op("**") {
            values.push(self.bitwise_or()?);
            keys.push(None);
        } else {
            let first = self.star_named_expression()?;
            if self.eat_op(":") {
                if matches!(first, Expr::Starred(_)) {
                    return self.invalid();
                }
                let v = self.expression()?;
                if self.at_comprehension() {
                    let generators = self.comp_for()?;
                    self.expect_op("}")?;
                    return Ok(Expr::DictComp { key: Box::new(first), value: Box::new(v), generators });
                }
                keys.push(Some(first));
                values.push(v);
            } else {
                if self.at_comprehension() {
                    let generators = self.comp_for()?;
                    self.expect_op("}")?;
                    return Ok(Expr::Comp { elt: Box::new(first), generators });
                }
                let mut items = vec![first];
                while self.eat_op(",") {
                    if self.is_op("}") {
                        break;
                    }
                    items.push(self.star_named_expression()?);
                }
                self.expect_op("}")?;
                return Ok(Expr::Set(items));
            }
        }
        while self.eat_op(",") {
            if self.is_op("}") {
                break;
            }
            if self.eat_op("**") {
                values.push(self.bitwise_or()?);
                keys.push(None);
            } else {
                let k = self.expression()?;
                self.expect_op(":")?;
                let v = self.expression()?;
                keys.push(Some(k));
                values.push(v);
            }
        }
        self.expect_op("}")?;
        Ok(Expr::Dict { keys, values })
    }
}

/// The `values` of a `JoinedStr`: adjacent literals merged, empty ones
/// dropped, fields as `FormattedValue`s.
fn fparts_to_exprs(parts: Vec<FPart>) -> Vec<Expr> {
    let mut out: Vec<Expr> = Vec::new();
    for p in parts {
        match p {
            FPart::Lit(v) => {
                if matches!(&v, PyVal::Str(s) if s.is_empty()) {
                    continue;
                }
                if let Some(Expr::Constant(prev)) = out.last_mut() {
                    let merged = concat_str(std::mem::replace(prev, PyVal::None), v);
                    *prev = merged;
                } else {
                    out.push(Expr::Constant(v));
                }
            }
            FPart::Field { value, format_spec } => out.push(Expr::FormattedValue {
                value: Box::new(value),
                format_spec: format_spec.map(|p| Box::new(Expr::JoinedStr(fparts_to_exprs(p)))),
            }),
        }
    }
    out
}

fn concat_str(a: PyVal, b: PyVal) -> PyVal {
    match (a, b) {
        (PyVal::Str(x), PyVal::Str(y)) => PyVal::Str(x + &y),
        (PyVal::Str(x) | PyVal::BadStr(x), PyVal::Str(y) | PyVal::BadStr(y)) => PyVal::BadStr(x + &y),
        (a, _) => a,
    }
}

/// `ast.parse(src)` (exec mode): the module's statements.
pub(crate) fn parse_module(src: &str) -> Result<Vec<Stmt>, SynError> {
    let toks = tokenize(src)?;
    Parser { toks, pos: 0, depth: 0, recursion: 0 }.module()
}

/// `ast.parse(src, mode="eval")`: one expression (a bare tuple allowed).
pub(crate) fn parse_eval(src: &str) -> Result<Expr, SynError> {
    let toks = tokenize(src)?;
    let mut p = Parser { toks, pos: 0, depth: 0, recursion: 0 };
    while matches!(p.peek(), Tok::Newline) {
        p.pos += 1;
    }
    if matches!(p.peek(), Tok::End) {
        return syntax("invalid syntax", p.line());
    }
    let e = p.expressions()?;
    while matches!(p.peek(), Tok::Newline) {
        p.pos += 1;
    }
    if !matches!(p.peek(), Tok::End) {
        return p.invalid();
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_basic_forms() {
        assert!(parse_module("a == 1 and b.c != 'x'").is_ok());
        assert!(parse_module("x = y = a == 1; b < 2\n").is_ok());
        assert!(matches!(parse_module(" a == 1"), Err(SynError::Syntax(_))));
        assert!(matches!(parse_module("a == 1;;"), Err(SynError::Syntax(_))));
        assert!(matches!(parse_module("a ==="), Err(SynError::Syntax(_))));
        assert!(matches!(parse_module("1 = a"), Err(SynError::Syntax(_))));
        assert!(
            matches!(parse_eval("[(\"a\", -1)"), Err(SynError::Syntax(m)) if m.starts_with("'[' was never closed"))
        );
        assert!(parse_eval("-age, name").is_ok());
        assert!(matches!(parse_eval("first name"), Err(SynError::Syntax(_))));
    }

    #[test]
    fn literals() {
        let Ok(Expr::Constant(PyVal::Str(s))) = parse_eval(r#""\x41\u00e9" 'b' r"\d""#) else {
            panic!("not a str");
        };
        assert_eq!(s, "Aéb\\d");
        assert!(matches!(parse_eval("0x_1f"), Ok(Expr::Constant(PyVal::Int(31)))));
        assert!(matches!(parse_eval("1_000"), Ok(Expr::Constant(PyVal::Int(1000)))));
        assert!(matches!(parse_eval("01"), Err(SynError::Syntax(_))));
        assert!(matches!(parse_eval("2j"), Ok(Expr::Constant(PyVal::Complex(_, _)))));
    }
}
