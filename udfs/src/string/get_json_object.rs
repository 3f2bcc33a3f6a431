//! `get_json_object(json, path)`: the part of a JSON text that a path
//! selects, with Hive's limited JSONPath and its quirks:
//!
//! - the path starts with `$`; then `.key` steps into objects (keys are
//!   letters, digits, `_`, `-`, `:` and blanks), `[n]` and `[*]` into arrays;
//!   `$[n]` / `$.[n]` index a top-level array;
//! - a key applied to an array collects that key from every object in it,
//!   flattening arrays it finds; `[*]` gives all elements, and a selection of
//!   several values becomes an array;
//! - strings come back without quotes, numbers as Java prints them, objects
//!   and arrays as compact JSON in their original key order;
//! - an invalid JSON text, an unsupported path or nothing selected is NULL.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, strings};
use crate::doc::hive_doc;
use crate::hive_text::format_f64;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct GetJsonObject;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "get_json_object(json_txt, path)",
        "the JSON value that path ($ root, .key child, [n] or [*] array elements) selects in json_txt, NULL when json_txt is invalid",
        "> SELECT get_json_object('{\"a\":{\"b\":[1,2]}}', '$.a.b[1]');\n 2",
    )
});

impl TextFunction for GetJsonObject {
    fn name(&self) -> &'static str {
        "get_json_object"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=2
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let (json, path) = (strings(&args[0])?, strings(&args[1])?);
        let out: StringArray = (0..rows).map(|i| get_json_object(at(&json, i)?, at(&path, i)?)).collect();
        Ok(Arc::new(out))
    }
}

/// A parsed JSON value; objects keep their key order, numbers their kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(String),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// The selected value as Hive prints it, None for nothing.
pub fn get_json_object(json: &str, path: &str) -> Option<String> {
    if json.is_empty() || !path.starts_with('$') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut start = 1;
    let mut root_array = false;
    if path.len() > 1 {
        match bytes[1] {
            b'[' => {
                start = 0;
                root_array = true;
            }
            b'.' => root_array = bytes.get(2) == Some(&b'['),
            _ => return None,
        }
    }
    let mut value = Parser::parse(json)?;
    match (&value, path == "$", root_array) {
        (_, true, _) => {}
        (Json::Array(_), false, true) | (Json::Object(_), false, false) => {}
        _ => return None,
    }
    let steps: Vec<&str> = path.split('.').collect();
    for (i, step) in steps.iter().enumerate().skip(start) {
        value = extract(value, step, i == start && root_array)?;
    }
    match value {
        Json::Null => None,
        Json::Str(s) => Some(s),
        other => {
            let mut out = String::new();
            write_json(&other, &mut out);
            Some(out)
        }
    }
}

/// One path step: `key`, `key[0][*]` or (first step of a top-level array) `$[0]`.
fn extract(json: Json, step: &str, skip_key: bool) -> Option<Json> {
    let mut json = json;
    if !skip_key {
        let key_len = step
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':') || c.is_whitespace()))
            .map_or(step.len(), |(i, _)| i);
        if key_len == 0 {
            return None;
        }
        json = with_key(json, &step[..key_len])?;
    }
    let indexes = indexes(step);
    if indexes.is_empty() {
        return if skip_key { None } else { Some(json) };
    }
    with_indexes(json, &indexes)
}

/// The `[n]` / `[*]` subscripts of a step; None stands for `*`.
fn indexes(step: &str) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    let mut rest = step;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find(']') else { break };
        let inner = &rest[..close];
        if inner == "*" {
            out.push(None);
            rest = &rest[close + 1..];
        } else if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) {
            out.push(Some(inner.parse().unwrap_or(usize::MAX)));
            rest = &rest[close + 1..];
        }
    }
    out
}

fn with_key(json: Json, key: &str) -> Option<Json> {
    match json {
        Json::Object(fields) => fields.into_iter().find(|(k, _)| k == key).map(|(_, v)| v),
        Json::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                let Json::Object(fields) = item else { continue };
                match fields.into_iter().find(|(k, _)| k == key).map(|(_, v)| v) {
                    Some(Json::Array(inner)) => out.extend(inner),
                    Some(Json::Null) | None => {}
                    Some(v) => out.push(v),
                }
            }
            (!out.is_empty()).then_some(Json::Array(out))
        }
        _ => None,
    }
}

fn with_indexes(json: Json, indexes: &[Option<usize>]) -> Option<Json> {
    let mut current = vec![json];
    for index in indexes {
        let mut next = Vec::new();
        for value in &current {
            let Json::Array(items) = value else { continue };
            match index {
                None => next.extend(items.iter().cloned()),
                Some(n) => next.extend(items.get(*n).cloned()),
            }
        }
        if next.is_empty() {
            return None;
        }
        current = next;
    }
    if current.len() > 1 { Some(Json::Array(current)) } else { current.pop() }
}

/// Compact JSON as Jackson writes it.
pub fn write_json(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(s) => out.push_str(s),
        Json::Float(f) => format_f64(*f, out),
        Json::Str(s) => write_json_string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Json::Object(fields) => {
            out.push('{');
            for (i, (k, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A lenient JSON reader as Hive configures Jackson: control characters may
/// appear unescaped in strings, a backslash may escape any character, and
/// text after the first value is ignored.
struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn parse(text: &'a str) -> Option<Json> {
        let mut p = Parser { s: text.as_bytes(), pos: 0 };
        p.value()
    }

    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Json> {
        self.ws();
        match *self.s.get(self.pos)? {
            b'{' => {
                self.pos += 1;
                let mut fields: Vec<(String, Json)> = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Some(Json::Object(fields));
                }
                loop {
                    self.ws();
                    if self.s.get(self.pos) != Some(&b'"') {
                        return None;
                    }
                    let k = self.string()?;
                    self.ws();
                    if !self.eat(":") {
                        return None;
                    }
                    let v = self.value()?;
                    match fields.iter_mut().find(|(key, _)| *key == k) {
                        Some(slot) => slot.1 = v,
                        None => fields.push((k, v)),
                    }
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    return self.eat("}").then_some(Json::Object(fields));
                }
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat("]") {
                    return Some(Json::Array(items));
                }
                loop {
                    items.push(self.value()?);
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    return self.eat("]").then_some(Json::Array(items));
                }
            }
            b'"' => self.string().map(Json::Str),
            b't' => self.eat("true").then_some(Json::Bool(true)),
            b'f' => self.eat("false").then_some(Json::Bool(false)),
            b'n' => self.eat("null").then_some(Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.pos;
        while self.pos < self.s.len() && matches!(self.s[self.pos], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
            self.pos += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).ok()?;
        if text.bytes().all(|b| b == b'-' || b.is_ascii_digit()) {
            let digits = text.strip_prefix('-').unwrap_or(text);
            if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
                return None;
            }
            let digits = if digits == "0" { "0" } else { digits };
            let neg = text.starts_with('-') && digits != "0";
            return Some(Json::Int(if neg { format!("-{digits}") } else { digits.to_string() }));
        }
        text.parse::<f64>().ok().map(Json::Float)
    }

    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let b = *self.s.get(self.pos)?;
            self.pos += 1;
            match b {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.s.get(self.pos)?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' => {
                            let mut unit = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&unit) && self.eat("\\u") {
                                let low = self.hex4()?;
                                unit = 0x10000 + ((unit - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                                char::from_u32(unit)?
                            } else {
                                char::from_u32(unit).unwrap_or('\u{FFFD}')
                            };
                            let mut buf = [0; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = std::str::from_utf8(self.s.get(self.pos..self.pos + 4)?).ok()?;
        self.pos += 4;
        u32::from_str_radix(h, 16).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORE: &str = r#"{"store":{"basket":[[1,2,{"b":"y","a":"x"}],[3,4],[5,6]],"book":[{"c":"reference","price":8.95},{"c":"fiction","isbn":"1","reader":[{"age":25},{"age":26}]}],"bicycle":{"price":19.95,"color":"red"}},"zip code":"94025","fb:testid":"1234"}"#;

    fn get(path: &str) -> Option<String> {
        get_json_object(STORE, path)
    }

    #[test]
    fn keys_indexes_and_wildcards() {
        assert_eq!(get("$.store.bicycle").unwrap(), r#"{"price":19.95,"color":"red"}"#);
        assert_eq!(get("$.store.book[0].c").unwrap(), "reference");
        assert_eq!(get("$.store.book[*].c").unwrap(), r#"["reference","fiction"]"#);
        assert_eq!(get("$.store.book[*].isbn").unwrap(), r#"["1"]"#);
        assert_eq!(get("$.store.book[*].reader[*].age").unwrap(), "[25,26]");
        assert_eq!(get("$.store.basket[*][0]").unwrap(), "[1,3,5]");
        assert_eq!(get("$.store.basket[0][*].b").unwrap(), r#"["y"]"#);
        assert_eq!(get("$.zip code").unwrap(), "94025");
        assert_eq!(get("$.fb:testid").unwrap(), "1234");
        assert_eq!(get("$..no"), None);
        assert_eq!(get("$.store.book[10]"), None);
    }

    #[test]
    fn top_level_arrays_and_bad_paths() {
        let a = "[1,2,3]";
        assert_eq!(get_json_object(a, "$[0]").unwrap(), "1");
        assert_eq!(get_json_object(a, "$.[1]").unwrap(), "2");
        assert_eq!(get_json_object(a, "$[*]").unwrap(), "[1,2,3]");
        assert_eq!(get_json_object(a, "$").unwrap(), "[1,2,3]");
        for bad in ["[2]", "$0", "$[0 ]", "$[ 0]", "$[3]"] {
            assert_eq!(get_json_object(a, bad), None, "{bad}");
        }
        assert_eq!(get_json_object(r#"[{"k1":[{"k11":[1,2,3]}]}]"#, "$[0].k1[0].k11[1]").unwrap(), "2");
        assert_eq!(get_json_object("{\"a\":\"b\nc\"}", "$.a").unwrap(), "b\nc");
        assert_eq!(get_json_object(r#"{"a":1.0E2}"#, "$").unwrap(), r#"{"a":100.0}"#);
    }
}
