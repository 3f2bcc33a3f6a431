//! Stored documents as Eve writes them in responses: ObjectIds as their
//! hex string, dates in `DATE_FORMAT` (RFC 1123 by default), Decimal128 as
//! a string; and `If-Modified-Since` read back.

use bson::{Bson, Document};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// A date as `DATE_FORMAT` writes it (strftime directives).
pub fn format_date(millis: i64, format: &str) -> String {
    match DateTime::<Utc>::from_timestamp_millis(millis) {
        Some(t) => t.format(format).to_string(),
        None => millis.to_string(),
    }
}

/// An HTTP date (`If-Modified-Since`), RFC 1123.
pub fn parse_http_date(text: &str) -> Option<DateTime<Utc>> {
    // The weekday is not checked against the date, as Python's parsers do not.
    let text = text.trim();
    let dated = match text.split_once(',') {
        Some((day, rest)) if day.len() == 3 && day.chars().all(|c| c.is_ascii_alphabetic()) => rest.trim(),
        _ => text,
    };
    DateTime::parse_from_rfc2822(dated).ok().map(|t| t.with_timezone(&Utc))
}

/// `value` as JSON in a response.
pub fn to_json(value: &Bson, date_format: &str) -> Value {
    match value {
        Bson::Null | Bson::Undefined | Bson::MinKey | Bson::MaxKey | Bson::DbPointer(_) => Value::Null,
        Bson::Boolean(b) => Value::Bool(*b),
        Bson::Int32(n) => Value::from(*n),
        Bson::Int64(n) => Value::from(*n),
        Bson::Double(f) => serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null),
        Bson::String(s) | Bson::Symbol(s) | Bson::JavaScriptCode(s) => Value::String(s.clone()),
        Bson::Array(items) => Value::Array(items.iter().map(|v| to_json(v, date_format)).collect()),
        Bson::Document(d) => Value::Object(document_to_json(d, date_format)),
        Bson::ObjectId(oid) => Value::String(oid.to_hex()),
        Bson::DateTime(dt) => Value::String(format_date(dt.timestamp_millis(), date_format)),
        Bson::Decimal128(d) => Value::String(d.to_string()),
        Bson::Binary(b) => {
            use base64::Engine;
            Value::String(base64::engine::general_purpose::STANDARD.encode(&b.bytes))
        }
        Bson::RegularExpression(r) => Value::String(r.pattern.to_string()),
        Bson::Timestamp(t) => Value::from(t.time),
        Bson::JavaScriptCodeWithScope(c) => Value::String(c.code.clone()),
    }
}

pub fn document_to_json(document: &Document, date_format: &str) -> Map<String, Value> {
    document.iter().map(|(k, v)| (k.clone(), to_json(v, date_format))).collect()
}
