//! The service host.
//!
//! Each network service of ENMA (the SQL API, HBase's REST and Thrift APIs,
//! and every later one) is bound first and served second: its crate offers a
//! `bind` that checks the configuration and takes the address, returning a
//! value that implements [`Service`]. Binding everything before serving
//! anything means a taken port or a refused setting stops `enma serve` before
//! any client is answered.
//!
//! [`Host`] runs the bound services together. When its stop signal arrives
//! ([`terminate_signal`]: SIGTERM or Ctrl-C), or when one service fails, it
//! tells every service to shut down through one [`Shutdown`] token. A service
//! then stops accepting, lets the requests in flight finish and stops its
//! background work (jobs, scanners). Whatever has not finished after the
//! host's grace period is dropped, so a stuck client cannot hold the process.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use enma_common::error::{Error, Result};
pub use futures::future::BoxFuture;
use tokio::task::JoinSet;
pub use tokio_util::sync::CancellationToken as Shutdown;

/// A network service, bound to its address and ready to serve.
pub trait Service: Send + 'static {
    /// A short name for logs and messages, such as `"SQL API"`.
    fn name(&self) -> &'static str;

    /// The address it listens on (the chosen port when bound to port 0).
    fn local_addr(&self) -> SocketAddr;

    /// Serves until `shutdown` is cancelled, then stops accepting, lets
    /// requests in flight finish and returns. An error means the service
    /// could not go on serving.
    fn serve(self: Box<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<()>>;
}

/// Runs services together and stops them together.
pub struct Host {
    services: Vec<Box<dyn Service>>,
    grace: Duration,
}

impl Default for Host {
    fn default() -> Self {
        Self { services: Vec::new(), grace: Duration::from_secs(30) }
    }
}

impl Host {
    pub fn new() -> Self {
        Self::default()
    }

    /// How long services may take to finish after the stop signal before
    /// the host drops them; default 30 s.
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Adds a bound service.
    pub fn add(&mut self, service: impl Service) -> &mut Self {
        self.services.push(Box::new(service));
        self
    }

    /// Each service's name and address, in the order they were added.
    pub fn addresses(&self) -> Vec<(&'static str, SocketAddr)> {
        self.services.iter().map(|s| (s.name(), s.local_addr())).collect()
    }

    /// Serves every service until `stop` completes or one of them fails,
    /// then shuts all of them down and waits for them, at most the grace
    /// period. The result is the first failure, if any.
    pub async fn run(self, stop: impl Future<Output = ()> + Send) -> Result<()> {
        let shutdown = Shutdown::new();
        let mut running = JoinSet::new();
        for service in self.services {
            let (name, address) = (service.name(), service.local_addr());
            tracing::info!(service = name, %address, "serving");
            let serving = service.serve(shutdown.child_token());
            running.spawn(async move { (name, serving.await) });
        }
        let mut failure = None;
        tokio::select! {
            () = stop => tracing::info!("stop signal: shutting the services down"),
            Some(first) = running.join_next() => {
                failure = outcome(first);
                tracing::info!("a service stopped: shutting the others down");
            }
        }
        shutdown.cancel();
        let drained = tokio::time::timeout(self.grace, async {
            while let Some(done) = running.join_next().await {
                if let Some(e) = outcome(done) {
                    failure.get_or_insert(e);
                }
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(left = running.len(), grace = ?self.grace, "services still busy after the grace period: dropped");
            running.abort_all();
        }
        failure.map_or(Ok(()), Err)
    }
}

/// What one service's task ended with: an error to report, or nothing.
fn outcome(done: std::result::Result<(&'static str, Result<()>), tokio::task::JoinError>) -> Option<Error> {
    match done {
        Ok((name, Ok(()))) => {
            tracing::info!(service = name, "stopped");
            None
        }
        Ok((name, Err(e))) => {
            tracing::error!(service = name, error = %e, "failed");
            Some(e)
        }
        Err(e) => Some(Error::internal(format!("a service's task ended abnormally: {e}"))),
    }
}

/// Completes when the process is asked to stop: SIGTERM (what service
/// managers and container runtimes send) or SIGINT (Ctrl-C).
pub async fn terminate_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch for SIGTERM; only Ctrl-C stops the process");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A service that counts how it ended: cleanly on shutdown, or by failing.
    struct Probe {
        fail_after: Option<Duration>,
        finish_in: Duration,
        stopped: Arc<AtomicUsize>,
    }

    impl Service for Probe {
        fn name(&self) -> &'static str {
            "probe"
        }
        fn local_addr(&self) -> SocketAddr {
            SocketAddr::from(([127, 0, 0, 1], 0))
        }
        fn serve(self: Box<Self>, shutdown: Shutdown) -> BoxFuture<'static, Result<()>> {
            Box::pin(async move {
                if let Some(after) = self.fail_after {
                    tokio::time::sleep(after).await;
                    return Err(Error::execution("probe failed"));
                }
                shutdown.cancelled().await;
                tokio::time::sleep(self.finish_in).await;
                self.stopped.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        }
    }

    fn probe(stopped: &Arc<AtomicUsize>, fail_after: Option<Duration>, finish_in: Duration) -> Probe {
        Probe { fail_after, finish_in, stopped: stopped.clone() }
    }

    #[tokio::test]
    async fn the_stop_signal_stops_every_service_after_its_work() {
        let stopped = Arc::new(AtomicUsize::new(0));
        let mut host = Host::new();
        host.add(probe(&stopped, None, Duration::from_millis(50)));
        host.add(probe(&stopped, None, Duration::ZERO));
        host.run(tokio::time::sleep(Duration::from_millis(20))).await.unwrap();
        assert_eq!(stopped.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn one_failure_stops_the_others_and_is_returned() {
        let stopped = Arc::new(AtomicUsize::new(0));
        let mut host = Host::new();
        host.add(probe(&stopped, Some(Duration::from_millis(10)), Duration::ZERO));
        host.add(probe(&stopped, None, Duration::ZERO));
        let err = host.run(std::future::pending()).await.unwrap_err();
        assert!(err.message().contains("probe failed"), "{err}");
        assert_eq!(stopped.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_service_slower_than_the_grace_period_is_dropped() {
        let stopped = Arc::new(AtomicUsize::new(0));
        let mut host = Host::new().with_grace(Duration::from_millis(20));
        host.add(probe(&stopped, None, Duration::from_secs(60)));
        let started = std::time::Instant::now();
        host.run(std::future::ready(())).await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(stopped.load(Ordering::SeqCst), 0);
    }
}
