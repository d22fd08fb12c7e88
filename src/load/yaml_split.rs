//! Parsing one large YAML file on two cores.
//!
//! An export is mostly one long block list (the rules). The text is cut at the first item
//! of that list after the middle (`S`, a line `- ` at the list's indentation) and at the
//! end of the list (`E`, the first line after `S` that is neither deeper, nor another
//! item, nor blank, nor a comment). The second thread parses `S..E` on its own: a block
//! list is YAML by itself. The main thread parses the whole text with `S..E` blanked out
//! (every byte but line breaks made a space, so every offset stays where it was): the list
//! simply ends earlier. Then the second half's items join the list.
//!
//! The cut is only a guess made from lines, so the result is taken only when it is
//! exactly what one parse of the whole text gives; anything else parses the text on one
//! core (and so reports every error as that parse does):
//!
//! * both parts parse, and neither defines an anchor or uses an alias (an alias could
//!   point across the cut);
//! * the second part is one document, one block list whose first item is the one at `S`;
//! * in the main tree, the deepest block list open at `S` has its own `-` at `S`'s
//!   indentation (a list at its key's indentation, `key:\n- a`, starts at its first
//!   item, not at the `-`; columns count characters, a BOM none), and what its last item
//!   ends in are block collections only, closed by line `E` (a scalar reaching past `S`,
//!   such as a block scalar kept with `|+`, would read the blanked lines into its value; a
//!   flow mapping open across the cut ends after them, at its `}`);
//! * the depth limit holds for the second half's items where they end up;
//! * the text has no directive (`%TAG` would hold for the second part too), at a line's
//!   start or after a BOM there, and no CR that breaks a line by itself (the cut reads
//!   lines by LF);
//! * every item of the list in the main tree stands before the cut.
//!
//! `tests/yaml_split.rs` generates texts aimed at the cut (lists at every indentation, at
//! their key's, compact; block, flow, quoted and multi-line scalars; comments, CRLF, tabs,
//! several documents; broken texts) and sweeps the middle across them; the bugs it found
//! are tests there.
//!
//! One parse ends a block collection where the next token begins: the last item before `S`
//! at the `-` of `S`'s line, the last item of the second part at the first token of line
//! `E`. The parts end them elsewhere (at the blanked lines' end, at the end of the part),
//! so those ends are set to where one parse puts them. Debug builds (every test) parse the
//! whole text too and assert that the trees are the same, spans and all.

use crate::load::MAX_DEPTH;
use crate::node::{Node, Value};
use crate::source::Source;

use super::yaml::parse_text;

pub fn parse(source: &Source) -> Option<Vec<Node>> {
    let text = &source.text;
    let cut = Cut::find(text, text.len() / 2)?;
    let blanked = cut.blanked(text);
    let (main, tail) = std::thread::scope(|scope| {
        let tail = scope.spawn(|| parse_text(source, &text[cut.start..cut.end], cut.start));
        let main = parse_text(source, &blanked, 0);
        (main, tail.join())
    });
    let (Ok(main), Ok(Ok(tail))) = (main, tail) else {
        return None;
    };
    if main.uses_anchors || tail.uses_anchors {
        return None;
    }
    let [tail_root] = <[Node; 1]>::try_from(tail.docs).ok()?;
    if tail_root.span.start as usize != cut.start + cut.indent {
        return None;
    }
    let Value::List(tail_items, false) = tail_root.into_value() else {
        return None;
    };
    let mut docs = main.docs;
    let (list, depth) = list_before(&mut docs, cut.start, cut.end, cut.indent, text)?;
    if depth + tail.deepest > MAX_DEPTH {
        return None;
    }
    let Value::List(items, false) = list.value_mut() else {
        return None;
    };
    // The last item before the cut ends where the `-` at `S` begins; every item of the
    // list stands before the cut (one after the blanked lines would be a line the cut
    // took for the list's end).
    // The main part closes its block collections at the first token of line `E` (or at
    // its end).
    let closed = if cut.end < text.len() {
        cut.end + cut.end_indent
    } else {
        text.len()
    };
    let last = items.last_mut()?;
    if last.span.start as usize >= cut.start
        || !end_at(last, cut.start, closed, cut.start + cut.indent)
    {
        return None;
    }
    let mut joined = std::mem::take(items).into_vec();
    joined.extend(tail_items.into_vec());
    // The second part's last item ends at the first token of line `E`.
    if let Some(last) = joined.last_mut()
        && cut.end < text.len()
        && !end_at(last, cut.end - 1, cut.end, cut.end + cut.end_indent)
    {
        return None;
    }
    *items = joined.into_boxed_slice();
    Some(docs)
}

/// Where the text is cut: the second part is `start..end`, a block list whose items stand
/// `indent` spaces in; the line at `end` (when there is one) is `end_indent` spaces in.
#[derive(Debug, PartialEq)]
struct Cut {
    start: usize,
    end: usize,
    indent: usize,
    end_indent: usize,
}

impl Cut {
    /// The cut at an item after `middle`, and the end of its list, by lines alone: the
    /// first of the least indented item lines within a quarter of the text after it (the
    /// items of the outermost list open there, as a rule).
    fn find(text: &str, middle: usize) -> Option<Cut> {
        let bytes = text.as_bytes();
        // A directive (`%YAML`, `%TAG`) holds for the document the second part comes
        // from, which the part would not know: not cut. It starts a line, or follows a BOM
        // there.
        if bytes.first() == Some(&b'%')
            || memchr::memmem::find(bytes, b"\n%").is_some()
            || memchr::memmem::find(bytes, "\u{feff}%".as_bytes()).is_some()
        {
            return None;
        }
        // A CR alone breaks a line too, which the cut's lines (ended by LF) would not see.
        if memchr::memchr_iter(b'\r', bytes).any(|at| bytes.get(at + 1) != Some(&b'\n')) {
            return None;
        }
        let mut at = middle.min(bytes.len());
        // The start of the line after the one `middle` falls in (unless it is a start).
        if at > 0 && bytes[at - 1] != b'\n' {
            at += memchr::memchr(b'\n', &bytes[at..])? + 1;
        }
        // How far past the middle an item is looked for.
        let give_up = at + bytes.len() / 4;
        let mut best: Option<(usize, usize)> = None;
        while let Some(line) = Line::at(bytes, at) {
            if line.item && best.is_none_or(|(_, indent)| line.indent < indent) {
                best = Some((at, line.indent));
            }
            if best.is_some_and(|(_, indent)| indent == 0) || line.next > give_up {
                break;
            }
            at = line.next;
        }
        let (start, indent) = best?;
        let mut at = Line::at(bytes, start)?.next;
        let (end, end_indent) = loop {
            let Some(line) = Line::at(bytes, at) else {
                break (bytes.len(), 0);
            };
            if line.tab {
                return None; // tabs before content: leave it to one parse
            }
            let within = line.blank || line.indent > indent || (line.item && line.indent == indent);
            if !within {
                break (at, line.indent);
            }
            at = line.next;
        };
        Some(Cut {
            start,
            end,
            indent,
            end_indent,
        })
    }

    /// The text with the second part blanked out: spaces, its line breaks kept.
    fn blanked(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        out.push_str(&text[..self.start]);
        out.extend(text[self.start..self.end].bytes().map(|b| {
            if b == b'\n' || b == b'\r' {
                b as char
            } else {
                ' '
            }
        }));
        out.push_str(&text[self.end..]);
        out
    }
}

/// Whether what follows a `-` makes it a list item's: white space, a line break or the end.
fn separates(next: Option<&u8>) -> bool {
    matches!(next, None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

/// One line, as far as the cut reads it.
struct Line {
    /// Spaces before its content.
    indent: usize,
    /// Empty, white space only, or a comment only.
    blank: bool,
    /// A block list item: `-` then a space, a line break or the end.
    item: bool,
    /// A tab among the white space before its content.
    tab: bool,
    /// Where the next line starts.
    next: usize,
}

impl Line {
    fn at(bytes: &[u8], start: usize) -> Option<Line> {
        if start >= bytes.len() {
            return None;
        }
        let next = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1);
        let line = &bytes[start..next];
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let lead = line
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let content = &line[lead..];
        let blank = matches!(content.first(), None | Some(b'\n' | b'\r' | b'#'));
        let item = lead == indent && content.first() == Some(&b'-') && separates(content.get(1));
        Some(Line {
            indent,
            blank,
            item,
            tab: lead > indent && !blank,
            next,
        })
    }
}

/// The block list that the text before `cut` ends in, with its items `indent` spaces in
/// (the deepest one on the way down to `cut`), and how many collections hold it.
fn list_before<'d>(
    docs: &'d mut [Node],
    cut: usize,
    end: usize,
    indent: usize,
    text: &str,
) -> Option<(&'d mut Node, usize)> {
    let bytes = text.as_bytes();
    // A column as the parser counts it: in characters, a BOM (in a document's prefix, the
    // only one that may stand before a `-` on its line) none.
    let column = |at: usize| {
        let line = text[..at].rfind('\n').map_or(0, |i| i + 1);
        text[line..at].chars().filter(|&c| c != '\u{feff}').count()
    };
    let is_dash = |at: usize| bytes.get(at) == Some(&b'-') && separates(bytes.get(at + 1));
    // A block list's own first `-`: where the list starts; but a list at its key's
    // indentation (`key:\n- a`) starts at its first item, and then its `-` is what its
    // line starts with (the item's own start may be a `-` too: `key:\n- - a`; an empty
    // item starts at its line's end, after a comment that may end in a `-` of its own).
    let own_dash = |list: &Node| {
        let start = list.span.start as usize;
        let first = list.items()?.first()?.span.start as usize;
        if first != start {
            return is_dash(start).then_some(start);
        }
        let line = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let dash = start - text[line..start].trim_start_matches([' ', '\t']).len();
        (dash < start && is_dash(dash)).then_some(dash)
    };
    // The path down: at each node, the last child that starts before the cut.
    let mut path: Vec<usize> = Vec::new();
    let mut found: Option<usize> = None; // the length of the path to the list
    let doc = docs.iter().rposition(|d| (d.span.start as usize) < cut)?;
    let mut node = &docs[doc];
    loop {
        // Open across the cut (a list that ended before it is not the cut's).
        if let Value::List(_, false) = node.value()
            && node.span.end as usize >= end
            && own_dash(node).is_some_and(|dash| column(dash) == indent)
        {
            found = Some(path.len());
        }
        let children: Vec<&Node> = match node.value() {
            Value::List(items, _) => items.iter().collect(),
            Value::Map(entries) => entries.iter().map(|e| &e.value).collect(),
            _ => break,
        };
        let Some(i) = children.iter().rposition(|c| (c.span.start as usize) < cut) else {
            break;
        };
        path.push(i);
        node = children[i];
    }
    let depth = found?;
    let mut node = &mut docs[doc];
    for &i in &path[..depth] {
        node = match node.value_mut() {
            Value::List(items, _) => &mut items[i],
            Value::Map(entries) => &mut entries[i].value,
            _ => return None,
        };
    }
    Some((node, depth + 1))
}

/// Sets where `node` and what it ends in end, for those that reach past `past`, to `end`:
/// false when one of them is not a block collection that its part closes at `closed`.
/// A scalar or a flow list that reaches past the cut is not what one parse gives, and
/// neither is a flow mapping (a `Map` as a block one is): left open across the cut, it
/// ends at its `}` after the blanked lines, while one parse reads the line at `S` into it.
fn end_at(node: &mut Node, past: usize, closed: usize, end: usize) -> bool {
    if node.span.end as usize <= past {
        return true;
    }
    if node.span.end as usize != closed {
        return false;
    }
    node.span.end = end as u32;
    let last = match node.value_mut() {
        Value::List(items, false) => items.iter_mut().max_by_key(|n| n.span.end),
        Value::Map(entries) => entries
            .iter_mut()
            .map(|e| &mut e.value)
            .max_by_key(|n| n.span.end),
        _ => return false,
    };
    last.is_none_or(|last| end_at(last, past, closed, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str, middle: usize) -> Option<(usize, usize, usize, usize)> {
        Cut::find(text, middle).map(|c| (c.start, c.end, c.indent, c.end_indent))
    }

    #[test]
    fn cuts_at_the_next_item_and_the_lists_end() {
        let text = "rules:\n  - a: 1\n    b: 2\n  - a: 3\n\n  # c\n  - a: 4\nother: 1\n";
        let s = text.find("  - a: 3").unwrap();
        let e = text.find("other").unwrap();
        assert_eq!(cut(text, 12), Some((s, e, 2, 0)));
        // To the end of the text.
        let text = "- a\n- b\n- c\n";
        assert_eq!(cut(text, 3), Some((4, text.len(), 0, 0)));
        // A compact list ends at the next key of its own indentation.
        let text = "x:\n- a\n- b\ny: 1\n";
        assert_eq!(cut(text, 4), Some((7, 11, 0, 0)));
        // No item after the middle.
        assert_eq!(cut("a: 1\nb: 2\n", 2), None);
        // A tab before content inside the list: not cut.
        assert_eq!(cut("- a\n- b\n\t- c\n", 2), None);
    }

    /// Both ways give the same tree, spans and all; or the split declines.
    fn same_as_one_parse(text: &str) -> bool {
        let source = Source::from_text("t.yaml", text);
        let one = parse_text(&source, text, 0).map(|p| p.docs);
        match parse(&source) {
            Some(docs) => {
                assert_eq!(
                    format!("{:?}", one.expect("one parse succeeds")),
                    format!("{docs:?}"),
                    "{text:?}"
                );
                true
            }
            None => false,
        }
    }

    #[test]
    fn the_halves_give_the_one_core_tree() {
        let item = |i: usize| {
            format!(
                "  - id: r{i}\n    conditions:\n      - a: [x, y]\n        b: {{c: d}}\n    name: \"n {i}\"\n"
            )
        };
        let body: String = (0..40).map(item).collect();
        for (text, splits) in [
            (
                format!("schema_version: 1\nrules:\n{body}aliases: []\n"),
                true,
            ),
            (format!("rules:\n{body}"), true),
            (
                format!("rules:\n{body}  # trailing comment\n\n  other: 1\n"),
                false,
            ),
            (
                format!("rules:\n{body}\n# comment\nsharing:\n  - a: 1\n"),
                true,
            ),
            // A block scalar at the end of the item before the cut: one parse only.
            (
                format!(
                    "rules:\n{}",
                    (0..40)
                        .map(|i| item(i) + "    note: |+\n      kept\n\n")
                        .collect::<String>()
                ),
                false,
            ),
            // An anchor: one parse only.
            (format!("rules:\n  - &a {{x: 1}}\n{body}  - *a\n"), false),
            // A list inside a block scalar: not the list it looks like.
            (format!("notes: |\n{body}other: 1\n"), false),
            // A list at its key's indentation starts at its first item, not at its `-`
            // (found by the differential test: the cut's list was taken for it).
            (
                "schema_version: 1\nrules:\n- conditions: {}\n  actions:\n  - {}\n".to_owned(),
                false,
            ),
            // Lists at their keys' indentation all through.
            (format!("rules:\n{}", (0..40).map(|i| format!("- id: r{i}\n  conditions:\n  - a: [x, y]\n    b: {{c: d}}\n  name: \"n {i}\"\n")).collect::<String>()), true),
            // A directive: one parse only.
            (format!("%YAML 1.2\n---\nrules:\n{body}"), false),
            // CRLF.
            (format!("rules:\n{body}").replace('\n', "\r\n"), true),
        ] {
            assert_eq!(same_as_one_parse(&text), splits, "{text}");
        }
    }
}
