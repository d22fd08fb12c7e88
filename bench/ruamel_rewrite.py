#!/usr/bin/env python3
"""The baseline for `cutover diff` on YAML: the same rewrite with ruamel.yaml in round-trip
(comment preserving) mode. Writes the rewritten export; the benchmark then runs `diff -u`.

    bench/work/venv/bin/python bench/ruamel_rewrite.py MAPPING.json EXPORT.yaml OUT.yaml

Account references (replaced when the mapping has them): rules[*].conditions..items[field is
email_account or account].value (a string or a list), rules[*].actions[*].from.account,
aliases[*].account, sharing[*].account. Address references (case-insensitive):
rules[*].actions[*].from.address, aliases[*].address. As cutover does, an old ID in a list
that already holds its new ID is dropped instead.

The dump is set to the block style that bench/gen.py writes (mappings indented 2, sequences
indented 2 under their key, no line wrapping), so an unchanged document round-trips to the
same bytes and `diff -u` shows only the rewritten lines.
"""

import json
import sys


def rewrite(doc, accounts, addresses):
    changed = [0]

    def account(v):
        if isinstance(v, str) and v in accounts:
            changed[0] += 1
            return accounts[v]
        return v

    def address(v):
        if isinstance(v, str) and v.lower() in addresses:
            changed[0] += 1
            return addresses[v.lower()]
        return v

    def keep_style(old, new):
        # A quoted scalar stays quoted: rebuild it with the old one's class.
        if new is old or type(old) is str:
            return new
        return type(old)(new)

    def account_value(value):
        if isinstance(value, list):
            present = set(x for x in value if isinstance(x, str))
            i = 0
            while i < len(value):
                v = value[i]
                if isinstance(v, str) and v in accounts and accounts[v] in present:
                    del value[i]  # its new ID is already there: drop it
                    changed[0] += 1
                    continue
                value[i] = keep_style(v, account(v))
                i += 1
            return value
        return keep_style(value, account(value))

    def conditions(node):
        if isinstance(node, dict):
            items = node.get("items")
            if isinstance(items, list):
                for item in items:
                    conditions(item)
            if node.get("field") in ("email_account", "account") and "value" in node:
                node["value"] = account_value(node["value"])
        elif isinstance(node, list):
            for item in node:
                conditions(item)

    if not isinstance(doc, dict):
        return 0
    for rule in doc.get("rules") or []:
        if not isinstance(rule, dict):
            continue
        if "conditions" in rule:
            conditions(rule["conditions"])
        for action in rule.get("actions") or []:
            frm = action.get("from") if isinstance(action, dict) else None
            if isinstance(frm, dict):
                if "account" in frm:
                    frm["account"] = keep_style(frm["account"], account(frm["account"]))
                if "address" in frm:
                    frm["address"] = keep_style(frm["address"], address(frm["address"]))
    for alias in doc.get("aliases") or []:
        if isinstance(alias, dict):
            if "account" in alias:
                alias["account"] = keep_style(alias["account"], account(alias["account"]))
            if "address" in alias:
                alias["address"] = keep_style(alias["address"], address(alias["address"]))
    for entry in doc.get("sharing") or []:
        if isinstance(entry, dict) and "account" in entry:
            entry["account"] = keep_style(entry["account"], account(entry["account"]))
    return changed[0]


def main(argv):
    if len(argv) != 4:
        sys.exit("usage: ruamel_rewrite.py MAPPING.json EXPORT.yaml OUT.yaml")
    from ruamel.yaml import YAML

    with open(argv[1], encoding="utf-8") as f:
        mapping = json.load(f)
    accounts = mapping.get("accounts") or {}
    addresses = {k.lower(): v for k, v in (mapping.get("addresses") or {}).items()}
    yaml = YAML()  # round-trip mode: keeps comments, key order and quoting
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 1 << 20
    with open(argv[2], encoding="utf-8") as f:
        docs = list(yaml.load_all(f))
    changed = sum(rewrite(doc, accounts, addresses) for doc in docs)
    with open(argv[3], "w", encoding="utf-8") as f:
        if len(docs) == 1:
            yaml.dump(docs[0], f)
        else:
            yaml.dump_all(docs, f)
    print("%d references changed" % changed, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
