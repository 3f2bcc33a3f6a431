//! `kv-bench serve`: the store behind HBase's REST and Thrift1 servers, set
//! up as `enma serve --hbase` sets them up (the same `enma_hbase` entry
//! points, default configurations, the store opened with default options, a
//! multi-threaded tokio runtime), in a process of its own so the load comes
//! from another one.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use enma_hbase_server::rest::RestConfig;
use enma_hbase_server::thrift::ThriftConfig;
use enma_kv::{Store, StoreOptions};

use crate::Result;

/// Opens the store in `dir`, binds both servers, prints `ready` on stdout and serves until killed.
pub fn run(dir: &Path, rest: SocketAddr, thrift: SocketAddr) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let store = Store::open(dir, StoreOptions::default())
        .map_err(|e| format!("cannot open the store in {}: {e}", dir.display()))?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let rest_listener = tokio::net::TcpListener::bind(rest)
            .await
            .map_err(|e| format!("cannot listen on {rest} for the REST API: {e}"))?;
        let thrift_listener = std::net::TcpListener::bind(thrift)
            .map_err(|e| format!("cannot listen on {thrift} for the Thrift API: {e}"))?;
        eprintln!(
            "kv-bench serve: HBase REST on {}, Thrift on {}, store in {}",
            rest_listener.local_addr()?,
            thrift_listener.local_addr()?,
            dir.display()
        );
        // Thrift connections get threads of their own; they end with the process.
        enma_hbase_server::thrift::spawn(thrift_listener, store.clone(), ThriftConfig::default());
        let mut stdout = std::io::stdout();
        writeln!(stdout, "ready")?;
        stdout.flush()?;
        enma_hbase_server::rest::serve(rest_listener, store, RestConfig::default()).await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
}
