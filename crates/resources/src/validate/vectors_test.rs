//! Checks every case of vectors.json (made by gen_vectors.py from real Eve 2.3.1) against
//! `validate::{deserialize_str, validate}`.

use std::collections::HashMap;

use crate::validate::{Invalid, Lookups, Mode, Schema, SchemaOptions, UniqueQuery, deserialize_str, validate};
use bson::{Bson, Document};
use serde_json::Value;

/// In-memory collections with just enough of MongoDB's equality matching.
struct Fixtures {
    own: Vec<Document>,
    others: HashMap<String, Vec<Document>>,
}

fn num(v: &Bson) -> Option<f64> {
    match v {
        Bson::Int32(i) => Some(f64::from(*i)),
        Bson::Int64(i) => Some(*i as f64),
        Bson::Double(f) => Some(*f),
        _ => None,
    }
}

fn mongo_eq(a: &Bson, b: &Bson) -> bool {
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Values reached by a dotted path (arrays fanned out); `None` entries stand for "missing".
fn reach(v: Option<&Bson>, parts: &[&str], out: &mut Vec<Option<Bson>>) {
    match parts.split_first() {
        None => out.push(v.cloned()),
        Some((first, rest)) => match v {
            Some(Bson::Document(d)) => reach(d.get(*first), rest, out),
            Some(Bson::Array(items)) => {
                for it in items {
                    reach(Some(it), parts, out);
                }
            }
            _ => out.push(None),
        },
    }
}

fn matches(doc: &Document, path: &str, value: &Bson) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    let mut found = Vec::new();
    reach(doc.get(parts[0]), &parts[1..], &mut found);
    found.iter().any(|f| match f {
        None => *value == Bson::Null,
        Some(Bson::Array(items)) => {
            mongo_eq(&Bson::Array(items.clone()), value) || items.iter().any(|x| mongo_eq(x, value))
        }
        Some(x) => mongo_eq(x, value),
    })
}

impl Lookups for Fixtures {
    fn is_taken(&self, q: &UniqueQuery<'_>) -> Result<bool, String> {
        Ok(self.own.iter().any(|d| {
            let excluded = q.exclude_id.is_some_and(|id| d.get("_id") == Some(id));
            !excluded && matches(d, q.field_path, q.value)
        }))
    }

    fn exists(&self, resource: &str, field: &str, value: &Bson) -> Result<bool, String> {
        // Eve's _mongotize: a 24-hex string also looks for the ObjectId.
        let mut candidates = vec![value.clone()];
        if let Bson::String(s) = value
            && let Ok(o) = bson::oid::ObjectId::parse_str(s)
        {
            candidates.push(Bson::ObjectId(o));
        }
        let docs = self.others.get(resource).map(Vec::as_slice).unwrap_or(&[]);
        Ok(docs.iter().any(|d| candidates.iter().any(|c| matches(d, field, c))))
    }
}

/// Canonical extended JSON (as pymongo's json_util writes it) to BSON, for the types the
/// vectors use.
fn from_ext(v: &Value) -> Bson {
    match v {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i32::try_from(i).map(Bson::Int32).unwrap_or(Bson::Int64(i)),
            None => Bson::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(a) => Bson::Array(a.iter().map(from_ext).collect()),
        Value::Object(o) => {
            let only = |k: &str| if o.len() == 1 { o.get(k).and_then(Value::as_str) } else { None };
            if let Some(h) = only("$oid") {
                return Bson::ObjectId(bson::oid::ObjectId::parse_str(h).expect("oid"));
            }
            if let Some(t) = only("$numberInt") {
                return Bson::Int32(t.parse().expect("int"));
            }
            if let Some(t) = only("$numberLong") {
                return Bson::Int64(t.parse().expect("long"));
            }
            if let Some(t) = only("$numberDouble") {
                return Bson::Double(t.parse().expect("double"));
            }
            if let Some(t) = only("$numberDecimal") {
                return Bson::Decimal128(t.parse().expect("decimal"));
            }
            if o.len() == 1
                && let Some(d) = o.get("$date")
            {
                let ms = match d {
                    Value::Object(x) => x["$numberLong"].as_str().and_then(|t| t.parse::<i64>().ok()),
                    Value::String(t) => crate::validate::parse_date(t).map(|x| x.timestamp_millis()),
                    _ => None,
                };
                return Bson::DateTime(bson::DateTime::from_millis(ms.expect("date")));
            }
            let mut d = Document::new();
            for (k, x) in o {
                d.insert(k.clone(), from_ext(x));
            }
            Bson::Document(d)
        }
    }
}

fn ext_doc(v: &Value) -> Document {
    match from_ext(v) {
        Bson::Document(d) => d,
        other => panic!("not an extended JSON document: {v} -> {other:?}"),
    }
}

#[test]
fn eve_vectors() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/validate/vectors.json"))
        .expect("vectors.json");
    let all: Value = serde_json::from_str(&text).expect("json");
    let mut others: HashMap<String, Vec<Document>> = HashMap::new();
    for (res, docs) in all["global_fixtures"].as_object().expect("fixtures") {
        others.insert(res.clone(), docs.as_array().expect("list").iter().map(ext_doc).collect());
    }
    let cases = all["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    for c in cases {
        let name = c["name"].as_str().unwrap_or("?");
        let options = SchemaOptions {
            allow_unknown: c["allow_unknown"].as_bool().unwrap_or(false),
            error_as_list: c["as_list"].as_bool().unwrap_or(false),
            normalize_on_patch: c["normalize_on_patch"].as_bool().unwrap_or(true),
            ..SchemaOptions::default()
        };
        let schema = match Schema::parse_str(c["schema_json"].as_str().expect("schema_json"), options) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{name}: schema error {e}"));
                continue;
            }
        };
        let mode = match c["mode"].as_str() {
            Some("PATCH") => Mode::Update,
            Some("PUT") => Mode::Replace,
            _ => Mode::Insert,
        };
        let original = if c["original"].is_null() { None } else { Some(ext_doc(&c["original"])) };
        let mut own: Vec<Document> = c["fixtures"].as_array().expect("fixtures").iter().map(ext_doc).collect();
        if let Some(o) = &original {
            own.push(o.clone());
        }
        let lookups = Fixtures { own, others: others.clone() };
        let result = deserialize_str(&schema, c["document_json"].as_str().expect("document_json"))
            .and_then(|mut d| validate(&schema, &mut d, mode, original.as_ref(), &lookups).map(|()| d));
        let expected = &c["expected"];
        let verdict = match (&result, expected) {
            (Ok(doc), e) if e.get("ok").is_some() => {
                let keys: Vec<Value> = doc.keys().map(|k| Value::String(k.clone())).collect();
                if Bson::Document(doc.clone()) != from_ext(&e["normalized"]) {
                    Err(format!("normalized {doc} != {}", e["normalized"]))
                } else if Value::Array(keys.clone()) != e["normalized_keys"] {
                    Err(format!("key order {keys:?} != {}", e["normalized_keys"]))
                } else {
                    Ok(())
                }
            }
            (Err(Invalid::Issues(got)), e) if e.get("issues").is_some() => {
                if *got == e["issues"] {
                    Ok(())
                } else {
                    Err(format!("issues {got} != {}", e["issues"]))
                }
            }
            (Err(Invalid::Exception(got)), e) if e.get("exception").is_some() => {
                if e["exception"] == Value::String(got.clone()) {
                    Ok(())
                } else {
                    Err(format!("exception {got:?} != {}", e["exception"]))
                }
            }
            (got, e) => Err(format!("got {got:?}, expected {e}")),
        };
        if let Err(why) = verdict {
            failures.push(format!("{name}: {why}"));
        }
    }
    let passed = cases.len() - failures.len();
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!("vectors: {passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "{} of {} vectors failed", failures.len(), cases.len());
}
