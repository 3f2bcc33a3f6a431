//! `simplejson.loads` as Eve calls it (simplejson 3.20, default options):
//! strict strings (no raw control characters), no `NaN`/`Infinity` tokens
//! (refused since simplejson 3.19), integers of any size, floats through
//! Python's `float()` (so `1e400` is `inf`), duplicate keys resolved as a
//! Python `dict` does (last value, first position), lone `\uD800`-style
//! surrogates kept (as [`PyVal::BadStr`]). Whitespace is `[ \t\n\r]`.
//! Extended JSON (`{"$oid": ...}`) is *not* decoded: Eve does not use
//! `bson.json_util` for query parameters.

use super::pyval::{PyDict, PyVal};

/// Nesting beyond this fails (Python would hit its recursion limit near
/// 1000 frames; the exact depth depends on the caller's stack).
const MAX_DEPTH: usize = 900;

struct Json<'a> {
    b: &'a [u8],
    s: &'a str,
    pos: usize,
    depth: usize,
}

impl Json<'_> {
    fn ws(&mut self) {
        while self.pos < self.b.len() && matches!(self.b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Option<PyVal> {
        self.ws();
        let c = *self.b.get(self.pos)?;
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => {
                self.pos += 1;
                self.string()
            }
            b't' if self.s[self.pos..].starts_with("true") => {
                self.pos += 4;
                Some(PyVal::Bool(true))
            }
            b'f' if self.s[self.pos..].starts_with("false") => {
                self.pos += 5;
                Some(PyVal::Bool(false))
            }
            b'n' if self.s[self.pos..].starts_with("null") => {
                self.pos += 4;
                Some(PyVal::None)
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn object(&mut self) -> Option<PyVal> {
        self.enter()?;
        self.pos += 1;
        let mut d = PyDict::new();
        self.ws();
        if self.b.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Some(PyVal::Dict(d));
        }
        loop {
            self.ws();
            if self.b.get(self.pos) != Some(&b'"') {
                return None;
            }
            self.pos += 1;
            let key = self.string()?;
            self.ws();
            if self.b.get(self.pos) != Some(&b':') {
                return None;
            }
            self.pos += 1;
            let v = self.value()?;
            d.set(key, v);
            self.ws();
            match self.b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Some(PyVal::Dict(d));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self) -> Option<PyVal> {
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.b.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.depth -= 1;
            return Some(PyVal::List(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Some(PyVal::List(items));
                }
                _ => return None,
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.pos..self.pos + 4)?;
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(h, 16).ok()
    }

    /// After the opening quote.
    fn string(&mut self) -> Option<PyVal> {
        let mut out = String::new();
        let mut bad = false;
        loop {
            let rest = &self.s[self.pos..];
            let mut chars = rest.chars();
            let c = chars.next()?;
            self.pos += c.len_utf8();
            match c {
                '"' => break,
                '\\' => {
                    let e = *self.b.get(self.pos)?;
                    self.pos += 1;
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
                            let u = self.hex4()?;
                            if (0xD800..0xDC00).contains(&u) && self.s[self.pos..].starts_with("\\u") {
                                let save = self.pos;
                                self.pos += 2;
                                match self.hex4() {
                                    Some(l) if (0xDC00..0xE000).contains(&l) => {
                                        let cp = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                                        out.push(char::from_u32(cp)?);
                                        continue;
                                    }
                                    _ => self.pos = save,
                                }
                            }
                            match char::from_u32(u) {
                                Some(ch) => out.push(ch),
                                None => {
                                    bad = true;
                                    out.push('\u{FFFD}');
                                }
                            }
                        }
                        _ => return None,
                    }
                }
                c if (c as u32) < 0x20 => return None,
                c => out.push(c),
            }
        }
        Some(if bad { PyVal::BadStr(out) } else { PyVal::Str(out) })
    }

    fn number(&mut self) -> Option<PyVal> {
        // -?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?
        let start = self.pos;
        let b = self.b;
        let mut i = self.pos;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => return None,
        }
        let mut float = false;
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            float = true;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if b.get(j).is_some_and(u8::is_ascii_digit) {
                while b.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
                i = j;
                float = true;
            }
        }
        self.pos = i;
        let text = &self.s[start..i];
        if float {
            return text.parse::<f64>().ok().map(PyVal::Float);
        }
        Some(match text.parse::<i128>() {
            Ok(v) => PyVal::Int(v),
            Err(_) => {
                let neg = text.starts_with('-');
                PyVal::BigInt(neg, text.trim_start_matches('-').to_string())
            }
        })
    }
}

/// `simplejson.loads(text)`; `None` where it raises.
pub(crate) fn loads(text: &str) -> Option<PyVal> {
    let mut p = Json { b: text.as_bytes(), s: text, pos: 0, depth: 0 };
    let v = p.value()?;
    p.ws();
    (p.pos == p.b.len()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert!(matches!(loads(" {\"a\": [1, 2.5, true, null]} "), Some(PyVal::Dict(_))));
        assert!(loads("{\"a\": NaN}").is_none());
        assert!(loads("{\"a\": 01}").is_none());
        assert!(loads("{\"a\": 1,}").is_none());
        assert!(loads("\"tab\there\"").is_none());
        assert!(matches!(loads("1e400"), Some(PyVal::Float(f)) if f.is_infinite()));
        assert!(matches!(loads("\"\\ud83d\\ude00\""), Some(PyVal::Str(s)) if s == "😀"));
        assert!(matches!(loads("\"\\ud800\""), Some(PyVal::BadStr(_))));
        assert!(matches!(loads("123456789012345678901234567890123456789012"), Some(PyVal::BigInt(..))));
    }
}
