//! `map(k1, v1, k2, v2, ...)`: a map of the key/value pairs, keys in Hive's
//! common type of the keys and values in that of the values
//! (`map(1, 2, 'a', 'b')` is `{"1":"2","a":"b"}`). A repeated key keeps its
//! first place and its last value, as Hive's map does. Also answers to
//! `make_map`, the name the HiveQL rewrite gives Hive's constructor.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, MapArray, StructArray, UInt32Array, make_comparator, new_empty_array};
use arrow::buffer::OffsetBuffer;
use arrow::compute::{SortOptions, concat, take};
use arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::array::element_type;
use crate::doc::hive_doc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MakeMap {
    signature: Signature,
    aliases: Vec<String>,
}

impl Default for MakeMap {
    fn default() -> Self {
        Self { signature: Signature::user_defined(Volatility::Immutable), aliases: vec!["make_map".to_string()] }
    }
}

/// The UDF, ready to register.
pub fn udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(MakeMap::default()))
}

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "map(key1, value1, key2, value2, ...)",
        "a map of the given key/value pairs",
        "> SELECT map(1, 'a', 2, 'b');\n{1:\"a\",2:\"b\"}",
    )
});

fn map_type(key: DataType, value: DataType) -> DataType {
    let entries = Fields::from(vec![Field::new("key", key, false), Field::new("value", value, true)]);
    DataType::Map(Arc::new(Field::new("entries", DataType::Struct(entries), false)), false)
}

impl ScalarUDFImpl for MakeMap {
    fn name(&self) -> &str {
        "map"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if !arg_types.len().is_multiple_of(2) {
            return plan_err!("map takes key/value pairs, got {} arguments", arg_types.len());
        }
        let keys: Vec<DataType> = arg_types.iter().step_by(2).cloned().collect();
        let values: Vec<DataType> = arg_types.iter().skip(1).step_by(2).cloned().collect();
        let (k, v) = (element_type("map", &keys)?, element_type("map", &values)?);
        Ok((0..arg_types.len()).map(|i| if i % 2 == 0 { k.clone() } else { v.clone() }).collect())
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let k = arg_types.first().cloned().unwrap_or(DataType::Utf8);
        let v = arg_types.get(1).cloned().unwrap_or(DataType::Utf8);
        Ok(map_type(k, v))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { args.number_rows };
        let arrays: Vec<ArrayRef> = args.args.iter().map(|a| a.to_array(rows)).collect::<Result<_>>()?;
        let out = build(args.return_field.data_type(), &arrays, rows)?;
        if all_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?));
        }
        Ok(ColumnarValue::Array(out))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

/// One map a row from alternating key and value columns.
pub fn build(map_type: &DataType, columns: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
    let DataType::Map(entries_field, _) = map_type else { return plan_err!("map must return a map") };
    let DataType::Struct(fields) = entries_field.data_type() else { return plan_err!("map entries must be structs") };
    let pairs = columns.len() / 2;
    let (keys, values, lengths) = if pairs == 0 {
        (new_empty_array(fields[0].data_type()), new_empty_array(fields[1].data_type()), vec![0; rows])
    } else {
        let ks: Vec<&dyn Array> = columns.iter().step_by(2).map(|c| c.as_ref()).collect();
        let vs: Vec<&dyn Array> = columns.iter().skip(1).step_by(2).map(|c| c.as_ref()).collect();
        let (all_k, all_v) = (concat(&ks)?, concat(&vs)?);
        let same = make_comparator(all_k.as_ref(), all_k.as_ref(), SortOptions::default())?;
        let (mut kidx, mut vidx, mut lengths) = (Vec::new(), Vec::new(), Vec::with_capacity(rows));
        for i in 0..rows {
            let start = kidx.len();
            for j in 0..pairs {
                let at = (j * rows + i) as u32;
                if all_k.is_null(at as usize) {
                    continue;
                }
                match kidx[start..].iter().position(|&k: &u32| same(k as usize, at as usize).is_eq()) {
                    Some(p) => vidx[start + p] = at,
                    None => {
                        kidx.push(at);
                        vidx.push(at);
                    }
                }
            }
            lengths.push(kidx.len() - start);
        }
        let keys = take(all_k.as_ref(), &UInt32Array::from(kidx), None)?;
        let values = take(all_v.as_ref(), &UInt32Array::from(vidx), None)?;
        (keys, values, lengths)
    };
    let entries = StructArray::try_new(fields.clone(), vec![keys, values], None)?;
    Ok(Arc::new(MapArray::try_new(entries_field.clone(), OffsetBuffer::from_lengths(lengths), entries, None, false)?))
}

#[cfg(test)]
mod tests {
    use arrow::array::{Int32Array, StringArray};

    use super::*;
    use crate::hive_text::display_value;

    #[test]
    fn pairs_and_repeated_keys() {
        let t = map_type(DataType::Int32, DataType::Utf8);
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(vec![1])),
            Arc::new(StringArray::from(vec!["a"])),
            Arc::new(Int32Array::from(vec![2])),
            Arc::new(StringArray::from(vec!["b"])),
            Arc::new(Int32Array::from(vec![1])),
            Arc::new(StringArray::from(vec!["c"])),
        ];
        let out = build(&t, &cols, 1).unwrap();
        assert_eq!(display_value(out.as_ref(), 0), r#"{1:"c",2:"b"}"#);
        assert_eq!(display_value(build(&t, &[], 1).unwrap().as_ref(), 0), "{}");
    }
}
