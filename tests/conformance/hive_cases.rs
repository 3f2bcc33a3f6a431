//! Runs Hive's own function test cases (`../shared/conformance/hive/cases.jsonl`:
//! queries from Hive's `.q` tests with the rows Hive printed) and compares
//! our rows, printed as the Hive CLI prints them.
//!
//! Each test file gets a fresh engine with Hive's test tables `src`,
//! `srcpart` and `src_json` built from the shipped data. A case's `setup`
//! statements run before it (they accumulate along a file). Cases that need
//! data not shipped (`src1`, `alltypesorc`, `src_thrift`, `lineitem`, or a
//! `LOAD DATA` of a missing file) are skipped and counted apart.
//!
//! `sql/tests/hive_known_failures.txt` lists each failing case (`file.q:n
//! reason`). The run fails on an unlisted failure and on a listed case that
//! passes. `--record` rewrites the list from this run, keeping the reasons
//! already written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use enma::engine::{Caller, Engine, EngineConfig, Session};
use futures::StreamExt;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Case {
    file: String,
    n: usize,
    setup: Vec<String>,
    settings: Vec<String>,
    datasets: Vec<String>,
    query: String,
    expected: Vec<String>,
}

/// Datasets whose files are not shipped with the cases.
const MISSING_DATASETS: &[&str] = &["src1", "alltypesorc", "src_thrift", "lineitem"];

const STATEMENT_TIMEOUT: Duration = Duration::from_secs(60);

enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

fn conformance_dir() -> PathBuf {
    match std::env::var_os("ENMA_HIVE_CONFORMANCE") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/hive"),
    }
}

fn known_failures_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sql/tests/hive_known_failures.txt")
}

/// `file.q:n` -> reason.
fn known_failures() -> BTreeMap<String, String> {
    std::fs::read_to_string(known_failures_path())
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (key, reason) = l.split_once(' ').unwrap_or((l, ""));
            (key.to_string(), reason.trim().to_string())
        })
        .collect()
}

async fn run(session: &mut Session, sql: &str) -> Result<Vec<String>, String> {
    let fut = async {
        let output = session.execute(sql).await.map_err(|e| e.to_string())?;
        let mut lines = Vec::new();
        let mut stream = output.stream;
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| e.to_string())?;
            for r in 0..batch.num_rows() {
                let row: Vec<String> =
                    batch.columns().iter().map(|c| enma_udfs::hive_text::display_value(c.as_ref(), r)).collect();
                // A value with a newline prints across lines, as in Hive's CLI.
                lines.extend(row.join("\t").split('\n').map(str::to_string));
            }
        }
        Ok(lines)
    };
    match tokio::time::timeout(STATEMENT_TIMEOUT, fut).await {
        Ok(r) => r,
        Err(_) => Err(format!("timed out after {} s", STATEMENT_TIMEOUT.as_secs())),
    }
}

/// A fresh engine with Hive's test tables.
async fn fresh_session(dir: &Path, data: &Path, needs_srcpart: bool) -> Result<(Engine, Session), String> {
    let engine = enma::open_engine(EngineConfig::new(dir)).await.map_err(|e| e.to_string())?;
    let mut session = engine.session("default", Caller::Operator).map_err(|e| e.to_string())?;
    let mut scripts = vec!["src.sql", "src_json.sql"];
    if needs_srcpart {
        scripts.push("srcpart.sql");
    }
    run(&mut session, &format!("SET test.data.dir={}", data.display())).await?;
    for script in scripts {
        let text = std::fs::read_to_string(data.join("datasets").join(script)).map_err(|e| e.to_string())?;
        for stmt in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            // Statistics are not kept; everything else of the load scripts runs.
            if stmt.to_ascii_uppercase().starts_with("ANALYZE") {
                continue;
            }
            run(&mut session, stmt).await.map_err(|e| format!("dataset {script}: {stmt}: {e}"))?;
        }
    }
    // Results that depend on the time zone were recorded in US Pacific time.
    run(&mut session, "SET hive.local.time.zone=America/Los_Angeles").await?;
    Ok((engine, session))
}

fn skip_reason(case: &Case, data: &Path) -> Option<String> {
    if let Some(d) = case.datasets.iter().find(|d| MISSING_DATASETS.contains(&d.as_str())) {
        return Some(format!("needs dataset {d}, not shipped"));
    }
    let re = regex::Regex::new(r"(?i)inpath\s+'[^']*/data/files/([^']+)'").expect("valid regex");
    for stmt in &case.setup {
        if let Some(c) = re.captures(stmt)
            && !data.join(&c[1]).exists()
        {
            return Some(format!("needs data file {}, not shipped", &c[1]));
        }
    }
    None
}

/// Setup statements load Hive's data files from `../../data/files/`.
fn localize(stmt: &str, data: &Path) -> String {
    stmt.replace("../../data/files/", &format!("{}/", data.display()))
}

async fn run_file(cases: &[Case], data: &Path) -> Vec<Outcome> {
    let tmp = tempfile::tempdir().expect("temp dir");
    let needs_srcpart = cases.iter().any(|c| c.datasets.iter().any(|d| d == "srcpart"));
    let mut state: Option<(Engine, Session, usize)> = None;
    let mut outcomes = Vec::new();
    let mut fresh = 0;
    for case in cases {
        if let Some(reason) = skip_reason(case, data) {
            outcomes.push(Outcome::Skip(reason));
            continue;
        }
        // Setups grow along a file; start over when this one does not extend the last.
        let done = state.as_ref().map(|s| s.2).unwrap_or(0);
        let reusable = state.is_some() && done <= case.setup.len();
        if !reusable {
            fresh += 1;
            match fresh_session(&tmp.path().join(format!("e{fresh}")), data, needs_srcpart).await {
                Ok((e, s)) => state = Some((e, s, 0)),
                Err(e) => {
                    outcomes.push(Outcome::Fail(format!("setting up test tables: {e}")));
                    state = None;
                    continue;
                }
            }
        }
        let (_, session, done) = state.as_mut().expect("session set up");
        let mut failed = None;
        for stmt in &case.setup[*done..] {
            *done += 1;
            if let Err(e) = run(session, &localize(stmt, data)).await {
                failed = Some(format!("setup `{}`: {e}", one_line(stmt)));
                break;
            }
        }
        if failed.is_none() {
            for s in &case.settings {
                let s = s.trim().trim_end_matches(';');
                if let Err(e) = run(session, s).await {
                    failed = Some(format!("`{s}`: {e}"));
                    break;
                }
            }
        }
        let outcome = match failed {
            Some(f) => Outcome::Fail(f),
            None => match run(session, &case.query).await {
                Ok(lines) if lines == case.expected => Outcome::Pass,
                Ok(lines) => Outcome::Fail(format!("got {:?}, expected {:?}", clip(&lines), clip(&case.expected))),
                Err(e) => Outcome::Fail(format!("error: {}", one_line(&e))),
            },
        };
        outcomes.push(outcome);
    }
    outcomes
}

fn one_line(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 200 { format!("{}...", s.chars().take(200).collect::<String>()) } else { s }
}

fn clip(lines: &[String]) -> Vec<String> {
    lines.iter().take(4).map(|l| one_line(l)).collect()
}

/// Runs the cases of every file whose name contains `filter`; returns
/// (passed, failed, problems).
pub fn run_all(rt: &tokio::runtime::Runtime, filter: Option<&str>, record: bool) -> (usize, usize, Vec<String>) {
    let dir = conformance_dir();
    let text = match std::fs::read_to_string(dir.join("cases.jsonl")) {
        Ok(t) => t,
        Err(e) => {
            let problem =
                format!("cannot read {}: {e} (set ENMA_HIVE_CONFORMANCE to the cases' directory)", dir.display());
            return (0, 1, vec![problem]);
        }
    };
    let data = dir.join("data");
    let mut by_file: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Case = serde_json::from_str(line).expect("a case per line");
        by_file.entry(case.file.clone()).or_default().push(case);
    }
    let known = known_failures();
    let (mut pass, mut fail, mut skip) = (0, 0, 0);
    let mut problems = Vec::new();
    let mut failures = BTreeMap::new();
    let mut skip_reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut ran_any = false;
    for (file, cases) in &by_file {
        if filter.is_some_and(|f| !file.contains(f)) {
            continue;
        }
        ran_any = true;
        let outcomes = rt.block_on(run_file(cases, &data));
        let (mut p, mut f, mut s) = (0, 0, 0);
        for (case, outcome) in cases.iter().zip(outcomes) {
            let key = format!("{}:{}", case.file, case.n);
            match outcome {
                Outcome::Pass => {
                    p += 1;
                    if known.contains_key(&key) {
                        problems.push(format!("{key} passes now: remove it from hive_known_failures.txt"));
                    }
                }
                Outcome::Fail(why) => {
                    f += 1;
                    if !known.contains_key(&key) {
                        problems.push(format!("{key} failed: {why}\n  query: {}", one_line(&case.query)));
                    }
                    let reason = known.get(&key).filter(|r| !r.is_empty()).cloned().unwrap_or(why);
                    failures.insert(key, reason);
                }
                Outcome::Skip(why) => {
                    s += 1;
                    skip_reasons.entry(why).or_default().push(key);
                }
            }
        }
        println!("hive {file}: {p} passed, {f} failed, {s} skipped");
        pass += p;
        fail += f;
        skip += s;
    }
    let runnable = pass + fail;
    let pct = if runnable > 0 { 100.0 * pass as f64 / runnable as f64 } else { 0.0 };
    println!(
        "hive total: {pass} passed, {fail} failed ({} known), {skip} skipped (data not shipped); {pass}/{runnable} runnable = {pct:.1}%",
        known.len()
    );
    for (why, keys) in &skip_reasons {
        println!("hive skipped {} ({why}): {}", keys.len(), keys.join(" "));
    }
    if record && ran_any && filter.is_none() {
        let mut out = String::from(
            "# Hive function conformance cases (../shared/conformance/hive/cases.jsonl) that do not pass yet,\n\
             # each with its reason. Format: file.q:n reason. The conformance run fails on a failure not\n\
             # listed here and on a listed case that passes.\n",
        );
        for (k, r) in &failures {
            out.push_str(&format!("{k} {}\n", one_line(r)));
        }
        std::fs::write(known_failures_path(), out).expect("write known failures");
        println!("recorded {} known failures", failures.len());
        return (pass, fail, vec![]);
    }
    (pass, fail, problems)
}
