//! `mask_hash(str)`: the MD5 of a string as 32 hex digits (Hive 2.3's
//! choice; Hive 3 switched to SHA-256), so equal values still join after
//! masking. NULL for values that are not strings.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;
use md5::{Digest, Md5};

use crate::common::text::{TextFunction, is_string, map_strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct MaskHash;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "mask_hash(str)",
        "a hash of str (MD5, hex), NULL for values that are not strings",
        "> SELECT mask_hash('abc');\n 900150983cd24fb0d6963f7d28e17f72",
    )
});

impl TextFunction for MaskHash {
    fn name(&self) -> &'static str {
        "mask_hash"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=1
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        if !is_string(args[0].data_type()) {
            return Ok(Arc::new(StringArray::new_null(rows)));
        }
        map_strings(&args[0], |s| Some(md5_hex(s)))
    }
}

/// The MD5 of the UTF-8 bytes, lower-case hex.
pub fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_of_text() {
        assert_eq!(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    }
}
