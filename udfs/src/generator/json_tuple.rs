//! `json_tuple(json, k1, ..., kn)`: one row per input row with the values of
//! the top-level keys k1..kn of a JSON object as strings (`c0`, `c1`, ...).
//! A missing key, a JSON null, a NULL or invalid document give NULL.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::Documentation;
use serde_json::Value;

use crate::doc::hive_doc;
use crate::generator::{Generated, Generator, GeneratorArg};
use crate::hive_text::format_f64;

#[derive(Debug, Default)]
pub struct JsonTuple;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "json_tuple(json, k1, k2, ...)",
        "gives one row with the values of the keys k1, k2, ... of the JSON object json, as strings; a faster get_json_object for several keys",
        "> SELECT json_tuple('{\"a\":1,\"b\":\"x\"}', 'a', 'b');\n1\tx",
    )
});

/// A JSON value as Hive's json_tuple prints it (NULL for JSON null).
pub fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => {
                let mut s = String::new();
                format_f64(f, &mut s);
                s
            }
            _ => n.to_string(),
        }),
        Value::Array(_) | Value::Object(_) => Some(v.to_string()),
    }
}

impl Generator for JsonTuple {
    fn name(&self) -> &str {
        "json_tuple"
    }

    fn output_fields(&self, args: &[GeneratorArg]) -> Result<Vec<Field>> {
        if args.len() < 2 {
            return exec_err!("json_tuple takes at least 2 arguments (json, key, ...), got {}", args.len());
        }
        Ok((0..args.len() - 1).map(|i| Field::new(format!("c{i}"), DataType::Utf8, true)).collect())
    }

    fn generate(&self, args: &[ArrayRef], num_rows: usize) -> Result<Generated> {
        let strings = args.iter().map(|a| cast(a, &DataType::Utf8)).collect::<std::result::Result<Vec<_>, _>>()?;
        let json = strings[0].as_string::<i32>();
        let keys: Vec<_> = strings[1..].iter().map(|k| k.as_string::<i32>()).collect();
        let mut builders: Vec<StringBuilder> = keys.iter().map(|_| StringBuilder::new()).collect();
        for i in 0..num_rows {
            let object = json.is_valid(i).then(|| serde_json::from_str::<Value>(json.value(i)).ok()).flatten();
            let object = match object {
                Some(Value::Object(o)) => Some(o),
                _ => None,
            };
            for (key, b) in keys.iter().zip(builders.iter_mut()) {
                let v = match (&object, key.is_valid(i)) {
                    (Some(o), true) => o.get(key.value(i)).and_then(json_text),
                    _ => None,
                };
                b.append_option(v);
            }
        }
        let columns = builders.into_iter().map(|mut b| Arc::new(b.finish()) as ArrayRef).collect();
        Ok(Generated { columns, rows: (0..num_rows as u32).collect::<Vec<_>>().into() })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::test_util::rows_text;
    use arrow::array::StringArray;

    #[test]
    fn reads_keys_as_strings() {
        let json: ArrayRef = Arc::new(StringArray::from(vec![
            Some(r#"{"f1": "value1", "f2": 2, "f3": 5.23, "f4": null, "f5": {"a":[1,true]}}"#),
            None,
            Some("[invalid JSON string]"),
            Some(r#"{"f1": ""}"#),
        ]));
        let key = |k: &str| Arc::new(StringArray::from(vec![k; 4])) as ArrayRef;
        let args = vec![json, key("f1"), key("f2"), key("f3"), key("f4"), key("f5")];
        let g = JsonTuple.generate(&args, 4).unwrap();
        assert_eq!(
            rows_text(&g),
            vec![
                "0: value1\t2\t5.23\tNULL\t{\"a\":[1,true]}",
                "1: NULL\tNULL\tNULL\tNULL\tNULL",
                "2: NULL\tNULL\tNULL\tNULL\tNULL",
                "3: \tNULL\tNULL\tNULL\tNULL",
            ]
        );
    }

    #[test]
    fn doubles_print_as_java_does() {
        assert_eq!(json_text(&serde_json::json!(1e20)).unwrap(), "1.0E20");
        assert_eq!(json_text(&serde_json::json!(3)).unwrap(), "3");
    }
}
