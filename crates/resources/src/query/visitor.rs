//! Behavioural twins of the two Python walkers Eve runs over a parsed tree:
//!
//! * `eve.io.mongo.parser.MongoVisitor` (the Python-syntax `where`), an
//!   `ast.NodeVisitor` with one piece of state, `current_value`, that every
//!   visited name/number/string overwrites and that comparisons read. Its
//!   quirks are reproduced on purpose: `a == -1` gives `{"a": 1}` (the unary
//!   minus is walked, not applied), `a == True`/`None` give `{"a": "a"}`
//!   (those constants are not visited, so the left name is still current),
//!   `not` inside `and`/`or` is ignored, only the first operator of a chained
//!   comparison counts, `in`/`is` crash (500), statements add up in one dict.
//! * `ast.literal_eval`, used on `?sort=`.

use bson::oid::ObjectId;
use chrono::NaiveDate;

use super::pysyntax::{BinOpKind, CmpOp, Comprehension, Expr, Stmt, UnOp};
use super::pyval::{PyDict, PyVal, py_hashable, py_type_name};

/// How the Python-syntax parser fails.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum VisitError {
    /// `ParseError`: Eve answers 400 "Unable to parse `where` clause".
    Parse(&'static str),
    /// Any other exception: Eve answers 500.
    Crash(String),
}

struct MongoVisitor {
    mongo_query: PyDict,
    ops: Vec<Vec<PyVal>>,
    current: PyVal,
    depth: usize,
}

/// Tree depth at which Eve's recursive walk exceeds Python's default
/// recursion limit (1000 frames, about two per level, less the frames of
/// Flask and Eve below it): a `RecursionError`, hence a 500.
const MAX_VISIT_DEPTH: usize = 450;

impl MongoVisitor {
    fn stmt(&mut self, s: &Stmt) -> Result<(), VisitError> {
        match s {
            Stmt::Expr(e) => {
                if !matches!(e, Expr::Compare { .. } | Expr::BoolOp { .. }) {
                    return Err(VisitError::Parse("Will only parse conditional statements"));
                }
                self.visit(e)
            }
            Stmt::Assign { targets, value } => {
                for t in targets {
                    self.visit(t)?;
                }
                self.visit(value)
            }
            Stmt::Pass => Ok(()),
        }
    }

    fn visit_opt(&mut self, e: &Option<Box<Expr>>) -> Result<(), VisitError> {
        match e {
            Some(e) => self.visit(e),
            None => Ok(()),
        }
    }

    fn visit_generators(&mut self, gens: &[Comprehension]) -> Result<(), VisitError> {
        for g in gens {
            self.visit(&g.target)?;
            self.visit(&g.iter)?;
            self.visit_all(&g.ifs)?;
        }
        Ok(())
    }

    fn visit_all(&mut self, items: &[Expr]) -> Result<(), VisitError> {
        items.iter().try_for_each(|e| self.visit(e))
    }

    fn visit(&mut self, e: &Expr) -> Result<(), VisitError> {
        self.depth += 1;
        if self.depth > MAX_VISIT_DEPTH {
            return Err(VisitError::Crash("RecursionError: maximum recursion depth exceeded".into()));
        }
        let r = self.visit_node(e);
        self.depth -= 1;
        r
    }

    #[inline(never)]
    fn visit_compare(&mut self, left: &Expr, ops: &[CmpOp], comparators: &[Expr]) -> Result<(), VisitError> {
        self.visit(left)?;
        let left = self.current.clone();
        let op = match ops.first() {
            Some(CmpOp::Eq) => "",
            Some(CmpOp::Gt) => "$gt",
            Some(CmpOp::GtE) => "$gte",
            Some(CmpOp::Lt) => "$lt",
            Some(CmpOp::LtE) => "$lte",
            Some(CmpOp::NotEq) => "$ne",
            Some(other) => {
                return Err(VisitError::Crash(format!("KeyError: <class 'ast.{other:?}'>")));
            }
            None => "",
        };
        if let Some(c) = comparators.first() {
            self.visit(c)?;
        }
        let value = if op.is_empty() {
            self.current.clone()
        } else {
            PyVal::Dict(PyDict::single(PyVal::Str(op.into()), self.current.clone()))
        };
        let entry = PyDict::single(left, value);
        match self.ops.last_mut() {
            Some(top) => top.push(PyVal::Dict(entry)),
            None => {
                for (k, v) in entry.0 {
                    self.mongo_query.set(k, v);
                }
            }
        }
        Ok(())
    }

    #[inline(never)]
    fn visit_call(&mut self, func: &Expr, args: &[Expr]) -> Result<(), VisitError> {
        if let Expr::Name(name) = func {
            if name == "ObjectId" {
                // ObjectId(node.args[0].s); any exception is swallowed
                if let Some(Expr::Constant(v)) = args.first()
                    && let Some(oid) = objectid_from(v)
                {
                    self.current = PyVal::ObjectId(oid);
                }
            } else if name == "datetime" {
                // [arg.n for arg in node.args]: a non-constant crashes
                let mut values = Vec::new();
                for a in args {
                    match a {
                        Expr::Constant(v) => values.push(v.clone()),
                        other => {
                            return Err(VisitError::Crash(format!(
                                "AttributeError: '{}' object has no attribute 'n'",
                                node_name(other)
                            )));
                        }
                    }
                }
                if let Some(dt) = datetime_from(&values) {
                    self.current = PyVal::DateTime(dt);
                }
            }
        }
        Ok(())
    }

    fn visit_node(&mut self, e: &Expr) -> Result<(), VisitError> {
        match e {
            Expr::Compare { left, ops, comparators } => self.visit_compare(left, ops, comparators),
            Expr::BoolOp { and, values } => {
                let op = if *and { "$and" } else { "$or" };
                self.ops.push(Vec::new());
                self.visit_all(values)?;
                let c = self.ops.pop().unwrap_or_default();
                let entry = PyVal::List(c);
                match self.ops.last_mut() {
                    Some(top) => top.push(PyVal::Dict(PyDict::single(PyVal::Str(op.into()), entry))),
                    None => self.mongo_query.set(PyVal::Str(op.into()), entry),
                }
                Ok(())
            }
            Expr::Call { func, args, .. } => self.visit_call(func, args),
            Expr::Attribute { value, attr } => {
                self.visit(value)?;
                match &mut self.current {
                    PyVal::Str(s) | PyVal::BadStr(s) => {
                        s.push('.');
                        s.push_str(attr);
                        Ok(())
                    }
                    other => Err(VisitError::Crash(format!(
                        "TypeError: unsupported operand type(s) for +=: '{}' and 'str'",
                        py_type_name(other)
                    ))),
                }
            }
            Expr::Name(id) => {
                self.current = PyVal::Str(id.clone());
                Ok(())
            }
            Expr::Constant(v) => {
                // visit_Num / visit_Str exist; bool, None, bytes, Ellipsis
                // fall back to generic_visit and leave current_value alone
                if matches!(
                    v,
                    PyVal::Int(_)
                        | PyVal::BigInt(..)
                        | PyVal::Float(_)
                        | PyVal::Complex(..)
                        | PyVal::Str(_)
                        | PyVal::BadStr(_)
                ) {
                    self.current = v.clone();
                }
                Ok(())
            }
            // generic_visit: children in _fields order
            Expr::BinOp { left, right, .. } => {
                self.visit(left)?;
                self.visit(right)
            }
            Expr::UnaryOp { operand, .. } => self.visit(operand),
            Expr::IfExp { test, body, orelse } => {
                self.visit(test)?;
                self.visit(body)?;
                self.visit(orelse)
            }
            Expr::Dict { keys, values } => {
                for k in keys.iter().flatten() {
                    self.visit(k)?;
                }
                self.visit_all(values)
            }
            Expr::Set(items) | Expr::List(items) | Expr::Tuple(items) => self.visit_all(items),
            Expr::Subscript { value, slice } => {
                self.visit(value)?;
                self.visit(slice)
            }
            Expr::Starred(inner) => self.visit(inner),
            Expr::Slice { lower, upper, step } => {
                self.visit_opt(lower)?;
                self.visit_opt(upper)?;
                self.visit_opt(step)
            }
            Expr::Comp { elt, generators } => {
                self.visit(elt)?;
                self.visit_generators(generators)
            }
            Expr::DictComp { key, value, generators } => {
                self.visit(key)?;
                self.visit(value)?;
                self.visit_generators(generators)
            }
            Expr::NamedExpr { target, value } => {
                self.visit(target)?;
                self.visit(value)
            }
            Expr::JoinedStr(values) => self.visit_all(values),
            Expr::FormattedValue { value, format_spec } => {
                self.visit(value)?;
                self.visit_opt(format_spec)
            }
        }
    }
}

fn node_name(e: &Expr) -> &'static str {
    match e {
        Expr::BoolOp { .. } => "BoolOp",
        Expr::BinOp { .. } => "BinOp",
        Expr::UnaryOp { .. } => "UnaryOp",
        Expr::IfExp { .. } => "IfExp",
        Expr::Dict { .. } => "Dict",
        Expr::Set(_) => "Set",
        Expr::Compare { .. } => "Compare",
        Expr::Call { .. } => "Call",
        Expr::Constant(_) => "Constant",
        Expr::Attribute { .. } => "Attribute",
        Expr::Subscript { .. } => "Subscript",
        Expr::Starred(_) => "Starred",
        Expr::Name(_) => "Name",
        Expr::List(_) => "List",
        Expr::Tuple(_) => "Tuple",
        Expr::Slice { .. } => "Slice",
        Expr::Comp { .. } => "ListComp",
        Expr::DictComp { .. } => "DictComp",
        Expr::NamedExpr { .. } => "NamedExpr",
        Expr::JoinedStr(_) => "JoinedStr",
        Expr::FormattedValue { .. } => "FormattedValue",
    }
}

/// `bson.ObjectId(value)` for a literal: a 24-hex `str`, 12 `bytes`, or
/// `None` (a fresh id, as pymongo generates one).
fn objectid_from(v: &PyVal) -> Option<ObjectId> {
    match v {
        PyVal::Str(s) if s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()) => ObjectId::parse_str(s).ok(),
        PyVal::Bytes(b) => <[u8; 12]>::try_from(b.as_slice()).ok().map(ObjectId::from_bytes),
        PyVal::None => Some(ObjectId::new()),
        _ => None,
    }
}

/// `datetime.datetime(*values)`; `None` where Python raises.
fn datetime_from(values: &[PyVal]) -> Option<chrono::NaiveDateTime> {
    if values.len() < 3 || values.len() > 8 {
        return None;
    }
    let mut ints = [0i128, 1, 1, 0, 0, 0, 0];
    for (i, v) in values.iter().enumerate() {
        if i == 7 {
            // tzinfo: only None is accepted here
            if !matches!(v, PyVal::None) {
                return None;
            }
            continue;
        }
        ints[i] = match v {
            PyVal::Int(x) => *x,
            PyVal::Bool(b) => i128::from(u8::from(*b)),
            _ => return None,
        };
    }
    let [y, mo, d, h, mi, s, us] = ints;
    if !(1..=9999).contains(&y) || !(0..=23).contains(&h) || !(0..=59).contains(&mi) {
        return None;
    }
    if !(0..=59).contains(&s) || !(0..=999_999).contains(&us) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, u32::try_from(mo).ok()?, u32::try_from(d).ok()?)?;
    date.and_hms_micro_opt(h as u32, mi as u32, s as u32, us as u32)
}

/// Eve's `parse(expression)` on an already parsed module.
pub(crate) fn mongo_visit(stmts: &[Stmt]) -> Result<PyDict, VisitError> {
    let mut v = MongoVisitor { mongo_query: PyDict::new(), ops: Vec::new(), current: PyVal::None, depth: 0 };
    for s in stmts {
        v.stmt(s)?;
    }
    if v.mongo_query.is_empty() {
        return Err(VisitError::Parse(
            "Only conditional statements with boolean (and, or) and comparison operators are supported.",
        ));
    }
    Ok(v.mongo_query)
}

/// How `ast.literal_eval` fails (after parsing succeeded).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LiteralError {
    /// `ValueError("malformed node or string ...")`.
    Malformed,
    /// `TypeError` (an unhashable dict key or set member): message.
    Type(String),
}

fn convert_num(e: &Expr) -> Result<PyVal, LiteralError> {
    match e {
        Expr::Constant(v @ (PyVal::Int(_) | PyVal::BigInt(..) | PyVal::Float(_) | PyVal::Complex(..))) => Ok(v.clone()),
        _ => Err(LiteralError::Malformed),
    }
}

fn negate(v: PyVal) -> PyVal {
    match v {
        PyVal::Int(i) => PyVal::Int(-i),
        PyVal::BigInt(neg, d) => PyVal::BigInt(!neg, d),
        PyVal::Float(f) => PyVal::Float(-f),
        PyVal::Complex(r, i) => PyVal::Complex(-r, -i),
        other => other,
    }
}

fn convert_signed_num(e: &Expr) -> Result<PyVal, LiteralError> {
    match e {
        Expr::UnaryOp { op: UnOp::UAdd, operand } => convert_num(operand),
        Expr::UnaryOp { op: UnOp::USub, operand } => convert_num(operand).map(negate),
        _ => convert_num(e),
    }
}

fn as_complex(v: &PyVal) -> (f64, f64) {
    match v {
        PyVal::Int(i) => (*i as f64, 0.0),
        PyVal::Float(f) => (*f, 0.0),
        PyVal::Complex(r, i) => (*r, *i),
        _ => (f64::INFINITY, 0.0),
    }
}

fn unhashable(v: &PyVal) -> LiteralError {
    LiteralError::Type(format!("unhashable type: '{}'", py_type_name(v)))
}

/// `ast.literal_eval` on a parsed expression.
pub(crate) fn literal_eval(e: &Expr) -> Result<PyVal, LiteralError> {
    match e {
        Expr::Constant(v) => Ok(v.clone()),
        Expr::Tuple(items) => Ok(PyVal::Tuple(items.iter().map(literal_eval).collect::<Result<_, _>>()?)),
        Expr::List(items) => Ok(PyVal::List(items.iter().map(literal_eval).collect::<Result<_, _>>()?)),
        Expr::Set(items) => {
            let mut out: Vec<PyVal> = Vec::new();
            for item in items {
                let v = literal_eval(item)?;
                if !py_hashable(&v) {
                    return Err(unhashable(&v));
                }
                if !out.iter().any(|x| super::pyval::py_eq(x, &v)) {
                    out.push(v);
                }
            }
            Ok(PyVal::Set(out))
        }
        Expr::Call { func, args, keywords }
            if matches!(func.as_ref(), Expr::Name(n) if n == "set") && args.is_empty() && keywords.is_empty() =>
        {
            Ok(PyVal::Set(Vec::new()))
        }
        Expr::Dict { keys, values } => {
            let mut d = PyDict::new();
            for (k, v) in keys.iter().zip(values) {
                let k = match k {
                    Some(k) => literal_eval(k)?,
                    None => return Err(LiteralError::Malformed),
                };
                let v = literal_eval(v)?;
                if !py_hashable(&k) {
                    return Err(unhashable(&k));
                }
                d.set(k, v);
            }
            Ok(PyVal::Dict(d))
        }
        Expr::BinOp { left, op: op @ (BinOpKind::Add | BinOpKind::Sub), right } => {
            let l = convert_signed_num(left)?;
            let r = convert_num(right)?;
            let l_ok = matches!(l, PyVal::Int(_) | PyVal::Float(_) | PyVal::Complex(..));
            if l_ok && matches!(r, PyVal::Complex(..)) {
                let (lr, li) = as_complex(&l);
                let (rr, ri) = as_complex(&r);
                Ok(if *op == BinOpKind::Add {
                    PyVal::Complex(lr + rr, li + ri)
                } else {
                    PyVal::Complex(lr - rr, li - ri)
                })
            } else {
                Err(LiteralError::Malformed)
            }
        }
        _ => convert_signed_num(e),
    }
}

#[cfg(test)]
mod tests {
    use super::super::pysyntax::{parse_eval, parse_module};
    use super::*;

    fn run(src: &str) -> Result<PyDict, VisitError> {
        mongo_visit(&parse_module(src).map_err(|_| VisitError::Parse("syntax"))?)
    }

    #[test]
    fn quirks() {
        let d = run("a == -1").map_err(|e| format!("{e:?}"));
        assert!(matches!(d.as_ref().map(|d| &d.0[0].1), Ok(PyVal::Int(1))));
        let d = run("a == True").map_err(|e| format!("{e:?}"));
        assert!(matches!(d.as_ref().map(|d| &d.0[0].1), Ok(PyVal::Str(s)) if s == "a"));
        assert!(matches!(run("a in b"), Err(VisitError::Crash(_))));
        assert!(matches!(run("not a == 1"), Err(VisitError::Parse(_))));
        assert!(matches!(run("a = 1"), Err(VisitError::Parse(_))));
    }

    #[test]
    fn literals() {
        let v = parse_eval("[('a', -1)]").map_err(|_| ()).and_then(|e| literal_eval(&e).map_err(|_| ()));
        assert!(matches!(v, Ok(PyVal::List(_))));
        let v = parse_eval("-a").map_err(|_| ()).and_then(|e| literal_eval(&e).map_err(|_| ()));
        assert!(v.is_err());
        let v = parse_eval("{[1]: 2}").map_err(|_| LiteralError::Malformed).and_then(|e| literal_eval(&e));
        assert_eq!(v.map(|_| ()), Err(LiteralError::Type("unhashable type: 'list'".into())));
    }
}
