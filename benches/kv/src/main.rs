//! `kv-bench`: throughput and latency of ENMA's key-value store for
//! `benches/kv.sh` — puts, point gets and short scans, embedded and over
//! HBase's REST and Thrift1 APIs.
//!
//! - `serve` opens the store and serves both protocols (as `enma serve
//!   --hbase` does) until killed, so the load can come from another process;
//! - `load --mode embedded|rest|thrift` drives the three phases from
//!   concurrent clients, prints one line per phase and writes the figures
//!   as JSON. Embedded mode runs the store in this process, no server.
//!
//! Depends on the store and its servers only, not on `enma`, so its release
//! build is quick.

mod embedded;
mod latency;
mod load;
mod rest;
mod serve;
mod thrift;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use enma_kv::{Store, StoreOptions};
use serde_json::{Value, json};

use load::{Calls, Client, Params};
use rest::RestScan;

/// Errors are messages for the terminal.
type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

#[derive(Parser, Debug)]
#[command(
    name = "kv-bench",
    about = "Throughput and latency of ENMA's key-value store: embedded, over HBase REST and Thrift"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serves the store in DIR over HBase's REST and Thrift1 APIs until killed; prints `ready` once both listen.
    Serve(ServeArgs),
    /// Creates table `bench` (dropping it first), then times puts, point gets and scans.
    Load(LoadArgs),
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// The store's directory (created if missing).
    #[arg(long)]
    dir: PathBuf,
    /// Address of the REST API.
    #[arg(long, default_value = "127.0.0.1:8080")]
    rest: SocketAddr,
    /// Address of the Thrift API.
    #[arg(long, default_value = "127.0.0.1:9090")]
    thrift: SocketAddr,
}

#[derive(Args, Debug)]
struct LoadArgs {
    #[arg(long, value_enum)]
    mode: Mode,
    /// The store's directory, for embedded mode.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The server's host:port, for REST and Thrift modes.
    #[arg(long)]
    addr: Option<String>,
    /// Rows written in the put phase.
    #[arg(long, default_value_t = 100_000)]
    rows: u64,
    /// Bytes of the one cell of each row.
    #[arg(long, default_value_t = 100)]
    value_bytes: usize,
    /// Concurrent clients, each one thread with one connection, one call at a time.
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Point gets of random existing rows, over all clients (0 skips the phase).
    #[arg(long, default_value_t = 50_000)]
    gets: u64,
    /// Scans from random start rows, over all clients (0 skips the phase).
    #[arg(long, default_value_t = 2_000)]
    scans: u64,
    /// Rows each scan returns.
    #[arg(long, default_value_t = 100)]
    scan_rows: usize,
    /// How a REST scan is made: a stateful scanner, as HBase's REST clients scan, or one stateless GET.
    #[arg(long, value_enum, default_value_t = RestScan::Stateful)]
    rest_scan: RestScan,
    /// Seed of the write order, the values and the keys read.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the figures as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Embedded,
    Rest,
    Thrift,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Embedded => "embedded",
            Mode::Rest => "rest",
            Mode::Thrift => "thrift",
        }
    }
}

/// What a load runs against.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Store(PathBuf),
    Server(String),
}

impl LoadArgs {
    fn params(&self) -> Result<Params> {
        let params = Params {
            rows: self.rows,
            value_bytes: self.value_bytes,
            clients: self.clients,
            gets: self.gets,
            scans: self.scans,
            scan_rows: self.scan_rows,
            seed: self.seed,
        };
        params.validate()?;
        Ok(params)
    }

    /// The store directory of embedded mode or the server of the others; the other flag is refused.
    fn target(&self) -> Result<Target> {
        let mode = self.mode.name();
        match (self.mode, &self.dir, &self.addr) {
            (Mode::Embedded, Some(dir), None) => Ok(Target::Store(dir.clone())),
            (Mode::Embedded, None, _) => Err("--mode embedded needs --dir (the store's directory)".into()),
            (Mode::Embedded, Some(_), Some(_)) => Err("--mode embedded runs no server: drop --addr".into()),
            (_, None, Some(addr)) => Ok(Target::Server(addr.clone())),
            (_, _, None) => Err(format!("--mode {mode} needs --addr (the `kv-bench serve` address)").into()),
            (_, Some(_), Some(_)) => {
                Err(format!("--mode {mode} talks to a server: drop --dir (the server's own --dir)").into())
            }
        }
    }
}

/// Runs one load and returns its figures as JSON.
fn load(args: &LoadArgs) -> Result<Value> {
    let params = args.params()?;
    let target = args.target()?;
    let n = params.clients;
    let (mut clients, calls, extra): (Vec<Box<dyn Client>>, Calls, Value) = match (args.mode, target) {
        (Mode::Embedded, Target::Store(dir)) => {
            std::fs::create_dir_all(&dir)?;
            let store = Store::open(&dir, StoreOptions::default())
                .map_err(|e| format!("cannot open the store in {}: {e}", dir.display()))?;
            let clients = (0..n)
                .map(|_| -> Result<Box<dyn Client>> { Ok(Box::new(embedded::EmbeddedClient::new(store.clone())?)) });
            (clients.collect::<Result<_>>()?, embedded::CALLS, json!({}))
        }
        (Mode::Rest, Target::Server(addr)) => {
            let clients = (0..n)
                .map(|_| -> Result<Box<dyn Client>> { Ok(Box::new(rest::RestClient::new(&addr, args.rest_scan)?)) });
            let scan = args.rest_scan.to_possible_value().map(|v| v.get_name().to_string());
            (clients.collect::<Result<_>>()?, rest::calls(args.rest_scan), json!({ "addr": addr, "rest_scan": scan }))
        }
        (Mode::Thrift, Target::Server(addr)) => {
            let clients =
                (0..n).map(|_| -> Result<Box<dyn Client>> { Ok(Box::new(thrift::ThriftClient::connect(&addr)?)) });
            let extra = json!({ "addr": addr, "protocol": "binary", "transport": "buffered" });
            (clients.collect::<Result<_>>()?, thrift::CALLS, extra)
        }
        (mode, target) => unreachable!("{mode:?} with {target:?}: target() pairs them"),
    };
    let mode = args.mode.name();
    let phases = load::run(&mut clients, &params, |phase, summary| {
        println!("{mode:<8} {:<4} {}", phase.name(), summary.line());
    })?;
    Ok(load::result_json(mode, &params, calls, extra, &phases))
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(&args.dir, args.rest, args.thrift),
        Command::Load(args) => {
            let result = load(&args)?;
            if let Some(path) = &args.json {
                std::fs::write(path, serde_json::to_string_pretty(&result)? + "\n")
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kv-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn load_args(args: &[&str]) -> Result<LoadArgs, clap::Error> {
        let argv = ["kv-bench", "load"].into_iter().chain(args.iter().copied());
        match Cli::try_parse_from(argv)?.command {
            Command::Load(load) => Ok(load),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn load_defaults() {
        let a = load_args(&["--mode", "rest", "--addr", "127.0.0.1:1"]).unwrap();
        let p = a.params().unwrap();
        assert_eq!(
            p,
            Params { rows: 100_000, value_bytes: 100, clients: 4, gets: 50_000, scans: 2_000, scan_rows: 100, seed: 1 }
        );
        assert_eq!(a.rest_scan, RestScan::Stateful);
        assert_eq!(a.target().unwrap(), Target::Server("127.0.0.1:1".into()));
        assert_eq!(a.json, None);
    }

    #[test]
    fn load_flags() {
        let a = load_args(&[
            "--mode",
            "embedded",
            "--dir",
            "/tmp/x",
            "--rows",
            "10",
            "--value-bytes",
            "8",
            "--clients",
            "2",
            "--gets",
            "0",
            "--scans",
            "3",
            "--scan-rows",
            "10",
            "--rest-scan",
            "stateless",
            "--json",
            "out.json",
        ])
        .unwrap();
        assert_eq!(a.mode, Mode::Embedded);
        assert_eq!(a.target().unwrap(), Target::Store("/tmp/x".into()));
        let p = a.params().unwrap();
        assert_eq!((p.rows, p.value_bytes, p.clients, p.gets, p.scans, p.scan_rows), (10, 8, 2, 0, 3, 10));
        assert_eq!(a.rest_scan, RestScan::Stateless);
        assert_eq!(a.json.as_deref(), Some(Path::new("out.json")));
    }

    #[test]
    fn each_mode_needs_its_own_target() {
        let err = |args: &[&str]| load_args(args).unwrap().target().unwrap_err().to_string();
        assert!(err(&["--mode", "embedded"]).contains("needs --dir"));
        assert!(err(&["--mode", "embedded", "--dir", "d", "--addr", "a:1"]).contains("drop --addr"));
        assert!(err(&["--mode", "thrift"]).contains("--mode thrift needs --addr"));
        assert!(err(&["--mode", "rest", "--dir", "d"]).contains("needs --addr"));
        assert!(err(&["--mode", "rest", "--dir", "d", "--addr", "a:1"]).contains("drop --dir"));
    }

    #[test]
    fn impossible_sizes_and_bad_flags_are_refused() {
        let params = |args: &[&str]| {
            let mut all = vec!["--mode", "rest", "--addr", "a:1"];
            all.extend(args);
            load_args(&all).unwrap().params().map_err(|e| e.to_string())
        };
        assert!(params(&["--rows", "0"]).unwrap_err().contains("at least 1"));
        assert!(params(&["--clients", "0"]).unwrap_err().contains("at least 1"));
        assert!(params(&["--rows", "50", "--scan-rows", "51"]).unwrap_err().contains("more than the 50 rows"));
        assert!(params(&["--rows", "50", "--scan-rows", "51", "--scans", "0"]).is_ok());
        assert!(load_args(&["--mode", "hbase", "--addr", "a:1"]).is_err());
        assert!(load_args(&["--addr", "a:1"]).is_err(), "--mode is required");
        assert!(load_args(&["--mode", "rest", "--addr", "a:1", "--rows", "-5"]).is_err());
        assert!(load_args(&["--mode", "rest", "--addr", "a:1", "--rest-scan", "sometimes"]).is_err());
    }

    #[test]
    fn serve_flags() {
        let cli = Cli::try_parse_from([
            "kv-bench",
            "serve",
            "--dir",
            "d",
            "--rest",
            "127.0.0.1:1",
            "--thrift",
            "127.0.0.1:2",
        ]);
        let Command::Serve(s) = cli.unwrap().command else { panic!("not serve") };
        assert_eq!((s.rest.port(), s.thrift.port()), (1, 2));
        assert!(Cli::try_parse_from(["kv-bench", "serve"]).is_err(), "--dir is required");
        assert!(Cli::try_parse_from(["kv-bench", "serve", "--dir", "d", "--rest", "localhost"]).is_err());
    }

    /// A directory under the system's temporary one, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
            let dir = std::env::temp_dir().join(format!("kv-bench-{name}-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Every mode end to end, small: the real servers on loopback ports, every answer checked.
    #[test]
    fn every_mode_runs_against_the_real_servers() {
        let served = TempDir::new("served");
        let store = Store::open(&served.0, StoreOptions::default()).unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let rest_listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let rest_addr = rest_listener.local_addr().unwrap().to_string();
        runtime.spawn(enma_hbase_server::rest::serve(rest_listener, store.clone(), Default::default()));
        let thrift_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let thrift_addr = thrift_listener.local_addr().unwrap().to_string();
        enma_hbase_server::thrift::spawn(thrift_listener, store, Default::default());

        let embedded = TempDir::new("embedded");
        let embedded_dir = embedded.0.to_str().unwrap();
        let sizes = [
            "--rows",
            "300",
            "--value-bytes",
            "33",
            "--clients",
            "3",
            "--gets",
            "100",
            "--scans",
            "20",
            "--scan-rows",
            "25",
        ];
        // Server modes run twice: the second run drops the table the first one left.
        // (A store directory is opened once per process, so embedded runs once.)
        for (mode, target, extra, runs) in [
            ("embedded", ["--dir", embedded_dir], None, 1),
            ("rest", ["--addr", rest_addr.as_str()], Some("stateless"), 2),
            ("rest", ["--addr", rest_addr.as_str()], None, 1),
            ("thrift", ["--addr", thrift_addr.as_str()], None, 2),
        ] {
            let mut args = vec!["--mode", mode, target[0], target[1]];
            args.extend(sizes);
            if let Some(scan) = extra {
                args.extend(["--rest-scan", scan]);
            }
            for _ in 0..runs {
                let result = load(&load_args(&args).unwrap()).unwrap_or_else(|e| panic!("{mode}: {e}"));
                assert_eq!(result["mode"], mode);
                for (phase, ops) in [("put", 300), ("get", 100), ("scan", 20)] {
                    assert_eq!(result["phases"][phase]["ops"], ops, "{mode} {phase}: {result}");
                    assert!(result["phases"][phase]["p99_us"].as_f64().unwrap() > 0.0);
                }
                assert_eq!(result["params"]["value_bytes"], 33);
            }
        }
    }
}
