//! `simplejson.loads` as Eve calls it (simplejson 3.20, default options):
//! strict strings (no raw control characters), no `NaN`/`Infinity` tokens
//! (refused since simplejson 3.19), integers of any size, floats through
//! Python's `float()` (so `1e400` is `inf`), duplicate keys resolved as a
//! Python `dict` does (last value, first position), lone `\uD800`-style
//! surrogates kept (as [`PyVal::BadStr`]). Whitespace is `[ \t\n\r]`.
//! Extended JSON (`{"$oid": ...}`) is *not* decoded: Eve does not use
//! `bson.json_util` for query parameters. The reading is [`crate::py::json`]'s.

use crate::py::json::{self, Dialect, FromJson, JsonStr};

use super::pyval::{PyDict, PyVal};

/// simplejson's rules. Nesting beyond `max_depth` fails (Python would hit its
/// recursion limit near 1000 frames; the exact depth depends on the caller's stack).
const SIMPLEJSON: Dialect =
    Dialect { nan_infinity: false, lone_surrogates: true, plus_in_unicode_escape: false, max_depth: 900 };

impl FromJson for PyVal {
    fn null() -> PyVal {
        PyVal::None
    }

    fn bool(b: bool) -> PyVal {
        PyVal::Bool(b)
    }

    fn int(text: &str) -> Option<PyVal> {
        Some(match text.parse::<i128>() {
            Ok(v) => PyVal::Int(v),
            Err(_) => PyVal::BigInt(text.starts_with('-'), text.trim_start_matches('-').to_string()),
        })
    }

    fn float(f: f64) -> PyVal {
        PyVal::Float(f)
    }

    fn string(s: JsonStr) -> PyVal {
        if s.lone_surrogate { PyVal::BadStr(s.text) } else { PyVal::Str(s.text) }
    }

    fn array(items: Vec<PyVal>) -> PyVal {
        PyVal::List(items)
    }

    fn object(members: Vec<(JsonStr, PyVal)>) -> PyVal {
        // already one member per key as `PyDict::set` would keep them (`str` keys are
        // equal when both text and lone-surrogate flag are)
        PyVal::Dict(PyDict(members.into_iter().map(|(k, v)| (PyVal::string(k), v)).collect()))
    }
}

/// `simplejson.loads(text)`; `None` where it raises.
pub(crate) fn loads(text: &str) -> Option<PyVal> {
    json::parse(text, &SIMPLEJSON).ok()
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
