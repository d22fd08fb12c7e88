//! Layout: where things stand in the text of a list or a mapping, so that items can be
//! dropped or added in the style around them.
//!
//! Dropping takes an item's separator with it (the following one, or at the end of a list
//! the preceding one, so no trailing comma is left) and its whole line when it stands on
//! one. Adding writes the new item the way its neighbour is written: after a comma in a
//! flow list or JSON array (on a line of its own, indented alike, when the neighbour is),
//! or as a `- ` line in a block list, with the file's line ending.

use crate::edit::Edit;
use crate::node::{Node, Span, Value};
use crate::source::Source;

/// The items of a list (or the entries of a mapping) as text: each item's span from its
/// start to the end of its content.
#[derive(Clone, Debug)]
pub struct Container {
    /// Written in flow style (`[a, b]`, `{a: 1}`, any JSON); otherwise YAML block style.
    pub flow: bool,
    /// A block sequence, whose items follow a `- ` indicator.
    pub dash: bool,
    pub items: Vec<Span>,
}

impl Container {
    /// The items of a list node.
    pub fn of_list(source: &Source, list: &Node) -> Container {
        let (items, flow) = match list.value() {
            Value::List(items, flow) => (&**items, *flow),
            _ => (&[][..], true),
        };
        Container {
            flow,
            dash: !flow,
            items: items
                .iter()
                .map(|n| extent_in(source, n, list.alias()))
                .collect(),
        }
    }

    /// The entries of a mapping node, each from its key to the end of its value.
    pub fn of_map(source: &Source, map: &Node) -> Container {
        let entries = map.entries().unwrap_or_default();
        Container {
            flow: is_flow(source, map),
            dash: false,
            items: entries
                .iter()
                .map(|e| {
                    Span::new(
                        e.key_span.start as usize,
                        entry_end(source, e, map.alias()) as usize,
                    )
                })
                .collect(),
        }
    }
}

fn is_flow(source: &Source, node: &Node) -> bool {
    match node.value() {
        Value::List(_, flow) => *flow,
        Value::Map(_) => source.text[node.span.range()].starts_with('{'),
        _ => true,
    }
}

/// The span of a node's own text: a block collection ends with its last item's content
/// (the parser's end marker may lie past trailing comments and blank lines).
pub fn extent(source: &Source, node: &Node) -> Span {
    extent_in(source, node, None)
}

/// The extent of a node inside a parent reached through the alias `parent_alias` (if
/// any). A value reached through an alias of its own is written where that alias stands;
/// within an aliased subtree, values are written under the anchor.
pub fn extent_in(source: &Source, node: &Node, parent_alias: Option<Span>) -> Span {
    if let Some(site) = node.alias()
        && node.alias() != parent_alias
    {
        return site;
    }
    let end = match node.value() {
        Value::List(items, false) => items.last().map(|n| extent_in(source, n, node.alias()).end),
        // Every entry, not just the last: merged entries (`<<: *defaults`) come last but
        // are written elsewhere.
        Value::Map(entries) if !is_flow(source, node) => entries
            .iter()
            .map(|e| entry_end(source, e, node.alias()))
            .filter(|&end| end <= node.span.end.max(node.span.start))
            .max(),
        _ => None,
    };
    Span {
        start: node.span.start,
        end: end.unwrap_or(node.span.end).max(node.span.start),
    }
}

/// Where a mapping entry's text ends. An empty value (`key:`) has no text of its own (the
/// parser places it at the next token): the entry ends at its colon.
fn entry_end(source: &Source, entry: &crate::node::Entry, parent_alias: Option<Span>) -> u32 {
    let value = &entry.value;
    let end = if value.span.start == value.span.end && value.alias().is_none() {
        let rest = &source.text[entry.key_span.end as usize..];
        let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let colon = usize::from(rest[gap..].starts_with(':'));
        entry.key_span.end + (gap * colon + colon) as u32
    } else {
        extent_in(source, value, parent_alias).end
    };
    end.max(entry.key_span.end)
}

/// Edits that drop the marked items of a container.
pub fn removal_edits(source: &Source, container: &Container, removed: &[bool]) -> Vec<Edit> {
    let items = &container.items;
    let alone = |offset: u32| stands_alone(source, offset as usize, container.dash);
    let line_start = |offset: u32| source.line_range(source.line_index(offset as usize)).start;
    let mut edits = Vec::new();
    let mut i = 0;
    while i < items.len() {
        if !removed[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < items.len() && removed[j + 1] {
            j += 1;
        }
        let (first, last) = (items[i], items[j]);
        if let Some(next) = items.get(j + 1) {
            let on_later_line =
                source.line_index(next.start as usize) > source.line_index(last.end as usize);
            if alone(first.start) && alone(next.start) && on_later_line {
                // Whole lines, through the end of the last dropped item's line: comment
                // lines between it and the next item stay (they may be about the next).
                let to = source.line_range(source.line_index(last.end as usize)).end;
                edits.push(Edit::delete(line_start(first.start)..to));
            } else {
                edits.push(Edit::delete(first.start as usize..next.start as usize));
            }
        } else if i > 0 {
            if alone(first.start) && !container.flow {
                let to = source.line_range(source.line_index(last.end as usize)).end;
                edits.push(Edit::delete(line_start(first.start)..to));
            } else {
                edits.push(Edit::delete(items[i - 1].end as usize..last.end as usize));
            }
        }
        i = j + 1;
    }
    edits
}

/// Whether the item starting at `offset` is the first thing on its line (after the block
/// sequence indicator `- ` when `dash`).
pub fn stands_alone(source: &Source, offset: usize, dash: bool) -> bool {
    let line_start = source.line_range(source.line_index(offset)).start;
    let before = source.text[line_start..offset].trim_start();
    before.is_empty()
        || (dash
            && before
                .strip_prefix('-')
                .is_some_and(|rest| rest.trim().is_empty()))
}

/// The edit that adds `text` (an item written out) right after the item `after` of a
/// container, in the style of that item.
pub fn insert_after(source: &Source, container: &Container, after: Span, text: &str) -> Edit {
    let start = after.start as usize;
    let line = source.line_index(start);
    let line_text = source.line_text(line);
    let column = start - source.line_range(line).start;
    if container.flow {
        if stands_alone(source, start, false) {
            let indent = &line_text[..column];
            Edit::insert(
                after.end as usize,
                format!(",{}{indent}{text}", line_ending(source, line)),
            )
        } else {
            Edit::insert(after.end as usize, format!(", {text}"))
        }
    } else {
        // A `- ` line under the item's own: the same prefix, blanked but for the dash.
        let prefix: String = line_text[..column]
            .chars()
            .map(|c| {
                if c == '-' || c.is_whitespace() {
                    c
                } else {
                    ' '
                }
            })
            .collect();
        let last_line = source.line_index(after.end as usize);
        let at = source.line_range(last_line).start + source.line_text(last_line).len();
        Edit::insert(
            at,
            format!("{}{prefix}{text}", line_ending(source, last_line)),
        )
    }
}

/// Where a YAML anchor (`&name `) written right before `offset` starts, or `offset`.
pub fn anchor_before(text: &str, offset: usize) -> usize {
    properties_before(text, offset, &['&'])
}

/// Where the YAML node properties written right before `offset` start — an anchor
/// (`&name`) and a tag (`!!str`), in either order — or `offset` when there are none.
pub fn node_properties_before(text: &str, offset: usize) -> usize {
    properties_before(text, offset, &['&', '!'])
}

fn properties_before(text: &str, mut offset: usize, markers: &[char]) -> usize {
    // At most an anchor and a tag stand before a node.
    for _ in 0..2 {
        let trimmed = text[..offset].trim_end_matches([' ', '\t']);
        let start = trimmed
            .rfind(|c: char| c.is_whitespace() || "[]{},:".contains(c))
            .map_or(0, |i| i + 1);
        let token = &trimmed[start..];
        if token.len() > 1 && token.starts_with(markers) {
            offset = start;
        } else {
            break;
        }
    }
    offset
}

/// The line ending a line uses, or the file's first one, or `\n`.
pub fn line_ending(source: &Source, line: usize) -> &'static str {
    let range = source.line_range(line);
    let text = &source.text[range];
    if text.ends_with("\r\n") || (!text.ends_with('\n') && source.text.contains("\r\n")) {
        "\r\n"
    } else {
        "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit;
    use crate::load::File;

    fn list_of(text: &str) -> (File, Container) {
        let file = File::parse(Source::from_text("t.yaml", text)).unwrap();
        let node = file.docs[0].field("l").unwrap().clone();
        let container = Container::of_list(&file.source, &node);
        (file, container)
    }

    #[test]
    fn insertion_follows_the_neighbour() {
        let (file, c) = list_of("l: [a, b]\n");
        let e = insert_after(&file.source, &c, c.items[0], "n");
        assert_eq!(edit::apply(&file.source.text, &[e]), "l: [a, n, b]\n");
        let (file, c) = list_of("l:\r\n  - a  # note\r\n  - b\r\n");
        let e = insert_after(&file.source, &c, c.items[0], "n");
        assert_eq!(
            edit::apply(&file.source.text, &[e]),
            "l:\r\n  - a  # note\r\n  - n\r\n  - b\r\n"
        );
        let (file, c) = list_of("l: [\n    a,\n    b\n]\n");
        let e = insert_after(&file.source, &c, c.items[1], "n");
        assert_eq!(
            edit::apply(&file.source.text, &[e]),
            "l: [\n    a,\n    b,\n    n\n]\n"
        );
    }

    /// The text of the first item of the list `l`, as `extent` sees it.
    fn first_item_text(text: &str) -> String {
        let file = File::parse(Source::from_text("t.yaml", text)).unwrap();
        let item = &file.docs[0].field("l").unwrap().items().unwrap()[0];
        file.source.text[extent(&file.source, item).range()].to_owned()
    }

    #[test]
    fn block_mappings_end_with_their_last_value() {
        let text = "l:\n  - id: 1\n    name: x\n\n# trailing\nm: 2\n";
        assert_eq!(first_item_text(text), "id: 1\n    name: x");
    }

    #[test]
    fn an_empty_value_ends_at_its_colon() {
        let text = "l:\n  - account: b\n    address:\n  - id: 0\n";
        assert_eq!(first_item_text(text), "account: b\n    address:");
    }

    #[test]
    fn entries_drop_with_their_separator() {
        let file = File::parse(Source::from_text(
            "t.yaml",
            "- id: 1\n  account: a\n- {id: 2, account: b}\n",
        ))
        .unwrap();
        let items = file.docs[0].items().unwrap();
        for (item, expected) in [
            (&items[0], "- account: a\n- {id: 2, account: b}\n"),
            (&items[1], "- id: 1\n  account: a\n- {account: b}\n"),
        ] {
            let c = Container::of_map(&file.source, item);
            let edits = removal_edits(&file.source, &c, &[true, false]);
            assert_eq!(edit::apply(&file.source.text, &edits), expected);
        }
    }
}
