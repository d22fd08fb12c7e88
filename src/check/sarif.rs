//! SARIF 2.1.0, for code-scanning services: one rule per finding kind, one result per
//! finding with its physical location (columns counted in Unicode code points).

use serde_json::{Value, json};

use super::{FindingKind, FindingSeverity, Report};

pub fn render(report: &Report) -> String {
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
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.kind.as_str(),
                "ruleIndex": FindingKind::ALL.iter().position(|k| *k == f.kind),
                "level": level(f.severity),
                "message": { "text": f.message() },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.path) },
                        "region": { "startLine": f.line, "startColumn": f.column }
                    }
                }]
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "cutover",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/cutover-dev/cutover",
                    "rules": rules
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).expect("SARIF is always valid JSON");
    text.push('\n');
    text
}

fn level(severity: FindingSeverity) -> &'static str {
    match severity {
        FindingSeverity::Error => "error",
        FindingSeverity::Warning => "warning",
    }
}

/// A relative URI reference for a path: forward slashes, reserved characters escaped.
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
