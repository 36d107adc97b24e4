#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Per-CPU session: threads pinned to CPU 0 and CPU 1 fault on disjoint regions; monitor
--cpus 0 shows only the CPU-0 region accessed, --cpus 1 only the other (DAMON's cpumask
sample filter, fed by the fault reporter through the kfunc)."""
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

with Workload("f:2M@0", "c:4M", "f:2M@1", duration=60) as w:
    a, cold, b = w.regions
    for cpu, mine, other in ((0, a, b), (1, b, a)):
        snaps, err = monitor(["--pid", w.pid, "--cpus", cpu, "--source", "fault"])
        check(snaps and snaps[-1]["mode"] == "damon", "--cpus %d: DAMON mode" % cpu)
        if not snaps:
            continue
        hot = hot_in_all(snaps, mine["start"], mine["end"])
        leak = hot_in_any(snaps, other["start"], other["end"])
        # The cold region in the last snapshot: early ones can still have a region over the
        # cold and a hot range (seen once on a loaded machine: 1.8 of 20).
        c = snap_rate(last_with_regions(snaps), cold["start"], cold["end"])
        log("  --cpus %d: own region %.1f, other CPU's region %.1f, cold %.1f (of %d)" %
            (cpu, hot, leak, c, snaps[-1]["max_nr_accesses"]))
        check(hot >= HOT, "--cpus %d: the CPU-%d region is hot" % (cpu, cpu))
        check(leak == 0, "--cpus %d: the other CPU's region shows no access" % cpu)
        check(c == 0, "--cpus %d: the cold region shows no access" % cpu)
        ev = snap_events(last_with_regions(snaps), mine["start"], mine["end"])
        check(ev.get(cpu, (0, 0))[1] > 0 and ev.get(1 - cpu, (0, 0)) == (0, 0),
              "--cpus %d: reporter events only from CPU %d (%s)" % (cpu, cpu, ev))
        rep = snaps[-1]["reporter"]
        check(rep["reported"] > 0, "--cpus %d: %d reports went to DAMON, %d dropped" %
              (cpu, rep["reported"], rep["dropped_full"] + rep["dropped_busy"]))
done()
