//! Runs the HiveQL conformance files `sql/tests/*.slt` against a fresh
//! embedded engine each, and prints pass/fail counts per file.
//!
//! Placeholders: `${DATA}` is `sql/tests/data`, `${TMP}` a fresh directory
//! per file. Expected results are what Hive prints; results are formatted the
//! way the Hive CLI prints them. Failures recorded in
//! `sql/tests/known_failures.txt` (`file.slt:line reason`) are reported but do
//! not fail the run; any other failure, or a recorded one that now passes, does.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use enma::engine::{Caller, EngineConfig, Session};
use futures::StreamExt;
use sqllogictest::{DBOutput, DefaultColumnType, Record};

struct Enma {
    session: Session,
}

#[async_trait]
impl sqllogictest::AsyncDB for Enma {
    type Error = enma::Error;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, enma::Error> {
        let output = self.session.execute(sql).await?;
        let width = output.schema.fields().len();
        let mut stream = output.stream;
        let mut rows = Vec::new();
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            for r in 0..batch.num_rows() {
                rows.push(batch.columns().iter().map(|c| enma_udfs::hive_text::display_value(c.as_ref(), r)).collect());
            }
        }
        if width == 0 {
            return Ok(DBOutput::StatementComplete(0));
        }
        Ok(DBOutput::Rows { types: vec![DefaultColumnType::Any; width], rows })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "enma"
    }
}

/// Compares whole lines with whitespace normalised, so an empty last
/// column (Hive prints one for a column without comment) matches.
fn line_validator(normalizer: sqllogictest::Normalizer, actual: &[Vec<String>], expected: &[String]) -> bool {
    let norm = |s: &String| normalizer(s);
    let actual: Vec<String> = actual.iter().map(|row| norm(&row.join(" "))).collect();
    let expected: Vec<String> = expected.iter().map(norm).collect();
    actual == expected
}

pub fn known_failures(dir: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(dir.join("known_failures.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

pub async fn run_file(path: &Path, data: &Path, known: &BTreeSet<String>) -> (usize, usize, Vec<String>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let script = std::fs::read_to_string(path)
        .expect("read slt")
        .replace("${DATA}", &data.to_string_lossy())
        .replace("${TMP}", &work.to_string_lossy());
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let records = sqllogictest::parse_with_name::<DefaultColumnType>(&script, name.clone()).expect("parse slt file");
    let engine = enma::open_engine(EngineConfig::new(tmp.path().join("data"))).await.expect("engine");
    let mut runner = sqllogictest::Runner::new(|| {
        let engine = engine.clone();
        async move { Ok(Enma { session: engine.session("default", Caller::Operator)? }) }
    });
    runner.with_validator(line_validator);
    let (mut pass, mut fail) = (0, 0);
    let mut problems = Vec::new();
    for record in records {
        let line = match &record {
            Record::Statement { loc, .. } | Record::Query { loc, .. } => Some(loc.line()),
            _ => None,
        };
        let Some(line) = line else {
            let _ = runner.run_async(record).await;
            continue;
        };
        let key = format!("{name}:{line}");
        match runner.run_async(record).await {
            Ok(_) => {
                pass += 1;
                if known.contains(&key) {
                    problems.push(format!("{key} passes now: remove it from known_failures.txt"));
                }
            }
            Err(e) => {
                fail += 1;
                if !known.contains(&key) {
                    problems.push(format!("{key} failed:\n{e}"));
                }
            }
        }
    }
    (pass, fail, problems)
}

/// Runs every `.slt` file whose name contains `filter`; returns (passed, failed, problems).
pub fn run_all(rt: &tokio::runtime::Runtime, filter: Option<&str>) -> (usize, usize, Vec<String>) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sql/tests");
    let data = root.join("data");
    let known = known_failures(&root);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "slt")).collect()
        })
        .unwrap_or_default();
    files.sort();
    let (mut total_pass, mut total_fail, mut problems) = (0, 0, Vec::new());
    let mut ran = 0;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if filter.is_some_and(|flt| !name.contains(flt)) {
            continue;
        }
        ran += 1;
        let (p, fl, probs) = rt.block_on(run_file(f, &data, &known));
        println!("slt {name}: {p} passed, {fl} failed");
        total_pass += p;
        total_fail += fl;
        problems.extend(probs);
    }
    println!("slt total: {total_pass} passed, {total_fail} failed ({} known), {ran} files", known.len());
    (total_pass, total_fail, problems)
}
