//! Locate: run a profile's selectors over a loaded file and collect the references.
//!
//! A [`Reference`] is one string the profile says holds an account or an address: its value,
//! the span to edit, the site to report (the alias, when reached through one), the list it
//! is an element of (replace mode may drop it from there) and the setting that holds it.

use std::sync::Arc;

use crate::fast_hash::FastMap;

use crate::diagnostic::{Diagnostic, Error};
use crate::load::File;
use crate::mapping::Mapping;
use crate::node::{Node, Span, Style, Value};
use crate::path::Path;
use crate::profile::{AddRule, Kind, Profile};
use crate::select::Selection;
use jsonpath_rust::parser::model::JpQuery;

/// Its indexes are stored as `u32` (read them through the methods): an export holds
/// hundreds of thousands of references, and this keeps each one at 72 bytes.
#[derive(Clone, Debug)]
pub struct Reference {
    doc: u32,
    /// Where its path stands in `Located::positions` (read it with `Located::path`).
    path: (u32, u32),
    pub kind: Kind,
    /// Shared by every reference to the same account or address (a large export names
    /// each one thousands of times).
    pub value: Arc<str>,
    /// The text to rewrite.
    pub span: Span,
    /// Where to point when reporting it.
    pub site: Span,
    pub style: Style,
    list: Option<(u32, u32)>,
    holder: Option<u32>,
    /// Index of the profile selector that found it.
    selector: u32,
    pub add: AddRule,
}

impl Reference {
    /// Whether a mapped address of this reference is spelled with Sieve encoded characters
    /// (`${hex:40}` for `@`): the whole value spelled so, or an address inside text that is
    /// not written as it reads. cutover then writes the changed string in plain text.
    pub fn spelled_encoded(
        &self,
        source: &crate::source::Source,
        mapping: Option<&Mapping>,
    ) -> bool {
        let raw = &source.text[self.span.range()];
        crate::load::sieve::spelled_encoded(raw, self.style)
            && match self.kind {
                Kind::AddressInText => mapping.is_some_and(|m| {
                    !crate::address::verbatim(self.written(source).1, &self.value, m)
                }),
                Kind::Account | Kind::Address => true,
            }
    }

    /// The text that spells the value and where it starts in the file: the whole token
    /// (quotes and escapes included), or a Sieve `text:` string's lines.
    pub fn written<'s>(&self, source: &'s crate::source::Source) -> (usize, &'s str) {
        let raw = &source.text[self.span.range()];
        let range = crate::load::sieve::value_range(raw, self.style);
        (self.span.start as usize + range.start, &raw[range])
    }

    /// Which document of its file it stands in.
    pub fn doc(&self) -> usize {
        self.doc as usize
    }

    /// The list holding this reference (an index into `Located::lists`), and its position
    /// there.
    pub fn list(&self) -> Option<(usize, usize)> {
        self.list.map(|(list, at)| (list as usize, at as usize))
    }

    /// The innermost setting around it (an index into `Located::holders`).
    pub fn holder(&self) -> Option<usize> {
        self.holder.map(|h| h as usize)
    }

    /// The profile selector that found it (an index into `Profile::references`).
    pub fn selector(&self) -> usize {
        self.selector as usize
    }
}

/// A list some reference is an element of.
#[derive(Clone, Debug)]
pub struct List {
    pub doc: usize,
    /// How many items it has.
    pub len: usize,
    /// One of its references (an index into `Located::references`): the list's path is
    /// that reference's path without its last step, so it is not stored twice.
    member: usize,
}

/// A setting that holds references: a rule, an alias, a sharing entry.
#[derive(Clone, Debug)]
pub struct Holder {
    pub doc: usize,
    pub path: Path,
    /// What every setting of its group shares.
    group: Arc<Group>,
    /// The setting's name for people, e.g. `rule "01. Support triage"`.
    pub label: Box<str>,
}

/// A group of settings as the profile describes it.
#[derive(Debug)]
struct Group {
    /// e.g. `rules`.
    name: String,
    /// Fields that identify a setting, and fields a copy leaves out (see the profile).
    identity: Vec<String>,
    copy_without: Vec<String>,
}

impl Holder {
    /// The group, e.g. `rules`.
    pub fn group(&self) -> &str {
        &self.group.name
    }

    /// Fields that identify the setting (none: all of its data does).
    pub fn identity(&self) -> &[String] {
        &self.group.identity
    }

    /// Fields a copy of the setting leaves out.
    pub fn copy_without(&self) -> &[String] {
        &self.group.copy_without
    }
}

/// A declared account or address.
#[derive(Clone, Debug)]
pub struct Declaration {
    pub kind: Kind,
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Located {
    pub references: Vec<Reference>,
    /// The positions of every reference's path, one after the other: a vector each would
    /// be hundreds of thousands of allocations on a large export.
    positions: Vec<u32>,
    pub lists: Vec<List>,
    pub holders: Vec<Holder>,
    pub declarations: Vec<Declaration>,
    /// Holders by document and path: the holders around a value are found from the
    /// prefixes of its path, without walking the tree.
    holder_index: Vec<FastMap<Path, usize>>,
    /// The deepest holder's path length: no holder stands below it.
    holder_depth: usize,
}

impl Located {
    /// The innermost holder around the value at `path` of document `doc`.
    pub fn holder_around(&self, doc: usize, path: &[u32]) -> Option<usize> {
        self.holders_around(doc, path).next()
    }

    /// Every holder around the value at `path`, innermost first.
    pub fn holders_around(&self, doc: usize, path: &[u32]) -> impl Iterator<Item = usize> {
        let index = self.holder_index.get(doc);
        (0..=path.len().min(self.holder_depth))
            .rev()
            .filter_map(move |depth| index?.get(&path[..depth]).copied())
    }

    /// Where a reference stands in its document (see [`Path`]).
    pub fn path(&self, reference: &Reference) -> &[u32] {
        let (start, len) = reference.path;
        &self.positions[start as usize..(start + len) as usize]
    }

    /// Where a list stands in its document.
    pub fn list_path(&self, list: &List) -> Option<&[u32]> {
        let (_, parent) = self.path(self.references.get(list.member)?).split_last()?;
        Some(parent)
    }

    pub fn holder(&self, reference: &Reference) -> Option<&Holder> {
        reference.holder().map(|h| &self.holders[h])
    }

    /// The summary group of a reference: its holder's group, or `other`.
    pub fn group(&self, reference: &Reference) -> &str {
        self.holder(reference).map_or("other", Holder::group)
    }
}

/// Documents larger than this run their selectors in parallel.
const PARALLEL_FROM: usize = 1 << 20;

pub fn locate(file: &File, profile: &Profile) -> Result<Located, Error> {
    let mut located = Located::default();
    // Lists by document, span and alias site (`u32`s: one entry per list of a large
    // export): one list written once and used in several places through YAML aliases is
    // a list per use.
    let mut lists: FastMap<(u32, Span, Option<Span>, u64), u32> = FastMap::default();
    let mut values: FastMap<&str, Arc<str>> = FastMap::default();
    let mut errors = Vec::new();
    let diag = |span: Span, message: String| Diagnostic::at(&file.source, span, message);
    for (doc_index, doc) in file.docs.iter().enumerate() {
        if let Some(version) = profile.export_schema_version
            && let Err(d) = check_schema_version(file, doc, version, &profile.name)
        {
            errors.push(d);
            continue;
        }
        // Every selector of the profile, run at once: on a large document, on every core.
        let queries: Vec<&JpQuery> = profile
            .holders
            .iter()
            .map(|h| &h.query)
            .chain(profile.references.iter().map(|r| &r.query))
            .chain(profile.declarations.iter().map(|(q, _)| q))
            .collect();
        let run = |query: &&JpQuery| crate::select::select(query, doc);
        let results: Vec<_> = if file.source.text.len() > PARALLEL_FROM {
            crate::parallel::map(&queries, run)
        } else {
            queries.iter().map(run).collect()
        };
        // A single entry where the profile expects a list of them: the selectors find
        // nothing in it, and every reference it holds would go unseen.
        let mut misshapen: Vec<_> = results.iter().flat_map(|s| &s.misshapen).collect();
        misshapen.sort_by_key(|(_, node)| node.span);
        misshapen.dedup_by_key(|(_, node)| node.span);
        for (path, node) in misshapen {
            let place = match path.is_empty() {
                true => "the document".to_owned(),
                false => format!("`{}`", doc.path_text(path)),
            };
            let how = match file.format {
                crate::load::Format::Yaml => "`- ` before its first key",
                _ => "inside `[ ]`",
            };
            errors.push(diag(
                Span::new(node.span.start as usize, node.span.start as usize),
                format!(
                    "{place} is a single mapping where the profile `{}` expects a list of \
                     entries, so nothing in it would be found; write it as a list ({how})",
                    profile.name
                ),
            ));
        }
        // Room for every holder and reference at once: growing the vectors as they fill
        // would copy them over and over on a large export.
        let (holders, rest) = results.split_at(profile.holders.len().min(results.len()));
        located
            .holders
            .reserve(holders.iter().map(Selection::len).sum());
        let (count, steps) = rest
            .iter()
            .take(profile.references.len())
            .flat_map(Selection::iter)
            .map(|(path, node)| {
                let items = node.items().map_or(1, <[Node]>::len);
                (items, items * (path.len() + 1))
            })
            .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
        located.references.reserve(count);
        located.positions.reserve(steps);
        let mut results = results.into_iter();
        for holder in &profile.holders {
            let group = Arc::new(Group {
                name: holder.name.clone(),
                identity: holder.identity.clone(),
                copy_without: holder.copy_without.clone(),
            });
            for (path, node) in results.next().unwrap_or_default().iter() {
                let path = Path::from(path);
                if located.holder_index.len() <= doc_index {
                    located
                        .holder_index
                        .resize_with(doc_index + 1, FastMap::default);
                }
                located.holder_index[doc_index].insert(path.clone(), located.holders.len());
                located.holder_depth = located.holder_depth.max(path.len());
                located.holders.push(Holder {
                    doc: doc_index,
                    label: fill_label(&holder.label, node, &file.source).into(),
                    group: group.clone(),
                    path,
                });
            }
        }
        for (selector_index, selector) in profile.references.iter().enumerate() {
            let selection = results.next().unwrap_or_default();
            for (selected_path, node) in selection.iter() {
                // A list holds one reference per item; the list itself is their parent.
                let (elements, parent) = match node.value() {
                    Value::Null => continue,
                    Value::List(items, _) => (&**items, Some(node)),
                    _ => (std::slice::from_ref(node), None),
                };
                for (i, node) in elements.iter().enumerate() {
                    // The reference's path, kept with all the others in `positions`.
                    let start = located.positions.len();
                    located.positions.extend_from_slice(selected_path);
                    if parent.is_some() {
                        located.positions.push(i as u32);
                    }
                    let path = &located.positions[start..];
                    let Some(value) = node.str() else {
                        errors.push(diag(
                            node.site(),
                            format!(
                                "{} at {} holds {} references, so it must be a string, not {} \
                                 (profile selector {})",
                                node_word(node),
                                doc.path_text(path),
                                selector.kind.as_str(),
                                node.type_name(),
                                selector.path,
                            ),
                        ));
                        continue;
                    };
                    if node.style() == Style::Block {
                        errors.push(diag(
                            node.site(),
                            format!(
                                "the reference at {} is a block scalar (| or >), which cutover \
                                 does not rewrite; write it as a quoted or plain string",
                                doc.path_text(path)
                            ),
                        ));
                        continue;
                    }
                    if node.style() == Style::SieveName {
                        errors.push(diag(
                            node.site(),
                            format!(
                                "the value at {} is a name in the Sieve script (of a command, \
                                 test or tag, or a rule's name), not a string: cutover rewrites \
                                 strings only (profile selector {})",
                                doc.path_text(path),
                                selector.path,
                            ),
                        ));
                        continue;
                    }
                    let list = parent_list(
                        (doc, doc_index),
                        parent,
                        path,
                        &mut lists,
                        &mut located.lists,
                    );
                    let holder = located.holder_around(doc_index, path);
                    let path = (start as u32, (located.positions.len() - start) as u32);
                    // A Sieve string at an address position: the address it holds, inside
                    // white space or a display name, pointed at where it is written.
                    let (value, site) = match selector.kind {
                        Kind::Address => {
                            crate::load::sieve::address_within(node, value, &file.source.text)
                        }
                        _ => None,
                    }
                    .unwrap_or((value, node.site()));
                    // (Every count fits in `u32`: files over 4 GiB are refused.)
                    located.references.push(Reference {
                        doc: doc_index as u32,
                        kind: selector.kind,
                        value: values.entry(value).or_insert_with(|| value.into()).clone(),
                        span: node.span,
                        site,
                        style: node.style(),
                        list: list.map(|(list, at)| (list as u32, at as u32)),
                        holder: holder.map(|h| h as u32),
                        selector: selector_index as u32,
                        add: selector.add,
                        path,
                    });
                }
            }
        }
        for (_, kind) in &profile.declarations {
            for (_, node) in results.next().unwrap_or_default().iter() {
                if let Some(value) = node.str() {
                    located.declarations.push(Declaration {
                        kind: *kind,
                        value: value.to_owned(),
                        span: node.site(),
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        // Document order, so that edits and findings read top to bottom; a value two
        // selectors find is one reference, the first selector's. In place: a stable sort
        // would merge the selectors' runs faster, but takes a copy of half the references
        // to do it, at the moment the run needs the most memory.
        // One value used in several places through YAML aliases is a reference per place:
        // where alone cannot tell them apart there, so the path does.
        let positions = &located.positions;
        let path = |r: &Reference| {
            let (start, len) = r.path;
            &positions[start as usize..(start + len) as usize]
        };
        if file.anchors.is_empty() {
            located
                .references
                .sort_unstable_by_key(|r| (r.site, r.span, r.selector));
            located.references.dedup_by_key(|r| (r.site, r.span));
        } else {
            located.references.sort_unstable_by(|a, b| {
                (a.site, a.span, path(a), a.selector).cmp(&(b.site, b.span, path(b), b.selector))
            });
            located
                .references
                .dedup_by(|a, b| (a.site, a.span, path(a)) == (b.site, b.span, path(b)));
        }
        for (index, reference) in located.references.iter().enumerate() {
            if let Some((list, _)) = reference.list()
                && located.lists[list].member == usize::MAX
            {
                located.lists[list].member = index;
            }
        }
        Ok(located)
    } else {
        Err(Error::many(errors))
    }
}

fn node_word(node: &Node) -> &'static str {
    if node.alias().is_some() {
        "the value reached through this alias"
    } else {
        "the value"
    }
}

/// Whether the file is no export of this profile at all: the profile requires a
/// `schema_version` and some document has none (a `docker-compose.yml` or a
/// `package.json` beside the exports), as opposed to an export with a problem.
pub fn lacks_schema_version(file: &File, profile: &Profile) -> bool {
    profile.export_schema_version.is_some()
        && file.docs.iter().any(|doc| {
            !matches!(doc.value(), Value::Null)
                && doc
                    .entries()
                    .is_none_or(|entries| !entries.iter().any(|e| e.key == "schema_version"))
        })
}

fn check_schema_version(
    file: &File,
    doc: &Node,
    expected: u32,
    profile: &str,
) -> Result<(), Diagnostic> {
    let diag = |span: Span, message: String| Diagnostic::at(&file.source, span, message);
    if file.format == crate::load::Format::Sieve {
        return Err(Diagnostic::file(
            &file.source.name,
            format!(
                "a Sieve script, which the profile `{profile}` does not read (it reads exports \
                 with `schema_version: {expected}`); without --profile each file gets the \
                 built-in profile of its kind"
            ),
        ));
    }
    if matches!(doc.value(), Value::Null) {
        return Ok(());
    }
    let Some(entries) = doc.entries() else {
        return Err(diag(
            doc.span,
            format!(
                "an export must be a mapping with `schema_version: {expected}`, not {}",
                doc.type_name()
            ),
        ));
    };
    match entries.iter().find(|e| e.key == "schema_version") {
        None => Err(diag(
            Span::new(doc.span.start as usize, doc.span.start as usize),
            format!("missing `schema_version: {expected}` at the top of the export"),
        )),
        Some(e) => match e.value.value() {
            Value::Int(v) if *v == i64::from(expected) => Ok(()),
            _ => Err(diag(
                e.value.site(),
                format!(
                    "unsupported schema_version {} (this profile reads version {expected})",
                    &file.source.text[e.value.span.range()]
                ),
            )),
        },
    }
}

/// Registers the list a reference stands in, when its parent is a list (`parent`, when the
/// caller has it at hand, or else found from the document root).
fn parent_list(
    (doc, doc_index): (&Node, usize),
    parent: Option<&Node>,
    path: &[u32],
    index: &mut FastMap<(u32, Span, Option<Span>, u64), u32>,
    lists: &mut Vec<List>,
) -> Option<(usize, usize)> {
    let (&position, parent_path) = path.split_last()?;
    let parent = match parent {
        Some(parent) => parent,
        None => doc.at_positions(parent_path)?,
    };
    let len = parent.items()?.len();
    // A list reached through an alias is a list per place: the path tells two places of one
    // alias apart (a template merged twice into one rule).
    let place = match parent.alias() {
        Some(_) => {
            use std::hash::{BuildHasher, BuildHasherDefault};
            BuildHasherDefault::<crate::fast_hash::FastHasher>::default().hash_one(parent_path)
        }
        None => 0,
    };
    let key = (doc_index as u32, parent.span, parent.alias(), place);
    let position = position as usize;
    if let Some(&list) = index.get(&key) {
        return Some((list as usize, position));
    }
    lists.push(List {
        doc: doc_index,
        len,
        member: usize::MAX,
    });
    index.insert(key, (lists.len() - 1) as u32);
    Some((lists.len() - 1, position))
}

/// Fills `{field}` and `{a|b}` placeholders from a holder node's fields, and `{@line}` with
/// the line it starts on.
pub fn fill_label(template: &str, node: &Node, source: &crate::source::Source) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let fields = &rest[open + 1..open + close];
        let value = fields.split('|').find_map(|f| match f {
            "@line" => Some(
                source
                    .location(node.site().start as usize)
                    .line
                    .to_string()
                    .into(),
            ),
            f => match node.field(f).map(|n| n.value()) {
                Some(Value::Str(s, _)) => Some(std::borrow::Cow::Borrowed(s.as_str())),
                Some(Value::Int(i)) => Some(i.to_string().into()),
                _ => None,
            },
        });
        out.push_str(value.as_deref().unwrap_or("?"));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    fn locate_text(name: &str, text: &str) -> Result<Located, Error> {
        locate(&parse(name, text), &Profile::resolve("missive").unwrap())
    }

    fn parse(name: &str, text: &str) -> File {
        File::parse(Source::from_text(name, text)).unwrap()
    }

    const EXPORT: &str = "schema_version: 1
rules:
  - id: r1
    description: \"01. acc-old in a description\"
    conditions:
      match: all
      items:
        - {field: subject, op: is, value: acc-old}
        - match: at_least_one
          items:
            - {field: email_account, op: is, value: [acc-old, acc-2]}
            - {field: account, op: is_not, value: acc-3}
    actions:
      - {type: send_response, from: {account: acc-old, address: info@old.example}}
aliases:
  - {id: a1, account: acc-old, address: help@old.example}
sharing:
  - {account: acc-old, teams: [t1]}
accounts:
  - {id: acc-old, address: info@old.example}
";

    #[test]
    fn finds_exactly_the_profile_locations() {
        let file = parse("e.yaml", EXPORT);
        let located = locate(&file, &Profile::resolve("missive").unwrap()).unwrap();
        let doc = &file.docs[0];
        let found: Vec<(String, &str, &str)> = located
            .references
            .iter()
            .map(|r| (doc.path_text(located.path(r)), &*r.value, located.group(r)))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    "rules[0].conditions.items[1].items[0].value[0]".into(),
                    "acc-old",
                    "rules"
                ),
                (
                    "rules[0].conditions.items[1].items[0].value[1]".into(),
                    "acc-2",
                    "rules"
                ),
                (
                    "rules[0].conditions.items[1].items[1].value".into(),
                    "acc-3",
                    "rules"
                ),
                (
                    "rules[0].actions[0].from.account".into(),
                    "acc-old",
                    "rules"
                ),
                (
                    "rules[0].actions[0].from.address".into(),
                    "info@old.example",
                    "rules"
                ),
                ("aliases[0].account".into(), "acc-old", "aliases"),
                ("aliases[0].address".into(), "help@old.example", "aliases"),
                ("sharing[0].account".into(), "acc-old", "sharing"),
            ]
        );
        assert_eq!(
            &*located.holder(&located.references[0]).unwrap().label,
            "rule \"01. acc-old in a description\""
        );
        assert_eq!(located.declarations.len(), 2);
        let list = &located.lists[located.references[0].list().unwrap().0];
        assert_eq!(
            doc.path_text(located.list_path(list).unwrap()),
            "rules[0].conditions.items[1].items[0].value"
        );
        assert_eq!(located.references[1].list(), Some((0, 1)));
        assert_eq!(std::mem::size_of::<Reference>(), 72);
    }

    #[test]
    fn a_non_string_reference_is_an_error() {
        let e =
            locate_text("e.yaml", "schema_version: 1\naliases:\n  - {account: 12}\n").unwrap_err();
        let text = e.diagnostics[0].to_string();
        assert!(
            text.starts_with("e.yaml:3:15: error: the value at aliases[0].account holds account references, so it must be a string, not a number"),
            "{text}"
        );
    }

    #[test]
    fn a_name_in_a_sieve_script_is_not_a_reference() {
        let profile = Profile::from_source(Source::from_text(
            "p.yaml",
            "schema_version: 1\nname: p\nreferences:\n  - {path: \"$[*].command\", kind: address}\n",
        ))
        .unwrap();
        let e = locate(
            &parse("s.sieve", "keep;\n  redirect \"a@b.example\";"),
            &profile,
        )
        .unwrap_err();
        let text = e.diagnostics[1].to_string();
        assert!(
            text.starts_with(
                "s.sieve:2:3: error: the value at [1].command is a name in the Sieve script"
            ),
            "{text}"
        );
    }

    #[test]
    fn schema_version_is_required() {
        let e = locate_text("e.json", "{\"rules\": []}").unwrap_err();
        assert!(
            e.diagnostics[0]
                .message
                .contains("missing `schema_version: 1`")
        );
        let e = locate_text("e.json", "{\"schema_version\": 2}").unwrap_err();
        assert!(
            e.diagnostics[0]
                .to_string()
                .starts_with("e.json:1:20: error: unsupported schema_version 2")
        );
    }

    #[test]
    fn labels_fill_placeholders() {
        let source = Source::from_text("x.json", "{\"a\": \"x\", \"n\": 3}");
        let node = crate::load::json::parse(&source).unwrap();
        assert_eq!(fill_label("r {b|a} {n} {zz}", &node, &source), "r x 3 ?");
        let source = Source::from_text("x.sieve", "keep;\n\n  redirect \"a@b.example\";");
        let doc = crate::load::sieve::parse(&source).unwrap();
        let redirect = &doc.items().unwrap()[1];
        assert_eq!(
            fill_label("{command} at line {@line}", redirect, &source),
            "redirect at line 3"
        );
    }
}
