//! A session: one user's DataFusion context, current database and settings,
//! and the dispatch of each HiveQL statement to the code that runs it.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionConfig;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast;

use super::extension::register_restricted_in_file;
use super::output::{QueryOutput, rows_output};
use super::table::{CATALOG, HiveCatalog};
use super::{Caller, EngineConfig, EngineShared, empty_output};
use crate::error::{Error, Result};
use enma_hive::lateral::{SchemaProbe, rewrite_generators};
use enma_hive::parser::{parse_statement, split_statements};
use enma_hive::rewrite::rewrite_statement;
use enma_hive::statement::{HiveStatement, TableName};

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
        let cluster = shared.extensions.cluster.clone();
        let job_name = cluster.as_ref().map(|_| format!("enma-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]));
        if let (Some(cluster), Some(name)) = (&cluster, &job_name) {
            config = cluster.session_config(config, name, &shared.extensions)?;
        }
        let mut state = shared.extensions.session_state(config, shared.runtime.clone())?;
        if let Some(cluster) = &cluster {
            // Queries run on the cluster; its upgrade may reset the function
            // lists to DataFusion's, so ours go in again after it.
            state = cluster.session_state(state)?;
            shared.extensions.register_functions(&mut state)?;
        }
        if caller == Caller::Remote {
            // in_file reads the server's disk: remote callers only where the operator allows.
            register_restricted_in_file(&mut state, shared.config.remote_access.clone())?;
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
        Some((self.shared.extensions.cluster.as_ref()?.scheduler(), self.job_name.as_deref()?))
    }

    /// The cluster that runs this session's queries, if any.
    pub fn cluster(&self) -> Option<&Arc<dyn super::extension::Cluster>> {
        self.shared.extensions.cluster.as_ref()
    }

    /// The session's DataFusion context.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Who runs this session's statements.
    pub fn caller(&self) -> Caller {
        self.caller
    }

    /// The configuration of the engine this session belongs to.
    pub fn engine_config(&self) -> &EngineConfig {
        &self.shared.config
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
        let last = statements.len().checked_sub(1).ok_or_else(|| Error::parse("no statement to run"))?;
        // One await of `execute`: its future is large, and a second call site
        // would double this function's frame in debug builds.
        let mut out = None;
        for (i, text) in statements.into_iter().enumerate() {
            let output = self.execute(&text).await?;
            if i == last {
                out = Some(output);
            } else {
                drain(output).await?;
            }
        }
        out.ok_or_else(|| Error::internal("no statement ran"))
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
            S::AddPartitions { table, if_not_exists, partitions } => {
                self.add_partitions(table, if_not_exists, partitions).await
            }
            S::DropPartitions { table, if_exists, specs } => self.drop_partitions(table, if_exists, specs).await,
            S::SetTblProperties { table, properties } => self.set_tblproperties(table, properties),
            S::SetLocation { table, partition, location } => self.set_location(table, partition, location),
            S::Msck { table } => self.msck(table).await,
            S::Insert { table, overwrite, partition, columns, query } => {
                self.insert(table, overwrite, partition, columns, *query).await
            }
            S::Load { local, path, overwrite, table, partition } => {
                self.load(local, path, overwrite, table, partition).await
            }
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
    pub async fn plan_query(&self, mut stmt: ast::Statement) -> Result<LogicalPlan> {
        let generators = self
            .shared
            .extensions
            .functions
            .generators
            .iter()
            .map(|g| g.name().to_ascii_lowercase())
            .chain(self.generators.keys().cloned())
            .collect();
        for rewrite in &self.shared.extensions.rewrites {
            rewrite.rewrite(self, &mut stmt).await?;
        }
        rewrite_generators(&mut stmt, &generators, self).await?;
        rewrite_statement(&mut stmt)?;
        let state = self.ctx.state();
        Ok(state.statement_to_plan(DfStatement::Statement(Box::new(stmt))).await?)
    }

    async fn query(&mut self, stmt: ast::Statement) -> Result<QueryOutput> {
        let plan = self.plan_query(stmt).await?;
        self.execute_plan(plan).await
    }

    pub async fn execute_plan(&self, plan: LogicalPlan) -> Result<QueryOutput> {
        if self.shared.extensions.cluster.is_some() {
            self.refuse_local_tables_on_cluster(&plan)?;
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
                let df_option = if k == "hive.local.time.zone" {
                    Some("execution.time_zone")
                } else {
                    k.strip_prefix("datafusion.")
                };
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
        #[expect(clippy::expect_used, reason = "a constant pattern, which the variable tests exercise")]
        static VARIABLE: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r"\$\{(?:(hiveconf|hivevar|system|env):)?([A-Za-z0-9_.\-]+)\}").expect("valid regex")
        });
        let out = VARIABLE.replace_all(sql, |c: &regex::Captures| {
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
        self.shared.config.remote_access.check_path(path, what)
    }
}

impl SchemaProbe for Session {
    fn probe_schema(
        &self,
        query: ast::Query,
    ) -> futures::future::BoxFuture<'_, Result<datafusion::common::DFSchemaRef>> {
        Box::pin(async move { Ok(self.plan_query(ast::Statement::Query(Box::new(query))).await?.schema().clone()) })
    }
}

/// Runs an output to completion, discarding its rows.
pub async fn drain(output: QueryOutput) -> Result<()> {
    use futures::StreamExt;
    let mut stream = output.stream;
    while let Some(batch) = stream.next().await {
        batch?;
    }
    Ok(())
}

impl Session {
    /// Some handlers' tables live in the process that opened them (HBase
    /// tables, in its key-value store); a cluster's executors cannot read
    /// them, so such a query is refused before it is sent.
    fn refuse_local_tables_on_cluster(&self, plan: &LogicalPlan) -> Result<()> {
        let handlers = &self.shared.extensions.storage_handlers;
        let mut refusal = None;
        plan.apply_with_subqueries(|node| {
            if let LogicalPlan::TableScan(scan) = node {
                let provider = datafusion::datasource::source_as_provider(&scan.source)?;
                let table = scan.table_name.to_string();
                refusal = handlers.iter().find_map(|h| h.refused_on_cluster(provider.as_ref(), &table));
                if refusal.is_some() {
                    return Ok(datafusion::common::tree_node::TreeNodeRecursion::Stop);
                }
            }
            Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
        })?;
        match refusal {
            Some(message) => Err(Error::plan(message)),
            None => Ok(()),
        }
    }
}
