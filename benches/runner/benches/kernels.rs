//! Hive function kernels on a batch of 8192 rows: the per-row work behind
//! the functions energy queries lean on (dates, strings, JSON, rounding).
//!
//! `cargo bench -p enma-bench --bench kernels`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "benchmarks fail by panicking")]

use std::hint::black_box;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, StringArray, TimestampNanosecondArray};
use arrow::datatypes::{Field, FieldRef};
use criterion::{Criterion, criterion_group, criterion_main};
use datafusion::common::ScalarValue;
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::{ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF};

const ROWS: usize = 8192;

fn function(name: &str) -> Arc<ScalarUDF> {
    enma_udfs::builtins()
        .scalars
        .into_iter()
        .find(|f| f.name() == name || f.aliases().iter().any(|a| a == name))
        .unwrap_or_else(|| panic!("no function {name}"))
}

/// A call of `name` on `args` (arrays or constants), ready to be evaluated over and over.
struct Call {
    udf: Arc<ScalarUDF>,
    args: Vec<ColumnarValue>,
    arg_fields: Vec<FieldRef>,
    return_field: FieldRef,
    config: Arc<ConfigOptions>,
}

impl Call {
    fn new(name: &str, args: Vec<ColumnarValue>) -> Self {
        let udf = function(name);
        let arg_fields: Vec<FieldRef> =
            args.iter().enumerate().map(|(i, a)| Arc::new(Field::new(format!("a{i}"), a.data_type(), true))).collect();
        let scalars: Vec<Option<&ScalarValue>> =
            args.iter().map(|a| if let ColumnarValue::Scalar(s) = a { Some(s) } else { None }).collect();
        let return_field = udf
            .return_field_from_args(ReturnFieldArgs { arg_fields: &arg_fields, scalar_arguments: &scalars })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        Call { udf, args, arg_fields, return_field, config: Arc::new(ConfigOptions::default()) }
    }

    fn run(&self) -> ColumnarValue {
        self.udf
            .invoke_with_args(ScalarFunctionArgs {
                args: self.args.clone(),
                arg_fields: self.arg_fields.clone(),
                number_rows: ROWS,
                return_field: self.return_field.clone(),
                config_options: self.config.clone(),
            })
            .expect("the call succeeds")
    }
}

fn array(a: ArrayRef) -> ColumnarValue {
    ColumnarValue::Array(a)
}

fn text(s: &str) -> ColumnarValue {
    ColumnarValue::Scalar(ScalarValue::Utf8(Some(s.to_string())))
}

/// Hourly timestamps from 2025-01-01.
fn timestamps() -> ArrayRef {
    let start = 1_735_689_600_000_000_000i64;
    Arc::new(TimestampNanosecondArray::from_iter_values((0..ROWS as i64).map(|h| start + h * 3_600_000_000_000)))
}

fn date_strings() -> ArrayRef {
    Arc::new(StringArray::from_iter_values(
        (0..ROWS).map(|i| format!("2025-{:02}-{:02} {:02}:00:00", i % 12 + 1, i % 28 + 1, i % 24)),
    ))
}

fn readings() -> ArrayRef {
    Arc::new(Float64Array::from_iter_values((0..ROWS).map(|i| (i as f64 * 0.731).sin().abs() * 3.0)))
}

fn json_documents() -> ArrayRef {
    Arc::new(StringArray::from_iter_values(
        (0..ROWS)
            .map(|i| format!(r#"{{"meter":{{"id":"M{i:06}","kind":"residential"}},"kwh":[{},{}]}}"#, i % 7, i % 11)),
    ))
}

fn meter_ids() -> ArrayRef {
    Arc::new(StringArray::from_iter_values((0..ROWS).map(|i| format!("EU-{:02}-M{:06}-{}", i % 40, i, i % 3))))
}

fn kernels(c: &mut Criterion) {
    let cases = [
        (
            "date_format(ts, 'yyyy-MM-dd HH')",
            Call::new("date_format", vec![array(timestamps()), text("yyyy-MM-dd HH")]),
        ),
        ("unix_timestamp(string)", Call::new("unix_timestamp", vec![array(date_strings())])),
        ("to_date(string)", Call::new("to_date", vec![array(date_strings())])),
        ("hour(ts)", Call::new("hour", vec![array(timestamps())])),
        (
            "round(double, 2)",
            Call::new("round", vec![array(readings()), ColumnarValue::Scalar(ScalarValue::Int32(Some(2)))]),
        ),
        (
            "get_json_object(doc, '$.meter.id')",
            Call::new("get_json_object", vec![array(json_documents()), text("$.meter.id")]),
        ),
        (
            "regexp_extract(id, 'M([0-9]+)', 1)",
            Call::new(
                "regexp_extract",
                vec![array(meter_ids()), text("M([0-9]+)"), ColumnarValue::Scalar(ScalarValue::Int32(Some(1)))],
            ),
        ),
        ("split(id, '-')", Call::new("split", vec![array(meter_ids()), text("-")])),
        ("concat_ws('/', id, id)", Call::new("concat_ws", vec![text("/"), array(meter_ids()), array(meter_ids())])),
    ];
    let mut group = c.benchmark_group("hive_functions_8192_rows");
    for (name, call) in &cases {
        group.bench_function(*name, |b| b.iter(|| black_box(call.run())));
    }
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
