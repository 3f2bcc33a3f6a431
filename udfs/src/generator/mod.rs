//! Hive's table-generating functions (UDTFs): each input row gives zero or
//! more output rows. The engine plans them for `LATERAL VIEW [OUTER]` and for
//! a generator alone in a select list (`SELECT explode(arr) AS x FROM t`).
//!
//! Each generator is also registered as a scalar function of the same name
//! ([`rows_udf`]) that returns, for each input row, the rows it generates as
//! a list of structs; the engine expands that list with DataFusion's
//! `unnest`, so generators run wherever DataFusion's plans run.

use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, ListArray, StructArray, UInt32Array};
use arrow::buffer::OffsetBuffer;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{Result, ScalarValue, exec_err, internal_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

pub mod explode;
pub mod inline;
pub mod json_tuple;
pub mod parse_url_tuple;
pub mod posexplode;
pub mod stack;

/// One argument as the planner knows it: its type, and its value when it is a literal.
#[derive(Debug, Clone)]
pub struct GeneratorArg {
    pub data_type: DataType,
    pub literal: Option<ScalarValue>,
}

/// Rows generated from a batch of arguments.
#[derive(Debug, Clone)]
pub struct Generated {
    /// One array per output column, all of the same length.
    pub columns: Vec<ArrayRef>,
    /// For each output row, the input row it came from, in ascending order.
    pub rows: UInt32Array,
}

/// A table-generating function.
pub trait Generator: Send + Sync + std::fmt::Debug {
    /// The SQL name.
    fn name(&self) -> &str;

    /// Output columns for these arguments, named as Hive names them when the
    /// query gives no aliases (`col`, `pos`, `key`, `value`, `c0`, ...).
    fn output_fields(&self, args: &[GeneratorArg]) -> Result<Vec<Field>>;

    /// The rows generated from `num_rows` input rows of argument values.
    fn generate(&self, args: &[ArrayRef], num_rows: usize) -> Result<Generated>;

    /// Hive's usage text.
    fn documentation(&self) -> Option<&Documentation> {
        None
    }
}

/// Every table-generating function.
pub fn functions() -> Vec<Arc<dyn Generator>> {
    vec![
        Arc::new(explode::Explode),
        Arc::new(posexplode::PosExplode),
        Arc::new(inline::Inline),
        Arc::new(stack::Stack),
        Arc::new(json_tuple::JsonTuple),
        Arc::new(parse_url_tuple::ParseUrlTuple),
    ]
}

/// `generator` as a scalar function of the same name that returns, for each
/// input row, the rows it generates: a `List<Struct<output fields>>`.
pub fn rows_udf(generator: Arc<dyn Generator>) -> ScalarUDF {
    ScalarUDF::new_from_impl(GeneratorRows { generator, signature: Signature::user_defined(Volatility::Immutable) })
}

/// The type [`rows_udf`] returns for generated `fields`.
pub fn rows_type(fields: Vec<Field>) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Struct(Fields::from(fields)), true)))
}

#[derive(Debug)]
struct GeneratorRows {
    generator: Arc<dyn Generator>,
    signature: Signature,
}

impl PartialEq for GeneratorRows {
    fn eq(&self, other: &Self) -> bool {
        self.generator.name() == other.generator.name()
    }
}

impl Eq for GeneratorRows {}

impl Hash for GeneratorRows {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.generator.name().hash(state);
    }
}

impl ScalarUDFImpl for GeneratorRows {
    fn name(&self) -> &str {
        self.generator.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        Ok(arg_types.to_vec())
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        internal_err!("{} plans its type from return_field_from_args", self.name())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let args: Vec<GeneratorArg> = args
            .arg_fields
            .iter()
            .zip(args.scalar_arguments)
            .map(|(f, lit)| GeneratorArg { data_type: f.data_type().clone(), literal: lit.cloned() })
            .collect();
        let fields = self.generator.output_fields(&args)?;
        Ok(Arc::new(Field::new(self.name(), rows_type(fields), true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let arrays = args.args.iter().map(|a| a.to_array(n)).collect::<Result<Vec<_>>>()?;
        let DataType::List(item) = args.return_field.data_type() else {
            return internal_err!("{} returns a list, planned {}", self.name(), args.return_field.data_type());
        };
        let DataType::Struct(fields) = item.data_type() else {
            return internal_err!("{} returns a list of structs, planned {}", self.name(), item.data_type());
        };
        let generated = self.generator.generate(&arrays, n)?;
        Ok(ColumnarValue::Array(Arc::new(rows_as_lists(self.name(), generated, fields, item.clone(), n)?)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.generator.documentation()
    }
}

/// Packs generated rows into one list of structs per input row.
fn rows_as_lists(
    name: &str,
    generated: Generated,
    fields: &Fields,
    item: FieldRef,
    num_rows: usize,
) -> Result<ListArray> {
    if generated.columns.len() != fields.len() {
        return internal_err!("{name} generated {} columns, planned {}", generated.columns.len(), fields.len());
    }
    let len = generated.rows.len();
    let mut columns = Vec::with_capacity(fields.len());
    for (c, f) in generated.columns.into_iter().zip(fields.iter()) {
        if c.len() != len {
            return internal_err!("{name} generated a column of {} rows for {len} rows", c.len());
        }
        columns.push(if c.data_type() == f.data_type() { c } else { cast(&c, f.data_type())? });
    }
    let values = if fields.is_empty() {
        StructArray::new_empty_fields(len, None)
    } else {
        StructArray::try_new(fields.clone(), columns, None)?
    };
    let mut counts = vec![0usize; num_rows];
    let mut last = 0u32;
    for &r in generated.rows.values() {
        if r < last || r as usize >= num_rows {
            return internal_err!("{name} generated rows out of input order");
        }
        last = r;
        counts[r as usize] += 1;
    }
    Ok(ListArray::try_new(item, OffsetBuffer::from_lengths(counts), Arc::new(values), None)?)
}

/// The elements of an array-valued argument: all elements, and for each row
/// the range of its elements (`None` for a NULL array).
pub(crate) fn array_elements(name: &str, array: &ArrayRef) -> Result<(ArrayRef, Vec<Option<Range<usize>>>)> {
    let list = match array.data_type() {
        DataType::List(_) => array.clone(),
        DataType::LargeList(f) | DataType::FixedSizeList(f, _) | DataType::ListView(f) | DataType::LargeListView(f) => {
            cast(array, &DataType::List(f.clone()))?
        }
        DataType::Null => return Ok((Arc::new(arrow::array::NullArray::new(0)), vec![None; array.len()])),
        other => return exec_err!("{name} takes an array, got {other}"),
    };
    let list = list.as_list::<i32>();
    let ranges = (0..list.len())
        .map(|i| list.is_valid(i).then(|| list.value_offsets()[i] as usize..list.value_offsets()[i + 1] as usize))
        .collect();
    Ok((list.values().clone(), ranges))
}

/// The element type of an array type, if it is one.
pub(crate) fn element_type(t: &DataType) -> Option<&DataType> {
    match t {
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::FixedSizeList(f, _)
        | DataType::ListView(f)
        | DataType::LargeListView(f) => Some(f.data_type()),
        _ => None,
    }
}

/// Output rows with one column per value of `indices` (an index into
/// `values`), all from the given input rows.
pub(crate) fn take_rows(values: &[ArrayRef], indices: &UInt32Array) -> Result<Vec<ArrayRef>> {
    Ok(values.iter().map(|v| arrow::compute::take(v.as_ref(), indices, None)).collect::<std::result::Result<_, _>>()?)
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::*;

    /// Each output row as text, `input row: col\tcol`.
    pub fn rows_text(g: &Generated) -> Vec<String> {
        (0..g.rows.len())
            .map(|r| {
                let cols: Vec<String> =
                    g.columns.iter().map(|c| crate::hive_text::display_value(c.as_ref(), r)).collect();
                format!("{}: {}", g.rows.value(r), cols.join("\t"))
            })
            .collect()
    }

    pub fn arg(data_type: DataType) -> GeneratorArg {
        GeneratorArg { data_type, literal: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, Int32Builder, ListBuilder};

    #[test]
    fn rows_udf_packs_rows_per_input_row() {
        let mut b = ListBuilder::new(Int32Builder::new());
        b.append_value([Some(1), Some(2)]);
        b.append_null();
        b.append_value([Some(3)]);
        let arr: ArrayRef = Arc::new(b.finish());
        let g = explode::Explode.generate(std::slice::from_ref(&arr), 3).unwrap();
        let fields = Fields::from(vec![Field::new("col", DataType::Int32, true)]);
        let item = Arc::new(Field::new_list_field(DataType::Struct(fields.clone()), true));
        let lists = rows_as_lists("explode", g, &fields, item, 3).unwrap();
        assert_eq!(lists.value_offsets(), &[0, 2, 2, 3]);
        let values = lists.values().as_struct();
        let col = values.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
        assert_eq!(col.values().to_vec(), vec![1, 2, 3]);
    }
}
