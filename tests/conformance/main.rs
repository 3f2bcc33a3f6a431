//! The conformance test binary: HiveQL statement files (`sql/tests/*.slt`)
//! and Hive's own function cases (`../shared/conformance/hive`).
//!
//! `cargo test --test conformance -- [filter] [--record]`: the filter picks
//! files by name; `--record` rewrites the list of known failures of the Hive
//! cases from this run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

mod hive_cases;
mod slt;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filter = args.iter().find(|a| !a.starts_with('-')).map(String::as_str);
    let record = args.iter().any(|a| a == "--record");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (_, _, mut problems) = slt::run_all(&rt, filter);
    let (_, _, hive_problems) = hive_cases::run_all(&rt, filter, record);
    problems.extend(hive_problems);
    for p in &problems {
        eprintln!("\n{p}");
    }
    if !problems.is_empty() {
        eprintln!("\n{} conformance problems", problems.len());
        std::process::exit(1);
    }
}
