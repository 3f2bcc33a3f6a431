//! Python semantics of document values, as Cerberus sees them after Eve's `serialize`.
//!
//! Cerberus builds its messages with `str.format`, so a value or constraint in a message
//! is Python's `str()` of it (`True`, `None`, `1.0`, `['a', 'b']`, `('q',)`), compares with
//! Python's `==` (`1 == 1.0 == True`) and orders with Python's `<`/`>` (a `TypeError` for
//! unrelated types makes `min`/`max` skip the check). This module gives those semantics
//! to BSON values, plus the built-in coercers of the `coerce` rule.
//!
//! A value is treated as the Python object pymongo/Eve would hold: Int32/Int64 are `int`,
//! Double `float`, Boolean `bool` (a subclass of `int`), Document `dict`, Array `list`,
//! ObjectId `bson.ObjectId`, DateTime a naive `datetime.datetime` in UTC, Decimal128
//! `bson.Decimal128`, Binary `bytes`.

use bson::{Bson, Document};

use crate::py::num::{self, PyInt, int_bson};
use crate::py::{self, repr::float_repr};

/// Python's `repr(str)` ([`py::repr::str_repr`]), escaping the non-ASCII characters
/// U+0080–U+00A0, U+00AD, U+200B–U+200F, U+2028, U+2029 and U+FEFF.
pub(crate) fn str_repr(s: &str) -> String {
    py::repr::str_repr(s, |c| matches!(c as u32, 0x80..=0xa0 | 0xad | 0x200b..=0x200f | 0x2028 | 0x2029 | 0xfeff))
}

fn datetime_parts(dt: &bson::DateTime) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(dt.timestamp_millis()).map(|d| d.naive_utc())
}

/// Python's `str(datetime)`: `2026-12-08 01:35:40` (`.123000` when there are microseconds).
pub(crate) fn datetime_str(dt: &bson::DateTime) -> String {
    match datetime_parts(dt) {
        Some(n) => {
            let base = n.format("%Y-%m-%d %H:%M:%S").to_string();
            let micros = n.and_utc().timestamp_subsec_micros();
            if micros == 0 { base } else { format!("{base}.{micros:06}") }
        }
        None => dt.to_string(),
    }
}

fn datetime_repr(dt: &bson::DateTime) -> String {
    use chrono::{Datelike, Timelike};
    match datetime_parts(dt) {
        Some(n) => {
            let micros = n.and_utc().timestamp_subsec_micros();
            let mut parts = vec![
                n.year().to_string(),
                n.month().to_string(),
                n.day().to_string(),
                n.hour().to_string(),
                n.minute().to_string(),
            ];
            if n.second() != 0 || micros != 0 {
                parts.push(n.second().to_string());
            }
            if micros != 0 {
                parts.push(micros.to_string());
            }
            format!("datetime.datetime({})", parts.join(", "))
        }
        None => dt.to_string(),
    }
}

/// Python's `repr()` of a value (how it appears inside a list, tuple or dict).
pub(crate) fn repr(v: &Bson) -> String {
    match v {
        Bson::String(s) => str_repr(s),
        Bson::ObjectId(o) => format!("ObjectId('{}')", o.to_hex()),
        Bson::DateTime(d) => datetime_repr(d),
        Bson::Decimal128(d) => format!("Decimal128('{}')", d),
        Bson::Array(a) => list_repr(a.iter()),
        Bson::Document(d) => dict_repr(d),
        _ => str(v),
    }
}

/// Python's `str()` of a value (how `{value}` / `%s` render it).
pub(crate) fn str(v: &Bson) -> String {
    match v {
        Bson::Null => "None".into(),
        Bson::Boolean(true) => "True".into(),
        Bson::Boolean(false) => "False".into(),
        Bson::Int32(i) => i.to_string(),
        Bson::Int64(i) => i.to_string(),
        Bson::Double(f) => float_repr(*f),
        Bson::String(s) => s.clone(),
        Bson::ObjectId(o) => o.to_hex(),
        Bson::DateTime(d) => datetime_str(d),
        Bson::Decimal128(d) => d.to_string(),
        Bson::Binary(b) => py::repr::bytes_repr(&b.bytes),
        Bson::Array(_) | Bson::Document(_) => repr(v),
        other => other.to_string(),
    }
}

/// `repr(list)`: `[1, 'a']`.
pub(crate) fn list_repr<'a>(items: impl Iterator<Item = &'a Bson>) -> String {
    py::repr::list_repr(&items.map(repr).collect::<Vec<_>>())
}

/// `repr(tuple)`: `('a',)`, `('a', 'b')`.
pub(crate) fn tuple_repr(items: &[Bson]) -> String {
    py::repr::tuple_repr(&items.iter().map(repr).collect::<Vec<_>>())
}

/// `repr(set)` in the order given (Python's own order for several strings is hash-seeded).
pub(crate) fn set_repr(items: &[Bson]) -> String {
    py::repr::set_repr(&items.iter().map(repr).collect::<Vec<_>>())
}

fn dict_repr(d: &Document) -> String {
    py::repr::dict_repr(&d.iter().map(|(k, v)| (str_repr(k), repr(v))).collect::<Vec<_>>())
}

/// Python's `type(x).__name__` as it appears in TypeError messages of C functions (`tp_name`).
pub(crate) fn type_name(v: &Bson) -> &'static str {
    match v {
        Bson::Null => "NoneType",
        Bson::Boolean(_) => "bool",
        Bson::Int32(_) | Bson::Int64(_) => "int",
        Bson::Double(_) => "float",
        Bson::String(_) => "str",
        Bson::Array(_) => "list",
        Bson::Document(_) => "dict",
        Bson::ObjectId(_) => "ObjectId",
        Bson::DateTime(_) => "datetime.datetime",
        Bson::Decimal128(_) => "Decimal128",
        Bson::Binary(_) => "bytes",
        _ => "object",
    }
}

/// A Python number: `int` (bool included) or `float`.
#[derive(Clone, Copy)]
pub(crate) enum Num {
    I(i64),
    F(f64),
}

pub(crate) fn num(v: &Bson) -> Option<Num> {
    match v {
        Bson::Boolean(b) => Some(Num::I(i64::from(*b))),
        Bson::Int32(i) => Some(Num::I(i64::from(*i))),
        Bson::Int64(i) => Some(Num::I(*i)),
        Bson::Double(f) => Some(Num::F(*f)),
        _ => None,
    }
}

fn num_cmp(a: Num, b: Num) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
        (Num::F(x), Num::F(y)) => x.partial_cmp(&y),
        (Num::I(x), Num::F(y)) => int_float_cmp(x, y),
        (Num::F(x), Num::I(y)) => int_float_cmp(y, x).map(|o| o.reverse()),
    }
}

/// Exact comparison of an int with a float, as Python does it.
fn int_float_cmp(i: i64, f: f64) -> Option<std::cmp::Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= 9.3e18 {
        return Some(std::cmp::Ordering::Less);
    }
    if f <= -9.3e18 {
        return Some(std::cmp::Ordering::Greater);
    }
    let fl = f.floor();
    let fi = fl as i64;
    match i.cmp(&fi) {
        std::cmp::Ordering::Equal => {
            if f > fl {
                Some(std::cmp::Ordering::Less)
            } else {
                Some(std::cmp::Ordering::Equal)
            }
        }
        o => Some(o),
    }
}

/// Python's `a == b`.
pub(crate) fn eq(a: &Bson, b: &Bson) -> bool {
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        return num_cmp(x, y) == Some(std::cmp::Ordering::Equal);
    }
    match (a, b) {
        (Bson::Null, Bson::Null) => true,
        (Bson::String(x), Bson::String(y)) => x == y,
        (Bson::Array(x), Bson::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| eq(p, q)),
        (Bson::Document(x), Bson::Document(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| eq(v, w)))
        }
        (Bson::ObjectId(x), Bson::ObjectId(y)) => x == y,
        (Bson::DateTime(x), Bson::DateTime(y)) => x == y,
        (Bson::Decimal128(x), Bson::Decimal128(y)) => x.bytes() == y.bytes(),
        (Bson::Binary(x), Bson::Binary(y)) => x.bytes == y.bytes,
        _ => false,
    }
}

/// Python's `x in items` for a list: is some item equal to `x`?
pub(crate) fn contains(items: &[Bson], x: &Bson) -> bool {
    items.iter().any(|item| eq(item, x))
}

/// Python's `a > b`; `None` when Python raises `TypeError` (unorderable types).
pub(crate) fn gt(a: &Bson, b: &Bson) -> Option<bool> {
    use std::cmp::Ordering::Greater;
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        return Some(num_cmp(x, y) == Some(Greater));
    }
    match (a, b) {
        (Bson::String(x), Bson::String(y)) => Some(x > y),
        (Bson::DateTime(x), Bson::DateTime(y)) => Some(x > y),
        (Bson::ObjectId(x), Bson::ObjectId(y)) => Some(x.bytes() > y.bytes()),
        (Bson::Binary(x), Bson::Binary(y)) => Some(x.bytes > y.bytes),
        (Bson::Array(x), Bson::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                if !eq(p, q) {
                    return gt(p, q);
                }
            }
            Some(x.len() > y.len())
        }
        _ => None,
    }
}

/// Python's `a < b`; `None` on `TypeError`.
pub(crate) fn lt(a: &Bson, b: &Bson) -> Option<bool> {
    gt(b, a)
}

pub(crate) use crate::py::truthy;

/// `len(x)` for what Python calls `Sized`; `None` for values without a length.
pub(crate) fn len(v: &Bson) -> Option<usize> {
    match v {
        Bson::String(s) => Some(s.chars().count()),
        Bson::Array(a) => Some(a.len()),
        Bson::Document(d) => Some(d.len()),
        Bson::Binary(b) => Some(b.bytes.len()),
        _ => None,
    }
}

/// The items of `iter(x)` for Python iterables (str: its characters, dict: its keys,
/// bytes: ints); `None` for values that are not iterable.
pub(crate) fn iter_items(v: &Bson) -> Option<Vec<Bson>> {
    match v {
        Bson::String(s) => Some(s.chars().map(|c| Bson::String(c.to_string())).collect()),
        Bson::Array(a) => Some(a.clone()),
        Bson::Document(d) => Some(d.keys().map(|k| Bson::String(k.clone())).collect()),
        Bson::Binary(b) => Some(b.bytes.iter().map(|x| Bson::Int32(i32::from(*x))).collect()),
        _ => None,
    }
}

/// `hash(x)` succeeds? Returns the TypeError text for unhashable values (`list`, `dict`).
pub(crate) fn unhashable(v: &Bson) -> Option<String> {
    match v {
        Bson::Array(_) | Bson::Document(_) => Some(format!("unhashable type: '{}'", type_name(v))),
        _ => None,
    }
}

/// Keeps the first of Python-equal values (what building a `set` does, order aside).
pub(crate) fn dedup(items: &[Bson]) -> Vec<Bson> {
    let mut out: Vec<Bson> = Vec::new();
    for it in items {
        if !out.iter().any(|o| eq(o, it)) {
            out.push(it.clone());
        }
    }
    out
}

/// Python's `int()` of a string within `i64` (ASCII digits only, see [`num::py_int_ascii`]);
/// `None` when Python would raise `ValueError` or the value exceeds `i64`.
fn parse_py_int(s: &str) -> Option<i64> {
    match num::py_int_ascii(s)? {
        PyInt::Small(i) => i64::try_from(i).ok(),
        PyInt::Huge { .. } => None,
    }
}

/// One of the built-in coercers a schema can name in `coerce` (ENMA's settings are JSON,
/// so the Python callable of an Eve settings file is written as its name):
/// `int`, `float`, `str`, `bool` (the builtins) and `lower`, `upper`, `strip`
/// (`str.lower`, `str.upper`, `str.strip`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coercer {
    Int,
    Float,
    Str,
    Bool,
    Lower,
    Upper,
    Strip,
}

impl Coercer {
    pub(crate) fn from_name(n: &str) -> Option<Coercer> {
        Some(match n {
            "int" => Coercer::Int,
            "float" => Coercer::Float,
            "str" => Coercer::Str,
            "bool" => Coercer::Bool,
            "lower" => Coercer::Lower,
            "upper" => Coercer::Upper,
            "strip" => Coercer::Strip,
            _ => return None,
        })
    }

    /// Applies the coercer; `Err` carries `str(exception)` exactly as Python words it.
    pub(crate) fn apply(self, v: &Bson) -> Result<Bson, String> {
        match self {
            Coercer::Int => py_int(v),
            Coercer::Float => py_float(v),
            Coercer::Str => Ok(Bson::String(str(v))),
            Coercer::Bool => Ok(Bson::Boolean(truthy(v))),
            Coercer::Lower | Coercer::Upper | Coercer::Strip => {
                let name = match self {
                    Coercer::Lower => "lower",
                    Coercer::Upper => "upper",
                    _ => "strip",
                };
                match v {
                    Bson::String(s) => Ok(Bson::String(match self {
                        Coercer::Lower => s.to_lowercase(),
                        Coercer::Upper => s.to_uppercase(),
                        _ => num::py_strip(s).to_string(),
                    })),
                    other => Err(format!(
                        "descriptor '{name}' for 'str' objects doesn't apply to a '{}' object",
                        type_name(other)
                    )),
                }
            }
        }
    }
}

/// Python's `int(v)`.
pub(crate) fn py_int(v: &Bson) -> Result<Bson, String> {
    match v {
        Bson::Int32(_) | Bson::Int64(_) => Ok(v.clone()),
        Bson::Boolean(b) => Ok(Bson::Int32(i32::from(*b))),
        Bson::Double(f) => {
            if f.is_nan() {
                Err("cannot convert float NaN to integer".into())
            } else if f.is_infinite() {
                Err("cannot convert float infinity to integer".into())
            } else if f.trunc().abs() < 9.2e18 {
                Ok(int_bson(f.trunc() as i64))
            } else {
                Err("MongoDB can only handle up to 8-byte ints".into())
            }
        }
        Bson::String(s) => match parse_py_int(s) {
            Some(i) => Ok(int_bson(i)),
            None => Err(format!("invalid literal for int() with base 10: {}", str_repr(s))),
        },
        other => Err(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            type_name(other)
        )),
    }
}

/// Python's `float(v)`.
pub(crate) fn py_float(v: &Bson) -> Result<Bson, String> {
    match v {
        Bson::Double(_) => Ok(v.clone()),
        Bson::Int32(i) => Ok(Bson::Double(f64::from(*i))),
        Bson::Int64(i) => Ok(Bson::Double(*i as f64)),
        Bson::Boolean(b) => Ok(Bson::Double(if *b { 1.0 } else { 0.0 })),
        Bson::String(s) => match num::py_float_ascii(s) {
            Some(f) => Ok(Bson::Double(f)),
            None => Err(format!("could not convert string to float: {}", str_repr(s))),
        },
        other => Err(format!("float() argument must be a string or a real number, not '{}'", type_name(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_repr_like_python() {
        assert_eq!(str_repr("a"), "'a'");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("a'\"b"), "'a\\'\"b'");
        assert_eq!(str_repr("x\ny"), "'x\\ny'");
        assert_eq!(str_repr("é"), "'é'");
    }

    #[test]
    fn equality_and_order() {
        assert!(eq(&Bson::Int32(1), &Bson::Double(1.0)));
        assert!(eq(&Bson::Boolean(true), &Bson::Int64(1)));
        assert!(!eq(&Bson::String("1".into()), &Bson::Int32(1)));
        assert_eq!(gt(&Bson::String("b".into()), &Bson::Int32(1)), None);
        assert_eq!(gt(&Bson::Double(1.5), &Bson::Int32(1)), Some(true));
    }
}
