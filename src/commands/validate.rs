//! `cutover validate`: check exports against the export format, reporting every problem.
//!
//! Each setting (an account, an alias, a sharing entry, a rule) is decoded on its own, so one
//! broken rule does not hide the problems of the next one.

use serde::de::DeserializeOwned;

use crate::cli::{ColorChoice, ValidateArgs};
use crate::commands::print;
use crate::decode::decode;
use crate::diagnostic::{Diagnostic, Error, collect};
use crate::export::{Account, Alias, Rule, Sharing};
use crate::load::{File, find_inputs};
use crate::locate::locate;
use crate::node::{Node, Value};
use crate::parallel;
use crate::profile::{Profile, Profiles};

pub fn validate(args: &ValidateArgs, _color: ColorChoice) -> Result<u8, Error> {
    let profiles = Profiles::resolve(None)?;
    let files = find_inputs(&args.paths)?;
    let counts = collect(parallel::map(&files, |path| {
        let file = File::read(path)?;
        validate_file(&file, profiles.get(profiles.index_for(file.format)))
    }))?;
    let settings: usize = counts.iter().sum();
    print(&format!(
        "ok: {} files, {settings} settings valid\n",
        files.len()
    ))?;
    Ok(0)
}

/// Returns how many settings the file holds, or every problem found in it.
pub fn validate_file(file: &File, profile: &Profile) -> Result<usize, Error> {
    let mut errors = Vec::new();
    if let Err(e) = locate(file, profile) {
        errors.extend(e.diagnostics);
    }
    let mut settings = 0;
    for doc in &file.docs {
        let Some(entries) = doc.entries() else {
            continue;
        };
        for entry in entries {
            let node = &entry.value;
            let result = match entry.key.as_str() {
                "organization" if !matches!(node.value(), Value::Str(..)) => {
                    Err(vec![Diagnostic::at(
                        &file.source,
                        node.site(),
                        format!("`organization` must be a string, not {}", node.type_name()),
                    )])
                }
                "accounts" => each::<Account>(file, node, "accounts", "account"),
                "aliases" => each::<Alias>(file, node, "aliases", "alias"),
                "sharing" => each::<Sharing>(file, node, "sharing", "sharing entry"),
                "rules" => each::<Rule>(file, node, "rules", "rule"),
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
