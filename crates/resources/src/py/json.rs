//! A strict JSON reader keeping the written key order, for the two Python decoders
//! Eve runs: `json.loads` (the validator: payloads, settings) and `simplejson.loads`
//! (the query module: `where`, `projection`). A [`Dialect`] holds what differs between
//! them; a [`FromJson`] type receives the values.
//!
//! Common to both: whitespace is `[ \t\n\r]`; strings are strict (no raw control
//! characters); numbers follow JSON's grammar, an integer token being handed over as
//! text (its size is the caller's business) and a float parsed as Python's `float()`
//! does (so `1e400` is `inf`); a repeated key keeps its first position and its last
//! value, as a Python `dict` does.

/// Error reading JSON text: what was wrong and the byte offset. The validator returns
/// it from [`Schema::parse_str`](crate::validate::Schema::parse_str) and
/// [`deserialize_str`](crate::validate::deserialize_str).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    pub message: String,
    pub offset: usize,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for JsonError {}

/// What differs between the Python decoders read with [`parse`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    /// The literals `NaN`, `Infinity` and `-Infinity` are floats (`json.loads`;
    /// simplejson refuses them since 3.19).
    pub(crate) nan_infinity: bool,
    /// A `\uD800`-style escape without its other half is kept, as U+FFFD in
    /// [`JsonStr::text`] with [`JsonStr::lone_surrogate`] set (a Python `str` can
    /// hold it); otherwise it is an error.
    pub(crate) lone_surrogates: bool,
    /// `\u+XYZ` is read as `\u0XYZ`. Python refuses it; the validator's reader has
    /// always accepted it.
    pub(crate) plus_in_unicode_escape: bool,
    /// Nesting of arrays and objects deeper than this fails.
    pub(crate) max_depth: usize,
}

/// A decoded JSON string.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JsonStr {
    pub(crate) text: String,
    /// It holds a lone surrogate (only with [`Dialect::lone_surrogates`]).
    pub(crate) lone_surrogate: bool,
}

/// A value [`parse`] can build.
pub(crate) trait FromJson: Sized {
    fn null() -> Self;
    fn bool(b: bool) -> Self;
    /// An integer token (`-?(0|[1-9][0-9]*)`); `None` fails the read ("bad number").
    fn int(text: &str) -> Option<Self>;
    fn float(f: f64) -> Self;
    fn string(s: JsonStr) -> Self;
    fn array(items: Vec<Self>) -> Self;
    /// An object's members in the order their keys first appear, each with its last value.
    fn object(members: Vec<(JsonStr, Self)>) -> Self;
}

/// Reads JSON text (whitespace around it allowed, nothing else after it).
pub(crate) fn parse<V: FromJson>(text: &str, dialect: &Dialect) -> Result<V, JsonError> {
    let mut p = Reader { s: text, b: text.as_bytes(), i: 0, depth: 0, dialect };
    let v = p.value()?;
    p.ws();
    if p.i != p.b.len() {
        return Err(p.err("extra data"));
    }
    Ok(v)
}

struct Reader<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: usize,
    dialect: &'a Dialect,
}

impl Reader<'_> {
    fn err(&self, m: &str) -> JsonError {
        JsonError { message: m.to_string(), offset: self.i }
    }

    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.b[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    /// A value, after optional whitespace.
    fn value<V: FromJson>(&mut self) -> Result<V, JsonError> {
        self.ws();
        let Some(&c) = self.b.get(self.i) else {
            return Err(self.err("unexpected end of input"));
        };
        let nan_infinity = self.dialect.nan_infinity;
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(V::string(self.string()?)),
            b't' if self.eat("true") => Ok(V::bool(true)),
            b'f' if self.eat("false") => Ok(V::bool(false)),
            b'n' if self.eat("null") => Ok(V::null()),
            b'N' if nan_infinity && self.eat("NaN") => Ok(V::float(f64::NAN)),
            b'I' if nan_infinity && self.eat("Infinity") => Ok(V::float(f64::INFINITY)),
            b'-' if nan_infinity && self.eat("-Infinity") => Ok(V::float(f64::NEG_INFINITY)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.err("expecting value")),
        }
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > self.dialect.max_depth {
            return Err(self.err("nesting too deep"));
        }
        Ok(())
    }

    fn object<V: FromJson>(&mut self) -> Result<V, JsonError> {
        self.enter()?;
        self.i += 1;
        let mut members: Vec<(JsonStr, V)> = Vec::new();
        self.ws();
        if self.eat("}") {
            self.depth -= 1;
            return Ok(V::object(members));
        }
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return Err(self.err("expecting property name enclosed in double quotes"));
            }
            let k = self.string()?;
            self.ws();
            if !self.eat(":") {
                return Err(self.err("expecting ':' delimiter"));
            }
            let v = self.value()?;
            if let Some(slot) = members.iter_mut().find(|(mk, _)| *mk == k) {
                slot.1 = v;
            } else {
                members.push((k, v));
            }
            self.ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("}") {
                self.depth -= 1;
                return Ok(V::object(members));
            }
            return Err(self.err("expecting ',' delimiter"));
        }
    }

    fn array<V: FromJson>(&mut self) -> Result<V, JsonError> {
        self.enter()?;
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat("]") {
            self.depth -= 1;
            return Ok(V::array(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("]") {
                self.depth -= 1;
                return Ok(V::array(items));
            }
            return Err(self.err("expecting ',' delimiter"));
        }
    }

    /// The four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Result<u32, JsonError> {
        let bad = || self.err("invalid \\uXXXX escape");
        let h = self.b.get(self.i..self.i + 4).ok_or_else(bad)?;
        let digits = match h.strip_prefix(b"+") {
            Some(rest) if self.dialect.plus_in_unicode_escape => rest,
            _ => h,
        };
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(bad());
        }
        let v = digits.iter().try_fold(0u32, |acc, &d| Some(acc * 16 + char::from(d).to_digit(16)?)).ok_or_else(bad)?;
        self.i += 4;
        Ok(v)
    }

    /// A string, from its opening quote.
    fn string(&mut self) -> Result<JsonStr, JsonError> {
        self.i += 1;
        let mut out = String::new();
        let mut lone = false;
        loop {
            let start = self.i;
            while self.i < self.b.len() && self.b[self.i] != b'"' && self.b[self.i] != b'\\' {
                if self.b[self.i] < 0x20 {
                    return Err(self.err("invalid control character"));
                }
                self.i += 1;
            }
            let chunk = self.s.get(start..self.i).ok_or_else(|| self.err("invalid UTF-8"))?;
            out.push_str(chunk);
            match self.b.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(JsonStr { text: out, lone_surrogate: lone });
                }
                Some(_) => {
                    self.i += 1;
                    let Some(&e) = self.b.get(self.i) else {
                        return Err(self.err("unterminated string"));
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => match self.unicode_escape()? {
                            Some(c) => out.push(c),
                            None => {
                                lone = true;
                                out.push('\u{FFFD}');
                            }
                        },
                        _ => return Err(self.err("invalid escape")),
                    }
                }
            }
        }
    }

    /// The character of a `\u` escape (after the `u`), joining a surrogate pair written
    /// as two escapes; `None` for a lone surrogate the dialect keeps.
    fn unicode_escape(&mut self) -> Result<Option<char>, JsonError> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) && self.b[self.i..].starts_with(b"\\u") {
            let save = self.i;
            self.i += 2;
            match self.hex4() {
                Ok(lo) if (0xDC00..0xE000).contains(&lo) => {
                    let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return char::from_u32(code).map(Some).ok_or_else(|| self.err("lone surrogate"));
                }
                // the high half stands alone; the next escape is read on its own
                _ if self.dialect.lone_surrogates => self.i = save,
                Ok(_) => return Err(self.err("lone surrogate")),
                Err(e) => return Err(e),
            }
        }
        match char::from_u32(hi) {
            Some(c) => Ok(Some(c)),
            None if self.dialect.lone_surrogates => Ok(None),
            None => Err(self.err("lone surrogate")),
        }
    }

    /// Skips ASCII digits; returns how many.
    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        self.i - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, stopping before a `.` or an
    /// exponent marker that no digit follows.
    fn number<V: FromJson>(&mut self) -> Result<V, JsonError> {
        let start = self.i;
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        let int_digits = if self.b.get(self.i) == Some(&b'0') {
            self.i += 1;
            1
        } else {
            self.digits()
        };
        if int_digits == 0 {
            return Err(self.err("expecting value"));
        }
        let mut is_float = false;
        if self.b.get(self.i) == Some(&b'.') {
            let dot = self.i;
            self.i += 1;
            if self.digits() == 0 {
                self.i = dot;
            } else {
                is_float = true;
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            let e = self.i;
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                self.i = e;
            } else {
                is_float = true;
            }
        }
        let text = self.s.get(start..self.i).ok_or_else(|| self.err("bad number"))?;
        let v = if is_float { text.parse::<f64>().ok().map(V::float) } else { V::int(text) };
        v.ok_or_else(|| self.err("bad number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values as text, to check what the reader hands over.
    #[derive(Debug, PartialEq)]
    struct T(String);

    impl FromJson for T {
        fn null() -> T {
            T("null".into())
        }
        fn bool(b: bool) -> T {
            T(b.to_string())
        }
        fn int(text: &str) -> Option<T> {
            Some(T(format!("int {text}")))
        }
        fn float(f: f64) -> T {
            T(format!("float {f}"))
        }
        fn string(s: JsonStr) -> T {
            T(if s.lone_surrogate { format!("lone {:?}", s.text) } else { format!("{:?}", s.text) })
        }
        fn array(items: Vec<T>) -> T {
            T(format!("[{}]", items.into_iter().map(|t| t.0).collect::<Vec<_>>().join(", ")))
        }
        fn object(members: Vec<(JsonStr, T)>) -> T {
            let parts: Vec<String> = members.into_iter().map(|(k, v)| format!("{:?}: {}", k.text, v.0)).collect();
            T(format!("{{{}}}", parts.join(", ")))
        }
    }

    const STRICT: Dialect =
        Dialect { nan_infinity: false, lone_surrogates: false, plus_in_unicode_escape: false, max_depth: 2 };
    const LENIENT: Dialect =
        Dialect { nan_infinity: true, lone_surrogates: true, plus_in_unicode_escape: true, max_depth: 2 };

    fn read(text: &str, d: &Dialect) -> Result<String, (String, usize)> {
        parse::<T>(text, d).map(|t| t.0).map_err(|e| (e.message, e.offset))
    }

    #[test]
    fn dialects() {
        let ok = |s: &str| Ok(s.to_string());
        let err = |m: &str, at: usize| Err((m.to_string(), at));
        assert_eq!(
            read(r#" {"a": [1, 2.5e0, -0, true, null], "b": {}, "a": "x"} "#, &STRICT),
            ok(r#"{"a": "x", "b": {}}"#)
        );
        assert_eq!(read("[1e400, 10000000000000000000000]", &STRICT), ok("[float inf, int 10000000000000000000000]"));
        assert_eq!(read("[NaN]", &STRICT), err("expecting value", 1));
        assert_eq!(read("[NaN, -Infinity]", &LENIENT), ok("[float NaN, float -inf]"));
        assert_eq!(read(r#""\ud83d\ude00""#, &STRICT), ok("\"😀\""));
        assert_eq!(read(r#""\ud800\u0041""#, &STRICT), err("lone surrogate", 13));
        assert_eq!(read(r#""\ud800\u0041""#, &LENIENT), ok("lone \"\u{FFFD}A\""));
        assert_eq!(read(r#""\u+041""#, &STRICT), err("invalid \\uXXXX escape", 3));
        assert_eq!(read(r#""\u+041""#, &LENIENT), ok("\"A\""));
        assert_eq!(read("[[[1]]]", &STRICT), err("nesting too deep", 2));
        assert_eq!(read("\"a\tb\"", &STRICT), err("invalid control character", 2));
        assert_eq!(read("[01]", &STRICT), err("expecting ',' delimiter", 2));
        assert_eq!(read("{\"a\": 1,}", &STRICT), err("expecting property name enclosed in double quotes", 8));
        assert_eq!(read("1 2", &STRICT), err("extra data", 2));
    }
}
