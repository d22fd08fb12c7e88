//! The review as one self-contained HTML page, for the IT admin who checks a cutover and
//! the manager who signs it off, on a laptop screen or printed.
//!
//! Self-contained because the page travels: attached to a change request, kept as a CI
//! artifact, opened offline. So the style is inline and there is no script, no font, no
//! image and nothing to fetch; a Content-Security-Policy makes the browser refuse any fetch
//! even if an escaping mistake ever let markup through. Top to bottom, the page answers the
//! reviewer's questions in order: what is this and does it pass (the header: organisation,
//! counts, the gate), which accounts move where (old → new, names beside IDs), what changes
//! in each setting (one card each, before and after side by side, the fields that differ
//! marked with `<del>`/`<ins>` so that the marking survives without colour), and the exact
//! patch, folded on screen and unfolded on paper. Wording is shared with the text review
//! (`text::gate`, `text::moves`, `text::dropped_because`) so the two never disagree.

use std::fmt::Write;

use super::{ChangeAction, ChangeRecord, Declared, Move, RefKind, Review, SettingChange};
use crate::file_name;

/// Colours are chosen for at least 4.5:1 contrast (WCAG AA) on the backgrounds they sit on;
/// the browser test measures every text element's contrast as rendered.
const STYLE: &str = "
:root { color-scheme: light; --ink: #1d2939; --mid: #475467; --line: #d0d5dd; --soft: #f2f4f7;
  --old: #912018; --old-bg: #fee4e2; --new: #085d3a; --new-bg: #d3f8df; --warn: #93370d;
  --warn-bg: #fef0c7; --info: #1849a9; --info-bg: #e0eaff; }
* { box-sizing: border-box; }
html { background: #fff; }
body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 76rem; padding: 2rem 1.5rem 3rem; }
h1 { font-size: 1.7rem; line-height: 1.2; margin: 0 0 .4rem; }
h2 { font-size: 1.2rem; margin: 2.25rem 0 .75rem; }
h3 { font-size: .95rem; font-weight: 600; margin: 1.5rem 0 .5rem; color: var(--mid); }
h4 { font-size: 1rem; margin: 0; }
p { margin: .4rem 0; }
code, .id, pre { font-family: ui-monospace, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace; }
code { font-size: .88em; }
.kicker { margin: 0 0 .25rem; color: var(--mid); font-size: .8rem; font-weight: 600;
  letter-spacing: .06em; text-transform: uppercase; }
.lede { color: var(--mid); max-width: 50rem; margin-bottom: 1.25rem; }
.hint { color: var(--mid); max-width: 50rem; margin: -.35rem 0 .75rem; }
.counts { display: flex; flex-wrap: wrap; gap: .75rem; margin: 0 0 1.25rem; padding: 0; }
.counts div { display: flex; flex-direction: column-reverse; min-width: 8.5rem;
  border: 1px solid var(--line); border-radius: .5rem; padding: .55rem .9rem; }
.counts dt { color: var(--mid); font-size: .85rem; }
.counts dd { margin: 0; font-size: 1.6rem; font-weight: 700; line-height: 1.2; }
.counts .zero dd { color: var(--mid); font-weight: 400; }
.gate { border: 1px solid; border-left-width: .4rem; border-radius: .5rem; padding: .8rem 1.1rem; }
.gate h2 { margin: 0 0 .25rem; font-size: 1.1rem; }
.gate.pass { border-color: var(--new); background: #ecfdf3; }
.gate.fail { border-color: var(--warn); background: #fffaeb; }
.gate.transition { border-color: var(--info); background: #eff4ff; }
.gate ul { margin: .3rem 0 0; padding-left: 1.2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .5rem .6rem; }
thead th { font-size: .75rem; font-weight: 600; letter-spacing: .05em; text-transform: uppercase;
  color: var(--mid); border-bottom: 1px solid var(--line); padding-top: .35rem; padding-bottom: .35rem; }
.moves td { border-bottom: 1px solid var(--line); }
.moves .group th { font-size: .85rem; color: var(--mid); padding-top: 1rem; border-bottom: 1px solid var(--line); }
.moves col.refs { width: 13rem; }
.arrow { color: var(--mid); }
.acct .addr { font-weight: 600; }
.lives > .host, .lives > .id { color: var(--mid); }
td .lives { display: block; }
.acct .id { font-size: .85em; }
.acct .host, .acct .id, .acct code { white-space: nowrap; }
.values { margin: 0; padding: 0; list-style: none; }
.values li + li { margin-top: .35rem; }
del, ins { text-decoration: none; border-radius: .2rem; padding: 0 .2rem; }
del { background: var(--old-bg); color: var(--old); }
ins { background: var(--new-bg); color: var(--new); }
.card { border: 1px solid var(--line); border-left-width: .3rem; border-radius: .5rem;
  margin: 0 0 .9rem; break-inside: avoid; }
.card > header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline;
  gap: .25rem 1rem; padding: .55rem .9rem; background: var(--soft); border-bottom: 1px solid var(--line);
  border-radius: .3rem .4rem 0 0; }
.card .where { margin: 0; color: var(--mid); font-size: .85rem; }
.card table { table-layout: fixed; }
.card col.place { width: 24%; }
.card thead th { padding-top: .45rem; }
.card tbody th, .card td { border-top: 1px solid var(--soft); }
.card tbody th { font-weight: 400; }
.card .line { display: block; color: var(--mid); font-size: .85rem; }
.badge { display: inline-block; min-width: 6.2rem; margin-right: .2rem; padding: 0 .45rem;
  border-radius: 1rem; font-size: .8rem; font-weight: 600; text-align: center; }
.changed { border-left-color: #dc6803; } .changed .badge { background: var(--warn-bg); color: var(--warn); }
.added { border-left-color: var(--new); } .added .badge { background: var(--new-bg); color: var(--new); }
.dropped { border-left-color: var(--old); } .dropped .badge { background: var(--old-bg); color: var(--old); }
.kept { border-left-color: var(--line); } .kept .badge { background: var(--soft); color: var(--mid); }
.note { color: var(--mid); font-size: .85rem; }
.card > .note { margin: 0; padding: .3rem .9rem .6rem; }
.empty { color: var(--mid); }
details { border: 1px solid var(--line); border-radius: .5rem; }
summary { cursor: pointer; padding: .55rem .9rem; font-weight: 600; }
pre { margin: 0; padding: .75rem .9rem; overflow-x: auto; font-size: .8rem; line-height: 1.45;
  border-top: 1px solid var(--line); background: #fcfcfd; }
pre span { display: block; }
pre .add { background: #e6f9ec; color: var(--new); }
pre .del { background: #fdeceb; color: var(--old); }
pre .hunk { color: var(--info); background: var(--info-bg); }
pre .file { font-weight: 700; }
.signoff { break-inside: avoid; }
.sign { display: grid; grid-template-columns: 2fr 2fr 1fr; gap: 2rem; margin-top: 2.5rem; }
.sign div { border-top: 1px solid var(--ink); padding-top: .3rem; color: var(--mid); font-size: .85rem; }
footer { margin-top: 2.5rem; color: var(--mid); font-size: .8rem; }
/* On a phone the tables become stacks: old over new, before over after. */
@media (max-width: 44rem) {
  body { padding: 1rem .75rem; }
  .moves thead, .card thead { display: none; }
  .moves, .moves tbody, .moves tr, .moves td, .card table, .card tbody, .card tr, .card th,
  .card td { display: block; }
  .moves td { border-bottom: none; padding: .2rem .6rem; }
  .moves tr { border-bottom: 1px solid var(--line); padding: .3rem 0; }
  .card td::before { display: block; color: var(--mid); font-size: .75rem; font-weight: 600;
    letter-spacing: .05em; text-transform: uppercase; }
  .card td:nth-of-type(1)::before { content: 'Before'; }
  .card td:nth-of-type(2)::before { content: 'After'; }
  .card tbody th, .card td { border-top: none; padding-top: .25rem; padding-bottom: .25rem; }
  .card tbody tr + tr { border-top: 1px solid var(--line); }
  .acct .host, .acct .id, .acct code { white-space: normal; overflow-wrap: anywhere; }
  .sign { grid-template-columns: 1fr; }
}
@media print {
  @page { margin: 14mm 12mm; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { font-size: 9.5pt; max-width: none; padding: 0; }
  .counts div { min-width: 0; padding: .3rem .7rem; }
  h2, h3, h4 { break-after: avoid; }
  tr, .gate { break-inside: avoid; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; }
  pre span { break-inside: avoid; }
}
/* On paper the patch is unfolded; where a browser cannot style the fold, its summary stays
   to say there is a patch. */
@supports selector(::details-content) {
  @media print {
    details::details-content { content-visibility: visible; display: block; }
    details > summary { display: none; }
    details { border: none; }
    pre { border: 1px solid var(--line); }
  }
}
";

/// The page: everything the reviewer reads, then the patch (as `cutover apply` would write
/// it, already rendered by `patch`).
pub fn render(review: &Review, patch: &str) -> String {
    let mut out = String::new();
    let add = review.mode == "add";
    let plan = if add {
        "transition plan"
    } else {
        "cutover plan"
    };
    let title = match &review.organization {
        Some(org) => format!("{org}: {plan}"),
        None => capitalised(plan),
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"generator\" content=\"cutover\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    header(&mut out, review, &title);
    let _ = writeln!(out, "<main>");
    accounts(&mut out, review);
    settings(&mut out, review);
    patch_section(
        &mut out,
        patch,
        if add {
            "cutover apply --mode add"
        } else {
            "cutover apply"
        },
    );
    let _ = writeln!(
        out,
        "<section class=\"signoff\" aria-labelledby=\"signoff-title\">\n\
         <h2 id=\"signoff-title\">Sign-off</h2>\n\
         <p>Checked: each old account above is paired with the right new one, every setting \
         changes as shown, and nothing else changes.</p>\n<div class=\"sign\"><div>Reviewed by</div><div>Approved by</div>\
         <div>Date</div></div>\n</section>\n</main>"
    );
    let _ = writeln!(
        out,
        "<footer><p>Made by <code>cutover diff --format html</code>{}. The page is \
         self-contained: it loads nothing and runs no script.</p></footer>\n</body>\n</html>",
        if add { " --mode add" } else { "" }
    );
    out
}

/// The title, what the change does, the counts and the gate.
fn header(out: &mut String, review: &Review, title: &str) {
    let add = review.mode == "add";
    let _ = writeln!(
        out,
        "<header>\n<p class=\"kicker\">Mail cutover review</p>\n<h1>{}</h1>\n\
         <p class=\"lede\">{}</p>",
        esc(title),
        if add {
            "The transition: the new accounts are added beside the old ones, so that mail \
             keeps flowing while both are connected. Rules accept both accounts; aliases and \
             sharing settings are copied for the new accounts. Nothing is written until \
             <code>cutover apply --mode add</code>."
        } else {
            "The cutover: every reference to an old account or address moves to the new \
             one, and nothing else in the exported settings changes. Nothing is written until \
             <code>cutover apply</code>."
        }
    );
    let s = &review.summary;
    let _ = writeln!(out, "<dl class=\"counts\">");
    for (n, one, many) in [
        (s.settings, "setting changes", "settings change"),
        (s.references, "reference changes", "references change"),
        (s.added, "setting added", "settings added"),
        (s.dropped, "setting dropped", "settings dropped"),
        (s.files, "file", "files"),
    ] {
        let _ = writeln!(
            out,
            "<div{}><dt>{}</dt><dd>{n}</dd></div>",
            if n == 0 { " class=\"zero\"" } else { "" },
            if n == 1 { one } else { many }
        );
    }
    let _ = writeln!(out, "</dl>");
    let (class, verdict) = if s.unmoved > 0 {
        (
            "fail",
            format!(
                "Gate: does not pass, the mapping does not move {}",
                counted(s.unmoved, "reference", "references")
            ),
        )
    } else if s.remaining == 0 {
        ("pass", "Gate: passes".to_owned())
    } else if add {
        (
            "transition",
            "Gate: old accounts still in use, as the transition needs".to_owned(),
        )
    } else {
        (
            "fail",
            format!(
                "Gate: does not pass, {} to old values remain",
                counted(s.remaining, "reference", "references")
            ),
        )
    };
    let _ = writeln!(
        out,
        "<section class=\"gate {class}\" id=\"gate\" aria-labelledby=\"gate-title\">\n\
         <h2 id=\"gate-title\">{verdict}</h2>\n<p>{}.</p>",
        esc(&capitalised(&super::text::gate(review)))
    );
    if !review.unmoved.is_empty() {
        let _ = writeln!(out, "<p>Fix these first:</p>\n<ul class=\"unmoved\">");
        for u in &review.unmoved {
            let _ = writeln!(
                out,
                "<li><code>{}:{}:{}</code> {}</li>",
                esc(&u.path),
                u.line,
                u.column,
                esc(&u.message)
            );
        }
        let _ = writeln!(out, "</ul>");
    }
    if s.removable.is_empty() {
        let _ = writeln!(out, "<p>No old account can be removed yet.</p>");
    } else {
        let _ = writeln!(
            out,
            "<p>{} these old accounts can be removed:</p>\n<ul>",
            review.removable_lead()
        );
        for (id, declared) in review.removable() {
            let _ = writeln!(
                out,
                "<li>{}</li>",
                shown(id, declared, Mark::None, IdShown::Short)
            );
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(out, "</section>\n</header>");
}

/// Each mapping entry that matches something: old → new, with full IDs (the one place that
/// shows them, to check against the app), the fields that differ marked.
fn accounts(out: &mut String, review: &Review) {
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"accounts-title\">\n<h2 id=\"accounts-title\">Accounts that move</h2>\n\
         <p class=\"hint\">Check each pair: everywhere in these settings, the old account or \
         address on the left becomes the one on the right.</p>"
    );
    if review.accounts.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"empty\">No mapping entry matches anything in these exports.</p>\n</section>"
        );
        return;
    }
    let _ = writeln!(
        out,
        "<table class=\"moves\" id=\"accounts\">\n\
         <colgroup><col><col><col class=\"refs\"></colgroup>\n<thead><tr><th scope=\"col\">Old</th>\
         <th scope=\"col\">New</th><th scope=\"col\">References</th></tr></thead>"
    );
    for (kind, heading) in [
        (RefKind::Account, "Accounts"),
        (RefKind::Address, "Addresses"),
    ] {
        let moves: Vec<&Move> = review.accounts.iter().filter(|m| m.kind == kind).collect();
        if moves.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<tbody>\n<tr class=\"group\"><th colspan=\"3\" scope=\"rowgroup\">{heading}</th></tr>"
        );
        for m in moves {
            let old = (m.from.as_str(), m.from_account.as_ref());
            let new = (m.to.as_str(), m.to_account.as_ref());
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><span class=\"arrow\" aria-hidden=\"true\">→ </span>{}</td>\
                 <td>{}</td></tr>",
                shown(old.0, old.1, Mark::Against(Side::Old, new), IdShown::Full),
                shown(new.0, new.1, Mark::Against(Side::New, old), IdShown::Full),
                esc(&super::text::moves(review, m))
            );
        }
        let _ = writeln!(out, "</tbody>");
    }
    let _ = writeln!(out, "</table>\n</section>");
}

/// One card per setting, grouped by file, in file order.
fn settings(out: &mut String, review: &Review) {
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"settings-title\">\n<h2 id=\"settings-title\">Settings</h2>\n\
         <p class=\"hint\">One card per rule, alias or sharing setting, in file order. Each \
         account is shown as the exports declare it (address, name, mail host and the start of \
         its ID), and what differs between before and after is highlighted.</p>"
    );
    let settings = review.settings();
    if settings.is_empty() {
        let _ = writeln!(out, "<p class=\"empty\">No setting changes.</p>");
    }
    let mut file: Option<&str> = None;
    for (n, setting) in settings.iter().enumerate() {
        if file != Some(setting.path) {
            let _ = writeln!(out, "<h3><code>{}</code></h3>", esc(setting.path));
            file = Some(setting.path);
        }
        let (class, badge, what) = match setting.what {
            SettingChange::Copied => ("added", "+ copy added", "copy for the new account of "),
            SettingChange::Dropped => ("dropped", "− dropped", ""),
            SettingChange::Kept => ("kept", "= unchanged", ""),
            SettingChange::Changed => ("changed", "~ changes", ""),
        };
        let _ = writeln!(
            out,
            "<article class=\"card {class}\" aria-labelledby=\"setting-{n}\">\n<header>\
             <h4 id=\"setting-{n}\"><span class=\"badge\">{badge}</span> {}{}</h4>\
             <p class=\"where\"><code>{}:{}{}</code></p></header>\n<table>\
             <colgroup><col class=\"place\"><col><col></colgroup>\n<thead><tr>\
             <th scope=\"col\">Where</th><th scope=\"col\">Before</th><th scope=\"col\">After</th>\
             </tr></thead>\n<tbody>",
            esc(what),
            esc(setting.holder.unwrap_or("(outside any setting)")),
            esc(setting.path),
            setting.line,
            setting
                .also_at
                .map_or(String::new(), |place| format!(" ({})", esc(place)))
        );
        for change in &setting.changes {
            let _ = writeln!(out, "{}", row(change));
        }
        let _ = writeln!(out, "</tbody></table>");
        if setting.what == SettingChange::Dropped {
            let _ = writeln!(
                out,
                "<p class=\"note\">{}</p>",
                esc(&capitalised(
                    super::text::dropped_because(&setting.changes).trim_matches(['(', ')'])
                ))
            );
        }
        let _ = writeln!(out, "</article>");
    }
    let _ = writeln!(out, "</section>");
}

/// One change: where in the setting, the value before, the value(s) after.
fn row(change: &ChangeRecord) -> String {
    let from = (change.from.as_str(), change.from_account.as_ref());
    let to = change
        .to
        .as_deref()
        .map(|to| (to, change.to_account.as_ref()));
    let plain =
        |value: (&str, Option<&Declared>)| shown(value.0, value.1, Mark::None, IdShown::Short);
    let note = |text: &str| format!("<p class=\"note\">{}</p>", esc(text));
    let (before, after) = match (change.action, to) {
        (ChangeAction::Rewrite, Some(to)) => (
            shown(from.0, from.1, Mark::Against(Side::Old, to), IdShown::Short),
            shown(to.0, to.1, Mark::Against(Side::New, from), IdShown::Short),
        ),
        (ChangeAction::Copy, Some(to)) => (
            format!("{}{}", plain(from), note("The original keeps it.")),
            format!(
                "{}{}",
                shown(to.0, to.1, Mark::Against(Side::New, from), IdShown::Short),
                note("In the copy.")
            ),
        ),
        (ChangeAction::Insert, Some(to)) => (
            plain(from),
            format!(
                "<ul class=\"values\"><li>{}</li><li>{}</li></ul>{}",
                plain(from),
                shown(to.0, to.1, Mark::Whole(Side::New), IdShown::Short),
                note("Added beside it.")
            ),
        ),
        (ChangeAction::Drop, _) => (
            shown(from.0, from.1, Mark::Whole(Side::Old), IdShown::Short),
            note(if change.whole_setting {
                "Removed, with its setting."
            } else {
                "Removed: the list holds the new value already."
            }),
        ),
        (ChangeAction::Keep, to) => (
            plain(from),
            format!(
                "{}{}",
                plain(from),
                note(&match to {
                    Some(to) => format!(
                        "Unchanged: one value only, left for the cutover (then {}).",
                        to.1.map_or(to.0, |a| a.display.as_str())
                    ),
                    None => "Unchanged.".to_owned(),
                })
            ),
        ),
        (ChangeAction::Covered, _) => (
            plain(from),
            format!(
                "{}{}",
                plain(from),
                note("Unchanged: the new one is there already.")
            ),
        ),
        // An action that names a new value always has one; shown plainly if not.
        (_, None) => (plain(from), String::new()),
    };
    format!(
        "<tr><th scope=\"row\">{}<span class=\"line\">line {}</span></th><td>{before}</td>\
         <td>{after}</td></tr>",
        esc(&change.place),
        change.line
    )
}

/// The patch, folded: a reviewer who wants the bytes opens it; paper gets it unfolded.
fn patch_section(out: &mut String, patch: &str, apply: &str) {
    let _ = writeln!(
        out,
        "<section aria-labelledby=\"patch-title\">\n<h2 id=\"patch-title\">The patch</h2>\n\
         <p>Exactly what <code>{apply}</code> writes, as a unified diff that \
         <code>patch -p1</code> and <code>git apply</code> accept.</p>"
    );
    if patch.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"empty\">The patch is empty.</p>\n</section>"
        );
        return;
    }
    let patch = Patch::of(patch);
    let _ = writeln!(
        out,
        "<details id=\"patch\"><summary>Show the patch ({}, {})</summary><pre>{}</pre></details>\n</section>",
        counted(patch.changed, "changed line", "changed lines"),
        counted(patch.files, "file", "files"),
        patch.html
    );
}

/// Which side of a change a value stands on: the old value's differences are deletions,
/// the new value's insertions.
#[derive(Clone, Copy)]
enum Side {
    Old,
    New,
}

impl Side {
    fn tag(self) -> &'static str {
        match self {
            Side::Old => "del",
            Side::New => "ins",
        }
    }
}

/// What of a value is marked as changed.
enum Mark<'a> {
    None,
    /// The value as a whole (an item added or removed).
    Whole(Side),
    /// The fields that differ from the value on the other side.
    Against(Side, (&'a str, Option<&'a Declared>)),
}

#[derive(Clone, Copy, PartialEq)]
enum IdShown {
    /// The first characters, as names show IDs.
    Short,
    Full,
}

/// A referenced value as a person reads it: a declared account by address, name, host and
/// ID; anything else as it is.
fn shown(value: &str, declared: Option<&Declared>, mark: Mark, id: IdShown) -> String {
    let other = match &mark {
        Mark::Against(_, (other, declared)) => Some(fields(other, *declared)),
        _ => None,
    };
    let marked = |class: &str, text: &String| match (&mark, &other) {
        (Mark::Whole(side), _) => Some(*side),
        (Mark::Against(side, _), Some(other)) => {
            let same = other
                .iter()
                .find(|(c, _)| *c == class)
                .and_then(|(_, o)| o.as_ref());
            (same != Some(text)).then_some(*side)
        }
        _ => None,
    };
    // Who it is (address, name), then where it lives (host, ID): a line each in a table.
    let mut who = Vec::new();
    let mut lives = Vec::new();
    for (class, text) in fields(value, declared) {
        let Some(text) = text else { continue };
        let body = match class {
            "id" if id == IdShown::Short
                && let Some(declared) = declared =>
            {
                format!(
                    "<code class=\"id\" title=\"{}\">{}</code>",
                    esc(&text),
                    esc(&declared.short_id)
                )
            }
            "id" => format!("<code class=\"id\">{}</code>", esc(&text)),
            "value" => format!("<code>{}</code>", esc(&text)),
            _ => format!("<span class=\"{class}\">{}</span>", esc(&text)),
        };
        let body = match marked(class, &text) {
            Some(side) => format!("<{0}>{body}</{0}>", side.tag()),
            None => body,
        };
        match class {
            "host" | "id" => lives.push(body),
            _ => who.push(body),
        }
    }
    let mut out = format!("<span class=\"acct\">{}", who.join(" "));
    if !lives.is_empty() {
        if !who.is_empty() {
            out.push(' ');
        }
        let _ = write!(out, "<span class=\"lives\">{}</span>", lives.join(" "));
    }
    out.push_str("</span>");
    out
}

/// The parts of a value a reader compares: for a declared account its address, name, host
/// and ID, for anything else the value itself.
fn fields(value: &str, declared: Option<&Declared>) -> Vec<(&'static str, Option<String>)> {
    match declared {
        Some(a) => vec![
            ("addr", a.address.clone()),
            ("name", a.name.clone()),
            ("host", a.host.clone()),
            ("id", Some(value.to_owned())),
        ],
        None => vec![("value", Some(value.to_owned()))],
    }
}

/// The patch as HTML, lines coloured as `diff` colours them, with what it changes.
struct Patch {
    html: String,
    /// Lines added or removed.
    changed: usize,
    files: usize,
}

impl Patch {
    /// Lines are told apart by where they stand, not only by their first character: inside
    /// a hunk (as many lines as its header counts) `---` is a removed line `--`, outside
    /// one it names a file.
    fn of(patch: &str) -> Patch {
        let mut html = String::with_capacity(patch.len() + patch.len() / 4);
        let (mut changed, mut files) = (0, 0);
        // Old and new lines still to come in the current hunk.
        let (mut old, mut new) = (0usize, 0usize);
        for line in patch.split_inclusive('\n') {
            let first = line.as_bytes().first().copied();
            let class = if first == Some(b'\\') {
                "" // `\ No newline at end of file`
            } else if old + new > 0 {
                match first {
                    Some(b'+') => new = new.saturating_sub(1),
                    Some(b'-') => old = old.saturating_sub(1),
                    _ => {
                        old = old.saturating_sub(1);
                        new = new.saturating_sub(1);
                    }
                }
                match first {
                    Some(b'+') => "add",
                    Some(b'-') => "del",
                    _ => "",
                }
            } else if let Some(counts) = hunk_counts(line) {
                (old, new) = counts;
                "hunk"
            } else {
                files += usize::from(line.starts_with("+++ "));
                "file"
            };
            changed += usize::from(matches!(class, "add" | "del"));
            // The patch keeps its line breaks and tabs; other characters as in names.
            let line = html_escaped(&file_name::shown_text(line));
            if class.is_empty() {
                html.push_str(&line);
            } else {
                let _ = write!(html, "<span class=\"{class}\">{line}</span>");
            }
        }
        Patch {
            html,
            changed,
            files,
        }
    }
}

/// The old and new line counts of a hunk header, `@@ -3,8 +3,9 @@` (a count left out is 1).
fn hunk_counts(line: &str) -> Option<(usize, usize)> {
    let mut ranges = line.strip_prefix("@@ -")?.split(" @@").next()?.split(" +");
    let count = |range: &str| match range.split_once(',') {
        Some((_, n)) => n.parse().ok(),
        None => range.parse::<usize>().ok().map(|_| 1),
    };
    Some((count(ranges.next()?)?, count(ranges.next()?)?))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Text for the page, escaped for HTML: much of it is the exports' own text (names, hosts,
/// the organisation, file names), so it is first shown as names are everywhere
/// ([`file_name::shown`]): on one line, its characters in their order, none of them invisible.
fn esc(text: &str) -> String {
    html_escaped(&file_name::shown(text))
}

/// Text escaped for HTML, as it is.
fn html_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_lines_are_classed_by_where_they_stand() {
        // A YAML document separator removed inside a hunk is `----`, not a file header; a
        // hunk header may leave a count of 1 out.
        let patch = "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,3 +1,2 @@ rule \"a\"\n a: 1\n----\n-b: 2\n+b: 3\n\\ No newline at end of file\n@@ -9 +8 @@\n-c: <4>\n+c: 5\n";
        let shown = Patch::of(patch);
        assert_eq!(shown.files, 1);
        assert_eq!(shown.changed, 5);
        assert!(shown.html.contains("<span class=\"del\">----\n</span>"));
        assert!(
            shown
                .html
                .contains("<span class=\"file\">--- a/x.yaml\n</span>")
        );
        assert!(
            shown
                .html
                .contains("<span class=\"del\">-c: &lt;4&gt;\n</span>")
        );
        assert!(
            shown
                .html
                .contains("</span>\\ No newline at end of file\n<span class=\"hunk\">")
        );
        assert_eq!(hunk_counts("@@ -1,3 +1,2 @@ x"), Some((3, 2)));
        assert_eq!(hunk_counts("@@ -9 +8,0 @@"), Some((1, 0)));
        assert_eq!(hunk_counts("--- a/x"), None);
    }

    #[test]
    fn only_the_fields_that_differ_are_marked() {
        let account = |id: &str, host: &str| Declared {
            id: id.into(),
            address: Some("support@acme.example".into()),
            name: Some("Acme <Support>".into()),
            host: Some(host.into()),
            display: String::new(),
            short_id: id[..8].into(),
        };
        let old = account("8a1e55c2-0d9f", "imap.old.example");
        let new = account("c47d1e02-8f3a", "imap.new.example");
        let html = shown(
            &old.id,
            Some(&old),
            Mark::Against(Side::Old, (&new.id, Some(&new))),
            IdShown::Short,
        );
        assert_eq!(
            html,
            "<span class=\"acct\"><span class=\"addr\">support@acme.example</span> \
             <span class=\"name\">Acme &lt;Support&gt;</span> <span class=\"lives\">\
             <del><span class=\"host\">imap.old.example</span></del> \
             <del><code class=\"id\" title=\"8a1e55c2-0d9f\">8a1e55c2</code></del></span></span>"
        );
        // An undeclared value is marked whole when it differs.
        assert_eq!(
            shown(
                "a@x",
                None,
                Mark::Against(Side::New, ("b@x", None)),
                IdShown::Short
            ),
            "<span class=\"acct\"><ins><code>a@x</code></ins></span>"
        );
    }
}
