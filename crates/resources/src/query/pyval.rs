//! A small model of the Python values Eve handles while it parses a query
//! (what `json.loads`, `ast.literal_eval` and Eve's `where` parser yield),
//! with Python's equality, truthiness and `repr`, and the conversion to BSON
//! that pymongo would perform.

use bson::oid::ObjectId;
use bson::{Bson, Document};
use chrono::NaiveDateTime;

use crate::py::num::int_bson;
use crate::py::repr::{self, float_repr};

use super::QueryError;

/// A Python value.
#[derive(Debug, Clone)]
pub(crate) enum PyVal {
    None,
    Bool(bool),
    /// An `int` that fits an `i128`.
    Int(i128),
    /// An `int` beyond `i128`: sign and decimal digits (pymongo cannot
    /// encode it; only equality and `repr` are needed).
    BigInt(bool, String),
    Float(f64),
    Complex(f64, f64),
    Str(String),
    /// A `str` holding a lone surrogate (from `"\ud800"`): it exists in
    /// Python but cannot be UTF-8/BSON encoded. Carries a lossy copy.
    BadStr(String),
    Bytes(Vec<u8>),
    Ellipsis,
    ObjectId(ObjectId),
    DateTime(NaiveDateTime),
    List(Vec<PyVal>),
    Tuple(Vec<PyVal>),
    /// Insertion order stands in for Python's hash order.
    Set(Vec<PyVal>),
    Dict(PyDict),
}

/// A Python `dict`: insertion ordered, keys compared with Python equality
/// (so `1`, `1.0` and `True` are one key); a re-assigned key keeps its place.
#[derive(Debug, Clone, Default)]
pub(crate) struct PyDict(pub(crate) Vec<(PyVal, PyVal)>);

impl PyDict {
    pub(crate) fn new() -> Self {
        PyDict(Vec::new())
    }

    /// `d[key] = value`.
    pub(crate) fn set(&mut self, key: PyVal, value: PyVal) {
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| py_eq(k, &key)) {
            slot.1 = value;
        } else {
            self.0.push((key, value));
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &(PyVal, PyVal)> {
        self.0.iter()
    }

    /// A one-entry dict `{key: value}`.
    pub(crate) fn single(key: PyVal, value: PyVal) -> Self {
        PyDict(vec![(key, value)])
    }
}

/// Numeric view used by Python's cross-type numeric equality.
fn as_complex(v: &PyVal) -> Option<(f64, f64)> {
    match v {
        PyVal::Bool(b) => Some((f64::from(u8::from(*b)), 0.0)),
        PyVal::Int(i) => Some((*i as f64, 0.0)),
        PyVal::Float(f) => Some((*f, 0.0)),
        PyVal::Complex(r, i) => Some((*r, *i)),
        _ => None,
    }
}

/// Python `a == b` for the values modelled here.
pub(crate) fn py_eq(a: &PyVal, b: &PyVal) -> bool {
    use PyVal::*;
    match (a, b) {
        (Int(x), Int(y)) => x == y,
        (Bool(x), Int(y)) | (Int(y), Bool(x)) => i128::from(u8::from(*x)) == *y,
        (Bool(x), Bool(y)) => x == y,
        (BigInt(s1, d1), BigInt(s2, d2)) => s1 == s2 && d1 == d2,
        (BigInt(..), _) | (_, BigInt(..)) => false,
        (None, None) | (Ellipsis, Ellipsis) => true,
        (Str(x), Str(y)) => x == y,
        (BadStr(x), BadStr(y)) => x == y,
        (Bytes(x), Bytes(y)) => x == y,
        (ObjectId(x), ObjectId(y)) => x == y,
        (DateTime(x), DateTime(y)) => x == y,
        (List(x), List(y)) | (Tuple(x), Tuple(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q)),
        (Set(x), Set(y)) => x.len() == y.len() && x.iter().all(|p| y.iter().any(|q| py_eq(p, q))),
        (Dict(x), Dict(y)) => {
            x.0.len() == y.0.len() && x.0.iter().all(|(k, v)| y.0.iter().any(|(k2, v2)| py_eq(k, k2) && py_eq(v, v2)))
        }
        _ => match (as_complex(a), as_complex(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// Whether Python can hash the value (use it as a dict key / set member).
pub(crate) fn py_hashable(v: &PyVal) -> bool {
    match v {
        PyVal::List(_) | PyVal::Set(_) | PyVal::Dict(_) => false,
        PyVal::Tuple(items) => items.iter().all(py_hashable),
        _ => true,
    }
}

/// Python truthiness (`bool(v)`).
pub(crate) fn py_truthy(v: &PyVal) -> bool {
    match v {
        PyVal::None => false,
        PyVal::Bool(b) => *b,
        PyVal::Int(i) => *i != 0,
        PyVal::BigInt(..) => true,
        PyVal::Float(f) => *f != 0.0,
        PyVal::Complex(r, i) => *r != 0.0 || *i != 0.0,
        PyVal::Str(s) | PyVal::BadStr(s) => !s.is_empty(),
        PyVal::Bytes(b) => !b.is_empty(),
        PyVal::List(x) | PyVal::Tuple(x) | PyVal::Set(x) => !x.is_empty(),
        PyVal::Dict(d) => !d.is_empty(),
        PyVal::Ellipsis | PyVal::ObjectId(_) | PyVal::DateTime(_) => true,
    }
}

/// `type(v).__name__`.
pub(crate) fn py_type_name(v: &PyVal) -> &'static str {
    match v {
        PyVal::None => "NoneType",
        PyVal::Bool(_) => "bool",
        PyVal::Int(_) | PyVal::BigInt(..) => "int",
        PyVal::Float(_) => "float",
        PyVal::Complex(..) => "complex",
        PyVal::Str(_) | PyVal::BadStr(_) => "str",
        PyVal::Bytes(_) => "bytes",
        PyVal::Ellipsis => "ellipsis",
        PyVal::ObjectId(_) => "ObjectId",
        PyVal::DateTime(_) => "datetime",
        PyVal::List(_) => "list",
        PyVal::Tuple(_) => "tuple",
        PyVal::Set(_) => "set",
        PyVal::Dict(_) => "dict",
    }
}

/// `str(type(v))`, e.g. `<class 'int'>`.
pub(crate) fn py_type_repr(v: &PyVal) -> String {
    match v {
        PyVal::ObjectId(_) => "<class 'bson.objectid.ObjectId'>".into(),
        PyVal::DateTime(_) => "<class 'datetime.datetime'>".into(),
        _ => format!("<class '{}'>", py_type_name(v)),
    }
}

/// The non-ASCII characters `repr(str)` escapes here: controls and whitespace
/// (Python escapes every character `str.isprintable()` refuses).
fn escaped_in_repr(c: char) -> bool {
    c.is_control() || c.is_whitespace()
}

fn complex_part(f: f64) -> String {
    // repr(complex) prints integral parts without ".0"
    let r = float_repr(f);
    r.strip_suffix(".0").map(str::to_string).unwrap_or(r)
}

/// Python's `repr(v)` (used in a few of Eve's/pymongo's error messages).
pub(crate) fn py_repr(v: &PyVal) -> String {
    match v {
        PyVal::None => "None".into(),
        PyVal::Bool(true) => "True".into(),
        PyVal::Bool(false) => "False".into(),
        PyVal::Int(i) => i.to_string(),
        PyVal::BigInt(neg, d) => format!("{}{}", if *neg { "-" } else { "" }, d),
        PyVal::Float(f) => float_repr(*f),
        PyVal::Complex(r, i) => {
            if *r == 0.0 && !r.is_sign_negative() {
                format!("{}j", complex_part(*i))
            } else {
                let im = complex_part(*i);
                let sign = if im.starts_with('-') { "" } else { "+" };
                format!("({}{}{}j)", complex_part(*r), sign, im)
            }
        }
        PyVal::Str(s) | PyVal::BadStr(s) => repr::str_repr(s, escaped_in_repr),
        PyVal::Bytes(b) => repr::bytes_repr(b),
        PyVal::Ellipsis => "Ellipsis".into(),
        PyVal::ObjectId(o) => format!("ObjectId('{}')", o.to_hex()),
        PyVal::DateTime(d) => format!("{d:?}"),
        PyVal::List(items) => repr::list_repr(&reprs(items)),
        PyVal::Tuple(items) => repr::tuple_repr(&reprs(items)),
        PyVal::Set(items) => repr::set_repr(&reprs(items)),
        PyVal::Dict(d) => repr::dict_repr(&d.iter().map(|(k, v)| (py_repr(k), py_repr(v))).collect::<Vec<_>>()),
    }
}

fn reprs(items: &[PyVal]) -> Vec<String> {
    items.iter().map(py_repr).collect()
}

/// Milliseconds since the epoch, as pymongo encodes a naive `datetime`
/// (taken as UTC, sub-millisecond part floored).
pub(crate) fn datetime_to_bson(d: &NaiveDateTime) -> Bson {
    Bson::DateTime(bson::DateTime::from_millis(d.and_utc().timestamp_millis()))
}

/// Converts to BSON as pymongo would encode the value.
///
/// A dict key that is not a `str` is an immediate error (Eve crashes on it
/// in `validate_filters` / `_mongotize` before reaching the driver). Values
/// the driver cannot encode (`complex`, ints beyond int64, sets, strings
/// with lone surrogates) are replaced by `Null` and reported once through
/// `deferred`, because Eve only fails on them later (when pymongo encodes
/// the command), after checks that may fail first with a 400.
pub(crate) fn to_bson(v: &PyVal, deferred: &mut Option<QueryError>) -> Result<Bson, QueryError> {
    let mut defer = |what: &str| {
        if deferred.is_none() {
            *deferred = Some(QueryError::internal(format!("pymongo cannot encode {what} (Eve answers 500)")));
        }
        Bson::Null
    };
    Ok(match v {
        PyVal::None => Bson::Null,
        PyVal::Bool(b) => Bson::Boolean(*b),
        PyVal::Int(i) => match i64::try_from(*i) {
            Ok(x) => int_bson(x),
            Err(_) => defer("an int beyond int64"),
        },
        PyVal::BigInt(..) => defer("an int beyond int64"),
        PyVal::Float(f) => Bson::Double(*f),
        PyVal::Complex(..) => defer("a complex number"),
        PyVal::Str(s) => Bson::String(s.clone()),
        PyVal::BadStr(_) => defer("a string with a lone surrogate"),
        PyVal::Bytes(b) => Bson::Binary(bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: b.clone() }),
        PyVal::Ellipsis => defer("Ellipsis"),
        PyVal::Set(_) => defer("a set"),
        PyVal::ObjectId(o) => Bson::ObjectId(*o),
        PyVal::DateTime(d) => datetime_to_bson(d),
        PyVal::List(items) | PyVal::Tuple(items) => {
            Bson::Array(items.iter().map(|x| to_bson(x, deferred)).collect::<Result<Vec<_>, _>>()?)
        }
        PyVal::Dict(d) => Bson::Document(dict_to_document(d, deferred)?),
    })
}

/// [`to_bson`] for a dict.
pub(crate) fn dict_to_document(d: &PyDict, deferred: &mut Option<QueryError>) -> Result<Document, QueryError> {
    let mut doc = Document::new();
    for (k, v) in d.iter() {
        let key = match k {
            PyVal::Str(s) => s.clone(),
            PyVal::BadStr(_) => {
                return Err(QueryError::internal("a query key holds a lone surrogate (Eve answers 500)"));
            }
            other => {
                return Err(QueryError::internal(format!(
                    "query key {} is not a string: Eve fails with \
                     AttributeError: '{}' object has no attribute 'split' (500)",
                    py_repr(other),
                    py_type_name(other)
                )));
            }
        };
        let value = to_bson(v, deferred)?;
        doc.insert(key, value);
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dict_keys_use_python_equality() {
        let mut d = PyDict::new();
        d.set(PyVal::Int(1), PyVal::Str("a".into()));
        d.set(PyVal::Float(1.0), PyVal::Str("b".into()));
        assert_eq!(d.0.len(), 1);
        assert!(matches!(&d.0[0], (PyVal::Int(1), PyVal::Str(s)) if s == "b"));
    }

    #[test]
    fn reprs() {
        assert_eq!(py_repr(&PyVal::Str("age".into())), "'age'");
        assert_eq!(py_repr(&PyVal::Str("it's".into())), "\"it's\"");
        assert_eq!(py_repr(&PyVal::Complex(0.0, 2.0)), "2j");
        assert_eq!(py_repr(&PyVal::Complex(1.0, -2.5)), "(1-2.5j)");
        assert_eq!(py_repr(&PyVal::Tuple(vec![PyVal::Int(1)])), "(1,)");
    }
}
