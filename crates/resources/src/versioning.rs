//! Eve's document versioning: every write of a versioned resource also
//! stores the document's versioned fields in the shadow collection
//! `<source>_versions`, keyed by `<id_field>_document` and `_version`; an
//! old version is served as the latest document with those fields put back.
//!
//! These are the pure parts — which fields are versioned, the shadow
//! document, the synthesized old version, the diff between two versions —
//! that the endpoints in [`crate::api`] use.

use bson::{Bson, Document};
use serde_json::{Map, Value};

use crate::settings::{Names, Resource};

/// The fields a version keeps: the schema's (less the id and those marked
/// `versioned: false`), and `_updated`, `_etag`, `_deleted`.
pub fn versioned_fields(r: &Resource, names: &Names) -> Vec<String> {
    let mut fields: Vec<String> = r
        .schema
        .as_object()
        .map(|schema| {
            schema
                .iter()
                .filter(|(name, def)| {
                    **name != r.id_field && def.get("versioned").and_then(Value::as_bool).unwrap_or(true)
                })
                .map(|(name, _)| name.clone())
                .collect()
        })
        .unwrap_or_default();
    fields.extend([names.last_updated.clone(), names.etag.clone(), names.deleted.clone()]);
    fields
}

/// The shadow collection of `r`.
pub fn shadow_source(r: &Resource, names: &Names) -> String {
    format!("{}{}", r.source, names.versions)
}

/// The field of a shadow document that holds the document's id.
pub fn document_id_field(r: &Resource, names: &Names) -> String {
    format!("{}{}", r.id_field, names.version_id_suffix)
}

/// The version number a stored document has: its `_version`, 1 when it
/// was written before versioning was turned on.
pub fn version_of(d: &Document, names: &Names) -> i64 {
    match d.get(names.version.as_str()) {
        Some(Bson::Int32(v)) => i64::from(*v),
        Some(Bson::Int64(v)) => *v,
        Some(Bson::Double(v)) => *v as i64,
        _ => 1,
    }
}

/// A version number stored as Python's driver stores an int: 32 bits when it fits.
pub fn number(v: i64) -> Bson {
    i32::try_from(v).map(Bson::Int32).unwrap_or(Bson::Int64(v))
}

/// The shadow copy of the written document `d`: its versioned fields, the
/// document's id, the version, and the writer's `auth_field` value.
pub fn shadow(r: &Resource, names: &Names, d: &Document, owner: Option<(&str, &Bson)>) -> Document {
    let fields = versioned_fields(r, names);
    let mut out = Document::new();
    for (k, v) in d {
        if fields.contains(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    out.insert(document_id_field(r, names), d.get(r.id_field.as_str()).cloned().unwrap_or(Bson::Null));
    out.insert(names.version.clone(), number(version_of(d, names)));
    if let Some((field, value)) = owner {
        out.insert(field, value.clone());
    }
    out
}

/// An old version as Eve serves it: the latest document's unversioned
/// fields, then the version's own, its document id as the id field.
pub fn synthesize(r: &Resource, names: &Names, latest: &Document, mut delta: Document) -> Document {
    let fields = versioned_fields(r, names);
    let id = delta.remove(document_id_field(r, names).as_str());
    // A shadow document's own `_id` is not the document's.
    delta.remove("_id");
    let mut out = Document::new();
    for (k, v) in latest {
        if !fields.contains(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    out.extend(delta);
    if let Some(id) = id {
        out.insert(r.id_field.clone(), id);
    }
    out
}

/// The fields of `new` (as served) that `old` lacks or holds otherwise,
/// among the schema's and the meta fields, plus `VERSION_DIFF_INCLUDE`'s;
/// removed fields do not show, as in Eve.
pub fn diff(
    r: &Resource,
    names: &Names,
    include: &[String],
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> Map<String, Value> {
    let mut fields: Vec<String> = r.schema.as_object().map(|s| s.keys().cloned().collect()).unwrap_or_default();
    fields.extend([
        names.version.clone(),
        names.latest_version.clone(),
        r.id_field.clone(),
        names.last_updated.clone(),
        names.date_created.clone(),
        names.etag.clone(),
        names.links.clone(),
    ]);
    if r.soft_delete {
        fields.push(names.deleted.clone());
    }
    let mut out = Map::new();
    for field in fields.iter().chain(include) {
        let Some(value) = new.get(field) else { continue };
        if include.contains(field) || old.get(field) != Some(value) {
            out.insert(field.clone(), value.clone());
        }
    }
    out
}
