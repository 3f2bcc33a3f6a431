//! `sort_array(array)`: the array sorted ascending in Hive's order of its
//! element type, NULL elements first. Arrays and structs compare element by
//! element; maps compare by their entries in key order.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, ListArray, MapArray, UInt32Array, make_comparator};
use arrow::buffer::OffsetBuffer;
use arrow::compute::{SortOptions, take};
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SortArray {
    signature: Signature,
}

impl Default for SortArray {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable) }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(SortArray::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "sort_array(array)",
        "the array sorted in ascending order of its elements, NULLs first",
        "> SELECT sort_array(array('b', 'd', 'c', 'a'));\n[\"a\",\"b\",\"c\",\"d\"]",
    )
});

impl ScalarUDFImpl for SortArray {
    fn name(&self) -> &str {
        "sort_array"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _)] => {
                Ok(vec![DataType::List(f.clone())])
            }
            [DataType::Null] => Ok(vec![DataType::Null]),
            [t] => plan_err!("sort_array takes an array, got {t}"),
            _ => plan_err!("sort_array takes 1 argument, got {}", arg_types.len()),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[0].clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let v = args.args[0].to_array(1)?;
        let out = match v.data_type() {
            DataType::List(_) => sort_lists(v.as_list::<i32>())?,
            _ => v,
        };
        if scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(out))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

/// A map array whose entries are in key order within each map, so that
/// comparing entries in order compares maps as Hive does.
fn keys_in_order(m: &MapArray) -> Result<ArrayRef> {
    let keys = m.keys();
    let cmp = make_comparator(keys.as_ref(), keys.as_ref(), SortOptions::default())?;
    let offsets = m.value_offsets();
    let mut indices = Vec::with_capacity(keys.len());
    for w in offsets.windows(2) {
        let mut row: Vec<u32> = (w[0] as u32..w[1] as u32).collect();
        row.sort_by(|&a, &b| cmp(a as usize, b as usize));
        indices.extend(row);
    }
    let entries = take(m.entries(), &UInt32Array::from(indices), None)?;
    let DataType::Map(field, sorted) = m.data_type() else { unreachable!("a map array has a map type") };
    let base = offsets[0];
    let offsets = OffsetBuffer::new(offsets.iter().map(|o| o - base).collect::<Vec<_>>().into());
    Ok(Arc::new(MapArray::try_new(field.clone(), offsets, entries.as_struct().clone(), m.nulls().cloned(), *sorted)?))
}

/// Each list sorted ascending, NULLs first.
pub fn sort_lists(lists: &ListArray) -> Result<ArrayRef> {
    let values = lists.values();
    let keyed = match values.data_type() {
        DataType::Map(..) => keys_in_order(values.as_map())?,
        _ => values.clone(),
    };
    let opts = SortOptions { descending: false, nulls_first: true };
    let cmp = make_comparator(keyed.as_ref(), keyed.as_ref(), opts)?;
    let mut indices = Vec::with_capacity(values.len());
    let mut lengths = Vec::with_capacity(lists.len());
    for (i, w) in lists.value_offsets().windows(2).enumerate() {
        if lists.is_null(i) {
            lengths.push(0);
            continue;
        }
        let mut row: Vec<u32> = (w[0] as u32..w[1] as u32).collect();
        row.sort_by(|&a, &b| cmp(a as usize, b as usize));
        lengths.push(row.len());
        indices.extend(row);
    }
    let sorted = take(values.as_ref(), &UInt32Array::from(indices), None)?;
    let DataType::List(field) = lists.data_type() else { unreachable!("a list array has a list type") };
    Ok(Arc::new(ListArray::try_new(
        field.clone(),
        OffsetBuffer::from_lengths(lengths),
        sorted,
        lists.nulls().cloned(),
    )?))
}

#[cfg(test)]
mod tests {
    use arrow::array::{Int32Builder, ListBuilder, MapBuilder, StringBuilder};

    use super::*;
    use crate::hive_text::display_value;

    #[test]
    fn nulls_first_then_ascending() {
        let mut b = ListBuilder::new(Int32Builder::new());
        b.append_value([Some(3), None, Some(1)]);
        b.append_null();
        b.append_value([Some(2)]);
        let out = sort_lists(&b.finish()).unwrap();
        assert_eq!(display_value(out.as_ref(), 0), "[null,1,3]");
        assert_eq!(display_value(out.as_ref(), 1), "NULL");
        assert_eq!(display_value(out.as_ref(), 2), "[2]");
    }

    #[test]
    fn maps_compare_in_key_order() {
        let mut b = ListBuilder::new(MapBuilder::new(None, StringBuilder::new(), Int32Builder::new()));
        for entries in [[("b", 2), ("a", 9)], [("c", 3), ("a", 1)]] {
            for (k, v) in entries {
                b.values().keys().append_value(k);
                b.values().values().append_value(v);
            }
            b.values().append(true).unwrap();
        }
        b.append(true);
        let out = sort_lists(&b.finish()).unwrap();
        assert_eq!(display_value(out.as_ref(), 0), r#"[{"c":3,"a":1},{"b":2,"a":9}]"#);
    }
}
