//! SARIF 2.1.0, for code-scanning services: one rule per finding kind, one result per
//! finding with its physical location (columns counted in Unicode code points).

use serde::Serialize;
use serde_json::{Value, json};

use super::{Finding, FindingKind, FindingSeverity, Report};

/// Writes the log as it is serialized, each result as it comes: a log of tens of thousands
/// of results held whole, as a tree of JSON values, was six times the memory of the run
/// that found them.
pub fn write(report: &Report, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let rules: Vec<Value> = FindingKind::ALL
        .iter()
        .map(|kind| {
            json!({
                "id": kind.as_str(),
                "shortDescription": { "text": kind.description() },
                "defaultConfiguration": {
                    "level": level(kind.severity())
                }
            })
        })
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [Run {
            column_kind: "unicodeCodePoints",
            results: Results(report),
            tool: json!({
                "driver": {
                    "name": "cutover",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/cutover-dev/cutover",
                    "rules": rules
                }
            }),
        }],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

// The log's objects, each with its keys in alphabetical order: the order its JSON values
// (serde_json's maps, sorted) have always been written in.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    column_kind: &'static str,
    results: Results<'a>,
    tool: Value,
}

/// The results, serialized one by one from the findings.
struct Results<'a>(&'a Report);

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.findings.iter().map(SarifResult::of))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    level: &'static str,
    locations: [Location; 1],
    message: Message<'a>,
    rule_id: &'static str,
    rule_index: Option<usize>,
}

impl<'a> SarifResult<'a> {
    fn of(f: &'a Finding) -> SarifResult<'a> {
        SarifResult {
            level: level(f.severity),
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: uri(&f.path) },
                    region: Region {
                        start_column: f.column,
                        start_line: f.line,
                    },
                },
            }],
            message: Message { text: f.message() },
            rule_id: f.kind.as_str(),
            rule_index: FindingKind::ALL.iter().position(|k| *k == f.kind),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_column: usize,
    start_line: usize,
}

#[derive(Serialize)]
struct Message<'a> {
    text: &'a str,
}

fn level(severity: FindingSeverity) -> &'static str {
    match severity {
        FindingSeverity::Error => "error",
        FindingSeverity::Warning => "warning",
    }
}

/// A relative URI reference for a path (RFC 3986): its bytes as they are, forward slashes
/// kept, every byte but the unreserved ones percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_escape_spaces_and_unicode() {
        assert_eq!(
            super::uri("exports/rules é.yaml"),
            "exports/rules%20%C3%A9.yaml"
        );
    }
}
