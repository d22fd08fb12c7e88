//! `--exclude GLOB` (and `exclude` in `cutover.toml`): leaving files out of a directory walk.
//!
//! Gitignore syntax, because that is what users already write to leave files out: `NAME`
//! matches at any depth, `/NAME` and `dir/NAME` only from the walked directory, a trailing
//! `/` only directories (and so everything in them), `**` any depth, `!GLOB` takes a file
//! back in (later patterns win). Each pattern is matched against the path of an entry
//! relative to the PATH being walked. Files named on the command line are always read: an
//! exclude only prunes what a walk finds.

use std::path::Path;

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::diagnostic::{Diagnostic, Error};

#[derive(Clone, Debug)]
pub struct Exclude {
    matcher: Gitignore,
    /// The patterns as given, in order (a saved plan records them to search again).
    patterns: Vec<String>,
}

impl Default for Exclude {
    fn default() -> Exclude {
        Exclude::new(&[]).expect("no pattern is valid")
    }
}

impl Exclude {
    /// Compiles the patterns, in order; every bad one is reported.
    pub fn new(patterns: &[String]) -> Result<Exclude, Error> {
        let mut builder = GitignoreBuilder::new(".");
        let mut errors = Vec::new();
        for pattern in patterns {
            match problem(pattern) {
                Some(problem) => errors.push(Diagnostic::plain(format!("--exclude: {problem}"))),
                None => {
                    builder
                        .add_line(None, pattern)
                        .expect("checked by `problem`");
                }
            }
        }
        if !errors.is_empty() {
            return Err(Error::many(errors));
        }
        let matcher = builder
            .build()
            .map_err(|e| Error::plain(format!("--exclude: {e}")))?;
        Ok(Exclude {
            matcher,
            patterns: patterns.to_vec(),
        })
    }

    /// The patterns as given, in order.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// The pattern that leaves out the entry at `relative` (its path relative to the walked
    /// PATH), if one does.
    pub fn excluding(&self, relative: &Path, is_dir: bool) -> Option<&str> {
        match self.matcher.matched(relative, is_dir) {
            Match::Ignore(glob) => Some(glob.original()),
            Match::None | Match::Whitelist(_) => None,
        }
    }
}

/// What is wrong with a pattern, if anything: a glob that does not compile, or a line
/// gitignore reads as nothing (it would exclude nothing, silently).
pub fn problem(pattern: &str) -> Option<String> {
    let bare = pattern.strip_prefix('!').unwrap_or(pattern);
    if bare.trim().trim_matches('/').is_empty() {
        return Some(format!("`{pattern}` names nothing, so it excludes nothing"));
    }
    if pattern.starts_with('#') {
        return Some(format!(
            "`{pattern}` is a comment in gitignore syntax and excludes nothing; write `\\{pattern}` for a name starting with #"
        ));
    }
    GitignoreBuilder::new(".")
        .add_line(None, pattern)
        .err()
        .map(|e| format!("`{pattern}` is not a valid glob: {e}"))
}

/// The `--exclude` argument that leaves out exactly the file at `relative` (relative to
/// the walked PATH), ready to type into a shell: gitignore's special characters escaped, a
/// nested file anchored by its directories, quoted when the shell would split or expand it.
/// A name with a control character (a newline, a tab, an ESC) is written in ANSI-C quotes
/// (`$'nl\nx.yml'`, which bash, zsh and ksh read), so the hint stays on one line, cannot
/// drive the terminal, and hands the shell the name's exact characters.
pub fn suggestion(relative: &Path) -> String {
    let text = relative.to_string_lossy();
    let mut pattern = String::with_capacity(text.len() + 2);
    for (i, c) in text.chars().enumerate() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') || (i == 0 && matches!(c, '!' | '#')) {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    if pattern.ends_with(' ') {
        pattern.insert(pattern.len() - 1, '\\');
    }
    let plain = pattern
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '+' | ','));
    if plain {
        pattern
    } else if pattern.chars().any(char::is_control) {
        let mut quoted = String::from("$'");
        for c in pattern.chars() {
            match c {
                '\\' | '\'' => quoted.extend(['\\', c]),
                '\n' => quoted.push_str("\\n"),
                '\t' => quoted.push_str("\\t"),
                c if c.is_control() => {
                    let mut utf8 = [0; 4];
                    for byte in c.encode_utf8(&mut utf8).bytes() {
                        quoted.push_str(&format!("\\x{byte:02x}"));
                    }
                }
                c => quoted.push(c),
            }
        }
        quoted.push('\'');
        quoted
    } else {
        format!("'{}'", pattern.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exclude(patterns: &[&str]) -> Exclude {
        Exclude::new(&patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn patterns_follow_gitignore() {
        let e = exclude(&[
            "docker-compose.yml",
            "/top.yaml",
            "drafts/",
            "*.bak.json",
            "!keep.bak.json",
        ]);
        assert_eq!(
            e.excluding(Path::new("docker-compose.yml"), false),
            Some("docker-compose.yml")
        );
        assert!(
            e.excluding(Path::new("a/b/docker-compose.yml"), false)
                .is_some()
        );
        assert!(e.excluding(Path::new("top.yaml"), false).is_some());
        assert!(e.excluding(Path::new("sub/top.yaml"), false).is_none());
        assert!(e.excluding(Path::new("drafts"), true).is_some());
        assert!(e.excluding(Path::new("drafts"), false).is_none());
        assert!(e.excluding(Path::new("x/old.bak.json"), false).is_some());
        assert!(e.excluding(Path::new("keep.bak.json"), false).is_none());
        assert!(e.excluding(Path::new("rules.yaml"), false).is_none());
    }

    #[test]
    fn patterns_that_exclude_nothing_are_refused() {
        for bad in ["", "  ", "#x", "{a,b", "!"] {
            assert!(Exclude::new(&[bad.to_owned()]).is_err(), "{bad:?}");
        }
        assert!(Exclude::new(&["\\#x".to_owned()]).is_ok());
    }

    /// What bash makes of `$'...'` (the escapes `suggestion` writes).
    fn unquote_ansi_c(quoted: &str) -> String {
        let mut out = Vec::new();
        let mut chars = quoted.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\\') {
                (_, true) => match chars.next().unwrap() {
                    'n' => out.push(b'\n'),
                    't' => out.push(b'\t'),
                    'x' => {
                        let hex: String = chars.by_ref().take(2).collect();
                        out.push(u8::from_str_radix(&hex, 16).unwrap());
                    }
                    other => out.extend(other.to_string().bytes()),
                },
                (c, false) => out.extend(c.to_string().bytes()),
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_suggestion_excludes_exactly_that_file() {
        for name in [
            "docker-compose.yml",
            "sub/x.yaml",
            "odd [1].json",
            "!bang.yaml",
            "it's.json",
            "#hash.yml",
            "nl\nx.yml",
            "tab\t.yml",
            "esc\u{1b}[31m.yml",
            "it's\n*.json",
        ] {
            let suggested = suggestion(Path::new(name));
            assert!(
                !suggested.chars().any(char::is_control),
                "{name:?}: {suggested}"
            );
            // What the shell hands over.
            let argument = if let Some(quoted) = suggested.strip_prefix("$'") {
                unquote_ansi_c(quoted.strip_suffix('\'').unwrap())
            } else if let Some(quoted) = suggested.strip_prefix('\'') {
                quoted.trim_end_matches('\'').replace("'\\''", "'")
            } else {
                suggested.clone()
            };
            let e = exclude(&[&argument]);
            assert!(
                e.excluding(Path::new(name), false).is_some(),
                "{name}: {suggested}"
            );
            assert!(
                e.excluding(Path::new("other.json"), false).is_none(),
                "{name}: {suggested}"
            );
        }
        assert_eq!(
            suggestion(Path::new("docker-compose.yml")),
            "docker-compose.yml"
        );
    }
}
