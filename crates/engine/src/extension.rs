//! What plugs into the engine, and the registry that holds it.
//!
//! The engine knows Hive tables over files, Hive's functions and HiveQL; it
//! names none of the code that extends it. Each extension implements one of
//! the traits here and is handed to an [`EngineBuilder`]:
//!
//! - a [`StorageHandler`] serves the tables of a `STORED BY '<class>'`;
//! - a [`QueryRewrite`] changes a query before it is planned (TRANSFORM
//!   becomes a table that runs a command);
//! - a [`RootPlanner`] plans a plan whose root is its own extension node
//!   (a MapReduce job), exactly as written;
//! - an [`ExtensionCodec`] carries its tables and operators to a cluster;
//! - a [`Cluster`] runs a session's queries elsewhere (Ballista).
//!
//! The same [`Extensions`] also serve the cluster's roles, which plan and
//! run with the session state [`Extensions::session_state`] builds, so a
//! statement means the same wherever it runs.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{Session as DfSession, TableProvider};
use datafusion::common::TableReference;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::TaskContext;
use datafusion::execution::context::QueryPlanner;
use datafusion::execution::registry::FunctionRegistry;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::{Extension, LogicalPlan};
use datafusion::optimizer::Analyzer;
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream};
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
use datafusion::prelude::SessionConfig;
use datafusion::sql::sqlparser::ast;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};

use super::{Caller, Engine, EngineConfig, Session};
use crate::error::Result;
use enma_hive::coercion::{HiveCoercion, HiveExprPlanner};
use enma_metastore::Table;

/// What a storage handler gets to know about the engine it serves.
#[derive(Debug, Clone, Copy)]
pub struct HandlerContext<'a> {
    /// The engine's data directory (absolute): where a handler keeps its own state.
    pub data_dir: &'a std::path::Path,
    /// Who runs the statement.
    pub caller: Caller,
}

/// The tables of one Hive storage handler class (`STORED BY 'class'`).
#[async_trait]
pub trait StorageHandler: Send + Sync + Debug + 'static {
    /// The Java class names tables declare it by.
    fn class_name(&self) -> &str;
    /// The SerDe class DESCRIBE and SHOW CREATE TABLE report.
    fn serde(&self) -> &str;
    /// Checks a new table's definition and creates or binds its storage (CREATE TABLE).
    fn bind(&self, ctx: HandlerContext<'_>, table: &Table) -> Result<()>;
    /// Removes a dropped managed table's storage.
    fn drop_table(&self, ctx: HandlerContext<'_>, table: &Table) -> Result<()>;
    /// The table as DataFusion reads it.
    fn table_provider(&self, ctx: HandlerContext<'_>, table: &Table) -> Result<Arc<dyn TableProvider>>;
    /// Writes rows (the table's columns, in order) into the table; returns the rows written.
    async fn write(&self, ctx: HandlerContext<'_>, table: &Table, rows: SendableRecordBatchStream) -> Result<u64>;
    /// Why a query reading `provider` (one of this handler's) cannot run on a
    /// cluster; `None` if it can, or if `provider` is not this handler's.
    fn refused_on_cluster(&self, _provider: &dyn TableProvider, _table: &str) -> Option<String> {
        None
    }
    /// For services that share the handler's state (the HBase protocols share its store).
    fn as_any(&self) -> &dyn std::any::Any;
}

/// Rewrites a query before the engine plans it.
#[async_trait]
pub trait QueryRewrite: Send + Sync + Debug + 'static {
    async fn rewrite(&self, session: &Session, statement: &mut ast::Statement) -> Result<()>;
}

/// Plans a logical plan whose root is this extension's node, bypassing the
/// physical optimizer (whose distribution rules would reshape it).
#[async_trait]
pub trait RootPlanner: Send + Sync + Debug + 'static {
    /// `None` if the plan is not this planner's.
    async fn plan(&self, plan: &LogicalPlan, session: &dyn DfSession) -> DfResult<Option<Arc<dyn ExecutionPlan>>>;
}

/// Encodes an extension's tables and operators for a cluster. Each method
/// answers `Ok(false)` (or `Ok(None)`) for what is not its own; payloads are
/// framed with the codec's [`name`](ExtensionCodec::name) by the cluster, so
/// each codec sees only its own.
pub trait ExtensionCodec: Send + Sync + Debug + 'static {
    /// Unique among the registered codecs; at most 255 bytes.
    fn name(&self) -> &str;

    fn encode_node(&self, _node: &Extension, _buf: &mut Vec<u8>) -> DfResult<bool> {
        Ok(false)
    }
    fn decode_node(&self, _buf: &[u8], _inputs: &[LogicalPlan], _ctx: &TaskContext) -> DfResult<Extension> {
        Err(DataFusionError::Internal(format!("{} encodes no plan nodes", self.name())))
    }
    /// `logical` is the cluster's whole codec, for tables that carry plans.
    fn encode_table(
        &self,
        _table_ref: &TableReference,
        _table: &Arc<dyn TableProvider>,
        _buf: &mut Vec<u8>,
        _logical: &dyn LogicalExtensionCodec,
    ) -> DfResult<bool> {
        Ok(false)
    }
    fn decode_table(
        &self,
        _buf: &[u8],
        _schema: arrow::datatypes::SchemaRef,
        _ctx: &TaskContext,
        _logical: &dyn LogicalExtensionCodec,
    ) -> DfResult<Arc<dyn TableProvider>> {
        Err(DataFusionError::Internal(format!("{} encodes no tables", self.name())))
    }
    /// `physical` is the cluster's whole codec, for operators that embed DataFusion's messages.
    fn encode_exec(
        &self,
        _node: &Arc<dyn ExecutionPlan>,
        _buf: &mut Vec<u8>,
        _physical: &dyn PhysicalExtensionCodec,
        _converter: &dyn PhysicalProtoConverterExtension,
    ) -> DfResult<bool> {
        Ok(false)
    }
    fn decode_exec(
        &self,
        _buf: &[u8],
        _inputs: &[Arc<dyn ExecutionPlan>],
        _ctx: &TaskContext,
        _physical: &dyn PhysicalExtensionCodec,
        _converter: &dyn PhysicalProtoConverterExtension,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        Err(DataFusionError::Internal(format!("{} encodes no operators", self.name())))
    }
}

/// Runs a session's queries on a cluster.
#[async_trait]
pub trait Cluster: Send + Sync + Debug + 'static {
    /// The session configuration for a session whose jobs the cluster knows as `job_name`.
    fn session_config(&self, config: SessionConfig, job_name: &str, extensions: &Extensions) -> Result<SessionConfig>;
    /// The session state that sends queries to the cluster.
    fn session_state(&self, state: SessionState) -> Result<SessionState>;
    /// The scheduler's address, as configured.
    fn scheduler(&self) -> &str;
    /// Task slots across the cluster's executors (0 if unknown).
    async fn total_slots(&self) -> usize;
}

/// Everything registered with an engine: functions and extensions.
#[derive(Debug, Clone)]
pub struct Extensions {
    /// Hive's built-in functions, the user functions and any added set.
    pub functions: Arc<enma_udfs::Functions>,
    pub storage_handlers: Vec<Arc<dyn StorageHandler>>,
    pub rewrites: Vec<Arc<dyn QueryRewrite>>,
    pub root_planners: Vec<Arc<dyn RootPlanner>>,
    pub codecs: Vec<Arc<dyn ExtensionCodec>>,
    pub cluster: Option<Arc<dyn Cluster>>,
}

impl Default for Extensions {
    /// Hive's functions and no extension.
    fn default() -> Self {
        let mut functions = enma_udfs::builtins();
        functions.extend(enma_udfs::user_functions());
        Self {
            functions: Arc::new(functions),
            storage_handlers: vec![],
            rewrites: vec![],
            root_planners: vec![],
            codecs: vec![Arc::new(super::codec::HiveTableCodec)],
            cluster: None,
        }
    }
}

impl Extensions {
    /// The handler of a storage handler class.
    pub fn storage_handler(&self, class: &str) -> Option<&Arc<dyn StorageHandler>> {
        self.storage_handlers.iter().find(|h| h.class_name() == class)
    }

    /// A DataFusion session state that speaks HiveQL: Hive's coercions and
    /// expression planning, Hive's built-in and the user functions, and the
    /// extensions' planners. The local engine, the cluster's scheduler and
    /// its executors all plan with it.
    pub fn session_state(&self, config: SessionConfig, runtime: Arc<RuntimeEnv>) -> Result<SessionState> {
        let mut rules = vec![Arc::new(HiveCoercion) as _];
        rules.extend(Analyzer::new().rules);
        let mut state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime)
            .with_default_features()
            // Hive's substr must also serve SQL's SUBSTRING(.. FROM .. FOR ..), which
            // DataFusion's own planner would send to its substr.
            .with_expr_planners({
                let mut planners: Vec<Arc<dyn datafusion::logical_expr::planner::ExprPlanner>> =
                    vec![Arc::new(enma_udfs::string::substr::SubstrPlanner)];
                planners.extend(datafusion::execution::SessionStateDefaults::default_expr_planners());
                planners
            })
            .with_analyzer_rules(rules)
            .with_query_planner(Arc::new(ExtensionQueryPlanner { planners: self.root_planners.clone() }))
            .build();
        state.register_expr_planner(Arc::new(HiveExprPlanner))?;
        self.register_functions(&mut state)?;
        Ok(state)
    }

    /// Registers the functions, and each table function's row-list form.
    pub fn register_functions(&self, state: &mut SessionState) -> Result<()> {
        self.functions.register_in(state)?;
        for g in &self.functions.generators {
            state.register_udf(Arc::new(enma_udfs::generator::rows_udf(g.clone())))?;
        }
        Ok(())
    }
}

/// Replaces `in_file` with one that reads only where `policy` allows: for
/// callers who may not read the whole of this machine's disk.
pub fn register_restricted_in_file(state: &mut SessionState, policy: enma_common::AccessPolicy) -> Result<()> {
    state.register_udf(enma_udfs::common::text::udf(enma_udfs::string::in_file::InFile::restricted(policy)))?;
    Ok(())
}

/// DataFusion's planner, after the extensions' root planners.
#[derive(Debug)]
struct ExtensionQueryPlanner {
    planners: Vec<Arc<dyn RootPlanner>>,
}

#[async_trait]
impl QueryPlanner for ExtensionQueryPlanner {
    async fn create_physical_plan(
        &self,
        plan: &LogicalPlan,
        session: &dyn DfSession,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        for planner in &self.planners {
            if let Some(physical) = planner.plan(plan, session).await? {
                return Ok(physical);
            }
        }
        DefaultPhysicalPlanner::default().create_physical_plan(plan, session).await
    }
}

/// Sets up an engine: its configuration, then what plugs into it.
#[derive(Debug)]
pub struct EngineBuilder {
    config: EngineConfig,
    extensions: Extensions,
}

impl EngineBuilder {
    pub fn new(config: EngineConfig) -> Self {
        Self { config, extensions: Extensions::default() }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Adds a set of functions (replacing same-named ones).
    pub fn with_functions(mut self, functions: enma_udfs::Functions) -> Self {
        Arc::make_mut(&mut self.extensions.functions).extend(functions);
        self
    }

    pub fn with_storage_handler(mut self, handler: Arc<dyn StorageHandler>) -> Self {
        self.extensions.storage_handlers.push(handler);
        self
    }

    pub fn with_query_rewrite(mut self, rewrite: Arc<dyn QueryRewrite>) -> Self {
        self.extensions.rewrites.push(rewrite);
        self
    }

    pub fn with_root_planner(mut self, planner: Arc<dyn RootPlanner>) -> Self {
        self.extensions.root_planners.push(planner);
        self
    }

    pub fn with_codec(mut self, codec: Arc<dyn ExtensionCodec>) -> Self {
        self.extensions.codecs.push(codec);
        self
    }

    /// Runs queries on `cluster` instead of in this process.
    pub fn with_cluster(mut self, cluster: Arc<dyn Cluster>) -> Self {
        self.extensions.cluster = Some(cluster);
        self
    }

    /// The extensions registered so far (the cluster's roles need them without an engine).
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// Opens the engine: the data directory, the metastore, the runtime.
    pub async fn build(self) -> Result<Engine> {
        Engine::open_with(self.config, self.extensions).await
    }
}
