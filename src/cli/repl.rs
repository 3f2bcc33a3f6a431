//! The interactive prompt: statements end with `;`, history is kept in
//! `~/.enma_history`.

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use super::print::print_with_progress;
use super::progress::Progress;
use crate::engine::Session;
use crate::error::{Error, Result};
use crate::hive::parser::split_statements;

pub async fn run(session: &mut Session, header: bool) -> Result<()> {
    let mut editor = DefaultEditor::new().map_err(|e| Error::execution(format!("cannot start the prompt: {e}")))?;
    let history = std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".enma_history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() { format!("enma ({})> ", session.database()) } else { "    > ".to_string() };
        match editor.readline(&prompt) {
            Ok(line) => {
                let trimmed = line.trim();
                if buffer.is_empty()
                    && (trimmed.eq_ignore_ascii_case("quit")
                        || trimmed.eq_ignore_ascii_case("exit")
                        || trimmed.eq_ignore_ascii_case("quit;")
                        || trimmed.eq_ignore_ascii_case("exit;"))
                {
                    break;
                }
                buffer.push_str(&line);
                buffer.push('\n');
                if !trimmed.ends_with(';') {
                    continue;
                }
                let _ = editor.add_history_entry(buffer.trim());
                let script = std::mem::take(&mut buffer);
                for stmt in split_statements(&script) {
                    let started = std::time::Instant::now();
                    let progress = Progress::for_session(session);
                    let result = match session.execute(&stmt).await {
                        Ok(output) => print_with_progress(output, header, &mut std::io::stdout(), &progress).await,
                        Err(e) => Err(e),
                    };
                    progress.finish();
                    match result {
                        Ok(rows) => eprintln!("OK ({rows} rows, {:.3} s)", started.elapsed().as_secs_f64()),
                        Err(e) => {
                            eprintln!("Error: {e}");
                            break;
                        }
                    }
                }
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(Error::execution(format!("prompt: {e}"))),
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    Ok(())
}
