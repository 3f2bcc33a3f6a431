//! Eve's ETag: the SHA-1 of a document's JSON as Python writes it,
//! `json.dumps(..., sort_keys=True)` over pymongo's relaxed extended JSON:
//! keys sorted at every level, non-ASCII escaped, `", "` and `": "` between
//! items, ObjectIds as `{"$oid": ...}`, dates as `{"$date": "...Z"}` and
//! floats as Python's `repr` writes them. An ETag computed here equals the
//! one Eve 2.3.1 computes for the same document (`tests/resources/etags.json`).

use bson::{Bson, Document};
use sha1::{Digest, Sha1};

use crate::py::repr::float_repr;

/// The ETag of `document`: 40 lower-case hex digits.
pub fn etag(document: &Document) -> String {
    let digest = Sha1::digest(hashed_text(document).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// [`etag`] of `document` less `ignore` (a resource's `etag_ignore_fields`;
/// `a.b` reaches into the document `a`).
pub fn etag_ignoring(document: &Document, ignore: &[String]) -> String {
    if ignore.is_empty() {
        return etag(document);
    }
    let mut d = document.clone();
    for field in ignore {
        drop_field(&mut d, field);
    }
    etag(&d)
}

fn drop_field(d: &mut Document, field: &str) {
    match field.split_once('.') {
        Some((key, rest)) if d.contains_key(key) => {
            if let Some(bson::Bson::Document(inner)) = d.get_mut(key) {
                drop_field(inner, rest);
            }
        }
        _ => {
            d.remove(field);
        }
    }
}

/// The text Eve hashes for `document` (for tests and debugging).
pub fn hashed_text(document: &Document) -> String {
    let mut text = String::new();
    write_document(document, &mut text);
    text
}

fn write_document(document: &Document, out: &mut String) {
    let mut entries: Vec<(&String, &Bson)> = document.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    write_object(entries.into_iter().map(|(k, v)| (k.as_str(), Value::Bson(v))), out);
}

/// What an object member holds: a stored value, or text of an extended-JSON wrapper.
enum Value<'a> {
    Bson(&'a Bson),
    Str(String),
    Raw(String),
}

fn write_object<'a>(entries: impl Iterator<Item = (&'a str, Value<'a>)>, out: &mut String) {
    out.push('{');
    for (i, (key, value)) in entries.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_string(key, out);
        out.push_str(": ");
        match value {
            Value::Bson(v) => write_value(v, out),
            Value::Str(s) => write_string(&s, out),
            Value::Raw(s) => out.push_str(&s),
        }
    }
    out.push('}');
}

fn wrapper(key: &str, value: Value<'_>, out: &mut String) {
    write_object(std::iter::once((key, value)), out);
}

fn write_value(value: &Bson, out: &mut String) {
    match value {
        Bson::Null | Bson::Undefined => out.push_str("null"),
        Bson::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Bson::Int32(n) => out.push_str(&n.to_string()),
        Bson::Int64(n) => out.push_str(&n.to_string()),
        Bson::Double(f) if f.is_finite() => out.push_str(&float_repr(*f)),
        Bson::Double(f) => {
            let name = if f.is_nan() {
                "NaN"
            } else if *f > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            };
            wrapper("$numberDouble", Value::Str(name.into()), out);
        }
        Bson::String(s) | Bson::Symbol(s) => write_string(s, out),
        Bson::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Bson::Document(d) => write_document(d, out),
        Bson::ObjectId(oid) => wrapper("$oid", Value::Str(oid.to_hex()), out),
        Bson::DateTime(dt) => {
            let millis = dt.timestamp_millis();
            // Relaxed mode writes ISO 8601 for years 1970 to 9999.
            match chrono::DateTime::from_timestamp_millis(millis) {
                Some(t) if (0..253_402_300_800_000).contains(&millis) => {
                    let fraction = if millis % 1000 == 0 { String::new() } else { format!(".{:03}", millis % 1000) };
                    let text = format!("{}{fraction}Z", t.format("%Y-%m-%dT%H:%M:%S"));
                    wrapper("$date", Value::Str(text), out);
                }
                _ => {
                    let mut inner = String::new();
                    wrapper("$numberLong", Value::Str(millis.to_string()), &mut inner);
                    wrapper("$date", Value::Raw(inner), out);
                }
            }
        }
        Bson::Decimal128(d) => wrapper("$numberDecimal", Value::Str(d.to_string()), out),
        Bson::Binary(b) => {
            use base64::Engine;
            let encode = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
            let mut inner = String::new();
            write_object(
                [
                    ("base64", Value::Str(encode(&b.bytes))),
                    ("subType", Value::Str(format!("{:02x}", u8::from(b.subtype)))),
                ]
                .into_iter(),
                &mut inner,
            );
            wrapper("$binary", Value::Raw(inner), out);
        }
        Bson::RegularExpression(r) => {
            let mut inner = String::new();
            write_object(
                [("options", Value::Str(r.options.to_string())), ("pattern", Value::Str(r.pattern.to_string()))]
                    .into_iter(),
                &mut inner,
            );
            wrapper("$regularExpression", Value::Raw(inner), out);
        }
        Bson::Timestamp(ts) => {
            let mut inner = String::new();
            write_object(
                [("i", Value::Raw(ts.increment.to_string())), ("t", Value::Raw(ts.time.to_string()))].into_iter(),
                &mut inner,
            );
            wrapper("$timestamp", Value::Raw(inner), out);
        }
        Bson::MinKey => wrapper("$minKey", Value::Raw("1".into()), out),
        Bson::MaxKey => wrapper("$maxKey", Value::Raw("1".into()), out),
        Bson::JavaScriptCode(code) => wrapper("$code", Value::Str(code.clone()), out),
        Bson::JavaScriptCodeWithScope(c) => {
            let mut scope = String::new();
            write_document(&c.scope, &mut scope);
            write_object([("$code", Value::Str(c.code.clone())), ("$scope", Value::Raw(scope))].into_iter(), out);
        }
        Bson::DbPointer(_) => out.push_str("null"),
    }
}

/// A JSON string as Python's `json.dumps` writes it with `ensure_ascii`.
fn write_string(s: &str, out: &mut String) {
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
            ' '..='~' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_repr() {
        for (f, text) in [
            (2.0, "2.0"),
            (0.1, "0.1"),
            (1.5, "1.5"),
            (1e20, "1e+20"),
            (1.5e20, "1.5e+20"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-3.25, "-3.25"),
            (0.0, "0.0"),
            (123.456, "123.456"),
        ] {
            assert_eq!(float_repr(f), text, "{f}");
        }
    }

    /// Every vector Eve's own `document_etag` produced.
    #[test]
    fn etags_equal_eves() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/resources/etags.json");
        let vectors: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut checked = 0;
        for v in vectors["function_vectors"]
            .as_array()
            .unwrap()
            .iter()
            .chain(vectors["response_vectors"].as_array().unwrap())
        {
            let Some(input) = v.get("input").or_else(|| v.get("hashed_input")) else { continue };
            if v.get("ignore_fields").is_some() {
                continue;
            }
            let Ok(Bson::Document(document)) = Bson::try_from(input.clone()) else { panic!("{input}") };
            assert_eq!(hashed_text(&document), v["hashed_text"].as_str().unwrap(), "{}", v["label"]);
            assert_eq!(etag(&document), v["etag"].as_str().unwrap(), "{}", v["label"]);
            checked += 1;
        }
        assert!(checked >= 15, "{checked} vectors checked");
    }
}
