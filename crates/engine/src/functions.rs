//! SHOW FUNCTIONS and DESCRIBE FUNCTION: what a session can call, with
//! Hive's usage text.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use datafusion::execution::registry::FunctionRegistry;
use datafusion::logical_expr::{AggregateUDF, Documentation, ScalarUDF, WindowUDF};
use enma_udfs::generator::Generator;

use super::empty_output;
use super::output::{QueryOutput, rows_output};
use super::session::Session;
use super::show::like_matches;
use crate::error::{Error, Result};
use enma_hive::statement::TableName;

impl Session {
    /// Every callable name: scalar, aggregate, window and table functions,
    /// and the operators Hive lists among its functions.
    pub fn function_names(&self) -> Vec<String> {
        let state = self.ctx.state();
        let mut names: Vec<String> = state
            .scalar_functions()
            .keys()
            .chain(state.aggregate_functions().keys())
            .chain(state.window_functions().keys())
            .cloned()
            .chain(self.shared.extensions.functions.generators.iter().map(|g| g.name().to_string()))
            .chain(self.generators.keys().cloned())
            .chain(enma_udfs::catalog::OPERATORS.iter().map(|(n, _)| n.to_string()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub(crate) fn show_functions(&self, like: Option<String>) -> Result<QueryOutput> {
        let rows = self
            .function_names()
            .into_iter()
            .filter(|n| like.as_ref().is_none_or(|p| like_matches(p, n)))
            .map(|n| vec![Some(n)])
            .collect();
        Ok(rows_output(&["tab_name"], rows))
    }

    /// Hive's usage text of a function, `None` if no such function exists.
    pub fn function_usage(&self, name: &str, extended: bool) -> Option<Vec<String>> {
        if let Some(usage) = enma_udfs::catalog::operator_usage(name) {
            return Some(vec![usage.to_string()]);
        }
        let state = self.ctx.state();
        let doc: Option<Option<Documentation>> = if let Some(f) = state.scalar_functions().get(name) {
            Some(f.documentation().cloned())
        } else if let Some(f) = state.aggregate_functions().get(name) {
            Some(f.documentation().cloned())
        } else if let Some(f) = state.window_functions().get(name) {
            Some(f.documentation().cloned())
        } else {
            self.generator(name).map(|g| g.documentation().cloned())
        };
        let doc = doc?;
        let Some(doc) = doc else {
            return Some(vec![format!("There is no documentation for function '{name}'")]);
        };
        let mut lines = vec![format!("{} - {}", doc.syntax_example, doc.description)];
        if extended {
            if let Some(example) = doc.sql_example.as_deref().filter(|e| !e.trim().is_empty()) {
                lines.push("Example:".to_string());
                lines.extend(example.lines().map(|l| format!("  {l}")));
            }
            let kind = if self.temporary_functions.contains_key(name) { "TEMPORARY" } else { "BUILTIN" };
            lines.push(format!("Function type:{kind}"));
        }
        Some(lines)
    }

    pub(crate) fn describe_function(&self, name: &str, extended: bool) -> Result<QueryOutput> {
        let lines =
            self.function_usage(name, extended).unwrap_or_else(|| vec![format!("Function '{name}' does not exist.")]);
        Ok(rows_output(&["tab_name"], lines.into_iter().map(|l| vec![Some(l)]).collect()))
    }
}

/// A function a SQL name can be bound to by CREATE FUNCTION.
#[derive(Debug, Clone)]
pub(crate) enum Bound {
    Scalar(Arc<ScalarUDF>),
    Aggregate(Arc<AggregateUDF>),
    Window(Arc<WindowUDF>),
    Generator(Arc<dyn Generator>),
}

/// DataFusion takes extra function names as `&'static str`; each distinct
/// name bound by CREATE FUNCTION is kept once for the life of the process.
fn interned(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.get(name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// `GenericUDFAbs` -> `abs`, `HeatingDegreeDays` -> `heating_degree_days`.
fn snake_case_of_class(class: &str) -> String {
    let simple = class.rsplit('.').next().unwrap_or(class);
    let simple = ["GenericUDTF", "GenericUDAF", "GenericUDF", "UDTF", "UDAF", "UDF"]
        .iter()
        .find_map(|p| simple.strip_prefix(p).filter(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase())))
        .unwrap_or(simple);
    let mut out = String::new();
    for (i, c) in simple.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl Session {
    /// A table-generating function by name: session bindings first, then
    /// the engine's built-in and user generators.
    pub fn generator(&self, name: &str) -> Option<Arc<dyn Generator>> {
        let name = name.to_ascii_lowercase();
        self.generators
            .get(&name)
            .cloned()
            .or_else(|| self.shared.extensions.functions.generators.iter().find(|g| g.name() == name).cloned())
    }

    fn lookup(&self, name: &str) -> Option<Bound> {
        // Generators are scalar functions too (their rows as a list): they count as generators.
        if let Some(g) = self.generator(name) {
            return Some(Bound::Generator(g));
        }
        let state = self.ctx.state();
        if let Some(f) = state.scalar_functions().get(name) {
            return Some(Bound::Scalar(f.clone()));
        }
        if let Some(f) = state.aggregate_functions().get(name) {
            return Some(Bound::Aggregate(f.clone()));
        }
        state.window_functions().get(name).map(|f| Bound::Window(f.clone()))
    }

    /// The function a class name stands for: a registered function's own
    /// name (`'heating_degree_days'`), or a dotted class name whose last part
    /// names it in Java's style (`'enma.energy.HeatingDegreeDays'`, or Hive's
    /// `'org.apache.hadoop.hive.ql.udf.generic.GenericUDFAbs'`).
    fn resolve_class(&self, class: &str) -> Result<Bound> {
        let exact = class.trim().to_ascii_lowercase();
        self.lookup(&exact).or_else(|| self.lookup(&snake_case_of_class(class.trim()))).ok_or_else(|| {
            Error::not_found(format!(
                "no function implements class '{class}': ENMA's functions are Rust code built in; \
                 name one of SHOW FUNCTIONS, or add one to the enma-udfs crate (README, User functions)"
            ))
        })
    }

    /// Makes `name` call `bound` in this session.
    pub(crate) fn bind(&mut self, name: &str, bound: Bound) -> Result<()> {
        let alias = interned(name);
        let state_ref = self.ctx.state_ref();
        let mut state = state_ref.write();
        match bound {
            Bound::Scalar(f) => {
                state.register_udf(Arc::new(f.as_ref().clone().with_aliases([alias])))?;
            }
            Bound::Aggregate(f) => {
                state.register_udaf(Arc::new(f.as_ref().clone().with_aliases([alias])))?;
            }
            Bound::Window(f) => {
                state.register_udwf(Arc::new(f.as_ref().clone().with_aliases([alias])))?;
            }
            Bound::Generator(g) => {
                state.register_udf(Arc::new(enma_udfs::generator::rows_udf(g.clone()).with_aliases([alias])))?;
                drop(state);
                self.generators.insert(name.to_string(), g);
            }
        }
        Ok(())
    }

    /// Undoes [`Session::bind`]: removes `name` and puts back the function it
    /// was bound to under that function's own names.
    fn unbind(&mut self, name: &str, bound: Bound) -> Result<()> {
        let state_ref = self.ctx.state_ref();
        let mut state = state_ref.write();
        match bound {
            Bound::Scalar(f) => {
                state.deregister_udf(name)?;
                state.register_udf(f)?;
            }
            Bound::Aggregate(f) => {
                state.deregister_udaf(name)?;
                state.register_udaf(f)?;
            }
            Bound::Window(f) => {
                state.deregister_udwf(name)?;
                state.register_udwf(f)?;
            }
            Bound::Generator(g) => {
                state.deregister_udf(name)?;
                state.register_udf(Arc::new(enma_udfs::generator::rows_udf(g)))?;
                drop(state);
                self.generators.remove(name);
            }
        }
        Ok(())
    }

    /// Binds the permanent functions of the metastore (CREATE FUNCTION) in
    /// this session. A binding whose function no longer exists is skipped.
    pub(crate) fn bind_permanent_functions(&mut self) -> Result<()> {
        let catalog = self.shared.metastore.snapshot()?;
        for (key, class) in &catalog.functions {
            let name = key.rsplit('.').next().unwrap_or(key);
            if self.lookup(name).is_some() {
                continue;
            }
            match self.resolve_class(class) {
                Ok(bound) => self.bind(name, bound)?,
                Err(e) => tracing::warn!("function {key}: {e}"),
            }
        }
        Ok(())
    }

    pub(crate) fn create_function(&mut self, name: TableName, class: &str, temporary: bool) -> Result<QueryOutput> {
        let sql_name = name.name.to_ascii_lowercase();
        if temporary && name.database.is_some() {
            return Err(Error::plan("a temporary function has no database: CREATE TEMPORARY FUNCTION name AS 'class'"));
        }
        if self.lookup(&sql_name).is_some() {
            return Err(Error::exists(format!("function {sql_name} exists already")));
        }
        let bound = self.resolve_class(class)?;
        if !temporary {
            let key = format!("{}.{sql_name}", self.db_of(&name).to_ascii_lowercase());
            self.shared.metastore.database(self.db_of(&name))?;
            self.shared.metastore.update(|c| {
                if c.functions.contains_key(&key) {
                    return Err(Error::exists(format!("function {key} exists already")));
                }
                c.functions.insert(key.clone(), class.to_string());
                Ok(())
            })?;
        } else {
            self.temporary_functions.insert(sql_name.clone(), bound.clone());
        }
        self.bind(&sql_name, bound)?;
        Ok(empty_output())
    }

    pub(crate) fn drop_function(&mut self, name: TableName, temporary: bool, if_exists: bool) -> Result<QueryOutput> {
        let sql_name = name.name.to_ascii_lowercase();
        if temporary {
            return match self.temporary_functions.remove(&sql_name) {
                Some(bound) => {
                    self.unbind(&sql_name, bound)?;
                    Ok(empty_output())
                }
                None if if_exists => Ok(empty_output()),
                None => Err(Error::not_found(format!("temporary function {sql_name} does not exist"))),
            };
        }
        let key = format!("{}.{sql_name}", self.db_of(&name).to_ascii_lowercase());
        let class = self.shared.metastore.update(|c| Ok(c.functions.remove(&key)))?;
        match class {
            Some(class) => {
                if let Ok(bound) = self.resolve_class(&class)
                    && self.lookup(&sql_name).is_some()
                {
                    self.unbind(&sql_name, bound)?;
                }
                Ok(empty_output())
            }
            None if if_exists => Ok(empty_output()),
            None => Err(Error::not_found(format!("function {key} does not exist"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::snake_case_of_class;

    #[test]
    fn class_names_map_to_function_names() {
        assert_eq!(snake_case_of_class("org.apache.hadoop.hive.ql.udf.generic.GenericUDFAbs"), "abs");
        assert_eq!(snake_case_of_class("enma.energy.HeatingDegreeDays"), "heating_degree_days");
        assert_eq!(snake_case_of_class("UDFToString"), "to_string");
        assert_eq!(snake_case_of_class("loadFactor"), "load_factor");
    }
}

/// What a function is, for listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FunctionKind {
    Scalar,
    Aggregate,
    Window,
    Table,
    Operator,
}

impl Session {
    /// The kind of a callable name, `None` if nothing has that name.
    pub fn function_kind(&self, name: &str) -> Option<FunctionKind> {
        if enma_udfs::catalog::operator_usage(name).is_some() {
            return Some(FunctionKind::Operator);
        }
        Some(match self.lookup(name)? {
            Bound::Scalar(_) => FunctionKind::Scalar,
            Bound::Aggregate(_) => FunctionKind::Aggregate,
            Bound::Window(_) => FunctionKind::Window,
            Bound::Generator(_) => FunctionKind::Table,
        })
    }
}
