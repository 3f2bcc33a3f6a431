//! Eve-compatible REST resources (issue 18): an Eve settings file served
//! with Eve's URLs, envelopes, validation and ETags, over a document store
//! — MongoDB, where Eve and ENMA can share a database, or the embedded
//! store in the data directory.
//!
//! | piece | module |
//! |---|---|
//! | Eve's settings and their defaults | [`settings`] |
//! | the query string: `where` (JSON and Python syntax), `sort`, `projection`, pages | [`query`] |
//! | Cerberus validation as Eve runs it, with Cerberus's messages | [`validate`] |
//! | Python's ways with JSON, numbers and reprs, which Eve's answers show | [`py`] |
//! | Eve's ETag | [`etag`] |
//! | keyset pagination (`?after=`), beyond Eve | [`keyset`] |
//! | the OpenAPI 3.1 document of the settings, beyond Eve | [`openapi`] |
//! | a change feed per resource as server-sent events, beyond Eve | [`feed`] |
//! | stored values as Eve writes them in JSON | [`render`] |
//! | who may call what: Eve's Basic and Token auth, roles, `auth_field` | [`auth`] |
//! | document versions in the shadow collection | [`versioning`] |
//! | resources as HiveQL tables (`resources.<name>`) | [`sql`] |
//! | Eve's rate limits, counted in the process | [`ratelimit`] |
//! | Eve's XML representation | [`xml`] |
//! | the HTTP endpoints | [`api`] |

pub mod api;
pub mod auth;
pub mod etag;
pub mod feed;
pub mod keyset;
pub mod openapi;
pub mod py;
pub mod query;
pub mod ratelimit;
pub mod render;
pub mod settings;
pub mod sql;
pub mod validate;
pub mod versioning;
pub mod xml;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use enma_common::error::{Error, Result};
use enma_docstore::DocumentStore;
use enma_service::{BoxFuture, Service, Shutdown};

pub use api::Api;
pub use settings::Settings;

/// The default address: Eve's port, on loopback.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:5000";

/// How the resources are served.
#[derive(Debug, Clone)]
pub struct ResourcesConfig {
    /// The largest request body, in bytes.
    pub body_limit: usize,
}

impl Default for ResourcesConfig {
    fn default() -> Self {
        ResourcesConfig { body_limit: 64 << 20 }
    }
}

/// The API of `settings` over `store`, its `mongo_indexes` created: what
/// the HTTP router and the SQL tables ([`sql::ResourceHandler`]) share.
pub async fn open_api(settings: Settings, store: Arc<dyn DocumentStore>, config: &ResourcesConfig) -> Result<Arc<Api>> {
    let api = api::Api::new(settings, store, config.body_limit).map_err(Error::execution)?;
    api.create_indexes().await.map_err(|e| Error::execution(format!("mongo_indexes: {e}")))?;
    Ok(Arc::new(api))
}

/// The router of the API over `store`.
pub async fn router(settings: Settings, store: Arc<dyn DocumentStore>, config: &ResourcesConfig) -> Result<Router> {
    Ok(api_router(open_api(settings, store, config).await?))
}

/// The HTTP router of an opened API.
pub fn api_router(api: Arc<Api>) -> Router {
    Router::new()
        .fallback(api::handle)
        .with_state(api)
        .layer(axum::middleware::from_fn(enma_http::catch_panic))
        .layer(enma_http::trace_layer())
}

/// The resources bound to their address, not yet serving: a [`Service`]
/// that `enma serve --resources FILE` runs beside the SQL API.
pub struct ResourcesServer {
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    router: Router,
    api: Arc<Api>,
}

/// Binds `address` for the resources of `settings` over `store`. Off
/// loopback it is refused unless the settings have `AUTH`.
pub async fn bind(
    address: SocketAddr,
    settings: Settings,
    store: Arc<dyn DocumentStore>,
    config: ResourcesConfig,
) -> Result<ResourcesServer> {
    let api = open_api(settings, store, &config).await?;
    bind_api(address, api).await
}

/// [`bind`] for an opened API (shared with the SQL tables).
pub async fn bind_api(address: SocketAddr, api: Arc<Api>) -> Result<ResourcesServer> {
    if api.settings.auth.is_none() && !address.ip().is_loopback() {
        return Err(Error::forbidden(format!(
            "refusing to serve the resource API on {address} without authentication: give the settings an AUTH key \
             (Eve's Basic or Token auth; see the resources guide) or use a loopback address such as 127.0.0.1"
        )));
    }
    let router = api_router(api.clone());
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| Error::execution(format!("cannot listen on {address} for the resource API: {e}")))?;
    let local_addr = listener.local_addr()?;
    Ok(ResourcesServer { listener, local_addr, router, api })
}

impl Service for ResourcesServer {
    fn name(&self) -> &'static str {
        "resource API"
    }

    fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    fn serve(self: Box<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move {
            let address = self.local_addr;
            // Open change feeds would hold the graceful shutdown until its grace ran out.
            let (api, stopping) = (self.api.clone(), shutdown.clone());
            tokio::spawn(async move {
                stopping.cancelled().await;
                api.close_feeds();
            });
            // The client's address goes into OPLOG entries.
            axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(shutdown.cancelled_owned())
                .await
                .map_err(|e| Error::execution(format!("resource API on {address} failed: {e}")))
        })
    }
}

/// The store the resources live in: the MongoDB database `mongodb_uri`
/// names (or the settings' `MONGO_DBNAME` on its server), else the embedded
/// store in `data_dir/resources`.
pub async fn open_store(
    mongodb_uri: Option<&str>,
    data_dir: &std::path::Path,
    settings: &Settings,
) -> Result<Arc<dyn DocumentStore>> {
    match mongodb_uri {
        Some(uri) => {
            let store = enma_docstore::Mongo::connect(uri, settings.mongo_dbname.as_deref())
                .await
                .map_err(|e| Error::execution(format!("cannot open the MongoDB database at {uri}: {e}")))?;
            Ok(Arc::new(store))
        }
        None => {
            let dir = data_dir.join("resources");
            let store = enma_docstore::Embedded::open(&dir, enma_docstore::EmbeddedOptions::default())
                .map_err(|e| Error::execution(format!("cannot open the resource store in {}: {e}", dir.display())))?;
            Ok(Arc::new(store))
        }
    }
}
