//! How YAML 1.2 (core schema) and YAML 1.1 (the type repository PyYAML and many import
//! scripts follow) type a plain scalar. A new value may be written plain only when both read
//! it as a string (docs/rewrite-rules.md, "Both").

use std::sync::LazyLock;

use regex::Regex;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Str,
    Null,
    Bool,
    Int,
    Float,
    Timestamp,
    Merge,
    Value,
}

static CORE_INT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$").unwrap());
static CORE_FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
        .unwrap()
});

/// The YAML 1.2 core schema's type of a plain scalar.
pub fn core_type(text: &str) -> Type {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Type::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => Type::Bool,
        _ if CORE_INT.is_match(text) => Type::Int,
        _ if CORE_FLOAT.is_match(text) => Type::Float,
        _ => Type::Str,
    }
}

// The YAML 1.1 type repository (yaml.org/type/*.html), joined with PyYAML's variants of the
// same regexes where they differ, so that either reading counts.
static Y11_BOOL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
    )
    .unwrap()
});
static Y11_INT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
    )
    .unwrap()
});
static Y11_FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+][0-9]+)?|[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    )
    .unwrap()
});
static Y11_TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*Z|[-+][0-9][0-9]?(?::[0-9][0-9])?)?)$",
    )
    .unwrap()
});

/// The YAML 1.1 type of a plain scalar.
pub fn yaml11_type(text: &str) -> Type {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Type::Null,
        "<<" => Type::Merge,
        "=" => Type::Value,
        _ if Y11_BOOL.is_match(text) => Type::Bool,
        _ if Y11_INT.is_match(text) => Type::Int,
        _ if Y11_FLOAT.is_match(text) => Type::Float,
        _ if Y11_TIMESTAMP.is_match(text) => Type::Timestamp,
        _ => Type::Str,
    }
}

/// Whether a plain scalar reads as this same string in YAML 1.1 and 1.2 alike.
pub fn plain_reads_as_string(text: &str) -> bool {
    core_type(text) == Type::Str && yaml11_type(text) == Type::Str && !text.starts_with('\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_readings() {
        for text in [
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "N",
            "12:30:00",
            "2001-12-14",
            "1_000",
            "0b101",
            ".5",
            "+1",
            "<<",
            "=",
            "~",
            "null",
            "1e3",
            "190:20:30",
            "0x_1F",
            "017",
            "1.2.3",
            "2001-12-14t21:59:43.10-05:00",
            "-.inf",
        ] {
            assert!(!plain_reads_as_string(text), "{text}");
        }
        for text in [
            "716be7a6-fd40-45a2",
            "info@example.com",
            "a1",
            "yesno",
            "0b2",
            "12:30:x",
            "acct_7",
            "ü-id",
        ] {
            assert!(plain_reads_as_string(text), "{text}");
        }
        assert_eq!(core_type("1_000"), Type::Str);
        assert_eq!(core_type("0o17"), Type::Int);
        assert_eq!(yaml11_type("0o17"), Type::Str);
    }
}
