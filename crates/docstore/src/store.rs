//! What a document store does, whichever backend holds the documents: the
//! operations the resources make (and no more), with MongoDB's meaning.
//!
//! Collections come into being on their first insert and read as empty
//! before it, as in MongoDB. Nothing here caches documents, counts or the
//! list of collections: on MongoDB other writers may change any of them at
//! any moment.

use async_trait::async_trait;
use bson::{Bson, Document};

use crate::FilterError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write would give two documents the same key of a unique index
    /// (`index` is the index's name, `_id_` for the primary key). Nothing
    /// of the write was applied.
    #[error("duplicate key in index {index}: {key}")]
    Duplicate { index: String, key: String },
    /// The filter, sort, projection or update is not one the store accepts.
    #[error("{0}")]
    Invalid(String),
    /// The backend failed (I/O, the MongoDB server, a corrupt record).
    #[error("{0}")]
    Backend(String),
}

impl From<FilterError> for StoreError {
    fn from(e: FilterError) -> Self {
        StoreError::Invalid(e.0)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A read: the documents matching `filter`, in `sort` order (natural order
/// when empty), after `skip`, at most `limit` of them (all when `None`),
/// each cut to `projection` when given.
#[derive(Debug, Clone, Default)]
pub struct Find {
    pub filter: Document,
    /// Fields and directions (1 ascending, -1 descending), most significant first.
    pub sort: Vec<(String, i32)>,
    /// MongoDB's projection document: `{"a": 1}` keeps `a` (and `_id`),
    /// `{"a": 0}` drops it.
    pub projection: Option<Document>,
    pub skip: u64,
    pub limit: Option<u64>,
}

impl Find {
    pub fn filter(filter: Document) -> Self {
        Find { filter, ..Find::default() }
    }
}

/// A change to one document: `$set` (dotted paths create what is missing)
/// and `$unset`.
#[derive(Debug, Clone, Default)]
pub struct Update {
    pub set: Document,
    pub unset: Vec<String>,
}

/// An index of a collection, as `mongo_indexes` declares it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Index {
    pub name: String,
    /// Fields and directions.
    pub keys: Vec<(String, i32)>,
    pub unique: bool,
}

/// A store of collections of BSON documents.
#[async_trait]
pub trait DocumentStore: Send + Sync + std::fmt::Debug {
    /// Inserts `documents` into `collection`, all or none: when one would
    /// break a unique index (or repeats an `_id`) nothing is inserted. A
    /// document without `_id` is given a new ObjectId. Returns the `_id`s in
    /// order. Acknowledged once durable.
    async fn insert(&self, collection: &str, documents: Vec<Document>) -> Result<Vec<Bson>>;

    /// The documents `find` selects.
    async fn find(&self, collection: &str, find: &Find) -> Result<Vec<Document>>;

    /// The first document matching `filter`, if any.
    async fn find_one(&self, collection: &str, filter: &Document) -> Result<Option<Document>> {
        let find = Find { limit: Some(1), ..Find::filter(filter.clone()) };
        Ok(self.find(collection, &find).await?.into_iter().next())
    }

    /// How many documents match `filter`.
    async fn count(&self, collection: &str, filter: &Document) -> Result<u64>;

    /// Runs an aggregation `pipeline` over `collection` (the stages
    /// [`crate::pipeline`] knows, on every backend).
    async fn aggregate(&self, collection: &str, pipeline: &[Document]) -> Result<Vec<Document>>;

    /// About how many documents `collection` holds, from its metadata
    /// rather than a count (MongoDB's `estimatedDocumentCount`).
    async fn estimated_count(&self, collection: &str) -> Result<u64> {
        self.count(collection, &Document::new()).await
    }

    /// Applies `update` to the first document matching `filter`; false when
    /// none matched. With the document's `_etag` in the filter this is a
    /// compare-and-set: a concurrent change makes it match nothing.
    async fn update_one(&self, collection: &str, filter: &Document, update: &Update) -> Result<bool>;

    /// Replaces the first document matching `filter` by `document` (whose
    /// `_id`, when given, must be the one it replaces); false when none matched.
    async fn replace_one(&self, collection: &str, filter: &Document, document: Document) -> Result<bool>;

    /// Deletes the documents matching `filter`; returns how many.
    async fn delete_many(&self, collection: &str, filter: &Document) -> Result<u64>;

    /// Creates `index` on `collection` unless an index of that name exists.
    /// A unique index over documents that already repeat a key is refused.
    async fn create_index(&self, collection: &str, index: &Index) -> Result<()>;

    /// Drops `collection` and its indexes; dropping a missing one is no error.
    async fn drop_collection(&self, collection: &str) -> Result<()>;
}

/// The `_id` a filter names by equality (`{"_id": v}`, also inside a
/// top-level `$and`), which a store can fetch by its key instead of scanning.
pub fn id_equality(filter: &Document) -> Option<&Bson> {
    fn plain(value: &Bson) -> bool {
        match value {
            Bson::Document(d) => !d.keys().any(|k| k.starts_with('$')),
            Bson::RegularExpression(_) | Bson::Array(_) => false,
            _ => true,
        }
    }
    if let Some(id) = filter.get("_id") {
        return plain(id).then_some(id);
    }
    if let Ok(all) = filter.get_array("$and") {
        return all.iter().find_map(|c| match c {
            Bson::Document(d) => id_equality(d),
            _ => None,
        });
    }
    None
}
