//! SHOW FUNCTIONS and DESCRIBE FUNCTION: what a session can call, with
//! Hive's usage text.

use datafusion::logical_expr::Documentation;

use super::output::{QueryOutput, rows_output};
use super::session::Session;
use super::show::like_matches;
use crate::error::Result;

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
            .chain(self.shared.functions.generators.iter().map(|g| g.name().to_string()))
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
            self.shared.functions.generators.iter().find(|g| g.name() == name).map(|g| g.documentation().cloned())
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
            lines.push("Function type:BUILTIN".to_string());
        }
        Some(lines)
    }

    pub(crate) fn describe_function(&self, name: &str, extended: bool) -> Result<QueryOutput> {
        let lines = self
            .function_usage(name, extended)
            .unwrap_or_else(|| vec![format!("Function '{name}' does not exist.")]);
        Ok(rows_output(&["tab_name"], lines.into_iter().map(|l| vec![Some(l)]).collect()))
    }
}
