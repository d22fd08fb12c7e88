//! The line reader of plain block YAML (`src/load/yaml_block.rs`) against granit-parser.
//!
//! Texts are written from random trees in the subset the line reader claims (block
//! mappings and lists at random indentations, lists at their key's indentation, compact
//! mappings in items with extra spaces after the `-`, empty values and items, plain and
//! quoted scalars with `#`, `:` and `''` inside, `[]` and `{}`, a first `---`, comments
//! at any indentation, trailing comments and spaces, blank lines, no final newline, CRLF),
//! and then perturbed: a byte inserted, deleted or replaced by one of YAML's indicators, a tab, a
//! CR, a quote or a line break, anywhere.
//!
//! Every unperturbed text must be taken by the line reader (else the subset it claims is
//! not the one it reads), and every text it takes, perturbed or not, must give exactly
//! granit-parser's tree: values, styles and spans. The perturbed texts must be declined
//! often enough that the comparison says something about both sides of the line.
//!
//! `CUTOVER_YAML_BLOCK_CASES` sets how many trees (default 400; each is also perturbed a
//! few times), `CUTOVER_YAML_BLOCK_SEED` the seed (fixed by default).

mod common;

use common::{Random, env_number};
use cutover::load::yaml::both_readers;
use cutover::source::Source;

enum Yaml {
    Map(Vec<(String, Yaml)>),
    List(Vec<Yaml>),
    Scalar(String),
    Empty,
}

const PLAIN: &[&str] = &[
    "a",
    "716be7a6-fd40-45a2-9c3b-6c6f1a2b0d4e",
    "info@example.com",
    "a#b",
    "x:y",
    "http://e.example/a?b=c",
    "-1",
    "1.5",
    "1e3",
    "0x1F",
    "~",
    "null",
    "true",
    "False",
    "été",
    "a b  c",
    "<<",
    "-x",
    "a, b",
    "x]",
    "9:30",
    "2024-01-02",
    ".inf",
    "日本",
];

const QUOTED: &[&str] = &[
    "'it''s'",
    "''",
    "'a # b'",
    "'x: y'",
    "\"\"",
    "\"a # b\"",
    "\"x: y\"",
    "\"it's\"",
    "'\"'",
    "\"12\"",
    "'- a'",
    "\"[x]\"",
    // Not quoted, but written as they are too: empty flow collections.
    "[]",
    "{}",
];

fn scalar(rng: &mut Random) -> String {
    match rng.chance(70) {
        true => rng.pick(PLAIN).to_owned(),
        false => rng.pick(QUOTED).to_owned(),
    }
}

fn tree(rng: &mut Random, depth: usize) -> Yaml {
    let roll = if depth > 4 { 0 } else { rng.under(10) };
    match roll {
        0..=2 => Yaml::Scalar(scalar(rng)),
        3 => Yaml::Empty,
        4..=6 => {
            let n = 1 + rng.under(4);
            let mut keys: Vec<String> = Vec::new();
            let mut entries = Vec::new();
            for i in 0..n {
                let key = match rng.under(6) {
                    0 => format!("'k {i}'"),
                    1 => format!("\"k{i}#x\""),
                    2 => format!("k{i}:x"),
                    _ => format!("key{i}"),
                };
                if keys.contains(&key) {
                    continue;
                }
                keys.push(key.clone());
                entries.push((key, tree(rng, depth + 1)));
            }
            Yaml::Map(entries)
        }
        _ => Yaml::List(
            (0..1 + rng.under(4))
                .map(|_| tree(rng, depth + 1))
                .collect(),
        ),
    }
}

/// Writes `yaml` as a block collection whose keys or `-` stand at `indent`.
struct Writer<'r> {
    rng: &'r mut Random,
    out: String,
}

impl Writer<'_> {
    fn line_end(&mut self) {
        match self.rng.under(12) {
            0 => self.out.push_str("   "),
            1 => self.out.push_str(" # note: - x"),
            2 => self.out.push_str("  #"),
            _ => {}
        }
        self.out.push('\n');
        // Comments and blank lines at or above the next line's indentation are written by
        // `gap` before each line.
    }

    /// Blank and comment lines before a line at `indent`.
    fn gap(&mut self, indent: usize) {
        match self.rng.under(14) {
            0 => self.out.push('\n'),
            1 => self.out.push_str("   \n"),
            2 => {
                // At any indentation, deeper than the line before or after it too.
                let at = self.rng.under(indent + 6);
                self.out.push_str(&" ".repeat(at));
                self.out.push_str("# comment: - 'x\n");
            }
            _ => {}
        }
    }

    fn spaces(&mut self, n: usize) {
        self.out.push_str(&" ".repeat(n));
    }

    /// A collection at `indent`, its first line's prefix already written when `inline`.
    fn collection(&mut self, yaml: &Yaml, indent: usize, inline: bool) {
        match yaml {
            Yaml::Map(entries) => {
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 || !inline {
                        self.gap(indent);
                        self.spaces(indent);
                    }
                    self.out.push_str(key);
                    self.out.push(':');
                    self.value(value, indent, true);
                }
            }
            Yaml::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 || !inline {
                        self.gap(indent);
                        self.spaces(indent);
                    }
                    self.out.push('-');
                    self.value(item, indent, false);
                }
            }
            _ => unreachable!("collections only"),
        }
    }

    /// What follows `key:` (in a mapping at `indent`) or `-` (in a list at `indent`).
    fn value(&mut self, yaml: &Yaml, indent: usize, of_key: bool) {
        match yaml {
            Yaml::Scalar(s) => {
                let gap = 1 + self.rng.under(2);
                self.spaces(gap);
                self.out.push_str(s);
                self.line_end();
            }
            Yaml::Empty => self.line_end(),
            Yaml::Map(entries) if !of_key && !entries.is_empty() && self.rng.chance(70) => {
                // A compact mapping: `- key: value`, its keys at the column after the gap.
                let gap = 1 + self.rng.under(3);
                self.spaces(gap);
                self.collection(yaml, indent + 1 + gap, true);
            }
            Yaml::List(items)
                if of_key
                    && matches!(items.first(), Some(Yaml::Scalar(_)))
                    && self.rng.chance(40) =>
            {
                // A list at its key's indentation (the line reader declines one whose first
                // item is not on the `-`'s line).
                self.line_end();
                self.collection(yaml, indent, false);
            }
            Yaml::Map(entries) if entries.is_empty() => self.line_end(),
            Yaml::List(items) if items.is_empty() => self.line_end(),
            _ => {
                self.line_end();
                let deeper = indent + 1 + self.rng.under(3);
                self.collection(yaml, deeper, false);
            }
        }
    }
}

fn text(rng: &mut Random) -> String {
    let root = loop {
        match tree(rng, 0) {
            yaml @ Yaml::Map(_) | yaml @ Yaml::List(_) => break yaml,
            _ => {}
        }
    };
    let mut writer = Writer {
        rng,
        out: String::new(),
    };
    if writer.rng.chance(30) {
        writer.out.push_str("# exported\n");
    }
    match writer.rng.under(10) {
        0 => writer.out.push_str("---\n"),
        1 => writer.out.push_str("--- # a document\n"),
        _ => {}
    }
    let indent = if writer.rng.chance(20) { 2 } else { 0 };
    writer.collection(&root, indent, false);
    let mut out = writer.out;
    if rng.chance(15) {
        out.pop();
    }
    if rng.chance(25) {
        out = out.replace('\n', "\r\n");
    }
    out
}

const NOISE: &[&str] = &[
    "-", ":", "#", "'", "\"", "\n", " ", "\t", "\r", "[", "]", "{", "}", "&a ", "*a", "!t ", "|",
    ">", "?", "%", "@", "`", ",", "\\", "---\n", "...\n", "- ", ": ", " #", "\u{feff}", "\u{85}",
    "é", "\u{2028}", "  ", "\n  ", "\n- ",
];

fn perturb(rng: &mut Random, text: &str) -> String {
    let mut out = text.to_owned();
    for _ in 0..1 + rng.under(2) {
        let mut at = rng.under(out.len() + 1);
        while !out.is_char_boundary(at) {
            at -= 1;
        }
        match rng.under(3) {
            0 => out.insert_str(at, rng.pick(NOISE)),
            1 if at < out.len() => {
                let c = out[at..].chars().next().expect("a character at a boundary");
                out.replace_range(at..at + c.len_utf8(), "");
            }
            _ => {
                let c = out[at..].chars().next().map_or(0, char::len_utf8);
                out.replace_range(at..at + c, rng.pick(NOISE));
            }
        }
    }
    out
}

/// What the line reader made of `text`: taken (and equal to granit-parser's tree), or
/// declined. Panics, naming the text, when it takes a text granit-parser refuses or reads
/// otherwise.
fn compare(text: &str) -> bool {
    let source = Source::from_text("t.yaml", text);
    let (lines, events) = both_readers(&source);
    let Some(lines) = lines else {
        return false;
    };
    match events {
        Ok(events) => assert_eq!(
            format!("{events:?}"),
            format!("{lines:?}"),
            "the line reader reads {text:?} otherwise than granit-parser"
        ),
        Err(e) => panic!(
            "the line reader takes {text:?}, which granit-parser refuses: {}",
            e.diagnostics[0]
        ),
    }
    true
}

#[test]
fn generated_texts_read_as_granit_parser_reads_them() {
    let seed = env_number("CUTOVER_YAML_BLOCK_SEED", 0x5eed_b10c);
    let cases = env_number("CUTOVER_YAML_BLOCK_CASES", 400);
    let mut rng = Random(seed | 1);
    let (mut perturbed, mut declined) = (0, 0);
    for case in 0..cases {
        let text = text(&mut rng);
        assert!(
            compare(&text),
            "case {case} of seed {seed}: the line reader declines {text:?}, in its subset"
        );
        for _ in 0..4 {
            let broken = perturb(&mut rng, &text);
            perturbed += 1;
            if !compare(&broken) {
                declined += 1;
            }
        }
    }
    // Both sides of the line are met: most perturbations leave the subset, some do not.
    assert!(
        declined * 4 > perturbed && declined < perturbed,
        "{declined} of {perturbed} perturbed texts declined"
    );
}

/// Where granit-parser puts empty values and items, lists at their key's indentation and
/// the ends of collections, each taken by the line reader.
#[test]
fn spans_of_the_edge_cases_match() {
    for text in [
        "a:   # c\nb: 1\n",
        "a:\nb: 1",
        "a: 1   \nb: x#y   # c\n# end\n\n",
        "- a\n-\n- # c\n-   \n- b\n",
        "k:\n- a\n-\n",
        "-   a: 1\n    b: 2\n-  x\n",
        "a:\n  -   \n  - # c\n  -\n    b: 1\n",
        "a:    \n",
        "a: \"x\"   # c\nb: 'y'\n",
        "\"q k\": 1\n's': 2\n",
        "rules:\n# r1\n- name: r\n  q: 'it''s'\n  nested:\n    deep: -1\n\n# tail\n",
        "  - a\n  - b: 1\n    c:\n    - d\n",
        "a: 1\n   ",
        "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n",
        "a:\r\n- x\r\n-\r\n- # c\r\nb:\r\n",
        "a: 1\nb:\r\n  - 'x' # c\r\n",
        "# c\n--- # x\na: []\nb: {}  # c\nc:\n- []\n- {}\n",
        "---\n- a\n",
        "a: 1\n# c\n  # deeper comment after a scalar\nb: 2\n",
        "- a\n    # note\n- 'b'\n      # note\n\n  # c\n",
    ] {
        assert!(compare(text), "the line reader declines {text:?}");
    }
}

/// Texts the line reader must leave to granit-parser (each is YAML it does not read, or
/// is not YAML).
#[test]
fn what_it_declines() {
    for text in [
        "a: [1, 2]\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: |\n  x\n",
        "a: b\n  c\n",
        "a: 'b\n  c'\n",
        "a: \"b\\n\"\n",
        "? a\n: b\n",
        "---\n---\na: 1\n",
        "a: 1\n---\nb: 2\n",
        "--- a: 1\n",
        "---x\na: 1\n",
        "a: [ ]\n",
        "a: []x\n",
        "- {} # c\n  b: 1\n",
        "a: 1\n...\n",
        "%YAML 1.2\n---\na: 1\n",
        "- - a\n",
        "k:\n-\n- a\n",
        "a:\n  b\n",
        "a:\tb\n",
        "a: b\rc: d\n",
        "a: b\r",
        "\u{feff}a: 1\n",
        "a: b: c\n",
        "a : b\n",
        "a: 1\na: 2\n",
        "a: 1\n b: 2\n",
        "- a\nb: 1\n",
        "",
        "# only a comment\n",
        "plain\n",
        "a: 'x'y\n",
        "a: 'x'#c\n",
        "a: b\n  # c\n  d\n",
    ] {
        let source = Source::from_text("t.yaml", text);
        assert!(
            both_readers(&source).0.is_none(),
            "the line reader takes {text:?}"
        );
    }
}
