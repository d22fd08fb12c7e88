//! One run at a time: advisory locks on a lock file in each directory a run writes.
//!
//! A run that writes holds, from before it reads until after its last rename, an exclusive
//! lock (`flock`, through std's `File::lock`) on `.cutover-lock` in every directory that
//! holds one of its files and in the directory its journal goes to. Two runs that share a
//! file share that file's directory, so one waits for the other; locks are always taken
//! in the same (sorted) order, so two runs never wait for each other. A run that has to
//! wait does so for a short, bounded time, then gives up naming the lock and its holder.
//!
//! The lock file is removed when the lock is released, so nothing is left behind. That is
//! safe because it is removed while still locked, and whoever then obtains a lock checks
//! that the file it locked is still the one the name points to (else it locked a removed
//! file, and tries again).
//!
//! A run killed outright (SIGKILL, the OOM killer) cannot remove its lock file, and a
//! stray `.cutover-lock` in an exports folder gets committed. So every command, also one
//! that only reads, removes the lock files it finds that no process holds
//! ([`remove_stale`]), by the same rule: locked first, then removed only if the name still
//! points to the file locked. A run holding the lock is never disturbed (the lock is not
//! obtained), and a run about to take it finds the file gone and takes a new one.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::diagnostic::{Diagnostic, Error};
use crate::source::{display_name, io_reason};

use super::names::LOCK;

/// How long a run waits for another to finish before giving up.
pub fn wait_budget() -> Duration {
    // Tests of the give-up path set a short wait (debug builds only).
    if cfg!(debug_assertions)
        && let Some(ms) = std::env::var("CUTOVER_LOCK_WAIT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    Duration::from_secs(10)
}

/// The lock files this process holds, so that a nested acquisition of the same directory
/// (recovery run under a run's own locks) does not wait for itself.
static HELD: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Every lock file this process holds (for the signal handler, which removes them).
pub fn held_paths() -> Vec<PathBuf> {
    HELD.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Exclusive locks on the lock files of a set of directories, released (and the files
/// removed) on drop.
pub struct LockSet {
    held: Vec<(PathBuf, File)>,
}

impl LockSet {
    /// Locks every directory of `dirs`, in sorted order, waiting until `deadline` at most.
    pub fn acquire(dirs: &[PathBuf], deadline: Instant) -> Result<LockSet, Error> {
        let mut dirs = dirs.to_vec();
        dirs.sort();
        dirs.dedup();
        let mut set = LockSet { held: Vec::new() };
        for dir in dirs {
            let path = dir.join(LOCK);
            if HELD
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&path)
            {
                continue;
            }
            let file = lock_one(&path, deadline)?;
            HELD.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(path.clone());
            set.held.push((path, file));
        }
        Ok(set)
    }

    /// Whether this set (or an outer one of this process) holds the lock of `dir`.
    pub fn covers(dir: &Path) -> bool {
        HELD.lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&dir.join(LOCK))
    }
}

impl Drop for LockSet {
    fn drop(&mut self) {
        for (path, file) in self.held.drain(..).rev() {
            // Removed while still locked, and only if it is still ours.
            let ours = match (std::fs::symlink_metadata(&path), file.metadata()) {
                (Ok(on_disk), Ok(locked)) => {
                    (on_disk.dev(), on_disk.ino()) == (locked.dev(), locked.ino())
                }
                _ => false,
            };
            if ours {
                let _ = std::fs::remove_file(&path);
            }
            HELD.lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|p| p != &path);
            drop(file);
        }
    }
}

fn lock_one(path: &Path, deadline: Instant) -> Result<File, Error> {
    let name = display_name(path);
    let started = Instant::now();
    loop {
        let file = open(path).map_err(|e| {
            Diagnostic::file(
                &name,
                format!(
                    "cannot create the lock file: {}; nothing was written",
                    io_reason(&e)
                ),
            )
        })?;
        match file.try_lock() {
            Ok(()) => {
                // Locked; but if the holder before removed the file meanwhile, this is a
                // removed file and the lock means nothing: start again.
                let current = std::fs::symlink_metadata(path);
                let locked = file.metadata();
                if let (Ok(current), Ok(locked)) = (current, locked)
                    && (current.dev(), current.ino()) == (locked.dev(), locked.ino())
                {
                    write_holder(&file);
                    return Ok(file);
                }
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                if Instant::now() >= deadline {
                    return Err(Diagnostic::file(
                        &name,
                        format!(
                            "another cutover run is working on these files ({}); gave up after waiting {:.0?}; nothing was written",
                            holder(file),
                            started.elapsed()
                        ),
                    )
                    .into());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Diagnostic::file(
                    &name,
                    format!("cannot lock: {}; nothing was written", io_reason(&e)),
                )
                .into());
            }
        }
    }
}

/// Opens (creating) a lock file, never through a symbolic link; read-only when another
/// user's lock file cannot be opened for writing (a lock needs no write access).
fn open(path: &Path) -> std::io::Result<File> {
    let nofollow = rustix::fs::OFlags::NOFOLLOW.bits() as i32;
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o644)
        .custom_flags(nofollow)
        .open(path)
        .or_else(|e| {
            // A lock file another user left may be locked read-only; when there is none,
            // the directory refused it, and that is the error to tell (not "no such file").
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                OpenOptions::new()
                    .read(true)
                    .custom_flags(nofollow)
                    .open(path)
                    .map_err(|_| e)
            } else {
                Err(e)
            }
        })
}

/// Says who holds the lock, for a run that waits: process, command, start time.
fn write_holder(mut file: &File) {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let command: Vec<String> = std::iter::once("cutover".to_owned())
        .chain(std::env::args().skip(1))
        .collect();
    let text = format!("{} {since} {}\n", std::process::id(), command.join(" "));
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(text.as_bytes()));
}

/// The holder as a waiting run names it: "pid 12, `cutover apply ...`, for 3 s".
fn holder(file: File) -> String {
    match holder_parts(file) {
        Some((pid, since, command)) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            format!(
                "pid {pid}, `{}`, for {} s",
                crate::file_name::shown(&command),
                now.saturating_sub(since)
            )
        }
        None => "its holder did not say who it is".to_owned(),
    }
}

/// What a lock file says of its holder: process ID, start time (seconds since the epoch)
/// and command.
fn holder_parts(mut file: File) -> Option<(String, u64, String)> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    let mut parts = text.trim_end().splitn(3, ' ');
    Some((
        parts.next()?.to_owned(),
        parts.next()?.parse().ok()?,
        parts.next()?.to_owned(),
    ))
}

/// Removes the lock files in `dirs` and the directories above them that no process holds:
/// left by runs that were killed (see the module's notes). Says which on stderr; a lock
/// file that cannot be removed (another user's directory) is left alone.
pub fn remove_stale(dirs: &[PathBuf]) {
    let mut seen = std::collections::HashSet::new();
    for dir in dirs {
        for ancestor in dir.ancestors() {
            if !seen.insert(ancestor.to_path_buf()) {
                break;
            }
            let path = ancestor.join(LOCK);
            if std::fs::symlink_metadata(&path).is_err()
                || HELD
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .contains(&path)
            {
                continue;
            }
            if let Some(holder) = remove_if_unheld(&path) {
                crate::verbosity::note(&format!(
                    "removed {}, left by a cutover run that did not end normally ({holder})",
                    display_name(&super::relative_to_cwd(&path))
                ));
            }
        }
    }
}

/// Removes the lock file at `path` if no process holds its lock, and says whose it was.
fn remove_if_unheld(path: &Path) -> Option<String> {
    let nofollow = rustix::fs::OFlags::NOFOLLOW.bits() as i32;
    // Never created here: only a file that is there is removed.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(nofollow)
        .open(path)
        .ok()?;
    file.try_lock().ok()?;
    let locked = file.metadata().ok()?;
    let current = std::fs::symlink_metadata(path).ok()?;
    if (current.dev(), current.ino()) != (locked.dev(), locked.ino()) || !locked.is_file() {
        return None;
    }
    let holder = match holder_parts(file.try_clone().ok()?) {
        Some((pid, _, command)) => {
            format!("pid {pid}, `{}`", crate::file_name::shown(&command))
        }
        None => "it did not say which".to_owned(),
    };
    // Removed while locked, as a releasing run removes its own.
    std::fs::remove_file(path).ok()?;
    drop(file);
    Some(holder)
}
