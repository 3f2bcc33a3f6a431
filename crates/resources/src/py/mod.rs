//! Python compatibility shared by [`crate::query`] and [`crate::validate`]: both
//! reproduce what Eve (Python) does with text and values, so both need Python's number
//! parsing, its `repr()`, and JSON decoding that keeps key order as a Python `dict` does.
//!
//! * `num`: `int(str)`, `float(str)`, `str.isspace`/`str.strip`, pymongo's int encoding.
//! * `repr`: `repr()` of floats, strings, bytes and containers.
//! * `json`: a JSON reader for `json.loads` and `simplejson.loads`.

pub(crate) mod json;
pub(crate) mod num;
pub(crate) mod repr;
