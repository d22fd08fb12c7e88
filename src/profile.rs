//! Profiles: where an export format keeps its account and address references, as data.
//!
//! A profile is a list of RFC 9535 JSONPath selectors, each marked with the kind of value it
//! selects, plus where accounts are declared and how to name the setting that holds a
//! reference. The built-in `missive` profile describes the app's own export; users bring
//! their own for other tools. Every command finds references through a profile, so there is
//! one path from selectors to edits whatever the format.

use std::path::Path;

use jsonpath_rust::parser::model::JpQuery;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::decode::decode;
use crate::diagnostic::{Diagnostic, Error};
use crate::load::{File, Format};
use crate::node::{Node, Span};
use crate::source::Source;

/// The profile file format (schema_version 1).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "cutover profile")]
pub struct ProfileFile {
    /// Always 1.
    pub schema_version: u32,
    /// Short name, shown in summaries.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// When set, every export document must carry `schema_version` with this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_schema_version: Option<u32>,
    /// Where references are.
    pub references: Vec<SelectorSpec>,
    /// Where accounts and addresses are declared, for `check`'s dangling test.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declarations: Vec<DeclarationSpec>,
    /// The settings that hold references, to name them in summaries and findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holders: Vec<HolderSpec>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectorSpec {
    /// An RFC 9535 JSONPath. It must select strings, or lists of strings.
    pub path: String,
    pub kind: Kind,
    #[serde(default)]
    pub note: String,
    /// How the review names this place within its setting: `{field}` takes a field of the
    /// mapping around the value (e.g. `condition {field} {op}`). The note by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What transition mode (`--mode add`) does with a reference here.
    #[serde(default, skip_serializing_if = "AddRule::is_keep")]
    pub add: AddRule,
}

/// What `--mode add` does with a reference, so both the old and the new account are
/// covered while both exist.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AddRule {
    /// The location holds one value: it stays as it is, left for the cutover.
    #[default]
    Keep,
    /// The location holds a value or a list: the new value is added right after the old
    /// one (a single value becomes a list of both). For `address-in-text`, the new value is
    /// the text with its mapped addresses replaced (a Sieve `:contains` key).
    List,
    /// The setting holding the reference is copied right after itself for the new value
    /// (the holder's `copy_without` fields left out).
    Copy,
}

impl AddRule {
    fn is_keep(&self) -> bool {
        *self == AddRule::Keep
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclarationSpec {
    pub path: String,
    pub kind: Kind,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HolderSpec {
    /// Selects the settings (a rule, an alias); a reference belongs to the one it is inside.
    pub path: String,
    /// The group name used in summaries, e.g. `rules`.
    pub name: String,
    /// How to name one setting: `{field}` is replaced by that field's value;
    /// `{a|b}` takes the first field present; `{@line}` is the line the setting starts on.
    pub label: String,
    /// Fields that identify a setting: two settings in one list with the same values here
    /// are the same setting (a copy is not added twice; in replace mode the old one goes
    /// when the new one exists).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity: Vec<String>,
    /// Fields left out of a copy made in add mode (an `id` the app assigns anew).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub copy_without: Vec<String>,
}

/// What a selected string holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The whole string is an account ID (opaque, compared exactly).
    Account,
    /// The whole string is an email address (compared case-insensitively).
    Address,
    /// Mapped addresses are replaced where they appear as whole addresses inside the text.
    AddressInText,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Account => "account",
            Kind::Address => "address",
            Kind::AddressInText => "address-in-text",
        }
    }
}

/// A compiled selector.
#[derive(Debug)]
pub struct Selector {
    pub path: String,
    pub query: JpQuery,
    pub kind: Kind,
    pub note: String,
    /// How the review names the place (see [`SelectorSpec::label`]).
    pub label: String,
    pub add: AddRule,
}

#[derive(Debug)]
pub struct Holder {
    pub query: JpQuery,
    pub name: String,
    pub label: String,
    pub identity: Vec<String>,
    pub copy_without: Vec<String>,
}

/// A loaded, compiled profile.
#[derive(Debug)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub export_schema_version: Option<u32>,
    pub references: Vec<Selector>,
    pub declarations: Vec<(JpQuery, Kind)>,
    pub holders: Vec<Holder>,
    /// The profile's own text, for `profiles show`.
    pub text: String,
}

/// The built-in profile of the app's own export (whose format `validate` knows).
pub const APP: &str = "missive";

/// The built-in profiles, by name, as shipped text.
pub const BUILTIN: &[(&str, &str)] = &[
    (APP, include_str!("profiles/missive.yaml")),
    ("gmail", include_str!("profiles/gmail.yaml")),
    ("graph", include_str!("profiles/graph.yaml")),
    ("sieve", include_str!("profiles/sieve.yaml")),
];

/// Whether `spec` names a built-in profile (not a profile file).
pub fn is_builtin(spec: &str) -> bool {
    BUILTIN.iter().any(|(name, _)| *name == spec)
}

/// The built-in profile for a file of this kind, used when no `--profile` is given.
pub fn default_for(format: Format) -> &'static str {
    match format {
        Format::Sieve => "sieve",
        Format::Json | Format::Yaml => APP,
    }
}

/// The profiles of a run, resolved once: the one `--profile` names, for every input; or,
/// without it, the built-in profile of each input's kind ([`default_for`]), so that one run
/// covers an exports folder that holds Sieve scripts beside JSON and YAML exports.
#[derive(Debug)]
pub struct Profiles {
    /// Each profile with its name or file as given (as saved plans record it).
    all: Vec<(String, Profile)>,
    given: bool,
}

impl Profiles {
    pub fn resolve(given: Option<&str>) -> Result<Profiles, Error> {
        let specs: Vec<&str> = match given {
            Some(spec) => vec![spec],
            None => vec![default_for(Format::Json), default_for(Format::Sieve)],
        };
        let all = crate::diagnostic::collect(
            specs
                .into_iter()
                .map(|spec| Ok((spec.to_owned(), Profile::resolve(spec)?))),
        )?;
        Ok(Profiles {
            all,
            given: given.is_some(),
        })
    }

    /// Which profile (an index for [`Profiles::get`]) reads a file of this kind.
    pub fn index_for(&self, format: Format) -> usize {
        if self.given {
            return 0;
        }
        let name = default_for(format);
        self.all
            .iter()
            .position(|(spec, _)| spec == name)
            .unwrap_or(0)
    }

    pub fn get(&self, index: usize) -> &Profile {
        &self.all[index].1
    }

    /// Each profile with its name or file as given.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Profile)> {
        self.all
            .iter()
            .map(|(spec, profile)| (spec.as_str(), profile))
    }
}

impl Profile {
    /// Every selector: the holders', then the references', then the declarations' (the
    /// order in which their results are read back).
    pub fn queries(&self) -> Vec<&JpQuery> {
        self.holders
            .iter()
            .map(|h| &h.query)
            .chain(self.references.iter().map(|r| &r.query))
            .chain(self.declarations.iter().map(|(q, _)| q))
            .collect()
    }

    /// A built-in profile by name, or a profile file by path.
    pub fn resolve(spec: &str) -> Result<Profile, Error> {
        match BUILTIN.iter().find(|(name, _)| *name == spec) {
            Some((name, text)) => Profile::from_source(Source::from_text(
                &format!("<built-in profile {name}>"),
                text,
            )),
            None if Path::new(spec).exists() => {
                Profile::from_source(Source::read(Path::new(spec))?)
            }
            None => Err(Error::plain(format!(
                "no profile named '{spec}' and no such file (built-in profiles: {})",
                BUILTIN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    pub fn from_source(source: Source) -> Result<Profile, Error> {
        let file = File::parse(source)?;
        let source = &file.source;
        let [doc] = file.docs() else {
            return Err(Diagnostic::file(
                &source.name,
                "a profile file holds exactly one document",
            )
            .into());
        };
        let spec: ProfileFile = decode(source, doc, "invalid profile")?;
        crate::decode::schema_version(source, doc, spec.schema_version, "profile")?;
        if spec.references.is_empty() {
            // It would find nothing anywhere, and `check` would pass on any export.
            let site = doc.field("references").map_or(doc.site(), Node::site);
            return Err(Diagnostic::at(
                source,
                site,
                "a profile needs at least one reference selector: with none it finds no \
                 reference anywhere, and `check` passes on any export",
            )
            .into());
        }
        let path_node = |list: &str, i: usize| {
            doc.field(list)
                .and_then(|l| l.items()?.get(i))
                .and_then(|item| item.field("path"))
        };
        let compile =
            |list: &str, i: usize, path: &str| compile_path(source, path_node(list, i), path);
        let references =
            crate::diagnostic::collect(spec.references.iter().enumerate().map(|(i, s)| {
                Ok(Selector {
                    query: compile("references", i, &s.path)?,
                    path: s.path.clone(),
                    kind: s.kind,
                    note: s.note.clone(),
                    label: s.label.clone().unwrap_or_else(|| s.note.clone()),
                    add: s.add,
                })
            }))?;
        let declarations = crate::diagnostic::collect(
            spec.declarations
                .iter()
                .enumerate()
                .map(|(i, d)| Ok((compile("declarations", i, &d.path)?, d.kind))),
        )?;
        let holders = crate::diagnostic::collect(spec.holders.iter().enumerate().map(|(i, h)| {
            Ok(Holder {
                query: compile("holders", i, &h.path)?,
                name: h.name.clone(),
                label: h.label.clone(),
                identity: h.identity.clone(),
                copy_without: h.copy_without.clone(),
            })
        }))?;
        Ok(Profile {
            name: spec.name,
            description: spec.description,
            export_schema_version: spec.export_schema_version,
            references,
            declarations,
            holders,
            text: source.text.clone(),
        })
    }
}

/// Compiles a JSONPath; an invalid one is reported at its position inside the expression.
fn compile_path(source: &Source, node: Option<&Node>, path: &str) -> Result<JpQuery, Error> {
    let query = parse_path(source, node, path)?;
    crate::select::well_typed(&query).map_err(|why| {
        let message = format!("invalid JSONPath: {why}: {path}");
        match node {
            Some(node) => Diagnostic::at(source, node.span, message),
            None => Diagnostic::file(&source.name, message),
        }
    })?;
    Ok(query)
}

fn parse_path(source: &Source, node: Option<&Node>, path: &str) -> Result<JpQuery, Error> {
    jsonpath_rust::parser::parse_json_path(path).map_err(|e| {
        let (offset, reason) = match &e {
            jsonpath_rust::parser::errors::JsonPathError::PestError(pest) => {
                let offset = match pest.location {
                    pest::error::InputLocation::Pos(p) => p,
                    pest::error::InputLocation::Span((p, _)) => p,
                };
                (Some(offset), "invalid JSONPath".to_owned())
            }
            other => (None, format!("invalid JSONPath: {other}")),
        };
        let column_note = offset.map_or(String::new(), |o| {
            format!(
                " at character {} of the expression",
                path[..o.min(path.len())].chars().count() + 1
            )
        });
        let message = format!("{reason}{column_note}: {path}");
        match node {
            Some(node) => {
                let span = match (offset, node.value()) {
                    // Point inside the expression when it is written without escapes.
                    (Some(o), _) if source.text[node.span.range()].contains(path) => {
                        let inner = node.span.start as usize
                            + source.text[node.span.range()].find(path).unwrap_or(0)
                            + o.min(path.len());
                        Span::new(inner, inner + 1)
                    }
                    _ => node.span,
                };
                Diagnostic::at(source, span, message)
            }
            None => Diagnostic::file(&source.name, message),
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_compile() {
        for (name, _) in BUILTIN {
            let profile = Profile::resolve(name).unwrap();
            assert_eq!(&profile.name, name);
            assert!(!profile.references.is_empty());
        }
    }

    #[test]
    fn each_kind_of_file_has_its_default_profile_unless_one_is_given() {
        let defaults = Profiles::resolve(None).unwrap();
        let name =
            |profiles: &Profiles, format| profiles.get(profiles.index_for(format)).name.clone();
        assert_eq!(name(&defaults, Format::Json), "missive");
        assert_eq!(name(&defaults, Format::Yaml), "missive");
        assert_eq!(name(&defaults, Format::Sieve), "sieve");
        let given = Profiles::resolve(Some("gmail")).unwrap();
        assert_eq!(name(&given, Format::Sieve), "gmail");
        assert_eq!(given.iter().count(), 1);
        assert!(Profiles::resolve(Some("nope")).is_err());
    }

    #[test]
    fn an_invalid_path_is_reported_inside_the_expression() {
        let text = "schema_version: 1\nname: x\nreferences:\n  - path: \"$.a[?@.b ==]\"\n    kind: account\n";
        let e = Profile::from_source(Source::from_text("p.yaml", text)).unwrap_err();
        let d = &e.diagnostics[0];
        assert_eq!(d.location.as_ref().unwrap().line, 4);
        assert!(d.location.as_ref().unwrap().column > 12, "{d}");
        assert!(d.message.contains("invalid JSONPath at character"), "{d}");
    }

    #[test]
    fn a_profile_without_references_is_refused() {
        let text = "schema_version: 1\nname: x\nreferences: []\n";
        let e = Profile::from_source(Source::from_text("p.yaml", text)).unwrap_err();
        let d = e.diagnostics[0].to_string();
        assert!(
            d.starts_with("p.yaml:3:13: error: a profile needs at least one"),
            "{d}"
        );
    }

    #[test]
    fn unknown_fields_and_kinds_are_refused() {
        let text = "schema_version: 1\nname: x\nreferences:\n  - path: \"$.a\"\n    kind: phone\n";
        let e = Profile::from_source(Source::from_text("p.yaml", text)).unwrap_err();
        assert!(
            e.diagnostics[0].to_string().contains("p.yaml:5:11"),
            "{}",
            e.diagnostics[0]
        );
    }
}
