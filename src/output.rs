//! The files a run writes besides the exports `apply` rewrites — a saved plan
//! (`diff --save-plan`), a baseline (`check --write-baseline`), a mapping (`map -o`) — may
//! replace only a file of their own kind.
//!
//! Such a file is named by hand, often beside the exports, and a search leaves it out as
//! the run's own file. Named after an export, the mapping or `cutover.toml` by a slip
//! (`--save-plan export/rules.yaml`), it would be silently skipped and then overwritten:
//! the command that promises to write nothing else would destroy an input and exit 0. So
//! an existing file is replaced only when it is empty or already holds what the run
//! writes (an earlier plan, baseline or mapping); anything else is exit 2, nothing written.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Error};
use crate::load::{File, Format};
use crate::node::Node;
use crate::source::{Source, display_name, io_reason};

/// What a run writes, and how an earlier one is recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// `diff --save-plan`: top-level `cutover_version` and `files`.
    Plan,
    /// `check --write-baseline`: top-level `findings`.
    Baseline,
    /// `map -o`: `accounts` or `addresses` mapping old to new.
    Mapping,
}

impl Output {
    pub fn noun(self) -> &'static str {
        match self {
            Output::Plan => "a saved plan",
            Output::Baseline => "a baseline",
            Output::Mapping => "a mapping file",
        }
    }

    /// Whether `file` is one that a run of this kind wrote.
    pub fn holds(self, file: &File) -> bool {
        let docs = file.top_levels();
        match self {
            Output::Plan => docs.len() == 1 && has_keys(&docs[0], &["cutover_version", "files"]),
            Output::Baseline => docs.len() == 1 && has_keys(&docs[0], &["findings"]),
            Output::Mapping => crate::inputs::mapping_file_at(file).is_some(),
        }
    }
}

fn has_keys(doc: &Node, keys: &[&str]) -> bool {
    doc.entries()
        .is_some_and(|entries| keys.iter().all(|k| entries.iter().any(|e| e.key == *k)))
}

/// Writes `output` to `path` as `write` produces it, through a buffer: a plan or a
/// baseline of a large export is megabytes, never held whole. An error names the file and
/// says why in plain words.
pub fn write(
    path: &Path,
    output: Output,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), Error> {
    let written = std::fs::File::create(path).and_then(|file| {
        let mut out = std::io::BufWriter::new(file);
        write(&mut out)?;
        std::io::Write::flush(&mut out)
    });
    written.map_err(|e| {
        let noun = match output {
            Output::Plan => "plan",
            Output::Baseline => "baseline",
            Output::Mapping => "mapping",
        };
        // "No such file" of a file being created is its directory's absence: name it.
        let reason = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) if e.kind() == std::io::ErrorKind::NotFound && !dir.is_dir() => {
                format!("the directory {} does not exist", display_name(dir))
            }
            _ => io_reason(&e),
        };
        Error::plain(format!(
            "{}: cannot write the {noun}: {reason}",
            display_name(path)
        ))
    })
}

/// Refuses to write `output` at `path` when a file is there that is neither empty nor an
/// earlier file of the same kind (see the module docs). A path where nothing is may be
/// written; a link is judged by the file it leads to, which is what would be replaced.
pub fn may_replace(path: &Path, output: Output) -> Result<(), Error> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    let refuse = |what: &str| {
        let noun = output.noun();
        Error::from(Diagnostic::file(
            &display_name(path),
            format!(
                "{what}, not {noun}: refusing to replace it with {noun} (nothing was written); name a new file, or remove this one first"
            ),
        ))
    };
    // A directory, a FIFO, an unreadable or too large file: `Source::read` says which.
    let source = Source::read(path)?;
    if source.text.trim().is_empty() {
        return Ok(());
    }
    if Format::by_extension(path) == Some(Format::Sieve) {
        return Err(refuse("is a Sieve script"));
    }
    if path
        .file_name()
        .is_some_and(|n| n == crate::config::FILE_NAME)
    {
        return Err(refuse("is the config file"));
    }
    let file = match File::parse(source) {
        Ok(file) if output.holds(&file) => return Ok(()),
        Ok(file) => file,
        Err(_) => return Err(refuse("holds something else, which does not parse")),
    };
    // What it is, when it is one of the files a run reads or writes.
    let other = [Output::Plan, Output::Baseline, Output::Mapping]
        .into_iter()
        .find(|o| o.holds(&file))
        .map(|o| format!("holds {}", o.noun()));
    Err(refuse(&other.unwrap_or_else(
        || match crate::inputs::has_export_keys(&file) {
            true => "holds an export".to_owned(),
            false => "holds something else".to_owned(),
        },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cutover-output-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn an_output_replaces_only_its_own_kind() {
        let export = "schema_version: 1\nrules: []\n";
        let mapping = "schema_version: 1\naccounts:\n  a: b\n";
        let plan = "{\"schema_version\": 1, \"cutover_version\": \"0.1.0\", \"files\": []}";
        let baseline = "{\"schema_version\": 1, \"findings\": []}";
        let cases = [
            ("rules.yaml", export, Output::Plan, false),
            ("rules.yaml", export, Output::Baseline, false),
            ("rules.yaml", export, Output::Mapping, false),
            ("mapping.yaml", mapping, Output::Plan, false),
            ("mapping.yaml", mapping, Output::Mapping, true),
            (
                "cutover.toml",
                "mapping = \"m.yaml\"\n",
                Output::Plan,
                false,
            ),
            ("main.sieve", "keep;\n", Output::Baseline, false),
            ("plan.json", plan, Output::Plan, true),
            ("plan.json", plan, Output::Baseline, false),
            ("base.json", baseline, Output::Baseline, true),
            ("empty.json", "", Output::Plan, true),
            ("blank.yaml", "\n  \n", Output::Mapping, true),
        ];
        let dir = scratch();
        for (name, text, output, allowed) in cases {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            assert_eq!(
                may_replace(&path, output).is_ok(),
                allowed,
                "{name} as {output:?}"
            );
        }
        // The refusal says what the file is, when it is one cutover knows.
        for (name, output, what) in [
            (
                "rules.yaml",
                Output::Plan,
                "holds an export, not a saved plan",
            ),
            (
                "mapping.yaml",
                Output::Baseline,
                "holds a mapping file, not a baseline",
            ),
            (
                "plan.json",
                Output::Mapping,
                "holds a saved plan, not a mapping file",
            ),
            (
                "cutover.toml",
                Output::Plan,
                "is the config file, not a saved plan",
            ),
        ] {
            let e = may_replace(&dir.join(name), output).unwrap_err();
            let message = &e.diagnostics[0].message;
            assert!(message.starts_with(what), "{name}: {message}");
        }
        let e = write(&dir.join("no-dir/plan.json"), Output::Plan, |_| Ok(())).unwrap_err();
        let message = &e.diagnostics[0].message;
        assert!(message.ends_with("no-dir does not exist"), "{message}");
        assert!(may_replace(&dir.join("new.json"), Output::Plan).is_ok());
        assert!(may_replace(&dir, Output::Plan).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
