//! Write: replace edited files all or nothing, whatever stops the run.
//!
//! A run that writes first takes the locks of every directory it may write ([`lock`]), and
//! completes any commit an earlier run left unfinished there ([`journal`]); then it reads,
//! plans, and hands the new texts to [`Commit::replace_all`], which
//! 1. checks everything that could stop a file from being replaced or keeping what it has
//!    (links, file type, read-only, hard links, sticky directories) — nothing is written
//!    when one fails;
//! 2. writes and syncs the journal;
//! 3. writes each new text to a temporary beside its original (a random name, created
//!    exclusively, with the original's mode from the start, then its owner, extended
//!    attributes and exact mode) and syncs it; and each backup alike;
//! 4. syncs the directories, then checks that every original is still the file that was
//!    read (same inode, owner, mode and bytes): another program's write is never lost;
//! 5. renames every temporary over its original, syncs the directories and removes the
//!    journal.
//!
//! A failure before step 5 removes what was created, and no original has changed; a signal
//! does the same ([`signals`]); a crash is completed or undone by the next run. Each step
//! has a test hook ([`hooks`]).

mod hooks;
pub mod journal;
mod lock;
mod meta;
mod names;
mod signals;

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::diagnostic::{Diagnostic, Error};
use crate::saved_plan::sha256;
use crate::source::{Source, Stamp, display_name, io_reason, read_regular};

use journal::{Entry, Journal};
use lock::LockSet;

pub use journal::recover_for;

pub struct Options {
    /// Keep each original as `FILE.orig` (or `FILE.orig.N` when that exists).
    pub backup: bool,
    /// Write through symbolic links to their targets instead of refusing.
    pub follow_symlinks: bool,
    /// Replace a file that has other hard links (the other names keep the old text).
    pub break_hardlinks: bool,
    /// The paths the user gave: a link is followed only to a file inside them.
    pub roots: Vec<PathBuf>,
}

/// One file to replace: the file as it was read, and its new text.
pub struct Replacement<'a> {
    pub source: &'a Source,
    pub text: &'a str,
}

/// A path relative to the working directory when it lies below it (for messages).
pub fn relative_to_cwd(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf())
}

/// The absolute, resolved path of a file (the file it names, through links), or of where it
/// would be when it does not exist.
fn resolved(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| {
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let parent = fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
        match path.file_name() {
            Some(name) => parent.join(name),
            None => parent,
        }
    })
}

/// The directories that hold `files` (resolved), sorted, each once.
fn parent_dirs(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The deepest directory that holds all of `dirs`.
fn common_dir(dirs: &[PathBuf]) -> PathBuf {
    let mut common = dirs.first().cloned().unwrap_or_else(|| PathBuf::from("/"));
    for dir in dirs {
        while !dir.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

/// A run's hold on the directories it writes: taken before reading, released (lock files
/// removed) when dropped.
pub struct Commit {
    options: Options,
    /// Where the journal goes: the deepest directory holding every input.
    dir: PathBuf,
    _locks: LockSet,
}

/// What a commit did that the user should hear about besides the summary.
#[derive(Default)]
pub struct Report {
    pub notes: Vec<String>,
}

impl Commit {
    /// Takes the locks for writing any of `files`, first completing any interrupted commit
    /// that covers them, and cleans up the temporaries of dead runs there.
    pub fn begin(files: &[PathBuf], options: Options) -> Result<Commit, Error> {
        signals::install();
        let resolved_files: Vec<PathBuf> = files.iter().map(|f| resolved(f)).collect();
        let covered: HashSet<&PathBuf> = resolved_files.iter().collect();
        let file_dirs = parent_dirs(&resolved_files);
        let dir = common_dir(&file_dirs);
        let mut lock_dirs = file_dirs.clone();
        lock_dirs.push(dir.clone());
        lock_dirs.sort();
        lock_dirs.dedup();
        let deadline = Instant::now() + lock::wait_budget();
        loop {
            let locks = LockSet::acquire(&lock_dirs, deadline)?;
            hooks::step("locked", None).map_err(|e| Error::plain(e.to_string()))?;
            let journals = journal::find(&file_dirs)?;
            let mut protected = HashSet::new();
            let mut elsewhere = None;
            for found in &journals {
                if !found.entries.iter().any(|e| covered.contains(&e.original)) {
                    // Another commit's: its files are not ours to clean.
                    for entry in &found.entries {
                        protected.insert(entry.temporary.clone());
                    }
                } else if found.lock_dirs().iter().all(|d| LockSet::covers(d)) {
                    journal::recover(&found.dir)?;
                } else {
                    elsewhere = Some(found.lock_dirs());
                    break;
                }
            }
            if let Some(their_dirs) = elsewhere {
                // Its locks are not all ours: let go of ours, take its, and start again.
                drop(locks);
                let theirs = LockSet::acquire(&their_dirs, deadline)?;
                for found in journal::find(&file_dirs)? {
                    if found.lock_dirs().iter().all(|d| LockSet::covers(d)) {
                        journal::recover(&found.dir)?;
                    }
                }
                drop(theirs);
                continue;
            }
            // The journal's directory too: a run killed while writing its journal leaves the
            // journal's temporary there, which may hold none of the files.
            clean_leftovers(&lock_dirs, &protected);
            return Ok(Commit {
                options,
                dir,
                _locks: locks,
            });
        }
    }

    /// Replaces every file with its new text, all or none (see the module's steps).
    pub fn replace_all(&self, files: &[Replacement]) -> Result<Report, Error> {
        let mut report = Report::default();
        if files.is_empty() {
            return Ok(report);
        }
        let targets = self.preflight(files, &mut report)?;
        let journal = Journal {
            dir: self.dir.clone(),
            entries: targets
                .iter()
                .map(|t| Entry {
                    original: t.dest.clone(),
                    temporary: t.temporary.clone(),
                    backup: t.backup.clone(),
                    old_sha256: sha256(t.source.text.as_bytes()),
                    new_sha256: sha256(t.text.as_bytes()),
                })
                .collect(),
        };
        if let Err(d) = self.prepare(&journal, &targets, &mut report) {
            let removed = signals::discard();
            let mut d = d;
            d.message.push_str("; no file was changed");
            if removed > 0 {
                d.message
                    .push_str(&format!(" (its {removed} temporary files were removed)"));
            }
            return Err(d.into());
        }
        self.rename_all(&journal, &targets)?;
        Ok(report)
    }

    /// Step 1: every check that can be made before anything is written.
    fn preflight<'a>(
        &self,
        files: &'a [Replacement<'a>],
        report: &mut Report,
    ) -> Result<Vec<Target<'a>>, Error> {
        let mut errors = Vec::new();
        let mut targets = Vec::new();
        for file in files {
            let name = display_name(&file.source.path);
            match self.target(file, &name, report) {
                Ok(target) => targets.push(target),
                Err(d) => errors.push(d),
            }
        }
        if errors.is_empty() {
            Ok(targets)
        } else {
            Err(Error::many(errors))
        }
    }

    fn target<'a>(
        &self,
        file: &'a Replacement<'a>,
        name: &str,
        report: &mut Report,
    ) -> Result<Target<'a>, Diagnostic> {
        let dest = destination(&file.source.path, &self.options)?;
        let meta = fs::metadata(&dest)
            .map_err(|e| Diagnostic::file(name, format!("cannot read: {}", io_reason(&e))))?;
        if !meta.is_file() {
            return Err(Diagnostic::file(
                name,
                format!(
                    "is {}, not a regular file; nothing was written",
                    crate::source::kind_of(meta.file_type())
                ),
            ));
        }
        let stamp = Stamp::of(&meta);
        if file
            .source
            .stamp
            .is_some_and(|read| !read.same_file(&stamp))
        {
            return Err(changed_since_read(name));
        }
        if meta.permissions().readonly() {
            return Err(Diagnostic::file(name, "is read-only; nothing was written"));
        }
        if stamp.nlink > 1 {
            if !self.options.break_hardlinks {
                return Err(Diagnostic::file(
                    name,
                    format!(
                        "has {} hard links; replacing it would split them (the other names would keep the old text); nothing was written (--break-hardlinks replaces this name only)",
                        stamp.nlink
                    ),
                ));
            }
            report.notes.push(format!(
                "{name}: broke its hard link: {} other names keep the old text",
                stamp.nlink - 1
            ));
        }
        let dir = dest.parent().unwrap_or(Path::new("/"));
        if let Some(why) = meta::sticky_refusal(dir, stamp.uid) {
            return Err(Diagnostic::file(name, why));
        }
        let backup = if self.options.backup {
            let free = names::backup_candidates(&dest)
                .take(1000)
                .find(|candidate| fs::symlink_metadata(candidate).is_err());
            Some(free.ok_or_else(|| {
                Diagnostic::file(name, "has 1000 backups already; nothing was written")
            })?)
        } else {
            None
        };
        Ok(Target {
            name: name.to_owned(),
            temporary: names::temporary(&dest),
            dest,
            stamp,
            backup,
            source: file.source,
            text: file.text,
        })
    }

    /// Steps 2 to 4: journal, temporaries, backups, syncs, and the check that nothing
    /// changed. Everything created is registered, so a failure or a signal removes it.
    fn prepare(
        &self,
        journal: &Journal,
        targets: &[Target],
        report: &mut Report,
    ) -> Result<(), Diagnostic> {
        let journal_failed = |e: std::io::Error| {
            Diagnostic::file(
                &display_name(&relative_to_cwd(&journal.path())),
                format!("cannot write the journal: {}", io_reason(&e)),
            )
        };
        hooks::step("journal", None).map_err(journal_failed)?;
        journal.write().map_err(journal_failed)?;
        for (index, target) in targets.iter().enumerate() {
            let failed = |what: &str, e: std::io::Error| {
                Diagnostic::file(&target.name, format!("{what}: {}", io_reason(&e)))
            };
            hooks::step("stage", Some(index)).map_err(|e| failed("cannot stage", e))?;
            let notes = write_copy(
                &target.temporary,
                target.text.as_bytes(),
                target,
                Some(index),
            )
            .map_err(|(what, e)| failed(what, e))?;
            report
                .notes
                .extend(notes.into_iter().map(|n| format!("{}: {n}", target.name)));
        }
        for (index, target) in targets.iter().enumerate() {
            let Some(backup) = &target.backup else {
                continue;
            };
            let failed = |e: std::io::Error| {
                Diagnostic::file(
                    &target.name,
                    format!("cannot write the backup: {}", io_reason(&e)),
                )
            };
            hooks::step("backup", Some(index)).map_err(failed)?;
            write_copy(backup, target.source.text.as_bytes(), target, None)
                .map_err(|(_, e)| failed(e))?;
        }
        let dirs: Vec<PathBuf> =
            parent_dirs(&targets.iter().map(|t| t.dest.clone()).collect::<Vec<_>>());
        let sync_failed = |e: std::io::Error| {
            Diagnostic::plain(format!(
                "cannot flush the directories to disk: {}",
                io_reason(&e)
            ))
        };
        hooks::step("sync", None).map_err(sync_failed)?;
        for dir in &dirs {
            meta::sync_dir(dir).map_err(sync_failed)?;
        }
        for (index, target) in targets.iter().enumerate() {
            hooks::step("unchanged", Some(index))
                .map_err(|e| Diagnostic::file(&target.name, e.to_string()))?;
            let unchanged =
                read_regular(&target.dest, crate::source::MAX_LEN).is_ok_and(|(bytes, stamp)| {
                    stamp.same_file(&target.stamp) && bytes == target.source.text.as_bytes()
                });
            if !unchanged {
                return Err(changed_since_read(&target.name));
            }
        }
        Ok(())
    }

    /// Step 5: the renames, then the directory syncs and the journal's removal.
    fn rename_all(&self, journal: &Journal, targets: &[Target]) -> Result<(), Error> {
        let _commit = signals::commit();
        let mut done = Vec::new();
        for (index, target) in targets.iter().enumerate() {
            let renamed = hooks::step("rename", Some(index))
                .and_then(|()| fs::rename(&target.temporary, &target.dest));
            if let Err(e) = renamed {
                let mut message = format!("cannot replace the file: {}", io_reason(&e));
                if done.is_empty() {
                    // Nothing replaced yet: undo here, as before the renames.
                    for target in targets {
                        let _ = fs::remove_file(&target.temporary);
                        if let Some(backup) = &target.backup {
                            let _ = fs::remove_file(backup);
                        }
                    }
                    if journal.remove().is_ok() {
                        message.push_str("; no file was changed");
                        return Err(Diagnostic::file(&target.name, message).into());
                    }
                }
                if !done.is_empty() {
                    message.push_str(&format!("; already replaced: {}", done.join(", ")));
                }
                message.push_str(&format!(
                    "; the journal {} records the rest, ready: the next cutover command that reads these files completes the commit",
                    display_name(&relative_to_cwd(&journal.path()))
                ));
                return Err(Diagnostic::file(&target.name, message).into());
            }
            done.push(target.name.clone());
        }
        let finished = (|| {
            hooks::step("renamed", None)?;
            for dir in parent_dirs(&targets.iter().map(|t| t.dest.clone()).collect::<Vec<_>>()) {
                meta::sync_dir(&dir)?;
            }
            hooks::step("unjournal", None)?;
            journal.remove()?;
            hooks::step("done", None)
        })();
        // Every file is replaced; a failure now only leaves a journal the next run removes.
        if let Err(e) = finished {
            eprintln!(
                "cutover: warning: every file was replaced, but {} could not be removed: {} (the next run removes it)",
                display_name(&relative_to_cwd(&journal.path())),
                io_reason(&e)
            );
        }
        Ok(())
    }
}

/// One file's part in a commit.
struct Target<'a> {
    /// As shown to the user.
    name: String,
    /// The resolved path that is replaced.
    dest: PathBuf,
    /// The file at `dest` as checked before anything was written.
    stamp: Stamp,
    temporary: PathBuf,
    backup: Option<PathBuf>,
    source: &'a Source,
    text: &'a str,
}

fn changed_since_read(name: &str) -> Diagnostic {
    Diagnostic::file(
        name,
        "changed since cutover read it (another program wrote it); nothing was written: run again to plan against the new text",
    )
}

/// Writes `bytes` to a new file at `path` that takes on everything the original keeps:
/// created exclusively (never through a link, never over a file) with the original's
/// mode, so it is never more open than the original; then its owner, extended attributes
/// and exact mode; only then its text, and a sync. Text last: a file whose text is
/// complete (all that recovery can check) has everything else already. Returns what could
/// not be kept. (`index`: the test hook `created:N` once a temporary exists.)
fn write_copy(
    path: &Path,
    bytes: &[u8],
    target: &Target,
    index: Option<usize>,
) -> Result<Vec<String>, (&'static str, std::io::Error)> {
    let mode = target.stamp.mode & 0o7777;
    let mut file: File = signals::create(path, |p| {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode & 0o777)
            .open(p)
    })
    .map_err(|e| ("cannot create a file beside it", e))?;
    if index.is_some() {
        hooks::step("created", index).map_err(|e| ("cannot write", e))?;
    }
    let mut notes = Vec::new();
    if let Some(note) = meta::copy_owner(&file, target.stamp.uid, target.stamp.gid)
        .map_err(|e| ("cannot keep its owner", e))?
    {
        notes.push(note);
    }
    notes.extend(meta::copy_xattrs(&target.dest, &file));
    meta::set_mode(&file, mode).map_err(|e| ("cannot keep its permissions", e))?;
    file.write_all(bytes).map_err(|e| ("cannot write", e))?;
    file.sync_all().map_err(|e| ("cannot flush to disk", e))?;
    Ok(notes)
}

/// Where a replacement really goes (resolved): the file itself, or the target of a link.
fn destination(path: &Path, options: &Options) -> Result<PathBuf, Diagnostic> {
    let name = display_name(path);
    let meta = fs::symlink_metadata(path).map_err(|e| Diagnostic::file(&name, io_reason(&e)))?;
    if !meta.file_type().is_symlink() {
        return Ok(resolved(path));
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
                display_name(&target)
            ),
        ));
    }
    Ok(target)
}

/// Removes what dead runs left in `dirs`: temporaries (recognised by name), except those an
/// unfinished commit still needs. Only called under the directories' locks, so no live
/// run can be writing them.
fn clean_leftovers(dirs: &[PathBuf], protected: &HashSet<PathBuf>) {
    let mut removed = Vec::new();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if is_file
                && names::is_temporary(&entry.file_name())
                && !protected.contains(&path)
                && fs::remove_file(&path).is_ok()
            {
                removed.push(display_name(&relative_to_cwd(&path)));
            }
        }
    }
    if !removed.is_empty() {
        eprintln!(
            "cutover: removed {} temporary files of interrupted runs: {}",
            removed.len(),
            crate::verbosity::some_of(&removed)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cutover-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::canonicalize(dir).unwrap()
    }

    #[test]
    fn replaces_atomically_and_keeps_a_backup() {
        let dir = scratch("backup");
        let a = dir.join("a.yaml");
        fs::write(&a, "old").unwrap();
        fs::write(dir.join("a.yaml.orig"), "older").unwrap();
        let options = Options {
            backup: true,
            follow_symlinks: false,
            break_hardlinks: false,
            roots: vec![dir.clone()],
        };
        let source = Source::read(&a).unwrap();
        let commit = Commit::begin(std::slice::from_ref(&a), options).unwrap();
        commit
            .replace_all(&[Replacement {
                source: &source,
                text: "new",
            }])
            .unwrap();
        drop(commit);
        assert_eq!(fs::read_to_string(&a).unwrap(), "new");
        assert_eq!(
            fs::read_to_string(dir.join("a.yaml.orig")).unwrap(),
            "older"
        );
        assert_eq!(
            fs::read_to_string(dir.join("a.yaml.orig.1")).unwrap(),
            "old"
        );
        let mut left: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["a.yaml", "a.yaml.orig", "a.yaml.orig.1"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn common_dir_is_the_deepest_holding_all() {
        let dirs = [PathBuf::from("/a/b/c"), PathBuf::from("/a/b/d/e")];
        assert_eq!(common_dir(&dirs), Path::new("/a/b"));
        assert_eq!(common_dir(&dirs[..1]), Path::new("/a/b/c"));
    }

    #[test]
    fn a_journal_is_rolled_forward_when_all_is_ready_and_back_otherwise() {
        let dir = scratch("journal");
        let (a, b) = (dir.join("a.yaml"), dir.join("b.yaml"));
        let entry = |original: &Path, old: &str, new: &str| {
            let temporary = names::temporary(original);
            fs::write(original, old).unwrap();
            fs::write(&temporary, new).unwrap();
            Entry {
                original: original.to_path_buf(),
                temporary,
                backup: None,
                old_sha256: sha256(old.as_bytes()),
                new_sha256: sha256(new.as_bytes()),
            }
        };
        // A was replaced, B is ready: forward.
        let journal = Journal {
            dir: dir.clone(),
            entries: vec![entry(&a, "a0", "a1"), entry(&b, "b0", "b1")],
        };
        journal.write().unwrap();
        fs::rename(&journal.entries[0].temporary, &a).unwrap();
        journal::recover(&dir).unwrap();
        assert_eq!(fs::read_to_string(&a).unwrap(), "a1");
        assert_eq!(fs::read_to_string(&b).unwrap(), "b1");
        assert!(!journal.path().exists());
        // B's temporary is incomplete and nothing was replaced: back.
        let journal = Journal {
            dir: dir.clone(),
            entries: vec![entry(&a, "a0", "a1"), entry(&b, "b0", "b1")],
        };
        journal.write().unwrap();
        fs::write(&journal.entries[1].temporary, "b").unwrap();
        journal::recover(&dir).unwrap();
        assert_eq!(fs::read_to_string(&a).unwrap(), "a0");
        assert_eq!(fs::read_to_string(&b).unwrap(), "b0");
        assert!(!journal.entries[0].temporary.exists());
        assert!(!journal.path().exists());
        // A replaced and B's new text lost: refused, nothing touched.
        let journal = Journal {
            dir: dir.clone(),
            entries: vec![entry(&a, "a0", "a1"), entry(&b, "b0", "b1")],
        };
        journal.write().unwrap();
        fs::rename(&journal.entries[0].temporary, &a).unwrap();
        fs::remove_file(&journal.entries[1].temporary).unwrap();
        let error = journal::recover(&dir).unwrap_err();
        assert!(
            error.diagnostics[0]
                .message
                .contains("neither finished nor undone"),
            "{:?}",
            error.diagnostics
        );
        assert!(journal.path().exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_journal_naming_files_outside_its_directory_is_refused() {
        let dir = scratch("hostile-journal");
        fs::write(
            dir.join(names::JOURNAL),
            r#"{"cutover_journal": 1, "pid": 1, "files": [{"original": "../x", "temporary": ".x.cutover-0123456789abcdef.tmp", "old_sha256": "", "new_sha256": ""}]}"#,
        )
        .unwrap();
        assert!(Journal::read(&dir).is_err());
        fs::write(
            dir.join(names::JOURNAL),
            r#"{"cutover_journal": 1, "pid": 1, "files": [{"original": "x", "temporary": "y", "old_sha256": "", "new_sha256": ""}]}"#,
        )
        .unwrap();
        assert!(Journal::read(&dir).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
