//! Rewrites of a parsed query that give it Hive's meaning before DataFusion
//! plans it. Each one fixes a place where DataFusion would otherwise return
//! different rows than Hive, silently:
//!
//! - string literals carry Hive's backslash escapes (`'\t'`, `'\001'`);
//! - `TABLESAMPLE (n ROWS)` reads n rows (DataFusion ignores the clause);
//!   other sample forms are refused rather than ignored;
//! - `GROUP BY ... WITH ROLLUP | WITH CUBE | GROUPING SETS` become the
//!   equivalent grouping expressions (DataFusion drops the modifiers);
//! - typed literals `1Y`, `2S`, `3L`, `1.5BD`, `1.5D` become casts, decimal
//!   literals are typed by their value without trailing zeros (`1.50` is
//!   DECIMAL(2,1)), and numbers with an exponent (`1.0E7`) are DOUBLE;
//! - `~x` (bitwise not) becomes `x ^ -1`;
//! - CAST is TRY_CAST: a value that does not convert is NULL (the analyzer
//!   rule in `coercion` then gives it Hive's conversions); DECIMAL alone is
//!   DECIMAL(10,0) and CAST to VARCHAR(n)/CHAR(n) keeps n characters;
//! - `(a, b) IN ((1, 2), ...)` compares the tuples field by field;
//! - unaliased select expressions are named `_c0`, `_c1`, ... as in Hive.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    self, Expr, GroupByExpr, GroupByWithModifier, Query, SetExpr, TableFactor, TableSampleKind, TableSampleUnit, Value,
    VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::parser::Parser;

use super::dialect::{HiveQl, unescape_hive_string};
use crate::error::{Error, Result};

/// Applies every rewrite to a statement in place.
pub fn rewrite_statement(stmt: &mut ast::Statement) -> Result<()> {
    let mut v = HiveRewriter { error: None };
    let _ = stmt.visit(&mut v);
    match v.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// As [`rewrite_statement`], for a query.
pub fn rewrite_query(query: &mut Query) -> Result<()> {
    let mut v = HiveRewriter { error: None };
    let _ = query.visit(&mut v);
    match v.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

struct HiveRewriter {
    error: Option<Error>,
}

impl HiveRewriter {
    fn fail(&mut self, e: Error) -> ControlFlow<()> {
        self.error = Some(e);
        ControlFlow::Break(())
    }
}

impl VisitorMut for HiveRewriter {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Err(e) = rewrite_distribution(query) {
            return self.fail(e);
        }
        rewrite_group_by(&mut query.body);
        name_unaliased_columns(&mut query.body);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        // Positions and row counts stay plain numbers: LIMIT n, ORDER BY 1, GROUP BY 1.
        if let Some(limit) = &mut query.limit_clause {
            match limit {
                ast::LimitClause::LimitOffset { limit, offset, .. } => {
                    if let Some(l) = limit {
                        uncast_int_literal(l);
                    }
                    if let Some(o) = offset {
                        uncast_int_literal(&mut o.value);
                    }
                }
                ast::LimitClause::OffsetCommaLimit { offset, limit } => {
                    uncast_int_literal(offset);
                    uncast_int_literal(limit);
                }
            }
        }
        if let Some(order) = &mut query.order_by
            && let ast::OrderByKind::Expressions(exprs) = &mut order.kind
        {
            for e in exprs {
                uncast_int_literal(&mut e.expr);
            }
        }
        uncast_group_by(&mut query.body);
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        // Table function arguments (range(10)) keep DataFusion's literal types.
        if let TableFactor::Table { args: Some(args), .. } = factor {
            for a in &mut args.args {
                if let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a {
                    uncast_int_literal(e);
                }
            }
        }
        if let TableFactor::Function { args, .. } = factor {
            for a in args {
                if let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a {
                    uncast_int_literal(e);
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        let TableFactor::Table { name, alias, sample, .. } = factor else {
            if let TableFactor::Derived { sample: Some(_), .. } = factor {
                return self.fail(Error::plan("TABLESAMPLE on a subquery is not supported"));
            }
            return ControlFlow::Continue(());
        };
        let Some(kind) = sample.take() else { return ControlFlow::Continue(()) };
        let s = match kind {
            TableSampleKind::BeforeTableAlias(s) | TableSampleKind::AfterTableAlias(s) => s,
        };
        let rows = match (&s.quantity, &s.bucket) {
            (Some(q), None) if matches!(q.unit, Some(TableSampleUnit::Rows)) => match &q.value {
                Expr::Value(v) => match &v.value {
                    Value::Number(n, _) => n.clone(),
                    _ => return self.fail(Error::plan("TABLESAMPLE (n ROWS) needs a number")),
                },
                _ => return self.fail(Error::plan("TABLESAMPLE (n ROWS) needs a number")),
            },
            _ => {
                return self
                    .fail(Error::plan(format!("TABLESAMPLE {s} is not supported yet; use TABLESAMPLE (n ROWS)")));
            }
        };
        let sql = format!("SELECT * FROM {name} LIMIT {rows}");
        let subquery = match Parser::new(&HiveQl::default()).try_with_sql(&sql).and_then(|mut p| p.parse_query()) {
            Ok(q) => q,
            Err(e) => return self.fail(Error::parse(e.to_string())),
        };
        let alias = alias.take().or_else(|| {
            name.0.last().and_then(|part| part.as_ident()).map(|id| ast::TableAlias {
                explicit: true,
                name: id.clone(),
                columns: vec![],
                at: None,
            })
        });
        *factor = TableFactor::Derived { lateral: false, subquery, alias, sample: None };
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        // CAST to VARCHAR(n) / CHAR(n): a string of at most n characters.
        if let Expr::Cast { data_type, kind, .. } = expr
            && let Some(n) = char_length(data_type)
        {
            *data_type = ast::DataType::String(None);
            *kind = ast::CastKind::TryCast;
            *expr = substr(expr.clone(), n);
            return ControlFlow::Continue(());
        }
        match expr {
            Expr::Value(v) => {
                if let Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) = &v.value {
                    v.value = Value::SingleQuotedString(unescape_hive_string(s));
                } else if let Value::Number(n, false) = &v.value {
                    // An integer literal is an INT in Hive when it fits (DataFusion makes it a BIGINT).
                    if n.parse::<i32>().is_ok() {
                        *expr = int_literal(expr.clone());
                    } else if n.contains(['e', 'E']) {
                        // A literal with an exponent is a DOUBLE in Hive (DataFusion reads it as a DECIMAL).
                        *expr = Expr::Cast {
                            kind: ast::CastKind::TryCast,
                            expr: Box::new(Expr::value(Value::SingleQuotedString(n.clone()))),
                            data_type: ast::DataType::Double(ast::ExactNumberInfo::None),
                            array: false,
                            format: None,
                        };
                    } else if let Some(decimal) = decimal_literal(n) {
                        *expr = decimal;
                    } else if n.contains(['e', 'E']) {
                        // `1.5E3` is a DOUBLE in Hive; DataFusion would read a DECIMAL
                        // (and fail past 38 digits: 4.9E-324).
                        *expr = Expr::Cast {
                            kind: ast::CastKind::Cast,
                            expr: Box::new(Expr::value(Value::SingleQuotedString(n.clone()))),
                            data_type: ast::DataType::Double(ast::ExactNumberInfo::None),
                            array: false,
                            format: None,
                        };
                    }
                }
            }
            Expr::Function(f) => {
                // Hive's constructors under DataFusion's names.
                if let [part] = f.name.0.as_slice()
                    && let Some(id) = part.as_ident()
                {
                    let renamed = match id.value.to_ascii_lowercase().as_str() {
                        "array" => Some("make_array"),
                        "map" => Some("make_map"),
                        _ => None,
                    };
                    if let Some(n) = renamed {
                        f.name = ast::ObjectName::from(vec![ast::Ident::new(n)]);
                    }
                }
            }
            Expr::Cast { data_type, kind, .. } => {
                // Hive's BINARY is DataFusion's BYTEA.
                if matches!(data_type, ast::DataType::Binary(_)) {
                    *data_type = ast::DataType::Bytea;
                }
                // Hive's DECIMAL without precision is DECIMAL(10,0).
                if let ast::DataType::Decimal(info) | ast::DataType::Dec(info) | ast::DataType::Numeric(info) =
                    data_type
                    && matches!(info, ast::ExactNumberInfo::None)
                {
                    *info = ast::ExactNumberInfo::PrecisionAndScale(10, 0);
                }
                // A value that does not convert is NULL in Hive, not an error.
                if *kind == ast::CastKind::Cast {
                    *kind = ast::CastKind::TryCast;
                }
            }
            Expr::RLike { negated, expr: e, pattern, .. } => {
                // RLIKE / REGEXP: a match anywhere in the string (Java's find).
                let arg = |e: &Expr| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e.clone()));
                let call = function("regexp_like", vec![arg(e), arg(pattern)]);
                *expr =
                    if *negated { Expr::UnaryOp { op: ast::UnaryOperator::Not, expr: Box::new(call) } } else { call };
            }
            Expr::InList { expr: e, list, negated } if matches!(e.as_ref(), Expr::Tuple(_)) => {
                if let Some(any) = tuple_in(e, list) {
                    let any = Expr::Nested(Box::new(any));
                    *expr =
                        if *negated { Expr::UnaryOp { op: ast::UnaryOperator::Not, expr: Box::new(any) } } else { any };
                }
            }
            Expr::Identifier(id) if id.quote_style.is_none() => {
                if let Some(typed) = typed_literal(&id.value) {
                    *expr = typed;
                }
            }
            // `1.5BD` and `1.5D` read as the compound name `1`.`5BD` (names may start with digits).
            Expr::CompoundIdentifier(parts) if parts.len() == 2 && parts.iter().all(|p| p.quote_style.is_none()) => {
                if parts[0].value.bytes().all(|b| b.is_ascii_digit())
                    && let Some(typed) = typed_literal(&format!("{}.{}", parts[0].value, parts[1].value))
                {
                    *expr = typed;
                }
            }
            // `named_struct('a', 1).a`: a field of a function's result. DataFusion plans
            // field access by name only in subscript form, `f(..)['a']`.
            Expr::CompoundFieldAccess { root, access_chain } if matches!(root.as_ref(), Expr::Function(_)) => {
                for access in access_chain.iter_mut() {
                    if let ast::AccessExpr::Dot(Expr::Identifier(id)) = access {
                        let name = Expr::value(Value::SingleQuotedString(id.value.to_ascii_lowercase()));
                        *access = ast::AccessExpr::Subscript(ast::Subscript::Index { index: name });
                    }
                }
            }
            // Hive's bitwise not: `~x` is `x ^ -1` (DataFusion plans no `~`).
            Expr::UnaryOp { op: ast::UnaryOperator::BitwiseNot, expr: operand } => {
                let minus_one = Expr::UnaryOp {
                    op: ast::UnaryOperator::Minus,
                    expr: Box::new(Expr::value(Value::Number("1".into(), false))),
                };
                *expr = Expr::Nested(Box::new(Expr::BinaryOp {
                    left: Box::new(Expr::Nested(operand.clone())),
                    op: ast::BinaryOperator::BitwiseXor,
                    right: Box::new(minus_one),
                }));
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// The length of a VARCHAR(n) or CHAR(n) type.
fn char_length(t: &ast::DataType) -> Option<u64> {
    match t {
        ast::DataType::Varchar(Some(ast::CharacterLength::IntegerLength { length, .. }))
        | ast::DataType::Char(Some(ast::CharacterLength::IntegerLength { length, .. })) => Some(*length),
        _ => None,
    }
}

/// `substr(e, 1, n)`: the first n characters.
fn substr(e: Expr, n: u64) -> Expr {
    let arg = |e: Expr| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e));
    let number = |v: u64| Expr::value(Value::Number(v.to_string(), false));
    function("substr", vec![arg(e), arg(number(1)), arg(number(n))])
}

/// A call of `name` with `args`.
fn function(name: &str, args: Vec<ast::FunctionArg>) -> Expr {
    Expr::Function(ast::Function {
        name: ast::ObjectName::from(vec![ast::Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: ast::FunctionArguments::None,
        args: ast::FunctionArguments::List(ast::FunctionArgumentList {
            duplicate_treatment: None,
            args,
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

/// `(a, b) IN ((x, y), ...)` as `(a = x AND b = y) OR ...`; None when a
/// list item is not a tuple of the same width.
fn tuple_in(e: &Expr, list: &[Expr]) -> Option<Expr> {
    let Expr::Tuple(fields) = e else { return None };
    let mut any: Option<Expr> = None;
    for item in list {
        let Expr::Tuple(values) = item else { return None };
        if values.len() != fields.len() {
            return None;
        }
        let all = fields
            .iter()
            .zip(values)
            .map(|(f, v)| Expr::BinaryOp {
                left: Box::new(f.clone()),
                op: ast::BinaryOperator::Eq,
                right: Box::new(v.clone()),
            })
            .reduce(|a, b| Expr::BinaryOp { left: Box::new(a), op: ast::BinaryOperator::And, right: Box::new(b) })?;
        let all = Expr::Nested(Box::new(all));
        any = Some(match any {
            None => all,
            Some(a) => Expr::BinaryOp { left: Box::new(a), op: ast::BinaryOperator::Or, right: Box::new(all) },
        });
    }
    any
}

fn int_literal(number: Expr) -> Expr {
    Expr::Cast {
        kind: ast::CastKind::TryCast,
        expr: Box::new(number),
        data_type: ast::DataType::Int(None),
        array: false,
        format: None,
    }
}

/// Undoes [`int_literal`] where a plain number is needed.
fn uncast_int_literal(e: &mut Expr) {
    if let Expr::Cast { expr, data_type: ast::DataType::Int(None), .. } = e
        && matches!(expr.as_ref(), Expr::Value(v) if matches!(v.value, Value::Number(..)))
    {
        *e = (**expr).clone();
    }
}

fn uncast_group_by(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => {
            if let GroupByExpr::Expressions(exprs, _) = &mut select.group_by {
                exprs.iter_mut().for_each(uncast_int_literal);
            }
        }
        SetExpr::SetOperation { left, right, .. } => {
            uncast_group_by(left);
            uncast_group_by(right);
        }
        _ => {}
    }
}

/// A decimal literal is typed by its value without trailing zeros, as in
/// Hive: `1.50` is DECIMAL(2,1), `0.0` is DECIMAL(1,0). Exponent forms stay as they are.
fn decimal_literal(number: &str) -> Option<Expr> {
    let (int, frac) = number.split_once('.')?;
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let int = int.trim_start_matches('0');
    let precision = (int.len() + frac.len()).max(1) as u64;
    let scale = frac.len() as u64;
    if precision > 38 {
        return None;
    }
    let text = match (int.is_empty(), frac.is_empty()) {
        (true, true) => "0".to_string(),
        (_, true) => int.to_string(),
        (true, false) => format!("0.{frac}"),
        (false, false) => format!("{int}.{frac}"),
    };
    Some(Expr::Cast {
        kind: ast::CastKind::Cast,
        expr: Box::new(Expr::value(Value::Number(text, false))),
        data_type: ast::DataType::Decimal(ast::ExactNumberInfo::PrecisionAndScale(precision, scale as i64)),
        array: false,
        format: None,
    })
}

/// `100Y`, `5S`, `7L` → CAST(100 AS TINYINT) and so on; `1.5BD` is a
/// DECIMAL literal, `1.5D` a DOUBLE.
fn typed_literal(word: &str) -> Option<Expr> {
    let upper = word.to_ascii_uppercase();
    if let Some(d) = upper.strip_suffix("BD") {
        let d = if d.contains('.') { d.to_string() } else { format!("{d}.0") };
        return decimal_literal(&d);
    }
    if let Some(d) = upper.strip_suffix('D') {
        let ok = !d.is_empty()
            && d.bytes().filter(|b| *b == b'.').count() <= 1
            && d.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        return ok.then(|| Expr::Cast {
            kind: ast::CastKind::Cast,
            expr: Box::new(Expr::value(Value::Number(d.to_string(), false))),
            data_type: ast::DataType::Double(ast::ExactNumberInfo::None),
            array: false,
            format: None,
        });
    }
    let (digits, ty) = if let Some(d) = upper.strip_suffix('Y') {
        (d, ast::DataType::TinyInt(None))
    } else if let Some(d) = upper.strip_suffix('S') {
        (d, ast::DataType::SmallInt(None))
    } else if let Some(d) = upper.strip_suffix('L') {
        (d, ast::DataType::BigInt(None))
    } else {
        return None;
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Expr::Cast {
        kind: ast::CastKind::Cast,
        expr: Box::new(Expr::value(Value::Number(digits.to_string(), false))),
        data_type: ty,
        array: false,
        format: None,
    })
}

/// Hive names an unaliased select expression `_c<position>`.
/// A column reference, not a typed literal such as `1Y` or `1.5BD` that
/// reads as a name.
fn is_column(e: &Expr) -> bool {
    match e {
        Expr::Identifier(id) => id.quote_style.is_some() || typed_literal(&id.value).is_none(),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [a, b]
                if a.quote_style.is_none()
                    && b.quote_style.is_none()
                    && a.value.bytes().all(|c| c.is_ascii_digit()) =>
            {
                typed_literal(&format!("{}.{}", a.value, b.value)).is_none()
            }
            _ => true,
        },
        _ => false,
    }
}

fn name_unaliased_columns(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => {
            for (i, item) in select.projection.iter_mut().enumerate() {
                if let ast::SelectItem::UnnamedExpr(e) = item
                    && !is_column(e)
                {
                    *item =
                        ast::SelectItem::ExprWithAlias { expr: e.clone(), alias: ast::Ident::new(format!("_c{i}")) };
                }
            }
        }
        SetExpr::SetOperation { left, .. } => name_unaliased_columns(left),
        _ => {}
    }
}

fn rewrite_group_by(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => {
            if let GroupByExpr::Expressions(exprs, modifiers) = &mut select.group_by {
                if modifiers.is_empty() {
                    return;
                }
                let cols: Vec<Vec<Expr>> = exprs.iter().map(|e| vec![e.clone()]).collect();
                let grouping = match modifiers.remove(0) {
                    GroupByWithModifier::Rollup => Expr::Rollup(cols),
                    GroupByWithModifier::Cube => Expr::Cube(cols),
                    GroupByWithModifier::GroupingSets(e) => e,
                    GroupByWithModifier::Totals => return,
                };
                *exprs = vec![grouping];
            }
        }
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_group_by(left);
            rewrite_group_by(right);
        }
        _ => {}
    }
}

/// Hive's `SORT BY`, `CLUSTER BY` and `DISTRIBUTE BY`. They describe how rows
/// reach Hive's reducers: DISTRIBUTE BY sends equal keys to one reducer, SORT
/// BY sorts each reducer's rows, CLUSTER BY does both on the same keys. A
/// query here returns one stream, which is one reducer's output, so SORT BY and
/// CLUSTER BY become an ORDER BY (the order Hive gives with one reducer) and
/// DISTRIBUTE BY alone changes nothing. The combinations Hive refuses are refused
/// with its messages.
fn rewrite_distribution(query: &mut Query) -> Result<()> {
    let ast::SetExpr::Select(select) = query.body.as_mut() else { return Ok(()) };
    if select.sort_by.is_empty() && select.cluster_by.is_empty() && select.distribute_by.is_empty() {
        return Ok(());
    }
    let cluster = !select.cluster_by.is_empty();
    if cluster && !select.sort_by.is_empty() {
        return Err(Error::plan("Cannot have both CLUSTER BY and SORT BY clauses"));
    }
    if cluster && !select.distribute_by.is_empty() {
        return Err(Error::plan("Cannot have both CLUSTER BY and DISTRIBUTE BY clauses"));
    }
    if query.order_by.is_some() && (cluster || !select.sort_by.is_empty()) {
        let other = if cluster { "CLUSTER BY" } else { "SORT BY" };
        return Err(Error::plan(format!("Cannot have both ORDER BY and {other} clauses")));
    }
    let keys: Vec<ast::OrderByExpr> = if cluster {
        select
            .cluster_by
            .drain(..)
            .map(|expr| ast::OrderByExpr {
                expr,
                options: ast::OrderByOptions { asc: None, nulls_first: None },
                with_fill: None,
            })
            .collect()
    } else {
        select.sort_by.drain(..).collect()
    };
    select.distribute_by.clear();
    if !keys.is_empty() {
        query.order_by = Some(ast::OrderBy { kind: ast::OrderByKind::Expressions(keys), interpolate: None });
    }
    Ok(())
}
