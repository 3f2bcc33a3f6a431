//! `current_user()`, `logged_in_user()`, `current_database()` and
//! `version()`: facts about the session. ENMA has no login of its own, so
//! the user is the operating-system user running the engine (as Hive reports
//! without authentication); the database is the session's current schema
//! (DataFusion's `catalog.default_schema`, which `USE db` sets). The struct
//! here serves all four; each has its own file with its `udf()`.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

/// Which fact of the session a function returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fact {
    CurrentUser,
    LoggedInUser,
    CurrentDatabase,
    Version,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SessionFact {
    signature: Signature,
    fact: Fact,
}

impl SessionFact {
    pub fn new(fact: Fact) -> Self {
        Self { signature: Signature::nullary(Volatility::Stable), fact }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(SessionFact::new(Fact::CurrentUser)))
}

static DOCS: LazyLock<[Documentation; 4]> = LazyLock::new(|| {
    [
        hive_doc("current_user()", "the name of the user running the session", "> SELECT current_user();\nhive"),
        hive_doc(
            "logged_in_user()",
            "the name of the user logged in to the session",
            "> SELECT logged_in_user();\nhive",
        ),
        hive_doc("current_database()", "the session's current database", "> SELECT current_database();\ndefault"),
        hive_doc("version()", "the version of ENMA", "> SELECT version();\n0.1.0 enma"),
    ]
});

/// The operating-system user running the engine: `$USER`, else the name
/// of the process's user id in /etc/passwd, else `enma`.
pub fn os_user() -> String {
    if let Ok(u) = std::env::var("USER").or_else(|_| std::env::var("USERNAME")) {
        return u;
    }
    let uid = std::fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        s.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|l| l.split_whitespace().next().map(str::to_string))
    });
    let name = uid.and_then(|uid| {
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        passwd.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[2] == uid).then(|| f[0].to_string())
        })
    });
    name.unwrap_or_else(|| "enma".to_string())
}

impl ScalarUDFImpl for SessionFact {
    fn name(&self) -> &str {
        match self.fact {
            Fact::CurrentUser => "current_user",
            Fact::LoggedInUser => "logged_in_user",
            Fact::CurrentDatabase => "current_database",
            Fact::Version => "version",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let value = match self.fact {
            Fact::CurrentUser | Fact::LoggedInUser => os_user(),
            Fact::CurrentDatabase => args.config_options.catalog.default_schema.clone(),
            Fact::Version => format!("{} enma", env!("CARGO_PKG_VERSION")),
        };
        Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(value))))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCS[self.fact as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(SessionFact::new(Fact::CurrentDatabase).name(), "current_database");
        assert!(!os_user().is_empty());
    }
}
