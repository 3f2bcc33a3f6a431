//! Streaming commands (MapReduce tasks and Hive's TRANSFORM) as a program and
//! its arguments, run directly: never through a shell unless the program is
//! one. The operator's commands are shell lines, as Hadoop streaming runs
//! them (pipes and redirections work): [`Command::shell`] makes them
//! `sh -c 'line'`. A remote caller's command is split into words by the
//! shell's quoting rules ([`Command::parse`]), refused if it uses what only a
//! shell would do (`;`, `|`, `$`, ...), and matched word by word against the
//! operator's `--allow-command` list ([`command_allowed`]), so an allowed
//! prefix such as `cat*` cannot carry a second command.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A program and its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Command {
    argv: Vec<String>,
}

impl Command {
    /// A shell command line, run as `sh -c line`: the operator's commands.
    pub fn shell(line: &str) -> Self {
        Command { argv: vec!["sh".into(), "-c".into(), line.into()] }
    }

    /// A command line split into words as the shell splits them (quotes and
    /// backslashes), to run without a shell: refused (forbidden) if it uses
    /// shell syntax outside quotes, whose meaning would differ without a shell.
    pub fn parse(line: &str) -> Result<Self> {
        let (argv, _) = split(line).map_err(|e| e.into_error(line))?;
        if argv.is_empty() {
            return Err(Error::plan("the command is empty"));
        }
        Ok(Command { argv })
    }

    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The command as one line that [`parse`](Self::parse) reads back into the
    /// same words (each word quoted unless plain).
    pub fn to_line(&self) -> String {
        self.argv.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
    }

    /// A shell command's line as written, or the words.
    fn shell_line(&self) -> Option<&str> {
        match &self.argv[..] {
            [sh, c, line] if sh == "sh" && c == "-c" => Some(line),
            _ => None,
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.shell_line() {
            Some(line) => f.write_str(line),
            None => f.write_str(&self.to_line()),
        }
    }
}

/// Whether the operator's list allows a remote caller to run `command`.
/// Entries are command lines split as [`Command::parse`] splits them: an
/// exact entry matches the same words; an entry ending in `*` matches
/// commands whose words start with its words, its last word (unless the `*`
/// follows a space) being a prefix of the command's word there. So `cat*`
/// allows `cat -n` and `awk *` any `awk` program, but neither allows a second
/// command (which [`Command::parse`] refuses anyway).
pub fn command_allowed(allowed: &[String], command: &Command) -> bool {
    let argv = command.argv();
    allowed.iter().any(|entry| match entry.strip_suffix('*') {
        None => split(entry).is_ok_and(|(words, _)| words == argv),
        Some(prefix) => {
            let Ok((words, in_word)) = split(prefix) else { return false };
            let whole = if in_word { words.len() - 1 } else { words.len() };
            argv.len() >= words.len()
                && argv[..whole] == words[..whole]
                && words.get(whole).is_none_or(|partial| argv[whole].starts_with(partial.as_str()))
        }
    })
}

/// [`command_allowed`], as an error for a remote caller: a 403 naming the setting.
pub fn check_allowed(allowed: &[String], command: &Command) -> Result<()> {
    if command_allowed(allowed, command) {
        return Ok(());
    }
    Err(Error::forbidden(format!(
        "running the command '{command}' is not allowed for remote callers; \
         the operator can allow it with --allow-command (ENMA_ALLOW_COMMANDS)"
    )))
}

/// Why a line is not a command that runs without a shell.
#[derive(Debug, PartialEq)]
enum SplitError {
    /// Shell syntax outside quotes (or `$`/`` ` `` inside double quotes).
    Shell(char),
    Unterminated(char),
    TrailingBackslash,
}

impl SplitError {
    fn into_error(self, line: &str) -> Error {
        match self {
            SplitError::Shell(c) => {
                let what = match c {
                    '\n' => "a newline".to_string(),
                    c if c.is_control() => format!("the control character U+{:04X}", c as u32),
                    c => format!("'{c}'"),
                };
                Error::forbidden(format!(
                    "the command '{line}' uses {what} outside single quotes: commands of remote callers run without a shell, \
                     so shell syntax ({SHELL_CHARS}, newlines) is refused; quote it to pass it to the program as it is, \
                     or have the operator allow a script with --allow-command (ENMA_ALLOW_COMMANDS)"
                ))
            }
            SplitError::Unterminated(q) => Error::plan(format!("the command '{line}' has an unterminated {q} quote")),
            SplitError::TrailingBackslash => Error::plan(format!("the command '{line}' ends with a backslash")),
        }
    }
}

/// Characters the shell gives a meaning outside quotes (`#` and `~` only at a word's start).
const SHELL_CHARS: &str = ";&|<>(){}$`*?[#~";

/// The words of `line` by the shell's quoting rules, and whether the line
/// ends inside a word (not after a space).
fn split(line: &str) -> std::result::Result<(Vec<String>, bool), SplitError> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                words.extend(word.take());
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err(SplitError::Unterminated('\'')),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('$' | '`' | '"' | '\\')) => w.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err(SplitError::Unterminated('"')),
                        },
                        // Expanded by a shell even between double quotes.
                        Some(c @ ('$' | '`')) => return Err(SplitError::Shell(c)),
                        Some(c) => w.push(c),
                        None => return Err(SplitError::Unterminated('"')),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err(SplitError::TrailingBackslash),
            },
            c if c.is_control() => return Err(SplitError::Shell(c)),
            '#' | '~' if word.is_none() => return Err(SplitError::Shell(c)),
            c if "#~".contains(c) => word.get_or_insert_with(String::new).push(c),
            c if SHELL_CHARS.contains(c) => return Err(SplitError::Shell(c)),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    let in_word = word.is_some();
    words.extend(word);
    Ok((words, in_word))
}

/// A word as the shell reads it back: plain, or in single quotes.
fn quote(word: &str) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "_-./:=,+@%^".contains(c));
    if plain { word.to_string() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn words(line: &str) -> Vec<String> {
        Command::parse(line).unwrap().argv
    }

    #[test]
    fn splits_words_as_the_shell_does() {
        assert_eq!(words("cat -n"), ["cat", "-n"]);
        assert_eq!(words("  awk  '{print $1; n++}'  file\\ name "), ["awk", "{print $1; n++}", "file name"]);
        assert_eq!(words(r#"printf "a\"b\\c\d" '' x"y"z"#), ["printf", r#"a"b\c\d"#, "", "xyz"]);
        assert_eq!(words(r"echo \; a#b c~"), ["echo", ";", "a#b", "c~"]);
    }

    #[test]
    fn refuses_shell_syntax_outside_quotes() {
        for line in [
            "cat; id -un",
            "cat | id",
            "cat && id",
            "cat & id",
            "cat > /tmp/x",
            "cat < /etc/passwd",
            "cat $(id)",
            "cat `id`",
            "cat\nid",
            "(id)",
            "{ id; }",
            "cat *.txt",
            "cat ~/x",
            "cat #x",
            "echo \"$HOME\"",
            "echo \"`id`\"",
            "cat\rx",
        ] {
            let err = Command::parse(line).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Forbidden, "{line:?}: {err}");
            assert!(err.to_string().contains("--allow-command"), "{err}");
        }
        for line in ["", "   ", "cat 'x", "cat \"x", "cat \\"] {
            assert_eq!(Command::parse(line).unwrap_err().kind(), ErrorKind::Plan, "{line:?}");
        }
    }

    #[test]
    fn lines_read_back_into_the_same_words() {
        for argv in [
            vec!["sh", "-c", "cat | tr a b; echo 'x' >&2\n"],
            vec!["awk", "{print $1}"],
            vec!["a b", "", "it's", "~x", "-n"],
        ] {
            let command = Command { argv: argv.iter().map(|s| s.to_string()).collect() };
            assert_eq!(Command::parse(&command.to_line()).unwrap(), command, "{}", command.to_line());
        }
        assert_eq!(Command::shell("cat | wc -l").to_string(), "cat | wc -l");
        assert_eq!(Command::parse("awk '{print}'").unwrap().to_string(), "awk '{print}'");
    }

    #[test]
    fn allow_list_matches_words() {
        let allowed = |entries: &[&str], line: &str| {
            command_allowed(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &Command::parse(line).unwrap())
        };
        assert!(allowed(&["cat*"], "cat -n"));
        assert!(allowed(&["cat*"], "cat"));
        assert!(!allowed(&["cat*"], "tac"));
        assert!(allowed(&["awk *"], "awk '{print $1}'"));
        assert!(!allowed(&["awk *"], "awkward"));
        assert!(allowed(&["python3 /opt/jobs/*"], "python3 /opt/jobs/map.py --fast"));
        assert!(!allowed(&["python3 /opt/jobs/*"], "python3 /tmp/map.py"));
        assert!(allowed(&["awk '{print}'"], "awk \"{print}\""));
        assert!(!allowed(&["cat"], "cat -n"));
        assert!(allowed(&["*"], "anything at all"));
        // Entries that only a shell could run match nothing.
        assert!(!allowed(&["cut -f1 | sort"], "cut -f1"));
    }
}
