//! Table-generating functions (UDTFs): `LATERAL VIEW [OUTER] g(args) t AS c1, c2`
//! and a generator alone in a select list (`SELECT explode(m) AS (k, v) FROM t`),
//! rewritten into SQL that DataFusion plans (its planner refuses LATERAL VIEW).
//!
//! Each generator is also a scalar function of the same name that returns,
//! per input row, the rows it generates as a list of structs
//! (`enma_udfs::generator::rows_udf`). A select with lateral views becomes
//! a chain of derived tables, one per lateral view, each expanding that list
//! with DataFusion's `unnest` (`unnest_outer` for OUTER):
//!
//! ```sql
//! SELECT src.key, c FROM src LATERAL VIEW explode(a) t AS c WHERE c > 1
//! -- becomes
//! SELECT __b0 AS key, __l1_0 AS c FROM (
//!   SELECT __b0, get_field(__r, 'col') AS __l1_0 FROM (
//!     SELECT __b0, unnest(explode(a')) AS __r FROM (SELECT src.key AS __b0, ... FROM src) __lv) __lv) __lv
//! WHERE __l1_0 > 1
//! ```
//!
//! The columns of the FROM clause take unambiguous names (`__b<i>`), learnt
//! by planning `SELECT * FROM <from>`; every column reference of the query
//! (`src.key`, `t.c`, bare names, `t.*`, `*`) is mapped to them, and plain
//! column references keep Hive's output names. The default column names of
//! a generator (`col`, `key`/`value`, `pos`/`val`, `c0`...) come from planning
//! its rows. Nested queries are rewritten first, innermost first.

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::LazyLock;

use datafusion::common::{DFSchemaRef, TableReference};
use datafusion::sql::sqlparser::ast::{
    self, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, GroupByExpr, Ident,
    LateralView, ObjectName, OrderByKind, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr,
    TableAlias, TableFactor, TableWithJoins, Value, VisitMut, VisitorMut, WildcardAdditionalOptions, With,
};
use datafusion::sql::sqlparser::parser::Parser;
use futures::future::BoxFuture;

use super::dialect::HiveQl;
use crate::error::{Error, Result};

/// Plans a query (with every Hive rewrite) to tell its output columns.
pub trait SchemaProbe: Sync {
    fn probe_schema(&self, query: Query) -> BoxFuture<'_, Result<DFSchemaRef>>;
}

/// Rewrites every LATERAL VIEW and every generator alone in a select list of
/// `stmt`; `generators` holds the generator names (lowercase).
pub async fn rewrite_generators(
    stmt: &mut ast::Statement,
    generators: &HashSet<String>,
    probe: &dyn SchemaProbe,
) -> Result<()> {
    check_placement(stmt, generators)?;
    let _ = stmt.visit(&mut WrapSetOperands { generators });
    loop {
        let mut finder = Finder { generators, count: 0, withs: vec![], found: None };
        let _ = stmt.visit(&mut finder);
        let Some((index, query, ctes)) = finder.found else { return Ok(()) };
        let rewritten = rewrite_query(query, ctes, generators, probe).await?;
        let _ = stmt.visit(&mut Replacer { count: 0, index, with: Some(rewritten) });
    }
}

fn is_generator_call(e: &Expr, generators: &HashSet<String>) -> bool {
    match e {
        Expr::Function(f) => match f.name.0.as_slice() {
            [part] => part.as_ident().is_some_and(|id| generators.contains(&id.value.to_ascii_lowercase())),
            _ => false,
        },
        _ => false,
    }
}

/// The generator standing alone in a select list, with its column aliases.
fn lone_generator<'a>(select: &'a Select, generators: &HashSet<String>) -> Option<&'a Expr> {
    let [item] = select.projection.as_slice() else { return None };
    let e = match item {
        SelectItem::UnnamedExpr(e)
        | SelectItem::ExprWithAlias { expr: e, .. }
        | SelectItem::ExprWithAliases { expr: e, .. } => e,
        _ => return None,
    };
    is_generator_call(e, generators).then_some(e)
}

fn needs_rewrite(select: &Select, generators: &HashSet<String>) -> bool {
    !select.lateral_views.is_empty() || lone_generator(select, generators).is_some()
}

/// Hive allows a generator only alone in a select list or in LATERAL VIEW;
/// anywhere else DataFusion would see its list-of-rows scalar form.
fn check_placement(stmt: &mut ast::Statement, generators: &HashSet<String>) -> Result<()> {
    struct Count<'a> {
        generators: &'a HashSet<String>,
        calls: usize,
        allowed: usize,
    }
    impl VisitorMut for Count<'_> {
        type Break = ();
        fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
            self.allowed += usize::from(lone_generator(select, self.generators).is_some());
            self.allowed +=
                select.lateral_views.iter().filter(|lv| is_generator_call(&lv.lateral_view, self.generators)).count();
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
            if is_generator_call(e, self.generators) {
                self.calls += 1;
            }
            // The rewritten form: unnest(g(...)).
            if let Expr::Function(f) = e {
                let name = f.name.to_string().to_ascii_lowercase();
                if (name == "unnest" || name == "unnest_outer")
                    && function_args(f).first().is_some_and(|a| is_generator_call(a, self.generators))
                {
                    self.allowed += 1;
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = Count { generators, calls: 0, allowed: 0 };
    let _ = stmt.visit(&mut c);
    if c.calls > c.allowed {
        return Err(Error::plan(
            "a table-generating function (such as explode) must stand alone in the SELECT list or follow LATERAL VIEW",
        ));
    }
    Ok(())
}

fn function_args(f: &Function) -> Vec<&Expr> {
    match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

/// A select that is an operand of UNION etc. becomes a query of its own, so
/// that each select to rewrite is the body of a query.
struct WrapSetOperands<'a> {
    generators: &'a HashSet<String>,
}

impl VisitorMut for WrapSetOperands<'_> {
    type Break = ();
    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        fn wrap(body: &mut SetExpr, generators: &HashSet<String>) {
            if let SetExpr::SetOperation { left, right, .. } = body {
                for side in [left, right] {
                    if let SetExpr::Select(s) = side.as_mut()
                        && needs_rewrite(s, generators)
                    {
                        let select = std::mem::replace(side.as_mut(), SetExpr::Values(empty_values()));
                        **side = SetExpr::Query(Box::new(query_of_body(select)));
                        continue;
                    }
                    wrap(side, generators);
                }
            }
        }
        wrap(&mut query.body, self.generators);
        ControlFlow::Continue(())
    }
}

/// Finds the first query (in post-order, so innermost first) whose body needs
/// rewriting, with the CTEs in scope that do not.
struct Finder<'a> {
    generators: &'a HashSet<String>,
    count: usize,
    withs: Vec<Option<With>>,
    found: Option<(usize, Query, Vec<ast::Cte>)>,
}

impl VisitorMut for Finder<'_> {
    type Break = ();
    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.withs.push(query.with.clone());
        ControlFlow::Continue(())
    }
    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.count += 1;
        let needs = matches!(query.body.as_ref(), SetExpr::Select(s) if needs_rewrite(s, self.generators));
        if needs {
            let ctes = self
                .withs
                .iter()
                .flatten()
                .flat_map(|w| w.cte_tables.iter())
                .filter(|cte| !contains_generators(&cte.query, self.generators))
                .cloned()
                .collect();
            self.found = Some((self.count, query.clone(), ctes));
            return ControlFlow::Break(());
        }
        self.withs.pop();
        ControlFlow::Continue(())
    }
}

fn contains_generators(query: &Query, generators: &HashSet<String>) -> bool {
    struct Any<'a>(&'a HashSet<String>, bool);
    impl VisitorMut for Any<'_> {
        type Break = ();
        fn pre_visit_select(&mut self, s: &mut Select) -> ControlFlow<()> {
            if needs_rewrite(s, self.0) {
                self.1 = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    let mut a = Any(generators, false);
    let _ = query.clone().visit(&mut a);
    a.1
}

/// Puts the rewritten query in place of the `index`-th query in post-order.
struct Replacer {
    count: usize,
    index: usize,
    with: Option<Query>,
}

impl VisitorMut for Replacer {
    type Break = ();
    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.count += 1;
        if self.count == self.index {
            if let Some(q) = self.with.take() {
                *query = q;
            }
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

/// A column of the FROM clause.
#[derive(Debug)]
struct BaseColumn {
    qualifier: Vec<String>,
    name: String,
    internal: String,
}

/// The columns of one lateral view.
#[derive(Debug)]
struct View {
    alias: String,
    /// (output name, internal name)
    columns: Vec<(Ident, String)>,
}

#[derive(Debug, Default)]
struct Scope {
    base: Vec<BaseColumn>,
    views: Vec<View>,
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

impl Scope {
    fn bare(&self, name: &str) -> Option<&str> {
        self.views
            .iter()
            .flat_map(|v| v.columns.iter())
            .find(|(n, _)| same(&n.value, name))
            .map(|(_, i)| i.as_str())
            .or_else(|| self.base.iter().find(|c| same(&c.name, name)).map(|c| c.internal.as_str()))
    }

    /// The internal column a reference names, and how many of its parts that took.
    fn resolve(&self, parts: &[Ident]) -> Option<(&str, usize)> {
        if parts.len() >= 2 {
            for v in &self.views {
                if same(&v.alias, &parts[0].value)
                    && let Some((_, i)) = v.columns.iter().find(|(n, _)| same(&n.value, &parts[1].value))
                {
                    return Some((i, 2));
                }
            }
            for q in (1..parts.len().min(4)).rev() {
                let (qual, name) = (&parts[..q], &parts[q].value);
                let found = self.base.iter().find(|c| {
                    same(&c.name, name)
                        && c.qualifier.len() >= q
                        && c.qualifier[c.qualifier.len() - q..].iter().zip(qual).all(|(a, b)| same(a, &b.value))
                });
                if let Some(c) = found {
                    return Some((&c.internal, q + 1));
                }
            }
        }
        self.bare(&parts.first()?.value).map(|i| (i, 1))
    }

    fn map_reference(&self, parts: &[Ident]) -> Option<Expr> {
        let (internal, used) = self.resolve(parts)?;
        let rest = &parts[used..];
        Some(if rest.is_empty() {
            Expr::Identifier(quoted(internal))
        } else {
            let mut all = vec![quoted(internal)];
            all.extend(rest.iter().cloned());
            Expr::CompoundIdentifier(all)
        })
    }

    /// Maps the column references of an expression (not those of nested queries).
    fn map<T: VisitMut>(&self, node: &mut T) {
        let _ = node.visit(&mut Mapper { scope: self, depth: 0 });
    }
}

struct Mapper<'a> {
    scope: &'a Scope,
    depth: usize,
}

impl VisitorMut for Mapper<'_> {
    type Break = ();
    fn pre_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }
    fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }
    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if self.depth > 0 {
            return ControlFlow::Continue(());
        }
        let mapped = match e {
            Expr::Identifier(id) => self.scope.map_reference(std::slice::from_ref(id)),
            Expr::CompoundIdentifier(parts) => self.scope.map_reference(parts),
            _ => None,
        };
        if let Some(m) = mapped {
            *e = m;
        }
        ControlFlow::Continue(())
    }
}

fn quoted(name: &str) -> Ident {
    Ident::with_quote('`', name)
}

#[expect(clippy::expect_used, reason = "a constant query, parsed by every LATERAL VIEW test")]
static TEMPLATE: LazyLock<Query> = LazyLock::new(|| {
    *Parser::new(&HiveQl::default()).try_with_sql("SELECT 1").and_then(|mut p| p.parse_query()).expect("a valid query")
});

fn empty_select() -> Select {
    match TEMPLATE.body.as_ref() {
        SetExpr::Select(s) => {
            let mut s = s.as_ref().clone();
            s.projection.clear();
            s
        }
        _ => unreachable!("the template is a select"),
    }
}

fn empty_values() -> ast::Values {
    ast::Values { explicit_row: false, value_keyword: false, rows: vec![] }
}

fn query_of_body(body: SetExpr) -> Query {
    let mut q = TEMPLATE.clone();
    *q.body = body;
    q
}

fn query_of(select: Select) -> Query {
    query_of_body(SetExpr::Select(Box::new(select)))
}

fn derived(query: Query, alias: &str) -> TableWithJoins {
    TableWithJoins {
        relation: TableFactor::Derived {
            lateral: false,
            subquery: Box::new(query),
            alias: Some(TableAlias { explicit: true, name: Ident::new(alias), columns: vec![], at: None }),
            sample: None,
        },
        joins: vec![],
    }
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args.into_iter().map(|a| FunctionArg::Unnamed(FunctionArgExpr::Expr(a))).collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

fn aliased(expr: Expr, alias: Ident) -> SelectItem {
    SelectItem::ExprWithAlias { expr, alias }
}

fn column(name: &str) -> SelectItem {
    SelectItem::UnnamedExpr(Expr::Identifier(quoted(name)))
}

fn qualifier_parts(q: &TableReference) -> Vec<String> {
    match q {
        TableReference::Bare { table } => vec![table.to_string()],
        TableReference::Partial { schema, table } => vec![schema.to_string(), table.to_string()],
        TableReference::Full { catalog, schema, table } => {
            vec![catalog.to_string(), schema.to_string(), table.to_string()]
        }
    }
}

async fn probe_with(probe: &dyn SchemaProbe, ctes: &[ast::Cte], mut query: Query) -> Result<DFSchemaRef> {
    if !ctes.is_empty() {
        let mut with = Parser::new(&HiveQl::default())
            .try_with_sql("WITH t AS (SELECT 1) SELECT 1")
            .and_then(|mut p| p.parse_query())
            .map_err(|e| Error::parse(e.to_string()))?
            .with
            .ok_or_else(|| Error::internal("a WITH query parsed without its WITH clause"))?;
        with.cte_tables = ctes.to_vec();
        query.with = Some(with);
    }
    probe.probe_schema(query).await
}

/// Rewrites one query whose body is a select with lateral views or a lone generator.
async fn rewrite_query(
    mut query: Query,
    ctes: Vec<ast::Cte>,
    generators: &HashSet<String>,
    probe: &dyn SchemaProbe,
) -> Result<Query> {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return Err(Error::plan("internal: a lateral view outside a select"));
    };
    let select = select.as_mut();

    // `SELECT g(args) AS (a, b) FROM t` is `SELECT t'.* FROM t LATERAL VIEW g(args) t' AS a, b`.
    if lone_generator(select, generators).is_some() {
        let (expr, aliases) = match select.projection.remove(0) {
            SelectItem::UnnamedExpr(e) => (e, vec![]),
            SelectItem::ExprWithAlias { expr, alias } => (expr, vec![alias]),
            SelectItem::ExprWithAliases { expr, aliases } => (expr, aliases),
            _ => unreachable!("a lone generator"),
        };
        let name = ObjectName::from(vec![Ident::new("__udtf")]);
        select.lateral_views.push(LateralView {
            lateral_view: expr,
            lateral_view_name: name.clone(),
            lateral_col_alias: aliases,
            outer: false,
        });
        select.projection = vec![SelectItem::QualifiedWildcard(
            SelectItemQualifiedWildcardKind::ObjectName(name),
            WildcardAdditionalOptions::default(),
        )];
    }

    // The FROM clause's columns under unambiguous names.
    let mut scope = Scope::default();
    let mut current = None;
    if !select.from.is_empty() {
        let mut star = empty_select();
        star.projection = vec![SelectItem::Wildcard(WildcardAdditionalOptions::default())];
        star.from = select.from.clone();
        let schema = probe_with(probe, &ctes, query_of(star)).await?;
        let mut base = empty_select();
        for (i, (qualifier, field)) in schema.iter().enumerate() {
            let qualifier = qualifier.map(qualifier_parts).unwrap_or_default();
            let internal = format!("__b{i}");
            let mut parts: Vec<Ident> = qualifier.iter().map(|p| quoted(p)).collect();
            parts.push(quoted(field.name()));
            let expr =
                if parts.len() == 1 { Expr::Identifier(parts.remove(0)) } else { Expr::CompoundIdentifier(parts) };
            base.projection.push(aliased(expr, quoted(&internal)));
            scope.base.push(BaseColumn { qualifier, name: field.name().clone(), internal });
        }
        base.from = std::mem::take(&mut select.from);
        current = Some(query_of(base));
    }
    let mut plain: Vec<String> = scope.base.iter().map(|c| c.internal.clone()).collect();

    for (k, view) in std::mem::take(&mut select.lateral_views).into_iter().enumerate() {
        let k = k + 1;
        let Expr::Function(mut f) = view.lateral_view else {
            return Err(Error::plan(format!(
                "LATERAL VIEW needs a table-generating function, got {}",
                view.lateral_view
            )));
        };
        let name = f.name.to_string().to_ascii_lowercase();
        if !generators.contains(&name) {
            return Err(Error::plan(format!(
                "{name} is not a table-generating function; LATERAL VIEW needs one such as explode"
            )));
        }
        f.name = ObjectName::from(vec![Ident::new(&name)]);
        if let FunctionArguments::List(list) = &mut f.args {
            for a in &mut list.args {
                if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = a {
                    scope.map(e);
                    // An integer literal stays a literal (stack's row count), not Hive's INT cast.
                    if let Expr::Value(v) = e
                        && let Value::Number(n, false) = &v.value
                    {
                        v.value = Value::Number(n.clone(), true);
                    }
                }
            }
        }
        let unnest = call(if view.outer { "unnest_outer" } else { "unnest" }, vec![Expr::Function(f)]);
        let mut rows = empty_select();
        rows.projection = plain.iter().map(|c| column(c)).collect();
        rows.projection.push(aliased(unnest, quoted("__r")));
        if let Some(q) = current.take() {
            rows.from = vec![derived(q, "__lv")];
        }
        let rows = query_of(rows);
        let schema = probe_with(probe, &ctes, rows.clone()).await?;
        let fields = match schema.field_with_unqualified_name("__r").map(|f| f.data_type().clone()) {
            Ok(arrow::datatypes::DataType::Struct(fields)) => fields,
            other => return Err(Error::plan(format!("internal: {name} planned as {other:?}"))),
        };
        let names: Vec<Ident> = if view.lateral_col_alias.is_empty() {
            fields.iter().map(|f| quoted(f.name())).collect()
        } else if view.lateral_col_alias.len() == fields.len() {
            view.lateral_col_alias.clone()
        } else {
            return Err(Error::plan(format!(
                "{name} gives {} columns but the AS clause names {}",
                fields.len(),
                view.lateral_col_alias.len()
            )));
        };
        let mut expand = empty_select();
        expand.projection = plain.iter().map(|c| column(c)).collect();
        let mut columns = Vec::new();
        for (j, (field, out)) in fields.iter().zip(names).enumerate() {
            let internal = format!("__l{k}_{j}");
            let get = call(
                "get_field",
                vec![Expr::Identifier(quoted("__r")), Expr::value(Value::SingleQuotedString(field.name().clone()))],
            );
            expand.projection.push(aliased(get, quoted(&internal)));
            columns.push((out, internal.clone()));
            plain.push(internal);
        }
        expand.from = vec![derived(rows, "__lv")];
        current = Some(query_of(expand));
        let alias =
            view.lateral_view_name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.clone()).unwrap_or_default();
        scope.views.push(View { alias, columns });
    }
    let current = current.ok_or_else(|| Error::internal("a LATERAL VIEW query with no lateral view"))?;
    select.from = vec![derived(current, "__lv")];

    // The query's own clauses, in terms of the new names.
    let mut projection = Vec::new();
    for item in std::mem::take(&mut select.projection) {
        expand_item(item, &scope, &mut projection);
    }
    // Hive allows repeated output names (a.id, b.id); DataFusion does not, so
    // a name given here that repeats an earlier one is left off.
    let mut seen = HashSet::new();
    select.projection = projection
        .into_iter()
        .map(|(item, named_here)| match item {
            SelectItem::ExprWithAlias { expr, alias }
                if !seen.insert(alias.value.to_ascii_lowercase()) && named_here =>
            {
                SelectItem::UnnamedExpr(expr)
            }
            other => other,
        })
        .collect();
    let outputs: HashSet<String> = select
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.to_ascii_lowercase()),
            SelectItem::UnnamedExpr(Expr::Identifier(id)) => Some(id.value.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    scope.map(&mut select.selection);
    if let GroupByExpr::Expressions(exprs, _) = &mut select.group_by {
        exprs.iter_mut().for_each(|e| scope.map(e));
    }
    scope.map(&mut select.having);
    scope.map(&mut select.qualify);
    scope.map(&mut select.cluster_by);
    scope.map(&mut select.distribute_by);
    scope.map(&mut select.named_window);
    // ORDER BY / SORT BY may name output columns: those stay as they are.
    let map_order = |e: &mut ast::OrderByExpr| match &e.expr {
        Expr::Identifier(id) if outputs.contains(&id.value.to_ascii_lowercase()) => {}
        _ => scope.map(&mut e.expr),
    };
    select.sort_by.iter_mut().for_each(&map_order);
    if let Some(order) = &mut query.order_by
        && let OrderByKind::Expressions(exprs) = &mut order.kind
    {
        exprs.iter_mut().for_each(&map_order);
    }
    Ok(query)
}

/// One select item in terms of the new names: `*` and `t.*` expand to the
/// columns they stand for; a plain column reference keeps its name. Each
/// item comes with whether its name was given here (not by the query).
fn expand_item(item: SelectItem, scope: &Scope, out: &mut Vec<(SelectItem, bool)>) {
    let base = |c: &BaseColumn| (aliased(Expr::Identifier(quoted(&c.internal)), quoted(&c.name)), true);
    let view_columns = |v: &View| -> Vec<(SelectItem, bool)> {
        v.columns
            .iter()
            .map(|(name, internal)| (aliased(Expr::Identifier(quoted(internal)), name.clone()), true))
            .collect()
    };
    match item {
        SelectItem::Wildcard(_) => {
            out.extend(scope.base.iter().map(base));
            out.extend(scope.views.iter().flat_map(view_columns));
        }
        SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), options) => {
            let parts: Vec<String> = name.0.iter().filter_map(|p| p.as_ident()).map(|i| i.value.clone()).collect();
            if let Some(v) = scope.views.iter().find(|v| parts.len() == 1 && same(&v.alias, &parts[0])) {
                out.extend(view_columns(v));
                return;
            }
            let matching: Vec<&BaseColumn> = scope
                .base
                .iter()
                .filter(|c| {
                    c.qualifier.len() >= parts.len()
                        && c.qualifier[c.qualifier.len() - parts.len()..].iter().zip(&parts).all(|(a, b)| same(a, b))
                })
                .collect();
            if matching.is_empty() {
                out.push((
                    SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), options),
                    false,
                ));
            } else {
                out.extend(matching.into_iter().map(base));
            }
        }
        SelectItem::UnnamedExpr(mut e) => {
            // A plain column keeps its name: `src.key` is `key`.
            let name = match &e {
                Expr::Identifier(id) => {
                    scope.resolve(std::slice::from_ref(id)).filter(|(_, n)| *n == 1).map(|_| id.clone())
                }
                Expr::CompoundIdentifier(parts) => {
                    scope.resolve(parts).filter(|(_, n)| *n == parts.len()).and_then(|_| parts.last().cloned())
                }
                _ => None,
            };
            scope.map(&mut e);
            out.push(match name {
                Some(n) => (aliased(e, n), true),
                None => (SelectItem::UnnamedExpr(e), false),
            });
        }
        SelectItem::ExprWithAlias { mut expr, alias } => {
            scope.map(&mut expr);
            out.push((SelectItem::ExprWithAlias { expr, alias }, false));
        }
        mut other => {
            scope.map(&mut other);
            out.push((other, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> ast::Statement {
        match crate::parser::parse_statement(sql).unwrap() {
            crate::statement::HiveStatement::Query(q) => *q,
            _ => panic!("a query"),
        }
    }

    fn gens() -> HashSet<String> {
        ["explode".to_string(), "stack".to_string()].into_iter().collect()
    }

    #[test]
    fn generators_only_alone_or_in_lateral_views() {
        assert!(check_placement(&mut parse("SELECT explode(a) AS x FROM t"), &gens()).is_ok());
        assert!(check_placement(&mut parse("SELECT k FROM t LATERAL VIEW explode(a) v AS x"), &gens()).is_ok());
        assert!(check_placement(&mut parse("SELECT explode(a), k FROM t"), &gens()).is_err());
        assert!(check_placement(&mut parse("SELECT k FROM t WHERE size(explode(a)) > 1"), &gens()).is_err());
    }

    #[test]
    fn references_map_to_internal_names() {
        let scope = Scope {
            base: vec![
                BaseColumn { qualifier: vec!["src".into()], name: "key".into(), internal: "__b0".into() },
                BaseColumn { qualifier: vec!["src".into()], name: "s".into(), internal: "__b1".into() },
            ],
            views: vec![View { alias: "t".into(), columns: vec![(Ident::new("key"), "__l1_0".into())] }],
        };
        let id = |s: &str| s.split('.').map(Ident::new).collect::<Vec<_>>();
        assert_eq!(scope.resolve(&id("src.key")), Some(("__b0", 2)));
        assert_eq!(scope.resolve(&id("t.key")), Some(("__l1_0", 2)));
        assert_eq!(scope.resolve(&id("key")), Some(("__l1_0", 1)));
        assert_eq!(scope.resolve(&id("s.f")), Some(("__b1", 1)));
        assert_eq!(scope.resolve(&id("nope")), None);
    }
}
