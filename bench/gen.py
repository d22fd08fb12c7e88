#!/usr/bin/env python3
"""Generate a synthetic shared-inbox settings export and its mapping, for the benchmark.

    python3 bench/gen.py --out bench/work/data/json-20k --rules 20000 --accounts 200 \
        --format json --files 1 --seed 1

Writes, under --out:
  export/          the export: one file (export.json / export.yaml) or --files files
                   (part-00000.json ...); the first file also declares every account
  mapping.yaml     the mapping for cutover (old account -> new account, old address -> new)
  mapping.json     the same mapping as JSON (for jq and the ruamel script)
  manifest.json    what was generated, and `planted`: how many references the mapping
                   changes (cutover must rewrite exactly these)

The accounts: --accounts M (even), in M/2 pairs. The old account of pair i is mapped to the
new account of pair i, its address team-i@old.example to team-i@new.example. Every reference
picks any of the M accounts, so about half of them are planted (changed by the mapping).

So that the number of changed lines of a patch equals `planted`, every reference stands on a
line of its own in pretty JSON (indent 2, as `jq` prints) and in YAML (block style), no
list holds both an old account and its new one (cutover would drop the old one instead of
rewriting it) nor the same account twice, and no two aliases or sharing entries belong to
the same pair of accounts (cutover's replace mode drops a setting whose copy for the new
account already exists). Standard library only; the same seed gives the same bytes.
"""

import argparse
import json
import os
import random
import re
import shutil
import sys

FORMATS = ("json", "json-min", "yaml")

SUBJECTS = [
    "invoice", "refund request", "password reset", "order status", "urgent",
    "newsletter", "partnership", "out of office", "delivery problem", "quote",
]
LABELS = ["billing", "support", "sales", "vip", "spam", "follow-up", "escalated", "press"]
TEAM_COUNT = 12


class Generator:
    def __init__(self, seed, accounts):
        if accounts < 2 or accounts % 2:
            raise SystemExit("--accounts must be an even number >= 2")
        self.rng = random.Random(seed)
        self.pairs = accounts // 2
        # Account index a: pair a // 2, old when a is even, new when odd.
        self.ids = [self.uuid() for _ in range(accounts)]
        self.teams = [self.uuid() for _ in range(TEAM_COUNT)]
        self.planted = {"condition": 0, "from.account": 0, "from.address": 0,
                        "aliases.account": 0, "aliases.address": 0, "sharing.account": 0}

    def uuid(self):
        h = "%032x" % self.rng.getrandbits(128)
        return "%s-%s-4%s-%s-%s" % (h[:8], h[8:12], h[13:16], h[16:20], h[20:])

    @staticmethod
    def is_old(a):
        return a % 2 == 0

    def address(self, a):
        side = "old" if self.is_old(a) else "new"
        return "team-%d@%s.example" % (a // 2, side)

    def account(self, kind):
        a = self.rng.randrange(2 * self.pairs)
        if self.is_old(a):
            self.planted[kind] += 1
        return a

    def account_list(self, k):
        """k distinct accounts, never an old one with its own new one."""
        pairs = self.rng.sample(range(self.pairs), min(k, self.pairs))
        out = []
        for p in pairs:
            a = 2 * p + self.rng.randrange(2)
            if self.is_old(a):
                self.planted["condition"] += 1
            out.append(self.ids[a])
        return out

    def accounts_section(self):
        out = []
        for a, id_ in enumerate(self.ids):
            out.append({"id": id_, "type": "email", "address": self.address(a),
                        "name": "Team %d (%s)" % (a // 2, "old" if self.is_old(a) else "new"),
                        "kind": "shared"})
        return out

    def condition_items(self, depth):
        rng = self.rng
        items = [{"field": "email_account", "op": rng.choice(["is", "is_not"]),
                  "value": self.account_list(rng.randint(1, 4))}]
        items.append({"field": "subject", "op": "contains", "value": rng.choice(SUBJECTS)})
        if rng.random() < 0.5:
            items.append({"field": "from", "op": "is",
                          "value": "customer-%d@client.example" % rng.randrange(10000)})
        if depth == 0 and rng.random() < 0.6:
            a = self.account("condition")
            nested = [{"field": "account", "op": "is_not", "value": self.ids[a]},
                      {"field": "to", "op": "contains", "value": rng.choice(LABELS)}]
            items.append({"match": "at_least_one", "items": nested})
        return items

    def rule(self, n):
        rng = self.rng
        actions = []
        if rng.random() < 0.8:
            a = self.account("from.account")
            if self.is_old(a):
                self.planted["from.address"] += 1
            actions.append({"type": "send_response",
                            "from": {"account": self.ids[a], "address": self.address(a)},
                            "template": "tmpl-%04d" % rng.randrange(10000)})
        actions.append({"type": "assign", "team": rng.choice(self.teams)})
        actions.append({"type": "label", "label": rng.choice(LABELS)})
        if rng.random() < 0.3:
            actions.append({"type": "archive"})
        return {
            "id": self.uuid(),
            "scope": rng.choice(["organization", "personal"]),
            "type": rng.choice(["incoming", "outgoing"]),
            "description": "Rule %05d: %s for %s" % (n, rng.choice(["route", "tag", "answer"]),
                                                      rng.choice(SUBJECTS)),
            "enabled": rng.random() < 0.9,
            "created_at": "2024-%02d-%02dT%02d:%02d:00Z" % (
                rng.randint(1, 12), rng.randint(1, 28), rng.randrange(24), rng.randrange(60)),
            "conditions": {"match": rng.choice(["all", "at_least_one"]),
                           "items": self.condition_items(0)},
            "actions": actions,
        }

    def distinct_accounts(self, n, kind):
        """n accounts of distinct pairs: never an old one and its new one (cutover's replace
        drops an alias or sharing entry whose copy for the new account already exists)."""
        if n > self.pairs:
            raise SystemExit("at most --accounts/2 aliases and sharing entries")
        out = []
        for p in self.rng.sample(range(self.pairs), n):
            a = 2 * p + self.rng.randrange(2)
            if self.is_old(a):
                self.planted[kind] += 1
            out.append(a)
        return out

    def alias(self, n, a):
        if self.is_old(a):
            self.planted["aliases.address"] += 1
        return {"id": "alias-%05d" % n, "account": self.ids[a], "address": self.address(a),
                "name": "Alias %d" % n}

    def sharing(self, a):
        return {"account": self.ids[a], "organization": self.rng.random() < 0.5,
                "teams": self.rng.sample(self.teams, 2), "delivery": "team_inbox"}

    def mapping(self):
        accounts = {self.ids[2 * p]: self.ids[2 * p + 1] for p in range(self.pairs)}
        addresses = {self.address(2 * p): self.address(2 * p + 1) for p in range(self.pairs)}
        return {"schema_version": 1, "accounts": accounts, "addresses": addresses}


# ---------------------------------------------------------------- YAML (block style)

PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@/+-]*$")
RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if (PLAIN.match(v) and v.lower() not in RESERVED
            and not re.match(r"^[-+]?[0-9][0-9_.]*([eE][-+]?[0-9]+)?$", v)):
        return v
    return json.dumps(v, ensure_ascii=False)


def yaml_block(value, indent, out):
    """Emits a mapping's entries at `indent` (the caller wrote the key or `- `)."""
    pad = " " * indent
    first = True
    for key, v in value.items():
        lead = "" if first else pad
        first = False
        if isinstance(v, dict):
            out.append("%s%s:\n%s  " % (lead, key, pad))
            yaml_block(v, indent + 2, out)
        elif isinstance(v, list):
            if not v:
                out.append("%s%s: []\n" % (lead, key))
                continue
            out.append("%s%s:\n" % (lead, key))
            yaml_list(v, indent + 2, out)
        else:
            out.append("%s%s: %s\n" % (lead, key, yaml_scalar(v)))


def yaml_list(items, indent, out):
    pad = " " * indent
    for item in items:
        if isinstance(item, dict):
            out.append(pad + "- ")
            yaml_block(item, indent + 2, out)
        else:
            out.append("%s- %s\n" % (pad, yaml_scalar(item)))


def yaml_document(doc):
    out = ["# Synthetic export written by bench/gen.py.\n"]
    for key, v in doc.items():
        if isinstance(v, list) and v:
            out.append("%s:\n" % key)
            if key == "rules":
                for item in v:
                    out.append("  # %s\n" % item["description"].split(":")[0].lower())
                    yaml_list([item], 2, out)
            else:
                yaml_list(v, 2, out)
        elif isinstance(v, list):
            out.append("%s: []\n" % key)
        else:
            out.append("%s: %s\n" % (key, yaml_scalar(v)))
    return "".join(out)


def dump(doc, fmt):
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "json-min":
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"
    return yaml_document(doc)


def mapping_yaml(m):
    out = ["# Written by bench/gen.py: old account -> new account.\n", "schema_version: 1\n",
           "accounts:\n"]
    out += ["  %s: %s\n" % kv for kv in m["accounts"].items()]
    out.append("addresses:\n")
    out += ["  %s: %s\n" % kv for kv in m["addresses"].items()]
    return "".join(out)


def split(n, parts):
    """Sizes of `parts` near-equal slices of n."""
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def generate(out, rules, accounts, fmt, files, seed, aliases=None, sharing=None):
    g = Generator(seed, accounts)
    aliases = accounts // 2 if aliases is None else aliases
    sharing = accounts // 2 if sharing is None else sharing
    alias_accounts = g.distinct_accounts(aliases, "aliases.account")
    sharing_accounts = g.distinct_accounts(sharing, "sharing.account")
    ext = "yaml" if fmt == "yaml" else "json"
    export = os.path.join(out, "export")
    if os.path.isdir(export):
        shutil.rmtree(export)
    os.makedirs(export)
    rule_counts, alias_counts, sharing_counts = (split(rules, files), split(aliases, files),
                                                 split(sharing, files))
    paths, sizes = [], []
    n_rule = n_alias = n_sharing = 0
    for i in range(files):
        doc = {"schema_version": 1}
        if i == 0:
            doc["organization"] = "Bench Ltd"
            doc["accounts"] = g.accounts_section()
        doc["rules"] = [g.rule(n_rule + k + 1) for k in range(rule_counts[i])]
        n_rule += rule_counts[i]
        doc["aliases"] = [g.alias(n_alias + k + 1, alias_accounts[n_alias + k])
                          for k in range(alias_counts[i])]
        n_alias += alias_counts[i]
        doc["sharing"] = [g.sharing(sharing_accounts[n_sharing + k])
                          for k in range(sharing_counts[i])]
        n_sharing += sharing_counts[i]
        name = "export.%s" % ext if files == 1 else "part-%05d.%s" % (i, ext)
        path = os.path.join(export, name)
        data = dump(doc, fmt).encode("utf-8")
        with open(path, "wb") as f:
            f.write(data)
        paths.append(os.path.relpath(path, out))
        sizes.append(len(data))
    m = g.mapping()
    with open(os.path.join(out, "mapping.yaml"), "w", encoding="utf-8") as f:
        f.write(mapping_yaml(m))
    with open(os.path.join(out, "mapping.json"), "w", encoding="utf-8") as f:
        json.dump(m, f, indent=2)
        f.write("\n")
    manifest = {
        "params": {"rules": rules, "accounts": accounts, "format": fmt, "files": files,
                   "seed": seed, "aliases": aliases, "sharing": sharing},
        "planted": sum(g.planted.values()),
        "planted_by_location": g.planted,
        "files": paths,
        "total_bytes": sum(sizes),
        "largest_file_bytes": max(sizes),
    }
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="directory to write (its export/ is replaced)")
    p.add_argument("--rules", type=int, default=1000)
    p.add_argument("--accounts", type=int, default=200, help="even; half of them are mapped")
    p.add_argument("--format", choices=FORMATS, default="json")
    p.add_argument("--files", type=int, default=1, help="split the export into this many files")
    p.add_argument("--aliases", type=int, help="default (and most): one per account pair")
    p.add_argument("--sharing", type=int, help="default (and most): one per account pair")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    if a.files < 1 or a.rules < 0:
        p.error("--files must be >= 1 and --rules >= 0")
    m = generate(a.out, a.rules, a.accounts, a.format, a.files, a.seed, a.aliases, a.sharing)
    print("%s: %d rules in %d %s file(s), %.1f MB (largest %.1f KB); planted %d references"
          % (a.out, a.rules, a.files, a.format, m["total_bytes"] / 1e6,
             m["largest_file_bytes"] / 1e3, m["planted"]))


if __name__ == "__main__":
    sys.exit(main())
