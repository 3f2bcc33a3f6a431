//! What remote callers may touch on this machine: the [`AccessPolicy`] the
//! operator sets (local directories, commands), and the local disk as
//! remote callers may see it: real paths (symbolic links and `..` resolved)
//! and the check that a path lies under one of the allowed directories.
//! Sessions, LOAD DATA, table locations, `in_file`, TRANSFORM and MapReduce
//! all ask this one policy.
//!
//! The check compares real paths, so neither `..` nor a symbolic link inside
//! an allowed directory leads out of it. It runs when a path is named (a
//! LOCATION, LOAD DATA, a MapReduce input or output) and again when a table
//! is read, so a link that appears later is caught then.

use std::path::{Component, Path, PathBuf};

use crate::command::{Command, check_allowed};
use crate::error::{Error, Result};

/// What the operator allows remote callers (REST, HiveServer2, ...) on this
/// machine. The operator's own CLI is not limited. Empty: nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AccessPolicy {
    /// Local directories remote callers may read from or point tables at
    /// (LOAD DATA LOCAL, `file://` locations, `in_file`, MapReduce paths).
    pub local_dirs: Vec<PathBuf>,
    /// Commands remote callers may run (MapReduce streaming, TRANSFORM): an
    /// exact command, or a prefix ending in `*` (see [`crate::command`]).
    pub commands: Vec<String>,
}

impl AccessPolicy {
    /// The real path of `path` if a remote caller may use it; otherwise a 403
    /// for `what`, naming the setting.
    pub fn check_path(&self, path: &Path, what: &str) -> Result<PathBuf> {
        allowed_for_remote(path, &self.local_dirs, what)
    }

    /// Whether a remote caller may read `path` (relative to the process's
    /// directory if not absolute).
    pub fn allows_path(&self, path: &Path) -> bool {
        std::path::absolute(path).ok().and_then(|p| allowed_real_path(&p, &self.local_dirs).ok().flatten()).is_some()
    }

    /// Ok if a remote caller may run `command`; otherwise a 403 naming the setting.
    pub fn check_command(&self, command: &Command) -> Result<()> {
        check_allowed(&self.commands, command)
    }

    /// The allowed directories and `also` (say, the warehouse) as real
    /// paths, resolved once for many [`link_escape`] checks in a row.
    pub fn real_roots(&self, also: &[PathBuf]) -> Vec<PathBuf> {
        let mut roots = real_dirs(&self.local_dirs);
        roots.extend(real_dirs(also));
        roots
    }
}

/// Where the absolute `path` really leads, when a symbolic link on the way
/// takes it out of `roots` (real paths, [`AccessPolicy::real_roots`]);
/// `None` when no link is involved or the link stays inside them.
pub fn link_escape(path: &Path, roots: &[PathBuf]) -> Result<Option<PathBuf>> {
    let real = real_path(path)?;
    Ok((real != path && !is_inside(&real, roots)).then_some(real))
}

/// The real path of an absolute `path`: its longest existing ancestor
/// resolved by the file system (links and `..` followed), then the parts that
/// do not exist yet, which may not contain `..`.
pub fn real_path(path: &Path) -> Result<PathBuf> {
    if !path.is_absolute() {
        return Err(Error::plan(format!("'{}' is not an absolute path", path.display())));
    }
    let components: Vec<Component> = path.components().collect();
    for split in (1..=components.len()).rev() {
        let head: PathBuf = components[..split].iter().collect();
        let Ok(real) = std::fs::canonicalize(&head) else { continue };
        let mut out = real;
        for part in &components[split..] {
            match part {
                Component::Normal(name) => out.push(name),
                Component::CurDir => {}
                _ => {
                    return Err(Error::forbidden(format!(
                        "'{}' climbs out of a directory that does not exist yet (`..`)",
                        path.display()
                    )));
                }
            }
        }
        return Ok(out);
    }
    Err(Error::not_found(format!("no part of '{}' exists", path.display())))
}

/// The real path of `path` when it lies under one of `allowed` (compared as
/// real paths); `None` when it does not.
pub fn allowed_real_path(path: &Path, allowed: &[PathBuf]) -> Result<Option<PathBuf>> {
    let real = real_path(path)?;
    Ok(is_inside(&real, &real_dirs(allowed)).then_some(real))
}

/// The real path of `path` for a remote caller, who may use it only under
/// `allowed`; otherwise a 403 for `what`, naming the setting.
pub fn allowed_for_remote(path: &Path, allowed: &[PathBuf], what: &str) -> Result<PathBuf> {
    allowed_real_path(path, allowed)?.ok_or_else(|| {
        Error::forbidden(format!(
            "{what} on the server's local disk ({}) is not allowed for remote callers; \
             the operator can allow a directory with --allow-local-dir (ENMA_ALLOW_LOCAL_DIRS)",
            path.display()
        ))
    })
}

/// The real paths of the directories of `dirs` that exist.
pub fn real_dirs(dirs: &[PathBuf]) -> Vec<PathBuf> {
    dirs.iter().filter_map(|dir| std::fs::canonicalize(dir).ok()).collect()
}

/// Whether the real path `real` lies under one of the real directories `roots`.
pub fn is_inside(real: &Path, roots: &[PathBuf]) -> bool {
    roots.iter().any(|root| real.starts_with(root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allows_only_its_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let allowed = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::write(allowed.join("f"), "x").unwrap();
        let policy = AccessPolicy { local_dirs: vec![allowed.clone()], commands: vec!["cat*".into()] };
        assert!(policy.allows_path(&allowed.join("f")));
        assert!(!policy.allows_path(Path::new("/etc/passwd")));
        assert!(!AccessPolicy::default().allows_path(&allowed.join("f")));
        assert!(policy.check_command(&Command::parse("cat -n").unwrap()).is_ok());
        assert!(policy.check_command(&Command::parse("id").unwrap()).is_err());
    }

    #[test]
    fn resolves_links_and_dot_dot() {
        let tmp = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(tmp.path()).unwrap();
        let allowed = base.join("allowed");
        std::fs::create_dir(&allowed).unwrap();
        std::fs::create_dir(base.join("other")).unwrap();
        std::os::unix::fs::symlink(base.join("other"), allowed.join("link")).unwrap();
        let dirs = vec![allowed.clone()];
        assert_eq!(allowed_real_path(&allowed.join("t/new"), &dirs).unwrap(), Some(allowed.join("t/new")));
        assert_eq!(allowed_real_path(&allowed.join("../other"), &dirs).unwrap(), None);
        assert_eq!(allowed_real_path(&allowed.join("link"), &dirs).unwrap(), None);
        assert_eq!(allowed_real_path(&allowed.join("link/x"), &dirs).unwrap(), None);
        assert!(allowed_real_path(&allowed.join("new/../../other"), &dirs).is_err());
        assert_eq!(real_path(&allowed.join("./a/./b")).unwrap(), allowed.join("a/b"));
    }

    #[test]
    fn a_link_escapes_only_when_it_leaves_every_root() {
        let tmp = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(tmp.path()).unwrap();
        for dir in ["allowed", "warehouse", "other"] {
            std::fs::create_dir(base.join(dir)).unwrap();
        }
        std::os::unix::fs::symlink(base.join("other"), base.join("warehouse/out")).unwrap();
        std::os::unix::fs::symlink(base.join("allowed"), base.join("warehouse/in")).unwrap();
        let policy = AccessPolicy { local_dirs: vec![base.join("allowed")], commands: vec![] };
        let roots = policy.real_roots(&[base.join("warehouse"), base.join("missing")]);
        assert_eq!(roots, [base.join("allowed"), base.join("warehouse")]);
        assert_eq!(link_escape(&base.join("warehouse/out/t"), &roots).unwrap(), Some(base.join("other/t")));
        assert_eq!(link_escape(&base.join("warehouse/in/t"), &roots).unwrap(), None);
        assert_eq!(link_escape(&base.join("other/t"), &roots).unwrap(), None, "no link: the location check decides");
    }
}
