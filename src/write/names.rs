//! The names cutover gives the files it creates beside the inputs, and how it recognises
//! them again: temporaries, backups, the journal and the lock.
//!
//! Temporary names are random (`.NAME.cutover-<16 hex digits>.tmp`), never derived from the
//! process ID alone: in a container every run is PID 1, and a leftover of a killed run must
//! never stand in the way of the next. The shape is recognisable, so leftovers are cleaned.

use std::ffi::{OsStr, OsString};
use std::hash::{BuildHasher, Hasher};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The journal of a commit in progress, in the directory that holds every file it covers.
pub const JOURNAL: &str = ".cutover-journal";
/// The lock file, in every directory a run writes or a commit's journal stands in.
pub const LOCK: &str = ".cutover-lock";

/// 64 random bits as hex: std's hasher keys come from the operating system's randomness;
/// the time and a counter make every call differ within the process.
pub fn random_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    format!("{:016x}", hasher.finish())
}

/// A fresh temporary name beside `path`: `.NAME.cutover-<random>.tmp`. A long name is cut
/// so that the temporary's stays within the 255 bytes a name may have.
pub fn temporary(path: &Path) -> PathBuf {
    let base = path.file_name().map_or(&[][..], OsStr::as_bytes);
    let mut name = Vec::with_capacity(base.len() + 28);
    name.push(b'.');
    name.extend_from_slice(&base[..base.len().min(200)]);
    name.extend_from_slice(format!(".cutover-{}.tmp", random_hex()).as_bytes());
    path.with_file_name(OsString::from_vec(name))
}

/// Whether a directory entry is a temporary of some cutover run: this version's shape, or
/// the process-ID one of earlier versions (`.NAME.cutover-PID.tmp`).
pub fn is_temporary(name: &OsStr) -> bool {
    let name = name.as_bytes();
    let Some(stem) = name.strip_suffix(b".tmp") else {
        return false;
    };
    let Some(at) = stem.windows(9).rposition(|w| w == b".cutover-") else {
        return false;
    };
    let tag = &stem[at + 9..];
    name.starts_with(b".")
        && at > 0
        && !tag.is_empty()
        && ((tag.len() == 16 && tag.iter().all(|b| b.is_ascii_hexdigit()))
            || tag.iter().all(u8::is_ascii_digit))
}

/// `FILE.orig`, then `FILE.orig.1`, `FILE.orig.2`, ...: where a backup may go.
pub fn backup_candidates(path: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    (0..).map(move |n| {
        let mut name = path.as_os_str().to_owned();
        name.push(if n == 0 {
            ".orig".to_owned()
        } else {
            format!(".orig.{n}")
        });
        PathBuf::from(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporaries_are_random_and_recognised() {
        let a = temporary(Path::new("dir/a.yaml"));
        let b = temporary(Path::new("dir/a.yaml"));
        assert_ne!(a, b);
        assert_eq!(a.parent(), Some(Path::new("dir")));
        assert!(is_temporary(a.file_name().unwrap()));
        assert!(is_temporary(OsStr::new(".a.yaml.cutover-1234.tmp")));
        assert!(!is_temporary(OsStr::new("a.yaml")));
        assert!(!is_temporary(OsStr::new(".a.yaml.cutover-.tmp")));
        assert!(!is_temporary(OsStr::new(".a.yaml.cutover-xyz.tmp")));
        assert!(!is_temporary(OsStr::new("a.cutover-1234.tmp")));
        let long = "x".repeat(255);
        let t = temporary(Path::new(&long));
        assert!(t.file_name().unwrap().len() <= 255);
    }

    #[test]
    fn backups_are_numbered() {
        let mut names = backup_candidates(Path::new("d/a.yaml"));
        assert_eq!(names.next().unwrap(), Path::new("d/a.yaml.orig"));
        assert_eq!(names.next().unwrap(), Path::new("d/a.yaml.orig.1"));
    }
}
