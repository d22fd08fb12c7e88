//! The review as one self-contained HTML page: inline CSS, no script, no font, no image,
//! nothing fetched from anywhere, so that it works offline, as a CI artifact, and printed.
//! A header with the organisation, the counts and the gate; the accounts that move; one
//! card per setting with its changes before and after (names beside IDs); the patch itself,
//! folded.

use std::fmt::Write;

use super::{ChangeAction, ChangeRecord, Review, SettingChange};

const STYLE: &str = "
:root { color-scheme: light; --old: #b42318; --new: #067647; --mid: #475467; --line: #eaecf0; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #101828;
  margin: 0 auto; max-width: 72rem; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
.sub { color: var(--mid); margin: 0 0 1rem; }
.counts { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.count { border: 1px solid var(--line); border-radius: .5rem; padding: .5rem .9rem; min-width: 8rem; }
.count b { display: block; font-size: 1.4rem; }
.gate { border-left: 4px solid var(--new); background: #ecfdf3; padding: .6rem .9rem; border-radius: .25rem; }
.gate.open { border-color: #dc6803; background: #fffaeb; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--mid); }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; }
.id { color: var(--mid); }
.card { border: 1px solid var(--line); border-radius: .5rem; margin: .75rem 0; break-inside: avoid; }
.card header { padding: .5rem .75rem; background: #f9fafb; border-bottom: 1px solid var(--line);
  display: flex; justify-content: space-between; gap: 1rem; flex-wrap: wrap; }
.card header .where { color: var(--mid); font-size: .85rem; }
.sym { display: inline-block; width: 1.4rem; font-weight: 700; }
.changed .sym { color: #b54708; } .added .sym { color: var(--new); } .dropped .sym { color: var(--old); }
.kept .sym { color: var(--mid); }
.card table td { border-bottom: none; }
.before { color: var(--old); } .after { color: var(--new); }
.before::before { content: '− '; } .after::before { content: '+ '; }
.note { color: var(--mid); font-size: .85rem; }
details { margin-top: 1rem; } summary { cursor: pointer; font-weight: 600; }
pre { overflow-x: auto; background: #f9fafb; padding: .75rem; border-radius: .5rem; font-size: .8rem; }
pre .add { color: var(--new); } pre .del { color: var(--old); } pre .hunk { color: #175cd3; }
@media print { details { display: block; } details > summary { display: none; } body { max-width: none; } }
";

pub fn render(review: &Review, patch: &str) -> String {
    let mut out = String::new();
    let title = match review.mode {
        "add" => "Transition plan",
        _ => "Cutover plan",
    };
    let org = review.organization.as_deref().unwrap_or("");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&format!(
            "{title}{}{org}",
            if org.is_empty() { "" } else { ": " }
        ))
    );
    let _ = writeln!(out, "<h1>{}</h1>", esc(title));
    let _ = writeln!(
        out,
        "<p class=\"sub\">{}{}</p>",
        if org.is_empty() {
            String::new()
        } else {
            format!("{} · ", esc(org))
        },
        match review.mode {
            "add" => "the new accounts are added beside the old ones (the transition)",
            _ => "every reference moves to the new accounts (the cutover)",
        }
    );
    let s = &review.summary;
    let _ = writeln!(out, "<div class=\"counts\">");
    for (n, what) in [
        (s.settings, "settings change"),
        (s.added, "added"),
        (s.dropped, "dropped"),
        (s.references, "references change"),
        (s.files, "files"),
    ] {
        let _ = writeln!(out, "<div class=\"count\"><b>{n}</b>{what}</div>");
    }
    let _ = writeln!(out, "</div>");
    let gate_open = s.remaining > 0;
    let _ = write!(
        out,
        "<p class=\"gate{}\" id=\"gate\"><b>Gate:</b> ",
        if gate_open { " open" } else { "" }
    );
    if gate_open {
        let _ = write!(
            out,
            "after this change {} to old accounts or addresses remain.",
            s.remaining
        );
    } else {
        let _ = write!(
            out,
            "after this change no reference to an old account or address remains."
        );
    }
    let removable: Vec<String> = review.removable().into_iter().map(esc).collect();
    if removable.is_empty() {
        let _ = write!(out, " No old account can be removed yet.");
    } else {
        let _ = write!(
            out,
            " These old accounts can then be removed: {}.",
            removable.join("; ")
        );
    }
    let _ = writeln!(out, "</p>");

    let _ = writeln!(out, "<h2>Accounts</h2>");
    let _ = writeln!(
        out,
        "<table id=\"accounts\"><thead><tr><th>Old</th><th>New</th><th>References</th></tr></thead><tbody>"
    );
    for m in &review.accounts {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{} move{}</td></tr>",
            who(&m.from, m.from_account.as_ref()),
            who(&m.to, m.to_account.as_ref()),
            m.references,
            if m.remaining > 0 {
                format!(", {} left", m.remaining)
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(out, "</tbody></table>");

    let _ = writeln!(out, "<h2>Settings</h2>");
    for setting in review.settings() {
        let (class, symbol, what) = match setting.what {
            SettingChange::Copied => ("added", "+", "copy for the new account of "),
            SettingChange::Dropped => ("dropped", "−", ""),
            SettingChange::Kept => ("kept", "=", ""),
            SettingChange::Changed => ("changed", "~", ""),
        };
        let _ = writeln!(
            out,
            "<section class=\"card {class}\"><header><span><span class=\"sym\">{symbol}</span>{}{}</span>\
             <span class=\"where\"><code>{}:{}</code></span></header><table><tbody>",
            esc(what),
            esc(setting.holder.unwrap_or("(outside any setting)")),
            esc(setting.path),
            setting.line
        );
        for change in &setting.changes {
            let _ = writeln!(out, "{}", row(change));
        }
        let _ = writeln!(out, "</tbody></table></section>");
    }
    let _ = writeln!(
        out,
        "<details id=\"patch\"><summary>The patch (what `cutover apply` writes)</summary><pre>{}</pre></details>",
        patch_html(patch)
    );
    let _ = writeln!(out, "</body>\n</html>");
    out
}

/// An account with its declaration, or the bare value.
fn who(value: &str, declared: Option<&super::Declared>) -> String {
    match declared {
        Some(a) => {
            let mut text = String::new();
            if let Some(address) = &a.address {
                let _ = write!(text, "<b>{}</b> ", esc(address));
            }
            if let Some(name) = &a.name {
                let _ = write!(text, "“{}” ", esc(name));
            }
            if let Some(host) = &a.host {
                let _ = write!(text, "[{}] ", esc(host));
            }
            let _ = write!(text, "<span class=\"id\">{}</span>", esc(value));
            text
        }
        None => format!("<code>{}</code>", esc(value)),
    }
}

fn row(change: &ChangeRecord) -> String {
    let from = who(&change.from, change.from_account.as_ref());
    let to = change
        .to
        .as_deref()
        .map(|to| who(to, change.to_account.as_ref()))
        .unwrap_or_default();
    let place = esc(&change.place);
    let (before, after, note) = match change.action {
        ChangeAction::Rewrite | ChangeAction::Copy => (from, to, String::new()),
        ChangeAction::Insert => (from, to, "added beside the old value".into()),
        ChangeAction::Drop if change.whole_setting => (
            from,
            String::new(),
            super::text::dropped_because(&[change])
                .trim_matches(['(', ')'])
                .to_owned(),
        ),
        ChangeAction::Drop => (
            from,
            String::new(),
            "the list holds the new value already".into(),
        ),
        ChangeAction::Keep => (
            from,
            String::new(),
            format!("stays: one value only, left for the cutover (then {to})"),
        ),
        ChangeAction::Covered => (
            from,
            String::new(),
            "stays: the new one is there already".into(),
        ),
    };
    let after = if after.is_empty() {
        String::new()
    } else {
        format!("<div class=\"after\">{after}</div>")
    };
    format!(
        "<tr><td>{place}<div class=\"note\">line {}</div></td><td><div class=\"before\">{before}</div>{after}\
         {}</td></tr>",
        change.line,
        if note.is_empty() {
            String::new()
        } else {
            format!("<div class=\"note\">{note}</div>")
        }
    )
}

fn patch_html(patch: &str) -> String {
    let mut out = String::new();
    for line in patch.split_inclusive('\n') {
        let class = match line.as_bytes().first() {
            Some(b'+') if !line.starts_with("+++") => "add",
            Some(b'-') if !line.starts_with("---") => "del",
            Some(b'@') => "hunk",
            _ => "",
        };
        if class.is_empty() {
            out.push_str(&esc(line));
        } else {
            let _ = write!(out, "<span class=\"{class}\">{}</span>", esc(line));
        }
    }
    out
}

/// Text escaped for HTML.
fn esc(text: &str) -> String {
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
