//! Printing results as Hive's CLI does: tab-separated, NULL as `NULL`,
//! nested values in Hive's text form, no header unless asked.

use std::io::Write;

use futures::StreamExt;

use super::progress::Progress;
use crate::engine::{QueryOutput, Session};
use crate::error::{Error, Result};
use crate::hive::parser::split_statements;

/// Writes every row of `output`, reporting to a running [`Progress`]; returns the row count.
pub async fn print_with_progress(
    output: QueryOutput,
    header: bool,
    out: &mut impl Write,
    progress: &Progress,
) -> Result<usize> {
    let io = |e: std::io::Error| Error::execution(format!("cannot write output: {e}"));
    if header && !output.schema.fields().is_empty() {
        let names: Vec<&str> = output.schema.fields().iter().map(|f| f.name().as_str()).collect();
        writeln!(out, "{}", names.join("\t")).map_err(io)?;
    }
    let mut stream = output.stream;
    let mut rows = 0;
    let mut line = String::new();
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        rows += batch.num_rows();
        progress.print(rows, || -> Result<()> {
            for row in 0..batch.num_rows() {
                line.clear();
                for (i, col) in batch.columns().iter().enumerate() {
                    if i > 0 {
                        line.push('\t');
                    }
                    enma_udfs::hive_text::write_display_value(col.as_ref(), row, &mut line);
                }
                line.push('\n');
                out.write_all(line.as_bytes()).map_err(io)?;
            }
            Ok(())
        })?;
    }
    out.flush().map_err(io)?;
    Ok(rows)
}

/// Runs each statement of a script and prints its rows; stops at the first error.
pub async fn run_script(session: &mut Session, script: &str, header: bool, out: &mut impl Write) -> Result<()> {
    for stmt in split_statements(script) {
        let progress = Progress::for_session(session);
        let output = session.execute(&stmt).await?;
        print_with_progress(output, header, out, &progress).await?;
    }
    Ok(())
}
