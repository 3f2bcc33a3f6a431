//! Eve's `serialize` (eve/methods/common.py, run by `parse()` on every POST/PUT/PATCH
//! payload before validation): dotted keys become nested dicts, and values of fields whose
//! schema type has a Mongo serializer are converted (objectid strings to ObjectId, RFC 1123
//! date strings to datetimes, `integer`/`float`/`number`/`boolean`/`decimal`/`dbref`).
//! A value that does not convert is left as it is, so validation reports the type error.
//!
//! The walk follows Eve's code path for path, including its quirks, because they decide
//! which values get converted: a type list converts with every serializer in turn
//! (`["integer", "string"]` turns `"12"` into 12), `*of` rules are tried one by one,
//! `valuesrules` are not visited (Cerberus has renamed `valueschema` by then), and a
//! failure that Eve does not catch (a `decimal` field holding `"abc"`, a dotted key under
//! a non-dict) stops the whole walk, leaving the fields after it unconverted.

use bson::{Bson, Document};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::py::num::{py_strip, split_sign};

use super::json::{self, J};
use super::pyval;

/// The walk stopped on an exception Eve's `parse()` swallows.
pub(crate) struct Stop;

type R = Result<(), Stop>;

/// Converts the payload as Eve's `parse()` does; never fails (a stop keeps what was done).
pub(crate) fn serialize_payload(doc: &mut Document, schema: &J) {
    let _ = serialize(doc, schema);
}

/// `normalize_dotted_fields` on a document.
fn normalize_dotted(doc: &mut Document) -> R {
    let keys: Vec<String> = doc.keys().cloned().collect();
    for field in keys {
        if field.contains('.') {
            let parts: Vec<&str> = field.split('.').collect();
            let (last, inner) = match parts.split_last() {
                Some(x) => x,
                None => continue,
            };
            let Some(mut value) = doc.get(&field).cloned() else { continue };
            {
                // Walk (creating dicts) to the parent of the last part.
                let mut prev: &mut Document = doc;
                for part in inner {
                    if !prev.contains_key(*part) {
                        prev.insert(part.to_string(), Document::new());
                    }
                    match prev.get_mut(*part) {
                        Some(Bson::Document(d)) => prev = d,
                        _ => return Err(Stop),
                    }
                }
                normalize_dotted_value(&mut value)?;
                prev.insert(last.to_string(), value);
            }
            doc.remove(&field);
        } else if let Some(v) = doc.get_mut(&field) {
            normalize_dotted_value(v)?;
        }
    }
    Ok(())
}

fn normalize_dotted_value(v: &mut Bson) -> R {
    match v {
        Bson::Document(d) => normalize_dotted(d),
        Bson::Array(items) => {
            for it in items.iter_mut() {
                normalize_dotted_value(it)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

const SERIALIZED: [&str; 7] = ["objectid", "datetime", "integer", "float", "number", "boolean", "dbref"];

fn has_serializer(t: &J) -> bool {
    match t {
        J::Str(s) => SERIALIZED.contains(&s.as_str()) || s == "decimal",
        _ => false,
    }
}

/// `serialize(document, schema=schema)`.
fn serialize(doc: &mut Document, schema: &J) -> R {
    normalize_dotted(doc)?;
    let keys: Vec<String> = doc.keys().cloned().collect();
    for field in keys {
        match doc.get(&field) {
            None | Some(Bson::Null) => continue,
            Some(_) => {}
        }
        let Some(field_schema0) = schema.get(&field) else { continue };
        if !matches!(field_schema0, J::Obj(_)) {
            return Err(Stop);
        }
        let mut field_schema: J = field_schema0.clone();
        let field_types: Vec<J> = match field_schema.get("type") {
            Some(J::Arr(a)) => a.clone(),
            Some(t) => vec![t.clone()],
            None => vec![J::Null],
        };
        for field_type in field_types {
            for x_of in ["allof", "anyof", "oneof", "noneof"] {
                for opt in iter_j(field_schema.get(x_of)) {
                    let J::Obj(o) = opt else { return Err(Stop) };
                    let mut merged = match &field_schema {
                        J::Obj(e) => e.clone(),
                        _ => Vec::new(),
                    };
                    for (k, v) in o {
                        set(&mut merged, &k, v);
                    }
                    merged.retain(|(k, _)| k != x_of);
                    serialize(doc, &J::Obj(vec![(field.clone(), J::Obj(merged))]))?;
                }
                let x_of_type = format!("{x_of}_type");
                for opttype in iter_j(field_schema.get(&x_of_type)) {
                    let mut merged = match &field_schema {
                        J::Obj(e) => e.clone(),
                        _ => Vec::new(),
                    };
                    set(&mut merged, "type", opttype);
                    merged.retain(|(k, _)| *k != x_of_type);
                    serialize(doc, &J::Obj(vec![(field.clone(), J::Obj(merged))]))?;
                }
            }
            if field_schema.has("schema") {
                let sub = match field_schema.get("schema") {
                    Some(s @ J::Obj(_)) => s.clone(),
                    _ => return Err(Stop),
                };
                field_schema = sub;
                let sub_type = field_schema.get("type").cloned();
                if field_type.is_str("dict") || sub_type.as_ref().is_some_and(|t| t.is_str("dict")) {
                    let target = match field_schema.get("schema") {
                        Some(s) => s.clone(),
                        None => field_schema.clone(),
                    };
                    if field_type.is_str("dict") {
                        if let Some(Bson::Document(d)) = doc.get_mut(&field) {
                            serialize(d, &target)?;
                        }
                    } else {
                        match doc.get_mut(&field) {
                            Some(Bson::Array(items)) => {
                                for it in items.iter_mut() {
                                    if let Bson::Document(d) = it {
                                        serialize(d, &target)?;
                                    }
                                }
                            }
                            Some(Bson::String(_) | Bson::Document(_) | Bson::Binary(_)) => {}
                            _ => return Err(Stop),
                        }
                    }
                } else if sub_type.as_ref().is_some_and(|t| t.is_str("list")) {
                    let sublist_schema = match field_schema.get("schema") {
                        Some(s @ J::Obj(_)) => s.clone(),
                        _ => return Err(Stop),
                    };
                    let item_type = sublist_schema.get("type").cloned().unwrap_or(J::Null);
                    let Some(Bson::Array(outer)) = doc.get_mut(&field) else { return Err(Stop) };
                    for sublist in outer.iter_mut() {
                        let Bson::Array(inner) = sublist else { return Err(Stop) };
                        for v in inner.iter_mut() {
                            if item_type.is_str("dict") {
                                let Bson::Document(d) = v else { return Err(Stop) };
                                let s = sublist_schema.get("schema").cloned().ok_or(Stop)?;
                                serialize(d, &s)?;
                            } else if has_serializer(&item_type) {
                                serialize_value(&item_type, v)?;
                            }
                        }
                    }
                } else if sub_type.is_none() {
                    for x_of in ["allof", "anyof", "oneof", "noneof"] {
                        for opt in iter_j(field_schema.get(x_of)) {
                            let s = J::Obj(vec![(
                                field.clone(),
                                J::Obj(vec![("type".into(), field_type.clone()), ("schema".into(), opt)]),
                            )]);
                            serialize(doc, &s)?;
                        }
                        for opttype in iter_j(field_schema.get(&format!("{x_of}_type"))) {
                            let s = J::Obj(vec![(
                                field.clone(),
                                J::Obj(vec![
                                    ("type".into(), field_type.clone()),
                                    ("schema".into(), J::Obj(vec![("type".into(), opttype)])),
                                ]),
                            )]);
                            serialize(doc, &s)?;
                        }
                    }
                } else if let Some(t) = sub_type.filter(has_serializer) {
                    match doc.get_mut(&field) {
                        Some(Bson::Array(items)) => {
                            for v in items.iter_mut() {
                                serialize_value(&t, v)?;
                            }
                        }
                        Some(Bson::String(s)) if s.is_empty() => {}
                        Some(Bson::Document(d)) => return grow_dict_then_stop(d, &t),
                        _ => return Err(Stop),
                    }
                }
            } else if let Some(J::Arr(items)) = field_schema.get("items").cloned().as_ref() {
                match doc.get_mut(&field) {
                    Some(Bson::Array(values)) => {
                        for (s, v) in items.iter().zip(values.iter_mut()) {
                            let t = s.get("type").cloned().unwrap_or(J::Null);
                            if has_serializer(&t) {
                                serialize_value(&t, v)?;
                            }
                        }
                    }
                    Some(Bson::Document(d)) => {
                        // zip(items, dict) walks the keys; `document[field][i]` is a KeyError.
                        let n = d.len();
                        if items.iter().take(n).any(|s| has_serializer(s.get("type").unwrap_or(&J::Null))) {
                            return Err(Stop);
                        }
                    }
                    _ => return Err(Stop),
                }
            } else if field_schema.has("items") {
                return Err(Stop);
            } else if has_serializer(&field_type)
                && let Some(v) = doc.get_mut(&field)
            {
                serialize_value(&field_type, v)?;
            }
        }
    }
    Ok(())
}

/// Eve's list loops (`document[field][i] = serialize_value(...)` over `enumerate(...)`) run
/// on a dict: the first key, serialized, is stored under the int key 0 (written "0" here),
/// then the next step raises "dictionary changed size during iteration".
fn grow_dict_then_stop(d: &mut Document, t: &J) -> R {
    let Some(first) = d.keys().next().cloned() else { return Ok(()) };
    let mut v = Bson::String(first);
    serialize_value(t, &mut v)?;
    d.insert("0", v);
    Err(Stop)
}

fn iter_j(v: Option<&J>) -> Vec<J> {
    match v {
        Some(J::Arr(a)) => a.clone(),
        Some(J::Obj(o)) => o.iter().map(|(k, _)| J::Str(k.clone())).collect(),
        Some(J::Str(s)) => s.chars().map(|c| J::Str(c.to_string())).collect(),
        _ => Vec::new(),
    }
}

fn set(e: &mut Vec<(String, J)>, k: &str, v: J) {
    if let Some(slot) = e.iter_mut().find(|(x, _)| x == k) {
        slot.1 = v;
    } else {
        e.push((k.to_string(), v));
    }
}

/// `serialize_value(type, value)`: replaces `v` when the Mongo serializer succeeds; leaves it
/// when it raises one of the errors Eve catches; `Err` for the ones it does not.
fn serialize_value(t: &J, v: &mut Bson) -> R {
    let Some(t) = t.as_str() else { return Ok(()) };
    let new = match t {
        // ObjectId(value) if value else None
        "objectid" => {
            if !pyval::truthy(v) {
                Some(Bson::Null)
            } else {
                match v {
                    Bson::ObjectId(_) => None,
                    Bson::String(s) => bson::oid::ObjectId::parse_str(s).ok().map(Bson::ObjectId),
                    _ => None,
                }
            }
        }
        // str_to_date: datetime.strptime(value, DATE_FORMAT) if value else None
        "datetime" => {
            if !pyval::truthy(v) {
                Some(Bson::Null)
            } else {
                match v {
                    Bson::String(s) => parse_date(s).map(Bson::DateTime),
                    _ => None,
                }
            }
        }
        "integer" => pyval::py_int(v).ok(),
        "float" => pyval::py_float(v).ok(),
        // json.loads(value): only strings are parsed
        "number" => match v {
            Bson::String(s) => json::parse(s).ok().map(|j| j.to_bson()),
            _ => None,
        },
        // {"1": True, "true": True, "0": False, "false": False}[str(v).lower()]
        "boolean" => match pyval::str(v).to_lowercase().as_str() {
            "1" | "true" => Some(Bson::Boolean(true)),
            "0" | "false" => Some(Bson::Boolean(false)),
            _ => None,
        },
        "dbref" => dbref(v),
        // Decimal128(Decimal(str(value))): an invalid literal raises InvalidOperation, which
        // Eve does not catch.
        "decimal" => match decimal(v) {
            Some(d) => Some(d),
            None => return Err(Stop),
        },
        _ => None,
    };
    if let Some(n) = new {
        *v = n;
    }
    Ok(())
}

fn dbref(v: &Bson) -> Option<Bson> {
    let Bson::Document(d) = v else { return None };
    let coll = if d.contains_key("$col") { d.get("$col") } else { d.get("$ref") };
    let Some(Bson::String(coll)) = coll else { return None };
    let id = d.get("$id")?.clone();
    let mut out = Document::new();
    out.insert("$ref", coll.clone());
    out.insert("$id", id);
    match d.get("$db") {
        None | Some(Bson::Null) => {}
        Some(Bson::String(db)) => {
            out.insert("$db", db.clone());
        }
        Some(_) => return None,
    }
    Some(Bson::Document(out))
}

/// `Decimal128(Decimal(str(value)))`; `None` when Python raises (invalid literal, or more
/// than 34 significant digits, which Decimal128 refuses as inexact).
fn decimal(v: &Bson) -> Option<Bson> {
    let text = match v {
        Bson::Decimal128(_) => return Some(v.clone()),
        Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::String(_) => pyval::str(v),
        _ => return None,
    };
    let (negative, body) = split_sign(py_strip(&text));
    let sign = if negative { "-" } else { "" };
    let lower = body.to_ascii_lowercase();
    let special = matches!(lower.as_str(), "inf" | "infinity" | "nan" | "snan");
    if !special {
        let (mant, exp) = match lower.split_once('e') {
            Some((m, e)) => (m.to_string(), Some(e.to_string())),
            None => (lower.clone(), None),
        };
        let (ip, fp) = match mant.split_once('.') {
            Some((a, b)) => (a.to_string(), b.to_string()),
            None => (mant.clone(), String::new()),
        };
        let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit() || c == '_');
        if (ip.is_empty() && fp.is_empty()) || !digits_ok(&ip) || !digits_ok(&fp) {
            return None;
        }
        if let Some(e) = &exp {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            if e.is_empty() || !e.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
        }
        let significant = format!("{ip}{fp}").replace('_', "");
        if significant.trim_start_matches('0').len() > 34 {
            return None;
        }
    }
    let clean = format!("{sign}{}", body.replace('_', ""));
    clean.parse::<bson::Decimal128>().ok().map(Bson::Decimal128)
}

fn date_regex() -> Option<&'static regex::Regex> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)^(?:mon|tue|wed|thu|fri|sat|sun),\s+(3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9])\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\s+([0-9]{4})\s+(2[0-3]|[0-1][0-9]|[0-9]):([0-5][0-9]|[0-9]):(6[0-1]|[0-5][0-9]|[0-9])\s+gmt$",
        )
        .ok()
    })
    .as_ref()
}

/// Parses a client date: Eve's `DATE_FORMAT` (`"%a, %d %b %Y %H:%M:%S GMT"`, read as
/// Python's `strptime` reads it: case-insensitive names, one- or two-digit day and time
/// parts, the weekday not checked) and, beyond Eve, ISO 8601 / RFC 3339 date-times
/// (`2026-12-08T01:35:40Z`, with an offset, or without one meaning UTC; fractions of a
/// second are kept to the millisecond). A date alone is not accepted.
pub fn parse_date(s: &str) -> Option<bson::DateTime> {
    if let Some(c) = date_regex().and_then(|re| re.captures(s)) {
        let num = |i: usize| c.get(i).and_then(|m| m.as_str().trim().parse::<u32>().ok());
        let month = match c.get(2)?.as_str().to_ascii_lowercase().as_str() {
            "jan" => 1,
            "feb" => 2,
            "mar" => 3,
            "apr" => 4,
            "may" => 5,
            "jun" => 6,
            "jul" => 7,
            "aug" => 8,
            "sep" => 9,
            "oct" => 10,
            "nov" => 11,
            _ => 12,
        };
        let year = i32::try_from(num(3)?).ok()?;
        if year < 1 {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(year, month, num(1)?)?;
        let time = NaiveTime::from_hms_opt(num(4)?, num(5)?, num(6)?)?;
        return Some(bson::DateTime::from_millis(NaiveDateTime::new(date, time).and_utc().timestamp_millis()));
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(bson::DateTime::from_millis(dt.timestamp_millis()));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return Some(bson::DateTime::from_millis(n.and_utc().timestamp_millis()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1123_and_iso_dates() {
        let a = parse_date("Tue, 08 Dec 2026 01:35:40 GMT");
        assert_eq!(a.map(|d| d.timestamp_millis()), Some(1_796_693_740_000));
        assert_eq!(parse_date("mon, 8 dec 2026 1:35:40 gmt"), a);
        assert_eq!(parse_date("2026-12-08T01:35:40Z"), a);
        assert_eq!(parse_date("2026-12-08T02:35:40+01:00"), a);
        assert_eq!(parse_date("2026-12-08T01:35:40"), a);
        assert_eq!(parse_date("2026-12-08"), None);
        assert_eq!(parse_date("Mon, 30 Feb 2026 01:00:00 GMT"), None);
        assert_eq!(parse_date("Mon, 01 Feb 2026 01:00:60 GMT"), None);
    }
}
