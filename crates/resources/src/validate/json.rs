//! An order-preserving JSON value (`J`) and a small strict reader for it.
//!
//! Eve works on Python dicts, which keep the order in which a client (or the settings
//! file) wrote their keys, and that order is visible: defaults are appended in schema
//! order, dotted keys are expanded in payload order, `serialize` stops at the first
//! field whose conversion raises, and ties between errors on one field are broken by
//! rule order. `serde_json::Value` without the `preserve_order` feature sorts keys, so
//! the validator works on this type instead; [`J::from_serde`] converts a
//! `serde_json::Value` (keeping whatever order it has) and [`parse`] reads JSON text
//! keeping the written order. Like Python's `json.loads`, a repeated key keeps its first
//! position and its last value, and the literals `NaN`, `Infinity` and `-Infinity`
//! are accepted.

use bson::{Bson, Document};

/// An ordered JSON value as Python's `json.loads` would produce it (a `dict` keeps key order).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    /// Converts a `serde_json::Value`, keeping the key order it iterates in.
    pub(crate) fn from_serde(v: &serde_json::Value) -> J {
        match v {
            serde_json::Value::Null => J::Null,
            serde_json::Value::Bool(b) => J::Bool(*b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    J::Int(i)
                } else {
                    J::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(s) => J::Str(s.clone()),
            serde_json::Value::Array(a) => J::Arr(a.iter().map(J::from_serde).collect()),
            serde_json::Value::Object(o) => J::Obj(o.iter().map(|(k, v)| (k.clone(), J::from_serde(v))).collect()),
        }
    }

    /// `dict.get(key)` for objects; `None` for every other kind of value.
    pub(crate) fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// `key in value` for objects.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn is_str(&self, s: &str) -> bool {
        matches!(self, J::Str(x) if x == s)
    }

    /// Converts to BSON the way pymongo stores the Python value: an `int` that fits 32
    /// bits becomes Int32, a larger one Int64, a `float` Double, a `dict` a Document.
    pub(crate) fn to_bson(&self) -> Bson {
        match self {
            J::Null => Bson::Null,
            J::Bool(b) => Bson::Boolean(*b),
            J::Int(i) => int_bson(*i),
            J::Float(f) => Bson::Double(*f),
            J::Str(s) => Bson::String(s.clone()),
            J::Arr(a) => Bson::Array(a.iter().map(J::to_bson).collect()),
            J::Obj(o) => {
                let mut d = Document::new();
                for (k, v) in o {
                    d.insert(k.clone(), v.to_bson());
                }
                Bson::Document(d)
            }
        }
    }

    /// Converts back to a `serde_json::Value` (key order then follows serde_json's map).
    pub(crate) fn to_serde(&self) -> serde_json::Value {
        match self {
            J::Null => serde_json::Value::Null,
            J::Bool(b) => serde_json::Value::Bool(*b),
            J::Int(i) => serde_json::Value::from(*i),
            J::Float(f) => {
                serde_json::Number::from_f64(*f).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null)
            }
            J::Str(s) => serde_json::Value::String(s.clone()),
            J::Arr(a) => serde_json::Value::Array(a.iter().map(J::to_serde).collect()),
            J::Obj(o) => {
                let mut m = serde_json::Map::new();
                for (k, v) in o {
                    m.insert(k.clone(), v.to_serde());
                }
                serde_json::Value::Object(m)
            }
        }
    }
}

/// A Python `int` as pymongo encodes it: Int32 when it fits, else Int64.
pub(crate) fn int_bson(i: i64) -> Bson {
    match i32::try_from(i) {
        Ok(small) => Bson::Int32(small),
        Err(_) => Bson::Int64(i),
    }
}

/// Error reading JSON text ([`Schema::parse_str`](super::Schema::parse_str),
/// [`deserialize_str`](super::deserialize_str)): what was wrong and the byte offset.
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

/// Reads JSON text into an ordered value (whitespace around it allowed, nothing else after it).
pub(crate) fn parse(text: &str) -> Result<J, JsonError> {
    let mut p = Reader { s: text.as_bytes(), i: 0, depth: 0 };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("extra data"));
    }
    Ok(v)
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

const MAX_DEPTH: usize = 512;

impl Reader<'_> {
    fn err(&self, m: &str) -> JsonError {
        JsonError { message: m.to_string(), offset: self.i }
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<J, JsonError> {
        let Some(&c) = self.s.get(self.i) else {
            return Err(self.err("unexpected end of input"));
        };
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(J::Str(self.string()?)),
            b't' if self.eat("true") => Ok(J::Bool(true)),
            b'f' if self.eat("false") => Ok(J::Bool(false)),
            b'n' if self.eat("null") => Ok(J::Null),
            b'N' if self.eat("NaN") => Ok(J::Float(f64::NAN)),
            b'I' if self.eat("Infinity") => Ok(J::Float(f64::INFINITY)),
            b'-' if self.eat("-Infinity") => Ok(J::Float(f64::NEG_INFINITY)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.err("expecting value")),
        }
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<J, JsonError> {
        self.enter()?;
        self.i += 1;
        let mut entries: Vec<(String, J)> = Vec::new();
        self.ws();
        if self.eat("}") {
            self.depth -= 1;
            return Ok(J::Obj(entries));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err("expecting property name enclosed in double quotes"));
            }
            let k = self.string()?;
            self.ws();
            if !self.eat(":") {
                return Err(self.err("expecting ':' delimiter"));
            }
            self.ws();
            let v = self.value()?;
            if let Some(slot) = entries.iter_mut().find(|(ek, _)| *ek == k) {
                slot.1 = v;
            } else {
                entries.push((k, v));
            }
            self.ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("}") {
                self.depth -= 1;
                return Ok(J::Obj(entries));
            }
            return Err(self.err("expecting ',' delimiter"));
        }
    }

    fn array(&mut self) -> Result<J, JsonError> {
        self.enter()?;
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat("]") {
            self.depth -= 1;
            return Ok(J::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("]") {
                self.depth -= 1;
                return Ok(J::Arr(items));
            }
            return Err(self.err("expecting ',' delimiter"));
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let h = self.s.get(self.i..self.i + 4).ok_or_else(|| self.err("invalid \\uXXXX escape"))?;
        let txt = std::str::from_utf8(h).map_err(|_| self.err("invalid \\uXXXX escape"))?;
        let v = u32::from_str_radix(txt, 16).map_err(|_| self.err("invalid \\uXXXX escape"))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i] != b'"' && self.s[self.i] != b'\\' {
                if self.s[self.i] < 0x20 {
                    return Err(self.err("invalid control character"));
                }
                self.i += 1;
            }
            let chunk = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.err("invalid UTF-8"))?;
            out.push_str(chunk);
            match self.s.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(_) => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
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
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) && self.eat("\\u") {
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("lone surrogate"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code).ok_or_else(|| self.err("lone surrogate"))?);
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                }
            }
        }
    }

    fn number(&mut self) -> Result<J, JsonError> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        let int_start = self.i;
        if self.s.get(self.i) == Some(&b'0') {
            self.i += 1;
        } else {
            while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                self.i += 1;
            }
        }
        if self.i == int_start {
            return Err(self.err("expecting value"));
        }
        let mut is_float = false;
        if self.s.get(self.i) == Some(&b'.') {
            let dot = self.i;
            self.i += 1;
            let frac = self.i;
            while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                self.i += 1;
            }
            if self.i == frac {
                self.i = dot;
            } else {
                is_float = true;
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            let e = self.i;
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let digits = self.i;
            while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                self.i += 1;
            }
            if self.i == digits {
                self.i = e;
            } else {
                is_float = true;
            }
        }
        let txt = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.err("bad number"))?;
        if !is_float && let Ok(i) = txt.parse::<i64>() {
            return Ok(J::Int(i));
        }
        txt.parse::<f64>().map(J::Float).map_err(|_| self.err("bad number"))
    }
}
