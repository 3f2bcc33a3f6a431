//! Python compatibility shared by [`crate::query`] and [`crate::validate`]: both
//! reproduce what Eve (Python) does with text and values, so both need Python's number
//! parsing, its `repr()`, and JSON decoding that keeps key order as a Python `dict` does.
//!
//! * `num`: `int(str)`, `float(str)`, `str.isspace`/`str.strip`, pymongo's int encoding.
//! * `repr`: `repr()` of floats, strings, bytes and containers.
//! * `json`: a JSON reader for `json.loads` and `simplejson.loads`.
//! * [`truthy`]: `bool(x)` of a stored value.

pub(crate) mod json;
pub(crate) mod num;
pub(crate) mod repr;

/// Python truthiness (`bool(x)`) of a value: empty strings, containers and
/// bytes, zero, `None` and `False` are false.
pub(crate) fn truthy(v: &bson::Bson) -> bool {
    use bson::Bson;
    match v {
        Bson::Null => false,
        Bson::Boolean(b) => *b,
        Bson::Int32(i) => *i != 0,
        Bson::Int64(i) => *i != 0,
        Bson::Double(f) => *f != 0.0,
        Bson::String(s) => !s.is_empty(),
        Bson::Array(a) => !a.is_empty(),
        Bson::Document(d) => !d.is_empty(),
        Bson::Binary(b) => !b.bytes.is_empty(),
        _ => true,
    }
}
