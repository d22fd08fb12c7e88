//! Saved plans: what was reviewed is exactly what is applied.
//!
//! `diff --save-plan` writes the exact edits of every file together with a SHA-256 of every
//! input, of the mapping and of each profile used. `apply --plan` checks every hash before
//! it touches anything and refuses a stale plan, naming what changed. A plan is a file
//! anyone can edit, so it is not trusted: it may only name export files below its root, and
//! its edits must be exactly those that its mode, mapping and profiles give (they are
//! planned again and compared). A plan whose results are already in place is done, not stale.
//! Names are stored losslessly (bytes in hex when not UTF-8).
//!
//! A plan records its root (the directory its patch is relative to, see `patch_root`) and
//! names every file relative to it, so it applies from any working directory. When the
//! root is gone but the plan was saved inside it, the tree is found again from where the
//! plan is now (the tree moved, with the plan in it), and the run says so.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::decode::decode;
use crate::diagnostic::{Diagnostic, Error};
use crate::edit::{self, Edit};
use crate::file_name as name;
use crate::inputs::{self, Input};
use crate::load::File;
use crate::mapping::Mapping;
use crate::patch_root::{self, PatchRoot};
use crate::plan::{FilePlan, Mode};
use crate::profile::{Profile, Profiles};
use crate::source::{Source, display_name};

/// The saved plan file format (schema_version 1).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "cutover saved plan")]
pub struct SavedPlan {
    /// Always 1.
    pub schema_version: u32,
    /// The cutover version that saved it.
    pub cutover_version: String,
    /// `replace` or `add`.
    pub mode: String,
    /// The directory every relative path here starts from (absolute): the root the patch
    /// names files from. Absent in plans of earlier versions: then the working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// The root's bytes in hex, present when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_hex: Option<String>,
    /// Where the plan was saved, relative to the root, when inside it: a tree that moved
    /// with the plan in it is found again from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_at: Option<String>,
    /// The mapping file (relative to the root, or absolute when outside it).
    pub mapping: Hashed,
    /// Every profile the inputs were read with: a built-in name, or a file (relative to
    /// the root, or absolute), and the hash of its text.
    pub profiles: Vec<Hashed>,
    /// Every input file, changed or not.
    pub files: Vec<PlannedFile>,
    /// The directories among the PATHs (relative to the root; the root itself for one
    /// above it): `apply --plan` searches them again and refuses the plan when an export file
    /// appeared there that it does not cover. Absent when only files were given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub searched: Vec<StoredPath>,
    /// The `--exclude` patterns those searches used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Files in those directories that the run was given in another role (the mapping,
    /// a profile file, a baseline): the search leaves them out again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<StoredPath>,
}

/// A path as a plan stores it (see [`Hashed::path`]).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoredPath {
    pub path: String,
    /// The path's bytes in hex, present when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
}

impl StoredPath {
    /// `resolved` (a physical path), relative to the root when below it.
    fn new(resolved: &Path, root: &Path) -> StoredPath {
        let (path, path_hex) = name::stored(resolved.strip_prefix(root).unwrap_or(resolved));
        StoredPath {
            path: if path.is_empty() { ".".into() } else { path },
            path_hex,
        }
    }

    /// Where it is now: below `root`. A plan is not trusted: a name that climbs out of the
    /// root or starts over (`..`, `/`) is refused, so an edited plan cannot make `apply`
    /// search the whole disk.
    fn resolve(&self, root: &Path, plan_name: &str) -> Result<PathBuf, Error> {
        let path = name::from_stored(&self.path, self.path_hex.as_deref())
            .map_err(|why| Diagnostic::file(plan_name, why))?;
        let below = path.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
        if !below {
            return Err(Diagnostic::file(
                plan_name,
                format!(
                    "{} is not a path below the plan's root; the plan file was altered",
                    name::shown(&self.path)
                ),
            )
            .into());
        }
        Ok(root.join(path))
    }
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hashed {
    pub path: String,
    /// The path's bytes in hex, present when they are not UTF-8 (then `path` is only for
    /// reading, with U+FFFD for the bytes it cannot show).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
    /// SHA-256 of the contents, in hex.
    pub sha256: String,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedFile {
    /// Relative to the root, as the patch names it (never `..`).
    pub path: String,
    /// The path's bytes in hex, present when they are not UTF-8 (then `path` is only for
    /// reading).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
    /// SHA-256 of the file as planned against.
    pub sha256: String,
    /// SHA-256 of the file after the edits; absent when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<PlannedEdit>,
}

/// Replace bytes `start..end` of the original file with `content`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedEdit {
    pub start: usize,
    pub end: usize,
    pub content: String,
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What `apply --plan` may write: an export file (`.json`, `.yaml`, `.yml`) below the
/// plan's root, however the path is spelled and wherever links lead. Checked when a plan
/// is saved and again when it is applied (a plan file can be edited by hand).
pub fn check_plan_path(path: &Path, root: &Path) -> Result<(), String> {
    if !crate::load::is_export_file(path) {
        return Err(
            "is not a .json, .yaml, .yml, .sieve or .siv file; apply --plan writes only export files".into(),
        );
    }
    let root =
        std::fs::canonicalize(root).map_err(|e| format!("cannot resolve the plan's root: {e}"))?;
    let resolved = std::fs::canonicalize(path).or_else(|_| patch_root::physical(path));
    match resolved {
        Ok(resolved) if resolved.starts_with(&root) => Ok(()),
        Ok(_) => Err(format!(
            "is outside {}, the directory the plan's files are named from; apply --plan writes only below it",
            display_name(&root)
        )),
        // A file that is gone is reported as stale by `resolve`.
        Err(_) => Ok(()),
    }
}

/// The tree a plan at `plan_path` is in, when it stands there as it stood when saved
/// (`saved_at`, relative to the tree's root).
fn tree_around(plan_path: &Path, saved_at: &Path) -> Option<PathBuf> {
    let here = patch_root::physical(plan_path).ok()?;
    let depth = saved_at.components().count();
    let tree = here.ancestors().nth(depth)?;
    (here.strip_prefix(tree).ok()? == saved_at).then(|| tree.to_path_buf())
}

/// A path as a plan stores it: relative to the root when below it, else absolute.
fn stored_path(path: &Path, root: &Path) -> (String, Option<String>) {
    let physical = patch_root::physical(path).unwrap_or_else(|_| path.to_path_buf());
    name::stored(physical.strip_prefix(root).unwrap_or(&physical))
}

/// What applying a saved plan comes to.
pub enum Resolution {
    /// Every file with edits already holds its planned result.
    AlreadyApplied,
    /// The inputs as read now (in the plan's order), and each file to write: its index in
    /// `inputs` and its new text.
    Apply {
        inputs: Vec<Input>,
        writes: Vec<(usize, String)>,
        /// Files that already held their result (named in the summary).
        already: Vec<String>,
    },
}

impl SavedPlan {
    /// The plan of these inputs, found in `paths`, its paths relative to `root`;
    /// `saved_to` is where it will be written.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        mode: Mode,
        mapping: &Mapping,
        profiles: &Profiles,
        paths: &inputs::Paths,
        inputs: &[Input],
        plans: &[FilePlan],
        root: &PatchRoot,
        saved_to: &Path,
    ) -> SavedPlan {
        let searched: Vec<PathBuf> = paths
            .given
            .iter()
            .filter(|p| p.is_dir())
            .filter_map(|dir| std::fs::canonicalize(dir).ok())
            .collect();
        let (root_text, root_hex) = name::stored(&root.dir);
        let profile_path = |spec: &str| {
            let builtin = crate::profile::is_builtin;
            if builtin(spec) {
                return (spec.to_owned(), None);
            }
            // A file named like a built-in profile (`./gmail`) is recorded as a path, so
            // that applying the plan reads the file, not the built-in.
            match stored_path(Path::new(spec), &root.dir) {
                (path, None) if builtin(&path) => (format!("./{path}"), None),
                stored => stored,
            }
        };
        SavedPlan {
            schema_version: 1,
            cutover_version: env!("CARGO_PKG_VERSION").to_owned(),
            mode: match mode {
                Mode::Replace => "replace",
                Mode::Add => "add",
            }
            .to_owned(),
            root: Some(root_text),
            root_hex,
            saved_at: patch_root::physical(saved_to)
                .ok()
                .and_then(|p| p.strip_prefix(&root.dir).ok()?.to_str().map(str::to_owned)),
            mapping: {
                let (path, path_hex) = stored_path(&mapping.source.path, &root.dir);
                Hashed {
                    path,
                    path_hex,
                    sha256: sha256(mapping.source.text.as_bytes()),
                }
            },
            profiles: profiles
                .iter()
                .enumerate()
                .filter(|(index, _)| inputs.iter().any(|input| input.profile == *index))
                .map(|(_, (spec, profile))| {
                    let (path, path_hex) = profile_path(spec);
                    Hashed {
                        path,
                        path_hex,
                        sha256: sha256(profile.text.as_bytes()),
                    }
                })
                .collect(),
            files: inputs
                .iter()
                .zip(plans)
                .map(|(input, plan)| PlannedFile {
                    path: name::stored(&root.name(&input.file.source.path)).0,
                    path_hex: name::stored(&root.name(&input.file.source.path)).1,
                    sha256: sha256(input.file.source.text.as_bytes()),
                    result_sha256: (!plan.is_empty())
                        .then(|| sha256(plan.new_text(&input.file.source).as_bytes())),
                    edits: plan
                        .edits
                        .iter()
                        .map(|e| PlannedEdit {
                            start: e.range.start,
                            end: e.range.end,
                            content: e.content.to_string(),
                        })
                        .collect(),
                })
                .collect(),
            // (A directory outside the root holds none of the files (or `--relative=DIR`
            // chose a root below it): only what is below the root can be planned, so the
            // root stands for it, or, apart from it, nothing.)
            searched: searched
                .iter()
                .filter_map(|dir| {
                    if dir.starts_with(&root.dir) {
                        Some(dir)
                    } else {
                        root.dir.starts_with(dir).then_some(&root.dir)
                    }
                })
                .map(|dir| StoredPath::new(dir, &root.dir))
                .collect(),
            exclude: if searched.is_empty() {
                Vec::new()
            } else {
                paths.exclude.patterns().to_vec()
            },
            left_out: paths
                .own
                .iter()
                .filter_map(|own| patch_root::physical(&own.path).ok())
                .filter(|own| own.starts_with(&root.dir))
                .filter(|own| searched.iter().any(|dir| own.starts_with(dir)))
                .map(|own| StoredPath::new(&own, &root.dir))
                .collect(),
        }
    }

    /// Writes the plan as it is serialized: the plan of a large export is megabytes of
    /// JSON, and held whole it was a third more memory on top of the run's.
    pub fn write(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }

    pub fn read(path: &Path) -> Result<SavedPlan, Error> {
        // Parsed, not read as an input: a plan says what is wrong with it in its own terms.
        let file = File::parse(Source::read(path)?)?;
        let [doc] = file.docs() else {
            return Err(Diagnostic::file(
                &file.source.name,
                "a plan file holds exactly one document",
            )
            .into());
        };
        let plan: SavedPlan = decode(&file.source, doc, "invalid plan")?;
        if plan.schema_version != 1 {
            return Err(Diagnostic::file(
                &file.source.name,
                format!(
                    "unsupported plan schema_version {} (expected 1)",
                    plan.schema_version
                ),
            )
            .into());
        }
        Ok(plan)
    }

    /// The directory the plan's paths start from, and what to tell about it. A plan saved
    /// inside its tree applies to the tree it is in now, when that tree holds its files (a
    /// copied or moved tree takes its plan along); otherwise the recorded root. A plan of
    /// an earlier version, which records none, starts from the working directory.
    pub fn root(
        &self,
        plan_path: &Path,
        plan_name: &str,
    ) -> Result<(PathBuf, Option<String>), Error> {
        let Some(text) = &self.root else {
            return Ok((patch_root::working_directory()?, None));
        };
        let recorded = name::from_stored(text, self.root_hex.as_deref())
            .map_err(|why| Diagnostic::file(plan_name, why))?;
        if !recorded.is_absolute() {
            return Err(Diagnostic::file(
                plan_name,
                format!(
                    "its root {} is not absolute; the plan file was altered",
                    name::shown(text)
                ),
            )
            .into());
        }
        let around_plan = self
            .saved_at
            .as_deref()
            .and_then(|saved_at| tree_around(plan_path, Path::new(saved_at)))
            .filter(|tree| *tree == recorded || self.all_files_in(tree));
        match around_plan {
            Some(tree) if tree == recorded => Ok((recorded, None)),
            Some(tree) => {
                let why = if recorded.is_dir() {
                    "it is now in a copy of that tree"
                } else {
                    "that tree is not there any more: it moved, with the plan"
                };
                let note = format!(
                    "{plan_name} was saved in {}; {why}, so it applies to the files in {}",
                    display_name(&recorded),
                    display_name(&tree)
                );
                Ok((tree, Some(note)))
            }
            None if recorded.is_dir() => Ok((recorded, None)),
            None => Err(Diagnostic::file(
                plan_name,
                format!(
                    "the plan was saved in {}, which is not there any more (the tree moved or was removed), and the plan is not where it was in that tree, so the tree cannot be found from it; keep the plan inside the tree when moving it, or run `cutover diff --save-plan` again where the files are now",
                    display_name(&recorded)
                ),
            )
            .into()),
        }
    }

    /// Whether every file the plan names is under `tree`.
    fn all_files_in(&self, tree: &Path) -> bool {
        self.files.iter().all(|file| {
            name::from_stored(&file.path, file.path_hex.as_deref())
                .is_ok_and(|path| std::fs::symlink_metadata(tree.join(path)).is_ok())
        })
    }

    /// The files the plan names, each checked to be one `apply --plan` may write; each as
    /// a person in the working directory names it.
    pub fn file_paths(&self, root: &Path, plan_name: &str) -> Result<Vec<PathBuf>, Error> {
        let cwd = patch_root::working_directory()?;
        let legacy = self.root.is_none();
        let mut paths = Vec::new();
        let mut errors = Vec::new();
        for file in &self.files {
            match name::from_stored(&file.path, file.path_hex.as_deref()) {
                // A root-relative name never climbs or starts over (earlier versions saved
                // absolute names below the working directory, checked below).
                Ok(path)
                    if !legacy
                        && !path
                            .components()
                            .all(|c| matches!(c, std::path::Component::Normal(_))) =>
                {
                    errors.push(Diagnostic::file(
                        &display_name(&path),
                        format!(
                            "is not a path below the plan's root; refusing the plan {plan_name}"
                        ),
                    ))
                }
                Ok(path) => match check_plan_path(&root.join(&path), root) {
                    Ok(()) => paths.push(patch_root::relative_to(&root.join(&path), &cwd)),
                    Err(why) => errors.push(Diagnostic::file(
                        &display_name(&path),
                        format!("{why}; refusing the plan {plan_name}"),
                    )),
                },
                Err(why) => errors.push(Diagnostic::file(plan_name, why)),
            }
        }
        if errors.is_empty() {
            Ok(paths)
        } else {
            Err(Error::many(errors))
        }
    }

    /// The export files a search of the plan's directories finds now that the plan does not
    /// cover (a file added after it was saved, which applying it would leave unmigrated).
    /// `own` names the files the search leaves out besides those the plan recorded.
    fn appeared(
        &self,
        root: &Path,
        plan_name: &str,
        planned: &[PathBuf],
        mut own: inputs::Paths,
    ) -> Result<Vec<PathBuf>, Error> {
        if self.searched.is_empty() {
            return Ok(Vec::new());
        }
        let cwd = patch_root::working_directory()?;
        for left_out in &self.left_out {
            own = own.own(
                "file it was given in another role when the plan was saved",
                Some(&left_out.resolve(root, plan_name)?),
            );
        }
        let search = inputs::Paths {
            given: self
                .searched
                .iter()
                .map(|dir| {
                    Ok(patch_root::relative_to(
                        &dir.resolve(root, plan_name)?,
                        &cwd,
                    ))
                })
                .collect::<Result<_, Error>>()?,
            exclude: crate::exclude::Exclude::new(&self.exclude).map_err(|e| {
                Error::many(
                    e.diagnostics
                        .into_iter()
                        .map(|d| {
                            Diagnostic::file(
                                plan_name,
                                format!("{}; the plan file was altered", d.message),
                            )
                        })
                        .collect(),
                )
            })?,
            own: own.own,
            found_in: Vec::new(),
        };
        let covered: std::collections::HashSet<PathBuf> = planned
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        // A saved plan or a baseline kept there is left out as the plan's run left it out.
        let own_output = |path: &Path| {
            Source::read(path)
                .ok()
                .and_then(|source| crate::load::File::parse(source).ok())
                .is_some_and(|file| inputs::own_output(&file).is_some())
        };
        Ok(crate::load::find_inputs(&search)?
            .into_iter()
            .filter(|found| {
                std::fs::canonicalize(found).map_or(true, |resolved| !covered.contains(&resolved))
                    && !own_output(found)
            })
            .collect())
    }

    /// Checks every hash against the files as they are now, plans them again from the
    /// saved mode, mapping and profile, and returns each file to write with its new text.
    /// A stale plan is an error naming everything that changed; an altered one (edits that
    /// are not what the mapping gives, or not the promised result) is refused.
    pub fn resolve(
        &self,
        root: &Path,
        plan_path: &Path,
        plan_name: &str,
    ) -> Result<Resolution, Error> {
        let paths = self.file_paths(root, plan_name)?;
        let cwd = patch_root::working_directory()?;
        let mut stale = Vec::new();
        let stale_file = |path: &str, why: &str| {
            Diagnostic::file(
                path,
                format!(
                    "stale plan: {why} since {plan_name} was saved; run `cutover diff --save-plan` again"
                ),
            )
        };
        let altered = |path: &Path, what: &str| {
            Diagnostic::file(
                &display_name(path),
                format!("{what} in {plan_name}; the plan file was altered"),
            )
        };
        let mapping_path = name::from_stored(&self.mapping.path, self.mapping.path_hex.as_deref())
            .map(|p| patch_root::relative_to(&root.join(p), &cwd))
            .map_err(|why| Diagnostic::file(plan_name, why))?;
        let mut profile_specs = Vec::new();
        for saved in &self.profiles {
            profile_specs.push(if crate::profile::is_builtin(&saved.path) {
                saved.path.clone()
            } else {
                let stored = name::from_stored(&saved.path, saved.path_hex.as_deref())
                    .map_err(|why| Diagnostic::file(plan_name, why))?;
                let path = patch_root::relative_to(&root.join(stored), &cwd)
                    .to_string_lossy()
                    .into_owned();
                // (A file named like a built-in profile is read as the file.)
                match crate::profile::is_builtin(&path) {
                    true => format!("./{path}"),
                    false => path,
                }
            });
        }
        let mapping_shown = display_name(&mapping_path);
        match Source::read(&mapping_path) {
            Ok(source) if sha256(source.text.as_bytes()) == self.mapping.sha256 => {}
            Ok(_) => stale.push(stale_file(&mapping_shown, "the mapping changed")),
            Err(_) => stale.push(stale_file(&mapping_shown, "the mapping is gone")),
        }
        for (spec, saved) in profile_specs.iter().zip(&self.profiles) {
            match Profile::resolve(spec) {
                Ok(profile) if sha256(profile.text.as_bytes()) == saved.sha256 => {}
                Err(_) if std::fs::symlink_metadata(spec).is_err() => {
                    stale.push(stale_file(&name::shown(spec), "the profile is gone"))
                }
                _ => stale.push(stale_file(&name::shown(spec), "the profile changed")),
            }
        }
        let mut own = inputs::Paths::default()
            .own("plan", Some(plan_path))
            .own("mapping", Some(&mapping_path));
        for spec in &profile_specs {
            if !crate::profile::is_builtin(spec) {
                own = own.own("profile", Some(Path::new(spec)));
            }
        }
        for appeared in self.appeared(root, plan_name, &paths, own)? {
            stale.push(stale_file(
                &display_name(&appeared),
                "this export file appeared in a directory the plan searched",
            ));
        }
        // Each file holds what the plan was made against (pending, when it has edits), or
        // already its result.
        let mut pending = Vec::new();
        let mut already = Vec::new();
        for (planned, path) in self.files.iter().zip(&paths) {
            let source = match Source::read(path) {
                Ok(source) => source,
                Err(_) if std::fs::symlink_metadata(path).is_err() => {
                    stale.push(stale_file(&display_name(path), "the file is gone"));
                    continue;
                }
                Err(e) => {
                    stale.extend(e.diagnostics);
                    continue;
                }
            };
            let hash = sha256(source.text.as_bytes());
            if hash == planned.sha256 {
                // Planned again below, with edits or without: an entry whose edits and
                // result were deleted must not pass for a file the plan leaves alone.
                pending.push((planned, path));
            } else if planned.result_sha256.as_ref() == Some(&hash) {
                already.push(display_name(path));
            } else {
                stale.push(stale_file(&display_name(path), "the file changed"));
            }
        }
        if !stale.is_empty() {
            return Err(Error::many(stale));
        }
        if !already.is_empty() && pending.iter().all(|(p, _)| p.result_sha256.is_none()) {
            return Ok(Resolution::AlreadyApplied);
        }
        let mode = match self.mode.as_str() {
            "replace" => Mode::Replace,
            "add" => Mode::Add,
            other => {
                return Err(Diagnostic::file(
                    plan_name,
                    format!("unknown mode {:?} (replace or add)", name::shown(other)),
                )
                .into());
            }
        };
        // One profile recorded: it read every file (given, or the default of the one kind
        // there was); more: the defaults of each kind.
        let given = match profile_specs.as_slice() {
            [one] => Some(one.as_str()),
            _ => None,
        };
        let profiles = Profiles::resolve(given)?;
        let mapping = Mapping::read(&mapping_path)?;
        let inputs = inputs::load(
            &inputs::Paths::files(paths.clone()),
            &profiles,
            inputs::Trees::AsNeeded(mode.reads()),
        )?;
        let plans = inputs::plan_all(&inputs, &mapping, mode)?;
        let mut writes = Vec::new();
        let mut problems = Vec::new();
        // (Two names of one file read it once: by a link, or spelt apart, `a/./b` and `a/b`.)
        let mut named = vec![false; inputs.len()];
        for (planned, path) in pending {
            let index = inputs.iter().position(|i| &i.file.source.path == path);
            let unedited = planned.edits.is_empty() && planned.result_sha256.is_none();
            let Some(index) = index.filter(|&i| !std::mem::replace(&mut named[i], true)) else {
                // Two names of one file the plan leaves alone (identical exports merged
                // into one by a link since: read once, under the other name): nothing to
                // write twice.
                if !unedited {
                    problems.push(altered(path, "the same file is named twice"));
                }
                continue;
            };
            let source = &inputs[index].file.source;
            if sha256(source.text.as_bytes()) != planned.sha256 {
                problems.push(stale_file(&display_name(path), "the file changed"));
                continue;
            }
            let plan = &plans[index];
            let same_edits = plan.edits.len() == planned.edits.len()
                && plan
                    .edits
                    .iter()
                    .zip(&planned.edits)
                    .all(|(derived, saved)| {
                        derived.range.start == saved.start
                            && derived.range.end == saved.end
                            && derived.content.as_str() == saved.content
                    });
            if !same_edits {
                problems.push(altered(
                    path,
                    "the edits are not those its mode, mapping and profiles give",
                ));
                continue;
            }
            if unedited {
                // A file the plan leaves alone, as planning it again does.
                continue;
            }
            let Some(text) = apply_edits(&source.text, &planned.edits) else {
                problems.push(altered(path, "the edits do not fit the file"));
                continue;
            };
            if planned.result_sha256.as_deref() != Some(sha256(text.as_bytes()).as_str()) {
                problems.push(altered(
                    path,
                    "the edits do not give the result they promise",
                ));
                continue;
            }
            writes.push((index, text));
        }
        if !problems.is_empty() {
            return Err(Error::many(problems));
        }
        Ok(Resolution::Apply {
            inputs,
            writes,
            already,
        })
    }
}

/// Applies saved edits, or `None` when they do not fit the text.
fn apply_edits(text: &str, planned: &[PlannedEdit]) -> Option<String> {
    let edits: Vec<Edit> = planned
        .iter()
        .map(|e| Edit::replace(e.start..e.end, e.content.clone()))
        .collect();
    let fits = edits.iter().all(|e| {
        e.range.start <= e.range.end
            && e.range.end <= text.len()
            && text.is_char_boundary(e.range.start)
            && text.is_char_boundary(e.range.end)
    });
    if !fits {
        return None;
    }
    let edits = edit::normalize(edits).ok()?;
    Some(edit::apply(text, &edits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn edits_that_do_not_fit_are_refused() {
        let edit = |start, end| PlannedEdit {
            start,
            end,
            content: "x".into(),
        };
        assert_eq!(apply_edits("abc", &[edit(1, 2)]).as_deref(), Some("axc"));
        assert!(apply_edits("abc", &[edit(2, 9)]).is_none());
        assert!(apply_edits("é", &[edit(1, 2)]).is_none());
        assert!(apply_edits("abc", &[edit(0, 2), edit(1, 3)]).is_none());
    }
}
