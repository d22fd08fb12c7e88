//! Write: replace edited files all or nothing, as far as the filesystem allows.
//!
//! Every new file is first written in full to a temporary file beside the original (same
//! directory, so the rename cannot cross filesystems), with the original's permissions, and
//! flushed to disk. Only when all of them are ready are they renamed over the originals; a
//! failure before that removes the temporaries and leaves every original untouched.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Error};
use crate::source::{display_name, io_reason};

pub struct Options {
    /// Keep each original as `FILE.orig` (or `FILE.orig.N` when that exists).
    pub backup: bool,
    /// Write through symbolic links to their targets instead of refusing.
    pub follow_symlinks: bool,
    /// The paths the user gave: a link is followed only to a file inside them.
    pub roots: Vec<PathBuf>,
}

/// One file to replace.
pub struct Replacement<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

/// Where a replacement really goes: the path itself, or the target of a symlink.
fn destination(path: &Path, options: &Options) -> Result<PathBuf, Diagnostic> {
    let name = display_name(path);
    let meta = fs::symlink_metadata(path).map_err(|e| Diagnostic::file(&name, io_reason(&e)))?;
    if !meta.file_type().is_symlink() {
        return Ok(path.to_path_buf());
    }
    if !options.follow_symlinks {
        return Err(Diagnostic::file(
            &name,
            "is a symbolic link; refusing to write through it (use --follow-symlinks to edit its target)",
        ));
    }
    let target = fs::canonicalize(path)
        .map_err(|e| Diagnostic::file(&name, format!("cannot resolve link: {}", io_reason(&e))))?;
    let inside = options
        .roots
        .iter()
        .filter_map(|root| fs::canonicalize(root).ok())
        .any(|root| target.starts_with(root));
    if !inside {
        return Err(Diagnostic::file(
            &name,
            format!(
                "links to {}, outside the given paths; refusing to write there",
                target.display()
            ),
        ));
    }
    Ok(target)
}

/// Checks that every file can be written, before anything is: links, permissions.
fn preflight(paths: &[&Path], options: &Options) -> Result<(), Error> {
    let mut errors = Vec::new();
    for path in paths {
        match destination(path, options) {
            Err(d) => errors.push(d),
            Ok(dest) => {
                let readonly = fs::metadata(&dest)
                    .map(|m| m.permissions().readonly())
                    .unwrap_or(false);
                if readonly {
                    errors.push(Diagnostic::file(
                        &display_name(path),
                        "is read-only; nothing was written",
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::many(errors))
    }
}

pub fn replace_all(files: &[Replacement], options: &Options) -> Result<(), Error> {
    let paths: Vec<&Path> = files.iter().map(|f| f.path).collect();
    preflight(&paths, options)?;
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (index, file) in files.iter().enumerate() {
        match failpoint("stage", index).and_then(|()| stage(file, options)) {
            Ok(pair) => staged.push(pair),
            Err(d) => {
                for (tmp, _) in &staged {
                    let _ = fs::remove_file(tmp);
                }
                let mut d = d;
                d.message.push_str("; no file was changed");
                return Err(d.into());
            }
        }
    }
    if options.backup {
        for (_, dest) in &staged {
            if let Err(e) = fs::copy(dest, backup_path(dest)) {
                for (tmp, _) in &staged {
                    let _ = fs::remove_file(tmp);
                }
                return Err(Diagnostic::file(
                    &display_name(dest),
                    format!(
                        "cannot write the backup: {}; no file was changed",
                        io_reason(&e)
                    ),
                )
                .into());
            }
        }
    }
    let mut done = Vec::new();
    for (index, (tmp, dest)) in staged.iter().enumerate() {
        let renamed = failpoint("rename", index)
            .map_err(|_| std::io::Error::other("injected failure"))
            .and_then(|()| fs::rename(tmp, dest));
        if let Err(e) = renamed {
            for (tmp, _) in &staged[index..] {
                let _ = fs::remove_file(tmp);
            }
            let mut message = format!("cannot replace the file: {}", io_reason(&e));
            if !done.is_empty() {
                message.push_str(&format!("; already replaced: {}", done.join(", ")));
            }
            return Err(Diagnostic::file(&display_name(dest), message).into());
        }
        done.push(display_name(dest));
    }
    Ok(())
}

/// Test hook: `CUTOVER_FAILPOINT=stage:N` (or `rename:N`) makes that step fail for the
/// N-th file (from 1), so tests can show that a failure leaves every original as it was.
/// Compiled into debug builds only.
fn failpoint(step: &str, index: usize) -> Result<(), Diagnostic> {
    if cfg!(debug_assertions)
        && std::env::var("CUTOVER_FAILPOINT").ok().as_deref()
            == Some(&format!("{step}:{}", index + 1))
    {
        return Err(Diagnostic::plain(format!(
            "injected failure at {step} {}",
            index + 1
        )));
    }
    Ok(())
}

fn stage(file: &Replacement, options: &Options) -> Result<(PathBuf, PathBuf), Diagnostic> {
    let dest = destination(file.path, options)?;
    let name = display_name(file.path);
    let fail = |what: &str, e: std::io::Error| {
        Diagnostic::file(&name, format!("{what}: {}", io_reason(&e)))
    };
    let permissions = fs::metadata(&dest)
        .map_err(|e| fail("cannot read", e))?
        .permissions();
    let dir = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let base = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{base}.cutover-{}.tmp", std::process::id()));
    let result = (|| {
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| fail("cannot create a temporary file beside it", e))?;
        out.write_all(file.text.as_bytes())
            .map_err(|e| fail("cannot write", e))?;
        out.sync_all()
            .map_err(|e| fail("cannot flush to disk", e))?;
        fs::set_permissions(&tmp, permissions)
            .map_err(|e| fail("cannot keep the permissions", e))?;
        Ok(())
    })();
    match result {
        Ok(()) => Ok((tmp, dest)),
        Err(d) => {
            let _ = fs::remove_file(&tmp);
            Err(d)
        }
    }
}

fn backup_path(dest: &Path) -> PathBuf {
    let mut candidate = PathBuf::from(format!("{}.orig", dest.display()));
    let mut n = 1;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{}.orig.{n}", dest.display()));
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_atomically_and_keeps_a_backup() {
        let dir = std::env::temp_dir().join(format!("cutover-write-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let a = dir.join("a.yaml");
        fs::write(&a, "old").unwrap();
        fs::write(dir.join("a.yaml.orig"), "older").unwrap();
        let options = Options {
            backup: true,
            follow_symlinks: false,
            roots: vec![dir.clone()],
        };
        replace_all(
            &[Replacement {
                path: &a,
                text: "new",
            }],
            &options,
        )
        .unwrap();
        assert_eq!(fs::read_to_string(&a).unwrap(), "new");
        assert_eq!(
            fs::read_to_string(dir.join("a.yaml.orig")).unwrap(),
            "older"
        );
        assert_eq!(
            fs::read_to_string(dir.join("a.yaml.orig.1")).unwrap(),
            "old"
        );
        let leftovers = fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        assert_eq!(leftovers, 0);
        fs::remove_dir_all(&dir).unwrap();
    }
}
