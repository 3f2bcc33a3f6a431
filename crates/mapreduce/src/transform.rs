//! Planning Hive's TRANSFORM: each `SELECT enma_transform('cmd', 'columns',
//! args...) FROM ...` left by the HiveQL parser (see `hive::transform`) is cut
//! out of the query; its input (`SELECT args FROM ...`) is planned on its own,
//! and a table that runs the command over that input takes its place, so the
//! rest of the query sees the transform's columns like any table's.
//!
//! Each input partition runs one command process, as each Hive mapper runs the
//! script (the operator's command with `sh -c`; a remote caller's, allowed by
//! the operator, split into words and run without a shell, see
//! [`super::command`]): rows go to its stdin as tab-separated text
//! (NULL as `\N`), and each line it prints is split at tabs into the declared
//! columns (`key` and `value`, strings, when none are declared), cast to their types.

use std::fmt;
use std::ops::ControlFlow;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BinaryBuilder, RecordBatch, StringBuilder};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session as DfSession, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::{RecordBatchReceiverStream, RecordBatchStreamAdapter};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use datafusion::sql::sqlparser::ast::{self, VisitMut, VisitorMut};
use futures::StreamExt;

use super::{Command, Counters, Phase, pair_schema};
use crate::error::{Error, Result};
use enma_engine::extension::QueryRewrite;
use enma_engine::{Caller, Session, temporary};
use enma_hive::transform::{RowFormat, ScriptFormat, TRANSFORM_FN};
use enma_hive::types::parse_hive_type;
use enma_storage::text::{TextOptions, encode::encode_batch};

/// One TRANSFORM cut out of a query.
struct Cut {
    table: String,
    command: String,
    columns: String,
    format: ScriptFormat,
    input: ast::Query,
}

struct Cutter {
    cuts: Vec<Cut>,
    error: Option<Error>,
}

fn string_arg(arg: &ast::FunctionArg) -> Option<String> {
    match arg {
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Value(v))) => match &v.value {
            ast::Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

impl VisitorMut for Cutter {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut ast::Query) -> ControlFlow<()> {
        let ast::SetExpr::Select(select) = query.body.as_mut() else { return ControlFlow::Continue(()) };
        let call = select.projection.iter().find_map(|item| match item {
            ast::SelectItem::UnnamedExpr(ast::Expr::Function(f))
            | ast::SelectItem::ExprWithAlias { expr: ast::Expr::Function(f), .. }
                if f.name.to_string().eq_ignore_ascii_case(TRANSFORM_FN) =>
            {
                Some(f.clone())
            }
            _ => None,
        });
        let Some(call) = call else { return ControlFlow::Continue(()) };
        if select.projection.len() != 1 {
            self.error = Some(Error::plan("TRANSFORM must be the only expression of its SELECT"));
            return ControlFlow::Break(());
        }
        let ast::FunctionArguments::List(list) = &call.args else { return ControlFlow::Continue(()) };
        let (Some(command), Some(columns), Some(format)) = (
            list.args.first().and_then(string_arg),
            list.args.get(1).and_then(string_arg),
            list.args.get(2).and_then(string_arg),
        ) else {
            return ControlFlow::Continue(());
        };
        let format = match ScriptFormat::from_marker(&format) {
            Ok(format) => format,
            Err(e) => {
                self.error = Some(e);
                return ControlFlow::Break(());
            }
        };
        // The input: the same SELECT with the transform's arguments as its columns.
        let mut input_select = select.clone();
        input_select.projection = list.args[3..]
            .iter()
            .enumerate()
            .filter_map(|(i, a)| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => {
                    Some(ast::SelectItem::ExprWithAlias { expr: e.clone(), alias: ast::Ident::new(format!("_c{i}")) })
                }
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => {
                    Some(ast::SelectItem::Wildcard(Default::default()))
                }
                _ => None,
            })
            .collect();
        // SORT BY / CLUSTER BY / DISTRIBUTE BY of the TRANSFORM's own SELECT name its
        // output columns: they go to the query that reads the output.
        let cluster_by = std::mem::take(&mut input_select.cluster_by);
        let sort_by = std::mem::take(&mut input_select.sort_by);
        let distribute_by = std::mem::take(&mut input_select.distribute_by);
        // A subquery's SORT BY / CLUSTER BY / ORDER BY is how Hive hands a reduce
        // script its input grouped and sorted: keep that order on the input.
        let order_by = input_order(&input_select);
        let input = ast::Query {
            with: query.with.clone(),
            body: Box::new(ast::SetExpr::Select(input_select)),
            order_by,
            limit_clause: None,
            fetch: None,
            locks: vec![],
            for_clause: None,
            settings: None,
            format_clause: None,
            pipe_operators: vec![],
        };
        let table = format!("t{}", uuid::Uuid::new_v4().simple());
        // The transform's output in its place: every column of the stand-in table.
        let replacement = format!("SELECT * FROM {}", temporary::qualified(&table));
        let parsed = datafusion::sql::sqlparser::parser::Parser::new(&enma_hive::dialect::HiveQl::default())
            .try_with_sql(&replacement)
            .and_then(|mut p| p.parse_query());
        match parsed {
            Ok(mut q) => {
                if let ast::SetExpr::Select(outer) = q.body.as_mut() {
                    outer.cluster_by = cluster_by;
                    outer.sort_by = sort_by;
                    outer.distribute_by = distribute_by;
                }
                query.body = q.body
            }
            Err(e) => {
                self.error = Some(Error::internal(format!("TRANSFORM stand-in: {e}")));
                return ControlFlow::Break(());
            }
        }
        self.cuts.push(Cut { table, command, columns, format, input });
        ControlFlow::Continue(())
    }
}

/// The order a single subquery in FROM gives its rows (its ORDER BY, SORT BY or
/// CLUSTER BY on plain columns), as an ORDER BY of the query reading it.
fn input_order(select: &ast::Select) -> Option<ast::OrderBy> {
    let [from] = &select.from[..] else { return None };
    let ast::TableFactor::Derived { subquery, .. } = &from.relation else { return None };
    if !from.joins.is_empty() {
        return None;
    }
    let column = |e: &ast::Expr| match e {
        ast::Expr::Identifier(id) => Some(ast::Expr::Identifier(id.clone())),
        ast::Expr::CompoundIdentifier(ids) => ids.last().map(|id| ast::Expr::Identifier(id.clone())),
        _ => None,
    };
    let plain = |expr: ast::Expr| ast::OrderByExpr {
        expr,
        options: ast::OrderByOptions { asc: None, nulls_first: None },
        with_fill: None,
    };
    let keys: Vec<ast::OrderByExpr> = match (subquery.body.as_ref(), &subquery.order_by) {
        (_, Some(ast::OrderBy { kind: ast::OrderByKind::Expressions(exprs), .. })) => exprs
            .iter()
            .map(|o| column(&o.expr).map(|expr| ast::OrderByExpr { expr, ..o.clone() }))
            .collect::<Option<_>>()?,
        (ast::SetExpr::Select(inner), None) if !inner.cluster_by.is_empty() => {
            inner.cluster_by.iter().map(|e| column(e).map(plain)).collect::<Option<_>>()?
        }
        (ast::SetExpr::Select(inner), None) if !inner.sort_by.is_empty() => inner
            .sort_by
            .iter()
            .map(|o| column(&o.expr).map(|expr| ast::OrderByExpr { expr, ..o.clone() }))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    (!keys.is_empty()).then_some(ast::OrderBy { kind: ast::OrderByKind::Expressions(keys), interpolate: None })
}

/// The declared output columns: `name [type], ...`, or Hive's default `key, value` strings.
fn output_schema(columns: &str) -> Result<(SchemaRef, bool)> {
    if columns.trim().is_empty() {
        let fields = vec![Field::new("key", DataType::Utf8, true), Field::new("value", DataType::Utf8, true)];
        return Ok((Arc::new(Schema::new(fields)), true));
    }
    let mut fields = Vec::new();
    let (mut depth, mut current) = (0, String::new());
    let mut parts = Vec::new();
    for c in columns.chars() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    for part in parts {
        let part = part.trim();
        let (name, ty) = match part.split_once(char::is_whitespace) {
            Some((n, t)) => (n, parse_hive_type(t.trim())?),
            None => (part, DataType::Utf8),
        };
        if name.is_empty() {
            return Err(Error::parse(format!("TRANSFORM ... AS: a column has no name in '{columns}'")));
        }
        fields.push(Field::new(name.trim_matches('`').to_ascii_lowercase(), ty, true));
    }
    Ok((Arc::new(Schema::new(fields)), false))
}

/// Hive's TRANSFORM, as a query rewrite of the engine.
#[derive(Debug, Default)]
pub struct TransformRewrite;

#[async_trait]
impl QueryRewrite for TransformRewrite {
    async fn rewrite(&self, session: &Session, statement: &mut ast::Statement) -> Result<()> {
        expand_transforms(session, statement).await
    }
}

/// Replaces each TRANSFORM in `stmt` by a table running it, registered for this session.
async fn expand_transforms(session: &Session, stmt: &mut ast::Statement) -> Result<()> {
    let mut cutter = Cutter { cuts: vec![], error: None };
    let _ = stmt.visit(&mut cutter);
    if let Some(e) = cutter.error {
        return Err(e);
    }
    for cut in cutter.cuts {
        let command = match session.caller() {
            Caller::Operator => Command::shell(&cut.command),
            Caller::Remote => {
                let command = Command::parse(&cut.command)?;
                session.engine_config().remote_access.check_command(&command)?;
                command
            }
        };
        let input = Box::pin(session.plan_query(ast::Statement::Query(Box::new(cut.input)))).await?;
        let (schema, default_columns) = output_schema(&cut.columns)?;
        let table = TransformTable { input, command: command.to_line(), schema, default_columns, format: cut.format };
        temporary::register_as(session.context(), &cut.table, Arc::new(table))?;
    }
    Ok(())
}

/// A command's output over a planned input, as a table. On a cluster it
/// travels to the scheduler with its input plan (the cluster's codec),
/// which plans the scan there.
#[derive(Debug)]
pub(crate) struct TransformTable {
    pub(crate) input: LogicalPlan,
    /// The command as [`Command::to_line`] writes it (the operator's as `sh -c '...'`).
    pub(crate) command: String,
    pub(crate) schema: SchemaRef,
    /// No AS clause: Hive's `key` and `value`, the value being the rest of the line.
    pub(crate) default_columns: bool,
    pub(crate) format: ScriptFormat,
}

#[async_trait]
impl TableProvider for TransformTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    async fn scan(
        &self,
        state: &dyn DfSession,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let input = state.create_physical_plan(&self.input).await?;
        let projection = projection.cloned().unwrap_or_else(|| (0..self.schema.fields().len()).collect());
        let exec =
            TransformExec::new(input, self.command.clone(), self.schema.clone(), self.default_columns, projection)?;
        Ok(Arc::new(exec.with_format(self.format.clone())))
    }
}

/// Runs the command once per input partition.
#[derive(Debug)]
pub(crate) struct TransformExec {
    input: Arc<dyn ExecutionPlan>,
    /// The order the input was planned with (a subquery's CLUSTER BY or SORT
    /// BY): kept, and then the command runs once over the whole input, as
    /// Hive's single reducer would.
    ordering: Option<datafusion::physical_expr::LexOrdering>,
    command: Command,
    schema: SchemaRef,
    default_columns: bool,
    projection: Vec<usize>,
    format: ScriptFormat,
    properties: Arc<PlanProperties>,
}

impl TransformExec {
    /// `command` as [`Command::to_line`] writes it.
    pub(crate) fn new(
        input: Arc<dyn ExecutionPlan>,
        command: String,
        schema: SchemaRef,
        default_columns: bool,
        projection: Vec<usize>,
    ) -> DfResult<Self> {
        let command = Command::parse(&command).map_err(|e| DataFusionError::External(Box::new(e)))?;
        Self::with_command(input, command, schema, default_columns, projection)
    }

    fn with_command(
        input: Arc<dyn ExecutionPlan>,
        command: Command,
        schema: SchemaRef,
        default_columns: bool,
        projection: Vec<usize>,
    ) -> DfResult<Self> {
        let projected = Arc::new(schema.project(&projection)?);
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(projected),
            input.properties().output_partitioning().clone(),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        let ordering = input.properties().output_ordering().cloned();
        let format = ScriptFormat::default();
        Ok(TransformExec { input, ordering, command, schema, default_columns, projection, format, properties })
    }

    /// With the row formats of `ROW FORMAT DELIMITED` (default: tabs and `\N`).
    pub(crate) fn with_format(mut self, format: ScriptFormat) -> Self {
        self.format = format;
        self
    }

    pub(crate) fn format(&self) -> &ScriptFormat {
        &self.format
    }

    /// What the cluster's codec sends: the command, the declared schema, whether it was declared, the columns read.
    pub(crate) fn parts(&self) -> (String, &SchemaRef, bool, &[usize]) {
        (self.command.to_line(), &self.schema, self.default_columns, &self.projection)
    }
}

impl DisplayAs for TransformExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransformExec: using='{}'", self.command)
    }
}

impl ExecutionPlan for TransformExec {
    super::one_input_operator!("TransformExec");

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> DfResult<Arc<dyn ExecutionPlan>> {
        let [input] = <[_; 1]>::try_from(children)
            .map_err(|_| DataFusionError::Internal("TransformExec has one child".into()))?;
        let mut exec = TransformExec::with_command(
            input,
            self.command.clone(),
            self.schema.clone(),
            self.default_columns,
            self.projection.clone(),
        )?
        .with_format(self.format.clone());
        exec.ordering = self.ordering.clone();
        Ok(Arc::new(exec))
    }

    fn required_input_ordering(&self) -> Vec<Option<datafusion::physical_expr::OrderingRequirements>> {
        vec![self.ordering.clone().map(Into::into)]
    }

    fn input_distribution_requirements(&self) -> datafusion::physical_plan::InputDistributionRequirements {
        let distribution = match self.ordering {
            Some(_) => datafusion::physical_plan::Distribution::SinglePartition,
            None => datafusion::physical_plan::Distribution::UnspecifiedDistribution,
        };
        datafusion::physical_plan::InputDistributionRequirements::new(vec![distribution])
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> DfResult<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context)?;
        let written = self.format.input.clone();
        let lines =
            RecordBatchStreamAdapter::new(pair_schema(), input.map(move |b| b.and_then(|b| to_lines(&b, &written))));
        let mut builder = RecordBatchReceiverStream::builder(pair_schema(), 2);
        let tx = builder.tx();
        let command = self.command.clone();
        builder.spawn(async move {
            super::task::run_command(&command, Phase::Transform, 1, &[], Box::pin(lines), tx, Counters::default()).await
        });
        let output = builder.build();
        let (schema, default_columns, projection) =
            (self.schema.clone(), self.default_columns, self.projection.clone());
        let read = self.format.output.clone();
        let projected = self.properties.eq_properties.schema().clone();
        let typed = output.map(move |b| b.and_then(|b| from_lines(&b, &schema, default_columns, &projection, &read)));
        Ok(Box::pin(RecordBatchStreamAdapter::new(projected, typed)))
    }
}

const TEXT: CastOptions<'static> =
    CastOptions { safe: true, format_options: arrow::util::display::FormatOptions::new() };

/// Rows as Hive hands them to a script: its text serialisation (the table
/// text writer's) with the format's field delimiter and NULL (by default tabs
/// and `\N`). The whole batch is one value without its last newline: the
/// streaming writer adds it back.
fn to_lines(batch: &RecordBatch, format: &RowFormat) -> DfResult<RecordBatch> {
    let options =
        TextOptions { field_delim: format.field_delim, null_format: format.null.clone(), ..TextOptions::default() };
    let mut text = Vec::new();
    encode_batch(batch, &options, &mut text)?;
    text.pop();
    let (mut keys, mut values) = (BinaryBuilder::new(), BinaryBuilder::new());
    if batch.num_rows() > 0 {
        keys.append_value(b"");
        values.append_value(&text);
    }
    super::pair_batch(keys.finish(), values.finish())
}

/// Output lines (in the key column) split into the declared columns and cast.
fn from_lines(
    batch: &RecordBatch,
    schema: &SchemaRef,
    default_columns: bool,
    projection: &[usize],
    format: &RowFormat,
) -> DfResult<RecordBatch> {
    let delim = char::from(format.field_delim);
    let lines = batch.column(0).as_binary::<i32>();
    let n = schema.fields().len();
    let mut builders: Vec<StringBuilder> = (0..n).map(|_| StringBuilder::new()).collect();
    for row in 0..lines.len() {
        let text = String::from_utf8_lossy(lines.value(row));
        let fields: Vec<&str> = if default_columns {
            let mut it = text.splitn(2, delim);
            vec![it.next().unwrap_or(""), it.next().unwrap_or("")]
        } else {
            text.split(delim).collect()
        };
        for (i, b) in builders.iter_mut().enumerate() {
            match fields.get(i) {
                Some(v) if *v == format.null => b.append_null(),
                None => b.append_null(),
                Some(v) => b.append_value(v),
            }
        }
    }
    let mut columns = Vec::with_capacity(projection.len());
    let mut built: Vec<Option<ArrayRef>> =
        builders.into_iter().map(|mut b| Some(Arc::new(b.finish()) as ArrayRef)).collect();
    for &p in projection {
        let text =
            built[p].take().unwrap_or_else(|| Arc::new(arrow::array::new_null_array(&DataType::Utf8, lines.len())));
        columns.push(cast_with_options(&text, schema.field(p).data_type(), &TEXT)?);
    }
    let projected = Arc::new(schema.project(projection)?);
    let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(lines.len()));
    Ok(RecordBatch::try_new_with_options(projected, columns, &options)?)
}
