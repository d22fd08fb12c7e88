//! Layout: where things stand in the text of a list or a mapping, so that items can be
//! dropped or added in the style around them.
//!
//! An item's text runs from its node properties (an anchor `&name` and a tag `!!str`, in
//! either order) to the end of its content; an item written as an alias (`*name`) is that
//! token. Dropping takes an item's separator with it (the following one, or at the end of a
//! flow list the preceding one, so no trailing comma is left) and its whole line when it
//! stands on one — only its own lines: a comment line between two dropped items stays, and
//! a file without a final newline keeps having none. Adding writes the new item the way
//! its neighbour is written: after a comma in a flow list or JSON array (on a line of its
//! own, indented alike, when the neighbour is), or as a `- ` line in a block list, with the
//! file's line ending.
//!
//! Layout is always read from a value's *home*, the node written where its text stands
//! (not one reached through an alias): that is where every inner alias token is known.

use crate::edit::Edit;
use crate::load::File;
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
    pub fn of_list(file: &File, list: &Node) -> Container {
        let (items, flow) = match list.value() {
            Value::List(items, flow) => (&**items, *flow),
            _ => (&[][..], true),
        };
        Container {
            flow,
            dash: !flow,
            items: items.iter().map(|n| extent(file, n)).collect(),
        }
    }

    /// The entries of a mapping node, each from its key (its explicit-key indicator `?`
    /// and the key's anchor and tag included) to the end of its value. Entries merged in
    /// (`<<: *defaults`) are written elsewhere and left out.
    pub fn of_map(file: &File, map: &Node) -> Container {
        let entries = map.entries().unwrap_or_default();
        // Text before an entry's key that is not the previous entry's: the mapping's own
        // start for the first (a `{`, or the first entry's `?`).
        let mut lower = map.span.start as usize;
        let mut items = Vec::with_capacity(entries.len());
        for e in entries.iter().filter(|e| !is_merged(e)) {
            let end = entry_end(file, e) as usize;
            items.push(Span::new(entry_start(file, e, lower), end));
            lower = lower.max(end);
        }
        Container {
            flow: is_flow(&file.source, map),
            dash: false,
            items,
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

/// Whether an entry of a mapping was merged in from elsewhere (`<<: *defaults`).
pub fn is_merged(entry: &crate::node::Entry) -> bool {
    entry.value.alias().is_some() && entry.value.alias_token().is_none()
}

/// The span of a node's own text, from its properties (anchor, tag) to the end of its
/// content: a block collection ends with its last item's content (the parser's end marker
/// may lie past trailing comments and blank lines). A node reached through its own alias
/// is the alias token.
pub fn extent(file: &File, node: &Node) -> Span {
    if let Some(token) = node.alias_token() {
        return token;
    }
    let end = content_end(file, node);
    Span::new(properties_start(file, node), end as usize)
}

/// Where a node's content ends (see [`extent`]).
fn content_end(file: &File, node: &Node) -> u32 {
    if let Some(token) = node.alias_token() {
        return token.end;
    }
    let end = match node.value() {
        Value::List(items, false) => items.last().map(|n| extent(file, n).end),
        // Every own entry: merged ones (`<<: *defaults`) are written elsewhere, and stand
        // here as their alias token.
        Value::Map(entries) if !is_flow(&file.source, node) => {
            entries.iter().map(|e| entry_end(file, e)).max()
        }
        _ => None,
    };
    end.unwrap_or(node.span.end).max(node.span.start)
}

/// Where a mapping entry's text starts: its key's properties (anchor, tag), or before
/// them the explicit-key indicator `?` (`? id` with `: a1` below it, `{? id: a1}`), which
/// may stand on a line above the key. `lower`: where the text before the key that can
/// belong to this entry starts (the end of the previous entry).
fn entry_start(file: &File, entry: &crate::node::Entry, lower: usize) -> usize {
    let key = entry.key_span.start as usize;
    if file.format != crate::load::Format::Yaml || lower > key {
        return key;
    }
    let text = &file.source.text;
    let start = properties_before(text, key).max(lower);
    // The last token before the key, comments left aside: a `?` there is the key's.
    let mut last = None;
    let mut offset = lower;
    for line in text[lower..start].split_inclusive('\n') {
        // A `#` starts a comment after white space or at a line's start (the text scanned
        // may start at one: after a block scalar, whose text ends with its line break).
        let comment = |i: usize| match i {
            0 => offset == 0 || text[..offset].ends_with([' ', '\t', '\n', '\r']),
            _ => line[..i].ends_with([' ', '\t']),
        };
        let code = match line.find('#') {
            Some(i) if comment(i) => &line[..i],
            _ => line,
        };
        let code = code.trim_end();
        if let Some(c) = code.char_indices().last() {
            last = Some((offset + c.0, c.1, code[..c.0].chars().last()));
        }
        offset += line.len();
    }
    match last {
        // A `?` that stands alone as a token (not the end of a plain scalar).
        Some((at, '?', before))
            if before.is_none_or(|b| b.is_whitespace() || "{,[".contains(b)) =>
        {
            at
        }
        _ => start,
    }
}

/// Where a mapping entry's text ends. An empty value (`key:`) has no text of its own (the
/// parser places it at the next token): the entry ends at its colon, which below an
/// explicit key (`? key`) may start a line of its own. A merged entry ends with the alias
/// token that merged it.
fn entry_end(file: &File, entry: &crate::node::Entry) -> u32 {
    let value = &entry.value;
    if is_merged(entry) {
        return value.site().end;
    }
    let end = if value.span.start == value.span.end && value.alias().is_none() {
        let rest = &file.source.text[entry.key_span.end as usize..];
        let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let colon = usize::from(rest[gap..].starts_with(':'));
        let below = match colon {
            0 => colon_below(file, entry.key_span.end as usize),
            _ => None,
        };
        below.unwrap_or(entry.key_span.end + (gap * colon + colon) as u32)
    } else {
        content_end(file, value)
    };
    end.max(entry.key_span.end)
}

/// The end of an explicit key's value indicator (a `:` followed by a space or the line's
/// end) when it starts one of the lines after `offset` (blank and comment lines between),
/// and only comments follow `offset` on its line.
fn colon_below(file: &File, offset: usize) -> Option<u32> {
    if file.format != crate::load::Format::Yaml {
        return None;
    }
    let source = &file.source;
    let first = source.line_index(offset);
    let rest = source.text[offset..source.line_range(first).end].trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    for line in first + 1..source.line_count() {
        let text = source.line_text(line);
        let code = text.trim_start();
        if code.is_empty() || code.starts_with('#') {
            continue;
        }
        let after = code.strip_prefix(':')?;
        if !(after.is_empty() || after.starts_with([' ', '\t', '\r', '\n'])) {
            return None;
        }
        let at = source.line_range(line).start + (text.len() - code.len()) + 1;
        return Some(at as u32);
    }
    None
}

/// Where a node's properties start: its anchor (the parser says where, even on an earlier
/// line) and a tag, in either order, written right before it; or the node's start.
pub fn properties_start(file: &File, node: &Node) -> usize {
    let mut start = node.span.start as usize;
    // Only YAML writes node properties (in JSON or Sieve, a `&x` before a value would be
    // something else, such as the end of a comment).
    if file.format != crate::load::Format::Yaml {
        return start;
    }
    if let Some(anchor) = file.anchor_of(node.span) {
        start = start.min(anchor.token.start as usize);
    }
    properties_before(&file.source.text, start)
}

/// Where the node properties (`&name`, `!tag`) written on the same line right before
/// `offset` start, or `offset` when there are none.
fn properties_before(text: &str, mut offset: usize) -> usize {
    // At most an anchor and a tag stand before a node.
    for _ in 0..2 {
        let trimmed = text[..offset].trim_end_matches([' ', '\t']);
        let start = trimmed
            .rfind(|c: char| c.is_whitespace() || "[]{},:".contains(c))
            .map_or(0, |i| i + 1);
        let token = &trimmed[start..];
        if token.len() > 1 && token.starts_with(['&', '!']) {
            offset = start;
        } else {
            break;
        }
    }
    offset
}

/// Where a block list item whose content starts on a line below its `-` (the dash alone on
/// its line, but for a comment and the item's anchor or tag; comment lines may stand
/// between) has that dash: the item's lines start there. `None` for an item that starts on its dash's line.
fn lone_dash_before(source: &Source, offset: usize) -> Option<usize> {
    let mut line = source.line_index(offset);
    if !source.text[source.line_range(line).start..offset]
        .trim()
        .is_empty()
    {
        return None;
    }
    while line > 0 {
        line -= 1;
        let text = source.line_text(line);
        let code = match text.find('#') {
            Some(i) if i == 0 || text[..i].ends_with([' ', '\t']) => &text[..i],
            _ => text,
        };
        let code = code.trim();
        // The dash, alone or with the item's node properties (`- !!map`, `- &a`).
        let dash = code.strip_prefix('-').is_some_and(|rest| {
            rest.is_empty()
                || rest.starts_with([' ', '\t'])
                    && rest.split_whitespace().all(|t| t.starts_with(['&', '!']))
        });
        match code {
            "" => continue,
            _ if dash => return Some(source.line_range(line).start + text.find('-')?),
            _ => return None,
        }
    }
    None
}

/// Edits that drop the marked items of a container.
pub fn removal_edits(source: &Source, container: &Container, removed: &[bool]) -> Vec<Edit> {
    // A block list item below a dash alone on its line goes with that line.
    let items: Vec<Span> = if container.dash {
        let dashed = |item: &Span| {
            let start = lone_dash_before(source, item.start as usize);
            Span::new(start.unwrap_or(item.start as usize), item.end as usize)
        };
        container.items.iter().map(dashed).collect()
    } else {
        container.items.clone()
    };
    let alone = |offset: u32| stands_alone(source, offset as usize, container.dash);
    let line_of = |offset: u32| source.line_index(offset as usize);
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
        let next = items.get(j + 1);
        // Each item of the run on lines of its own: its lines go, and only its lines, so a
        // comment line between two stays. (At the end of a flow list, the comma before the
        // run must go too: see below.)
        let run_on_own_lines = (i..=j).all(|k| {
            alone(items[k].start)
                && items
                    .get(k + 1)
                    .is_none_or(|n| line_of(n.start) > line_of(items[k].end))
                && (!container.flow || separator_ends_line(source, items[k].end as usize))
        });
        let on_own_lines = run_on_own_lines && (next.is_some() || (!container.flow && i > 0));
        if on_own_lines {
            let mut lines: Vec<std::ops::Range<usize>> = Vec::new();
            for item in &items[i..=j] {
                let range = whole_lines(source, *item);
                match lines.last_mut() {
                    Some(last) if range.start == last.end => last.end = range.end,
                    _ => lines.push(range),
                }
            }
            if let Some(last) = lines.last_mut() {
                *last = without_adding_final_newline(source, last.clone());
            }
            edits.extend(lines.into_iter().map(Edit::delete));
        } else if next.is_some() {
            // Up to the next item's own start (not its dash): on one line with the run, the
            // next item takes the run's place after the dash they share.
            let (from, to) = (container.items[i].start, container.items[j + 1].start);
            edits.push(Edit::delete(from as usize..to as usize));
        } else if i > 0
            && run_on_own_lines
            && let Some(comma) = comma_ending_line(source, items[i - 1].end as usize)
        {
            // The last items of a flow list, each on lines of its own: their lines go, and
            // the comma after the item before them, whose comment stays with it.
            edits.push(Edit::delete(comma..comma + 1));
            let lines = whole_lines(source, items[i]).start..whole_lines(source, items[j]).end;
            edits.push(Edit::delete(lines));
        } else if i > 0 {
            edits.push(Edit::delete(
                items[i - 1].end as usize..items[j].end as usize,
            ));
        }
        i = j + 1;
    }
    edits
}

/// Where the comma right after an item ending at `offset` stands, when that comma ends
/// the item's line (but for a comment).
fn comma_ending_line(source: &Source, offset: usize) -> Option<usize> {
    let after = &source.text[offset..];
    let at = offset + after.len() - after.trim_start_matches([' ', '\t']).len();
    (source.text[at..].starts_with(',') && separator_ends_line(source, offset)).then_some(at)
}

/// The whole lines an item stands on, with their line ending.
fn whole_lines(source: &Source, item: Span) -> std::ops::Range<usize> {
    let first = source.line_index(item.start as usize);
    let last = source.line_index(item.end as usize);
    source.line_range(first).start..source.line_range(last).end
}

/// Whole lines to delete; when they are the last of a file without a final newline, the
/// line ending before them goes instead of theirs, so that none is added.
fn without_adding_final_newline(
    source: &Source,
    lines: std::ops::Range<usize>,
) -> std::ops::Range<usize> {
    let text = &source.text;
    if lines.end == text.len() && !text.ends_with('\n') && lines.start > 0 {
        let before = &text[..lines.start];
        let ending = if before.ends_with("\r\n") { 2 } else { 1 };
        return lines.start - ending..lines.end;
    }
    lines
}

/// Whether, after an item of a flow list ending at `offset`, its line holds nothing but
/// the comma that separates it (and a comment).
fn separator_ends_line(source: &Source, offset: usize) -> bool {
    let line = source.line_index(offset);
    let range = source.line_range(line);
    let rest = source.text[offset..range.end].trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix(',').unwrap_or(rest).trim();
    rest.is_empty() || rest.starts_with('#')
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

/// The edit that adds `texts` (items written out) right after the item `after` of a
/// container, in the style of that item.
pub fn insert_after(source: &Source, container: &Container, after: Span, texts: &[String]) -> Edit {
    let start = after.start as usize;
    let line = source.line_index(start);
    let line_text = source.line_text(line);
    let column = start - source.line_range(line).start;
    let mut out = String::new();
    if container.flow {
        if let Some(edit) = insert_below_comment(source, after, texts) {
            return edit;
        }
        // The separator the list already uses between two items (`,`, `, `, a line break
        // and indentation), so that the inserted item reads like its neighbours; else one
        // made from the item's own line.
        let position = container.items.iter().position(|i| *i == after);
        let between = |a: Span, b: Span| &source.text[a.end as usize..b.start as usize];
        let neighbours = position.and_then(|i| {
            let next = container.items.get(i + 1).map(|n| between(after, *n));
            let previous = i.checked_sub(1).map(|p| between(container.items[p], after));
            next.into_iter().chain(previous).find(|sep| {
                sep.trim_start().starts_with(',')
                    && sep.trim_start()[1..].trim().is_empty()
                    && !sep.contains('#')
            })
        });
        let separator = match neighbours {
            Some(separator) => separator.to_owned(),
            None if stands_alone(source, start, false) => {
                format!(",{}{}", line_ending(source, line), &line_text[..column])
            }
            None => ", ".to_owned(),
        };
        for text in texts {
            out.push_str(&separator);
            out.push_str(text);
        }
        Edit::insert(after.end as usize, out)
    } else {
        // An item whose content stands below its dash is copied the same way: the dash
        // alone on its line, the content on the next, indented alike.
        let (dash_line, lead) = match lone_dash_before(source, start) {
            Some(dash) => {
                let line = source.line_index(dash);
                let upto = dash + 1 - source.line_range(line).start;
                let lead = format!("{}{}", line_ending(source, line), &line_text[..column]);
                (&source.line_text(line)[..upto], lead)
            }
            None => (&line_text[..column], String::new()),
        };
        // A `- ` line under the item's own: the same prefix, blanked but for the dash.
        let prefix: String = dash_line
            .chars()
            .map(|c| {
                if c == '-' || c.is_whitespace() {
                    c
                } else {
                    ' '
                }
            })
            .collect();
        // Whole lines, inserted where the next line starts, so that a patch shows them as
        // added lines only; at the end of a file without a final newline, after the
        // line's end instead (the file still ends without one).
        let last_line = source.line_index(after.end as usize);
        let range = source.line_range(last_line);
        let ending = line_ending(source, last_line);
        // (A text that starts with a line break, a copy whose anchor was left out, gets
        // no space after its dash.)
        let item = |out: &mut String, text: &str| {
            let own_line = text.starts_with(['\n', '\r']);
            match own_line || !lead.is_empty() {
                true => out.push_str(prefix.trim_end()),
                false => out.push_str(&prefix),
            }
            if !own_line {
                out.push_str(&lead);
            }
            out.push_str(text);
        };
        if source.text[range.clone()].ends_with('\n') {
            for text in texts {
                item(&mut out, text);
                out.push_str(ending);
            }
            Edit::insert(range.end, out)
        } else {
            for text in texts {
                out.push_str(ending);
                item(&mut out, text);
            }
            Edit::insert(range.end, out)
        }
    }
}

/// For an item of a flow list that stands on its own line with a comment after it (and
/// after its comma): the items inserted on lines of their own below that line, so that the
/// comment stays with the item it follows. `None` for any other item.
fn insert_below_comment(source: &Source, after: Span, texts: &[String]) -> Option<Edit> {
    let start = after.start as usize;
    let line = source.line_index(start);
    let indent = &source.line_text(line)[..start - source.line_range(line).start];
    let end_line = source.line_index(after.end as usize);
    let range = source.line_range(end_line);
    let rest = &source.text[after.end as usize..range.end];
    let body = rest.trim_end_matches(['\r', '\n']);
    let trimmed = body.trim_start_matches([' ', '\t']);
    let comma = trimmed.starts_with(',');
    // (After an item that parsed, only its comma and a comment can stand on its line.)
    let commented = trimmed
        .strip_prefix(',')
        .unwrap_or(trimmed)
        .trim_start()
        .starts_with('#');
    let line_ends = body.len() < rest.len();
    if !(stands_alone(source, start, false) && commented && line_ends) {
        return None;
    }
    let ending = line_ending(source, end_line);
    if comma {
        // Whole lines, before the next line: a patch shows them as added lines only.
        let lines: String = texts
            .iter()
            .map(|text| format!("{indent}{text},{ending}"))
            .collect();
        return Some(Edit::insert(range.end, lines));
    }
    // The last item: its comma goes before the comment, the new items below it.
    let mut out = format!(",{body}");
    for (n, text) in texts.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(ending);
        out.push_str(indent);
        out.push_str(text);
    }
    Some(Edit::replace(
        after.end as usize..after.end as usize + body.len(),
        out,
    ))
}

/// Where the first carriage return that ends a line alone (not before a line feed)
/// stands: YAML reads it as a line break, but the lines cutover writes, its patches and
/// the tools that apply them count line feeds only.
pub fn lone_carriage_return(source: &Source) -> Option<usize> {
    let bytes = source.text.as_bytes();
    memchr::memchr_iter(b'\r', bytes).find(|&at| bytes.get(at + 1) != Some(&b'\n'))
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

    fn list_of(text: &str) -> (File, Container) {
        let file = File::parse(Source::from_text("t.yaml", text)).unwrap();
        let node = file.docs()[0].field("l").unwrap().clone();
        let container = Container::of_list(&file, &node);
        (file, container)
    }

    #[test]
    fn an_item_below_a_lone_dash_is_added_the_same_way() {
        let (file, c) = list_of("l:\n  -  # c\n    a: 1\n    b: 2\n");
        let e = insert_after(&file.source, &c, c.items[0], &["a: 3\n    b: 4".into()]);
        assert_eq!(
            edit::apply(&file.source.text, &[e]),
            "l:\n  -  # c\n    a: 1\n    b: 2\n  -\n    a: 3\n    b: 4\n"
        );
        // Below a lone dash, a copy whose text starts on a line of its own is given no
        // other.
        let (file, c) = list_of("l:\n  -\n    a: 1\n");
        let e = insert_after(&file.source, &c, c.items[0], &["\n    a: 3".into()]);
        assert_eq!(
            edit::apply(&file.source.text, &[e]),
            "l:\n  -\n    a: 1\n  -\n    a: 3\n"
        );
        // A copy whose anchor was left out starts with a line break: no space after `-`.
        let (file, c) = list_of("l:\n  - &x\n    a: 1\n");
        let e = insert_after(&file.source, &c, c.items[0], &["\n    a: 3".into()]);
        assert_eq!(
            edit::apply(&file.source.text, &[e]),
            "l:\n  - &x\n    a: 1\n  -\n    a: 3\n"
        );
    }

    #[test]
    fn insertion_follows_the_neighbour() {
        let (file, c) = list_of("l: [a, b]\n");
        let e = insert_after(&file.source, &c, c.items[0], &["n".into()]);
        assert_eq!(edit::apply(&file.source.text, &[e]), "l: [a, n, b]\n");
        let (file, c) = list_of("l: [a,b]\n");
        let e = insert_after(&file.source, &c, c.items[1], &["n".into()]);
        assert_eq!(edit::apply(&file.source.text, &[e]), "l: [a,b,n]\n");
        let (file, c) = list_of("l:\r\n  - a  # note\r\n  - b\r\n");
        let e = insert_after(&file.source, &c, c.items[0], &["n".into()]);
        assert_eq!(
            edit::apply(&file.source.text, &[e]),
            "l:\r\n  - a  # note\r\n  - n\r\n  - b\r\n"
        );
        let (file, c) = list_of("l: [\n    a,\n    b\n]\n");
        let e = insert_after(&file.source, &c, c.items[1], &["n".into()]);
        assert_eq!(
            edit::apply(&file.source.text, &[e]),
            "l: [\n    a,\n    b,\n    n\n]\n"
        );
    }

    /// The text of the first item of the list `l`, as `extent` sees it.
    fn first_item_text(text: &str) -> String {
        let file = File::parse(Source::from_text("t.yaml", text)).unwrap();
        let item = &file.docs()[0].field("l").unwrap().items().unwrap()[0];
        file.source.text[extent(&file, item).range()].to_owned()
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
    fn an_item_starts_with_its_anchor_and_tag_in_either_order() {
        assert_eq!(first_item_text("l: [&x !!str a, b]\n"), "&x !!str a");
        assert_eq!(first_item_text("l: [!!str &x a, b]\n"), "!!str &x a");
        assert_eq!(first_item_text("x: &y v\nl: [*y, b]\n"), "*y");
        assert_eq!(
            first_item_text("l:\n  - &e\n    account: a\n  - b\n"),
            "&e\n    account: a"
        );
    }

    #[test]
    fn a_merged_entry_ends_with_its_alias() {
        let text = "t: &t {account: a}\nl:\n  - <<: *t\n  - b\n";
        assert_eq!(first_item_text(text), "<<: *t");
    }

    /// The text of each entry of the first item of the list `l`, as a container of its
    /// entries sees it.
    fn entry_texts(text: &str) -> Vec<String> {
        let file = File::parse(Source::from_text("t.yaml", text)).unwrap();
        let item = &file.docs()[0].field("l").unwrap().items().unwrap()[0];
        let c = Container::of_map(&file, item);
        c.items
            .iter()
            .map(|s| file.source.text[s.range()].to_owned())
            .collect()
    }

    #[test]
    fn an_explicit_key_starts_its_entry() {
        assert_eq!(
            entry_texts("l:\n  - ? id\n    : a1\n    account: a\n"),
            ["? id\n    : a1", "account: a"]
        );
        assert_eq!(
            entry_texts("l:\n  - account: a\n    ? id  # c\n    : a1\n    ?\n      x\n    : 2\n"),
            ["account: a", "? id  # c\n    : a1", "?\n      x\n    : 2"]
        );
        assert_eq!(
            entry_texts("l:\n  - {? id: a1, account: a, ? x : 2, y?: 3}\n"),
            ["? id: a1", "account: a", "? x : 2", "y?: 3"]
        );
        assert_eq!(
            entry_texts("l:\n  - ? id\n    account: a\n    b: what?\n    c: 1\n"),
            ["? id", "account: a", "b: what?", "c: 1"]
        );
        // A comment line ending in ` ?` after a block scalar is a comment, not the next
        // key's indicator (French spacing: `# À garder ?`).
        assert_eq!(
            entry_texts("l:\n  - s: |\n      x\n    # garder ?\n    id: a1\n"),
            ["s: |\n      x\n    ", "id: a1"]
        );
        assert_eq!(
            entry_texts("l:\n  - s: |\n      x\n# ?\n    id: a1\n"),
            ["s: |\n      x\n", "id: a1"]
        );
        // An empty value whose `:` stands below its explicit key.
        assert_eq!(
            entry_texts("l:\n  - ? id  # c\n    :\n    account: a\n"),
            ["? id  # c\n    :", "account: a"]
        );
        // A key's anchor and tag are its entry's.
        assert_eq!(
            entry_texts("l:\n  - !!str id: a1\n    ? &k x\n    : 2\n"),
            ["!!str id: a1", "? &k x\n    : 2"]
        );
    }

    #[test]
    fn entries_drop_with_their_separator() {
        let file = File::parse(Source::from_text(
            "t.yaml",
            "- id: 1\n  account: a\n- {id: 2, account: b}\n",
        ))
        .unwrap();
        let items = file.docs()[0].items().unwrap();
        for (item, expected) in [
            (&items[0], "- account: a\n- {id: 2, account: b}\n"),
            (&items[1], "- id: 1\n  account: a\n- {account: b}\n"),
        ] {
            let c = Container::of_map(&file, item);
            let edits = removal_edits(&file.source, &c, &[true, false]);
            assert_eq!(edit::apply(&file.source.text, &edits), expected);
        }
    }

    fn drop(text: &str, removed: &[bool]) -> String {
        let (file, c) = list_of(text);
        edit::apply(&file.source.text, &removal_edits(&file.source, &c, removed))
    }

    #[test]
    fn dropping_keeps_what_is_not_the_item() {
        // The next item's anchor and tag stay with it.
        assert_eq!(
            drop("l: [b, a, &y z, *y]\n", &[false, true, false, false]),
            "l: [b, &y z, *y]\n"
        );
        assert_eq!(drop("l: [!!str a, b]\n", &[true, false]), "l: [b]\n");
        let block = "l:\n  - a\n  - &y z   # c\n";
        assert_eq!(drop(block, &[true, false]), "l:\n  - &y z   # c\n");
        // A comment line between two dropped items stays.
        let block = "l:\n  - b\n  - a\n  # keep me\n  - a\n  - z\n";
        assert_eq!(
            drop(block, &[false, true, true, false]),
            "l:\n  - b\n  # keep me\n  - z\n"
        );
        // No final newline is added.
        assert_eq!(drop("l:\n  - b\n  - a", &[false, true]), "l:\n  - b");
        assert_eq!(drop("l:\r\n  - b\r\n  - a", &[false, true]), "l:\r\n  - b");
        assert_eq!(
            drop("l:\n  - b\n  - a\n  - a", &[false, true, true]),
            "l:\n  - b"
        );
        // A run not on lines of its own goes up to the next item's own start, below its
        // lone dash: the next item takes its place (the inner list of `- - a`).
        let file = File::parse(Source::from_text("t.yaml", "- - a\n  -\n    b: 1\n")).unwrap();
        let inner = &file.docs()[0].items().unwrap()[0];
        let c = Container::of_list(&file, inner);
        let edits = removal_edits(&file.source, &c, &[true, false]);
        assert_eq!(edit::apply(&file.source.text, &edits), "- - b: 1\n");
        // An item below a dash alone on its line (but for a comment) goes with that line.
        let lone = "l:\n  -\n    a: 1\n    b: 2\n  - # c\n\n    a: 3\n  - a: 4\n";
        assert_eq!(
            drop(lone, &[false, true, false]),
            "l:\n  -\n    a: 1\n    b: 2\n  - a: 4\n"
        );
        assert_eq!(
            drop(lone, &[true, false, true]),
            "l:\n  - # c\n\n    a: 3\n"
        );
        // A flow list on lines of its own.
        assert_eq!(
            drop("l: [\n  a,\n  b\n]\n", &[true, false]),
            "l: [\n  b\n]\n"
        );
        assert_eq!(
            drop("l: [\n  a,\n  b\n]\n", &[false, true]),
            "l: [\n  a\n]\n"
        );
    }
}
