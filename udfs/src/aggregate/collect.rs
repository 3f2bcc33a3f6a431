//! `collect_list(x)` and `collect_set(x)`: the values of a group as an array,
//! in the order they arrive; collect_set keeps the first of equal values.
//! NULL values are skipped, and a group without values gives `[]`.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Collect {
    signature: Signature,
    distinct: bool,
}

impl Collect {
    /// collect_set when `distinct`, else collect_list.
    pub fn new(distinct: bool) -> Self {
        Self { signature: Signature::any(1, Volatility::Immutable), distinct }
    }
}

static SET_DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "collect_set(x)",
        "the distinct values of x in the group, as an array without duplicates",
        "> SELECT collect_set(v) FROM VALUES ('a'), ('b'), ('a') t(v);\n[\"a\",\"b\"]",
    )
});

static LIST_DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "collect_list(x)",
        "the values of x in the group, as an array that keeps duplicates",
        "> SELECT collect_list(v) FROM VALUES ('a'), ('b'), ('a') t(v);\n[\"a\",\"b\",\"a\"]",
    )
});

fn list_of(t: &DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(t.clone(), true)))
}

impl AggregateUDFImpl for Collect {
    fn name(&self) -> &str {
        if self.distinct { "collect_set" } else { "collect_list" }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [t] => Ok(list_of(t)),
            _ => exec_err!("{} takes one argument, got {}", self.name(), arg_types.len()),
        }
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let t = args.input_fields[0].data_type();
        Ok(vec![Arc::new(Field::new(format!("{}[values]", args.name), list_of(t), true))])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let data_type = args.exprs[0].data_type(args.schema)?;
        Ok(Box::new(CollectAccumulator { data_type, distinct: self.distinct, values: vec![], seen: HashSet::new() }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(if self.distinct { &SET_DOC } else { &LIST_DOC })
    }
}

#[derive(Debug)]
struct CollectAccumulator {
    data_type: DataType,
    distinct: bool,
    values: Vec<ScalarValue>,
    seen: HashSet<ScalarValue>,
}

impl CollectAccumulator {
    fn add_all(&mut self, array: &dyn Array) -> Result<()> {
        for i in 0..array.len() {
            if array.is_null(i) {
                continue;
            }
            let v = ScalarValue::try_from_array(array, i)?;
            if self.distinct && !self.seen.insert(v.clone()) {
                continue;
            }
            self.values.push(v);
        }
        Ok(())
    }
}

impl Accumulator for CollectAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.add_all(values[0].as_ref())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states[0].as_list::<i32>();
        for i in 0..lists.len() {
            if lists.is_valid(i) {
                self.add_all(lists.value(i).as_ref())?;
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::List(ScalarValue::new_list_nullable(&self.values, &self.data_type)))
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.values.iter().map(|v| v.size()).sum::<usize>() * if self.distinct { 2 } else { 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::StringArray;

    fn run(distinct: bool, parts: &[&[Option<&str>]]) -> String {
        let mut total =
            CollectAccumulator { data_type: DataType::Utf8, distinct, values: vec![], seen: HashSet::new() };
        for part in parts {
            let mut a =
                CollectAccumulator { data_type: DataType::Utf8, distinct, values: vec![], seen: HashSet::new() };
            a.update_batch(&[Arc::new(StringArray::from(part.to_vec()))]).unwrap();
            let state: Vec<ArrayRef> = a.state().unwrap().iter().map(|s| s.to_array().unwrap()).collect();
            total.merge_batch(&state).unwrap();
        }
        let v = total.evaluate().unwrap().to_array().unwrap();
        crate::hive_text::display_value(v.as_ref(), 0)
    }

    #[test]
    fn sets_keep_first_arrivals_and_skip_nulls() {
        assert_eq!(run(true, &[&[Some("b"), None, Some("a")], &[Some("b"), Some("c")]]), r#"["b","a","c"]"#);
        assert_eq!(run(false, &[&[Some("b"), None, Some("a")], &[Some("b")]]), r#"["b","a","b"]"#);
        assert_eq!(run(true, &[&[None]]), "[]");
    }
}
