//! The embedded store: collections in fjall keyspaces in the data directory,
//! queried with [`crate::filter`] and ordered with [`crate::ops`].
//!
//! Each collection is a keyspace of documents (key: the `_id`'s value key,
//! value: the BSON bytes); each unique index is a keyspace of index keys to
//! `_id` keys; each other index a keyspace of entries (see [`crate::plan`])
//! that queries with equalities on its leading fields read instead of the
//! collection. The `meta` keyspace names the collections and their indexes.
//! Writes take one lock, check unique keys against the store and inside the
//! write, and commit as one fjall batch: a write is all or nothing, and it
//! is in the journal before it is acknowledged (synced when asked).

use std::collections::{BTreeMap, BinaryHeap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use async_trait::async_trait;
use bson::oid::ObjectId;
use bson::{Bson, Document};
use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode};
use serde::{Deserialize, Serialize};

use crate::filter::Filter;
use crate::ops::{Projection, apply_update, check_sort, compare_documents, describe_key, index_key, value_key};
use crate::plan::{self, Plan};
use crate::store::{DocumentStore, Find, Index, Result, StoreError, Update, id_equality};

const META_COLLECTION: &str = "collection/";
const META_NEXT_ID: &str = "next_id";
const PRIMARY: &str = "_id_";

impl From<fjall::Error> for StoreError {
    fn from(e: fjall::Error) -> Self {
        StoreError::Backend(format!("embedded store: {e}"))
    }
}

impl From<bson::error::Error> for StoreError {
    fn from(e: bson::error::Error) -> Self {
        StoreError::Backend(format!("embedded store: a stored document does not decode: {e}"))
    }
}

/// How the embedded store is opened.
#[derive(Debug, Clone, Default)]
pub struct EmbeddedOptions {
    /// Sync the journal on every write (survives power loss, not only a
    /// killed process), at the cost of an fsync per write.
    pub sync: bool,
}

/// The embedded store; cheap to clone.
#[derive(Clone)]
pub struct Embedded {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedded").finish_non_exhaustive()
    }
}

struct Inner {
    db: Database,
    meta: Keyspace,
    collections: RwLock<BTreeMap<String, Arc<Collection>>>,
    write: Mutex<()>,
    next_id: Mutex<u64>,
    persist: PersistMode,
}

struct Collection {
    id: u64,
    docs: Keyspace,
    indexes: Vec<Index>,
    /// The keyspaces of the unique indexes, by position in `indexes`.
    unique: Vec<(usize, Keyspace)>,
    /// The keyspaces of the other indexes, by position in `indexes`.
    secondary: Vec<(usize, Keyspace)>,
    /// The indexes that have met an array (their entries give no order).
    multikey: Mutex<HashSet<String>>,
}

/// What `meta` records for a collection.
#[derive(Serialize, Deserialize)]
struct CollectionMeta {
    id: u64,
    indexes: Vec<Index>,
    #[serde(default)]
    multikey: Vec<String>,
}

fn docs_keyspace(id: u64) -> String {
    format!("d{id}")
}

fn index_keyspace(id: u64, name: &str) -> String {
    format!("i{id}_{}", safe_name(name))
}

fn secondary_keyspace(id: u64, name: &str) -> String {
    format!("x{id}_{}", safe_name(name))
}

/// Index names are the user's: keyspaces take a safe form of them.
fn safe_name(name: &str) -> String {
    let safe: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).take(64).collect();
    format!("{safe}_{}", name.len())
}

fn id_key(id: &Bson) -> Vec<u8> {
    let mut key = Vec::new();
    value_key(id, &mut key);
    key
}

fn decode(bytes: &[u8]) -> Result<Document> {
    Ok(Document::from_reader(&mut &bytes[..])?)
}

fn encode(document: &Document) -> Result<Vec<u8>> {
    document.to_vec().map_err(|e| StoreError::Invalid(format!("the document does not encode as BSON: {e}")))
}

impl Embedded {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: impl AsRef<Path>, options: EmbeddedOptions) -> Result<Embedded> {
        let db = Database::builder(dir.as_ref()).open()?;
        let meta = db.keyspace("meta", KeyspaceCreateOptions::default)?;
        let mut collections = BTreeMap::new();
        let mut next_id = 1;
        for item in meta.prefix(META_COLLECTION) {
            let (key, value) = item.into_inner()?;
            let name = String::from_utf8_lossy(&key[META_COLLECTION.len()..]).into_owned();
            let m: CollectionMeta = serde_json::from_slice(&value)
                .map_err(|e| StoreError::Backend(format!("embedded store: collection {name}'s record: {e}")))?;
            next_id = next_id.max(m.id + 1);
            let collection = open_collection(&db, m.id, m.indexes, m.multikey)?;
            collections.insert(name, Arc::new(collection));
        }
        if let Some(v) = meta.get(META_NEXT_ID)? {
            let id = std::str::from_utf8(&v).ok().and_then(|s| s.parse::<u64>().ok());
            next_id = next_id.max(id.ok_or_else(|| StoreError::Backend("embedded store: bad next id".into()))?);
        }
        let persist = if options.sync { PersistMode::SyncData } else { PersistMode::Buffer };
        Ok(Embedded {
            inner: Arc::new(Inner {
                db,
                meta,
                collections: RwLock::new(collections),
                write: Mutex::new(()),
                next_id: Mutex::new(next_id),
                persist,
            }),
        })
    }

    /// Runs `f` on the store off the async runtime's threads.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&Inner) -> Result<T> + Send + 'static) -> Result<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| StoreError::Backend(format!("embedded store task failed: {e}")))?
    }
}

fn open_collection(db: &Database, id: u64, indexes: Vec<Index>, multikey: Vec<String>) -> Result<Collection> {
    let docs = db.keyspace(&docs_keyspace(id), KeyspaceCreateOptions::default)?;
    let mut unique = Vec::new();
    let mut secondary = Vec::new();
    let mut multikey: HashSet<String> = multikey.into_iter().collect();
    for (i, index) in indexes.iter().enumerate() {
        if index.unique {
            unique.push((i, db.keyspace(&index_keyspace(id, &index.name), KeyspaceCreateOptions::default)?));
            continue;
        }
        let name = secondary_keyspace(id, &index.name);
        let built = db.keyspace_exists(&name);
        let keyspace = db.keyspace(&name, KeyspaceCreateOptions::default)?;
        if !built && build_secondary(db, &docs, &keyspace, index)? {
            // A store from before secondary indexes: built on first open.
            multikey.insert(index.name.clone());
        }
        secondary.push((i, keyspace));
    }
    Ok(Collection { id, docs, indexes, unique, secondary, multikey: Mutex::new(multikey) })
}

/// Writes the entries of every document of `docs` in `index`; whether an array was met.
fn build_secondary(db: &Database, docs: &Keyspace, keyspace: &Keyspace, index: &Index) -> Result<bool> {
    let mut batch = db.batch();
    let mut multikey = false;
    for item in docs.iter() {
        let (key, value) = item.into_inner()?;
        let (keys, array) = plan::entries(&decode(&value)?, &index.keys, &key)?;
        multikey |= array;
        for k in keys {
            batch.insert(keyspace, k, key.to_vec());
        }
    }
    batch.durability(Some(PersistMode::SyncAll)).commit()?;
    Ok(multikey)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Inner {
    fn collection(&self, name: &str) -> Option<Arc<Collection>> {
        self.collections.read().unwrap_or_else(|p| p.into_inner()).get(name).cloned()
    }

    /// The collection, created when missing. Call with the write lock held.
    fn collection_for_write(&self, name: &str) -> Result<Arc<Collection>> {
        if let Some(c) = self.collection(name) {
            return Ok(c);
        }
        if name.is_empty() || name.len() > 255 || name.contains('\0') || name.starts_with("system.") {
            return Err(StoreError::Invalid(format!("invalid collection name {name:?}")));
        }
        let mut next = lock(&self.next_id);
        let id = *next;
        let collection = open_collection(&self.db, id, Vec::new(), Vec::new())?;
        self.save_meta(name, &collection, Some(id + 1))?;
        *next = id + 1;
        let collection = Arc::new(collection);
        self.collections.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), collection.clone());
        Ok(collection)
    }

    fn save_meta(&self, name: &str, collection: &Collection, next_id: Option<u64>) -> Result<()> {
        let multikey = lock(&collection.multikey).iter().cloned().collect();
        let record = CollectionMeta { id: collection.id, indexes: collection.indexes.clone(), multikey };
        let record = serde_json::to_vec(&record).map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut batch = self.db.batch();
        batch.insert(&self.meta, format!("{META_COLLECTION}{name}"), record);
        if let Some(next) = next_id {
            batch.insert(&self.meta, META_NEXT_ID, next.to_string());
        }
        batch.durability(Some(PersistMode::SyncAll)).commit()?;
        Ok(())
    }

    /// The documents matching `filter`, with their keys, in key order;
    /// stops after `stop_after` when given.
    fn scan(
        &self,
        collection: &Collection,
        filter: &Document,
        stop_after: Option<u64>,
    ) -> Result<Vec<(Vec<u8>, Document)>> {
        let mut out = Vec::new();
        if stop_after == Some(0) {
            Filter::parse(filter)?;
            return Ok(out);
        }
        self.visit(collection, filter, |key, document| {
            out.push((key.to_vec(), document));
            stop_after.is_none_or(|n| (out.len() as u64) < n)
        })?;
        Ok(out)
    }

    /// Calls `each` with every document matching `filter`, in key order,
    /// until it returns false. A filter naming one `_id` reads one key.
    fn visit(
        &self,
        collection: &Collection,
        filter: &Document,
        mut each: impl FnMut(&[u8], Document) -> bool,
    ) -> Result<()> {
        let checked = Filter::parse(filter)?;
        if let Some(id) = id_equality(filter) {
            let key = id_key(id);
            if let Some(bytes) = collection.docs.get(&key)? {
                let document = decode(&bytes)?;
                if checked.matches(&document) {
                    each(&key, document);
                }
            }
            return Ok(());
        }
        if let Some((plan, keyspace, dedupe)) = self.plan(collection, filter, &[]) {
            return self.visit_range(collection, keyspace, &plan.prefix, false, dedupe, &checked, each);
        }
        for item in collection.docs.iter() {
            let (key, value) = item.into_inner()?;
            let document = decode(&value)?;
            if checked.matches(&document) && !each(&key, document) {
                break;
            }
        }
        Ok(())
    }

    /// The index to read `filter` (and `sort`) from, its keyspace, and
    /// whether its entries may repeat a document (it has met arrays).
    fn plan<'c>(
        &self,
        collection: &'c Collection,
        filter: &Document,
        sort: &[(String, i32)],
    ) -> Option<(Plan, &'c Keyspace, bool)> {
        if collection.secondary.is_empty() {
            return None;
        }
        let multikey = lock(&collection.multikey).clone();
        let candidates: Vec<(usize, &Index, bool)> = collection
            .secondary
            .iter()
            .map(|(i, _)| {
                let index = &collection.indexes[*i];
                (*i, index, multikey.contains(&index.name))
            })
            .collect();
        let plan = plan::choose(&candidates, filter, sort)?;
        let keyspace = collection.secondary.iter().find(|(i, _)| *i == plan.index).map(|(_, k)| k)?;
        let dedupe = multikey.contains(&collection.indexes[plan.index].name);
        Some((plan, keyspace, dedupe))
    }

    /// Calls `each` with the documents of the index entries under `prefix`
    /// that match `checked`, in the entries' order (backwards when
    /// `reverse`), until it returns false.
    #[allow(clippy::too_many_arguments)]
    fn visit_range(
        &self,
        collection: &Collection,
        keyspace: &Keyspace,
        prefix: &[u8],
        reverse: bool,
        dedupe: bool,
        checked: &Filter,
        mut each: impl FnMut(&[u8], Document) -> bool,
    ) -> Result<()> {
        let mut seen = HashSet::new();
        let mut step = |item: fjall::Guard| -> Result<bool> {
            let (_, key) = item.into_inner()?;
            if dedupe && !seen.insert(key.to_vec()) {
                return Ok(true);
            }
            let Some(bytes) = collection.docs.get(&key)? else { return Ok(true) };
            let document = decode(&bytes)?;
            Ok(!checked.matches(&document) || each(&key, document))
        };
        let entries = keyspace.prefix(prefix);
        if reverse {
            for item in entries.rev() {
                if !step(item)? {
                    break;
                }
            }
        } else {
            for item in entries {
                if !step(item)? {
                    break;
                }
            }
        }
        Ok(())
    }

    fn find(&self, name: &str, find: &Find) -> Result<Vec<Document>> {
        check_sort(&find.sort)?;
        let projection = find.projection.as_ref().map(Projection::parse).transpose()?;
        let Some(collection) = self.collection(name) else {
            Filter::parse(&find.filter)?;
            return Ok(Vec::new());
        };
        // Only a sorted find asks the index for its order (an unsorted one is planned by `visit`).
        let ordered = match find.sort.is_empty() {
            true => None,
            false => self.plan(&collection, &find.filter, &find.sort).and_then(|(plan, keyspace, dedupe)| {
                plan.ordered.map(|reverse| (plan.prefix, keyspace, reverse, dedupe))
            }),
        };
        let documents = match (find.sort.is_empty(), find.limit) {
            // An index gives the sort's order: read the page and stop.
            (false, limit) if let Some((prefix, keyspace, reverse, dedupe)) = ordered => {
                let keep = limit.map_or(u64::MAX, |l| find.skip.saturating_add(l));
                let checked = Filter::parse(&find.filter)?;
                let mut out = Vec::new();
                if keep > 0 {
                    self.visit_range(&collection, keyspace, &prefix, reverse, dedupe, &checked, |_, d| {
                        out.push(d);
                        (out.len() as u64) < keep
                    })?;
                }
                out
            }
            (true, limit) => {
                let stop_after = limit.map(|l| find.skip.saturating_add(l));
                self.scan(&collection, &find.filter, stop_after)?.into_iter().map(|(_, d)| d).collect()
            }
            // A sorted page keeps only the best `skip + limit` documents.
            (false, Some(limit)) => {
                let keep = usize::try_from(find.skip.saturating_add(limit)).unwrap_or(usize::MAX);
                let mut best = BinaryHeap::new();
                let mut seq = 0u64;
                self.visit(&collection, &find.filter, |_, document| {
                    if keep > 0 {
                        best.push(Ranked { document, seq, sort: &find.sort });
                        seq += 1;
                        if best.len() > keep {
                            best.pop();
                        }
                    }
                    true
                })?;
                best.into_sorted_vec().into_iter().map(|r| r.document).collect()
            }
            (false, None) => {
                let mut documents: Vec<Document> =
                    self.scan(&collection, &find.filter, None)?.into_iter().map(|(_, d)| d).collect();
                documents.sort_by(|a, b| compare_documents(a, b, &find.sort));
                documents
            }
        };
        let skip = usize::try_from(find.skip).unwrap_or(usize::MAX);
        let limit = find.limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        Ok(documents
            .into_iter()
            .skip(skip)
            .take(limit)
            .map(|d| match &projection {
                Some(p) => p.apply(d),
                None => d,
            })
            .collect())
    }

    fn count(&self, name: &str, filter: &Document) -> Result<u64> {
        let Some(collection) = self.collection(name) else {
            Filter::parse(filter)?;
            return Ok(0);
        };
        if filter.is_empty() {
            let mut n = 0;
            for item in collection.docs.iter() {
                item.key()?;
                n += 1;
            }
            return Ok(n);
        }
        if let Some((plan, keyspace, _)) = self.plan(&collection, filter, &[])
            && plan.covered
        {
            Filter::parse(filter)?;
            let mut n = 0;
            for item in keyspace.prefix(&plan.prefix) {
                item.key()?;
                n += 1;
            }
            return Ok(n);
        }
        let mut n = 0;
        self.visit(&collection, filter, |_, _| {
            n += 1;
            true
        })?;
        Ok(n)
    }

    fn insert(&self, name: &str, documents: Vec<Document>) -> Result<Vec<Bson>> {
        let _write = lock(&self.write);
        let collection = self.collection_for_write(name)?;
        let mut batch = self.db.batch();
        let mut ids = Vec::with_capacity(documents.len());
        let mut seen_ids = HashSet::new();
        let mut seen_keys: Vec<HashSet<Vec<u8>>> = vec![HashSet::new(); collection.unique.len()];
        let mut newly_multikey = HashSet::new();
        for mut document in documents {
            let id = match document.get("_id") {
                Some(id) => id.clone(),
                None => {
                    let id = Bson::ObjectId(ObjectId::new());
                    let mut with_id = Document::new();
                    with_id.insert("_id", id.clone());
                    with_id.extend(document);
                    document = with_id;
                    id
                }
            };
            if matches!(id, Bson::Array(_) | Bson::RegularExpression(_)) {
                return Err(StoreError::Invalid(format!("an _id cannot be {id}")));
            }
            let key = id_key(&id);
            if !seen_ids.insert(key.clone()) || collection.docs.contains_key(&key)? {
                return Err(StoreError::Duplicate { index: PRIMARY.into(), key: format!("{{ _id: {id} }}") });
            }
            for (slot, (i, keyspace)) in collection.unique.iter().enumerate() {
                let fields = &collection.indexes[*i].keys;
                let ikey = index_key(&document, fields);
                if !seen_keys[slot].insert(ikey.clone()) || keyspace.contains_key(&ikey)? {
                    return Err(duplicate(&collection.indexes[*i], &document));
                }
                batch.insert(keyspace, ikey, key.clone());
            }
            for (i, keyspace) in &collection.secondary {
                let (entries, array) = plan::entries(&document, &collection.indexes[*i].keys, &key)?;
                if array {
                    newly_multikey.insert(collection.indexes[*i].name.clone());
                }
                for entry in entries {
                    batch.insert(keyspace, entry, key.clone());
                }
            }
            batch.insert(&collection.docs, key, encode(&document)?);
            ids.push(id);
        }
        batch.durability(Some(self.persist)).commit()?;
        self.note_multikey(name, &collection, newly_multikey)?;
        Ok(ids)
    }

    /// Replaces the first document matching `filter` by what `change` makes
    /// of it, keeping the unique indexes true.
    fn change_one(
        &self,
        name: &str,
        filter: &Document,
        change: impl FnOnce(&Document) -> Result<Document>,
    ) -> Result<bool> {
        let _write = lock(&self.write);
        let Some(collection) = self.collection(name) else {
            Filter::parse(filter)?;
            return Ok(false);
        };
        let Some((key, old)) = self.scan(&collection, filter, Some(1))?.into_iter().next() else {
            return Ok(false);
        };
        let new = change(&old)?;
        let mut batch = self.db.batch();
        for (i, keyspace) in &collection.unique {
            let index = &collection.indexes[*i];
            let (old_key, new_key) = (index_key(&old, &index.keys), index_key(&new, &index.keys));
            if old_key != new_key {
                if keyspace.contains_key(&new_key)? {
                    return Err(duplicate(index, &new));
                }
                batch.remove(keyspace, old_key);
                batch.insert(keyspace, new_key, key.clone());
            }
        }
        let mut newly_multikey = HashSet::new();
        for (i, keyspace) in &collection.secondary {
            let fields = &collection.indexes[*i].keys;
            let (old_entries, _) = plan::entries(&old, fields, &key)?;
            let (new_entries, array) = plan::entries(&new, fields, &key)?;
            if array {
                newly_multikey.insert(collection.indexes[*i].name.clone());
            }
            if old_entries != new_entries {
                for entry in old_entries {
                    batch.remove(keyspace, entry);
                }
                for entry in new_entries {
                    batch.insert(keyspace, entry, key.clone());
                }
            }
        }
        batch.insert(&collection.docs, key, encode(&new)?);
        batch.durability(Some(self.persist)).commit()?;
        self.note_multikey(name, &collection, newly_multikey)?;
        Ok(true)
    }

    fn delete_many(&self, name: &str, filter: &Document) -> Result<u64> {
        let _write = lock(&self.write);
        let Some(collection) = self.collection(name) else {
            Filter::parse(filter)?;
            return Ok(0);
        };
        let matches = self.scan(&collection, filter, None)?;
        let mut batch = self.db.batch();
        for (key, document) in &matches {
            for (i, keyspace) in &collection.unique {
                batch.remove(keyspace, index_key(document, &collection.indexes[*i].keys));
            }
            for (i, keyspace) in &collection.secondary {
                for entry in plan::entries(document, &collection.indexes[*i].keys, key)?.0 {
                    batch.remove(keyspace, entry);
                }
            }
            batch.remove(&collection.docs, key.clone());
        }
        batch.durability(Some(self.persist)).commit()?;
        Ok(matches.len() as u64)
    }

    fn create_index(&self, name: &str, index: &Index) -> Result<()> {
        check_sort(&index.keys)?;
        if index.keys.is_empty() || index.name.is_empty() {
            return Err(StoreError::Invalid("an index needs a name and at least one key".into()));
        }
        let _write = lock(&self.write);
        let collection = self.collection_for_write(name)?;
        if collection.indexes.iter().any(|i| i.name == index.name) {
            return Ok(());
        }
        let mut indexes = collection.indexes.clone();
        indexes.push(index.clone());
        if index.unique {
            let keyspace =
                self.db.keyspace(&index_keyspace(collection.id, &index.name), KeyspaceCreateOptions::default)?;
            let mut seen = HashSet::new();
            let mut batch = self.db.batch();
            for item in collection.docs.iter() {
                let (key, value) = item.into_inner()?;
                let document = decode(&value)?;
                let ikey = index_key(&document, &index.keys);
                if !seen.insert(ikey.clone()) {
                    drop(batch);
                    self.db.delete_keyspace(keyspace)?;
                    return Err(duplicate(index, &document));
                }
                batch.insert(&keyspace, ikey, key.to_vec());
            }
            batch.durability(Some(PersistMode::SyncAll)).commit()?;
        }
        let multikey = lock(&collection.multikey).iter().cloned().collect();
        let updated = open_collection(&self.db, collection.id, indexes, multikey)?;
        self.save_meta(name, &updated, None)?;
        self.collections.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), Arc::new(updated));
        Ok(())
    }

    fn drop_collection(&self, name: &str) -> Result<()> {
        let _write = lock(&self.write);
        let Some(collection) = self.collection(name) else { return Ok(()) };
        self.meta.remove(format!("{META_COLLECTION}{name}"))?;
        self.db.persist(PersistMode::SyncAll)?;
        self.collections.write().unwrap_or_else(|p| p.into_inner()).remove(name);
        self.db.delete_keyspace(collection.docs.clone())?;
        for (_, keyspace) in collection.unique.iter().chain(&collection.secondary) {
            self.db.delete_keyspace(keyspace.clone())?;
        }
        Ok(())
    }

    /// Records that indexes met an array, so they are not read for order.
    fn note_multikey(&self, name: &str, collection: &Collection, names: HashSet<String>) -> Result<()> {
        let fresh = {
            let mut known = lock(&collection.multikey);
            let before = known.len();
            known.extend(names);
            known.len() > before
        };
        if fresh { self.save_meta(name, collection, None) } else { Ok(()) }
    }
}

/// A document in a sorted page, ordered by the sort and then by when the
/// scan met it (key order), as a stable sort would leave ties.
struct Ranked<'s> {
    document: Document,
    seq: u64,
    sort: &'s [(String, i32)],
}

impl Ord for Ranked<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        compare_documents(&self.document, &other.document, self.sort).then(self.seq.cmp(&other.seq))
    }
}

impl PartialOrd for Ranked<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Ranked<'_> {}

fn duplicate(index: &Index, document: &Document) -> StoreError {
    StoreError::Duplicate { index: index.name.clone(), key: describe_key(document, &index.keys) }
}

fn replacement(old: &Document, mut document: Document) -> Result<Document> {
    let id = old.get("_id").cloned().unwrap_or(Bson::Null);
    match document.remove("_id") {
        Some(given) if given != id => {
            return Err(StoreError::Invalid(
                "After applying the update, the (immutable) field '_id' was found to have been altered".into(),
            ));
        }
        _ => {}
    }
    let mut out = Document::new();
    out.insert("_id", id);
    out.extend(document);
    Ok(out)
}

#[async_trait]
impl DocumentStore for Embedded {
    async fn insert(&self, collection: &str, documents: Vec<Document>) -> Result<Vec<Bson>> {
        let name = collection.to_string();
        self.run(move |s| s.insert(&name, documents)).await
    }

    async fn find(&self, collection: &str, find: &Find) -> Result<Vec<Document>> {
        let (name, find) = (collection.to_string(), find.clone());
        self.run(move |s| s.find(&name, &find)).await
    }

    async fn count(&self, collection: &str, filter: &Document) -> Result<u64> {
        let (name, filter) = (collection.to_string(), filter.clone());
        self.run(move |s| s.count(&name, &filter)).await
    }

    async fn aggregate(&self, collection: &str, pipeline: &[Document]) -> Result<Vec<Document>> {
        crate::pipeline::check(pipeline)?;
        let (name, pipeline) = (collection.to_string(), pipeline.to_vec());
        self.run(move |inner| {
            // A leading $match reads through the collection's indexes.
            let (filter, rest) = match pipeline.split_first() {
                Some((first, rest)) if first.len() == 1 && first.contains_key("$match") => {
                    (first.get_document("$match").cloned().unwrap_or_default(), rest)
                }
                _ => (Document::new(), &pipeline[..]),
            };
            let documents = match inner.collection(&name) {
                Some(collection) => inner.scan(&collection, &filter, None)?.into_iter().map(|(_, d)| d).collect(),
                None => Vec::new(),
            };
            crate::pipeline::run(documents, rest)
        })
        .await
    }

    async fn estimated_count(&self, collection: &str) -> Result<u64> {
        let name = collection.to_string();
        self.run(move |inner| Ok(inner.collection(&name).map_or(0, |c| c.docs.approximate_len() as u64))).await
    }

    async fn update_one(&self, collection: &str, filter: &Document, update: &Update) -> Result<bool> {
        let (name, filter, update) = (collection.to_string(), filter.clone(), update.clone());
        self.run(move |s| {
            s.change_one(&name, &filter, |old| {
                let mut new = old.clone();
                apply_update(&mut new, &update.set, &update.unset)?;
                Ok(new)
            })
        })
        .await
    }

    async fn replace_one(&self, collection: &str, filter: &Document, document: Document) -> Result<bool> {
        let (name, filter) = (collection.to_string(), filter.clone());
        self.run(move |s| s.change_one(&name, &filter, |old| replacement(old, document))).await
    }

    async fn delete_many(&self, collection: &str, filter: &Document) -> Result<u64> {
        let (name, filter) = (collection.to_string(), filter.clone());
        self.run(move |s| s.delete_many(&name, &filter)).await
    }

    async fn create_index(&self, collection: &str, index: &Index) -> Result<()> {
        let (name, index) = (collection.to_string(), index.clone());
        self.run(move |s| s.create_index(&name, &index)).await
    }

    async fn drop_collection(&self, collection: &str) -> Result<()> {
        let name = collection.to_string();
        self.run(move |s| s.drop_collection(&name)).await
    }
}
