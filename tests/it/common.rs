//! Helpers shared by the integration tests.

use enma::engine::{Caller, Engine, EngineConfig, Session};
use futures::StreamExt;

/// An engine on a fresh temporary data directory (kept alive by the returned guard).
pub async fn temp_engine() -> (Engine, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let engine = enma::open_engine(EngineConfig::new(dir.path().join("data"))).await.unwrap();
    (engine, dir)
}

pub fn session(engine: &Engine) -> Session {
    engine.session("default", Caller::Operator).unwrap()
}

/// Runs a script and returns the last statement's rows as Hive prints them.
pub async fn rows(session: &mut Session, sql: &str) -> Vec<Vec<String>> {
    match try_rows(session, sql).await {
        Ok(r) => r,
        Err(e) => panic!("{sql}\nfailed: {e}"),
    }
}

pub async fn try_rows(session: &mut Session, sql: &str) -> enma::Result<Vec<Vec<String>>> {
    let out = session.run(sql).await?;
    let mut stream = out.stream;
    let mut rows = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        for r in 0..batch.num_rows() {
            rows.push(batch.columns().iter().map(|c| enma_udfs::hive_text::display_value(c.as_ref(), r)).collect());
        }
    }
    Ok(rows)
}

/// Rows as tab-joined lines, for compact assertions.
pub async fn lines(session: &mut Session, sql: &str) -> Vec<String> {
    rows(session, sql).await.into_iter().map(|r| r.join("\t")).collect()
}

/// A free loopback port (bound, then released for a server to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
