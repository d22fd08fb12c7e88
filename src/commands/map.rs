//! `cutover map`: write the mapping from the account declarations, so nobody copies long
//! IDs by hand. The old and the new side are told apart by mail server host (or given as
//! two separate account exports) and paired by address, case-insensitively. Accounts are
//! keyed by ID, never by address: the same address is declared on both sides.
//!
//! With no pair at all nothing is written to stdout (`map ... > mapping.yaml` must not
//! replace a good mapping with an empty one), and the hosts seen are listed instead;
//! `-o FILE` writes only a complete mapping.

use std::collections::BTreeMap;

use crate::accounts::{self, Account};
use crate::commands::print;
use crate::diagnostic::{Error, collect};
use crate::hiargs::Map;
use crate::inputs;
use crate::load::File;
use crate::mapping::Mapping;
use crate::node::Style;
use crate::parallel;
use crate::scalar;
use crate::source::{Source, display_name};

pub fn map(map: &Map) -> Result<u8, Error> {
    let args = &map.args;
    if let Some(path) = &args.output {
        crate::output::may_replace(path, crate::output::Output::Mapping)?;
    }
    // (old side, new side, how each is named, every account seen, accounts on both sides)
    let (old, new, sides, seen, on_both) =
        match (&args.old, &args.new, &args.old_host, &args.new_host) {
            (Some(old_path), Some(new_path), None, None) if args.paths.is_empty() => {
                let old_file = File::read(old_path)?;
                let new_file = File::read(new_path)?;
                refuse(accounts::problems([&old_file, &new_file]))?;
                let seen = accounts::declared([&old_file, &new_file]);
                let email = |file: &File| {
                    accounts::declared([file])
                        .into_iter()
                        .filter(Account::is_email)
                        .collect::<Vec<_>>()
                };
                let sides = (display_name(old_path), display_name(new_path));
                (email(&old_file), email(&new_file), sides, seen, Vec::new())
            }
            (None, None, Some(old_host), Some(new_host)) if !map.paths.given.is_empty() => {
                if old_host.trim().is_empty() || new_host.trim().is_empty() {
                    return Err(Error::plain("--old-host and --new-host must name a host"));
                }
                if accounts::host_matches(old_host, new_host)
                    || accounts::host_matches(new_host, old_host)
                {
                    return Err(Error::plain(format!(
                        "--old-host {old_host} and --new-host {new_host} are the same host, or one \
                     lies under the other: no account could be on one side only"
                    )));
                }
                let files = collect(parallel::map(&inputs::find(&map.paths)?, |p| File::read(p)))?;
                refuse(accounts::problems(&files))?;
                let seen = accounts::declared(&files);
                let on_both: Vec<String> = seen
                    .iter()
                    .filter(|a| a.is_email() && a.on_host(old_host) && a.on_host(new_host))
                    .map(|a| {
                        format!(
                            "unpaired: account {} ({}) has servers on both {old_host} and \
                         {new_host} ({}), so it is on neither side",
                            a.id,
                            a.label(),
                            a.hosts.join(", ")
                        )
                    })
                    .collect();
                let side = |this: &str, other: &str| -> Vec<Account> {
                    seen.iter()
                        .filter(|a| a.on_host(this) && !a.on_host(other))
                        .cloned()
                        .collect()
                };
                let (old, new) = (side(old_host, new_host), side(new_host, old_host));
                (
                    old,
                    new,
                    (old_host.clone(), new_host.clone()),
                    seen,
                    on_both,
                )
            }
            _ => {
                return Err(Error::plain(
                    "give either --old-host HOST --new-host HOST PATH..., or --old FILE --new FILE",
                ));
            }
        };
    let mut pairing = pair(&old, &new);
    pairing.problems.extend(on_both);
    let empty_side = old.is_empty() || new.is_empty();
    if !empty_side {
        // (With one side empty, every account of the other is unpaired: that says nothing.)
        for problem in &pairing.problems {
            eprintln!("{problem}");
        }
    }
    if pairing.pairs.is_empty() {
        // An empty mapping redirected over a good one would lose it: write nothing, and
        // show what there is to choose from.
        for (accounts, side) in [(&old, &sides.0), (&new, &sides.1)] {
            if accounts.is_empty() {
                eprintln!("no declared email account is on {side}");
            }
        }
        eprintln!(
            "no old account was paired with a new one, so nothing was written; the hosts the \
             inputs declare, with their accounts:\n{}",
            accounts::hosts_seen(&seen).trim_end()
        );
        return Ok(1);
    }
    let mut out = format!(
        "# Written by `cutover map`: accounts on {} paired with accounts on {} by address.\nschema_version: 1\naccounts:\n",
        sides.0, sides.1
    );
    for (o, n) in &pairing.pairs {
        out.push_str(&format!(
            "  {}: {}  # {}\n",
            scalar::write(&o.id, Style::Plain),
            scalar::write(&n.id, Style::Plain),
            o.label()
        ));
    }
    // What is written is read by every other command: refused there, it is not written.
    Mapping::from_source(Source::from_text("the mapping `map` writes", &out)).map_err(|e| {
        let why: Vec<String> = e.diagnostics.iter().map(|d| d.message.clone()).collect();
        Error::plain(format!(
            "the accounts' IDs do not make a mapping the other commands can read ({}); fix \
             them in the exports, or write the mapping by hand",
            why.join("; ")
        ))
    })?;
    let complete = pairing.problems.is_empty();
    match &args.output {
        None => print(&out)?,
        Some(path) if complete => {
            crate::output::write(path, crate::output::Output::Mapping, |file| {
                std::io::Write::write_all(file, out.as_bytes())
            })?;
            crate::verbosity::summary(&format!(
                "wrote {} pair{} to {}\n",
                pairing.pairs.len(),
                if pairing.pairs.len() == 1 { "" } else { "s" },
                display_name(path)
            ));
        }
        Some(path) => eprintln!(
            "{} was not written: the mapping would be incomplete ({} problem{} above); \
             run without -o to see the {} pair{} found",
            display_name(path),
            pairing.problems.len(),
            if pairing.problems.len() == 1 { "" } else { "s" },
            pairing.pairs.len(),
            if pairing.pairs.len() == 1 { "" } else { "s" },
        ),
    }
    Ok(u8::from(!complete))
}

/// The declarations' problems as the run's error, when there are any.
fn refuse(problems: Vec<crate::diagnostic::Diagnostic>) -> Result<(), Error> {
    match problems.is_empty() {
        true => Ok(()),
        false => Err(Error::many(problems)),
    }
}

pub struct Pairing<'a> {
    pub pairs: Vec<(&'a Account, &'a Account)>,
    /// One line per account left out, saying why.
    pub problems: Vec<String>,
}

/// Pairs old and new accounts by address; an address that no or several accounts of the
/// other side have leaves its accounts out.
pub fn pair<'a>(old: &'a [Account], new: &'a [Account]) -> Pairing<'a> {
    let by_address = |side: &'a [Account]| {
        let mut index: BTreeMap<String, Vec<&'a Account>> = BTreeMap::new();
        for account in side {
            if let Some(address) = &account.address {
                index
                    .entry(address.to_lowercase())
                    .or_default()
                    .push(account);
            }
        }
        index
    };
    let (old_index, new_index) = (by_address(old), by_address(new));
    let place = |a: &Account| match &a.address {
        Some(address) => format!("{} ({address}, in {})", a.id, a.file),
        None => format!("{} (in {})", a.id, a.file),
    };
    let mut pairs = Vec::new();
    let mut problems = Vec::new();
    for account in old.iter().filter(|a| a.address.is_none()) {
        problems.push(format!(
            "unpaired: old account {} has no address to pair by",
            place(account)
        ));
    }
    for account in new.iter().filter(|a| a.address.is_none()) {
        problems.push(format!(
            "unpaired: new account {} has no address to pair by",
            place(account)
        ));
    }
    for (address, olds) in &old_index {
        let news = new_index
            .get(address)
            .map(Vec::as_slice)
            .unwrap_or_default();
        match (olds.as_slice(), news) {
            // The same account on both sides (one export given as both): mapped to itself,
            // it would be refused by every command that reads the mapping.
            ([o], [n]) if o.id == n.id => problems.push(format!(
                "unpaired: account {} is on both sides; are the old and the new side the same?",
                place(o)
            )),
            ([o], [n]) => pairs.push((*o, *n)),
            ([o], []) => problems.push(format!(
                "unpaired: old account {} has no new account with that address",
                place(o)
            )),
            _ => {
                let all: Vec<String> = olds.iter().chain(news).map(|a| place(a)).collect();
                problems.push(format!(
                    "ambiguous: {address} is declared by {} old and {} new accounts: {}; left out",
                    olds.len(),
                    news.len(),
                    all.join(", ")
                ));
            }
        }
    }
    for (address, news) in &new_index {
        if !old_index.contains_key(address) {
            for n in news {
                problems.push(format!(
                    "unpaired: new account {} has no old account with that address",
                    place(n)
                ));
            }
        }
    }
    // An account new for one pair and old for another makes a chain, which a mapping may
    // not hold: both pairs are left out.
    let olds: std::collections::HashSet<&str> = pairs.iter().map(|(o, _)| o.id.as_str()).collect();
    let news: std::collections::HashSet<&str> = pairs.iter().map(|(_, n)| n.id.as_str()).collect();
    pairs.retain(|(o, n)| {
        let chained = olds.contains(n.id.as_str()) || news.contains(o.id.as_str());
        if chained && olds.contains(n.id.as_str()) {
            problems.push(format!(
                "chained: account {} is the new account of {} and the old account of another \
                 pair; a mapping may not chain, so both pairs are left out",
                place(n),
                place(o)
            ));
        }
        !chained
    });
    Pairing { pairs, problems }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Span;

    fn account(id: &str, address: Option<&str>) -> Account {
        Account {
            id: id.into(),
            address: address.map(Into::into),
            name: None,
            channel: Some("email".into()),
            hosts: vec![],
            file: "f".into(),
            span: Span::default(),
        }
    }

    #[test]
    fn pairs_by_address_case_insensitively_and_reports_the_rest() {
        let old = [
            account("o1", Some("Info@X.example")),
            account("o2", Some("dup@x.example")),
            account("o3", Some("gone@x.example")),
        ];
        let new = [
            account("n1", Some("info@x.example")),
            account("n2", Some("dup@x.example")),
            account("n3", Some("DUP@x.example")),
        ];
        let pairing = pair(&old, &new);
        let ids: Vec<(&str, &str)> = pairing
            .pairs
            .iter()
            .map(|(o, n)| (o.id.as_str(), n.id.as_str()))
            .collect();
        assert_eq!(ids, [("o1", "n1")]);
        assert_eq!(pairing.problems.len(), 2, "{:?}", pairing.problems);
        assert!(
            pairing.problems[0]
                .starts_with("ambiguous: dup@x.example is declared by 1 old and 2 new accounts")
        );
        assert!(pairing.problems[1].starts_with("unpaired: old account o3"));
    }

    #[test]
    fn an_account_on_both_sides_or_in_a_chain_is_left_out() {
        // One export given as both sides: every account would map to itself.
        let same = [account("a", Some("a@x.example"))];
        let pairing = pair(&same, &same);
        assert!(pairing.pairs.is_empty());
        assert!(
            pairing.problems[0].contains("is on both sides"),
            "{:?}",
            pairing.problems
        );
        // m1 is new for a@ and old for b@: a chain o1 -> m1 -> z1.
        let old = [
            account("o1", Some("a@x.example")),
            account("m1", Some("b@x.example")),
        ];
        let new = [
            account("m1", Some("a@x.example")),
            account("z1", Some("b@x.example")),
            account("n3", Some("c@x.example")),
        ];
        let pairing = pair(&old, &new);
        assert!(pairing.pairs.is_empty(), "{:?}", pairing.problems);
        assert_eq!(pairing.problems.len(), 2, "{:?}", pairing.problems);
        assert!(pairing.problems[0].starts_with("unpaired: new account n3"));
        assert!(pairing.problems[1].starts_with("chained: account m1"));
    }
}
