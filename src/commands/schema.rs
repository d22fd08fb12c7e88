//! `cutover schema`: the JSON Schemas of every file format, generated from the serde types
//! that read those files, so the schemas cannot drift from the code.

use std::path::Path;

use crate::cli::SchemaArgs;
use crate::diagnostic::Error;
use crate::source::{display_name, io_reason};

/// Every schema as (file name, JSON text).
pub fn generate() -> Vec<(&'static str, String)> {
    fn text(schema: schemars::Schema) -> String {
        let mut text =
            serde_json::to_string_pretty(&schema).expect("a schema is always valid JSON");
        text.push('\n');
        text
    }
    vec![
        (
            "export.schema.json",
            text(schemars::schema_for!(crate::export::Export)),
        ),
        (
            "mapping.schema.json",
            text(schemars::schema_for!(crate::mapping::MappingFile)),
        ),
        (
            "profile.schema.json",
            text(schemars::schema_for!(crate::profile::ProfileFile)),
        ),
        (
            "check-output.schema.json",
            text(schemars::schema_for!(crate::check::Report)),
        ),
        (
            "check-baseline.schema.json",
            text(schemars::schema_for!(crate::check::baseline::BaselineFile)),
        ),
        (
            "plan.schema.json",
            text(schemars::schema_for!(crate::saved_plan::SavedPlan)),
        ),
        (
            "review.schema.json",
            text(schemars::schema_for!(crate::review::Review)),
        ),
        (
            "journal.schema.json",
            text(schemars::schema_for!(crate::write::journal::JournalFile)),
        ),
        (
            "config.schema.json",
            text(schemars::schema_for!(crate::config::ConfigFile)),
        ),
    ]
}

/// Writes every schema, naming each file written; with `--check`, writes nothing and fails
/// when a file differs (or the folder is missing: that is said, not "out of date").
pub fn schema(args: &SchemaArgs) -> Result<u8, Error> {
    let dir = &args.out;
    if args.check {
        if !dir.is_dir() {
            eprintln!(
                "error: the folder {} is missing, so there are no schemas to check (run `cutover schema --check` where that folder is, or name it with --out DIR)",
                display_name(dir)
            );
            return Ok(1);
        }
        let stale: Vec<String> = generate()
            .into_iter()
            .filter(|(name, text)| {
                std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text)
            })
            .map(|(name, _)| display_name(&dir.join(name)))
            .collect();
        if stale.is_empty() {
            return Ok(0);
        }
        eprintln!(
            "error: schemas out of date: {} (run `cutover schema --out {}`)",
            stale.join(", "),
            display_name(dir)
        );
        return Ok(1);
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::plain(format!("{}: {}", display_name(dir), io_reason(&e))))?;
    for (name, text) in generate() {
        let path = dir.join(name);
        write(&path, &text)?;
        crate::verbosity::summary(&format!("wrote {}\n", display_name(&path)));
    }
    Ok(0)
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| {
        Error::plain(format!(
            "{}: cannot write: {}",
            display_name(path),
            io_reason(&e)
        ))
    })
}
