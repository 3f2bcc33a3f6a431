//! How the embedded store answers a query from a secondary index: the
//! index entries' keys, and the choice of an index for a filter and a sort.
//!
//! An entry's key is each indexed field's value in an order-preserving,
//! self-delimiting form ([`order_key`]), then the document's key, so the
//! entries of one value of the leading fields are one key range, in the
//! order of the next fields. A filter whose top-level equalities cover an
//! index's leading fields reads that range instead of the collection; a
//! sort on the fields that follow reads it in order and stops at the page.
//! Every candidate is still checked against the whole filter.

use bson::{Bson, Document};

use crate::filter::lookup;
use crate::order::{bracket, number, number_bytes};
use crate::store::{Index, Result, StoreError};

/// `value` as bytes that sort as MongoDB sorts values of one field (type
/// bracket first) and end where they end, so keys can follow each other.
pub fn order_key(value: &Bson, out: &mut Vec<u8>) {
    out.push(bracket(value));
    match value {
        Bson::Null | Bson::Undefined | Bson::MinKey | Bson::MaxKey => {}
        Bson::String(s) | Bson::Symbol(s) => escaped(s.as_bytes(), out),
        Bson::ObjectId(oid) => out.extend_from_slice(&oid.bytes()),
        Bson::Boolean(b) => out.push(u8::from(*b)),
        Bson::DateTime(t) => out.extend_from_slice(&((t.timestamp_millis() as u64) ^ (1 << 63)).to_be_bytes()),
        v => match number(v) {
            Some(n) => out.extend_from_slice(&number_bytes(n)),
            // Other types: equal values get equal keys (their order is not used).
            None => {
                let mut wrapper = Document::new();
                wrapper.insert("", v.clone());
                escaped(&bson::serialize_to_vec(&wrapper).unwrap_or_default(), out);
            }
        },
    }
}

/// Bytes with 0x00 escaped as 0x00 0xFF and a 0x00 0x00 end, which keeps
/// their order and lets another key follow.
fn escaped(bytes: &[u8], out: &mut Vec<u8>) {
    for b in bytes {
        out.push(*b);
        if *b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// The entries of `document` in an index over `fields`: one per element of
/// an array field (as MongoDB's multikey indexes), each followed by `id`.
/// The flag says whether an array was met. Two array fields in one index
/// are refused, as MongoDB refuses parallel arrays.
pub fn entries(document: &Document, fields: &[(String, i32)], id: &[u8]) -> Result<(Vec<Vec<u8>>, bool)> {
    let mut keys = vec![Vec::new()];
    let mut array = None;
    for (field, _) in fields {
        let values = lookup(document, field);
        let value = values.first().copied().unwrap_or(&Bson::Null);
        match value {
            Bson::Array(items) => {
                if let Some(other) = array.replace(field) {
                    return Err(StoreError::Invalid(format!("cannot index parallel arrays [{field}] [{other}]")));
                }
                let items: Vec<&Bson> = if items.is_empty() { vec![&Bson::Undefined] } else { items.iter().collect() };
                let mut grown = Vec::with_capacity(keys.len() * items.len());
                for key in &keys {
                    for item in &items {
                        let mut k = key.clone();
                        order_key(item, &mut k);
                        grown.push(k);
                    }
                }
                keys = grown;
            }
            v => keys.iter_mut().for_each(|k| order_key(v, k)),
        }
    }
    for key in &mut keys {
        key.extend_from_slice(id);
    }
    keys.sort();
    keys.dedup();
    Ok((keys, array.is_some()))
}

/// The values a filter requires fields to equal: top-level `field: value`
/// or `field: {$eq: value}`, also inside a top-level `$and`. Documents,
/// arrays and patterns are left out (they do not match by plain equality).
pub fn equalities(filter: &Document) -> Vec<(&str, &Bson)> {
    let mut out = Vec::new();
    for (field, condition) in filter {
        if field == "$and" {
            if let Bson::Array(parts) = condition {
                for part in parts {
                    if let Bson::Document(d) = part {
                        out.extend(equalities(d));
                    }
                }
            }
            continue;
        }
        if field.starts_with('$') {
            continue;
        }
        let value = match condition {
            Bson::Document(d) if d.len() == 1 && d.contains_key("$eq") => d.get("$eq"),
            other => Some(other),
        };
        if let Some(v) = value.filter(|v| !matches!(v, Bson::Document(_) | Bson::Array(_) | Bson::RegularExpression(_)))
        {
            out.push((field.as_str(), v));
        }
    }
    out
}

/// How to read a query from an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The index, by position in the collection's indexes.
    pub index: usize,
    /// The key range: the leading fields' values.
    pub prefix: Vec<u8>,
    /// When the range comes in the sort's order: whether to read it backwards.
    pub ordered: Option<bool>,
    /// Whether the range holds exactly the matches, so counting its keys
    /// counts them (the filter is only these equalities, on a plain index).
    pub covered: bool,
}

/// The best index for `filter` and `sort` among `indexes` (`multikey[i]`
/// when index `i` has met an array): the one whose leading fields the most
/// equalities fix, preferring one that also gives the sort's order.
pub fn choose(indexes: &[(usize, &Index, bool)], filter: &Document, sort: &[(String, i32)]) -> Option<Plan> {
    let eq = equalities(filter);
    let mut best: Option<(usize, bool, Plan)> = None;
    for (position, index, multikey) in indexes {
        let mut prefix = Vec::new();
        let mut fixed = 0;
        for (field, _) in &index.keys {
            let Some((_, value)) = eq.iter().find(|(f, _)| f == field) else { break };
            order_key(value, &mut prefix);
            fixed += 1;
        }
        if fixed == 0 {
            continue;
        }
        let rest = &index.keys[fixed..];
        let ordered = if sort.is_empty() {
            Some(false)
        } else if !multikey
            && sort.len() <= rest.len()
            && sort.iter().zip(rest).all(|((s, _), (f, _))| s == f)
            && (sort.iter().all(|(_, d)| *d > 0) || sort.iter().all(|(_, d)| *d < 0))
        {
            Some(sort[0].1 < 0)
        } else {
            None
        };
        // Counting keys is exact when the filter is these equalities, with
        // values whose keys are exact (no integer rounded past 2^53).
        let exact = |v: &Bson| match v {
            Bson::Int64(n) => n.unsigned_abs() <= 1 << 53,
            Bson::Double(_) | Bson::Decimal128(_) => false,
            _ => true,
        };
        let covered = !multikey
            && filter.len() == fixed
            && filter.iter().all(|(k, v)| {
                !k.starts_with('$')
                    && index.keys[..fixed].iter().any(|(f, _)| f == k)
                    && eq.iter().any(|(f, value)| f == k && exact(value) && *value == v)
            });
        let plan = Plan { index: *position, prefix, ordered, covered };
        let better = match &best {
            None => true,
            Some((n, has_order, _)) => (fixed, ordered.is_some()) > (*n, *has_order),
        };
        if better {
            best = Some((fixed, ordered.is_some(), plan));
        }
    }
    best.map(|(_, _, plan)| plan)
}

#[cfg(test)]
mod tests {
    use bson::{bson, doc, oid::ObjectId};

    use super::*;
    use crate::order::compare;

    fn key(v: &Bson) -> Vec<u8> {
        let mut k = Vec::new();
        order_key(v, &mut k);
        k
    }

    #[test]
    fn keys_sort_as_values_do() {
        let values = vec![
            Bson::Null,
            bson!(-1e300),
            bson!(-2),
            bson!(0),
            bson!(1.5),
            bson!(2_i64),
            bson!(""),
            bson!("a"),
            bson!("a\u{0}b"),
            bson!("ab"),
            bson!("b"),
            Bson::ObjectId(ObjectId::from_bytes([1; 12])),
            bson!(false),
            bson!(true),
            Bson::DateTime(bson::DateTime::from_millis(-5)),
            Bson::DateTime(bson::DateTime::from_millis(7)),
        ];
        for pair in values.windows(2) {
            assert_eq!(compare(&pair[0], &pair[1]), std::cmp::Ordering::Less);
            assert!(key(&pair[0]) < key(&pair[1]), "{:?} < {:?}", pair[0], pair[1]);
        }
        assert_eq!(key(&bson!(1)), key(&bson!(1.0)));
        // A key followed by another still sorts by the first: "a" then "z" < "ab" then "a".
        let (mut x, mut y) = (key(&bson!("a")), key(&bson!("ab")));
        x.extend(key(&bson!("z")));
        y.extend(key(&bson!("a")));
        assert!(x < y);
    }

    #[test]
    fn arrays_give_an_entry_per_element_and_parallel_arrays_are_refused() {
        let fields = vec![("tags".to_string(), 1), ("n".to_string(), 1)];
        let (keys, multikey) = entries(&doc! {"tags": ["a", "b", "a"], "n": 1}, &fields, b"id").unwrap();
        assert!(multikey);
        assert_eq!(keys.len(), 2);
        let both = vec![("a".to_string(), 1), ("b".to_string(), 1)];
        assert!(entries(&doc! {"a": [1], "b": [2]}, &both, b"id").is_err());
    }

    #[test]
    fn the_index_fixing_most_fields_and_giving_the_order_wins() {
        let by_meter = Index { name: "m".into(), keys: vec![("meter".into(), 1)], unique: false };
        let by_meter_time =
            Index { name: "mt".into(), keys: vec![("meter".into(), 1), ("read_at".into(), -1)], unique: false };
        let indexes = [(0, &by_meter, false), (1, &by_meter_time, false)];
        let filter = doc! {"meter": "m-1"};
        let plan = choose(&indexes, &filter, &[("read_at".into(), -1)]).unwrap();
        assert_eq!((plan.index, plan.ordered, plan.covered), (1, Some(true), true));
        let plan = choose(&indexes, &doc! {"$and": [{"meter": "m-1"}, {"kwh": {"$gt": 1}}]}, &[]).unwrap();
        assert_eq!((plan.ordered, plan.covered), (Some(false), false));
        assert_eq!(choose(&indexes, &doc! {"kwh": 1}, &[]), None);
        // An index that met arrays never gives an order.
        let multikey = [(1, &by_meter_time, true)];
        assert_eq!(choose(&multikey, &filter, &[("read_at".into(), 1)]).unwrap().ordered, None);
    }
}
