//! The MongoDB backend: each operation is one MongoDB command (the official
//! driver), so Eve, scripts and ENMA can share a database. Filters are
//! checked with [`crate::filter`] first, so both backends accept and refuse
//! the same queries.
//!
//! MongoDB has no all-or-nothing `insertMany` outside transactions (which a
//! standalone server lacks): an ordered insert that fails part-way deletes
//! the documents it inserted before it answers.

use async_trait::async_trait;
use bson::oid::ObjectId;
use bson::{Bson, Document, doc};
use futures::TryStreamExt;
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::IndexOptions;
use mongodb::{Client, Collection, Database, IndexModel};

use crate::filter::Filter;
use crate::ops::{Projection, check_sort};
use crate::store::{DocumentStore, Find, Index, Result, StoreError, Update};

/// MongoDB's code for a duplicate key.
const DUPLICATE_KEY: i32 = 11000;
/// Codes of requests MongoDB refuses as malformed (BadValue,
/// FailedToParse, TypeMismatch, ImmutableField, ...).
const BAD_REQUEST: [i32; 8] = [2, 9, 14, 52, 56, 66, 28, 16837];

/// A MongoDB database as a document store.
#[derive(Clone, Debug)]
pub struct Mongo {
    database: Database,
}

impl Mongo {
    /// Connects to `uri` (`mongodb://host:port/db`), using the database the
    /// URI names, or `database` when given.
    pub async fn connect(uri: &str, database: Option<&str>) -> Result<Mongo> {
        let client = Client::with_uri_str(uri).await.map_err(backend)?;
        let database = match database {
            Some(name) => client.database(name),
            None => client.default_database().ok_or_else(|| {
                StoreError::Invalid(format!("the MongoDB URI {uri:?} names no database (mongodb://host/db)"))
            })?,
        };
        // Fail now, not on the first request, when the server is not there.
        database.run_command(doc! {"ping": 1}).await.map_err(backend)?;
        Ok(Mongo { database })
    }

    fn collection(&self, name: &str) -> Collection<Document> {
        self.database.collection(name)
    }
}

fn backend(e: mongodb::error::Error) -> StoreError {
    let code = match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => Some((w.code, w.message.clone())),
        ErrorKind::Command(c) => Some((c.code, c.message.clone())),
        ErrorKind::InsertMany(m) => {
            m.write_errors.as_ref().and_then(|w| w.first()).map(|w| (w.code, w.message.clone()))
        }
        _ => None,
    };
    match code {
        Some((DUPLICATE_KEY, message)) => duplicate(&message),
        Some((code, message)) if BAD_REQUEST.contains(&code) => StoreError::Invalid(message),
        _ => StoreError::Backend(format!("MongoDB: {e}")),
    }
}

/// A duplicate-key error from MongoDB's message:
/// `E11000 duplicate key error collection: db.c index: name_1 dup key: { name: "x" }`.
fn duplicate(message: &str) -> StoreError {
    let index = message
        .split_once("index: ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or("_id_")
        .to_string();
    let key = message.split_once("dup key: ").map(|(_, k)| k.trim().to_string()).unwrap_or_default();
    StoreError::Duplicate { index, key }
}

fn sort_document(sort: &[(String, i32)]) -> Document {
    sort.iter().map(|(field, direction)| (field.clone(), Bson::Int32(*direction))).collect()
}

#[async_trait]
impl DocumentStore for Mongo {
    async fn insert(&self, collection: &str, mut documents: Vec<Document>) -> Result<Vec<Bson>> {
        if documents.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are given here, so a failed insert knows what to take back.
        let mut ids = Vec::with_capacity(documents.len());
        for document in &mut documents {
            let id = match document.get("_id") {
                Some(id) => id.clone(),
                None => {
                    let id = Bson::ObjectId(ObjectId::new());
                    let mut with_id = doc! {"_id": id.clone()};
                    with_id.extend(std::mem::take(document));
                    *document = with_id;
                    id
                }
            };
            ids.push(id);
        }
        let coll = self.collection(collection);
        match coll.insert_many(&documents).ordered(true).await {
            Ok(_) => Ok(ids),
            Err(e) => {
                let failed_at = match e.kind.as_ref() {
                    ErrorKind::InsertMany(m) => m.write_errors.as_ref().and_then(|w| w.first()).map(|w| w.index),
                    _ => None,
                };
                // Documents before the failing one went in: take them back.
                // Without an index (a network error) nothing is known, and
                // deleting ids that may belong to older documents would lose data.
                if let Some(failed_at) = failed_at
                    && failed_at > 0
                {
                    let inserted: Vec<Bson> = ids[..failed_at.min(ids.len())].to_vec();
                    coll.delete_many(doc! {"_id": {"$in": inserted}}).await.map_err(backend)?;
                }
                Err(backend(e))
            }
        }
    }

    async fn find(&self, collection: &str, find: &Find) -> Result<Vec<Document>> {
        Filter::parse(&find.filter)?;
        check_sort(&find.sort)?;
        if let Some(p) = &find.projection {
            Projection::parse(p)?;
        }
        let coll = self.collection(collection);
        let mut action = coll.find(find.filter.clone());
        if !find.sort.is_empty() {
            action = action.sort(sort_document(&find.sort));
        }
        if let Some(p) = &find.projection {
            action = action.projection(p.clone());
        }
        if find.skip > 0 {
            action = action.skip(find.skip);
        }
        if let Some(limit) = find.limit {
            if limit == 0 {
                return Ok(Vec::new());
            }
            action = action.limit(i64::try_from(limit).unwrap_or(i64::MAX));
        }
        let cursor = action.await.map_err(backend)?;
        cursor.try_collect().await.map_err(backend)
    }

    async fn count(&self, collection: &str, filter: &Document) -> Result<u64> {
        Filter::parse(filter)?;
        self.collection(collection).count_documents(filter.clone()).await.map_err(backend)
    }

    async fn aggregate(&self, collection: &str, pipeline: &[Document]) -> Result<Vec<Document>> {
        // The embedded store's stages only, so both backends take the same pipelines.
        crate::pipeline::check(pipeline)?;
        let cursor =
            self.collection(collection).aggregate(pipeline.to_vec()).allow_disk_use(true).await.map_err(backend)?;
        cursor.try_collect().await.map_err(backend)
    }

    async fn estimated_count(&self, collection: &str) -> Result<u64> {
        self.collection(collection).estimated_document_count().await.map_err(backend)
    }

    async fn update_one(&self, collection: &str, filter: &Document, update: &Update) -> Result<bool> {
        Filter::parse(filter)?;
        let mut change = Document::new();
        if !update.set.is_empty() {
            change.insert("$set", update.set.clone());
        }
        if !update.unset.is_empty() {
            let unset: Document = update.unset.iter().map(|f| (f.clone(), Bson::String(String::new()))).collect();
            change.insert("$unset", unset);
        }
        if change.is_empty() {
            return Ok(self.find_one(collection, filter).await?.is_some());
        }
        let result = self.collection(collection).update_one(filter.clone(), change).await.map_err(backend)?;
        Ok(result.matched_count > 0)
    }

    async fn replace_one(&self, collection: &str, filter: &Document, document: Document) -> Result<bool> {
        Filter::parse(filter)?;
        let result = self.collection(collection).replace_one(filter.clone(), document).await.map_err(backend)?;
        Ok(result.matched_count > 0)
    }

    async fn delete_many(&self, collection: &str, filter: &Document) -> Result<u64> {
        Filter::parse(filter)?;
        let result = self.collection(collection).delete_many(filter.clone()).await.map_err(backend)?;
        Ok(result.deleted_count)
    }

    async fn create_index(&self, collection: &str, index: &Index) -> Result<()> {
        check_sort(&index.keys)?;
        let options = IndexOptions::builder().name(index.name.clone()).unique(index.unique).build();
        let model = IndexModel::builder().keys(sort_document(&index.keys)).options(options).build();
        self.collection(collection).create_index(model).await.map_err(backend)?;
        Ok(())
    }

    async fn drop_collection(&self, collection: &str) -> Result<()> {
        self.collection(collection).drop().await.map_err(backend)
    }
}
