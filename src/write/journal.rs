//! The journal: what makes a multi-file commit atomic across crashes.
//!
//! Before it creates any temporary file, a commit writes and syncs `.cutover-journal` in the
//! directory that holds all its files: for each file, the original, the temporary that
//! will replace it, the backup (with `--backup`), and the SHA-256 of the old and the new
//! text. Only when every temporary and backup is written and synced are the originals
//! replaced; then the directories are synced and the journal removed.
//!
//! Whatever stopped a run, the next cutover command that reads any of those files finds
//! the journal (in a directory above the file) and, holding the locks the run held,
//! completes it from what is on disk:
//! - **roll forward** when every file is either ready (its temporary holds the new text,
//!   its original the old) or already replaced, and every backup is complete: rename the
//!   rest. (Renames begin only after everything is synced, so once one original has been
//!   replaced this is the state; a crash during the renames always rolls forward.)
//! - **roll back** when no original has been replaced: remove the temporaries and backups.
//! - anything else (an original replaced and another's temporary missing) cannot come from
//!   a crash, only from a disk that lost synced data or from someone's hands: nothing is
//!   touched, and the command stops (exit 2) saying what it found.
//!
//! Each action moves the state only toward its own end (a forward rename leaves every
//! file ready or replaced; a removal during roll back leaves one not ready), so a crash
//! during recovery is recovered the same way by the next run.

use std::collections::HashSet;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Error};
use crate::file_name as name;
use crate::saved_plan::sha256;
use crate::source::{ReadError, display_name, io_reason, read_regular};

use super::lock::LockSet;
use super::names::{self, JOURNAL};
use super::{hooks, meta, relative_to_cwd, signals};

/// The journal file format (internal; its schema is in `schemas/` for the curious).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "cutover commit journal")]
pub struct JournalFile {
    /// Always 1.
    pub cutover_journal: u32,
    /// The process that wrote it.
    pub pid: u32,
    /// Every file of the commit.
    pub files: Vec<JournalEntry>,
}

/// One file of a commit. Paths are relative to the journal's directory; a `_hex` field
/// holds the path's bytes when they are not UTF-8 (and then it is the path).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalEntry {
    /// The file replaced.
    pub original: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_hex: Option<String>,
    /// The temporary file holding its new text, beside it.
    pub temporary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_hex: Option<String>,
    /// The backup of its old text (`--backup`), beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_hex: Option<String>,
    /// SHA-256 of the old text, in hex.
    pub old_sha256: String,
    /// SHA-256 of the new text, in hex.
    pub new_sha256: String,
}

/// A commit as the journal records it, with absolute paths.
pub struct Journal {
    /// The directory the journal stands in (absolute, canonical).
    pub dir: PathBuf,
    pub entries: Vec<Entry>,
}

pub struct Entry {
    pub original: PathBuf,
    pub temporary: PathBuf,
    pub backup: Option<PathBuf>,
    pub old_sha256: String,
    pub new_sha256: String,
}

impl Journal {
    pub fn path(&self) -> PathBuf {
        self.dir.join(JOURNAL)
    }

    /// Every directory whose lock a run needs to act on this commit.
    pub fn lock_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.dir.clone()];
        dirs.extend(
            self.entries
                .iter()
                .filter_map(|e| e.original.parent().map(Path::to_path_buf)),
        );
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// Writes the journal under a temporary name, syncs it, puts it in place and syncs the
    /// directory: once this returns, the journal survives a crash or a power loss.
    pub fn write(&self) -> std::io::Result<()> {
        let relative = |path: &Path| path.strip_prefix(&self.dir).unwrap_or(path).to_path_buf();
        let file = JournalFile {
            cutover_journal: 1,
            pid: std::process::id(),
            files: self
                .entries
                .iter()
                .map(|e| {
                    let (original, original_hex) = name::stored(&relative(&e.original));
                    let (temporary, temporary_hex) = name::stored(&relative(&e.temporary));
                    let backup = e.backup.as_deref().map(|b| name::stored(&relative(b)));
                    let (backup, backup_hex) = match backup {
                        Some((text, hex)) => (Some(text), hex),
                        None => (None, None),
                    };
                    JournalEntry {
                        original,
                        original_hex,
                        temporary,
                        temporary_hex,
                        backup,
                        backup_hex,
                        old_sha256: e.old_sha256.clone(),
                        new_sha256: e.new_sha256.clone(),
                    }
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).expect("a journal is valid JSON");
        text.push('\n');
        let path = self.path();
        let staging = names::temporary(&path);
        let mut out = signals::create(&staging, |p| {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(p)
        })?;
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&staging, &path)?;
        signals::journal(&path);
        meta::sync_dir(&self.dir)
    }

    /// Removes the journal (the commit is complete or undone) durably.
    pub fn remove(&self) -> std::io::Result<()> {
        std::fs::remove_file(self.path())?;
        meta::sync_dir(&self.dir)
    }

    /// The journal in `dir`, if there is one.
    pub fn read(dir: &Path) -> Result<Option<Journal>, Error> {
        let path = dir.join(JOURNAL);
        let shown = display_name(&relative_to_cwd(&path));
        let bytes = match read_regular(&path, 64 << 20) {
            Ok((bytes, _)) => bytes,
            Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Diagnostic::file(
                    &shown,
                    format!(
                        "cannot read the journal of an interrupted commit: {}",
                        e.message()
                    ),
                )
                .into());
            }
        };
        let unreadable = |why: String| -> Error {
            Diagnostic::file(
                &shown,
                format!(
                    "is not a journal cutover can read ({why}); an interrupted commit may have left the files it names half replaced: check them, then remove this file"
                ),
            )
            .into()
        };
        let file: JournalFile =
            serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string()))?;
        if file.cutover_journal != 1 {
            return Err(unreadable(format!("version {}", file.cutover_journal)));
        }
        let mut entries = Vec::new();
        for entry in file.files {
            let path = |text: &str, hex: Option<&str>| -> Result<PathBuf, Error> {
                let relative = name::from_stored(text, hex).map_err(&unreadable)?;
                // A journal only ever names files below its directory.
                let below = relative
                    .components()
                    .all(|c| matches!(c, Component::Normal(_)));
                if !below || relative.as_os_str().is_empty() {
                    return Err(unreadable(format!(
                        "{} is not a path below the journal",
                        name::shown(text)
                    )));
                }
                Ok(dir.join(relative))
            };
            let original = path(&entry.original, entry.original_hex.as_deref())?;
            let temporary = path(&entry.temporary, entry.temporary_hex.as_deref())?;
            let backup = match &entry.backup {
                Some(b) => Some(path(b, entry.backup_hex.as_deref())?),
                None => None,
            };
            // It renames and removes only what a commit creates: a temporary beside its
            // original, a backup named after it.
            let beside = temporary.parent() == original.parent()
                && temporary.file_name().is_some_and(names::is_temporary);
            let backup_named = backup.as_ref().is_none_or(|b| {
                names::backup_candidates(&original)
                    .take(1000)
                    .any(|candidate| &candidate == b)
            });
            if !beside || !backup_named {
                return Err(unreadable(format!(
                    "{} names files a commit does not create",
                    name::shown(&entry.original)
                )));
            }
            entries.push(Entry {
                original,
                temporary,
                backup,
                old_sha256: entry.old_sha256,
                new_sha256: entry.new_sha256,
            });
        }
        Ok(Some(Journal {
            dir: dir.to_path_buf(),
            entries,
        }))
    }
}

/// Every journal in `dirs` or a directory above them.
pub fn find(dirs: &[PathBuf]) -> Result<Vec<Journal>, Error> {
    let mut seen = HashSet::new();
    let mut journals = Vec::new();
    for dir in dirs {
        for ancestor in dir.ancestors() {
            if !seen.insert(ancestor.to_path_buf()) {
                break;
            }
            if std::fs::symlink_metadata(ancestor.join(JOURNAL)).is_ok()
                && let Some(journal) = Journal::read(ancestor)?
            {
                journals.push(journal);
            }
        }
    }
    Ok(journals)
}

/// Completes every interrupted commit that covers one of `files` (canonical paths),
/// taking its locks for the time it takes; then removes the lock files of killed runs
/// there (see [`super::lock::remove_stale`]). For commands that only read.
pub fn recover_for(files: &[PathBuf]) -> Result<(), Error> {
    let dirs = super::parent_dirs(files);
    let covered: HashSet<&PathBuf> = files.iter().collect();
    for journal in find(&dirs)? {
        if journal
            .entries
            .iter()
            .any(|e| covered.contains(&e.original))
        {
            let deadline = Instant::now() + super::lock::wait_budget();
            let _locks = LockSet::acquire(&journal.lock_dirs(), deadline).map_err(|mut e| {
                let shown = display_name(&relative_to_cwd(&journal.path()));
                for d in &mut e.diagnostics {
                    d.message.push_str(&format!(
                        " (needed to complete the interrupted commit {shown}; until then the files it names may be a mix of old and new)"
                    ));
                }
                e
            })?;
            recover(&journal.dir)?;
        }
    }
    super::lock::remove_stale(&dirs);
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Temporary {
    /// Holds the whole new text.
    Ready,
    /// Holds something else (it was being written).
    Partial,
    Absent,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Original {
    Old,
    New,
    /// Neither: changed by someone since the commit began.
    Other,
    Missing,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backup {
    Complete,
    /// A start of the old text (it was being written).
    Partial,
    /// Something that is not a copy of the original: not ours to remove.
    Foreign,
    Absent,
}

struct State {
    temporary: Temporary,
    original: Original,
    backup: Option<Backup>,
}

/// The contents of a file, or `None` when it does not exist.
fn contents(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match read_regular(path, crate::source::MAX_LEN) {
        Ok((bytes, _)) => Ok(Some(bytes)),
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Diagnostic::file(
            &display_name(&relative_to_cwd(path)),
            format!(
                "cannot check this file of an interrupted commit: {}",
                e.message()
            ),
        )
        .into()),
    }
}

/// A temporary or a backup is a regular file, as a commit creates it: a link there (a
/// planted one, say, to a file outside the tree) would be renamed over an export, making
/// it that link.
fn created(path: &Path) -> Result<(), Error> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => Err(Diagnostic::file(
            &display_name(&relative_to_cwd(path)),
            "this file of an interrupted commit is not a regular file (a link?), as no \
             commit creates it: nothing was changed; remove it, or the journal, by hand",
        )
        .into()),
        _ => Ok(()),
    }
}

fn assess(entry: &Entry) -> Result<State, Error> {
    let original_bytes = contents(&entry.original)?;
    let original = match &original_bytes {
        None => Original::Missing,
        Some(bytes) => match sha256(bytes) {
            h if h == entry.old_sha256 => Original::Old,
            h if h == entry.new_sha256 => Original::New,
            _ => Original::Other,
        },
    };
    let temporary = match created(&entry.temporary).and_then(|()| contents(&entry.temporary))? {
        None => Temporary::Absent,
        Some(bytes) if sha256(&bytes) == entry.new_sha256 => Temporary::Ready,
        Some(_) => Temporary::Partial,
    };
    let backup = match &entry.backup {
        None => None,
        Some(path) => Some(match created(path).and_then(|()| contents(path))? {
            None => Backup::Absent,
            Some(bytes) if sha256(&bytes) == entry.old_sha256 => Backup::Complete,
            Some(bytes)
                if original == Original::Old
                    && original_bytes
                        .as_ref()
                        .is_some_and(|o| o.starts_with(&bytes)) =>
            {
                Backup::Partial
            }
            Some(_) => Backup::Foreign,
        }),
    };
    Ok(State {
        temporary,
        original,
        backup,
    })
}

/// Completes the interrupted commit whose journal is in `dir`, if it is still there; the
/// caller holds the commit's locks. Says on stderr what it did.
pub fn recover(dir: &Path) -> Result<(), Error> {
    let Some(journal) = Journal::read(dir)? else {
        return Ok(());
    };
    let shown = display_name(&relative_to_cwd(&journal.path()));
    let states: Vec<State> = journal
        .entries
        .iter()
        .map(assess)
        .collect::<Result<_, _>>()?;
    let ready_or_done = states.iter().all(|s| {
        matches!(
            (s.temporary, s.original),
            (Temporary::Ready, Original::Old)
                | (Temporary::Ready | Temporary::Absent, Original::New)
        ) && matches!(s.backup, None | Some(Backup::Complete))
    });
    let any_replaced = states.iter().any(|s| s.original == Original::New);
    let failed = |e: std::io::Error| -> Error {
        Diagnostic::file(
            &shown,
            format!(
                "cannot complete the interrupted commit this journal records: {}; run again to retry",
                io_reason(&e)
            ),
        )
        .into()
    };
    let dirs = journal.lock_dirs();
    if ready_or_done {
        let _hold = signals::hold();
        let mut replaced = Vec::new();
        for (index, (entry, state)) in journal.entries.iter().zip(&states).enumerate() {
            match state.original {
                Original::Old => {
                    hooks::step("recover-rename", Some(index)).map_err(failed)?;
                    std::fs::rename(&entry.temporary, &entry.original).map_err(failed)?;
                    replaced.push(display_name(&relative_to_cwd(&entry.original)));
                }
                _ if state.temporary == Temporary::Ready => {
                    std::fs::remove_file(&entry.temporary).map_err(failed)?;
                }
                _ => {}
            }
        }
        finish(&journal, &dirs).map_err(failed)?;
        if replaced.is_empty() {
            eprintln!(
                "cutover: finished an interrupted commit ({shown}): every file had been replaced"
            );
        } else {
            eprintln!(
                "cutover: finished an interrupted commit ({shown}): replaced {}",
                crate::verbosity::count_of_files(&replaced)
            );
        }
        Ok(())
    } else if !any_replaced {
        let _hold = signals::hold();
        let mut removed = 0;
        let mut kept = Vec::new();
        for (index, (entry, state)) in journal.entries.iter().zip(&states).enumerate() {
            if state.temporary != Temporary::Absent {
                hooks::step("recover-remove", Some(index)).map_err(failed)?;
                std::fs::remove_file(&entry.temporary).map_err(failed)?;
                removed += 1;
            }
            if let (Some(path), Some(backup)) = (&entry.backup, state.backup) {
                match backup {
                    Backup::Complete | Backup::Partial => {
                        std::fs::remove_file(path).map_err(failed)?;
                        removed += 1;
                    }
                    Backup::Foreign => kept.push(display_name(&relative_to_cwd(path))),
                    Backup::Absent => {}
                }
            }
        }
        finish(&journal, &dirs).map_err(failed)?;
        eprintln!(
            "cutover: undid an interrupted commit ({shown}): no file had been replaced; removed its {removed} temporary files"
        );
        if !kept.is_empty() {
            eprintln!(
                "cutover: kept {}: named as backups, but not copies of the originals",
                crate::verbosity::count_of_files(&kept)
            );
        }
        Ok(())
    } else {
        let mut found = Vec::new();
        for (entry, state) in journal.entries.iter().zip(&states) {
            let name = display_name(&relative_to_cwd(&entry.original));
            let what = match (state.original, state.temporary) {
                (Original::New, _) => "replaced",
                (Original::Other, _) => "changed since the commit began",
                (Original::Missing, _) => "missing",
                (Original::Old, Temporary::Ready) => match state.backup {
                    Some(Backup::Complete) | None => "ready",
                    _ => "ready, but its backup is missing or incomplete",
                },
                (Original::Old, Temporary::Partial) => "not replaced, its new text incomplete",
                (Original::Old, Temporary::Absent) => "not replaced, its new text missing",
            };
            found.push(format!("{name} ({what})"));
        }
        Err(Diagnostic::file(
            &shown,
            format!(
                "an interrupted commit can be neither finished nor undone: {}; a crash cannot leave this (the disk lost data, or the files were changed by hand); nothing was touched: check these files, then remove this journal",
                found.join(", ")
            ),
        )
        .into())
    }
}

/// Syncs the directories of a recovered commit, then removes its journal.
fn finish(journal: &Journal, dirs: &[PathBuf]) -> std::io::Result<()> {
    for dir in dirs {
        meta::sync_dir(dir)?;
    }
    hooks::step("recovered", None)?;
    journal.remove()
}
