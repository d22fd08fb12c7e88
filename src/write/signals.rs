//! SIGINT, SIGTERM and SIGHUP during a commit: nothing half-done is left behind.
//!
//! Every file a commit creates (temporaries, backups, the journal) is registered here the
//! moment it is created, under the same lock, so a signal can never miss one. A handler
//! thread (signal-hook: no `unsafe`, nothing done inside the signal handler itself) then
//! removes them and this run's lock files, says so, and exits with 128 + the signal's
//! number. While the originals are being replaced the commit holds that lock, so the
//! handler waits until the replacement is complete: a signal never splits a commit.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

#[derive(Default)]
pub struct Created {
    /// Temporaries and backups, in creation order.
    files: Vec<PathBuf>,
    /// The journal, removed last (while it stands, recovery can undo the rest).
    journal: Option<PathBuf>,
    /// Whether originals have been replaced: the run can no longer be called off.
    committed: bool,
}

static CREATED: Mutex<Created> = Mutex::new(Created {
    files: Vec::new(),
    journal: None,
    committed: false,
});

fn created() -> MutexGuard<'static, Created> {
    CREATED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs the handler (once per process).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let mut state = created();
                let removed = remove(&mut state);
                for lock in super::lock::held_paths() {
                    let _ = std::fs::remove_file(lock);
                }
                let name = match signal {
                    SIGINT => "SIGINT",
                    SIGTERM => "SIGTERM",
                    _ => "SIGHUP",
                };
                if state.committed {
                    eprintln!("cutover: interrupted by {name} after every file was replaced");
                } else if removed > 0 {
                    eprintln!(
                        "cutover: interrupted by {name} before any file was replaced; removed its {removed} temporary files"
                    );
                } else {
                    eprintln!("cutover: interrupted by {name}; no file was changed");
                }
                std::process::exit(128 + signal);
            }
        });
    });
}

/// Creates a file with `open` and registers it, both under the registry's lock.
pub fn create(
    path: &Path,
    open: impl FnOnce(&Path) -> std::io::Result<File>,
) -> std::io::Result<File> {
    let mut state = created();
    let file = open(path)?;
    state.files.push(path.to_path_buf());
    Ok(file)
}

/// Registers the journal (once it stands under its name).
pub fn journal(path: &Path) {
    created().journal = Some(path.to_path_buf());
}

/// Removes everything registered (files first, the journal last): the run failed before
/// replacing anything. Returns how many files were removed.
pub fn discard() -> usize {
    remove(&mut created())
}

fn remove(state: &mut Created) -> usize {
    let mut removed = 0;
    if state.committed {
        return 0;
    }
    for path in state.files.drain(..).rev() {
        removed += usize::from(std::fs::remove_file(path).is_ok());
    }
    if let Some(journal) = state.journal.take() {
        let _ = std::fs::remove_file(journal);
    }
    removed
}

/// The registry, held while originals are replaced (a signal waits for the end).
pub struct Commit(#[allow(dead_code)] MutexGuard<'static, Created>);

/// Enters the replacing: from here the journal, not the handler, owns the files.
pub fn commit() -> Commit {
    let mut state = created();
    state.committed = true;
    state.files.clear();
    state.journal = None;
    Commit(state)
}

/// Holds off signals while recovery replaces or removes files.
pub fn hold() -> MutexGuard<'static, Created> {
    created()
}
