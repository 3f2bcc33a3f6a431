//! Distributed execution on Ballista: the scheduler and executor roles with
//! ENMA's functions, tables and codecs, and the cluster's status.
//!
//! A session configured with a scheduler (`--scheduler df://host:port`)
//! plans a statement as usual and hands the logical plan to Ballista's
//! client, which sends it to the scheduler. The scheduler decodes it with
//! [`codec::EnmaLogicalCodec`] (Hive tables travel with their metastore
//! entry), plans it with the same HiveQL session state as the local engine
//! ([`Extensions::session_state`]), cuts it into stages and sends the
//! tasks to executors, which decode them with [`codec::EnmaPhysicalCodec`]
//! and run them with the same functions. Results come back to the session,
//! which writes files and commits to the metastore itself: INSERT and CTAS
//! stay atomic because the commit never leaves the process that began it.

/// The shared error type, as `crate::error` for this crate's modules.
use enma_common::error;

pub mod codec;
mod status;

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;

use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::SessionConfig;

pub use status::{ClusterStatus, JobProgress, cluster_status, job_progress};

use async_trait::async_trait;
use ballista_core::extension::{SessionConfigExt, SessionStateExt};
use datafusion::execution::session_state::SessionState;

use crate::error::{Error, Result};
use enma_engine::extension::Cluster;
use enma_engine::{EngineBuilder, EngineConfig, Extensions, register_restricted_in_file};
use enma_storage::StoreRegistry;

/// Runs an engine's queries on the Ballista cluster of `scheduler` (`df://host:port`).
pub fn register(builder: EngineBuilder, scheduler: &str) -> Result<EngineBuilder> {
    Ok(builder.with_cluster(Arc::new(Ballista::new(scheduler)?)))
}

/// A Ballista cluster, as an engine's way to run queries.
#[derive(Debug)]
pub struct Ballista {
    /// As configured (`df://host:port`).
    scheduler: String,
    /// What Ballista's client dials.
    url: String,
}

impl Ballista {
    pub fn new(scheduler: &str) -> Result<Self> {
        Ok(Self { scheduler: scheduler.to_string(), url: scheduler_url(scheduler)? })
    }
}

#[async_trait]
impl Cluster for Ballista {
    fn session_config(&self, config: SessionConfig, job_name: &str, extensions: &Extensions) -> Result<SessionConfig> {
        // Ballista's restrictions (no physical scalar subqueries, no dynamic
        // filters: neither crosses a stage boundary) apply only to a config
        // upgraded before anything else marks it as Ballista's.
        Ok(config
            .upgrade_for_ballista()
            .with_ballista_logical_extension_codec(Arc::new(codec::EnmaLogicalCodec::new(extensions.codecs.clone())))
            .with_ballista_physical_extension_codec(Arc::new(codec::EnmaPhysicalCodec::new(extensions.codecs.clone())))
            .with_ballista_job_name(job_name)
            // Ballista's static stage planner re-runs the tasks of a lost
            // executor; its adaptive planner (55.0) rolls the stage back but
            // never launches them again, so the query hangs.
            .with_ballista_adaptive_query_planner(false))
    }

    fn session_state(&self, state: SessionState) -> Result<SessionState> {
        Ok(state.upgrade_for_ballista(self.url.clone())?)
    }

    fn scheduler(&self) -> &str {
        &self.scheduler
    }

    async fn total_slots(&self) -> usize {
        cluster_status(&self.scheduler).await.map(|c| c.total_slots as usize).unwrap_or(0)
    }
}

/// Default port of the scheduler's gRPC service.
pub const SCHEDULER_PORT: u16 = 50050;

/// `df://host:port` (or `host:port`) → the `http://host:port` Ballista's client dials.
pub fn scheduler_url(url: &str) -> Result<String> {
    let (host, port) = scheduler_address(url)?;
    Ok(format!("http://{host}:{port}"))
}

/// The host and port of a scheduler URL; the port defaults to 50050.
pub fn scheduler_address(url: &str) -> Result<(String, u16)> {
    let rest = url.strip_prefix("df://").or_else(|| url.strip_prefix("http://")).unwrap_or(url);
    let rest = rest.trim_end_matches('/');
    let bad = || Error::plan(format!("invalid scheduler URL '{url}': expected df://host:port"));
    if rest.is_empty() || rest.contains('/') {
        return Err(bad());
    }
    match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => Ok((host.to_string(), port.parse().map_err(|_| bad())?)),
        Some(_) => Err(bad()),
        None => Ok((rest.to_string(), SCHEDULER_PORT)),
    }
}

/// Ballista's ports carry no authentication: binding them beyond loopback
/// needs the operator to say the network is private.
fn check_bind(role: &str, host: &str, trusted_network: bool) -> Result<()> {
    let loopback = match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host == "localhost",
    };
    if loopback || trusted_network {
        return Ok(());
    }
    Err(Error::forbidden(format!(
        "the {role} would listen on {host}, but Ballista's gRPC and Flight ports have no authentication; \
         bind it to a private network only and say so with --trusted-network (ENMA_TRUSTED_NETWORK=true)"
    )))
}

/// The runtime of a cluster role: object stores as the engine's, spill files under `work_dir`.
fn role_runtime(config: &EngineConfig, work_dir: Option<PathBuf>) -> datafusion::error::Result<Arc<RuntimeEnv>> {
    let mut builder =
        RuntimeEnvBuilder::new().with_object_store_registry(Arc::new(StoreRegistry::new(config.s3.clone())));
    if let Some(dir) = work_dir {
        builder = builder.with_temp_file_path(dir);
    }
    builder.build_arc()
}

/// How a scheduler runs.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    pub bind: String,
    pub port: u16,
    /// Seconds without a heartbeat after which an executor counts as lost
    /// and its tasks run again elsewhere.
    pub executor_timeout_secs: u64,
    pub trusted_network: bool,
}

/// Runs Ballista's scheduler with ENMA's session state and codecs until the process stops.
pub async fn run_scheduler(config: EngineConfig, extensions: Extensions, options: SchedulerOptions) -> Result<()> {
    check_bind("scheduler", &options.bind, options.trusted_network)?;
    let address: SocketAddr = (options.bind.as_str(), options.port)
        .to_socket_addrs()
        .map_err(|e| Error::plan(format!("cannot resolve {}:{}: {e}", options.bind, options.port)))?
        .next()
        .ok_or_else(|| Error::plan(format!("no address for {}", options.bind)))?;
    let runtime = role_runtime(&config, None)?;
    let codecs = extensions.codecs.clone();
    let session_builder = Arc::new(move |session_config: SessionConfig| {
        let state = extensions
            .session_state(session_config, runtime.clone())
            .map_err(datafusion::error::DataFusionError::from)?;
        let mut state = SessionStateBuilder::new_from_existing(state)
            .with_optimizer_rules(ballista_core::optimizer::ballista_default_optimizer_rules())
            .build();
        // Rebuilding registers the functions again in no fixed order, so a
        // DataFusion function with one of our names as an alias (to_char is
        // also `date_format`) could shadow ours: ours go in last.
        extensions.register_functions(&mut state).map_err(datafusion::error::DataFusionError::from)?;
        Ok(state)
    });
    let scheduler_config = SchedulerConfig {
        bind_host: options.bind.clone(),
        bind_port: options.port,
        external_host: options.bind.clone(),
        // Executors pull tasks: work reset after an executor is lost (its
        // shuffle output must be computed again) is picked up at the next
        // poll, where pushing waits for an event that may never come.
        scheduling_policy: TaskSchedulingPolicy::PullStaged,
        executor_timeout_seconds: options.executor_timeout_secs,
        no_executors_grace_period_seconds: options.executor_timeout_secs,
        expire_dead_executor_interval_seconds: options.executor_timeout_secs.clamp(1, 15),
        override_session_builder: Some(session_builder),
        override_logical_codec: Some(Arc::new(codec::EnmaLogicalCodec::new(codecs.clone()))),
        override_physical_codec: Some(Arc::new(codec::EnmaPhysicalCodec::new(codecs))),
        ..Default::default()
    };
    let cluster = BallistaCluster::new_from_config(&scheduler_config)
        .await
        .map_err(|e| Error::execution(format!("cannot set up the scheduler: {e}")))?;
    tracing::info!(%address, "scheduler listening");
    start_server(cluster, address, Arc::new(scheduler_config))
        .await
        .map_err(|e| Error::execution(format!("scheduler stopped: {e}")))
}

/// How an executor runs.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    pub bind: String,
    /// The host other nodes reach this executor by (default: `bind`).
    pub external_host: Option<String>,
    /// Arrow Flight port, for shuffle fetches and results.
    pub port: u16,
    /// gRPC port, for tasks pushed by the scheduler.
    pub grpc_port: u16,
    /// The scheduler to register with, `df://host:port`.
    pub scheduler: String,
    /// Tasks run at once; default the number of cores.
    pub slots: Option<usize>,
    /// Shuffle and spill files; default `enma-executor-<port>` in the system's temporary directory.
    pub work_dir: Option<PathBuf>,
    /// Seconds between heartbeats to the scheduler.
    pub heartbeat_secs: u64,
    pub trusted_network: bool,
}

/// Runs a Ballista executor with ENMA's functions and codecs until the process stops.
pub async fn run_executor(config: EngineConfig, extensions: Extensions, options: ExecutorOptions) -> Result<()> {
    check_bind("executor", &options.bind, options.trusted_network)?;
    let unspecified = options.bind.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified());
    if unspecified && options.external_host.is_none() {
        return Err(Error::plan(format!(
            "the executor listens on {} but other nodes need an address to reach it by: set --external-host (ENMA_EXECUTOR_EXTERNAL_HOST)",
            options.bind
        )));
    }
    let (scheduler_host, scheduler_port) = scheduler_address(&options.scheduler)?;
    // Shuffle files need a directory that outlives the executor's start-up.
    let work_dir = options
        .work_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("enma-executor-{}", options.port)));
    std::fs::create_dir_all(&work_dir)
        .map_err(|e| Error::execution(format!("cannot create work directory {}: {e}", work_dir.display())))?;
    // The executors' registry: in_file reads the executor's own disk, so
    // only the directories this executor's operator allows.
    let runtime = role_runtime(&config, Some(work_dir.clone()))?;
    let mut state = extensions.session_state(SessionConfig::new(), runtime)?;
    register_restricted_in_file(&mut state, config.remote_access.clone())?;
    let registry = BallistaFunctionRegistry::from(&state);
    let store_config = config.clone();
    let spill_dir = work_dir.clone();
    let runtime_producer: ballista_core::RuntimeProducer =
        Arc::new(move |_: &SessionConfig| role_runtime(&store_config, Some(spill_dir.clone())));
    let executor_config = ExecutorProcessConfig {
        bind_host: options.bind.clone(),
        external_host: Some(options.external_host.clone().unwrap_or_else(|| options.bind.clone())),
        port: options.port,
        grpc_port: options.grpc_port,
        scheduler_host,
        scheduler_port,
        scheduler_connect_timeout_seconds: 30,
        vcores: options.slots.unwrap_or(0),
        task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
        work_dir: Some(work_dir.to_string_lossy().into_owned()),
        executor_heartbeat_interval_seconds: options.heartbeat_secs.max(1),
        override_function_registry: Some(Arc::new(registry)),
        override_runtime_producer: Some(runtime_producer),
        override_logical_codec: Some(Arc::new(codec::EnmaLogicalCodec::new(extensions.codecs.clone()))),
        override_physical_codec: Some(Arc::new(codec::EnmaPhysicalCodec::new(extensions.codecs.clone()))),
        ..Default::default()
    };
    tracing::info!(port = options.port, scheduler = %options.scheduler, "executor starting");
    start_executor_process(Arc::new(executor_config))
        .await
        .map_err(|e| Error::execution(format!("executor stopped: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduler_urls() {
        assert_eq!(scheduler_url("df://10.0.0.5:50050").unwrap(), "http://10.0.0.5:50050");
        assert_eq!(scheduler_url("localhost").unwrap(), "http://localhost:50050");
        assert_eq!(scheduler_address("df://sched:7000/").unwrap(), ("sched".to_string(), 7000));
        assert!(scheduler_url("df://host:port").is_err());
        assert!(scheduler_url("df://").is_err());
        assert!(scheduler_url("df://h:1/x").is_err());
    }

    #[test]
    fn binding_beyond_loopback_needs_a_trusted_network() {
        assert!(check_bind("executor", "127.0.0.1", false).is_ok());
        assert!(check_bind("executor", "localhost", false).is_ok());
        assert!(check_bind("executor", "0.0.0.0", false).is_err());
        assert!(check_bind("executor", "0.0.0.0", true).is_ok());
    }
}
