//! HBase's REST API ("Stargate") over ENMA's key-value store, so scripts and
//! libraries written for `hbase rest start` work unchanged.
//!
//! Paths, status codes and the CellSet / TableSchema / Scanner models follow
//! HBase's REST server; errors carry the same status with a JSON body
//! `{"error": {"code", "message"}}` instead of HBase's bare text line.
//!
//! | route | module |
//! |---|---|
//! | `GET /`, `/version[/cluster]`, `/status/cluster`, `/namespaces[/{ns}[/tables]]` | `admin` |
//! | `/{table}/schema`, `/{table}/regions`, `/{table}/exists` | `admin` |
//! | `/{table}/{row}[/{columns}][/{timestamps}]`, `/{table}/multiget` | `rows` |
//! | `/{table}/*`, `/{table}/{prefix}*`, `/{table}/scanner[/{id}]` | `scan` |
//!
//! Row keys and columns are bytes, so handlers read the raw request path
//! ([`spec`]) rather than axum's UTF-8 `Path`. Store calls block (fjall), so
//! each runs on tokio's blocking pool. Answers that can be as large as a
//! table (scans, row ranges, multigets) are streamed a chunk at a time
//! (`stream`), never gathered in memory. Representations: JSON, XML and, where
//! HBase has them, plain text, raw bytes and protobuf ([`format`], [`model`],
//! [`xml`], [`protobuf`]).

mod admin;
pub mod error;
pub mod format;
pub mod model;
pub mod protobuf;
mod rows;
mod scan;
pub mod spec;
mod stream;
pub mod xml;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::middleware::from_fn_with_state;
use enma_http::BearerToken;
use enma_kv::{Store, TableName};
use enma_service::{BoxFuture, Service, Shutdown};

pub use error::ApiError;

/// How the REST server is set up.
#[derive(Debug, Clone)]
pub struct RestConfig {
    /// When set, every request needs `Authorization: Bearer <token>` (401 otherwise).
    pub token: Option<String>,
    /// A stateful scanner not read for this long is closed.
    pub scanner_timeout: Duration,
    /// Most stateful scanners open at once; creating another answers 503.
    pub max_scanners: usize,
    /// Largest accepted request body in bytes.
    pub body_limit: usize,
}

impl Default for RestConfig {
    fn default() -> Self {
        RestConfig {
            token: None,
            scanner_timeout: Duration::from_secs(300),
            max_scanners: 1024,
            body_limit: 64 * 1024 * 1024,
        }
    }
}

/// What every handler shares; cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState {
    store: Store,
    config: Arc<RestConfig>,
    scanners: Arc<scan::Scanners>,
    /// When this router was built, in milliseconds: the "start code" of our one region server.
    started: i64,
}

/// The REST API as an axum router over `store`.
pub fn router(store: Store, config: RestConfig) -> Router {
    let started = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let body_limit = config.body_limit;
    let token = BearerToken::new(config.token.as_deref());
    let state = AppState { store, config: Arc::new(config), scanners: Arc::new(scan::Scanners::default()), started };
    Router::new()
        .merge(admin::router())
        .merge(scan::router())
        .merge(rows::router())
        .fallback(enma_http::not_found)
        .method_not_allowed_fallback(enma_http::method_not_allowed)
        .layer(enma_http::body_limit(body_limit))
        .layer(from_fn_with_state(token, enma_http::require_bearer_token))
        // A bug in a handler answers 500 instead of dropping the connection.
        .layer(axum::middleware::from_fn(enma_http::catch_panic))
        .layer(enma_http::trace_layer())
        .with_state(state)
}

/// Serves the REST API on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, store: Store, config: RestConfig) -> std::io::Result<()> {
    serve_until(listener, router(store, config), std::future::pending()).await
}

async fn serve_until(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Small request/response exchanges: do not let Nagle's algorithm hold back a reply.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}

/// HBase's REST API bound to its address, not yet serving: a [`Service`]
/// that `enma serve --hbase` runs beside the SQL API.
pub struct RestServer {
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    router: Router,
}

/// Binds `address` for the REST API over `store`. Off loopback it needs an
/// access token: the API reads and writes every table.
pub async fn bind(address: SocketAddr, store: Store, config: RestConfig) -> enma_common::error::Result<RestServer> {
    use enma_common::error::Error;
    enma_http::check_exposure("the HBase REST API", address, config.token.as_deref())?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| Error::execution(format!("cannot listen on {address} for the HBase REST API: {e}")))?;
    let local_addr = listener.local_addr()?;
    Ok(RestServer { listener, local_addr, router: router(store, config) })
}

impl Service for RestServer {
    fn name(&self) -> &'static str {
        "HBase REST API"
    }

    fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting on shutdown and lets requests in flight finish;
    /// open scanners go with the process.
    fn serve(self: Box<Self>, shutdown: Shutdown) -> BoxFuture<'static, enma_common::error::Result<()>> {
        Box::pin(async move {
            let address = self.local_addr;
            serve_until(self.listener, self.router, shutdown.cancelled_owned())
                .await
                .map_err(|e| enma_common::error::Error::execution(format!("HBase REST API on {address} failed: {e}")))
        })
    }
}

/// Runs a blocking store call on tokio's blocking pool. A panic in it becomes a 500.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ApiError> + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ApiError::internal(format!("store call failed: {e}")))?
}

/// The table named by the first segment of a raw path, and the raw rest after its `/`.
fn table_and_rest(path: &str) -> Result<(TableName, &str), ApiError> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let (raw, rest) = path.split_once('/').unwrap_or((path, ""));
    let name = String::from_utf8(spec::percent_decode(raw))
        .map_err(|_| ApiError::bad_request("the table name in the path is not UTF-8"))?;
    Ok((TableName::parse(&name)?, rest))
}

#[cfg(test)]
pub(crate) mod testing {
    //! A real server on a loopback port and a minimal HTTP/1.1 client, so
    //! handler tests go through routing, extractors and middleware as clients do.

    use std::net::SocketAddr;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A response as the tests look at it.
    #[derive(Debug)]
    pub struct Reply {
        pub status: u16,
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
    }

    impl Reply {
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
        }

        pub fn json(&self) -> serde_json::Value {
            serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
        }

        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.body).into_owned()
        }
    }

    /// A server over a fresh store in a temporary directory.
    pub struct Server {
        pub addr: SocketAddr,
        _dir: tempfile::TempDir,
    }

    impl Server {
        pub async fn start(config: RestConfig) -> Server {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path(), Default::default()).unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(serve(listener, store, config));
            Server { addr, _dir: dir }
        }

        pub async fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
            let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
            let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            stream.write_all(head.as_bytes()).await.unwrap();
            stream.write_all(body).await.unwrap();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await.unwrap();
            let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("response head");
            let head = String::from_utf8_lossy(&raw[..split]).into_owned();
            let mut lines = head.split("\r\n");
            let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect();
            let mut body = raw[split + 4..].to_vec();
            let chunked = headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked"));
            if chunked {
                body = dechunk(&body);
            }
            Reply { status, headers, body }
        }

        pub async fn get(&self, path: &str, accept: &str) -> Reply {
            self.call("GET", path, &[("Accept", accept)], b"").await
        }
    }

    /// The body of a chunked response; panics on a malformed or unfinished one.
    fn dechunk(mut raw: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        loop {
            let line_end = raw.windows(2).position(|w| w == b"\r\n").expect("chunk size line");
            let size = std::str::from_utf8(&raw[..line_end]).unwrap().split(';').next().unwrap().trim();
            let size = usize::from_str_radix(size, 16).unwrap();
            raw = &raw[line_end + 2..];
            if size == 0 {
                return body;
            }
            body.extend_from_slice(&raw[..size]);
            assert_eq!(&raw[size..size + 2], b"\r\n", "chunk terminator");
            raw = &raw[size + 2..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Server;
    use super::*;

    #[tokio::test]
    async fn bind_off_loopback_needs_a_token() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), enma_kv::StoreOptions::default()).unwrap();
        let public: SocketAddr = "0.0.0.0:0".parse().unwrap();
        let err = bind(public, store.clone(), RestConfig::default()).await.err().unwrap();
        assert_eq!(err.kind(), enma_common::error::ErrorKind::Forbidden);
        assert!(err.message().contains("access token") && !err.message().contains("  "), "{err}");
        let empty = RestConfig { token: Some(" ".into()), ..RestConfig::default() };
        assert!(bind("127.0.0.1:0".parse().unwrap(), store.clone(), empty).await.is_err());
        let with_token = RestConfig { token: Some("t".into()), ..RestConfig::default() };
        assert!(bind(public, store, with_token).await.is_ok());
    }

    #[tokio::test]
    async fn token_is_required_when_configured() {
        let server = Server::start(RestConfig { token: Some("s3cret".into()), ..RestConfig::default() }).await;
        let bare = server.get("/version", "application/json").await;
        assert_eq!(bare.status, 401);
        assert_eq!(bare.json()["error"]["code"], "unauthorized");
        let wrong = server.call("GET", "/version", &[("Authorization", "Bearer nope")], b"").await;
        assert_eq!(wrong.status, 401);
        let right = server.call("GET", "/version", &[("Authorization", "Bearer s3cret")], b"").await;
        assert_eq!(right.status, 200);
    }

    #[tokio::test]
    async fn unknown_paths_and_methods_answer_json() {
        let server = Server::start(RestConfig::default()).await;
        let missing = server.get("/version/nothing/here", "application/json").await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.json()["error"]["code"], "not_found");
        let wrong_method = server.call("DELETE", "/version", &[], b"").await;
        assert_eq!(wrong_method.status, 405);
    }

    /// Malformed or hostile requests get a 4xx with the JSON error body: no
    /// input may panic a handler or pass for a server error.
    #[tokio::test]
    async fn bad_input_is_a_client_error_never_a_server_error() {
        let server = Server::start(RestConfig::default()).await;
        const JSON: &str = "application/json";
        let schema = br#"{"name":"t","ColumnSchema":[{"name":"cf"}]}"#;
        assert_eq!(server.call("PUT", "/t/schema", &[("Content-Type", JSON)], schema).await.status, 201);
        let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let deep_xml = format!("<CellSet>{}{}</CellSet>", "<Row>".repeat(10_000), "</Row>".repeat(10_000));
        let long_family = format!(r#"{{"name":"t2","ColumnSchema":[{{"name":"{}"}}]}}"#, "f".repeat(300));
        let long_row = "r".repeat(40_000);
        let huge_key =
            format!(r#"{{"Row":[{{"key":"{}","Cell":[{{"column":"Y2Y6cQ==","$":"dg=="}}]}}]}}"#, "a".repeat(100_000));
        let octet = [("Content-Type", "application/octet-stream")];
        let json = [("Content-Type", JSON)];
        type Case<'a> = (&'a str, String, &'a [(&'a str, &'a str)], Vec<u8>);
        let cases: Vec<Case> = vec![
            ("GET", "/t/%FF%FE".into(), &[], vec![]),
            ("GET", "/t/*?maxversions=-1".into(), &[], vec![]),
            ("GET", "/t/*?limit=99999999999999999999999".into(), &[], vec![]),
            ("GET", "/t/*?starttime=5&endtime=1".into(), &[], vec![]),
            ("GET", "/t/*?reversed=maybe".into(), &[], vec![]),
            ("GET", "/t/*?filter=ValueFilter(=,'regex:(((((')".into(), &[], vec![]),
            ("GET", "/t/*?filter=PageFilter(-1)".into(), &[], vec![]),
            ("GET", "/t/r/cf:q/abc".into(), &[], vec![]),
            ("GET", "/t/r/cf:q/9,1".into(), &[], vec![]),
            ("GET", format!("/t/{long_row}"), &[], vec![]),
            ("GET", format!("/t/*?startrow={long_row}"), &[], vec![]),
            ("GET", "/t/scanner/nope?n=-5".into(), &[], vec![]),
            ("GET", "/bad%20name/r".into(), &[], vec![]),
            ("PUT", "/t/r".into(), &json, deep_json.into_bytes()),
            ("PUT", "/t/r".into(), &[("Content-Type", "text/xml")], deep_xml.into_bytes()),
            (
                "PUT",
                "/t/r".into(),
                &[("Content-Type", "text/xml")],
                b"<!DOCTYPE x [<!ENTITY a 'b'>]><CellSet/>".to_vec(),
            ),
            ("PUT", "/t/r".into(), &json, huge_key.into_bytes()),
            ("PUT", "/t/r".into(), &json, br#"{"Row":[{"key":"!!","Cell":[]}]}"#.to_vec()),
            (
                "PUT",
                "/t/r".into(),
                &[("Content-Type", "application/x-protobuf")],
                vec![0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f],
            ),
            (
                "PUT",
                "/t/r/cf:q".into(),
                &[("Content-Type", "application/octet-stream"), ("X-Timestamp", "-5")],
                b"v".to_vec(),
            ),
            (
                "PUT",
                "/t/r/cf:q".into(),
                &[("Content-Type", "application/octet-stream"), ("X-Timestamp", "x")],
                b"v".to_vec(),
            ),
            ("PUT", "/t/r/nope:q".into(), &octet, b"v".to_vec()),
            ("PUT", format!("/t/{long_row}/cf:q"), &octet, b"v".to_vec()),
            ("PUT", "/t/r".into(), &[], vec![]),
            ("PUT", "/t2/schema".into(), &json, long_family.into_bytes()),
            ("PUT", "/t/scanner".into(), &json, br#"{"startTime":-1}"#.to_vec()),
            ("PUT", "/t/scanner".into(), &json, br#"{"filter":"{\"type\":\"Nope\"}"}"#.to_vec()),
            (
                "POST",
                "/t/r?check=increment".into(),
                &json,
                br#"{"Row":[{"key":"cg==","Cell":[{"column":"Y2Y6cQ==","$":"eA=="}]}]}"#.to_vec(),
            ),
            ("DELETE", "/t/r/cf:q/-7".into(), &[], vec![]),
            ("DELETE", "/t/a*".into(), &[], vec![]),
        ];
        for (method, path, headers, body) in cases {
            let reply = server.call(method, &path, headers, &body).await;
            let shown = &path[..path.len().min(80)];
            assert!((400..500).contains(&reply.status), "{method} {shown}: {} {}", reply.status, reply.text());
            assert!(reply.json()["error"]["code"].is_string(), "{method} {shown}: {}", reply.text());
        }
    }

    #[test]
    fn table_names_come_from_the_raw_path() {
        let (t, rest) = table_and_rest("/ns%3At/row/cf").unwrap();
        assert_eq!(t.to_string(), "ns:t");
        assert_eq!(rest, "row/cf");
        assert!(table_and_rest("/%FF/x").is_err());
        assert!(table_and_rest("/bad name/x").is_err());
    }
}
