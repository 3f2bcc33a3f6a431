//! One behaviour, two backends: every test here runs on the embedded store
//! and on MongoDB (the stand-in, or `MONGODB_URI`'s server).

use std::sync::Arc;

use bson::{Bson, Document, doc};

use crate::testing::MongoServer;
use crate::{DocumentStore, Embedded, EmbeddedOptions, Find, Index, Mongo, StoreError, Update};

struct Backends {
    stores: Vec<(&'static str, Arc<dyn DocumentStore>)>,
    _dir: tempfile::TempDir,
    _mongo: MongoServer,
}

async fn backends() -> Backends {
    let dir = tempfile::tempdir().unwrap();
    let embedded = Embedded::open(dir.path(), EmbeddedOptions::default()).unwrap();
    let server = MongoServer::start();
    let mongo = Mongo::connect(&server.fresh_database_uri(), None).await.unwrap();
    Backends { stores: vec![("embedded", Arc::new(embedded)), ("mongodb", Arc::new(mongo))], _dir: dir, _mongo: server }
}

fn names(documents: &[Document]) -> Vec<&str> {
    documents.iter().map(|d| d.get_str("name").unwrap_or("?")).collect()
}

fn people() -> Vec<Document> {
    vec![
        doc! {"_id": 1, "name": "ann", "age": 30, "tags": ["a", "b"], "address": {"city": "Oslo"}},
        doc! {"_id": 2, "name": "bob", "age": 5},
        doc! {"_id": 3, "name": "cy", "age": 41, "tags": ["b"]},
        doc! {"_id": 4, "name": "di"},
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_filter_sort_project_and_page_alike() {
    let b = backends().await;
    for (backend, store) in &b.stores {
        assert!(store.find("people", &Find::default()).await.unwrap().is_empty(), "{backend}");
        assert_eq!(store.count("people", &doc! {}).await.unwrap(), 0, "{backend}");
        let ids = store.insert("people", people()).await.unwrap();
        assert_eq!(ids, vec![Bson::Int32(1), Bson::Int32(2), Bson::Int32(3), Bson::Int32(4)], "{backend}");

        let by_age = Find { sort: vec![("age".into(), -1)], ..Find::filter(doc! {"age": {"$gte": 5}}) };
        assert_eq!(names(&store.find("people", &by_age).await.unwrap()), ["cy", "ann", "bob"], "{backend}");
        let page = Find { skip: 1, limit: Some(1), ..by_age.clone() };
        assert_eq!(names(&store.find("people", &page).await.unwrap()), ["ann"], "{backend}");
        let tagged = Find::filter(doc! {"tags": "b", "address.city": {"$exists": false}});
        assert_eq!(names(&store.find("people", &tagged).await.unwrap()), ["cy"], "{backend}");
        let either = Find {
            sort: vec![("name".into(), 1)],
            ..Find::filter(doc! {"$or": [{"age": {"$lt": 10}}, {"age": null}]})
        };
        assert_eq!(names(&store.find("people", &either).await.unwrap()), ["bob", "di"], "{backend}");
        assert_eq!(store.count("people", &doc! {"age": {"$in": [5, 41]}}).await.unwrap(), 2, "{backend}");

        let projected = Find { projection: Some(doc! {"name": 1, "address.city": 1}), ..Find::filter(doc! {"_id": 1}) };
        let got = store.find("people", &projected).await.unwrap();
        assert_eq!(got, vec![doc! {"_id": 1, "name": "ann", "address": {"city": "Oslo"}}], "{backend}");
        let without =
            Find { projection: Some(doc! {"tags": 0, "age": 0, "address": 0}), ..Find::filter(doc! {"_id": 3}) };
        assert_eq!(store.find("people", &without).await.unwrap(), vec![doc! {"_id": 3, "name": "cy"}], "{backend}");

        let one = store.find_one("people", &doc! {"_id": 2}).await.unwrap();
        assert_eq!(one.as_ref().and_then(|d| d.get_str("name").ok()), Some("bob"), "{backend}");
        assert!(store.find_one("people", &doc! {"_id": 9}).await.unwrap().is_none(), "{backend}");

        for bad in [doc! {"age": {"$bogus": 1}}, doc! {"$where": "1"}, doc! {"$or": []}] {
            let err = store.find("people", &Find::filter(bad.clone())).await.unwrap_err();
            assert!(matches!(err, StoreError::Invalid(_)), "{backend} {bad}: {err:?}");
        }
        let bad_sort = Find { sort: vec![("age".into(), 2)], ..Find::default() };
        assert!(matches!(store.find("people", &bad_sort).await, Err(StoreError::Invalid(_))), "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inserts_are_all_or_nothing_and_unique_indexes_hold() {
    let b = backends().await;
    for (backend, store) in &b.stores {
        let index = Index { name: "name_1".into(), keys: vec![("name".into(), 1)], unique: true };
        store.create_index("people", &index).await.unwrap();
        store.create_index("people", &index).await.unwrap();
        store.insert("people", vec![doc! {"_id": 1, "name": "ann"}]).await.unwrap();

        // A repeated _id, inside the payload or against the store.
        for batch in [
            vec![doc! {"_id": 2, "name": "bob"}, doc! {"_id": 2, "name": "cy"}],
            vec![doc! {"_id": 3, "name": "cy"}, doc! {"_id": 1, "name": "dan"}],
            vec![doc! {"_id": 4, "name": "eve"}, doc! {"_id": 5, "name": "ann"}],
        ] {
            let err = store.insert("people", batch.clone()).await.unwrap_err();
            assert!(matches!(err, StoreError::Duplicate { .. }), "{backend} {batch:?}: {err:?}");
            assert_eq!(store.count("people", &doc! {}).await.unwrap(), 1, "{backend}: {batch:?} left documents behind");
        }
        let err = store.insert("people", vec![doc! {"name": "ann"}]).await.unwrap_err();
        let StoreError::Duplicate { index, .. } = err else { panic!("{backend}: {err:?}") };
        // The stand-in's duplicate-key message names its own SQLite index,
        // not MongoDB's: only a real server's name can be checked.
        if *backend == "embedded" || std::env::var_os("MONGODB_URI").is_some() {
            assert_eq!(index, "name_1", "{backend}");
        }

        // New ids are ObjectIds, given in order.
        let ids = store.insert("people", vec![doc! {"name": "fay"}, doc! {"name": "gus"}]).await.unwrap();
        assert!(ids.iter().all(|id| matches!(id, Bson::ObjectId(_))), "{backend}");
        let fay = store.find_one("people", &doc! {"_id": ids[0].clone()}).await.unwrap().unwrap();
        assert_eq!(fay.get_str("name").unwrap(), "fay", "{backend}");

        // An update or replacement may not break the index either.
        let clash = Update { set: doc! {"name": "ann"}, unset: vec![] };
        let err = store.update_one("people", &doc! {"name": "fay"}, &clash).await.unwrap_err();
        assert!(matches!(err, StoreError::Duplicate { .. }), "{backend}: {err:?}");
        let err = store.replace_one("people", &doc! {"name": "gus"}, doc! {"name": "ann"}).await.unwrap_err();
        assert!(matches!(err, StoreError::Duplicate { .. }), "{backend}: {err:?}");
        assert_eq!(store.count("people", &doc! {"name": "ann"}).await.unwrap(), 1, "{backend}");

        // A unique index over documents that repeat a key is refused.
        store.insert("readings", vec![doc! {"meter": 1}, doc! {"meter": 1}]).await.unwrap();
        let meter = Index { name: "meter_1".into(), keys: vec![("meter".into(), 1)], unique: true };
        assert!(store.create_index("readings", &meter).await.is_err(), "{backend}");
        store.insert("readings", vec![doc! {"meter": 1}]).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_compare_and_set_replace_and_delete() {
    let b = backends().await;
    for (backend, store) in &b.stores {
        store
            .insert("people", vec![doc! {"_id": 1, "name": "ann", "_etag": "e1", "address": {"city": "Oslo"}}])
            .await
            .unwrap();
        // Compare-and-set on the ETag: the stale one matches nothing.
        let change = Update { set: doc! {"_etag": "e2", "address.zip": "0150"}, unset: vec!["name".into()] };
        assert!(store.update_one("people", &doc! {"_id": 1, "_etag": "e1"}, &change).await.unwrap(), "{backend}");
        assert!(!store.update_one("people", &doc! {"_id": 1, "_etag": "e1"}, &change).await.unwrap(), "{backend}");
        let got = store.find_one("people", &doc! {"_id": 1}).await.unwrap().unwrap();
        assert_eq!(got, doc! {"_id": 1, "_etag": "e2", "address": {"city": "Oslo", "zip": "0150"}}, "{backend}");

        // A replacement keeps the _id and may not change it.
        assert!(
            store
                .replace_one("people", &doc! {"_id": 1, "_etag": "e2"}, doc! {"name": "anna", "_etag": "e3"})
                .await
                .unwrap()
        );
        let got = store.find_one("people", &doc! {"_id": 1}).await.unwrap().unwrap();
        assert_eq!(got, doc! {"_id": 1, "name": "anna", "_etag": "e3"}, "{backend}");
        let moved = store.replace_one("people", &doc! {"_id": 1}, doc! {"_id": 7, "name": "x"}).await;
        assert!(matches!(moved, Err(StoreError::Invalid(_))), "{backend}: {moved:?}");
        let moved = store.update_one("people", &doc! {"_id": 1}, &Update { set: doc! {"_id": 7}, unset: vec![] }).await;
        assert!(matches!(moved, Err(StoreError::Invalid(_))), "{backend}: {moved:?}");
        assert!(!store.replace_one("people", &doc! {"_id": 9}, doc! {"name": "x"}).await.unwrap(), "{backend}");

        store.insert("people", vec![doc! {"_id": 2, "n": 1}, doc! {"_id": 3, "n": 2}]).await.unwrap();
        assert_eq!(store.delete_many("people", &doc! {"n": {"$gte": 1}}).await.unwrap(), 2, "{backend}");
        assert_eq!(store.delete_many("absent", &doc! {}).await.unwrap(), 0, "{backend}");
        assert_eq!(store.count("people", &doc! {}).await.unwrap(), 1, "{backend}");
        store.drop_collection("people").await.unwrap();
        store.drop_collection("people").await.unwrap();
        assert_eq!(store.count("people", &doc! {}).await.unwrap(), 0, "{backend}");
        store.insert("people", vec![doc! {"_id": 1}]).await.unwrap();
        assert_eq!(store.count("people", &doc! {}).await.unwrap(), 1, "{backend}");
    }
}

#[tokio::test]
async fn the_embedded_store_keeps_documents_and_indexes_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Embedded::open(dir.path(), EmbeddedOptions { sync: true }).unwrap();
        let index = Index { name: "name_1".into(), keys: vec![("name".into(), 1)], unique: true };
        store.create_index("people", &index).await.unwrap();
        store.insert("people", vec![doc! {"_id": 1, "name": "ann"}]).await.unwrap();
        let by_city = Index { name: "city".into(), keys: vec![("city".into(), 1)], unique: false };
        store.create_index("people", &by_city).await.unwrap();
        store.insert("people", vec![doc! {"_id": 2, "name": "bo", "city": ["Oslo", "Rome"]}]).await.unwrap();
    }
    let store = Embedded::open(dir.path(), EmbeddedOptions::default()).unwrap();
    assert_eq!(store.count("people", &doc! {}).await.unwrap(), 2);
    assert!(matches!(store.insert("people", vec![doc! {"name": "ann"}]).await, Err(StoreError::Duplicate { .. })));
    // The secondary index's entries (one per array element) were kept.
    assert_eq!(store.count("people", &doc! {"city": "Rome"}).await.unwrap(), 1);
    let rome = Find { sort: vec![("city".into(), 1)], ..Find::filter(doc! {"city": "Rome"}) };
    assert_eq!(store.find("people", &rome).await.unwrap().len(), 1);
}

/// A sorted page (kept in a bounded heap) is the slice of the fully sorted
/// result, ties in key order, for every page of a collection with many ties.
#[tokio::test]
async fn sorted_pages_are_slices_of_the_full_sort() {
    let dir = tempfile::tempdir().unwrap();
    let store = Embedded::open(dir.path(), EmbeddedOptions::default()).unwrap();
    let documents: Vec<Document> =
        (0..200).map(|i| doc! {"_id": i, "k": (i * 7) % 13, "m": [i % 5, 20 - i % 3]}).collect();
    store.insert("c", documents).await.unwrap();
    for sort in
        [vec![("k".to_string(), 1)], vec![("k".to_string(), -1), ("_id".to_string(), 1)], vec![("m".to_string(), -1)]]
    {
        let all = store.find("c", &Find { sort: sort.clone(), ..Find::default() }).await.unwrap();
        assert_eq!(all.len(), 200);
        for (skip, limit) in [(0, 1), (0, 25), (13, 7), (190, 25), (250, 5)] {
            let page = Find { sort: sort.clone(), skip, limit: Some(limit), ..Find::default() };
            let got = store.find("c", &page).await.unwrap();
            let expected: Vec<Document> = all.iter().skip(skip as usize).take(limit as usize).cloned().collect();
            assert_eq!(got, expected, "{sort:?} skip {skip} limit {limit}");
        }
    }
}

/// Queries a secondary index answers (equalities on its leading fields, a
/// sort on the next ones, counts) give what a scan gives, through inserts,
/// updates, deletes and array values, and across reopening; the same
/// queries on MongoDB agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indexed_queries_answer_as_scans_do() {
    let b = backends().await;
    let reading = |i: i32| {
        let mut d = doc! {"_id": i, "meter": format!("m{}", i % 7), "t": (i * 37) % 1009, "kwh": i % 5};
        if i % 11 == 0 {
            d.insert("tags", vec![Bson::String("x".into()), Bson::String(format!("t{}", i % 3))]);
        }
        d
    };
    // filter, sort, skip, limit
    type Query = (Document, Vec<(String, i32)>, u64, Option<u64>);
    let queries: Vec<Query> = vec![
        (doc! {"meter": "m3"}, vec![("t".into(), -1)], 0, Some(5)),
        (doc! {"meter": "m3"}, vec![("t".into(), 1)], 2, Some(4)),
        (doc! {"meter": "m3"}, vec![("t".into(), -1), ("kwh".into(), -1)], 0, None),
        (doc! {"meter": "m3", "kwh": {"$gt": 2}}, vec![("t".into(), 1)], 0, Some(3)),
        (doc! {"$and": [{"meter": "m5"}, {"t": {"$lt": 500}}]}, vec![("t".into(), 1)], 0, None),
        (doc! {"meter": {"$eq": "m1"}, "t": 37}, vec![], 0, None),
        (doc! {"tags": "x"}, vec![("t".into(), 1)], 0, None),
        (doc! {"tags": "t1", "meter": "m0"}, vec![("t".into(), -1)], 0, None),
        (doc! {"meter": "nobody"}, vec![("t".into(), 1)], 0, Some(3)),
    ];
    for (backend, store) in &b.stores {
        store.insert("readings", (0..150).map(reading).collect()).await.unwrap();
        let all = store.find("readings", &Find::default()).await.unwrap();
        let expected = |filter: &Document, sort: &[(String, i32)], skip: u64, limit: Option<u64>| {
            let f = crate::Filter::parse(filter).unwrap();
            let mut m: Vec<Document> = all.iter().filter(|d| f.matches(d)).cloned().collect();
            m.sort_by(|x, y| crate::ops::compare_documents(x, y, sort));
            let ids: Vec<Bson> = m.iter().map(|d| d.get("_id").unwrap().clone()).collect();
            let page: Vec<Bson> =
                ids.iter().skip(skip as usize).take(limit.unwrap_or(u64::MAX) as usize).cloned().collect();
            (page, ids.len() as u64)
        };
        let check = |label: &'static str| {
            let store = store.clone();
            let queries = queries.clone();
            let expected = &expected;
            async move {
                for (filter, sort, skip, limit) in &queries {
                    let find = Find { sort: sort.clone(), skip: *skip, limit: *limit, ..Find::filter(filter.clone()) };
                    let got: Vec<Bson> = store
                        .find("readings", &find)
                        .await
                        .unwrap()
                        .iter()
                        .map(|d| d.get("_id").unwrap().clone())
                        .collect();
                    let (page, count) = expected(filter, sort, *skip, *limit);
                    assert_eq!(got, page, "{backend} {label}: {filter} sorted {sort:?}");
                    assert_eq!(
                        store.count("readings", filter).await.unwrap(),
                        count,
                        "{backend} {label}: count {filter}"
                    );
                }
            }
        };
        check("no index").await;
        let by_meter_time =
            Index { name: "meter_t".into(), keys: vec![("meter".into(), 1), ("t".into(), -1)], unique: false };
        store.create_index("readings", &by_meter_time).await.unwrap();
        // The stand-in answers nothing once an array field is indexed (a gap
        // of nx-27017, not MongoDB's behaviour): that index is tested embedded only.
        if *backend == "embedded" {
            let tags = Index { name: "tags".into(), keys: vec![("tags".into(), 1)], unique: false };
            store.create_index("readings", &tags).await.unwrap();
        }
        check("indexed").await;
        // Writes keep the entries true.
        store
            .update_one("readings", &doc! {"_id": 3}, &Update { set: doc! {"meter": "m5", "t": 1}, unset: vec![] })
            .await
            .unwrap();
        store.delete_many("readings", &doc! {"meter": "m3", "t": {"$gt": 60}}).await.unwrap();
        store.insert("readings", (150..170).map(reading).collect()).await.unwrap();
        let all_after = store.find("readings", &Find::default()).await.unwrap();
        let f = crate::Filter::parse(&doc! {"meter": "m5"}).unwrap();
        let m5 = all_after.iter().filter(|d| f.matches(d)).count() as u64;
        assert_eq!(store.count("readings", &doc! {"meter": "m5"}).await.unwrap(), m5, "{backend}");
        let page = Find { sort: vec![("t".into(), 1)], limit: Some(1), ..Find::filter(doc! {"meter": "m5"}) };
        assert_eq!(store.find("readings", &page).await.unwrap()[0].get("_id"), Some(&Bson::Int32(3)), "{backend}");
    }
}

/// An aggregation pipeline of the stages Eve's endpoints use gives the same
/// documents on both backends; stages the embedded store lacks are refused by both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregations_agree() {
    let b = backends().await;
    let pipeline: Vec<Document> = vec![
        doc! {"$match": {"age": {"$gte": 5}}},
        doc! {"$group": {"_id": "$name", "n": {"$sum": 1}, "total": {"$sum": "$age"}, "oldest": {"$max": "$age"}}},
        doc! {"$sort": {"total": -1, "_id": 1}},
        doc! {"$facet": {"page": [{"$skip": 1}, {"$limit": 2}], "count": [{"$count": "n"}]}},
    ];
    for (backend, store) in &b.stores {
        store.insert("people", people()).await.unwrap();
        let out = store.aggregate("people", &pipeline).await.unwrap();
        assert_eq!(
            out,
            vec![
                doc! {"page": [{"_id": "ann", "n": 1, "total": 30, "oldest": 30}, {"_id": "bob", "n": 1, "total": 5, "oldest": 5}],
                "count": [{"n": 3}]}
            ],
            "{backend}"
        );
        let unwound = store
            .aggregate(
                "people",
                &[
                    doc! {"$unwind": "$tags"},
                    doc! {"$group": {"_id": "$tags", "n": {"$sum": 1}}},
                    doc! {"$sort": {"_id": 1}},
                ],
            )
            .await
            .unwrap();
        assert_eq!(unwound, vec![doc! {"_id": "a", "n": 1}, doc! {"_id": "b", "n": 2}], "{backend}");
        assert!(
            matches!(store.aggregate("people", &[doc! {"$out": "x"}]).await, Err(StoreError::Invalid(_))),
            "{backend}"
        );
    }
}
