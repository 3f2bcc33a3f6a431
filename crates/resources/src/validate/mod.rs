//! Document validation for writes (POST, PUT, PATCH), reproducing python-eve 2.3.1 on
//! Cerberus 1.3.8, including the exact `_issues` Eve answers with.
//!
//! # How a write is checked
//!
//! Eve does two things with a payload document before it stores it, and so does ENMA:
//!
//! 1. [`deserialize`] (Eve's `parse()` / `serialize()`): dotted keys (`{"a.b": 1}`) become
//!    nested documents, and values are converted by their schema type: 24-hex strings of
//!    `objectid` fields to ObjectId, RFC 1123 strings (`"Tue, 08 Dec 2026 01:35:40 GMT"`)
//!    of `datetime` fields to BSON dates (ISO 8601 / RFC 3339 date-times are accepted too,
//!    which Eve does not), strings and numbers of `integer`/`float`/`number`/`boolean`/
//!    `decimal` fields to those types (`"12"` → 12, `3.7` → 3 for `integer`), and
//!    `{"$col"|"$ref", "$id"[, "$db"]}` of `dbref` fields to a DBRef document. A value that
//!    does not convert stays as sent, so that validation reports Eve's type error.
//! 2. [`validate`] (Eve's `validator.validate` / `validate_replace` / `validate_update`):
//!    Cerberus's normalization (defaults, `coerce`, nested defaults) and then every rule.
//!    On success the document is left normalized, ready to store (Eve then adds `_created`,
//!    `_updated`, `_etag`, which is not this module's job). On failure the error is the
//!    `_issues` value Eve would answer with.
//!
//! # The id and meta fields
//!
//! As in Eve, the schema gets `_id: {type: objectid}` (the resource's id field) when it
//! does not define it, so a client may send its own `_id` (a 24-hex string, stored as
//! ObjectId; anything else is "must be of objectid type"). `_created`, `_updated` and
//! `_etag` are not in the schema (a schema may not define them), so a payload carrying them
//! fails with "unknown field" unless the resource has `allow_unknown` (then they are kept
//! and Eve overwrites `_created`/`_updated`/`_etag` when storing).
//!
//! # Modes
//!
//! * [`Mode::Insert`] (POST): required fields are checked, defaults applied.
//! * [`Mode::Replace`] (PUT): as POST, but `unique` checks exclude the stored document,
//!   `readonly` fields may carry their stored value, and `dependencies` may be met by the
//!   stored document.
//! * [`Mode::Update`] (PATCH): required fields are not checked (at any depth); a field is
//!   validated only if the payload has it, a nested document in the payload is validated as
//!   a whole (`{"a.b": 1}` is the document `{"a": {"b": 1}}`); defaults are applied only for
//!   top-level fields the stored document lacks (nested defaults always, as Eve does).
//!
//! # Supported rules
//!
//! `type` (string, integer, float, number, boolean, datetime, date, dict, list, objectid,
//! dbref, decimal, binary, container, set, media — `media` accepts BSON binary), `required`,
//! `readonly`, `nullable`, `empty`, `default`, `min`, `max`, `minlength`, `maxlength`,
//! `allowed`, `forbidden`, `contains`, `regex`, `dependencies` (name, list, or
//! `{name: value(s)}`; `^` for root paths, dotted paths), `excludes`, `anyof`/`allof`/
//! `noneof`/`oneof` and their `*of_<rule>` shorthands, `schema` (dict and list), `items`,
//! `keysrules`/`valuesrules` (and the old names `keyschema`/`valueschema`), `coerce` with
//! named built-ins (`int`, `float`, `str`, `bool`, `lower`, `upper`, `strip`, or a list of
//! them applied in turn), `allow_unknown` (flag or rules) and `require_all` for nested
//! dicts, `purge_unknown`, `meta`, Eve's `unique`, `unique_to_user`,
//! `unique_within_resource`, `data_relation` (`{resource, field, embeddable}`) and
//! `versioned`. A schema with any other rule (or a callable-based one such as
//! `check_with`, `rename_handler`, `default_setter`, or a GeoJSON type) fails to parse.
//!
//! # Fidelity notes
//!
//! Messages, their nesting and their order are Cerberus's (single messages unpacked to a
//! string unless [`SchemaOptions::error_as_list`]). Key order matters to Eve in a few
//! places (defaults are added in schema order, errors tied on one field follow rule
//! order); `serde_json::Value` sorts keys unless built with `preserve_order`, so the
//! `_str` variants ([`Schema::parse_str`], [`deserialize_str`]) read JSON text keeping
//! the written order.
//!
//! # Not reproduced (deliberately or approximately)
//!
//! * GeoJSON types, versioned `data_relation`, callable-based rules (`check_with`,
//!   `rename_handler`, `default_setter`), `rename` and schema/rule-set registries: the
//!   schema fails to parse.
//! * `media`: Eve wants an uploaded file (multipart); here BSON binary passes.
//! * A DBRef is stored as the document `{"$ref", "$id"[, "$db"]}`, so it also passes
//!   `type: dict`, and such a client dict passes `type: dbref` (Python's DBRef is no dict).
//! * Several members in "missing members {...}" (`contains`) or "unallowed values [...]"
//!   (`forbidden` on a list) come in constraint/value order; Python prints a set, whose
//!   order for strings changes with every process.
//! * Errors tied on one path in a list of 64 or more errors: CPython merges sorted runs
//!   there, this module keeps inserting one by one (only the order among ties can differ).
//! * Integers beyond 64 bits: Eve keeps a Python int (and fails later at insert); here a
//!   JSON one becomes a double ("must be of integer type") and `coerce: int` reports
//!   "MongoDB can only handle up to 8-byte ints". `int()`/`float()` accept ASCII digits only.
//! * Regex dialect: Python-only syntax (look-around, back-references) fails to parse; a
//!   `$` inside the pattern (not at its end) matches only at the very end of the value.
//! * `keysrules` coercion to a non-string key does not rename the key.
//! * A field map given as `schema` to a list value, or a rule set to a dict value, when no
//!   `type` rule catches it first: Cerberus's failure paths are approximated.
//! * How `unique`/`data_relation` queries are run (soft delete, datasource filter, auth
//!   field, ObjectId-looking strings) is up to the [`Lookups`] implementation.

mod engine;
mod errors;
mod json;
mod pyval;
mod schema;
mod serialize;

use bson::{Bson, Document};
use serde_json::Value;

pub use crate::py::json::JsonError;
pub use schema::{Schema, SchemaError, SchemaOptions};
pub use serialize::parse_date;

use engine::{Abort, Ctx, Doc, V};

/// Which write is being validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// POST: a new document.
    Insert,
    /// PUT: a full replacement of a stored document.
    Replace,
    /// PATCH: a partial update of a stored document.
    Update,
}

/// Which of Eve's uniqueness rules asks, so the lookup can add the filter Eve adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UniqueScope {
    /// `unique`: any document of the resource's collection (soft-deleted ones excluded when
    /// the resource has soft delete).
    Resource,
    /// `unique_to_user`: only documents whose auth field holds the requesting user's value
    /// (with no user-restricted access this is the same as `Resource`).
    User,
    /// `unique_within_resource`: only documents matching the resource's datasource filter.
    WithinResourceFilter,
}

/// A uniqueness question: is `value` already stored at `field_path` by another document?
#[derive(Clone, Copy, Debug)]
pub struct UniqueQuery<'a> {
    /// Dotted path of the field in stored documents, list indices left out
    /// (`"email"`, `"address.city"`, `"tags.name"` for a list of dicts).
    pub field_path: &'a str,
    /// The value to look for (exact MongoDB equality: `{field_path: value}`).
    pub value: &'a Bson,
    /// The id of the document being replaced/updated, which must not count
    /// (`{id_field: {"$ne": id}}`); `None` on POST.
    pub exclude_id: Option<&'a Bson>,
    pub scope: UniqueScope,
}

/// Database look-ups the validator needs. The implementation is bound to the resource
/// being written (for `is_taken`) and can read any resource (for `exists`).
pub trait Lookups {
    /// `unique*` rules: does a stored document other than `exclude_id` match the query?
    fn is_taken(&self, query: &UniqueQuery<'_>) -> Result<bool, String>;

    /// `data_relation`: does `resource` have a document whose `field` equals `value`? Eve
    /// runs this as its `find_one(resource, **{field: value})`, so the target's datasource
    /// filter and soft delete apply, and a 24-hex string value also matches an ObjectId.
    fn exists(&self, resource: &str, field: &str, value: &Bson) -> Result<bool, String>;
}

/// [`Lookups`] for schemas without `unique*` or `data_relation`: any call is an error.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoLookups;

impl Lookups for NoLookups {
    fn is_taken(&self, _: &UniqueQuery<'_>) -> Result<bool, String> {
        Err("no database lookups available for 'unique'".into())
    }

    fn exists(&self, _: &str, _: &str, _: &Bson) -> Result<bool, String> {
        Err("no database lookups available for 'data_relation'".into())
    }
}

/// Why a payload was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum Invalid {
    /// Validation errors: exactly the `_issues` object of Eve's 422 answer.
    Issues(Value),
    /// Eve hit a Python exception while validating (e.g. `contains` on a list of dicts:
    /// "unhashable type: 'dict'"). POST answers 422 with `_issues: {"exception": msg}`;
    /// PATCH and PUT answer 400 ("An exception occurred: msg" in debug mode).
    Exception(String),
    /// A [`Lookups`] call failed; Eve would report the database exception like [`Invalid::Exception`].
    Lookup(String),
    /// The payload is not a JSON object: "`'<payload>'` is not a document, must be a dict".
    NotADocument(String),
    /// The payload is not JSON at all (Eve/Flask answers 400).
    BadJson(JsonError),
}

impl Invalid {
    /// The `_issues` value Eve answers with for this refusal (status 422), or `None` where Eve
    /// answers 400 instead (exceptions on PATCH/PUT, unreadable JSON).
    pub fn issues(&self, mode: Mode) -> Option<Value> {
        let one = |k: &str, m: &str| {
            let mut o = serde_json::Map::new();
            o.insert(k.to_string(), Value::String(m.to_string()));
            Value::Object(o)
        };
        match (self, mode) {
            (Invalid::Issues(v), _) => Some(v.clone()),
            (Invalid::Exception(m) | Invalid::Lookup(m), Mode::Insert) => Some(one("exception", m)),
            (Invalid::Exception(_) | Invalid::Lookup(_), _) => None,
            (Invalid::NotADocument(m), Mode::Insert) => Some(one("validation exception", m)),
            (Invalid::NotADocument(m), _) => Some(one("validator exception", m)),
            (Invalid::BadJson(_), _) => None,
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::Issues(v) => write!(f, "validation failed: {v}"),
            Invalid::Exception(m) => write!(f, "validation raised: {m}"),
            Invalid::Lookup(m) => write!(f, "database lookup failed: {m}"),
            Invalid::NotADocument(m) => f.write_str(m),
            Invalid::BadJson(e) => write!(f, "invalid JSON: {e}"),
        }
    }
}

impl std::error::Error for Invalid {}

/// Eve's `parse()`/`serialize()` of one payload document (see the module docs).
///
/// Fails only when the payload is not a JSON object ([`Invalid::NotADocument`]). Key order
/// is the order the `serde_json::Value` iterates in; use [`deserialize_str`] to keep the
/// client's order.
pub fn deserialize(schema: &Schema, payload: &Value) -> Result<Document, Invalid> {
    deserialize_j(schema, &json::J::from_serde(payload))
}

/// [`deserialize`] from the request body text, keeping the client's key order.
pub fn deserialize_str(schema: &Schema, payload: &str) -> Result<Document, Invalid> {
    let j = json::parse(payload).map_err(Invalid::BadJson)?;
    deserialize_j(schema, &j)
}

/// A request body: one document, or a list of them (a bulk POST).
#[derive(Debug)]
pub enum Payload {
    One(Result<Document, Invalid>),
    Many(Vec<Result<Document, Invalid>>),
}

/// [`deserialize_str`] for a whole body, which may be a list of documents;
/// each item keeps the client's key order. Fails only on unreadable JSON.
pub fn deserialize_body(schema: &Schema, body: &str) -> Result<Payload, Invalid> {
    match json::parse(body).map_err(Invalid::BadJson)? {
        json::J::Arr(items) => Ok(Payload::Many(items.iter().map(|item| deserialize_j(schema, item)).collect())),
        one => Ok(Payload::One(deserialize_j(schema, &one))),
    }
}

fn deserialize_j(schema: &Schema, payload: &json::J) -> Result<Document, Invalid> {
    match payload.to_bson() {
        Bson::Document(mut d) => {
            serialize::serialize_payload(&mut d, &schema.raw);
            Ok(d)
        }
        other => Err(Invalid::NotADocument(format!("'{}' is not a document, must be a dict", pyval::str(&other)))),
    }
}

/// Normalizes and validates a deserialized payload as Eve does for `mode`.
///
/// `original` is the stored document (with its id field) for [`Mode::Replace`] and
/// [`Mode::Update`]; it is ignored for [`Mode::Insert`]. On `Ok`, `doc` is the normalized
/// document to store (defaults added, coercions applied). On `Err(Invalid::Issues)` `doc`
/// holds the normalized payload as far as it got; it is not meant to be stored.
pub fn validate(
    schema: &Schema,
    doc: &mut Document,
    mode: Mode,
    original: Option<&Document>,
    lookups: &dyn Lookups,
) -> Result<(), Invalid> {
    let persisted = match mode {
        Mode::Insert => None,
        Mode::Replace | Mode::Update => original,
    };
    let document_id = persisted.and_then(|o| o.get(&schema.options.id_field).cloned());
    let ctx = Ctx { root: schema.root.clone(), lookups, persisted, document_id };
    let mut v = V::root(&ctx, schema.options.allow_unknown);
    let (update, normalize) = match mode {
        Mode::Update => {
            v.is_update_operation = true;
            (true, schema.options.normalize_on_patch)
        }
        Mode::Insert | Mode::Replace => (false, true),
    };
    let input = Doc::from_document(std::mem::take(doc));
    let result = v.validate(input, update, normalize);
    *doc = std::mem::take(&mut v.doc).into_document();
    match result {
        Ok(true) => Ok(()),
        Ok(false) => Err(Invalid::Issues(errors::render(&v.errors, schema.options.error_as_list))),
        Err(Abort::Py(m)) => Err(Invalid::Exception(m)),
        Err(Abort::Lookup(m)) => Err(Invalid::Lookup(m)),
        Err(Abort::SchemaRuleType) => Err(Invalid::Exception("schema rule type error".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(text: &str) -> Schema {
        Schema::parse_str(text, SchemaOptions::default()).unwrap()
    }

    #[test]
    fn iso_dates_are_accepted_beyond_eve() {
        let s = schema(r#"{"w": {"type": "datetime"}}"#);
        let mut d = deserialize_str(&s, r#"{"w": "2026-12-08T01:35:40.250Z"}"#).unwrap();
        assert_eq!(d.get("w"), Some(&Bson::DateTime(bson::DateTime::from_millis(1_796_693_740_250))));
        assert!(validate(&s, &mut d, Mode::Insert, None, &NoLookups).is_ok());
    }

    #[test]
    fn serde_json_values_work_too() {
        let s = Schema::parse(&serde_json::json!({"a": {"type": "integer", "min": 1}})).unwrap();
        let mut d = deserialize(&s, &serde_json::json!({"a": "0"})).unwrap();
        let err = validate(&s, &mut d, Mode::Insert, None, &NoLookups).unwrap_err();
        assert_eq!(err, Invalid::Issues(serde_json::json!({"a": "min value is 1"})));
    }

    #[test]
    fn schema_errors_name_field_and_rule() {
        let e = Schema::parse_str(r#"{"a": {"type": "dict", "schema": {"b": {"nope": 1}}}}"#, SchemaOptions::default())
            .unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.as_str()), ("a.schema.b", "nope"));
        let e = Schema::parse_str(r#"{"a": {"type": "strng"}}"#, SchemaOptions::default()).unwrap_err();
        assert_eq!(e.rule, "type");
        assert!(Schema::parse_str(r#"{"_etag": {}}"#, SchemaOptions::default()).is_err());
        assert!(Schema::parse_str(r#"{"a.b": {}}"#, SchemaOptions::default()).is_err());
    }

    #[test]
    fn expansion_and_id_field_are_visible() {
        let s = schema(r#"{"a": {"anyof_type": ["string", "integer"], "valueschema": {}}}"#);
        assert_eq!(
            s.expanded(),
            serde_json::json!({
                "a": {"anyof": [{"type": "string"}, {"type": "integer"}], "valuesrules": {}},
                "_id": {"type": "objectid"}
            })
        );
    }

    #[test]
    fn refusals_map_to_eve_answers() {
        let s = schema(r#"{"a": {}}"#);
        let e = deserialize_str(&s, "[1, 2]").unwrap_err();
        assert_eq!(
            e.issues(Mode::Insert),
            Some(serde_json::json!({"validation exception": "'[1, 2]' is not a document, must be a dict"}))
        );
        assert_eq!(
            e.issues(Mode::Update),
            Some(serde_json::json!({"validator exception": "'[1, 2]' is not a document, must be a dict"}))
        );
        assert!(matches!(deserialize_str(&s, "{"), Err(Invalid::BadJson(_))));
        let x = Invalid::Exception("unhashable type: 'dict'".into());
        assert_eq!(x.issues(Mode::Insert), Some(serde_json::json!({"exception": "unhashable type: 'dict'"})));
        assert_eq!(x.issues(Mode::Replace), None);
    }

    #[test]
    fn lookup_failures_are_reported() {
        let s = schema(r#"{"e": {"type": "string", "unique": true}}"#);
        let mut d = deserialize_str(&s, r#"{"e": "x"}"#).unwrap();
        assert!(matches!(validate(&s, &mut d, Mode::Insert, None, &NoLookups), Err(Invalid::Lookup(_))));
    }

    #[test]
    fn unique_query_carries_path_and_excluded_id() {
        struct Spy(std::cell::RefCell<Vec<String>>);
        impl Lookups for Spy {
            fn is_taken(&self, q: &UniqueQuery<'_>) -> Result<bool, String> {
                self.0.borrow_mut().push(format!("{} {:?} {:?} {:?}", q.field_path, q.value, q.exclude_id, q.scope));
                Ok(false)
            }
            fn exists(&self, _: &str, _: &str, _: &Bson) -> Result<bool, String> {
                Ok(true)
            }
        }
        let s = schema(
            r#"{"l": {"type": "list", "schema": {"type": "dict", "schema": {"n": {"type": "string", "unique_to_user": true}}}}}"#,
        );
        let spy = Spy(Default::default());
        let mut original = Document::new();
        original.insert("_id", 7);
        let mut d = deserialize_str(&s, r#"{"l": [{"n": "a"}]}"#).unwrap();
        validate(&s, &mut d, Mode::Update, Some(&original), &spy).unwrap();
        assert_eq!(spy.0.borrow().as_slice(), ["l.n String(\"a\") Some(Int32(7)) User"]);
    }
}

#[cfg(test)]
mod vectors_test;
