//! Keyset pagination, beyond Eve (its issue tracker asks for it on large
//! collections): `?after=<cursor>` pages through a sorted collection by the
//! sort's values of the last document seen, so a page costs the same deep
//! in the collection as at its start and writes between pages neither skip
//! nor repeat documents. The cursor is opaque: the last document's sort
//! values (the id field last, as the tie-breaker) as BSON, base64url.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bson::{Bson, Document, doc};

/// The sort a keyset page reads in: the given one, the id field appended
/// as a tie-breaker (in the direction of the last field).
pub fn sort_with_tiebreak(mut sort: Vec<(String, i32)>, id_field: &str) -> Vec<(String, i32)> {
    if !sort.iter().any(|(f, _)| f == id_field) {
        let direction = sort.last().map_or(1, |(_, d)| *d);
        sort.push((id_field.to_string(), direction));
    }
    sort
}

/// The cursor after `document` in `sort`.
pub fn cursor(document: &Document, sort: &[(String, i32)]) -> String {
    let values: Vec<Bson> = sort
        .iter()
        .map(|(field, _)| enma_docstore::filter::lookup(document, field).first().map_or(Bson::Null, |v| (*v).clone()))
        .collect();
    let bytes = doc! {"v": values}.to_vec().unwrap_or_default();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The sort values a cursor holds; `None` when it is not one of `sort`'s.
pub fn decode(cursor: &str, sort: &[(String, i32)]) -> Option<Vec<Bson>> {
    if cursor.len() > 16 * 1024 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    let d = Document::from_reader(&mut bytes.as_slice()).ok()?;
    let values = d.get_array("v").ok()?.clone();
    (values.len() == sort.len()).then_some(values)
}

/// The documents after the cursor's `values` in `sort`: for each field, the
/// ones equal on the fields before it and past it on this one.
pub fn after(sort: &[(String, i32)], values: &[Bson]) -> Document {
    let mut either = Vec::with_capacity(sort.len());
    for (k, (field, direction)) in sort.iter().enumerate() {
        let mut condition = Document::new();
        for ((f, _), v) in sort[..k].iter().zip(values) {
            condition.insert(f.clone(), v.clone());
        }
        let op = if *direction < 0 { "$lt" } else { "$gt" };
        condition.insert(field.clone(), doc! {op: values[k].clone()});
        either.push(Bson::Document(condition));
    }
    doc! {"$or": either}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_select_what_follows() {
        let sort = sort_with_tiebreak(vec![("read_at".into(), -1)], "_id");
        assert_eq!(sort, vec![("read_at".to_string(), -1), ("_id".to_string(), -1)]);
        let d = doc! {"_id": 7, "read_at": "b", "kwh": 1};
        let c = cursor(&d, &sort);
        let values = decode(&c, &sort).unwrap();
        assert_eq!(values, vec![Bson::String("b".into()), Bson::Int32(7)]);
        assert_eq!(
            after(&sort, &values),
            doc! {"$or": [{"read_at": {"$lt": "b"}}, {"read_at": "b", "_id": {"$lt": 7}}]}
        );
        assert_eq!(decode("not a cursor", &sort), None);
        assert_eq!(decode(&c, &sort[..1]), None);
    }
}
