//! What a replaced file keeps besides its text: owner and group, extended attributes (ACLs,
//! SELinux labels, user attributes) and its mode; and the checks, made before anything is
//! written, for what would stop a file from being replaced or keeping them.

use std::fs::File;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::source::io_reason;

pub fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

pub fn egid() -> u32 {
    rustix::process::getegid().as_raw()
}

/// Why `dir` will not let this process replace a file owned by `owner`, if it will not: in
/// a sticky directory (such as /tmp) only the file's owner, the directory's owner or root
/// may remove or replace an entry, whatever the permissions say.
pub fn sticky_refusal(dir: &Path, owner: u32) -> Option<String> {
    let meta = std::fs::metadata(dir).ok()?;
    let me = euid();
    let sticky = meta.mode() & 0o1000 != 0;
    (sticky && me != 0 && owner != me && meta.uid() != me).then(|| {
        format!(
            "is owned by another user (uid {owner}) in a sticky directory; only its owner or root may replace it; nothing was written"
        )
    })
}

/// Gives `file` the owner and group `uid`/`gid`, as far as this process may: root may give
/// a file to anyone; another user only to a group of theirs. Returns what could not be kept
/// (a warning), or an error when root itself failed (a real problem).
pub fn copy_owner(file: &File, uid: u32, gid: u32) -> std::io::Result<Option<String>> {
    let (me, my_group) = (euid(), egid());
    if uid == me && gid == my_group {
        return Ok(None);
    }
    if me == 0 {
        std::os::unix::fs::fchown(file, Some(uid), Some(gid))?;
        return Ok(None);
    }
    let group_kept = gid == my_group || std::os::unix::fs::fchown(file, None, Some(gid)).is_ok();
    Ok(match (uid == me, group_kept) {
        (true, true) => None,
        (true, false) => Some(format!(
            "its group (gid {gid}) could not be kept: the new file has your group"
        )),
        (false, true) => Some(format!(
            "its owner (uid {uid}) could not be kept: only root can give a file away, so the new file is yours"
        )),
        (false, false) => Some(format!(
            "its owner and group (uid {uid}, gid {gid}) could not be kept: the new file is yours"
        )),
    })
}

/// Copies every extended attribute of `from` to `to`; returns those that could not be
/// copied, with the reason. A filesystem without extended attributes has none to copy.
pub fn copy_xattrs(from: &Path, to: &File) -> Vec<String> {
    let mut names = vec![0u8; 4096];
    let len = loop {
        match rustix::fs::listxattr(from, &mut names[..]) {
            Ok(len) => break len,
            Err(rustix::io::Errno::RANGE) if names.len() < 1 << 20 => {
                names.resize(names.len() * 4, 0)
            }
            Err(_) => return Vec::new(),
        }
    };
    let mut problems = Vec::new();
    for name in names[..len].split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let shown = String::from_utf8_lossy(name).into_owned();
        let mut value = vec![0u8; 4096];
        let read = loop {
            match rustix::fs::getxattr(from, name, &mut value[..]) {
                Ok(len) => break Ok(len),
                Err(rustix::io::Errno::RANGE) if value.len() < 1 << 20 => {
                    value.resize(value.len() * 4, 0)
                }
                Err(e) => break Err(e),
            }
        };
        let copied = read.and_then(|len| {
            rustix::fs::fsetxattr(to, name, &value[..len], rustix::fs::XattrFlags::empty())
        });
        if let Err(e) = copied {
            problems.push(format!(
                "its extended attribute {shown} could not be kept: {}",
                io_reason(&e.into())
            ));
        }
    }
    problems
}

/// Sets the exact mode (the one a file was created with is reduced by the umask).
pub fn set_mode(file: &File, mode: u32) -> std::io::Result<()> {
    file.set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))
}

/// Makes a directory's entries (files created, renamed or removed in it) durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}
