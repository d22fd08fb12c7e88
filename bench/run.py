#!/usr/bin/env python3
"""The cutover benchmark: speed against jq and ruamel.yaml, scaling, memory, and correctness
at scale. Not part of `cargo test`; see bench/README.md.

    python3 bench/run.py              # installs jq / the venv if missing, builds, runs it all
    python3 bench/run.py --runs 7     # more runs per contender (default 5)
    python3 bench/run.py --scale 0.1  # a quick smoke run on inputs 10x smaller
    python3 bench/run.py --rev HEAD   # benchmark the last commit, not the work tree

Everything it writes (build, venv, data, outputs, results.json) is under bench/work/.
Exit status: 0 when every correctness check passes (performance targets may still FAIL;
add --strict to fail on those too), 1 when a correctness check fails, 2 on a setup error.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
WORK = os.path.join(BENCH, "work")
DATA = os.path.join(WORK, "data")
OUT = os.path.join(WORK, "out")
VENV = os.path.join(WORK, "venv")
VENV_PY = os.path.join(VENV, "bin", "python")
TARGET_DIR = os.path.join(WORK, "target")
TIME = "/usr/bin/time"  # GNU time (Debian package `time`), for the peak memory of each run

sys.path.insert(0, BENCH)
import gen  # noqa: E402  (bench/gen.py, standard library only)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    log("$ " + " ".join(cmd))
    return subprocess.run(cmd, check=True, **kw)


# ---------------------------------------------------------------------------- setup

def setup(install):
    """jq from Debian's packages, ruamel.yaml into bench/work/venv (the documented steps)."""
    if shutil.which("jq") is None:
        if not install:
            raise SystemExit("jq is missing: apt-get install -y jq (or run without --no-install)")
        sh(["apt-get", "update"])
        sh(["apt-get", "install", "-y", "jq"])
    ok = os.path.exists(VENV_PY) and subprocess.run(
        [VENV_PY, "-c", "import ruamel.yaml"], capture_output=True).returncode == 0
    if not ok:
        if not install:
            raise SystemExit("no ruamel.yaml venv: python3 -m venv bench/work/venv && "
                             "bench/work/venv/bin/pip install ruamel.yaml")
        sh([sys.executable, "-m", "venv", VENV])
        sh([os.path.join(VENV, "bin", "pip"), "install", "--quiet", "ruamel.yaml"])
    if not os.path.exists(TIME):
        if not install:
            raise SystemExit("GNU time is missing: apt-get install -y time")
        sh(["apt-get", "update"])
        sh(["apt-get", "install", "-y", "time"])
    for tool in ("diff", "patch", "cmp"):
        if shutil.which(tool) is None:
            raise SystemExit("%s is missing (apt-get install -y diffutils patch)" % tool)


def build(rev):
    """Builds cutover in release mode: the work tree, or a commit exported with `git archive`
    into bench/work/rev/ (so that a work tree in the middle of an edit does not matter)."""
    src = ROOT
    if rev:
        sha = subprocess.run(["git", "rev-parse", "--verify", rev + "^{commit}"], cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout.strip()
        src = os.path.join(WORK, "rev", sha[:12])
        if not os.path.exists(os.path.join(src, "Cargo.toml")):
            os.makedirs(src, exist_ok=True)
            archive = subprocess.run(["git", "archive", sha], cwd=ROOT, check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
    env = dict(os.environ, CARGO_TARGET_DIR=TARGET_DIR)
    sh(["cargo", "build", "--release", "--quiet"], cwd=src, env=env)
    return os.path.join(TARGET_DIR, "release", "cutover"), src


def versions(binary, src):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        except OSError:
            return "?"
    if src is None:
        built = "prebuilt %s" % binary
    elif src == ROOT:
        dirty = out(["git", "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"])
        built = "work tree at %s%s" % (out(["git", "rev-parse", "--short", "HEAD"]),
                                       " + uncommitted changes" if dirty else "")
    else:
        built = "commit %s" % os.path.basename(src)
    return {
        "cutover": "%s (%s)" % (out([binary, "--version"]), built),
        "jq": out(["jq", "--version"]),
        "ruamel.yaml": out([VENV_PY, "-c", "import ruamel.yaml; print(ruamel.yaml.__version__)"]),
        "diff": out(["diff", "--version"]).split("\n")[0],
        "machine": "%s, %d cores, %s" % (platform.machine(), os.cpu_count() or 0,
                                         platform.platform()),
    }


# ----------------------------------------------------------------------------- data

def dataset(name, scale, **params):
    """Generates bench/work/data/NAME unless it is there from the same generator and params."""
    params = dict(params)
    params["rules"] = max(1, int(params["rules"] * scale))
    if params.get("files", 1) > 1:
        params["files"] = max(2, int(params["files"] * scale))
    out = os.path.join(DATA, name)
    with open(os.path.join(BENCH, "gen.py"), "rb") as f:
        stamp = hashlib.sha256(f.read() + json.dumps(params, sort_keys=True).encode()).hexdigest()
    stamp_path = os.path.join(out, "stamp")
    manifest_path = os.path.join(out, "manifest.json")
    if os.path.exists(stamp_path) and os.path.exists(manifest_path):
        with open(stamp_path) as f:
            if f.read() == stamp:
                with open(manifest_path) as f:
                    m = json.load(f)
                m["dir"] = out
                return m
    log("generating %s %s" % (name, params))
    os.makedirs(out, exist_ok=True)
    m = gen.generate(out, params["rules"], params.get("accounts", 200), params["format"],
                     params.get("files", 1), params.get("seed", 1))
    with open(stamp_path, "w") as f:
        f.write(stamp)
    m["dir"] = out
    return m


def warm(manifest):
    """Reads the inputs once so that every timed run finds them in the page cache."""
    for rel in manifest["files"] + ["mapping.yaml", "mapping.json"]:
        with open(os.path.join(manifest["dir"], rel), "rb") as f:
            while f.read(1 << 22):
                pass


# ------------------------------------------------------------------------ measuring

def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Contender:
    """One command, run again and again: its wall times and peak memory."""

    def __init__(self, name, argv, stdout, ok_codes=(0,), budget=None, timeout=None,
                 discard=False):
        self.name, self.argv, self.stdout, self.ok_codes = name, argv, stdout, ok_codes
        self.discard = discard  # write stdout to /dev/null (`stdout` names the side files)
        self.budget, self.timeout = budget, timeout
        self.times, self.rss, self.codes = [], [], []
        self.timed_out = False
        self.stderr = stdout + ".stderr"

    @property
    def done(self):
        return self.timed_out or (self.budget is not None and self.times
                                  and sum(self.times) > self.budget)

    def run(self):
        # Peak memory comes from GNU time, not from os.wait4 here: a child's ru_maxrss counts
        # the memory of the process it was forked from (this Python, with its data), so it is
        # measured from the small `time` process instead, which reads it with wait4 for
        # exactly this run (and the children of a bash pipeline).
        rss_file = self.stdout + ".rss"
        argv = [TIME, "-f", "%M", "-o", rss_file] + self.argv
        with open(os.devnull if self.discard else self.stdout, "wb") as out, \
                open(self.stderr, "wb") as err:
            start = time.perf_counter()
            p = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT, start_new_session=True)
            killer = None
            limit = self.timeout() if callable(self.timeout) else self.timeout
            if limit:
                killer = threading.Timer(limit, kill_group, (p.pid,))
                killer.start()
            code = p.wait()
            elapsed = time.perf_counter() - start
            if killer:
                killer.cancel()
        if code == -signal.SIGKILL and limit and elapsed >= limit:
            self.timed_out = True
            log("  %-28s killed after %.1f s" % (self.name, elapsed))
            return
        self.codes.append(code)
        if code not in self.ok_codes:
            with open(self.stderr, errors="replace") as f:
                tail = f.read()[-2000:]
            raise SystemExit("%s exited with %d:\n%s" % (self.name, code, tail))
        with open(rss_file) as f:
            kib = int(f.read().split()[-1])  # GNU time's %M is in KiB
        self.times.append(elapsed)
        self.rss.append(kib * 1024)
        log("  %-28s %8.3f s  %7.1f MB peak" % (self.name, elapsed, kib / 1024))

    @property
    def median(self):
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def peak(self):
        return max(self.rss) if self.rss else 0

    def spread(self):
        if not self.times:
            return "timed out" if self.timed_out else "no run"
        return "median of %d: %.3f s (min %.3f, max %.3f)" % (
            len(self.times), self.median, min(self.times), max(self.times))


def alternate(contenders, runs):
    """Runs the contenders side by side: round after round, each once, the order rotating."""
    for r in range(runs):
        order = contenders[r % len(contenders):] + contenders[:r % len(contenders)]
        for c in order:
            if not c.done:
                c.run()


# ---------------------------------------------------------------------- correctness

def added_lines(patch_path):
    """Lines of a unified diff that start with '+' but not '+++'."""
    n = 0
    with open(patch_path, "rb") as f:
        for line in f:
            if line.startswith(b"+") and not line.startswith(b"+++"):
                n += 1
    return n


def apply_patch(original, patch_path, out_path):
    r = subprocess.run(["patch", "--silent", "--force", "-o", out_path, original],
                       stdin=open(patch_path, "rb"), capture_output=True)
    return r.returncode == 0


def same_bytes(a, b):
    return subprocess.run(["cmp", "-s", a, b]).returncode == 0


def summary_count(stderr_path, word):
    with open(stderr_path, errors="replace") as f:
        m = re.search(r"^total: (\d+) %s" % word, f.read(), re.M)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------- main

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="timed runs per contender (default 5)")
    p.add_argument("--scale", type=float, default=1.0, help="input size factor (default 1)")
    p.add_argument("--budget", type=float, default=150,
                   help="stop running a contender once its runs add up to this many seconds "
                        "(it keeps the runs it has; default 150)")
    p.add_argument("--timeout", type=float, default=480, help="kill a run after this long")
    p.add_argument("--rev", help="build this commit (e.g. HEAD) instead of the work tree")
    p.add_argument("--bin", help="use this cutover binary instead of building one")
    p.add_argument("--no-install", action="store_true", help="do not install jq or the venv")
    p.add_argument("--skip-minified", action="store_true",
                   help="skip the minified-JSON comparison (a guard against costs in the "
                   "square of a line's length)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a performance target fails")
    a = p.parse_args(argv)

    started = time.perf_counter()
    try:
        setup(not a.no_install)
        binary, src = (os.path.abspath(a.bin), None) if a.bin else build(a.rev)
    except subprocess.CalledProcessError as e:
        log("setup failed: %s" % e)
        return 2
    os.makedirs(OUT, exist_ok=True)
    info = versions(binary, src)
    load = os.getloadavg()
    info["load average before"] = "%.2f %.2f %.2f" % load
    for k, v in info.items():
        log("%-20s %s" % (k + ":", v))
    if load[0] > 0.5:
        log("warning: the machine is busy (load %.2f): timings will be noisy" % load[0])

    s = a.scale
    sets = {
        "json": dataset("json-20k", s, rules=20000, format="json"),
        "json4": dataset("json-80k", s, rules=80000, format="json"),
        "yaml": dataset("yaml-2k", s, rules=2000, format="yaml"),
        "many": dataset("json-1000-files", s, rules=20000, format="json", files=1000),
    }
    if not a.skip_minified:
        sets["min"] = dataset("json-min-20k", s, rules=20000, format="json-min")
    for m in sets.values():
        warm(m)

    def path(key):
        return os.path.join(sets[key]["dir"], sets[key]["files"][0])

    def mapping(key, ext="yaml"):
        return os.path.join(sets[key]["dir"], "mapping." + ext)

    def out(name):
        return os.path.join(OUT, name)

    def cutover_diff(key, name):
        return Contender(name, [binary, "--color", "never", "diff", "--mapping", mapping(key),
                                path(key)], out(name + ".patch"),
                         budget=a.budget, timeout=a.timeout)

    def jq_diff(key, name, compact):
        new = out(name + ".json")
        flags = "-c" if compact else "--indent 2"
        script = ('jq %s --slurpfile m "$1" -f "$2" "$3" > "$4" && '
                  '{ diff -u "$3" "$4"; test $? -le 1; }' % flags)
        return Contender(name, ["bash", "-c", script, "jq", mapping(key, "json"),
                                os.path.join(BENCH, "rewrite.jq"), path(key), new],
                         out(name + ".patch"), budget=a.budget, timeout=a.timeout)

    def cat(name, files):
        """Reading the input and nothing else: the floor every figure is set against."""
        return Contender(name, ["cat"] + files, out(name + ".txt"), budget=a.budget,
                         timeout=a.timeout, discard=True)

    results = {"info": info, "params": vars(a), "rows": [], "checks": []}
    checks = results["checks"]

    def check(what, ok, detail):
        ok = None if ok is None else bool(ok)  # None: could not be checked
        checks.append({"check": what, "ok": ok, "detail": detail})
        log("  check %-44s %s  %s" % (what, {None: "SKIP", True: "PASS", False: "FAIL"}[ok],
                                      detail))

    # 1. JSON: cutover vs jq + diff -u, and cutover at 4x the input (scaling, memory).
    log("\n== JSON diff: %d rules (%.1f MB) vs jq; 4x: %d rules (%.1f MB)" % (
        sets["json"]["params"]["rules"], sets["json"]["total_bytes"] / 1e6,
        sets["json4"]["params"]["rules"], sets["json4"]["total_bytes"] / 1e6))
    c1 = cutover_diff("json", "cutover-json-1x")
    jq1 = jq_diff("json", "jq-json-1x", compact=False)
    c4 = cutover_diff("json4", "cutover-json-4x")
    # A 4x run that takes over 10x the 1x time has failed the scaling target (4.5) by far:
    # stop it there rather than wait for a quadratic run to finish.
    c4.timeout = lambda: min(a.timeout, max(60.0, 10 * c1.times[0])) if c1.times else a.timeout
    cat1, cat4 = cat("cat-json-1x", [path("json")]), cat("cat-json-4x", [path("json4")])
    alternate([c1, jq1, c4, cat1, cat4], a.runs)

    # 2. YAML: cutover vs ruamel.yaml round trip + diff -u.
    log("\n== YAML diff: %d rules (%.1f MB) vs ruamel.yaml" % (
        sets["yaml"]["params"]["rules"], sets["yaml"]["total_bytes"] / 1e6))
    cy = cutover_diff("yaml", "cutover-yaml")
    ruamel_out = out("ruamel-yaml.yaml")
    ry = Contender("ruamel-yaml", [
        "bash", "-c", '"$1" "$2" "$3" "$4" "$5" && { diff -u "$4" "$5"; test $? -le 1; }',
        "ruamel", VENV_PY, os.path.join(BENCH, "ruamel_rewrite.py"), mapping("yaml", "json"),
        path("yaml"), ruamel_out], out("ruamel-yaml.patch"), budget=a.budget,
        timeout=a.timeout)
    caty = cat("cat-yaml", [path("yaml")])
    alternate([cy, ry, caty], a.runs)

    # 3. check over a directory of many small files.
    many = sets["many"]
    log("\n== check: %d files of about %.0f KB (%.1f MB)" % (
        len(many["files"]), many["total_bytes"] / len(many["files"]) / 1e3,
        many["total_bytes"] / 1e6))
    ck = Contender("cutover-check-files", [
        binary, "--color", "never", "check", "--mapping", mapping("many"),
        os.path.join(many["dir"], "export")], out("check-files.txt"), ok_codes=(1,),
        budget=a.budget, timeout=a.timeout)
    catm = cat("cat-check-files", [os.path.join(many["dir"], f) for f in many["files"]])
    alternate([ck, catm], a.runs)

    # 4. A guard: minified JSON against jq -c.
    if "min" in sets:
        log("\n== minified JSON diff: %d rules (%.1f MB) vs jq -c (a guard)" % (
            sets["min"]["params"]["rules"], sets["min"]["total_bytes"] / 1e6))
        cm = cutover_diff("min", "cutover-json-min")
        jqm = jq_diff("min", "jq-json-min", compact=True)
        # check on one line: every finding's column and snippet come from a line of
        # megabytes (this once took a time quadratic in the findings).
        ckm = Contender("cutover-check-min", [
            binary, "--color", "never", "check", "--mapping", mapping("min"), path("min")],
            out("check-min.txt"), ok_codes=(1,), budget=a.budget, timeout=a.timeout)
        alternate([cm, jqm, ckm], a.runs)

    # ---------------------------------------------------------------- correctness
    log("\n== correctness")
    cutover_runs = [(c1, "json"), (c4, "json4"), (cy, "yaml")]
    if "min" in sets:
        cutover_runs.append((cm, "min"))
    for c, key in cutover_runs:
        planted = sets[key]["planted"]
        if not c.times:
            check("%s: + lines == planted" % c.name, None, "not checked: no run completed")
            continue
        total = summary_count(c.stderr, "rewritten")
        check("%s: summary == planted" % c.name, total == planted,
              "%s rewritten, %d planted" % (total, planted))
        if key != "min":  # one line holds them all in minified JSON
            n = added_lines(c.stdout)
            check("%s: + lines == planted" % c.name, n == planted,
                  "%d + lines, %d planted" % (n, planted))
    # The patch cutover prints, applied with patch(1), gives exactly what jq / ruamel write.
    pairs = [(c1, "json", jq1, out("jq-json-1x.json")), (cy, "yaml", ry, ruamel_out)]
    if "min" in sets:
        pairs.append((cm, "min", jqm, out("jq-json-min.json")))
    for c, key, base, baseline in pairs:
        patched = out(c.name + ".patched")
        if c.times and base.times:
            ok = apply_patch(path(key), c.stdout, patched) and same_bytes(patched, baseline)
        else:
            ok = None
        check("%s: patched == %s output" % (c.name, "ruamel" if key == "yaml" else "jq"), ok,
              "input + cutover's patch, byte for byte")
    for base, key in [(jq1, "json"), (ry, "yaml")]:
        if not base.times:
            continue
        n = added_lines(base.stdout)
        log("  info  %s: %d + lines in its diff -u, %d planted%s" % (
            base.name, n, sets[key]["planted"],
            "" if n == sets[key]["planted"] else " (GNU diff need not find the minimal diff "
            "on large files; the byte comparison above is the check)"))
    check_runs = [(ck, many, "check")] + ([(ckm, sets["min"], "check minified")]
                                          if "min" in sets else [])
    for c, data, what in check_runs:
        if not c.times:
            check("%s: errors == planted, exit 1" % what, None, "not checked: no run completed")
            continue
        with open(c.stdout, errors="replace") as f:
            text = f.read()
        m = re.search(r"^(\d+) errors?, (\d+) warnings? in (\d+) files?$", text, re.M)
        found = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
        check("%s: errors == planted, exit 1" % what,
              found == (data["planted"], 0, len(data["files"])) and set(c.codes) == {1},
              "%s; %d planted; exit %s" % (m.group(0) if m else "no summary line",
                                           data["planted"],
                                           "/".join(map(str, sorted(set(c.codes))))))

    # ---------------------------------------------------------------- table
    rows = results["rows"]

    def row(target, measured, value, ok, goal):
        rows.append({"target": target, "measured": measured, "value": value, "goal": goal,
                     "ok": ok})

    def ratio_row(target, ours, theirs, goal):
        if ours.times and theirs.times:
            r = theirs.median / ours.median
            row(target, "cutover %.3f s, %s %.3f s" % (ours.median, theirs.name.split("-")[0],
                                                     theirs.median),
                "%.1fx" % r, r >= goal, ">= %gx" % goal)
        else:
            row(target, "cutover: %s" % ours.spread(), "-", False, ">= %gx" % goal)

    def read_ratio(ours, reading):
        """How far from only reading the input: the time over `cat`'s, in the same run."""
        if ours.times and reading.times:
            return " (%.0fx cat %.3f s)" % (ours.median / reading.median, reading.median)
        return ""

    ratio_row("JSON diff, %d rules (%.1f MB) vs jq+diff" % (
        sets["json"]["params"]["rules"], sets["json"]["total_bytes"] / 1e6), c1, jq1, 25)
    if c1.times:
        row("JSON diff, %d rules: time" % sets["json"]["params"]["rules"],
            "cutover, median" + read_ratio(c1, cat1), "%.3f s" % c1.median, c1.median <= 0.1,
            "<= 0.1 s")
    ratio_row("YAML diff, %d rules (%.1f MB) vs ruamel+diff" % (
        sets["yaml"]["params"]["rules"], sets["yaml"]["total_bytes"] / 1e6), cy, ry, 300)
    if cy.times:
        row("YAML diff, %d rules: time" % sets["yaml"]["params"]["rules"],
            "cutover, median" + read_ratio(cy, caty), "%.3f s" % cy.median, None, "(info)")
    if ck.times:
        row("check %d files of ~%.0f KB" % (len(many["files"]),
                                            many["total_bytes"] / len(many["files"]) / 1e3),
            "cutover check, median" + read_ratio(ck, catm), "%.3f s" % ck.median,
            ck.median <= 0.15, "<= 0.15 s")
    if c1.times and c4.times:
        r = c4.median / c1.median
        row("scaling: diff JSON 4x / 1x", "%.3f s / %.3f s (n=%d / %d)%s" % (
            c4.median, c1.median, len(c4.times), len(c1.times), read_ratio(c4, cat4)),
            "%.2f" % r, r <= 4.2, "<= 4.2")
    else:
        limit = c4.timeout()
        row("scaling: diff JSON 4x / 1x", "4x killed at %.1f s; 1x %.3f s" % (
            limit, c1.median), "> %.1f" % (limit / c1.median) if c1.times else "-", False,
            "<= 4.2")
    # Peak memory against the input, including the input: a target for the JSON diff at 1x
    # and at 4x, information for the others (against their total input).
    mem = [(c, sets[k]) for c, k in [(c1, "json"), (c4, "json4"), (cy, "yaml"), (ck, "many")]
           + ([(cm, "min"), (ckm, "min")] if "min" in sets else []) if c.rss]
    for c, m in mem:
        if c in (c1, c4):
            r = c.peak / m["largest_file_bytes"]
            row("peak memory: %s" % c.name, "%.0f MB RSS / %.1f MB file" % (
                c.peak / 1e6, m["largest_file_bytes"] / 1e6), "%.1fx" % r, r <= 1.5, "<= 1.5x")
        else:
            r = c.peak / m["total_bytes"]
            row("(info) peak memory: %s" % c.name, "%.0f MB RSS / %.1f MB input%s" % (
                c.peak / 1e6, m["total_bytes"] / 1e6, "s" if len(m["files"]) > 1 else ""),
                "%.1fx" % r, None, "(info)")
    if "min" in sets:
        # A guard, not one of the targets: a one-line export once made the patch
        # scan its line again at every edit (30 s), which no other row showed.
        ratio_row("(guard) minified JSON diff vs jq -c+diff", cm, jqm, 1)
        if ckm.times:
            row("(info) check minified JSON, %d rules" % sets["min"]["params"]["rules"],
                "cutover check, median", "%.3f s" % ckm.median, None, "(info)")
    for ch in checks:
        row("correctness: " + ch["check"], ch["detail"], "", ch["ok"], "exact")
        if ch["ok"] is None:
            rows[-1]["skip"] = True

    results["contenders"] = {c.name: {"times": c.times, "peak_rss": c.peak,
                                      "timed_out": c.timed_out}
                             for c in [c1, jq1, c4, cy, ry, ck, cat1, cat4, caty, catm] + (
                                 [cm, jqm, ckm] if "min" in sets else [])}
    results["load average after"] = "%.2f %.2f %.2f" % os.getloadavg()
    results["seconds"] = time.perf_counter() - started
    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump(results, f, indent=2)

    print()
    print("cutover benchmark: %d runs per contender, alternating; medians; scale %g" % (
        a.runs, a.scale))
    for k in ("cutover", "jq", "ruamel.yaml", "machine", "load average before"):
        print("  %-20s %s" % (k + ":", info[k]))
    print("  %-20s %s" % ("load average after:", results["load average after"]))
    print()
    w = max(len(r["target"]) for r in rows)
    wm = max(len(r["measured"]) for r in rows)
    print("%-*s  %-*s  %9s  %-7s  %s" % (w, "target", wm, "measured", "value", "goal", "result"))
    print("-" * (w + wm + 36))
    for r in rows:
        verdict = "SKIP" if r.get("skip") else (
            "info" if r["ok"] is None else ("PASS" if r["ok"] else "FAIL"))
        print("%-*s  %-*s  %9s  %-7s  %s" % (w, r["target"], wm, r["measured"], r["value"],
                                            r["goal"], verdict))
    print()
    for c in [c1, jq1, c4, cy, ry, ck, cat1, cat4, caty, catm] + (
            [cm, jqm, ckm] if "min" in sets else []):
        print("  %-22s %s" % (c.name, c.spread()))
    print("\ntotal time %.0f s; results in %s" % (results["seconds"],
                                                  os.path.relpath(os.path.join(WORK,
                                                                               "results.json"))))
    correct = all(ch["ok"] is not False for ch in checks)
    perf_ok = all(r["ok"] is not False for r in rows)
    if not correct:
        print("CORRECTNESS FAILED")
        return 1
    if a.strict and not perf_ok:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
