//! An order-preserving JSON value (`J`) and the reader for it.
//!
//! Eve works on Python dicts, which keep the order in which a client (or the settings
//! file) wrote their keys, and that order is visible: defaults are appended in schema
//! order, dotted keys are expanded in payload order, `serialize` stops at the first
//! field whose conversion raises, and ties between errors on one field are broken by
//! rule order. `serde_json::Value` without the `preserve_order` feature sorts keys, so
//! the validator works on this type instead; [`J::from_serde`] converts a
//! `serde_json::Value` (keeping whatever order it has) and [`parse`] reads JSON text
//! keeping the written order (with [`crate::py::json`]). Like Python's `json.loads`, a
//! repeated key keeps its first position and its last value, and the literals `NaN`,
//! `Infinity` and `-Infinity` are accepted; unlike it, a lone surrogate escape
//! (`"\ud800"`) is an error, an integer beyond 64 bits becomes a float, and `\u+XYZ`
//! is read as `\u0XYZ`.

use bson::{Bson, Document};

use crate::py::json::{self, Dialect, FromJson, JsonError, JsonStr};
use crate::py::num::int_bson;

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

/// Python's `json.loads` as the validator reads it. Nesting deeper than 512 fails.
const JSON_LOADS: Dialect =
    Dialect { nan_infinity: true, lone_surrogates: false, plus_in_unicode_escape: true, max_depth: 512 };

impl FromJson for J {
    fn null() -> J {
        J::Null
    }

    fn bool(b: bool) -> J {
        J::Bool(b)
    }

    /// An int beyond `i64` becomes a float.
    fn int(text: &str) -> Option<J> {
        match text.parse::<i64>() {
            Ok(i) => Some(J::Int(i)),
            Err(_) => text.parse::<f64>().ok().map(J::Float),
        }
    }

    fn float(f: f64) -> J {
        J::Float(f)
    }

    fn string(s: JsonStr) -> J {
        J::Str(s.text)
    }

    fn array(items: Vec<J>) -> J {
        J::Arr(items)
    }

    fn object(members: Vec<(JsonStr, J)>) -> J {
        J::Obj(members.into_iter().map(|(k, v)| (k.text, v)).collect())
    }
}

/// Reads JSON text into an ordered value (whitespace around it allowed, nothing else after it).
pub(crate) fn parse(text: &str) -> Result<J, JsonError> {
    json::parse(text, &JSON_LOADS)
}
