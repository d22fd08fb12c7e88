//! `cutover validate`: check exports against the export format, reporting every problem.
//!
//! Each setting (an account, an alias, a sharing entry, a rule) is decoded on its own, so one
//! broken rule does not hide the problems of the next one; the condition items of rules are
//! checked for the keys their shape needs.

use serde::de::DeserializeOwned;

use crate::cli::ColorChoice;
use crate::commands::print;
use crate::decode::decode;
use crate::diagnostic::{Diagnostic, Error, collect};
use crate::export::{Account, Alias, Item, Rule, Sharing};
use crate::hiargs::Validate;
use crate::load::File;
use crate::locate::locate;
use crate::node::{Node, Value};
use crate::parallel;
use crate::profile::{Profile, Profiles};

pub fn validate(args: &Validate, _color: ColorChoice) -> Result<u8, Error> {
    let paths = &args.paths;
    let profiles = Profiles::resolve(args.profile.as_deref())?;
    let files = crate::inputs::find(paths)?;
    let counts = collect(parallel::map(&files, |path| {
        let started = std::time::Instant::now();
        let (file, profile) = crate::inputs::read(path, paths, &profiles)?;
        let profile = profiles.get(profile);
        if crate::inputs::skipped_as_own(&file, profile) {
            return Ok((None, started.elapsed()));
        }
        let count = validate_file(&file, profile)
            .map_err(|e| crate::inputs::hint_if_no_export(e, path, paths, &file, profile))?;
        Ok((Some(count), started.elapsed()))
    }))?;
    let read = counts.iter().filter(|(count, _)| count.is_some()).count();
    if read == 0 {
        return Err(crate::inputs::nothing_found(paths));
    }
    for (path, (_, took)) in files.iter().zip(&counts) {
        crate::verbosity::detail(
            "timing",
            &format!(
                "{}: validated in {}",
                crate::source::display_name(path),
                crate::verbosity::millis(*took)
            ),
        );
    }
    let settings: usize = counts.iter().filter_map(|(count, _)| *count).sum();
    if crate::verbosity::chatty() {
        print(&format!("ok: {read} files, {settings} settings valid\n"))?;
    }
    Ok(0)
}

/// Returns how many settings the file holds, or every problem found in it. The app's
/// export format is checked for files read with its built-in profile; a file read with
/// another profile is checked for what that profile finds (its shapes and values).
pub fn validate_file(file: &File, profile: &Profile) -> Result<usize, Error> {
    let mut errors = Vec::new();
    let export_format = profile.name == crate::profile::APP;
    let mut settings = 0;
    match locate(file, profile) {
        Ok(located) if !export_format => settings = located.holders.len(),
        Ok(_) => {}
        Err(e) => errors.extend(e.diagnostics),
    }
    for doc in file.docs().iter().filter(|_| export_format) {
        let Some(entries) = doc.entries() else {
            continue;
        };
        for entry in entries {
            let node = &entry.value;
            let result = match entry.key.as_str() {
                // (The format allows null: `organization:` with no value, in YAML.)
                "organization" if !matches!(node.value(), Value::Str(..) | Value::Null) => {
                    Err(vec![Diagnostic::at(
                        &file.source,
                        node.site(),
                        format!("`organization` must be a string, not {}", node.type_name()),
                    )])
                }
                "accounts" => each::<Account>(file, node, "accounts", "account"),
                "aliases" => each::<Alias>(file, node, "aliases", "alias"),
                "sharing" => each::<Sharing>(file, node, "sharing", "sharing entry"),
                "rules" => {
                    conditions(file, node, &mut errors);
                    each::<Rule>(file, node, "rules", "rule")
                }
                _ => Ok(0),
            };
            match result {
                Ok(n) => settings += n,
                Err(found) => errors.extend(found),
            }
        }
    }
    errors.sort_by_key(|d| d.location.as_ref().map(|l| (l.line, l.column)));
    errors.dedup();
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(Error::many(errors))
    }
}

/// Checks the shape of every condition item of every rule: serde cannot, because an item
/// is a group or a condition and every key is optional in the type that covers both.
fn conditions(file: &File, rules: &Node, errors: &mut Vec<Diagnostic>) {
    for rule in rules.items().unwrap_or_default() {
        if let Some(group) = rule.field("conditions") {
            group_items(file, group, errors);
        }
    }
}

fn group_items(file: &File, group: &Node, errors: &mut Vec<Diagnostic>) {
    for item in group
        .field("items")
        .and_then(Node::items)
        .unwrap_or_default()
    {
        condition_item(file, item, errors);
    }
}

/// A group needs `items`, a condition `field`, `op` and `value`. When one is missing, the
/// item's other keys are named, with the missing key each is a small edit away from
/// (`feild` → `field`). Other unknown keys are allowed, as everywhere in an export.
fn condition_item(file: &File, item: &Node, errors: &mut Vec<Diagnostic>) {
    let Some(entries) = item.entries() else {
        return; // not a mapping: the rule's decoding reports it
    };
    let has = |key: &str| entries.iter().any(|e| e.key == key);
    let group = Item::GROUP_KEYS.iter().any(|k| has(k));
    let (what, required): (&str, &[&str]) = if group {
        group_items(file, item, errors);
        ("condition group", &["items"])
    } else {
        ("condition", &Item::CONDITION_KEYS)
    };
    let missing: Vec<&str> = required.iter().copied().filter(|k| !has(k)).collect();
    if missing.is_empty() {
        return;
    }
    let known = Item::CONDITION_KEYS.iter().chain(&Item::GROUP_KEYS);
    let absent: Vec<&str> = known.copied().filter(|k| !has(k)).collect();
    let others: Vec<String> = entries
        .iter()
        .filter(|e| !Item::CONDITION_KEYS.contains(&e.key.as_str()))
        .filter(|e| !Item::GROUP_KEYS.contains(&e.key.as_str()))
        .map(
            |e| match crate::suggest::closest(&e.key, absent.iter().copied()) {
                Some(close) => format!(
                    "`{}` is not a key of a {what}; did you mean `{close}`?",
                    e.key
                ),
                None => format!("`{}` is not a key of a {what}", e.key),
            },
        )
        .collect();
    let quoted = |keys: &[&str]| -> String {
        let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        match keys.as_slice() {
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
            [] => String::new(),
        }
    };
    let mut message = format!(
        "this {what} has no {} (a {what} needs {})",
        quoted(&missing).replace(" and ", " or "),
        quoted(required)
    );
    if !others.is_empty() {
        message.push_str(": ");
        message.push_str(&others.join("; "));
    }
    errors.push(Diagnostic::at(&file.source, item.site(), message));
}

fn each<T: DeserializeOwned>(
    file: &File,
    list: &Node,
    key: &str,
    what: &str,
) -> Result<usize, Vec<Diagnostic>> {
    let Some(items) = list.items() else {
        if matches!(list.value(), Value::Null) {
            return Ok(0);
        }
        return Err(vec![Diagnostic::at(
            &file.source,
            list.site(),
            format!("`{key}` must be a list, not {}", list.type_name()),
        )]);
    };
    let errors: Vec<Diagnostic> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            decode::<T>(&file.source, item, &format!("invalid {what} ({key}[{i}])")).err()
        })
        .flat_map(|e| e.diagnostics)
        .collect();
    if errors.is_empty() {
        Ok(items.len())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    fn validated(text: &str) -> Result<usize, Error> {
        let file = File::parse(Source::from_text("e.yaml", text)).unwrap();
        validate_file(&file, &Profile::resolve(crate::profile::APP).unwrap())
    }

    #[test]
    fn an_organization_is_a_string_or_null() {
        assert!(validated("schema_version: 1\norganization: Acme\n").is_ok());
        assert!(validated("schema_version: 1\norganization:\n").is_ok());
        let e = validated("schema_version: 1\norganization: [a]\n").unwrap_err();
        assert!(
            e.diagnostics[0]
                .message
                .contains("must be a string, not a list")
        );
    }
}
