//! What the embedded store computes that MongoDB computes on its server:
//! sort order, projections, `$set`/`$unset`, and the byte keys that stand
//! for values in the store's keyspaces.

use std::cmp::Ordering;

use bson::{Bson, Document};

use crate::filter::lookup;
use crate::order::{bracket, compare, number, number_bytes};
use crate::store::{Result, StoreError};

fn invalid<T>(message: impl Into<String>) -> Result<T> {
    Err(StoreError::Invalid(message.into()))
}

/// Checks a sort specification: non-empty field names, directions 1 or -1.
pub fn check_sort(sort: &[(String, i32)]) -> Result<()> {
    for (field, direction) in sort {
        if field.is_empty() || field.starts_with('$') {
            return invalid(format!("bad sort field {field:?}"));
        }
        if *direction != 1 && *direction != -1 {
            return invalid(format!("bad sort direction {direction} for {field}: use 1 or -1"));
        }
    }
    Ok(())
}

/// The value a document sorts by on `path`: as MongoDB, the smallest
/// element of an array ascending and the largest descending, and null when
/// the path reaches nothing.
fn sort_value<'a>(document: &'a Document, path: &str, descending: bool) -> Option<&'a Bson> {
    let values = lookup(document, path);
    let candidates = values.iter().flat_map(|v| match v {
        Bson::Array(items) if !items.is_empty() => items.iter().collect::<Vec<_>>(),
        other => vec![*other],
    });
    if descending { candidates.max_by(|a, b| compare(a, b)) } else { candidates.min_by(|a, b| compare(a, b)) }
}

/// Orders two documents by `sort`.
pub fn compare_documents(a: &Document, b: &Document, sort: &[(String, i32)]) -> Ordering {
    for (path, direction) in sort {
        let descending = *direction < 0;
        let (x, y) = (sort_value(a, path, descending), sort_value(b, path, descending));
        let order = compare(x.unwrap_or(&Bson::Null), y.unwrap_or(&Bson::Null));
        let order = if descending { order.reverse() } else { order };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// A checked projection: the paths kept (inclusion) or dropped (exclusion),
/// and whether `_id` is kept.
#[derive(Debug, Clone)]
pub struct Projection {
    paths: Vec<String>,
    include: bool,
    keep_id: bool,
}

impl Projection {
    pub fn parse(projection: &Document) -> Result<Self> {
        let mut include = None;
        let mut keep_id = true;
        let mut paths = Vec::new();
        for (path, value) in projection {
            let on = match value {
                Bson::Boolean(b) => *b,
                v => match number(v) {
                    Some(n) => n != 0.0,
                    None => return invalid(format!("projection values must be 0 or 1; {path} is not")),
                },
            };
            if path.is_empty() || path.starts_with('$') || path.split('.').any(str::is_empty) {
                return invalid(format!("bad projection field {path:?}"));
            }
            if path == "_id" {
                keep_id = on;
                continue;
            }
            match include {
                Some(mode) if mode != on => {
                    let kind = if on { "inclusion" } else { "exclusion" };
                    return invalid(format!("cannot do {kind} on field {path} in a projection of the other kind"));
                }
                _ => include = Some(on),
            }
            paths.push(path.clone());
        }
        // `{"_id": 1}` alone keeps only `_id`; `{"_id": 0}` alone drops only it.
        let include = include.unwrap_or(keep_id);
        Ok(Projection { paths, include, keep_id })
    }

    pub fn apply(&self, document: Document) -> Document {
        let id = document.get("_id").cloned();
        let mut out = if self.include {
            let tree = PathTree::new(&self.paths);
            keep(&document, &tree)
        } else {
            let mut document = document;
            for path in &self.paths {
                drop_path(&mut document, path);
            }
            document.remove("_id");
            document
        };
        if self.keep_id
            && let Some(id) = id
        {
            // `_id` first, as MongoDB returns it.
            let mut with_id = Document::new();
            with_id.insert("_id", id);
            with_id.extend(std::mem::take(&mut out));
            out = with_id;
        }
        out
    }
}

/// Paths as a tree of their parts; a leaf keeps the whole value.
#[derive(Debug, Default)]
struct PathTree {
    leaf: bool,
    children: Vec<(String, PathTree)>,
}

impl PathTree {
    fn new(paths: &[String]) -> Self {
        let mut root = PathTree::default();
        for path in paths {
            let mut node = &mut root;
            for part in path.split('.') {
                let index = match node.children.iter().position(|(name, _)| name == part) {
                    Some(i) => i,
                    None => {
                        node.children.push((part.to_string(), PathTree::default()));
                        node.children.len() - 1
                    }
                };
                node = &mut node.children[index].1;
            }
            node.leaf = true;
        }
        root
    }
}

fn keep(document: &Document, tree: &PathTree) -> Document {
    let mut out = Document::new();
    for (key, value) in document {
        let Some((_, node)) = tree.children.iter().find(|(name, _)| name == key) else { continue };
        if node.leaf {
            out.insert(key.clone(), value.clone());
        } else if let Some(kept) = keep_value(value, node) {
            out.insert(key.clone(), kept);
        }
    }
    out
}

fn keep_value(value: &Bson, tree: &PathTree) -> Option<Bson> {
    match value {
        Bson::Document(d) => Some(Bson::Document(keep(d, tree))),
        Bson::Array(items) => Some(Bson::Array(items.iter().filter_map(|v| keep_value(v, tree)).collect())),
        _ => None,
    }
}

fn drop_path(document: &mut Document, path: &str) {
    match path.split_once('.') {
        None => {
            document.remove(path);
        }
        Some((head, rest)) => match document.get_mut(head) {
            Some(Bson::Document(inner)) => drop_path(inner, rest),
            Some(Bson::Array(items)) => {
                for item in items {
                    if let Bson::Document(inner) = item {
                        drop_path(inner, rest);
                    }
                }
            }
            _ => {}
        },
    }
}

/// Applies `$set` and `$unset` to `document`. `_id` may be set only to the
/// value it has.
pub fn apply_update(document: &mut Document, set: &Document, unset: &[String]) -> Result<()> {
    for (path, value) in set {
        if path == "_id" && document.get("_id") != Some(value) {
            return invalid("Performing an update on the path '_id' would modify the immutable field '_id'");
        }
        set_path(document, path, value.clone())?;
    }
    for path in unset {
        if path == "_id" {
            return invalid("Performing an update on the path '_id' would modify the immutable field '_id'");
        }
        drop_exact(document, path);
    }
    Ok(())
}

fn check_path(path: &str) -> Result<()> {
    if path.is_empty() || path.split('.').any(|p| p.is_empty() || p.starts_with('$')) {
        return invalid(format!("bad update path {path:?}"));
    }
    Ok(())
}

fn set_path(document: &mut Document, path: &str, value: Bson) -> Result<()> {
    check_path(path)?;
    let mut parts = path.split('.').peekable();
    let mut current = document;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            current.insert(part, value);
            return Ok(());
        }
        let entry = current.entry(part.to_string()).or_insert_with(|| Bson::Document(Document::new()));
        current = match entry {
            Bson::Document(inner) => inner,
            Bson::Array(items) => {
                // `a.2.b`: an element of an existing array.
                let rest: Vec<&str> = parts.collect();
                return set_in_array(items, &rest, value, path);
            }
            _ => return invalid(format!("cannot create field in element of {part} for update path {path}")),
        };
    }
    Ok(())
}

fn set_in_array(items: &mut Vec<Bson>, parts: &[&str], value: Bson, path: &str) -> Result<()> {
    let Some((first, rest)) = parts.split_first() else { return Ok(()) };
    let Ok(index) = first.parse::<usize>() else {
        return invalid(format!("cannot create field {first} in an array for update path {path}"));
    };
    if index > items.len() + 1024 {
        return invalid(format!("array index {index} is too far past the end for update path {path}"));
    }
    while items.len() <= index {
        items.push(Bson::Null);
    }
    if rest.is_empty() {
        items[index] = value;
        return Ok(());
    }
    if !matches!(items[index], Bson::Document(_) | Bson::Array(_)) {
        items[index] = Bson::Document(Document::new());
    }
    match &mut items[index] {
        Bson::Document(inner) => set_path(inner, &rest.join("."), value),
        Bson::Array(inner) => set_in_array(inner, rest, value, path),
        _ => Ok(()),
    }
}

fn drop_exact(document: &mut Document, path: &str) {
    match path.split_once('.') {
        None => {
            document.remove(path);
        }
        Some((head, rest)) => {
            if let Some(Bson::Document(inner)) = document.get_mut(head) {
                drop_exact(inner, rest);
            }
        }
    }
}

/// The bytes that stand for `value` in a key: values MongoDB holds equal
/// (1 and 1.0) give the same bytes, and ObjectIds order as they were made.
pub fn value_key(value: &Bson, out: &mut Vec<u8>) {
    out.push(bracket(value));
    match value {
        Bson::ObjectId(oid) => out.extend_from_slice(&oid.bytes()),
        Bson::String(s) | Bson::Symbol(s) => out.extend_from_slice(s.as_bytes()),
        Bson::Null | Bson::Undefined | Bson::MinKey | Bson::MaxKey => {}
        v => match number(v) {
            Some(n) => out.extend_from_slice(&number_bytes(n)),
            None => {
                let mut wrapper = Document::new();
                wrapper.insert("", v.clone());
                if let Ok(bytes) = bson::serialize_to_vec(&wrapper) {
                    out.extend_from_slice(&bytes);
                }
            }
        },
    }
}

/// The key of a document in a unique index over `fields`: each field's
/// value (null when missing), length-prefixed so that keys do not run into
/// each other.
pub fn index_key(document: &Document, fields: &[(String, i32)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (field, _) in fields {
        let values = lookup(document, field);
        let value = values.first().copied().unwrap_or(&Bson::Null);
        let mut part = Vec::new();
        value_key(value, &mut part);
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(&part);
    }
    out
}

/// A short rendering of an index key's values, for duplicate-key errors.
pub fn describe_key(document: &Document, fields: &[(String, i32)]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|(field, _)| {
            let value = lookup(document, field).first().map(|v| v.to_string()).unwrap_or_else(|| "null".into());
            format!("{field}: {value}")
        })
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    #[test]
    fn sorting_uses_array_extremes_and_missing_as_null() {
        let a = doc! {"n": [5, 1]};
        let b = doc! {"n": 3};
        let c = doc! {};
        let asc = vec![("n".to_string(), 1)];
        let desc = vec![("n".to_string(), -1)];
        assert_eq!(compare_documents(&a, &b, &asc), Ordering::Less);
        assert_eq!(compare_documents(&a, &b, &desc), Ordering::Less);
        assert_eq!(compare_documents(&c, &b, &asc), Ordering::Less);
    }

    #[test]
    fn projections_keep_or_drop_paths() {
        let d = doc! {"_id": 1, "a": {"b": 1, "c": 2}, "d": [{"b": 1, "x": 0}], "e": 5};
        let p = Projection::parse(&doc! {"a.b": 1, "d.b": 1}).unwrap();
        assert_eq!(p.apply(d.clone()), doc! {"_id": 1, "a": {"b": 1}, "d": [{"b": 1}]});
        let p = Projection::parse(&doc! {"a": 0, "_id": 0}).unwrap();
        assert_eq!(p.apply(d.clone()), doc! {"d": [{"b": 1, "x": 0}], "e": 5});
        assert!(Projection::parse(&doc! {"a": 1, "e": 0}).is_err());
        assert!(Projection::parse(&doc! {"a": "yes"}).is_err());
    }

    #[test]
    fn updates_set_dotted_paths_and_keep_id() {
        let mut d = doc! {"_id": 1, "a": {"b": 1}, "l": [1, 2]};
        apply_update(&mut d, &doc! {"a.c": 2, "x.y": 3, "l.1": 9}, &["a.b".to_string()]).unwrap();
        assert_eq!(d, doc! {"_id": 1, "a": {"c": 2}, "l": [1, 9], "x": {"y": 3}});
        assert!(apply_update(&mut d, &doc! {"_id": 2}, &[]).is_err());
        assert!(apply_update(&mut d, &doc! {"_id": 1}, &[]).is_ok());
        assert!(apply_update(&mut d, &doc! {"a.c.z": 1}, &[]).is_err());
    }

    #[test]
    fn equal_values_share_a_key() {
        let key = |v: Bson| {
            let mut out = Vec::new();
            value_key(&v, &mut out);
            out
        };
        assert_eq!(key(Bson::Int32(1)), key(Bson::Double(1.0)));
        assert!(key(Bson::Int32(-2)) < key(Bson::Int32(1)));
        assert_ne!(key(Bson::String("1".into())), key(Bson::Int32(1)));
    }
}
