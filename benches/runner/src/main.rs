//! `enma-bench`: the Rust side of `benches/run.sh`.
//!
//! - `gen-tpch` and `gen-energy` write the benchmark data as Parquet, with a
//!   `ddl.hql` beside it that declares the tables for ENMA;
//! - `worker` keeps one engine alive and runs the queries it is sent on
//!   stdin, one per line (`run <database> <file.sql>`), answering each with
//!   `ok <ms> <rows>` or `err <message>`: ENMA's embedded engine, or raw
//!   DataFusion of the same version, the floor of ENMA's own overhead
//!   (`explain <database> <file.sql>` prints the plan with run metrics to
//!   stderr, for profiling);
//! - `versions` prints the engine versions for the report.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use enma::engine::{Caller, Engine, EngineConfig, Session};
use enma_datagen::{energy, tpch};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(name = "enma-bench", about = "Benchmark data and query workers for benches/run.sh")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes the eight TPC-H tables as Parquet under OUT, and OUT/ddl.hql.
    GenTpch {
        #[arg(long, default_value_t = 1.0)]
        sf: f64,
        #[arg(long)]
        out: PathBuf,
        /// Files per table (region and nation have one).
        #[arg(long, default_value_t = 8)]
        files: i32,
    },
    /// Writes the smart-meter tables as Parquet under OUT, and OUT/ddl.hql.
    GenEnergy {
        #[arg(long, default_value_t = 1000)]
        meters: u32,
        #[arg(long, default_value_t = 2024)]
        first_year: i32,
        #[arg(long, default_value_t = 2)]
        years: i32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Runs queries sent on stdin until `quit` or the end of input.
    Worker {
        #[arg(long, value_enum)]
        system: System,
        /// ENMA: where its metastore lives.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// ENMA: HiveQL scripts run once at start (the tables' DDL).
        #[arg(long = "ddl")]
        ddl: Vec<PathBuf>,
        /// DataFusion: the TPC-H data directory, one subdirectory per table.
        #[arg(long)]
        tpch: Option<PathBuf>,
    },
    /// Prints `name version` lines of the engines built in.
    Versions,
}

#[derive(Clone, Copy, ValueEnum)]
enum System {
    Enma,
    Datafusion,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    if let Err(e) = run(Cli::parse().command).await {
        eprintln!("enma-bench: {e}");
        std::process::exit(1);
    }
}

async fn run(command: Command) -> Result<(), BoxError> {
    match command {
        Command::GenTpch { sf, out, files } => {
            let bar = bar(tpch::file_count(files), "TPC-H files");
            tpch::generate(&out, sf, files, &mut |table| {
                bar.set_message(table.to_string());
                bar.inc(1);
            })?;
            bar.finish_and_clear();
            write_ddl(&out, &tpch::ddl(&std::path::absolute(&out)?, "tpch"))
        }
        Command::GenEnergy { meters, first_year, years, out } => {
            let spec = energy::EnergySpec { meters, first_year, years };
            let bar = bar(spec.months().len() as u64, "months of readings");
            energy::generate(&out, &spec, &mut |month| {
                bar.set_message(month.to_string());
                bar.inc(1);
            })?;
            bar.finish_and_clear();
            write_ddl(&out, &energy::ddl(&std::path::absolute(&out)?, "energy"))
        }
        Command::Worker { system: System::Enma, data_dir, ddl, .. } => {
            let data_dir = data_dir.ok_or("the ENMA worker needs --data-dir")?;
            serve(EnmaWorker::open(&data_dir, &ddl).await?).await
        }
        Command::Worker { system: System::Datafusion, tpch, .. } => {
            serve(DataFusionWorker::open(&tpch.ok_or("the DataFusion worker needs --tpch")?).await?).await
        }
        Command::Versions => {
            println!("datafusion {}", datafusion::DATAFUSION_VERSION);
            println!("enma {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
    }
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let style = format!("{{bar:40}} {{pos}}/{{len}} {what} {{msg}} [{{elapsed}}]");
    bar.set_style(ProgressStyle::with_template(&style).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar
}

fn write_ddl(dir: &Path, ddl: &str) -> Result<(), BoxError> {
    let partial = dir.join("ddl.hql.partial");
    std::fs::write(&partial, ddl)?;
    std::fs::rename(partial, dir.join("ddl.hql"))?;
    Ok(())
}

/// An engine that runs one query at a time for the worker loop.
trait Worker {
    async fn query(&mut self, database: &str, sql: &str) -> Result<SendableRecordBatchStream, BoxError>;
}

/// Answers `run <database> <file>` lines until `quit`; see the module doc.
async fn serve(mut worker: impl Worker) -> Result<(), BoxError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready")?;
    out.flush()?;
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let reply = match line.split_whitespace().collect::<Vec<_>>()[..] {
            ["quit"] => break,
            ["run", database, file] => match timed(&mut worker, database, Path::new(file)).await {
                Ok((ms, rows)) => format!("ok {ms:.3} {rows}"),
                Err(e) => err_line(&e),
            },
            ["explain", database, file] => match explain(&mut worker, database, Path::new(file)).await {
                Ok(plan) => {
                    eprintln!("{plan}");
                    "ok".to_string()
                }
                Err(e) => err_line(&e),
            },
            _ => format!("err cannot read the request '{line}'"),
        };
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    Ok(())
}

/// A failure as one reply line.
fn err_line(e: &BoxError) -> String {
    format!("err {}", e.to_string().replace(['\n', '\r'], " "))
}

fn read_sql(file: &Path) -> Result<String, BoxError> {
    Ok(std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?)
}

/// Plans, runs and drains one query: milliseconds taken and rows returned.
async fn timed(worker: &mut impl Worker, database: &str, file: &Path) -> Result<(f64, usize), BoxError> {
    let sql = read_sql(file)?;
    let started = Instant::now();
    let mut stream = worker.query(database, &sql).await?;
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        rows += batch?.num_rows();
    }
    Ok((started.elapsed().as_secs_f64() * 1000.0, rows))
}

/// The query's plan with the metrics of one run (`EXPLAIN ANALYZE`), for profiling.
async fn explain(worker: &mut impl Worker, database: &str, file: &Path) -> Result<String, BoxError> {
    let sql = read_sql(file)?;
    let mut stream = worker.query(database, &format!("EXPLAIN ANALYZE {sql}")).await?;
    let mut batches = vec![];
    while let Some(batch) = stream.next().await {
        batches.push(batch?);
    }
    Ok(pretty_format_batches(&batches)?.to_string())
}

/// ENMA's embedded engine, as `enma sql` runs it; one session per database.
struct EnmaWorker {
    engine: Engine,
    sessions: HashMap<String, Session>,
}

impl EnmaWorker {
    async fn open(data_dir: &Path, ddl: &[PathBuf]) -> Result<Self, BoxError> {
        let engine = enma::open_engine(EngineConfig::new(data_dir)).await?;
        let mut setup = engine.session("default", Caller::Operator)?;
        for script in ddl {
            let sql = std::fs::read_to_string(script).map_err(|e| format!("{}: {e}", script.display()))?;
            let mut stream = setup.run(&sql).await?.stream;
            while let Some(batch) = stream.next().await {
                batch?;
            }
        }
        Ok(Self { engine, sessions: HashMap::new() })
    }
}

impl Worker for EnmaWorker {
    async fn query(&mut self, database: &str, sql: &str) -> Result<SendableRecordBatchStream, BoxError> {
        let session = match self.sessions.entry(database.to_string()) {
            std::collections::hash_map::Entry::Occupied(open) => open.into_mut(),
            std::collections::hash_map::Entry::Vacant(new) => {
                new.insert(self.engine.session(database, Caller::Operator)?)
            }
        };
        Ok(session.run(sql).await?.stream)
    }
}

/// Raw DataFusion with its defaults, the TPC-H tables registered as Parquet.
struct DataFusionWorker {
    ctx: SessionContext,
}

impl DataFusionWorker {
    async fn open(dir: &Path) -> Result<Self, BoxError> {
        let ctx = SessionContext::new();
        for table in tpch::TABLES {
            let location = dir.join(table);
            ctx.register_parquet(
                table,
                location.to_str().ok_or("the TPC-H path is not UTF-8")?,
                ParquetReadOptions::default(),
            )
            .await?;
        }
        Ok(Self { ctx })
    }
}

impl Worker for DataFusionWorker {
    async fn query(&mut self, database: &str, sql: &str) -> Result<SendableRecordBatchStream, BoxError> {
        if database != "tpch" {
            return Err(format!("the DataFusion worker has only the tpch tables, not {database}").into());
        }
        Ok(self.ctx.sql(sql).await?.execute_stream().await?)
    }
}
