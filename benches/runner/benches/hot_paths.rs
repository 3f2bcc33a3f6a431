//! Micro-benchmarks of the paths ENMA adds around DataFusion: HiveQL
//! translation (parsing with Hive's rewrites, and planning to a physical
//! plan) and result encoding for the REST API (JSON rows, CSV, Arrow IPC).
//!
//! `cargo bench -p enma-bench --bench hot_paths`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "benchmarks fail by panicking")]

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Decimal128Array, Float64Array, Int32Array, RecordBatch, StringArray, TimestampNanosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use criterion::{Criterion, criterion_group, criterion_main};
use enma::api::encode::Encoder;
use enma::api::encode::arrow_ipc::ArrowStreamEncoder;
use enma::api::encode::csv::CsvEncoder;
use enma::api::encode::json::JsonEncoder;
use enma::engine::{Caller, EngineConfig, Session};
use enma::hive::parser::parse_statement;
use futures::StreamExt;

fn tpch_queries() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tpch/queries");
    (1..=22).map(|n| std::fs::read_to_string(dir.join(format!("q{n:02}.sql"))).expect("query file")).collect()
}

fn translation(c: &mut Criterion) {
    let queries = tpch_queries();
    c.bench_function("hiveql/parse_22_tpch_queries", |b| {
        b.iter(|| {
            for q in &queries {
                black_box(parse_statement(q).expect("parses"));
            }
        })
    });

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("tpch");
    enma_datagen::tpch::generate(&data, 0.01, 1, &mut |_| {}).expect("data");
    let engine = rt.block_on(enma::open_engine(EngineConfig::new(dir.path().join("enma")))).expect("engine");
    let mut session = engine.session("default", Caller::Operator).expect("session");
    rt.block_on(drain(&mut session, &format!("{}USE tpch", enma_datagen::tpch::ddl(&data, "tpch"))));
    let explains: Vec<String> = queries.iter().map(|q| format!("EXPLAIN {q}")).collect();
    c.bench_function("hiveql/plan_22_tpch_queries", |b| {
        b.iter(|| {
            rt.block_on(async {
                for q in &explains {
                    drain(&mut session, q).await;
                }
            })
        })
    });
}

async fn drain(session: &mut Session, sql: &str) {
    let mut stream = session.run(sql).await.expect("runs").stream;
    while let Some(batch) = stream.next().await {
        black_box(batch.expect("batch"));
    }
}

/// 8192 rows of a typical result: meter, timestamp, reading, kind, amount.
fn result_batch() -> RecordBatch {
    const ROWS: usize = 8192;
    let schema = Arc::new(Schema::new(vec![
        Field::new("meter_id", DataType::Int32, false),
        Field::new("ts", DataType::Timestamp(TimeUnit::Nanosecond, None), true),
        Field::new("kwh", DataType::Float64, true),
        Field::new("kind", DataType::Utf8, true),
        Field::new("amount", DataType::Decimal128(15, 2), true),
    ]));
    let start = 1_735_689_600_000_000_000i64;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from_iter_values(0..ROWS as i32)),
        Arc::new(TimestampNanosecondArray::from_iter_values((0..ROWS as i64).map(|h| start + h * 3_600_000_000_000))),
        Arc::new(Float64Array::from_iter_values((0..ROWS).map(|i| (i as f64 * 0.731).sin().abs() * 3.0))),
        Arc::new(StringArray::from_iter_values((0..ROWS).map(|i| ["residential", "commercial", "industrial"][i % 3]))),
        Arc::new(
            Decimal128Array::from_iter_values((0..ROWS as i128).map(|i| i * 137 % 1_000_000))
                .with_precision_and_scale(15, 2)
                .unwrap(),
        ),
    ];
    RecordBatch::try_new(schema, columns).expect("batch")
}

fn encoding(c: &mut Criterion) {
    let batch = result_batch();
    let mut group = c.benchmark_group("encode_8192_rows");
    type MakeEncoder = fn() -> Box<dyn Encoder>;
    let encoders: [(&str, MakeEncoder); 3] = [
        ("json", || Box::new(JsonEncoder::default())),
        ("csv", || Box::new(CsvEncoder)),
        ("arrow_ipc", || Box::new(ArrowStreamEncoder::default())),
    ];
    for (name, make) in encoders {
        let mut encoder = make();
        encoder.begin(&batch.schema()).expect("begin");
        group.bench_function(name, |b| b.iter(|| black_box(encoder.batch(&batch).expect("encodes"))));
    }
    group.finish();
}

criterion_group!(benches, translation, encoding);
criterion_main!(benches);
