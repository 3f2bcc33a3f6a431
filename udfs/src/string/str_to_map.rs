//! `str_to_map(text[, delim1[, delim2]])`: a map from text split into pairs
//! by the regular expression delim1 (default ',') and each pair into key and
//! value at the first match of delim2 (default ':'). A pair without delim2
//! maps its key to NULL; a repeated key keeps its first place and last value.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, MapBuilder, MapFieldNames, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{Regexes, TextFunction, at, java_split, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct StrToMap;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "str_to_map(text[, delimiter1, delimiter2])",
        "a map made of text split into key-value pairs by delimiter1 (default ',') and into key and value by delimiter2 (default ':')",
        "> SELECT str_to_map('a:1,b:2');\n {\"a\":\"1\",\"b\":\"2\"}",
    )
});

fn builder() -> MapBuilder<StringBuilder, StringBuilder> {
    let names = MapFieldNames { entry: "entries".into(), key: "key".into(), value: "value".into() };
    MapBuilder::new(Some(names), StringBuilder::new(), StringBuilder::new())
}

impl TextFunction for StrToMap {
    fn name(&self) -> &'static str {
        "str_to_map"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=3
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(builder().finish().data_type().clone())
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let text = strings(&args[0])?;
        let d1 = args.get(1).map(strings).transpose()?;
        let d2 = args.get(2).map(strings).transpose()?;
        let mut regexes = Regexes::default();
        let mut out = builder();
        for i in 0..rows {
            let d1 = d1.as_ref().map_or(Some(","), |d| at(d, i));
            let d2 = d2.as_ref().map_or(Some(":"), |d| at(d, i));
            let (Some(text), Some(d1), Some(d2)) = (at(&text, i), d1, d2) else {
                out.append(false)?;
                continue;
            };
            let Some(re1) = regexes.get(d1).cloned() else {
                out.append(false)?;
                continue;
            };
            let Some(re2) = regexes.get(d2).cloned() else {
                out.append(false)?;
                continue;
            };
            for (k, v) in str_to_map(text, &re1, &re2) {
                out.keys().append_value(k);
                out.values().append_option(v);
            }
            out.append(true)?;
        }
        Ok(Arc::new(out.finish()))
    }
}

/// The pairs of `text` in order of first appearance, later values winning.
pub fn str_to_map<'a>(text: &'a str, pairs: &regex::Regex, kv: &regex::Regex) -> Vec<(&'a str, Option<&'a str>)> {
    let mut out: Vec<(&str, Option<&str>)> = Vec::new();
    for pair in java_split(text, pairs, false) {
        let (k, v) = match kv.find(pair) {
            Some(m) => (&pair[..m.start()], Some(&pair[m.end()..])),
            None => (pair, None),
        };
        match out.iter_mut().find(|(key, _)| *key == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn pairs_in_first_order_last_value() {
        let (c, colon) = (Regex::new(",").unwrap(), Regex::new(":").unwrap());
        assert_eq!(str_to_map("a:1,b:2,a:3", &c, &colon), [("a", Some("3")), ("b", Some("2"))]);
        let (semi, eq) = (Regex::new(";").unwrap(), Regex::new("=").unwrap());
        assert_eq!(str_to_map("a=1;b", &semi, &eq), [("a", Some("1")), ("b", None)]);
    }
}
