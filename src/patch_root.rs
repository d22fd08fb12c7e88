//! Where patch paths start: the one decision behind the names in `--- a/P` / `+++ b/P`, in
//! the review formats and in saved plans.
//!
//! A patch is applied from one directory (`git apply`, `patch -p1`), so its paths must be
//! relative to a directory that holds every file, and must never climb out of it (`git
//! apply` rejects `a/../x` and `a//tmp/x` as invalid paths). The root is, in order:
//! - `--relative[=DIR]` when given (as in `git diff --relative`): DIR, or the working
//!   directory; an input outside it is an error (git would leave it out of the diff, but a
//!   patch that silently skips a file applies only part of the change);
//! - the git work tree holding every input, found by walking up for `.git` (a directory, or
//!   the `.git` file of a linked worktree or a submodule) — so the paths are those `git
//!   diff` prints, from wherever the command runs and however the paths were spelled;
//! - the working directory, when every input is under it;
//! - the deepest directory holding every input.
//!
//! Every path is made physical first (the parent directory resolved, the file's own name
//! kept, so a linked file is named by its link as git names it), so a name relative to the
//! root has no `..`, no `.` and no empty component.

use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Diagnostic, Error};
use crate::source::{display_name, io_reason};

/// Why a directory is the root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootKind {
    /// `--relative[=DIR]`.
    Given,
    /// The git work tree holding every input.
    GitWorkTree,
    /// The working directory, which holds every input.
    WorkingDirectory,
    /// The deepest directory holding every input.
    Common,
}

#[derive(Clone, Debug)]
pub struct PatchRoot {
    /// Absolute and physical (no links, no `..`).
    pub dir: PathBuf,
    pub kind: RootKind,
    /// The working directory, physical: the root is named relative to it in notes.
    cwd: PathBuf,
    /// When the inputs lie in more than one git work tree (or partly outside one), for the
    /// note.
    split_work_trees: bool,
}

impl PatchRoot {
    /// Decides the root for these input files. `relative` is `--relative`'s value (`.` for
    /// the bare flag).
    pub fn decide(files: &[PathBuf], relative: Option<&Path>) -> Result<PatchRoot, Error> {
        let cwd = working_directory()?;
        let physical: Vec<PathBuf> = files
            .iter()
            .map(|f| physical(f))
            .collect::<Result<_, _>>()?;
        if let Some(dir) = relative {
            let dir_physical = std::fs::canonicalize(dir).map_err(|e| {
                Error::plain(format!(
                    "--relative={}: {}",
                    display_name(dir),
                    io_reason(&e)
                ))
            })?;
            let named = if dir_physical == cwd {
                "the working directory".to_owned()
            } else {
                display_name(dir)
            };
            let outside: Vec<Diagnostic> = files
                .iter()
                .zip(&physical)
                .filter(|(_, p)| !p.starts_with(&dir_physical))
                .map(|(f, _)| {
                    Diagnostic::file(
                        &display_name(f),
                        format!(
                            "is outside {named} (--relative); a patch path cannot name it without `..`: choose a directory that holds every input"
                        ),
                    )
                })
                .collect();
            if !outside.is_empty() {
                return Err(Error::many(outside));
            }
            return Ok(PatchRoot {
                dir: dir_physical,
                kind: RootKind::Given,
                cwd,
                split_work_trees: false,
            });
        }
        let trees: Vec<Option<PathBuf>> = physical
            .iter()
            .map(|p| p.parent().and_then(git_work_tree))
            .collect();
        if let Some(Some(first)) = trees.first()
            && trees.iter().all(|t| t.as_ref() == Some(first))
        {
            return Ok(PatchRoot {
                dir: first.clone(),
                kind: RootKind::GitWorkTree,
                cwd,
                split_work_trees: false,
            });
        }
        let split_work_trees = trees.iter().any(Option::is_some);
        if physical.iter().all(|p| p.starts_with(&cwd)) {
            return Ok(PatchRoot {
                dir: cwd.clone(),
                kind: RootKind::WorkingDirectory,
                cwd,
                split_work_trees,
            });
        }
        Ok(PatchRoot {
            dir: common_dir(&physical),
            kind: RootKind::Common,
            cwd,
            split_work_trees,
        })
    }

    /// A root chosen by the caller (a saved plan's), with nothing to note.
    pub fn at(dir: PathBuf) -> Result<PatchRoot, Error> {
        Ok(PatchRoot {
            dir,
            kind: RootKind::Given,
            cwd: working_directory()?,
            split_work_trees: false,
        })
    }

    /// The path of `file` relative to the root, as patch headers, reviews and saved plans
    /// name it. `file` must lie under the root ([`PatchRoot::decide`] checked every input).
    pub fn name(&self, file: &Path) -> PathBuf {
        let physical = physical(file).unwrap_or_else(|_| file.to_path_buf());
        let name = physical
            .strip_prefix(&self.dir)
            .map(Path::to_path_buf)
            .unwrap_or(physical);
        debug_assert!(
            name.components().all(|c| matches!(c, Component::Normal(_))),
            "patch name {name:?} climbs or is absolute"
        );
        name
    }

    /// What stderr says about the root when it is not the working directory.
    pub fn note(&self) -> Option<String> {
        if self.dir == self.cwd {
            return None;
        }
        let shown = self.shown();
        let why = match self.kind {
            RootKind::Given => "(--relative)".to_owned(),
            RootKind::GitWorkTree => "(the git work tree holding the inputs)".to_owned(),
            RootKind::WorkingDirectory => return None,
            RootKind::Common if self.split_work_trees => {
                "(the deepest directory holding every input; they are not all in one git work tree)"
                    .to_owned()
            }
            RootKind::Common => "(the deepest directory holding every input)".to_owned(),
        };
        Some(format!(
            "patch paths are relative to {shown} {why}: apply the patch from there (`git apply`, `patch -p1`)"
        ))
    }

    /// The root as a person in the working directory names it (`..`, `../exports`, or
    /// absolute).
    pub fn shown(&self) -> String {
        let relative = relative_to(&self.dir, &self.cwd);
        // A shell resolves `..` from its own working directory ($PWD); reached through a
        // link, that is not the physical one, and `cd ..` would go elsewhere: then a root
        // above is named absolutely.
        let logical_elsewhere = std::env::var_os("PWD").is_some_and(|pwd| {
            Path::new(&pwd) != self.cwd
                && std::fs::canonicalize(&pwd).is_ok_and(|resolved| resolved == self.cwd)
        });
        if logical_elsewhere && relative.starts_with("..") {
            return display_name(&self.dir);
        }
        display_name(&relative)
    }
}

/// The working directory, physical.
pub fn working_directory() -> Result<PathBuf, Error> {
    std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .map_err(|e| {
            Error::plain(format!(
                "cannot resolve the working directory: {}",
                io_reason(&e)
            ))
        })
}

/// The absolute path of `file` with its directory resolved (links, `..`), its own name
/// kept.
pub fn physical(file: &Path) -> Result<PathBuf, Error> {
    let parent = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file
        .file_name()
        .ok_or_else(|| Error::from(Diagnostic::file(&display_name(file), "is not a file name")))?;
    let dir = std::fs::canonicalize(parent).map_err(|e| {
        Error::from(Diagnostic::file(
            &display_name(file),
            format!("cannot resolve its directory: {}", io_reason(&e)),
        ))
    })?;
    Ok(dir.join(name))
}

/// The root of the git work tree that holds `dir`: the nearest directory, from `dir` up,
/// with a `.git` directory (holding `HEAD`) or a `.git` file (`gitdir: PATH`, as linked
/// worktrees and submodules have, pointing at a directory holding `HEAD`). A `.git` that
/// is neither stops the search: git itself refuses to work there.
pub fn git_work_tree(dir: &Path) -> Option<PathBuf> {
    for candidate in dir.ancestors() {
        let dot_git = candidate.join(".git");
        let Ok(meta) = std::fs::metadata(&dot_git) else {
            continue;
        };
        let git_dir = if meta.is_dir() {
            dot_git
        } else if meta.is_file() {
            let text = std::fs::read_to_string(&dot_git).ok()?;
            let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
            candidate.join(target)
        } else {
            return None;
        };
        return git_dir
            .join("HEAD")
            .is_file()
            .then(|| candidate.to_path_buf());
    }
    None
}

/// `path` (absolute) relative to `cwd` (absolute, physical) when one holds the other,
/// else as it is.
pub fn relative_to(path: &Path, cwd: &Path) -> PathBuf {
    if let Ok(below) = path.strip_prefix(cwd) {
        return if below.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            below.to_path_buf()
        };
    }
    let mut up = PathBuf::new();
    for ancestor in cwd.ancestors().skip(1) {
        up.push("..");
        if let Ok(below) = path.strip_prefix(ancestor) {
            // Through `/` only `/etc/x` says more than `../../etc/x`.
            if ancestor != Path::new("/") {
                return if below.as_os_str().is_empty() {
                    up
                } else {
                    up.join(below)
                };
            }
            break;
        }
    }
    path.to_path_buf()
}

/// The deepest directory holding every path (absolute paths: at worst `/`).
fn common_dir(paths: &[PathBuf]) -> PathBuf {
    let mut common: PathBuf = match paths.first().and_then(|p| p.parent()) {
        Some(dir) => dir.to_path_buf(),
        None => return PathBuf::from("/"),
    };
    for path in &paths[1..] {
        while !path.starts_with(&common) {
            if !common.pop() {
                return PathBuf::from("/");
            }
        }
    }
    common
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_named_from_the_working_directory() {
        let p = PathBuf::from;
        assert_eq!(relative_to(&p("/r/a/m.yaml"), &p("/r/a")), p("m.yaml"));
        assert_eq!(
            relative_to(&p("/r/m.yaml"), &p("/r/a/b")),
            p("../../m.yaml")
        );
        assert_eq!(relative_to(&p("/r/x/m.yaml"), &p("/r/a")), p("../x/m.yaml"));
        assert_eq!(relative_to(&p("/r/a"), &p("/r/a")), p("."));
        assert_eq!(relative_to(&p("/r"), &p("/r/a/b")).to_str(), Some("../.."));
        assert_eq!(
            relative_to(&p("/etc/m.yaml"), &p("/home/u")),
            p("/etc/m.yaml")
        );
        assert_eq!(
            relative_to(&p("/r/m.yaml"), &p("/r/a/b/c")),
            p("../../../m.yaml")
        );
    }

    #[test]
    fn the_common_directory_is_the_deepest_holding_all() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(common_dir(&[p("/a/b/c.yaml")]), p("/a/b"));
        assert_eq!(common_dir(&[p("/a/b/c.yaml"), p("/a/d/e.yaml")]), p("/a"));
        assert_eq!(common_dir(&[p("/etc/a.yaml"), p("/srv/b.yaml")]), p("/"));
        // A name that merely starts like the directory is not under it.
        assert_eq!(common_dir(&[p("/a/bc/x.yaml"), p("/a/b/y.yaml")]), p("/a"));
    }

    #[test]
    fn names_under_the_root_neither_climb_nor_double_slash() {
        let dir = std::env::temp_dir().join(format!("cutover-root-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("x/y")).unwrap();
        let root = PatchRoot::at(std::fs::canonicalize(&dir).unwrap()).unwrap();
        let name = root.name(&dir.join("x/y/../y/f.yaml"));
        assert_eq!(name, PathBuf::from("x/y/f.yaml"));
        let slash = PatchRoot::at(PathBuf::from("/")).unwrap();
        let name = slash.name(&dir.join("x/f.yaml"));
        assert!(!name.is_absolute() && !name.to_string_lossy().contains("//"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_git_file_of_a_linked_worktree_marks_its_root() {
        let base = std::env::temp_dir().join(format!("cutover-gitfile-{}", std::process::id()));
        let gitdir = base.join("main/.git/worktrees/wt");
        std::fs::create_dir_all(&gitdir).unwrap();
        std::fs::write(gitdir.join("HEAD"), "ref: refs/heads/x\n").unwrap();
        std::fs::create_dir_all(base.join("wt/sub")).unwrap();
        std::fs::write(
            base.join("wt/.git"),
            format!("gitdir: {}\n", gitdir.display()),
        )
        .unwrap();
        assert_eq!(git_work_tree(&base.join("wt/sub")), Some(base.join("wt")));
        // A relative gitdir is relative to the directory of the `.git` file.
        std::fs::write(base.join("wt/.git"), "gitdir: ../main/.git/worktrees/wt\n").unwrap();
        assert_eq!(git_work_tree(&base.join("wt/sub")), Some(base.join("wt")));
        // A `.git` file that points nowhere is no work tree, and the search stops there.
        std::fs::write(base.join("wt/.git"), "gitdir: ../nowhere\n").unwrap();
        assert_eq!(git_work_tree(&base.join("wt/sub")), None);
        std::fs::write(base.join("wt/.git"), "not a gitfile\n").unwrap();
        assert_eq!(git_work_tree(&base.join("wt/sub")), None);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
