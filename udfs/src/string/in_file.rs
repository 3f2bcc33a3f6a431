//! `in_file(str, filename)`: whether str is one whole line of the file.
//! The file is read from this machine's local disk, as Hive reads it on the
//! node that runs the query; a file that cannot be read gives NULL. (Servers
//! that take queries from remote callers may want to refuse this function:
//! it reveals whether a line exists in any file the server can read.)

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, BooleanArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct InFile;

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
        let out = InFile.eval(&[s, f], 2).unwrap();
        let out = out.as_any().downcast_ref::<BooleanArray>().unwrap();
        assert!(out.value(0) && !out.value(1));
        let s: ArrayRef = Arc::new(StringArray::from(vec!["abc"]));
        let f: ArrayRef = Arc::new(StringArray::from(vec!["/no/such/file"]));
        assert!(InFile.eval(&[s, f], 1).unwrap().is_null(0));
        std::fs::remove_file(path).unwrap();
    }
}
