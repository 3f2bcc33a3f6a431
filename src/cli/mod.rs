//! The `enma` command line: one binary, roles by subcommand. Each role is a
//! library function taking a config, so tests can start roles in-process.

mod demo;
mod print;
mod progress;
mod repl;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::api::ServeConfig;
use crate::engine::{Caller, EngineConfig};
use crate::error::{Error, Result};
use crate::storage::S3Config;

/// ENMA: energy-consumption analytics — a HiveQL warehouse on DataFusion.
#[derive(Debug, Parser)]
#[command(name = "enma", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Settings every role shares.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Directory for the metastore, the default warehouse and spill files.
    #[arg(long, global = true, env = "ENMA_DATA_DIR", default_value = "./enma-data")]
    pub data_dir: PathBuf,
    /// Object-store URL for managed tables (default: <data-dir>/warehouse).
    #[arg(long, global = true, env = "ENMA_WAREHOUSE")]
    pub warehouse: Option<String>,
    /// Memory queries may use before spilling to disk, e.g. 2G or 512M.
    #[arg(long, global = true, env = "ENMA_MEMORY_LIMIT", value_parser = parse_size)]
    pub memory_limit: Option<usize>,
    /// S3 endpoint for s3:// locations (an S3-compatible server).
    #[arg(long, global = true, env = "ENMA_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// S3 region.
    #[arg(long, global = true, env = "ENMA_S3_REGION")]
    pub s3_region: Option<String>,
    /// The cluster's scheduler, df://host:port: `serve`, `sql` and `mapreduce` run jobs
    /// there (without it, in this process); `executor` registers with it.
    #[arg(long, global = true, env = "ENMA_SCHEDULER")]
    pub scheduler: Option<String>,
    /// Local directories that remote (REST) callers may load from or use as table locations.
    #[arg(long = "allow-local-dir", global = true, env = "ENMA_ALLOW_LOCAL_DIRS", value_delimiter = ',')]
    pub allow_local_dirs: Vec<PathBuf>,
    /// Commands remote (REST) callers may run as MapReduce streaming tasks: an exact command, or a prefix ending in `*`.
    #[arg(long = "allow-command", global = true, env = "ENMA_ALLOW_COMMANDS", value_delimiter = ';')]
    pub allow_commands: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run HiveQL: -e statements, -f file, or an interactive prompt.
    Sql(SqlArgs),
    /// Serve the REST API.
    Serve(ServeArgs),
    /// The main job on embedded defaults: build a sample energy warehouse,
    /// serve it, and run example queries over REST.
    Demo(DemoArgs),
    /// Run the cluster's scheduler (Ballista) with ENMA's functions and tables.
    Scheduler(SchedulerArgs),
    /// Run one of the cluster's executors (Ballista), registering with --scheduler.
    Executor(ExecutorArgs),
    /// Run a MapReduce job: Hadoop-streaming commands (--mapper, --reducer) or a registered Rust job (--job).
    Mapreduce(MapReduceArgs),
}

#[derive(Debug, Args)]
pub struct MapReduceArgs {
    /// Input file or directory of text (repeatable).
    #[arg(long = "input", required_unless_present = "input_table")]
    pub inputs: Vec<PathBuf>,
    /// A table's rows as the input instead of files: one record per row,
    /// columns tab-separated as Hive's TRANSFORM hands them to a script.
    #[arg(long, conflicts_with = "inputs")]
    pub input_table: Option<String>,
    /// Output directory; must not exist.
    #[arg(long, required_unless_present = "output_table")]
    pub output: Option<PathBuf>,
    /// Put the output into this unpartitioned table instead of a directory: its
    /// columns are read from the key<TAB>value lines (any storage format).
    #[arg(long, conflicts_with = "output")]
    pub output_table: Option<String>,
    /// With --output-table: replace the table's rows instead of adding to them.
    #[arg(long, requires = "output_table")]
    pub overwrite: bool,
    /// A Hadoop job setting, as streaming jobs pass them: `mapreduce.job.reduces`,
    /// `stream.num.map.output.key.fields`, `mapreduce.partition.keypartitioner.options`
    /// (`-k1,N`); others are reported and ignored.
    #[arg(short = 'D', value_name = "NAME=VALUE", value_parser = parse_conf)]
    pub conf: Vec<(String, String)>,
    /// Hadoop's partitioner class: `HashPartitioner` (default) or `KeyFieldBasedPartitioner`.
    #[arg(long)]
    pub partitioner: Option<String>,
    /// An environment variable for the streaming commands, as Hadoop's `-cmdenv`.
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_conf)]
    pub cmdenv: Vec<(String, String)>,
    /// Streaming mapper command, run with `sh -c`: lines on stdin, `key<TAB>value` lines on stdout.
    #[arg(long, conflicts_with = "job")]
    pub mapper: Option<String>,
    /// Streaming combiner command (input sorted by key, per map task).
    #[arg(long, conflicts_with = "job")]
    pub combiner: Option<String>,
    /// Streaming reducer command (input sorted by key); `NONE` for a map-only job.
    /// Without it, the identity reducer sorts the map output.
    #[arg(long, conflicts_with = "job")]
    pub reducer: Option<String>,
    /// Number of reduce tasks (output files); 0 for a map-only job.
    #[arg(long, default_value_t = 1)]
    pub num_reducers: usize,
    /// A registered Rust job instead of commands: `wordcount`, `daily-consumption`
    /// (`GET /v1/mapreduce/jobs` lists them with what they do).
    #[arg(long)]
    pub job: Option<String>,
}

#[derive(Debug, Args)]
pub struct SchedulerArgs {
    /// Address to listen on.
    #[arg(long, env = "ENMA_SCHEDULER_BIND", default_value = "127.0.0.1")]
    pub bind: String,
    /// gRPC port (also serves the scheduler's REST API).
    #[arg(long, env = "ENMA_SCHEDULER_PORT", default_value_t = crate::cluster::SCHEDULER_PORT)]
    pub port: u16,
    /// Seconds without a heartbeat after which an executor is lost and its tasks run elsewhere.
    #[arg(long, env = "ENMA_EXECUTOR_TIMEOUT", default_value_t = 30)]
    pub executor_timeout: u64,
    /// Allow listening beyond loopback: Ballista's ports have no authentication.
    #[arg(long, env = "ENMA_TRUSTED_NETWORK")]
    pub trusted_network: bool,
}

#[derive(Debug, Args)]
pub struct ExecutorArgs {
    /// Address to listen on.
    #[arg(long, env = "ENMA_EXECUTOR_BIND", default_value = "127.0.0.1")]
    pub bind: String,
    /// Host name other nodes reach this executor by (default: --bind).
    #[arg(long, env = "ENMA_EXECUTOR_EXTERNAL_HOST")]
    pub external_host: Option<String>,
    /// Arrow Flight port (shuffle fetches and results).
    #[arg(long, env = "ENMA_EXECUTOR_PORT", default_value_t = 50051)]
    pub port: u16,
    /// gRPC port for tasks pushed by the scheduler; unused, as executors pull their tasks.
    #[arg(long, env = "ENMA_EXECUTOR_GRPC_PORT", default_value_t = 50052)]
    pub grpc_port: u16,
    /// Tasks run at once (default: the number of cores).
    #[arg(long, env = "ENMA_EXECUTOR_SLOTS")]
    pub slots: Option<usize>,
    /// Directory for shuffle and spill files (default: enma-executor-<port> in the system's temporary directory).
    #[arg(long, env = "ENMA_EXECUTOR_WORK_DIR")]
    pub work_dir: Option<PathBuf>,
    /// Seconds between heartbeats to the scheduler.
    #[arg(long, env = "ENMA_EXECUTOR_HEARTBEAT", default_value_t = 5)]
    pub heartbeat: u64,
    /// Allow listening beyond loopback: Ballista's ports have no authentication.
    #[arg(long, env = "ENMA_TRUSTED_NETWORK")]
    pub trusted_network: bool,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// Statements to run, separated by `;`.
    #[arg(short = 'e', conflicts_with = "file")]
    pub execute: Option<String>,
    /// A file of statements.
    #[arg(short = 'f')]
    pub file: Option<PathBuf>,
    /// Print column names before the rows.
    #[arg(long)]
    pub header: bool,
    /// The database to start in.
    #[arg(long, default_value = "default")]
    pub database: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ENMA_LISTEN", default_value = "127.0.0.1:7070")]
    pub listen: std::net::SocketAddr,
    /// Bearer token clients must send (required off loopback).
    #[arg(long, env = "ENMA_TOKEN")]
    pub token: Option<String>,
    /// Longest a query may run, in seconds.
    #[arg(long, env = "ENMA_QUERY_TIMEOUT", value_parser = parse_seconds)]
    pub query_timeout: Option<Duration>,
    /// Largest request body, e.g. 1M.
    #[arg(long, env = "ENMA_BODY_LIMIT", default_value = "1M", value_parser = parse_size)]
    pub body_limit: usize,
    /// Also serve the key-value store with HBase's REST API and Thrift1 API (happybase).
    #[arg(long, env = "ENMA_HBASE")]
    pub hbase: bool,
    /// Address of HBase's REST API, with --hbase.
    #[arg(long, env = "ENMA_HBASE_REST_LISTEN", default_value = "127.0.0.1:8080")]
    pub hbase_rest_listen: std::net::SocketAddr,
    /// Address of HBase's Thrift1 API, with --hbase (loopback only).
    #[arg(long, env = "ENMA_HBASE_THRIFT_LISTEN", default_value = "127.0.0.1:9090")]
    pub hbase_thrift_listen: std::net::SocketAddr,
    /// On SIGTERM or Ctrl-C, how many seconds requests in flight and
    /// running jobs get to finish before the server exits anyway.
    #[arg(long, env = "ENMA_SHUTDOWN_GRACE", default_value = "30", value_parser = parse_seconds)]
    pub shutdown_grace: Duration,
    /// Also serve REST resources as Eve does, from an Eve settings file (JSON or YAML).
    #[arg(long, env = "ENMA_RESOURCES")]
    pub resources: Option<PathBuf>,
    /// Address of the resource API, with --resources (Eve's port by default).
    #[arg(long, env = "ENMA_RESOURCES_LISTEN", default_value = enma_resources::DEFAULT_LISTEN)]
    pub resources_listen: std::net::SocketAddr,
    /// Keep the resources in this MongoDB database (mongodb://host:port/db)
    /// instead of the embedded store in the data directory.
    #[arg(long, env = "ENMA_MONGODB_URI")]
    pub mongodb_uri: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of meters in the sample.
    #[arg(long, default_value_t = 50)]
    pub meters: u32,
    /// Days of hourly readings.
    #[arg(long, default_value_t = 90)]
    pub days: u32,
}

/// `2G`, `512M`, `64k`, `1000` → bytes.
pub fn parse_size(text: &str) -> std::result::Result<usize, String> {
    let t = text.trim().to_ascii_uppercase();
    let t = t.trim_end_matches('B').trim_end_matches('I');
    let (num, mult) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 1usize << 10),
        Some('M') => (&t[..t.len() - 1], 1 << 20),
        Some('G') => (&t[..t.len() - 1], 1 << 30),
        Some('T') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let n: f64 = num.trim().parse().map_err(|_| format!("invalid size '{text}' (use e.g. 512M or 2G)"))?;
    if n <= 0.0 {
        return Err(format!("size must be positive: '{text}'"));
    }
    Ok((n * mult as f64) as usize)
}

impl EngineArgs {
    pub fn config(&self) -> EngineConfig {
        let mut s3 = S3Config::from_env();
        if self.s3_endpoint.is_some() {
            s3.endpoint = self.s3_endpoint.clone();
        }
        if self.s3_region.is_some() {
            s3.region = self.s3_region.clone();
        }
        let mut c = EngineConfig::new(&self.data_dir);
        c.warehouse = self.warehouse.clone();
        c.memory_limit = self.memory_limit;
        c.s3 = s3;
        c.scheduler = self.scheduler.clone().filter(|s| !s.is_empty());
        c.remote_access.local_dirs =
            self.allow_local_dirs.iter().map(|d| std::fs::canonicalize(d).unwrap_or(d.clone())).collect();
        c.remote_access.commands = self.allow_commands.clone();
        c
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ENMA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,enma=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    // Statements are planned on the thread that runs them: every thread gets
    // the query threads' stack (see `engine::query_threads`).
    let stack = crate::engine::query_threads::STACK_SIZE;
    let main = std::thread::Builder::new().name("enma-main".into()).stack_size(stack).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_multi_thread().thread_stack_size(stack).enable_all().build() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("Error: cannot start the runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        match runtime.block_on(run(cli)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("Error: {e}");
                ExitCode::FAILURE
            }
        }
    });
    match main.map(|t| t.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("Error: cannot start the main thread: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    let config = cli.engine.config();
    match cli.command {
        Command::Sql(args) => {
            let engine = crate::open_engine(config).await?;
            let mut session = engine.session(&args.database, Caller::Operator)?;
            let out = std::io::stdout();
            if let Some(sql) = args.execute {
                print::run_script(&mut session, &sql, args.header, &mut out.lock()).await
            } else if let Some(file) = args.file {
                let sql = std::fs::read_to_string(&file)
                    .map_err(|e| Error::not_found(format!("cannot read {}: {e}", file.display())))?;
                print::run_script(&mut session, &sql, args.header, &mut out.lock()).await
            } else {
                repl::run(&mut session, args.header).await
            }
        }
        Command::Serve(args) => serve(config, args).await,
        Command::Demo(args) => demo::run(config, args).await,
        Command::Mapreduce(args) => mapreduce(config, args).await,
        Command::Scheduler(args) => {
            let options = crate::cluster::SchedulerOptions {
                bind: args.bind,
                port: args.port,
                executor_timeout_secs: args.executor_timeout,
                trusted_network: args.trusted_network,
            };
            tokio::select! {
                result = crate::cluster::run_scheduler(config.clone(), crate::engine_builder(config)?.extensions().clone(), options) => result,
                () = enma_service::terminate_signal() => Ok(()),
            }
        }
        Command::Executor(args) => {
            let scheduler = config
                .scheduler
                .clone()
                .unwrap_or_else(|| format!("df://127.0.0.1:{}", crate::cluster::SCHEDULER_PORT));
            let options = crate::cluster::ExecutorOptions {
                bind: args.bind,
                external_host: args.external_host,
                port: args.port,
                grpc_port: args.grpc_port,
                scheduler,
                slots: args.slots,
                work_dir: args.work_dir,
                heartbeat_secs: args.heartbeat,
                trusted_network: args.trusted_network,
            };
            let extensions = crate::engine_builder(config.clone())?.extensions().clone();
            crate::cluster::run_executor(config, extensions, options).await
        }
    }
}

/// `enma serve`: binds every enabled service first (a taken port or a
/// refused setting stops here, before any client is answered), then serves
/// them together until SIGTERM or Ctrl-C, and stops them together.
async fn serve(config: EngineConfig, args: ServeArgs) -> Result<()> {
    let data_dir = config.data_dir.clone();
    // The resources' API is opened first: the engine reads its resources as tables.
    let resources = match &args.resources {
        Some(file) => {
            let settings = enma_resources::Settings::load(file).map_err(|e| Error::execution(e.to_string()))?;
            let store = enma_resources::open_store(args.mongodb_uri.as_deref(), &data_dir, &settings).await?;
            let config = enma_resources::ResourcesConfig::default();
            Some(enma_resources::open_api(settings, store, &config).await?)
        }
        None => None,
    };
    let mut builder = crate::engine_builder(config)?;
    if let Some(api) = &resources {
        builder =
            builder.with_storage_handler(std::sync::Arc::new(enma_resources::sql::ResourceHandler::new(api.clone())));
    }
    let engine = builder.build().await?;
    if let Some(api) = &resources {
        let mut session = engine.session("default", Caller::Operator)?;
        for statement in enma_resources::sql::table_statements(api) {
            session.execute(&statement).await?;
        }
    }
    let api = ServeConfig {
        listen: args.listen,
        token: args.token.clone(),
        query_timeout: args.query_timeout,
        body_limit: args.body_limit,
    };
    let mut host = enma_service::Host::new().with_grace(args.shutdown_grace);
    host.add(crate::api::bind(engine.clone(), api).await?);
    if args.hbase {
        let store = enma_hbase_handler::store(&engine)?;
        let rest = enma_hbase_server::rest::RestConfig {
            token: args.token,
            // Cells of many megabytes travel in one request.
            body_limit: args.body_limit.max(64 << 20),
            ..Default::default()
        };
        host.add(enma_hbase_server::rest::bind(args.hbase_rest_listen, store.clone(), rest).await?);
        host.add(enma_hbase_server::thrift::bind(args.hbase_thrift_listen, store, Default::default())?);
    }
    if let Some(api) = resources {
        host.add(enma_resources::bind_api(args.resources_listen, api).await?);
    }
    host.run(enma_service::terminate_signal()).await
}

/// Seconds a `Duration` can hold, not negative: `30`, `0.5`.
fn parse_seconds(text: &str) -> std::result::Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("expected a number of seconds (such as 30 or 0.5), not '{text}'"))
}

fn parse_conf(text: &str) -> std::result::Result<(String, String), String> {
    let (name, value) = text.split_once('=').ok_or_else(|| format!("expected NAME=VALUE, got '{text}'"))?;
    Ok((name.trim().to_string(), value.to_string()))
}

/// `enma mapreduce`: builds the job from the flags, runs it with a bar of
/// finished output files, and prints the counters as Hadoop does.
async fn mapreduce(config: EngineConfig, args: MapReduceArgs) -> Result<()> {
    use crate::mapreduce::{JobSpec, run_job};
    // A job into a table writes its files in a scratch directory of the data directory first.
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| config.data_dir.join(".mapreduce").join(uuid::Uuid::new_v4().simple().to_string()));
    let mut job = match (&args.job, &args.mapper) {
        (Some(name), _) => JobSpec::rust(name, args.inputs, output, args.num_reducers)?,
        (None, Some(m)) => JobSpec::streaming(
            args.inputs,
            output,
            m,
            args.combiner.as_deref(),
            args.reducer.as_deref(),
            args.num_reducers,
        ),
        (None, None) => return Err(Error::plan("give a streaming --mapper command or a Rust --job")),
    };
    job.input_table = args.input_table;
    job.cmdenv = args.cmdenv;
    for name in job.apply_hadoop_conf(&args.conf, args.partitioner.as_deref())? {
        eprintln!("warning: -D {name} is not used by enma mapreduce; ignored");
    }
    job.output_table = args.output_table.map(|name| crate::mapreduce::OutputTable { name, overwrite: args.overwrite });
    let engine = crate::open_engine(config).await?;
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} output files")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    let report = run_job(&engine, &job, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .await;
    bar.finish_and_clear();
    let report = report?;
    let secs = report.elapsed.as_secs_f64();
    let into = match &report.table {
        Some(table) => format!("loaded into table {table}"),
        None => format!("in {}", report.output.display()),
    };
    eprintln!(
        "job done in {secs:.2} s: {} MB of input ({:.1} MB/s), {} output files {into}",
        report.input_bytes / 1_000_000,
        report.input_bytes as f64 / 1e6 / secs.max(1e-9),
        report.parts,
    );
    eprintln!("Counters: {}", report.counters.len());
    let mut group = "";
    for (g, name, value) in &report.counters {
        if g != group {
            eprintln!("\t{g}");
            group = g;
        }
        eprintln!("\t\t{name}={value}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2G").unwrap(), 2 << 30);
        assert_eq!(parse_size("512m").unwrap(), 512 << 20);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert!(parse_size("x").is_err());
    }
}
