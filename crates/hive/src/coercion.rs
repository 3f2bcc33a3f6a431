//! Hive's implicit conversions that DataFusion does differently. Arithmetic
//! on strings (`'2' + 3` is 5.0) is planned by [`HiveExprPlanner`], because
//! DataFusion's SQL planner rejects it before any rule could run; the rest is
//! an analyzer rule that runs before DataFusion's own type coercion:
//!
//! - CAST and TRY_CAST convert as Hive does (`enma_udfs::common::hive_cast`):
//!   where Hive's result differs from Arrow's, the cast becomes Hive's `cast`
//!   function, and a cast of a literal is folded to the converted literal;
//! - comparing a string with a number compares both as DOUBLE (`'10' > 9` is
//!   true in Hive; DataFusion would compare the strings `'10'` and `'9'`),
//!   and so do the two comparisons of BETWEEN;
//! - IN converts its operands to Hive's common type, taken left to right
//!   (`'bee' IN ('aee', 1)` compares strings, `1.0 IN ('1')` decimals), and
//!   so do the elements of `array(...)` and the keys and values of `map(...)`;
//! - `/` on two integers is a DOUBLE division (`7 / 2` is 3.5), and
//!   division by zero is NULL;
//! - array subscripts count from 0 (`arr[0]` is the first element).

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::expr::{Between, InList};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{BinaryExpr, Cast, Expr, ExprSchemable, LogicalPlan, Operator, TryCast, try_cast};
use datafusion::optimizer::AnalyzerRule;
use enma_udfs::common::hive_cast::{self, needs_hive_cast};
use enma_udfs::conversion::cast::cast_expr;

/// The analyzer rule; register it before DataFusion's `TypeCoercion`.
#[derive(Debug, Default)]
pub struct HiveCoercion;

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_numeric(t: &DataType) -> bool {
    t.is_numeric()
}

fn is_integer(t: &DataType) -> bool {
    t.is_integer()
}

fn rewrite(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    // array(...) and map(...) convert their elements to Hive's common type
    // (`array(1, 'a')` is ["1","a"]); DataFusion would cast 'a' to a number.
    if let Expr::ScalarFunction(f) = &expr {
        let name = f.name();
        let groups: &[usize] = match name {
            "make_array" | "array" => &[0],
            "make_map" | "map" if f.args.len() % 2 == 0 => &[0, 1],
            _ => &[],
        };
        let step = groups.len();
        if step > 0 && !f.args.is_empty() {
            let Ok(types) = f.args.iter().map(|a| a.get_type(schema)).collect::<Result<Vec<_>>>() else {
                return Ok(Transformed::no(expr));
            };
            let mut args = f.args.clone();
            let mut changed = false;
            for &g in groups {
                let of_group: Vec<DataType> = types.iter().skip(g).step_by(step).cloned().collect();
                let mixed = of_group.iter().any(is_string) && of_group.iter().any(|t| !is_string(t) && !t.is_null());
                let Some(common) = mixed.then(|| in_common_type(&of_group)).flatten() else { continue };
                for i in (g..args.len()).step_by(step) {
                    args[i] = cast_expr(args[i].clone(), &types[i], &common);
                }
                changed = true;
            }
            if changed {
                return Ok(Transformed::yes(Expr::ScalarFunction(ScalarFunction::new_udf(f.func.clone(), args))));
            }
        }
    }
    // Hive's array subscripts count from 0, DataFusion's from 1.
    if let Expr::ScalarFunction(f) = &expr
        && f.name() == "array_element"
        && let [array, index] = f.args.as_slice()
    {
        let shifted = Expr::BinaryExpr(BinaryExpr::new(
            Box::new(try_cast(index.clone(), DataType::Int64)),
            Operator::Plus,
            Box::new(Expr::Literal(ScalarValue::Int64(Some(1)), None)),
        ));
        let args = vec![array.clone(), shifted];
        return Ok(Transformed::yes(Expr::ScalarFunction(ScalarFunction::new_udf(f.func.clone(), args))));
    }
    match &expr {
        Expr::Cast(Cast { expr: inner, field }) | Expr::TryCast(TryCast { expr: inner, field }) => {
            let data_type = field.data_type();
            let Ok(from) = inner.get_type(schema) else { return Ok(Transformed::no(expr)) };
            if !needs_hive_cast(&from, data_type) {
                return Ok(Transformed::no(expr));
            }
            if let Expr::Literal(v, _) = inner.as_ref() {
                let converted = hive_cast::cast(&v.to_array()?, data_type)?;
                return Ok(Transformed::yes(Expr::Literal(ScalarValue::try_from_array(&converted, 0)?, None)));
            }
            return Ok(Transformed::yes(cast_expr((**inner).clone(), &from, data_type)));
        }
        Expr::InList(InList { expr: e, list, negated }) => {
            let Ok(types) =
                std::iter::once(e.as_ref()).chain(list).map(|x| x.get_type(schema)).collect::<Result<Vec<_>>>()
            else {
                return Ok(Transformed::no(expr));
            };
            let mixed = types.iter().any(is_string) && types.iter().any(|t| !is_string(t) && !t.is_null());
            let Some(common) = mixed.then(|| in_common_type(&types)).flatten() else {
                return Ok(Transformed::no(expr));
            };
            let mut items = std::iter::once((**e).clone())
                .chain(list.iter().cloned())
                .zip(&types)
                .map(|(x, t)| cast_expr(x, t, &common));
            let Some(e) = items.next() else { return Ok(Transformed::no(expr)) };
            return Ok(Transformed::yes(Expr::InList(InList::new(Box::new(e), items.collect(), *negated))));
        }
        Expr::Between(Between { expr: e, negated, low, high }) => {
            let (Ok(et), Ok(lt), Ok(ht)) = (e.get_type(schema), low.get_type(schema), high.get_type(schema)) else {
                return Ok(Transformed::no(expr));
            };
            if !(string_vs_number(&et, &lt) || string_vs_number(&et, &ht)) {
                return Ok(Transformed::no(expr));
            }
            // Hive compares the value with each bound on its own.
            let ge = compare((**e).clone(), &et, Operator::GtEq, (**low).clone(), &lt);
            let le = compare((**e).clone(), &et, Operator::LtEq, (**high).clone(), &ht);
            let both = ge.and(le);
            return Ok(Transformed::yes(if *negated { Expr::Not(Box::new(both)) } else { both }));
        }
        _ => {}
    }
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &expr else {
        return Ok(Transformed::no(expr));
    };
    let (Ok(lt), Ok(rt)) = (left.get_type(schema), right.get_type(schema)) else {
        return Ok(Transformed::no(expr));
    };
    // A string that is not a number compares as NULL, as in Hive.
    let to_double = |e: &Expr| try_cast(e.clone(), DataType::Float64);
    let comparison =
        matches!(op, Operator::Eq | Operator::NotEq | Operator::Lt | Operator::LtEq | Operator::Gt | Operator::GtEq);
    if comparison && string_vs_number(&lt, &rt) {
        return Ok(Transformed::yes(compare((**left).clone(), &lt, *op, (**right).clone(), &rt)));
    }
    if *op == Operator::Divide
        && is_numeric(&lt)
        && is_numeric(&rt)
        && !matches!(right.as_ref(), Expr::ScalarFunction(f) if f.name() == "nullif")
    {
        // Division by zero is NULL in Hive; integers divide as DOUBLE.
        let (l, r) = if is_integer(&lt) && is_integer(&rt) {
            (to_double(left), to_double(right))
        } else {
            ((**left).clone(), (**right).clone())
        };
        let zero = Expr::Literal(ScalarValue::Int32(Some(0)), None);
        let r = datafusion::functions::expr_fn::nullif(r, try_cast(zero, rt.clone()));
        return Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(Box::new(l), Operator::Divide, Box::new(r)))));
    }
    Ok(Transformed::no(expr))
}

fn string_vs_number(a: &DataType, b: &DataType) -> bool {
    (is_string(a) && is_numeric(b)) || (is_numeric(a) && is_string(b))
}

/// `l op r` as Hive compares: a string and a number both as DOUBLE.
fn compare(l: Expr, lt: &DataType, op: Operator, r: Expr, rt: &DataType) -> Expr {
    let (l, r) = if string_vs_number(lt, rt) {
        (cast_expr(l, lt, &DataType::Float64), cast_expr(r, rt, &DataType::Float64))
    } else {
        (l, r)
    };
    Expr::BinaryExpr(BinaryExpr::new(Box::new(l), op, Box::new(r)))
}

/// Hive's rank of the numeric types for implicit widening.
fn numeric_rank(t: &DataType) -> Option<u8> {
    Some(match t {
        DataType::Int8 => 1,
        DataType::Int16 => 2,
        DataType::Int32 => 3,
        DataType::Int64 => 4,
        DataType::Decimal128(..) => 5,
        DataType::Float32 => 6,
        DataType::Float64 => 7,
        _ => return None,
    })
}

/// Hive's `implicitConvertible`: may a `from` value be passed where `to` is expected?
fn implicit_convertible(from: &DataType, to: &DataType) -> bool {
    if from == to || from.is_null() {
        return true;
    }
    if is_string(from) {
        return matches!(to, DataType::Float64 | DataType::Decimal128(..));
    }
    if is_string(to) {
        return numeric_rank(from).is_some() || matches!(from, DataType::Date32 | DataType::Timestamp(..));
    }
    matches!((numeric_rank(from), numeric_rank(to)), (Some(f), Some(t)) if f <= t)
}

/// Hive's `getCommonClass` of two primitive types (None when there is none).
fn common_class(a: &DataType, b: &DataType) -> Option<DataType> {
    if a == b {
        return Some(a.clone());
    }
    if is_string(a) && is_string(b) {
        return Some(DataType::Utf8);
    }
    if let (DataType::Decimal128(_, s1), DataType::Decimal128(_, s2)) = (a, b) {
        return Some(DataType::Decimal128(38, (*s1).max(*s2)));
    }
    if implicit_convertible(a, b) {
        return Some(if is_string(b) { DataType::Utf8 } else { b.clone() });
    }
    if implicit_convertible(b, a) {
        return Some(if is_string(a) { DataType::Utf8 } else { a.clone() });
    }
    [
        DataType::Int8,
        DataType::Int16,
        DataType::Int32,
        DataType::Int64,
        DataType::Decimal128(38, 18),
        DataType::Float32,
        DataType::Float64,
    ]
    .into_iter()
    .find(|t| implicit_convertible(a, t) && implicit_convertible(b, t))
}

/// The type IN compares in: each operand's type merged into the common type
/// of those before it, in order.
fn in_common_type(types: &[DataType]) -> Option<DataType> {
    let mut common = types.first()?.clone();
    for t in &types[1..] {
        common = common_class(t, &common)?;
    }
    Some(common)
}

fn input_schema(plan: &LogicalPlan) -> Arc<DFSchema> {
    let inputs = plan.inputs();
    match inputs.as_slice() {
        [] => Arc::new(DFSchema::empty()),
        [one] => one.schema().clone(),
        many => {
            let mut merged = DFSchema::empty();
            for i in many {
                merged.merge(i.schema());
            }
            Arc::new(merged)
        }
    }
}

impl AnalyzerRule for HiveCoercion {
    fn name(&self) -> &str {
        "hive_coercion"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|plan| {
            // VALUES carries its own schema; its literals keep their types.
            if matches!(plan, LogicalPlan::Values(_)) {
                return Ok(Transformed::no(plan));
            }
            let schema = input_schema(&plan);
            // Rewritten expressions keep their names, which parent plans refer to.
            let names = NamePreserver::new(&plan);
            let rewritten = plan.map_expressions(|e| {
                let original = names.save(&e);
                Ok(e.transform_up(|e| rewrite(e, &schema))?.update_data(|e| original.restore(e)))
            })?;
            if rewritten.transformed { rewritten.map_data(|p| p.recompute_schema()) } else { Ok(rewritten) }
        })
        .map(|t| t.data)
    }
}

/// Plans Hive's arithmetic on strings: a string operand of `+ - * / %` is
/// read as a DOUBLE (NULL when it is not a number).
#[derive(Debug, Default)]
pub struct HiveExprPlanner;

impl datafusion::logical_expr::planner::ExprPlanner for HiveExprPlanner {
    fn plan_binary_op(
        &self,
        expr: datafusion::logical_expr::planner::RawBinaryExpr,
        schema: &DFSchema,
    ) -> Result<datafusion::logical_expr::planner::PlannerResult<datafusion::logical_expr::planner::RawBinaryExpr>>
    {
        use datafusion::logical_expr::planner::PlannerResult;
        use datafusion::sql::sqlparser::ast::BinaryOperator as B;
        let op = match expr.op {
            B::Plus => Operator::Plus,
            B::Minus => Operator::Minus,
            B::Multiply => Operator::Multiply,
            B::Divide => Operator::Divide,
            B::Modulo => Operator::Modulo,
            _ => return Ok(PlannerResult::Original(expr)),
        };
        // Typing an operand walks its whole tree: in a chain `a + b + c ...`
        // that would make planning quadratic. An arithmetic operand, or a
        // literal that is no string, is known to be no string without it.
        if surely_not_string(&expr.left) && surely_not_string(&expr.right) {
            return Ok(PlannerResult::Original(expr));
        }
        let (Ok(lt), Ok(rt)) = (expr.left.get_type(schema), expr.right.get_type(schema)) else {
            return Ok(PlannerResult::Original(expr));
        };
        let strings = (is_string(&lt) && (is_numeric(&rt) || is_string(&rt))) || (is_numeric(&lt) && is_string(&rt));
        if !strings {
            return Ok(PlannerResult::Original(expr));
        }
        Ok(PlannerResult::Planned(Expr::BinaryExpr(BinaryExpr::new(
            Box::new(try_cast(expr.left, DataType::Float64)),
            op,
            Box::new(try_cast(expr.right, DataType::Float64)),
        ))))
    }
}

/// An arithmetic expression (already through this planner, so its strings
/// became doubles) or a literal of another type than a string.
fn surely_not_string(e: &Expr) -> bool {
    match e {
        Expr::BinaryExpr(b) => {
            matches!(b.op, Operator::Plus | Operator::Minus | Operator::Multiply | Operator::Divide | Operator::Modulo)
        }
        Expr::Literal(v, _) => !is_string(&v.data_type()),
        _ => false,
    }
}
