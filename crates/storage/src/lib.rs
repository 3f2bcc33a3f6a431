//! Storage: table data on object stores (`file://`, `s3://`, and `hdfs://`
//! with the `hdfs` feature, through a pure-Rust HDFS client).
//!
//! [`StoreRegistry`] is DataFusion's object-store registry for the engine: it
//! creates a store the first time a URL's bucket or host is used, with the
//! configured S3 credentials. [`Location`] is a directory or file URL split
//! into the store part and the object path. Writes go through [`write`].

/// The shared error type, as `crate::error` for this crate's modules.
use enma_common::error;

pub mod format;
pub mod paths;
pub mod text;
pub mod write;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use datafusion::execution::object_store::{ObjectStoreRegistry, ObjectStoreUrl};
use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use url::Url;

pub use format::StorageFormat;

use crate::error::{Error, Result};

/// Settings for `s3://` locations. Unset fields fall back to the standard
/// `AWS_*` environment variables.
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    /// e.g. `http://127.0.0.1:9000` for an S3-compatible server.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allow plain HTTP endpoints (test servers on loopback).
    pub allow_http: bool,
}

impl S3Config {
    /// From `ENMA_S3_ENDPOINT`, `ENMA_S3_REGION`, `ENMA_S3_ACCESS_KEY_ID`,
    /// `ENMA_S3_SECRET_ACCESS_KEY`, `ENMA_S3_ALLOW_HTTP` (and then `AWS_*`).
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self {
            endpoint: var("ENMA_S3_ENDPOINT").or_else(|| var("AWS_ENDPOINT_URL")),
            region: var("ENMA_S3_REGION"),
            access_key_id: var("ENMA_S3_ACCESS_KEY_ID"),
            secret_access_key: var("ENMA_S3_SECRET_ACCESS_KEY"),
            allow_http: var("ENMA_S3_ALLOW_HTTP").is_some_and(|v| v == "true" || v == "1"),
        }
    }
}

/// Creates object stores on demand, one per scheme and bucket/host.
#[derive(Debug)]
pub struct StoreRegistry {
    s3: S3Config,
    stores: RwLock<HashMap<String, Arc<dyn ObjectStore>>>,
}

impl StoreRegistry {
    pub fn new(s3: S3Config) -> Self {
        Self { s3, stores: RwLock::new(HashMap::new()) }
    }

    fn create(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        match url.scheme() {
            "file" => Ok(Arc::new(LocalFileSystem::new())),
            "s3" | "s3a" => {
                let bucket = url.host_str().ok_or_else(|| Error::plan(format!("no bucket in '{url}'")))?;
                let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
                let c = &self.s3;
                if let Some(e) = &c.endpoint {
                    b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
                    if e.starts_with("http://") {
                        b = b.with_allow_http(true);
                    }
                }
                if let Some(r) = &c.region {
                    b = b.with_region(r);
                }
                if let Some(k) = &c.access_key_id {
                    b = b.with_access_key_id(k);
                }
                if let Some(s) = &c.secret_access_key {
                    b = b.with_secret_access_key(s);
                }
                if c.allow_http {
                    b = b.with_allow_http(true);
                }
                Ok(Arc::new(b.build().map_err(|e| Error::plan(format!("S3 configuration for '{url}': {e}")))?))
            }
            #[cfg(feature = "hdfs")]
            "hdfs" | "viewfs" => {
                let namenode = &url[..url::Position::AfterPort];
                let store = hdfs_native_object_store::HdfsObjectStoreBuilder::new()
                    .with_url(namenode)
                    .build()
                    .map_err(|e| Error::plan(format!("HDFS configuration for '{url}': {e}")))?;
                Ok(Arc::new(store))
            }
            #[cfg(not(feature = "hdfs"))]
            "hdfs" | "viewfs" => Err(Error::plan(format!(
                "'{url}': this build has no HDFS support; build with `cargo build --features hdfs`"
            ))),
            other => Err(Error::plan(format!("unsupported storage scheme '{other}://' in '{url}'"))),
        }
    }
}

fn store_key(url: &Url) -> String {
    format!("{}://{}", url.scheme(), &url[url::Position::BeforeHost..url::Position::AfterPort])
}

impl ObjectStoreRegistry for StoreRegistry {
    fn register_store(&self, url: &Url, store: Arc<dyn ObjectStore>) -> Option<Arc<dyn ObjectStore>> {
        self.stores.write().unwrap_or_else(PoisonError::into_inner).insert(store_key(url), store)
    }

    fn get_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        let key = store_key(url);
        if let Some(s) = self.stores.read().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(s.clone());
        }
        let store = self.create(url)?;
        self.stores.write().unwrap_or_else(PoisonError::into_inner).entry(key).or_insert(store.clone());
        Ok(store)
    }
}

/// A directory or file on an object store.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    url: Url,
}

impl Location {
    /// Parses a location as written in SQL: a URL, or an absolute local path.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.starts_with('/') {
            let url = Url::from_file_path(text).map_err(|_| Error::plan(format!("invalid path '{text}'")))?;
            return Ok(Self { url });
        }
        let url = Url::parse(text).map_err(|e| {
            Error::plan(format!(
                "invalid location '{text}': {e} (use an absolute path or a URL such as s3://bucket/dir)"
            ))
        })?;
        if url.scheme() != "file" && url.host_str().is_none_or(|h| h.is_empty()) {
            return Err(Error::plan(format!("location '{text}' has no bucket or host")));
        }
        Ok(Self { url })
    }
    /// The normalised URL text, without a trailing slash.
    pub fn as_string(&self) -> String {
        self.url.as_str().trim_end_matches('/').to_string()
    }
    pub fn url(&self) -> &Url {
        &self.url
    }
    pub fn is_local(&self) -> bool {
        self.url.scheme() == "file"
    }
    /// DataFusion's name for the store holding this location.
    #[expect(clippy::expect_used, reason = "scheme://authority of a parsed URL is a valid store URL")]
    pub fn store_url(&self) -> ObjectStoreUrl {
        ObjectStoreUrl::parse(store_key(&self.url)).expect("scheme://host is a valid object store URL")
    }
    /// The object path (no leading slash).
    pub fn path(&self) -> Path {
        Path::from_url_path(self.url.path()).unwrap_or_else(|_| Path::from(self.url.path()))
    }
    /// A child location: `name` holds one or more `/`-separated directory
    /// or file names, taken literally (a `%` in a name is a `%` on disk, as
    /// in Hive's escaped partition names). The child always lies strictly
    /// under `self`: `.`, `..` and empty names, backslashes and control
    /// characters are refused.
    pub fn child(&self, name: &str) -> Result<Location> {
        let refuse =
            || Error::plan(format!("'{}' is not a valid name for a directory under {self}", name.escape_debug()));
        let name = name.trim_start_matches('/');
        let bad_part = |part: &str| part.is_empty() || part == "." || part == "..";
        if name.chars().any(|c| c.is_control() || c == '\\') || name.split('/').any(bad_part) {
            return Err(refuse());
        }
        let mut url = self.url.clone();
        {
            let mut segments = url.path_segments_mut().map_err(|_| refuse())?;
            segments.pop_if_empty();
            for part in name.split('/') {
                segments.push(part);
            }
        }
        let child = Location { url };
        if !child.as_string().starts_with(&format!("{}/", self.as_string())) {
            return Err(refuse());
        }
        Ok(child)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_string())
    }
}

/// Files and subdirectories directly under a directory.
#[derive(Debug, Default)]
pub struct Listing {
    pub files: Vec<ObjectMeta>,
    /// Last path segment of each subdirectory.
    pub dirs: Vec<String>,
}

/// Hadoop's rule: names starting with `.` or `_` are hidden from readers.
pub fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

/// Lists a directory (non-recursive), leaving out hidden entries. A missing
/// directory lists as empty.
pub async fn list_dir(store: &dyn ObjectStore, dir: &Path) -> Result<Listing> {
    let result = match store.list_with_delimiter(Some(dir)).await {
        Ok(r) => r,
        Err(object_store::Error::NotFound { .. }) => return Ok(Listing::default()),
        Err(e) => return Err(e.into()),
    };
    let mut files: Vec<ObjectMeta> =
        result.objects.into_iter().filter(|o| o.location.filename().is_some_and(|n| !is_hidden(n))).collect();
    files.sort_by(|a, b| a.location.cmp(&b.location));
    let mut dirs: Vec<String> = result
        .common_prefixes
        .into_iter()
        .filter_map(|p| p.filename().map(str::to_string))
        .filter(|n| !is_hidden(n))
        .collect();
    dirs.sort();
    Ok(Listing { files, dirs })
}

/// Deletes every object under `dir` (recursively).
pub async fn delete_dir(store: &dyn ObjectStore, dir: &Path) -> Result<()> {
    let paths: Vec<Path> = match store.list(Some(dir)).map_ok(|m| m.location).try_collect().await {
        Ok(p) => p,
        Err(object_store::Error::NotFound { .. }) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    for p in paths {
        match store.delete(&p).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Deletes a directory and everything under it. Object stores have no
/// directories; on the local file system the emptied directories go too.
pub async fn remove_dir(store: &dyn ObjectStore, dir: &Location) -> Result<()> {
    delete_dir(store, &dir.path()).await?;
    if dir.is_local()
        && let Ok(path) = dir.url().to_file_path()
    {
        match std::fs::remove_dir_all(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locations() {
        let l = Location::parse("/tmp/x/y/").unwrap();
        assert_eq!(l.as_string(), "file:///tmp/x/y");
        assert_eq!(l.path().as_ref(), "tmp/x/y");
        let s = Location::parse("s3://bucket/a/b").unwrap();
        assert_eq!(s.store_url().as_str(), "s3://bucket/");
        assert_eq!(s.child("k=1").unwrap().path().as_ref(), "a/b/k=1");
        // Hive's escaped names are names: their `%` stays a `%` on disk.
        let escaped = l.child("k=..%2F..%2Fx").unwrap();
        assert_eq!(escaped.url().to_file_path().unwrap(), std::path::Path::new("/tmp/x/y/k=..%2F..%2Fx"));
        assert_eq!(
            l.child("a b/c#d?e").unwrap().url().to_file_path().unwrap(),
            std::path::Path::new("/tmp/x/y/a b/c#d?e")
        );
        for bad in ["..", "../x", "a/../../x", "a//b", ".", "x\\..\\y", "a\0b", ""] {
            assert!(s.child(bad).is_err(), "{bad:?} must be refused");
            assert!(l.child(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(Location::parse("relative/path").is_err());
        assert!(Location::parse("s3:///nobucket").is_err());
    }
}
