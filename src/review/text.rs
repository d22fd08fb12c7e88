//! The review as text, in the style of `terraform plan`: the accounts that move; one block
//! per setting that changes, in file order, marked `~` (changed), `+` (a copy added for the
//! new account), `-` (dropped) or `=` (only left for the cutover), each change named as the
//! user names things; then the counts and the gate.

use std::fmt::Write;

use crate::file_name::shown;

use super::{ChangeAction, ChangeRecord, Move, Review, SettingChange};

/// ANSI colours, or none.
struct Paint(bool);

impl Paint {
    fn on(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

pub fn render(review: &Review, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    let title = match review.mode {
        "add" => "cutover plan: transition (add the new accounts beside the old ones)",
        _ => "cutover plan: cutover (move every reference to the new accounts)",
    };
    let _ = writeln!(out, "{}", paint.on("1", title));
    if let Some(org) = &review.organization {
        let _ = writeln!(out, "organization: {}", shown(org));
    }
    out.push('\n');
    if !review.accounts.is_empty() {
        let _ = writeln!(out, "{}", paint.on("1", "Accounts"));
        for m in &review.accounts {
            let from = shown(m.from_account.as_ref().map_or(&m.from, |a| &a.display));
            let to = shown(m.to_account.as_ref().map_or(&m.to, |a| &a.display));
            let _ = writeln!(out, "  {from}\n    → {to}   ({})", moves(review, m));
        }
        out.push('\n');
    }
    let mut current: Option<&str> = None;
    for setting in review.settings() {
        if current != Some(setting.path) {
            if current.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", paint.on("1", &shown(setting.path)));
            current = Some(setting.path);
        }
        let (symbol, code, what) = match setting.what {
            SettingChange::Copied => ("+", "32", "copy for the new account of "),
            SettingChange::Dropped => ("-", "31", ""),
            SettingChange::Kept => ("=", "2", ""),
            SettingChange::Changed => ("~", "33", ""),
        };
        let name = shown(setting.holder.unwrap_or("(outside any setting)"));
        let at = match setting.also_at {
            Some(place) => format!(
                "{}:{} ({})",
                shown(setting.path),
                setting.line,
                shown(place)
            ),
            None => format!("{}:{}", shown(setting.path), setting.line),
        };
        let _ = writeln!(
            out,
            "  {} {what}{name}  {}",
            paint.on(code, symbol),
            paint.on("2", &at)
        );
        for change in &setting.changes {
            let _ = writeln!(out, "      {}", row(change, &paint));
        }
        if setting.what == SettingChange::Dropped {
            let _ = writeln!(
                out,
                "      {}",
                paint.on("2", dropped_because(&setting.changes))
            );
        }
    }
    if current.is_some() {
        out.push('\n');
    }
    let s = &review.summary;
    let _ = writeln!(
        out,
        "{} {} change ({} added, {} dropped); {} in {}.",
        paint.on("1", "Plan:"),
        counted(s.settings, "setting", "settings"),
        s.added,
        s.dropped,
        counted(s.references, "reference", "references"),
        counted(s.files, "file", "files"),
    );
    let gate = gate(review);
    let _ = writeln!(out, "{} {gate}.", paint.on("1", "Gate:"));
    if !review.unmoved.is_empty() {
        let _ = writeln!(
            out,
            "      The mapping does not move {}; fix {} first:",
            counted(review.unmoved.len(), "reference", "references"),
            if review.unmoved.len() == 1 {
                "it"
            } else {
                "them"
            }
        );
        for u in &review.unmoved {
            let at = format!("{}:{}:{}", shown(&u.path), u.line, u.column);
            let _ = writeln!(out, "        {}  {}", paint.on("2", &at), u.message);
        }
    }
    if s.removable.is_empty() {
        let _ = writeln!(out, "      No old account can be removed yet.");
    } else {
        let _ = writeln!(
            out,
            "      {} these old accounts can be removed:",
            review.removable_lead()
        );
        for (id, declared) in review.removable() {
            let _ = writeln!(
                out,
                "        {}",
                shown(declared.map_or(id, |d| d.display.as_str()))
            );
        }
    }
    out
}

/// One change: where in the setting, then the value before and after.
fn row(change: &ChangeRecord, paint: &Paint) -> String {
    // (A declaration's display is shown already; other values are the exports' text.)
    let from = change
        .from_account
        .as_ref()
        .map_or_else(|| shown(&change.from).into_owned(), |a| a.display.clone());
    let to = match (&change.to_account, &change.to) {
        (Some(a), _) => a.display.clone(),
        (None, Some(to)) => shown(to).into_owned(),
        (None, None) => String::new(),
    };
    let old = |note: &str| format!("{} {from}{note}", paint.on("31", "-"));
    let new = |note: &str| format!("{} {to}{note}", paint.on("32", "+"));
    let same = |note: &str| format!("{} {from}{}", paint.on("2", "="), paint.on("2", note));
    let lines = match change.action {
        ChangeAction::Rewrite => vec![old(""), new("")],
        ChangeAction::Copy => vec![same("  (the original keeps it)"), new("  (in the copy)")],
        ChangeAction::Insert => vec![same(""), new("  (added beside it)")],
        ChangeAction::Drop if change.whole_setting => vec![old("")],
        ChangeAction::Drop => vec![old("  (the list holds the new value already)")],
        ChangeAction::Keep => vec![same(&format!(
            "  (one value only: left for the cutover, then {to})"
        ))],
        ChangeAction::Covered => vec![same("  (the new one is there already)")],
    };
    format!(
        "{}\n        {}",
        shown(&change.place),
        lines.join("\n        ")
    )
}

/// How many references of one mapping entry move (in add mode: get the new value beside
/// them), and how many are left.
pub(super) fn moves(review: &Review, m: &Move) -> String {
    if review.mode == "add" {
        format!(
            "{}; the new one added to {}",
            counted(m.remaining, "reference", "references"),
            m.added
        )
    } else if m.remaining > 0 {
        format!(
            "{}, {} left",
            counted(m.references, "reference moves", "references move"),
            m.remaining
        )
    } else {
        counted(m.references, "reference moves", "references move")
    }
}

/// The gate, as a sentence: what would still point at an old account after this change.
pub(super) fn gate(review: &Review) -> String {
    let s = &review.summary;
    let kept = review
        .changes
        .iter()
        .filter(|c| c.action == ChangeAction::Keep)
        .count();
    if s.unmoved > 0 {
        let others = if s.remaining == 0 {
            String::new()
        } else {
            format!(
                ", besides {} it moves",
                counted(s.remaining, "other", "others")
            )
        };
        return format!(
            "after this change {} to old accounts or addresses remain that the mapping does \
             not move{others}",
            counted(s.unmoved, "reference", "references")
        );
    }
    if s.remaining == 0 {
        "after this change no reference to an old account or address remains".to_owned()
    } else if review.mode == "add" {
        format!(
            "after this change {} to old accounts or addresses remain, as the transition \
             needs; {} one value only and {} left for the cutover",
            counted(s.remaining, "reference", "references"),
            counted(kept, "holds", "hold"),
            if kept == 1 { "is" } else { "are" }
        )
    } else {
        format!(
            "after this change {} to old accounts or addresses remain",
            counted(s.remaining, "reference", "references")
        )
    }
}

/// Why a setting goes: it is an unchanged copy of one that stays (it holds the new
/// account already, a reference with no old value), or the new account has a setting of
/// its own (every reference of the old setting holds an old value).
pub(super) fn dropped_because(members: &[&ChangeRecord]) -> &'static str {
    if members.iter().any(|c| c.to.is_none()) {
        "(an unchanged copy of another setting, which stays, moved to the new account)"
    } else {
        "(the new account has this setting of its own, which stays)"
    }
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
