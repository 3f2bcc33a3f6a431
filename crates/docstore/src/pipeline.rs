//! MongoDB's aggregation pipeline for the embedded store: the stages Eve's
//! aggregation endpoints use — `$match`, `$sort`, `$skip`, `$limit`,
//! `$project`, `$unwind`, `$group` (with `$sum`, `$avg`, `$min`, `$max`,
//! `$first`, `$last`, `$push`, `$addToSet`, `$count`), `$count` and
//! `$facet` — with MongoDB's meaning. Other stages are refused by name.

use std::cmp::Ordering;

use bson::{Bson, Document};

use crate::filter::Filter;
use crate::ops::{Projection, compare_documents};
use crate::order::{compare, equal};
use crate::store::{Result, StoreError};

fn invalid<T>(message: impl Into<String>) -> Result<T> {
    Err(StoreError::Invalid(message.into()))
}

/// Operators that run JavaScript on a MongoDB server: refused anywhere in
/// a pipeline, whose values may come from a remote caller.
const SCRIPT_OPERATORS: [&str; 3] = ["$where", "$function", "$accumulator"];

/// Checks every stage of `pipeline` without running it.
pub fn check(pipeline: &[Document]) -> Result<()> {
    fn scripts(value: &Bson) -> Option<&'static str> {
        match value {
            Bson::Document(d) => {
                d.iter().find_map(|(k, v)| SCRIPT_OPERATORS.iter().find(|op| *op == k).copied().or_else(|| scripts(v)))
            }
            Bson::Array(items) => items.iter().find_map(scripts),
            Bson::JavaScriptCode(_) | Bson::JavaScriptCodeWithScope(_) => Some("JavaScript code"),
            _ => None,
        }
    }
    if let Some(op) = pipeline.iter().find_map(|stage| scripts(&Bson::Document(stage.clone()))) {
        return invalid(format!("{op} runs code on the server and is not allowed in a pipeline"));
    }
    run(Vec::new(), pipeline).map(|_| ())
}

/// Runs `pipeline` over `documents`.
pub fn run(mut documents: Vec<Document>, pipeline: &[Document]) -> Result<Vec<Document>> {
    for stage in pipeline {
        let Some((name, spec)) = stage.iter().next().filter(|_| stage.len() == 1) else {
            return invalid("a pipeline stage must have exactly one field");
        };
        documents = match name.as_str() {
            "$match" => {
                let filter = Filter::parse(as_document(name, spec)?)?;
                documents.into_iter().filter(|d| filter.matches(d)).collect()
            }
            "$sort" => {
                let sort = sort_spec(as_document(name, spec)?)?;
                documents.sort_by(|a, b| compare_documents(a, b, &sort));
                documents
            }
            "$skip" => documents.into_iter().skip(count(name, spec)?).collect(),
            "$limit" => documents.into_iter().take(count(name, spec)?).collect(),
            "$project" => project(documents, as_document(name, spec)?)?,
            "$unwind" => unwind(documents, spec)?,
            "$group" => group(documents, as_document(name, spec)?)?,
            "$count" => match spec {
                Bson::String(field) if !field.is_empty() && !field.starts_with('$') && !field.contains('.') => {
                    if documents.is_empty() {
                        Vec::new()
                    } else {
                        let mut d = Document::new();
                        d.insert(field.clone(), number(documents.len() as i64));
                        vec![d]
                    }
                }
                _ => return invalid("$count takes a field name"),
            },
            "$facet" => {
                let mut out = Document::new();
                for (field, sub) in as_document(name, spec)? {
                    let Bson::Array(stages) = sub else { return invalid("each $facet field takes a pipeline") };
                    let stages = stages
                        .iter()
                        .map(|s| {
                            s.as_document().cloned().ok_or_else(|| StoreError::Invalid("a stage is a document".into()))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    let results = run(documents.clone(), &stages)?;
                    out.insert(field.clone(), results.into_iter().map(Bson::Document).collect::<Vec<_>>());
                }
                vec![out]
            }
            other => return invalid(format!("unsupported aggregation stage {other}")),
        };
    }
    Ok(documents)
}

fn as_document<'a>(stage: &str, spec: &'a Bson) -> Result<&'a Document> {
    spec.as_document().ok_or_else(|| StoreError::Invalid(format!("{stage} takes a document")))
}

fn count(stage: &str, spec: &Bson) -> Result<usize> {
    let n = match spec {
        Bson::Int32(n) => i64::from(*n),
        Bson::Int64(n) => *n,
        Bson::Double(f) if f.fract() == 0.0 => *f as i64,
        _ => return invalid(format!("{stage} takes a whole number")),
    };
    usize::try_from(n).map_err(|_| StoreError::Invalid(format!("{stage} takes a number that is not negative")))
}

fn sort_spec(spec: &Document) -> Result<Vec<(String, i32)>> {
    spec.iter()
        .map(|(field, direction)| match direction {
            Bson::Int32(1) | Bson::Int64(1) => Ok((field.clone(), 1)),
            Bson::Int32(-1) | Bson::Int64(-1) => Ok((field.clone(), -1)),
            Bson::Double(d) if *d == 1.0 || *d == -1.0 => Ok((field.clone(), *d as i32)),
            _ => invalid(format!("$sort direction of {field} must be 1 or -1")),
        })
        .collect()
}

/// An integer as MongoDB returns one: 32 bits when it fits.
fn number(n: i64) -> Bson {
    i32::try_from(n).map(Bson::Int32).unwrap_or(Bson::Int64(n))
}

/// The value of an expression in `document`: `"$path"` reads a field
/// (missing reads as absent), a document evaluates each field, other
/// values are themselves.
fn evaluate(document: &Document, expression: &Bson) -> Option<Bson> {
    match expression {
        Bson::String(s) if s.starts_with('$') && s.len() > 1 && !s.starts_with("$$") => lookup_one(document, &s[1..]),
        Bson::Document(d) => {
            let mut out = Document::new();
            for (k, v) in d {
                if let Some(value) = evaluate(document, v) {
                    out.insert(k.clone(), value);
                }
            }
            Some(Bson::Document(out))
        }
        other => Some(other.clone()),
    }
}

/// A dotted path's value (an array of the values when it passes through an array).
fn lookup_one(document: &Document, path: &str) -> Option<Bson> {
    let mut current = Bson::Document(document.clone());
    for part in path.split('.') {
        current = match current {
            Bson::Document(d) => d.get(part)?.clone(),
            Bson::Array(items) => {
                let values: Vec<Bson> =
                    items.iter().filter_map(|i| i.as_document().and_then(|d| d.get(part)).cloned()).collect();
                Bson::Array(values)
            }
            _ => return None,
        };
    }
    Some(current)
}

fn project(documents: Vec<Document>, spec: &Document) -> Result<Vec<Document>> {
    let plain = spec.values().all(|v| matches!(v, Bson::Int32(0 | 1) | Bson::Int64(0 | 1) | Bson::Boolean(_)));
    if plain {
        let projection = Projection::parse(spec)?;
        return Ok(documents.into_iter().map(|d| projection.apply(d)).collect());
    }
    // Fields kept (1), computed (an expression) and `_id` unless it is 0.
    Ok(documents
        .into_iter()
        .map(|d| {
            let mut out = Document::new();
            if !matches!(spec.get("_id"), Some(Bson::Int32(0) | Bson::Int64(0) | Bson::Boolean(false)))
                && let Some(id) = d.get("_id")
            {
                out.insert("_id", id.clone());
            }
            for (field, value) in spec {
                let kept = match value {
                    Bson::Int32(0) | Bson::Int64(0) | Bson::Boolean(false) => None,
                    Bson::Int32(_) | Bson::Int64(_) | Bson::Boolean(true) => lookup_one(&d, field),
                    expression => evaluate(&d, expression),
                };
                if let Some(v) = kept {
                    out.insert(field.clone(), v);
                }
            }
            out
        })
        .collect())
}

fn unwind(documents: Vec<Document>, spec: &Bson) -> Result<Vec<Document>> {
    let (path, preserve) = match spec {
        Bson::String(p) => (p.clone(), false),
        Bson::Document(d) => (
            d.get_str("path").map_err(|_| StoreError::Invalid("$unwind takes a path".into()))?.to_string(),
            d.get_bool("preserveNullAndEmptyArrays").unwrap_or(false),
        ),
        _ => return invalid("$unwind takes a path"),
    };
    let Some(field) = path.strip_prefix('$').filter(|f| !f.is_empty() && !f.contains('.')) else {
        return invalid("$unwind takes a top-level field path such as \"$tags\"");
    };
    let mut out = Vec::new();
    for d in documents {
        match d.get(field) {
            Some(Bson::Array(items)) if !items.is_empty() => {
                for item in items.clone() {
                    let mut copy = d.clone();
                    copy.insert(field, item);
                    out.push(copy);
                }
            }
            Some(Bson::Array(_)) | Some(Bson::Null) | None => {
                if preserve {
                    out.push(d);
                }
            }
            Some(_) => out.push(d),
        }
    }
    Ok(out)
}

/// One accumulator's running value.
enum Accumulator {
    Sum(Option<Bson>),
    Avg(f64, u64),
    Min(Option<Bson>),
    Max(Option<Bson>),
    First(Option<Bson>),
    Last(Option<Bson>),
    Push(Vec<Bson>),
    AddToSet(Vec<Bson>),
    Count(i64),
}

fn add(a: Bson, b: &Bson) -> Bson {
    match (&a, b) {
        (Bson::Int32(x), Bson::Int32(y)) => number(i64::from(*x) + i64::from(*y)),
        (Bson::Int32(x), Bson::Int64(y)) | (Bson::Int64(y), Bson::Int32(x)) => Bson::Int64(i64::from(*x) + y),
        (Bson::Int64(x), Bson::Int64(y)) => Bson::Int64(x + y),
        _ => Bson::Double(crate::order::number(&a).unwrap_or(0.0) + crate::order::number(b).unwrap_or(0.0)),
    }
}

impl Accumulator {
    fn new(operator: &str) -> Result<Accumulator> {
        Ok(match operator {
            "$sum" => Accumulator::Sum(None),
            "$avg" => Accumulator::Avg(0.0, 0),
            "$min" => Accumulator::Min(None),
            "$max" => Accumulator::Max(None),
            "$first" => Accumulator::First(None),
            "$last" => Accumulator::Last(None),
            "$push" => Accumulator::Push(Vec::new()),
            "$addToSet" => Accumulator::AddToSet(Vec::new()),
            "$count" => Accumulator::Count(0),
            other => return invalid(format!("unsupported $group accumulator {other}")),
        })
    }

    fn take(&mut self, value: Option<Bson>, first: bool) {
        let numeric = value.as_ref().filter(|v| crate::order::number(v).is_some() && !matches!(v, Bson::Decimal128(_)));
        match self {
            Accumulator::Sum(total) => {
                if let Some(v) = numeric {
                    *total = Some(match total.take() {
                        None => v.clone(),
                        Some(t) => add(t, v),
                    });
                }
            }
            Accumulator::Avg(sum, n) => {
                if let Some(v) = numeric.and_then(crate::order::number) {
                    *sum += v;
                    *n += 1;
                }
            }
            Accumulator::Min(m) => keep(m, value, Ordering::Less),
            Accumulator::Max(m) => keep(m, value, Ordering::Greater),
            Accumulator::First(f) => {
                if first {
                    *f = Some(value.unwrap_or(Bson::Null));
                }
            }
            Accumulator::Last(l) => *l = Some(value.unwrap_or(Bson::Null)),
            Accumulator::Push(items) => {
                if let Some(v) = value {
                    items.push(v);
                }
            }
            Accumulator::AddToSet(items) => {
                if let Some(v) = value
                    && !items.iter().any(|i| equal(i, &v))
                {
                    items.push(v);
                }
            }
            Accumulator::Count(n) => *n += 1,
        }
    }

    fn result(self) -> Bson {
        match self {
            Accumulator::Sum(total) => total.unwrap_or(Bson::Int32(0)),
            Accumulator::Avg(_, 0) => Bson::Null,
            Accumulator::Avg(sum, n) => Bson::Double(sum / n as f64),
            Accumulator::Min(m) | Accumulator::Max(m) | Accumulator::First(m) | Accumulator::Last(m) => {
                m.unwrap_or(Bson::Null)
            }
            Accumulator::Push(items) | Accumulator::AddToSet(items) => Bson::Array(items),
            Accumulator::Count(n) => number(n),
        }
    }
}

/// `$min`/`$max`: keeps `value` when it orders `wanted` of the kept one (nulls and missing values skipped).
fn keep(slot: &mut Option<Bson>, value: Option<Bson>, wanted: Ordering) {
    if let Some(v) = value.filter(|v| !matches!(v, Bson::Null | Bson::Undefined))
        && slot.as_ref().is_none_or(|current| compare(&v, current) == wanted)
    {
        *slot = Some(v);
    }
}

fn group(documents: Vec<Document>, spec: &Document) -> Result<Vec<Document>> {
    let Some(key) = spec.get("_id") else { return invalid("$group needs an _id") };
    let mut fields = Vec::new();
    for (name, accumulator) in spec.iter().filter(|(k, _)| *k != "_id") {
        let Some(acc) = accumulator.as_document().filter(|d| d.len() == 1) else {
            return invalid(format!("$group field {name} takes one accumulator such as {{\"$sum\": 1}}"));
        };
        let (operator, expression) =
            acc.iter().next().ok_or_else(|| StoreError::Invalid("empty accumulator".into()))?;
        Accumulator::new(operator)?;
        fields.push((name.clone(), operator.clone(), expression.clone()));
    }
    // Groups in the order their first document came.
    let mut groups: Vec<(Bson, Vec<Accumulator>, u64)> = Vec::new();
    for d in &documents {
        let id = evaluate(d, key).unwrap_or(Bson::Null);
        let index = match groups.iter().position(|(g, _, _)| equal(g, &id) && same_fields(g, &id)) {
            Some(i) => i,
            None => {
                let accumulators = fields.iter().map(|(_, op, _)| Accumulator::new(op)).collect::<Result<Vec<_>>>()?;
                groups.push((id, accumulators, 0));
                groups.len() - 1
            }
        };
        let (_, accumulators, seen) = &mut groups[index];
        for ((_, _, expression), acc) in fields.iter().zip(accumulators.iter_mut()) {
            acc.take(evaluate(d, expression), *seen == 0);
        }
        *seen += 1;
    }
    Ok(groups
        .into_iter()
        .map(|(id, accumulators, _)| {
            let mut out = Document::new();
            out.insert("_id", id);
            for ((name, _, _), acc) in fields.iter().zip(accumulators) {
                out.insert(name.clone(), acc.result());
            }
            out
        })
        .collect())
}

/// Document group keys are equal field by field, names included.
fn same_fields(a: &Bson, b: &Bson) -> bool {
    match (a, b) {
        (Bson::Document(x), Bson::Document(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|((kx, vx), (ky, vy))| kx == ky && equal(vx, vy))
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    fn people() -> Vec<Document> {
        vec![
            doc! {"_id": 1, "name": "Ann", "city": "Rome", "age": 30, "tags": ["a", "b"]},
            doc! {"_id": 2, "name": "Bob", "city": "Oslo", "age": 20, "tags": ["b"]},
            doc! {"_id": 3, "name": "Cy", "city": "Rome", "age": 5},
            doc! {"_id": 4, "name": "Di", "city": "Oslo", "age": 41.5, "tags": []},
        ]
    }

    fn stages(pipeline: Bson) -> Vec<Document> {
        pipeline.as_array().unwrap().iter().map(|s| s.as_document().unwrap().clone()).collect()
    }

    #[test]
    fn groups_sums_averages_and_sorts() {
        let pipeline = stages(bson::bson!([
            {"$match": {"age": {"$gte": 5}}},
            {"$group": {"_id": "$city", "n": {"$sum": 1}, "total": {"$sum": "$age"}, "avg": {"$avg": "$age"},
                        "oldest": {"$max": "$age"}, "first": {"$min": "$name"}, "names": {"$push": "$name"}}},
            {"$sort": {"_id": 1}}
        ]));
        let out = run(people(), &pipeline).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0],
            doc! {"_id": "Oslo", "n": 2, "total": 61.5, "avg": 30.75, "oldest": 41.5, "first": "Bob", "names": ["Bob", "Di"]}
        );
        assert_eq!(out[1].get("total"), Some(&Bson::Int32(35)));
    }

    #[test]
    fn unwinds_counts_facets_and_pages() {
        let pipeline = stages(bson::bson!([
            {"$unwind": "$tags"},
            {"$group": {"_id": "$tags", "n": {"$sum": 1}}},
            {"$sort": {"n": -1, "_id": 1}},
            {"$facet": {"page": [{"$skip": 1}, {"$limit": 5}], "total": [{"$count": "count"}]}}
        ]));
        let out = run(people(), &pipeline).unwrap();
        assert_eq!(out, vec![doc! {"page": [{"_id": "a", "n": 1}], "total": [{"count": 2}]}]);
        let projected =
            run(people(), &stages(bson::bson!([{"$project": {"name": 1, "city": "$city", "_id": 0}}]))).unwrap();
        assert_eq!(projected[0], doc! {"name": "Ann", "city": "Rome"});
        assert!(run(people(), &stages(bson::bson!([{"$lookup": {}}]))).is_err());
        assert!(run(people(), &stages(bson::bson!([{"$limit": -1}]))).is_err());
        assert!(run(Vec::new(), &stages(bson::bson!([{"$count": "n"}]))).unwrap().is_empty());
        // Server-side JavaScript never passes, wherever a caller's value put it.
        let script = stages(bson::bson!([{"$group": {"_id": {"$function": {"body": "x", "args": [], "lang": "js"}}}}]));
        assert!(check(&script).is_err());
        assert!(check(&stages(bson::bson!([{"$project": {"a": {"$accumulator": {}}}}]))).is_err());
    }
}
