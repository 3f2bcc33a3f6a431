//! `in_file(str, filename)`: whether str is one whole line of the file.
//! The file is read from this machine's local disk, as Hive reads it on the
//! node that runs the query; a file that cannot be read gives NULL. The
//! function reveals whether a line exists in a file the server can read, so
//! sessions of remote callers get [`InFile::restricted`] to the directories
//! the operator allows, and an error for any other file.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, BooleanArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use enma_common::AccessPolicy;

use crate::common::text::{TextFunction, at, strings};
use crate::doc::hive_doc;

/// `in_file`; by default it reads any file the process can read.
#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct InFile {
    /// When set, only files this policy allows may be read.
    allowed: Option<AccessPolicy>,
}

impl InFile {
    /// An `in_file` that reads only files `policy` allows remote callers.
    pub fn restricted(policy: AccessPolicy) -> Self {
        Self { allowed: Some(policy) }
    }

    fn check(&self, name: &str) -> Result<()> {
        let Some(policy) = &self.allowed else { return Ok(()) };
        if policy.allows_path(Path::new(name)) {
            return Ok(());
        }
        Err(datafusion::error::DataFusionError::External(Box::new(crate::Refusal(format!(
            "in_file: reading {name} on the server's local disk is not allowed for remote callers; \
             the operator can allow a directory with --allow-local-dir (ENMA_ALLOW_LOCAL_DIRS)"
        )))))
    }
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "in_file(str, filename)",
        "true when str is a whole line of the file filename",
        "> SELECT in_file('a', '/tmp/lines.txt');\n true",
    )
});

impl TextFunction for InFile {
    fn name(&self) -> &'static str {
        "in_file"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=2
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let (s, file) = (strings(&args[0])?, strings(&args[1])?);
        let mut files: HashMap<String, Option<String>> = HashMap::new();
        for i in 0..rows {
            if let Some(name) = at(&file, i) {
                self.check(name)?;
            }
        }
        let out: BooleanArray = (0..rows)
            .map(|i| {
                let (s, name) = (at(&s, i)?, at(&file, i)?);
                let text = files.entry(name.to_string()).or_insert_with(|| std::fs::read_to_string(name).ok());
                Some(text.as_deref()?.lines().any(|l| l == s))
            })
            .collect();
        Ok(Arc::new(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, StringArray};

    #[test]
    fn whole_lines_only() {
        let path = std::env::temp_dir().join(format!("enma-in-file-{}.txt", std::process::id()));
        std::fs::write(&path, "abc\ndef\n").unwrap();
        let name = path.to_string_lossy().to_string();
        let s: ArrayRef = Arc::new(StringArray::from(vec!["abc", "ab"]));
        let f: ArrayRef = Arc::new(StringArray::from(vec![name.as_str(); 2]));
        let out = InFile::default().eval(&[s.clone(), f.clone()], 2).unwrap();
        let out = out.as_any().downcast_ref::<BooleanArray>().unwrap();
        assert!(out.value(0) && !out.value(1));
        let dir = std::fs::canonicalize(std::env::temp_dir()).unwrap();
        assert!(
            InFile::restricted(AccessPolicy { local_dirs: vec![dir], ..Default::default() })
                .eval(&[s.clone(), f.clone()], 2)
                .is_ok()
        );
        let err = InFile::restricted(AccessPolicy::default()).eval(&[s, f], 2).unwrap_err();
        assert!(err.to_string().contains("not allowed for remote callers"), "{err}");
        let s: ArrayRef = Arc::new(StringArray::from(vec!["abc"]));
        let f: ArrayRef = Arc::new(StringArray::from(vec!["/no/such/file"]));
        assert!(InFile::default().eval(&[s, f], 1).unwrap().is_null(0));
        std::fs::remove_file(path).unwrap();
    }
}
