//! The REST API: SQL over HTTP and a read-only view of the metastore.
//!
//! Each area is a module with one `router()` function; [`router`] merges them
//! with the layers every request goes through (tracing, panic catching, JSON
//! error bodies, the body limit, the bearer-token check), all from
//! [`enma_http`]. Handlers only extract, call the library ([`enma_engine`],
//! [`enma_metastore`]) and map the outcome; every failure becomes an
//! [`HttpError`](enma_http::HttpError), a JSON body with a status code.
//!
//! | route | module |
//! |---|---|
//! | `GET /health` | [`health`] |
//! | `POST /v1/sql` | [`sql`], results encoded by [`encode`] |
//! | `GET /v1/databases[/{db}/tables[/{table}]]` | [`catalog`] |
//! | `GET /v1/functions[/{name}]` | [`functions`] |
//! | `POST /v1/mapreduce`, `GET /v1/mapreduce/{id}`, `GET /v1/mapreduce/jobs` | [`mapreduce`] |
//!
//! Safe by default: [`bind`] listens on loopback unless told otherwise and
//! refuses a non-loopback address when no access token is configured.
//!
//! The bound [`Server`] is an [`enma_service::Service`]: `enma serve` runs it
//! beside the other enabled services (HBase's REST and Thrift APIs) and stops
//! them together. On shutdown it stops accepting, lets requests in flight
//! finish, then stops the MapReduce jobs it started.

pub mod catalog;
pub mod cluster;
pub mod encode;
pub mod functions;
pub mod health;
pub mod mapreduce;
pub mod sql;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use enma_http::BearerToken;

use enma_common::error::{Error, Result};
use enma_engine::Engine;

/// How the REST server is set up.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on; default `127.0.0.1:7070`. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// When set, every endpoint but `GET /health` requires `Authorization: Bearer <token>`.
    /// Required when `listen` is not a loopback address.
    pub token: Option<String>,
    /// Longest time a query may take, from the request until its last result
    /// byte is written; past it the query is cancelled (504 if nothing was sent yet).
    pub query_timeout: Option<Duration>,
    /// Largest accepted request body in bytes; default 1 MiB.
    pub body_limit: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 7070)),
            token: None,
            query_timeout: None,
            body_limit: 1024 * 1024,
        }
    }
}

impl ServeConfig {
    /// Refuses configurations that would expose the server without protection.
    pub fn validate(&self) -> Result<()> {
        enma_http::check_exposure("the REST API", self.listen, self.token.as_deref())
    }
}

/// What every handler shares: the engine and the server's settings. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    engine: Engine,
    config: Arc<ServeConfig>,
    mapreduce: enma_mapreduce::Jobs,
}

impl AppState {
    pub fn new(engine: Engine, config: ServeConfig) -> Self {
        Self { engine, config: Arc::new(config), mapreduce: enma_mapreduce::Jobs::default() }
    }
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
    pub fn config(&self) -> &ServeConfig {
        &self.config
    }
    pub fn mapreduce_jobs(&self) -> &enma_mapreduce::Jobs {
        &self.mapreduce
    }
}

/// The whole API as one router, with its layers and state.
pub fn router(state: AppState) -> Router {
    let protected = Router::new()
        .merge(sql::router())
        .merge(catalog::router())
        .merge(functions::router())
        .merge(cluster::router())
        .merge(mapreduce::router())
        .route_layer(from_fn_with_state(
            BearerToken::new(state.config().token.as_deref()),
            enma_http::require_bearer_token,
        ));
    Router::new()
        .merge(protected)
        .merge(health::router())
        .fallback(enma_http::not_found)
        .method_not_allowed_fallback(enma_http::method_not_allowed)
        .layer(enma_http::body_limit(state.config().body_limit))
        .layer(from_fn(enma_http::json_errors))
        .layer(from_fn(enma_http::catch_panic))
        .layer(enma_http::trace_layer())
        .with_state(state)
}

/// The API bound to its address, not yet accepting requests. Lets callers
/// (tests, the CLI) learn the port before serving.
pub struct Server {
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    state: AppState,
}

impl Server {
    /// The address actually bound (the chosen port when `listen` had port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` completes, then stops accepting connections,
    /// lets in-flight requests finish and stops the MapReduce jobs it started.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        tracing::info!(address = %self.local_addr, "ENMA REST API listening");
        use axum::serve::ListenerExt;
        // Small request/response exchanges: do not let Nagle's algorithm hold back a reply.
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let jobs = self.state.mapreduce_jobs().clone();
        let served = axum::serve(listener, router(self.state))
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|e| Error::internal(format!("server on {} failed: {e}", self.local_addr)));
        jobs.shutdown().await;
        tracing::info!(address = %self.local_addr, "ENMA REST API stopped");
        served
    }
}

impl enma_service::Service for Server {
    fn name(&self) -> &'static str {
        "SQL API"
    }

    fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    fn serve(self: Box<Self>, shutdown: enma_service::Shutdown) -> enma_service::BoxFuture<'static, Result<()>> {
        Box::pin(self.run(shutdown.cancelled_owned()))
    }
}

/// Checks `config` and binds its address.
pub async fn bind(engine: Engine, config: ServeConfig) -> Result<Server> {
    config.validate()?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| Error::execution(format!("cannot listen on {}: {e}", config.listen)))?;
    let local_addr = listener.local_addr()?;
    Ok(Server { listener, local_addr, state: AppState::new(engine, config) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_public_address_without_token() {
        let mut config = ServeConfig { listen: "0.0.0.0:7070".parse().unwrap(), ..Default::default() };
        let err = config.validate().unwrap_err();
        assert_eq!(err.kind(), enma_common::error::ErrorKind::Forbidden);
        assert!(err.message().contains("token"), "{err}");
        config.token = Some("secret".into());
        assert!(config.validate().is_ok());
        config.token = Some(" ".into());
        assert!(config.validate().is_err());
        assert!(ServeConfig::default().validate().is_ok());
        let v6 = ServeConfig { listen: "[::1]:0".parse().unwrap(), ..Default::default() };
        assert!(v6.validate().is_ok());
    }
}
