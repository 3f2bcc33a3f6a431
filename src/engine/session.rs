//! A session: one user's DataFusion context, current database and settings,
//! and the dispatch of each HiveQL statement to the code that runs it.

use std::collections::BTreeMap;
use std::sync::Arc;

use ballista_core::extension::{SessionConfigExt, SessionStateExt};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::session_state::SessionState;
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::LogicalPlan;
use datafusion::optimizer::Analyzer;
use datafusion::prelude::SessionConfig;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast;

use super::output::{QueryOutput, rows_output};
use super::table::{CATALOG, HiveCatalog};
use super::{Caller, EngineShared, empty_output};
use crate::error::{Error, Result};
use crate::hive::coercion::{HiveCoercion, HiveExprPlanner};
use datafusion::execution::registry::FunctionRegistry;
use crate::hive::parser::{parse_statement, split_statements};
use crate::hive::lateral::{SchemaProbe, rewrite_generators};
use crate::hive::rewrite::rewrite_statement;
use crate::hive::statement::{HiveStatement, TableName};

/// A DataFusion session state that speaks HiveQL: Hive's coercions and
/// expression planning, and Hive's built-in and the user functions. The
/// local engine, the cluster's scheduler and its executors all plan with it,
/// so a statement means the same wherever it runs.
pub(crate) fn hive_state(config: SessionConfig, runtime: Arc<RuntimeEnv>, functions: &enma_udfs::Functions) -> Result<SessionState> {
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
        // MapReduce jobs are plans too (on a scheduler as well as here).
        .with_query_planner(Arc::new(crate::mapreduce::plan::JobPlanner))
        .build();
    state.register_expr_planner(Arc::new(HiveExprPlanner))?;
    register_hive_functions(&mut state, functions)?;
    Ok(state)
}

/// Registers the functions, and each table function's row-list form.
pub(crate) fn register_hive_functions(state: &mut SessionState, functions: &enma_udfs::Functions) -> Result<()> {
    functions.register_in(state)?;
    for g in &functions.generators {
        state.register_udf(Arc::new(enma_udfs::generator::rows_udf(g.clone())))?;
    }
    Ok(())
}

/// Replaces `in_file` with one that reads only under `dirs`: for callers
/// who may not read the whole of this machine's disk.
pub(crate) fn register_restricted_in_file(state: &mut SessionState, dirs: Vec<std::path::PathBuf>) -> Result<()> {
    state.register_udf(enma_udfs::common::text::udf(enma_udfs::string::in_file::InFile::restricted(dirs)))?;
    Ok(())
}

/// One user's conversation with the engine.
pub struct Session {
    pub(crate) shared: Arc<EngineShared>,
    pub(crate) ctx: SessionContext,
    pub(crate) database: String,
    pub(crate) caller: Caller,
    /// Values of `SET key=value`.
    pub(crate) conf: BTreeMap<String, String>,
    /// CREATE TEMPORARY FUNCTION bindings: name -> the function bound.
    pub(crate) temporary_functions: std::collections::HashMap<String, super::functions::Bound>,
    /// Table-generating functions bound in this session (by CREATE FUNCTION).
    pub(crate) generators: std::collections::HashMap<String, Arc<dyn enma_udfs::generator::Generator>>,
    /// On a cluster, the name the scheduler knows this session's jobs by.
    job_name: Option<String>,
}

impl Session {
    pub(crate) fn new(shared: Arc<EngineShared>, database: &str, caller: Caller) -> Result<Self> {
        let mut config = SessionConfig::new()
            .with_default_catalog_and_schema(CATALOG, database.to_ascii_lowercase())
            .with_create_default_catalog_and_schema(false)
            .with_information_schema(true);
        // Hive orders NULL as the smallest value: first ascending, last descending.
        config.options_mut().sql_parser.default_null_ordering = "nulls_min".into();
        // `1.5` is a DECIMAL literal in Hive, not a DOUBLE.
        config.options_mut().sql_parser.parse_float_as_decimal = true;
        if let Some(n) = shared.config.target_partitions {
            config = config.with_target_partitions(n);
        }
        // On a cluster, the session's jobs carry its name, so its progress can be followed.
        let job_name = shared.config.scheduler.as_ref().map(|_| format!("enma-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]));
        if let Some(name) = &job_name {
            // Ballista's restrictions (no physical scalar subqueries, no dynamic
            // filters: neither crosses a stage boundary) apply only to a config
            // upgraded before anything else marks it as Ballista's.
            config = config
                .upgrade_for_ballista()
                .with_ballista_logical_extension_codec(Arc::new(crate::cluster::codec::EnmaLogicalCodec::default()))
                .with_ballista_physical_extension_codec(Arc::new(crate::cluster::codec::EnmaPhysicalCodec::default()))
                .with_ballista_job_name(name)
                // Ballista's static stage planner re-runs the tasks of a lost
                // executor; its adaptive planner (55.0) rolls the stage back but
                // never launches them again, so the query hangs.
                .with_ballista_adaptive_query_planner(false);
        }
        let mut state = hive_state(config, shared.runtime.clone(), &shared.functions)?;
        if let Some(url) = &shared.config.scheduler {
            // Queries run on the cluster; Ballista's upgrade resets the function
            // lists to DataFusion's, so ours go in again after it.
            state = state.upgrade_for_ballista(crate::cluster::scheduler_url(url)?)?;
            register_hive_functions(&mut state, &shared.functions)?;
        }
        if caller == Caller::Remote {
            // in_file reads the server's disk: remote callers only where the operator allows.
            register_restricted_in_file(&mut state, shared.config.allowed_local_dirs.clone())?;
        }
        let ctx = SessionContext::new_with_state(state);
        ctx.register_catalog(CATALOG, Arc::new(HiveCatalog { shared: shared.clone(), caller }));
        let mut session = Self {
            shared,
            ctx,
            database: database.to_ascii_lowercase(),
            caller,
            conf: BTreeMap::new(),
            temporary_functions: Default::default(),
            generators: Default::default(),
            job_name,
        };
        session.bind_permanent_functions()?;
        Ok(session)
    }

    /// On a cluster: the scheduler's URL and the name of this session's jobs there.
    pub fn cluster_job(&self) -> Option<(&str, &str)> {
        Some((self.shared.config.scheduler.as_deref()?, self.job_name.as_deref()?))
    }

    /// The current database.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Runs the `;`-separated statements of `sql` in order and returns the
    /// output of the last one (an empty result for statements without rows).
    /// Outputs of earlier statements are drained first, so their effects happen in order.
    pub async fn run(&mut self, sql: &str) -> Result<QueryOutput> {
        let statements = split_statements(sql);
        if statements.is_empty() {
            return Err(Error::parse("no statement to run"));
        }
        let last = statements.len() - 1;
        let mut out = None;
        for (i, text) in statements.into_iter().enumerate() {
            let output = self.execute(&text).await?;
            if i == last {
                out = Some(output);
            } else {
                drain(output).await?;
            }
        }
        Ok(out.expect("at least one statement"))
    }

    /// Runs one statement.
    pub async fn execute(&mut self, sql: &str) -> Result<QueryOutput> {
        let sql = self.substitute_variables(sql)?;
        let statement = parse_statement(&sql)?;
        self.execute_statement(statement).await
    }

    pub(crate) async fn execute_statement(&mut self, statement: HiveStatement) -> Result<QueryOutput> {
        use HiveStatement as S;
        match statement {
            S::Query(stmt) => self.query(*stmt).await,
            S::Explain { analyze, verbose, statement } => self.explain(analyze, verbose, *statement).await,
            S::Use(db) => {
                let db = self.shared.metastore.database(&db)?.name;
                self.ctx.state_ref().write().config_mut().options_mut().catalog.default_schema = db.clone();
                self.database = db;
                Ok(empty_output())
            }
            S::Set { key, value } => self.set(key, value),
            S::Multi(statements) => {
                for s in statements {
                    drain(Box::pin(self.execute_statement(s)).await?).await?;
                }
                Ok(empty_output())
            }
            S::Reset => {
                self.conf.clear();
                Ok(empty_output())
            }
            S::CreateDatabase { name, if_not_exists, comment, location, properties } => {
                self.create_database(name, if_not_exists, comment, location, properties).await
            }
            S::DropDatabase { name, if_exists, cascade } => self.drop_database(name, if_exists, cascade).await,
            S::CreateTable(ct) => self.create_table(*ct).await,
            S::DropTable { table, if_exists } => self.drop_table(table, if_exists).await,
            S::Truncate { table, partition } => self.truncate(table, partition).await,
            S::RenameTable { from, to } => self.rename_table(from, to).await,
            S::AddColumns { table, columns, replace } => self.add_columns(table, columns, replace),
            S::ChangeColumn { table, old, column, position } => self.change_column(table, old, column, position),
            S::AddPartitions { table, if_not_exists, partitions } => self.add_partitions(table, if_not_exists, partitions).await,
            S::DropPartitions { table, if_exists, specs } => self.drop_partitions(table, if_exists, specs).await,
            S::SetTblProperties { table, properties } => self.set_tblproperties(table, properties),
            S::SetLocation { table, partition, location } => self.set_location(table, partition, location),
            S::Msck { table } => self.msck(table).await,
            S::Insert { table, overwrite, partition, columns, query } => {
                self.insert(table, overwrite, partition, columns, *query).await
            }
            S::Load { local, path, overwrite, table, partition } => self.load(local, path, overwrite, table, partition).await,
            S::ShowDatabases { like } => self.show_databases(like),
            S::ShowTables { database, like } => self.show_tables(database, like),
            S::ShowPartitions { table, spec } => self.show_partitions(table, spec),
            S::ShowCreateTable(t) => self.show_create_table(t),
            S::ShowTblProperties(t) => self.show_tblproperties(t),
            S::ShowColumns(t) => self.show_columns(t),
            S::ShowFunctions { like } => self.show_functions(like),
            S::DescribeFunction { name, extended } => self.describe_function(&name, extended),
            S::CreateFunction { name, class, temporary } => self.create_function(name, &class, temporary),
            S::DropFunction { name, temporary, if_exists } => self.drop_function(name, temporary, if_exists),
            S::DescribeDatabase { name, extended } => self.describe_database(name, extended),
            S::Describe { table, mode, column } => self.describe(table, mode, column),
        }
    }

    /// Plans a query statement with Hive's rewrites applied.
    pub(crate) async fn plan_query(&self, mut stmt: ast::Statement) -> Result<LogicalPlan> {
        let generators = self
            .shared
            .functions
            .generators
            .iter()
            .map(|g| g.name().to_ascii_lowercase())
            .chain(self.generators.keys().cloned())
            .collect();
        super::transform::expand_transforms(self, &mut stmt).await?;
        rewrite_generators(&mut stmt, &generators, self).await?;
        rewrite_statement(&mut stmt)?;
        let state = self.ctx.state();
        Ok(state.statement_to_plan(DfStatement::Statement(Box::new(stmt))).await?)
    }

    async fn query(&mut self, stmt: ast::Statement) -> Result<QueryOutput> {
        let plan = self.plan_query(stmt).await?;
        self.execute_plan(plan).await
    }

    pub(crate) async fn execute_plan(&self, plan: LogicalPlan) -> Result<QueryOutput> {
        if self.shared.config.scheduler.is_some() {
            refuse_hbase_tables_on_cluster(&plan)?;
        }
        let df = self.ctx.execute_logical_plan(plan).await?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let stream = df.execute_stream().await?;
        Ok(QueryOutput { schema, stream })
    }

    async fn explain(&mut self, analyze: bool, verbose: bool, statement: HiveStatement) -> Result<QueryOutput> {
        let plan = match statement {
            HiveStatement::Query(stmt) => self.plan_query(*stmt).await?,
            HiveStatement::Insert { table, partition, columns, query, .. } => {
                self.insert_plan(&table, partition.as_ref(), &columns, query).await?.plan
            }
            _ => return Err(Error::plan("EXPLAIN supports queries and INSERT statements")),
        };
        let df = self.ctx.execute_logical_plan(plan).await?;
        let df = df.explain(verbose, analyze)?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let stream = df.execute_stream().await?;
        Ok(QueryOutput { schema, stream })
    }

    fn set(&mut self, key: Option<String>, value: Option<String>) -> Result<QueryOutput> {
        match (key, value) {
            (None, _) => {
                let rows = self.conf.iter().map(|(k, v)| vec![Some(format!("{k}={v}"))]).collect();
                Ok(rows_output(&["set"], rows))
            }
            (Some(k), None) => {
                let shown = match self.conf.get(&k) {
                    Some(v) => format!("{k}={v}"),
                    None => format!("{k} is undefined"),
                };
                Ok(rows_output(&["set"], vec![vec![Some(shown)]]))
            }
            (Some(k), Some(v)) => {
                // Hive's session time zone is DataFusion's: date functions read it.
                let df_option = if k == "hive.local.time.zone" { Some("execution.time_zone") } else { k.strip_prefix("datafusion.") };
                if let Some(df_key) = df_option {
                    self.ctx
                        .state_ref()
                        .write()
                        .config_mut()
                        .options_mut()
                        .set(&format!("datafusion.{df_key}"), &v)
                        .map_err(|e| Error::plan(e.to_string()))?;
                }
                self.conf.insert(k, v);
                Ok(empty_output())
            }
        }
    }

    /// `${var}`, `${hiveconf:var}`, `${hivevar:var}` from SET values, and
    /// `${env:VAR}` for the operator (remote callers see it unreplaced); an
    /// unknown variable stays as written, as in Hive.
    fn substitute_variables(&self, sql: &str) -> Result<String> {
        if !sql.contains("${") {
            return Ok(sql.to_string());
        }
        let re = regex::Regex::new(r"\$\{(?:(hiveconf|hivevar|system|env):)?([A-Za-z0-9_.\-]+)\}").expect("valid regex");
        let out = re.replace_all(sql, |c: &regex::Captures| {
            let name = &c[2];
            let value = match c.get(1).map(|m| m.as_str()) {
                // The server's environment holds its secrets: the operator's only.
                Some("env") if self.caller == Caller::Operator => std::env::var(name).ok(),
                Some("env") => None,
                Some("system") => None,
                Some(ns) => self.conf.get(&format!("{ns}:{name}")).or_else(|| self.conf.get(name)).cloned(),
                None => self.conf.get(name).or_else(|| self.conf.get(&format!("hivevar:{name}"))).cloned(),
            };
            value.unwrap_or_else(|| c[0].to_string())
        });
        Ok(out.into_owned())
    }

    /// The database a table name refers to.
    pub(crate) fn db_of<'a>(&'a self, name: &'a TableName) -> &'a str {
        name.database.as_deref().unwrap_or(&self.database)
    }

    /// Remote callers may not touch the server's own disk unless allowed:
    /// the path, resolved through links and `..`, must lie under an allowed
    /// directory. Returns the path to use: the real one for remote callers,
    /// `path` as given for the operator.
    pub(crate) fn check_local_access(&self, path: &std::path::Path, what: &str) -> Result<std::path::PathBuf> {
        if self.caller == Caller::Operator {
            return Ok(path.to_path_buf());
        }
        crate::storage::local::allowed_for_remote(path, &self.shared.config.allowed_local_dirs, what)
    }
}

impl SchemaProbe for Session {
    fn probe_schema(&self, query: ast::Query) -> futures::future::BoxFuture<'_, Result<datafusion::common::DFSchemaRef>> {
        Box::pin(async move { Ok(self.plan_query(ast::Statement::Query(Box::new(query))).await?.schema().clone()) })
    }
}

/// Runs an output to completion, discarding its rows.
pub(crate) async fn drain(output: QueryOutput) -> Result<()> {
    use futures::StreamExt;
    let mut stream = output.stream;
    while let Some(batch) = stream.next().await {
        batch?;
    }
    Ok(())
}

/// HBase tables live in the key-value store of the process that opened it;
/// a cluster's executors cannot read them, so such a query is refused before
/// it is sent.
fn refuse_hbase_tables_on_cluster(plan: &LogicalPlan) -> Result<()> {
    let mut found = None;
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            let provider = datafusion::datasource::source_as_provider(&scan.source)?;
            if provider.downcast_ref::<crate::kv::table::HBaseTable>().is_some() {
                found = Some(scan.table_name.to_string());
                return Ok(datafusion::common::tree_node::TreeNodeRecursion::Stop);
            }
        }
        Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
    })?;
    match found {
        Some(table) => Err(Error::plan(crate::kv::table::refused_on_cluster(&table))),
        None => Ok(()),
    }
}
