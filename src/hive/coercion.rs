//! Hive's implicit conversions that DataFusion does differently. Arithmetic
//! on strings (`'2' + 3` is 5.0) is planned by [`HiveExprPlanner`], because
//! DataFusion's SQL planner rejects it before any rule could run; the rest is
//! an analyzer rule that runs before DataFusion's own type coercion:
//!
//! - comparing a string with a number compares both as DOUBLE (`'10' > 9` is
//!   true in Hive; DataFusion would compare the strings `'10'` and `'9'`);
//! - `/` on two integers is a DOUBLE division (`7 / 2` is 3.5), and
//!   division by zero is NULL;
//! - array subscripts count from 0 (`arr[0]` is the first element).

use std::sync::Arc;

use arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, LogicalPlan, Operator, try_cast};
use datafusion::optimizer::AnalyzerRule;

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
    // Hive's array subscripts count from 0, DataFusion's from 1.
    if let Expr::ScalarFunction(f) = &expr {
        if f.name() == "array_element" && f.args.len() == 2 {
            let mut args = f.args.clone();
            let index = args.pop().expect("two arguments");
            let shifted = Expr::BinaryExpr(BinaryExpr::new(
                Box::new(try_cast(index, DataType::Int64)),
                Operator::Plus,
                Box::new(Expr::Literal(ScalarValue::Int64(Some(1)), None)),
            ));
            args.push(shifted);
            return Ok(Transformed::yes(Expr::ScalarFunction(ScalarFunction::new_udf(f.func.clone(), args))));
        }
    }
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &expr else {
        return Ok(Transformed::no(expr));
    };
    let (Ok(lt), Ok(rt)) = (left.get_type(schema), right.get_type(schema)) else {
        return Ok(Transformed::no(expr));
    };
    // A string that is not a number compares as NULL, as in Hive.
    let to_double = |e: &Expr| try_cast(e.clone(), DataType::Float64);
    let comparison = matches!(
        op,
        Operator::Eq | Operator::NotEq | Operator::Lt | Operator::LtEq | Operator::Gt | Operator::GtEq
    );
    if comparison && ((is_string(&lt) && is_numeric(&rt)) || (is_numeric(&lt) && is_string(&rt))) {
        return Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(
            Box::new(to_double(left)),
            *op,
            Box::new(to_double(right)),
        ))));
    }
    if *op == Operator::Divide && is_numeric(&lt) && is_numeric(&rt) && !matches!(right.as_ref(), Expr::ScalarFunction(f) if f.name() == "nullif") {
        // Division by zero is NULL in Hive; integers divide as DOUBLE.
        let (l, r) = if is_integer(&lt) && is_integer(&rt) { (to_double(left), to_double(right)) } else { ((**left).clone(), (**right).clone()) };
        let zero = Expr::Literal(ScalarValue::Int32(Some(0)), None);
        let r = datafusion::functions::expr_fn::nullif(r, try_cast(zero, rt.clone()));
        return Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(Box::new(l), Operator::Divide, Box::new(r)))));
    }
    Ok(Transformed::no(expr))
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
            if rewritten.transformed {
                rewritten.map_data(|p| p.recompute_schema())
            } else {
                Ok(rewritten)
            }
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
    ) -> Result<datafusion::logical_expr::planner::PlannerResult<datafusion::logical_expr::planner::RawBinaryExpr>> {
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
