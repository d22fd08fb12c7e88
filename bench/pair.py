#!/usr/bin/env python3
"""Paired runs of two (or more) cutover builds on the same command: each build once per
round, the order alternating, so that the machine's drift falls on all of them alike.

    python3 bench/pair.py OLD_BIN,NEW_BIN [--rounds N] -- diff --mapping M export/

Prints each build's median and fastest wall time and its largest peak memory (GNU
`time -f %M`, as bench/run.py measures it).

    python3 bench/pair.py OLD_BIN,NEW_BIN --instructions -- check --mapping M export/

counts instead the instructions each build executes for the command, once (valgrind's
callgrind, which runs the threads one at a time, about fifty times slower). The count
does not swing with the machine as wall time does (a fifth, run to run, on the shared
2-core machine), so it shows a change of a few percent in the work done; it does not
show waiting on memory, or how well the work spreads over the cores.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                usage="pair.py BINS [--rounds N] -- CUTOVER_ARGS...")
    p.add_argument("bins", help="comma-separated cutover binaries")
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--instructions", action="store_true",
                   help="count instructions (valgrind --tool=callgrind) instead of timing")
    if "--" not in argv:
        p.error("the cutover command goes after --")
    split = argv.index("--")
    a = p.parse_args(argv[:split])
    args = argv[split + 1:]
    bins = a.bins.split(",")
    if a.instructions:
        return instructions(bins, args)
    times = {b: [] for b in bins}
    peaks = {b: [] for b in bins}
    with tempfile.NamedTemporaryFile() as rss:
        for r in range(a.rounds):
            for b in bins if r % 2 == 0 else bins[::-1]:
                start = time.perf_counter()
                subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, b] + args,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[b].append(time.perf_counter() - start)
                with open(rss.name) as f:
                    peaks[b].append(int(f.read().split()[-1]))
    for b in bins:
        print("%-45s median %.3f s  min %.3f s  peak %d MB" % (
            b, statistics.median(times[b]), min(times[b]), max(peaks[b]) // 1024))
    return 0


def instructions(bins, args):
    """Each build's instruction count for the command, from callgrind's summary."""
    for b in bins:
        try:
            run = subprocess.run(
                ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", b] + args,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        except FileNotFoundError:
            raise SystemExit("valgrind is missing: apt-get install -y valgrind")
        counted = [line.split(":")[-1].strip().replace(",", "")
                   for line in run.stderr.splitlines() if "Collected :" in line]
        if not counted:
            raise SystemExit("%s: no instruction count from valgrind:\n%s" % (b, run.stderr))
        print("%-45s %6.3f G instructions" % (b, int(counted[0]) / 1e9))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
