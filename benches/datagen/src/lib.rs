//! Deterministic data for ENMA's benchmarks and tests, written as Parquet:
//! the eight TPC-H tables ([`tpch`]) and a year-by-year smart-meter workload
//! partitioned by month ([`energy`]). Each generator also gives the HiveQL
//! that declares its tables, so ENMA reads exactly the files the peers read.

// The generators build every batch to fit their own schemas and tables; a
// mismatch is a bug of the generator, which its tests and every benchmark
// run would show at once.
#![expect(clippy::expect_used, clippy::panic, reason = "generated data fits the generators' own schemas")]

pub mod energy;
pub mod tpch;

use std::fs::File;
use std::path::Path;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

/// Writes `batches` to `path` as one Snappy-compressed Parquet file, through
/// a temporary name, so a file that exists is complete.
fn write_parquet(
    path: &Path,
    schema: SchemaRef,
    batches: impl IntoIterator<Item = RecordBatch>,
) -> Result<(), ParquetError> {
    let partial = path.with_extension("parquet.partial");
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut writer = ArrowWriter::try_new(File::create(&partial)?, schema, Some(props))?;
    for batch in batches {
        writer.write(&batch)?;
    }
    writer.close()?;
    std::fs::rename(&partial, path)?;
    Ok(())
}
