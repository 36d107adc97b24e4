#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Per-CPU session: threads pinned to CPU 0 and CPU 1 fault on disjoint regions; monitor
--cpus 0 shows only the CPU-0 region accessed, --cpus 1 only the other.

Each CPU is watched twice: as users run it (the BPF reporter drops the other CPU's faults
before the kfunc), and with --no-prefilter, where every fault reaches DAMON and its cpumask
sample filter alone keeps the other CPU out: the reporter filtered nothing, and the result is
the same.  The default breakdown's probes (CPU0, CPU1) say which CPU hit the region.  Without that second run a broken DAMON filter could not fail this test."""
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

# Snapshots decided on: those whose regions apart from the hot range cover at least half of
# each other range, NEED of them.  A region has one rate for all it spans, and until DAMON has
# split at the ranges' edges one that reaches into the hot range says nothing of its
# neighbours (the debug kernel's 3 snapshots in 12 s once gave the other CPU's range 4.0 of 20
# so).  The session runs until it has them.
NEED = 3
APART = 0.5


def decided(snaps, mine, other, cold):
    """The snapshots after the first (the warm-up: its regions are the initial ones) whose
    regions apart from mine cover APART of other and of cold, and those apart from other
    APART of mine."""
    def ok(s):
        return (rate_apart(s, other["start"], other["end"], [mine])[1] >= APART and
                rate_apart(s, cold["start"], cold["end"], [mine])[1] >= APART and
                rate_apart(s, mine["start"], mine["end"], [other])[1] >= APART)

    return [s for s in with_regions(snaps)[1:] if ok(s)]


with Workload("f:2M@0", "c:4M", "f:2M@1", duration=200) as w:
    a, cold, b = w.regions
    for cpu, mine, other in ((0, a, b), (1, b, a)):
        for pre in ([], ["--no-prefilter"]):
            how = "--cpus %d%s" % (cpu, " --no-prefilter" if pre else "")
            snaps, err = monitor_until(
                ["--pid", w.pid, "--cpus", cpu, "--source", "fault"] + pre, NEED + 1,
                240 if SLOW else 60,
                enough=lambda ss: len(decided(ss, mine, other, cold)) >= NEED)
            check(snaps and snaps[-1]["mode"] == "damon", "%s: DAMON mode" % how)
            if not snaps:
                continue
            good = decided(snaps, mine, other, cold)
            if not check(len(good) >= NEED, "%s: %d snapshot(s) of %d with regions apart "
                         "from the hot range over each range, %d needed" %
                         (how, len(good), len(snaps), NEED)):
                continue
            hot = min(snap_rate(s, mine["start"], mine["end"]) for s in good)
            leak = max(rate_apart(s, other["start"], other["end"], [mine])[0] for s in good)
            c = max(rate_apart(s, cold["start"], cold["end"], [mine])[0] for s in good)
            log("  %s: own region %.1f, other CPU's region %.1f, cold %.1f (of %d; %d "
                "snapshots)" % (how, hot, leak, c, snaps[-1]["max_nr_accesses"], len(good)))
            check(hot >= SEEN, "%s: the CPU-%d region is seen accessed" % (how, cpu))
            check(leak == 0, "%s: the other CPU's region shows no access" % how)
            check(c == 0, "%s: the cold region shows no access" % how)
            # The default breakdown's CPU probes: the region's hits come from its own CPU
            last = good[-1]
            probes = last.get("probes", [])
            hits = [rate_apart(last, mine["start"], mine["end"], [other], p)[0] for p in range(2)]
            log("  %s: own region's probe hits CPU0 %.1f, CPU1 %.1f" % (how, hits[0], hits[1]))
            check(probes[:2] == ["allow cpumask 0", "allow cpumask 1"] and hits[cpu] > 0 and
                  hits[1 - cpu] == 0, "%s: the region's probe hits only from CPU %d (%s)" %
                  (how, cpu, probes))
            rep = snaps[-1]["reporter"]
            check(rep["reported"] > 0, "%s: %d reports went to DAMON, %d dropped" %
                  (how, rep["reported"], rep["dropped_full"] + rep["dropped_busy"]))
            if pre:
                check(rep["filtered"] == 0, "%s: the reporter filtered nothing (%d of %d)" %
                      (how, rep["filtered"], rep["seen"]))
done()
