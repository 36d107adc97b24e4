#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# dbtest-timeout: 400
"""Armed page faults never move a page.  A 32 MiB set first touched on the memory-only node 1
(then the default policy again, MPOL_F_MORON included) is read in a loop by a thread on CPU 0,
a steady workload (no address-space switches, no faults of its own).  For NUMA balancing modes
0, 1 and 2, the same run is made without DAMON and with a vaddr kdamond using the page_fault
primitive alone (no BPF program: the kernel reports the faults it armed), side by side in one
boot, and /proc/vmstat is read around each:
  - with DAMON the set reads hot (arming works in every mode);
  - DAMON adds no migration over the run without it (numa_pages_migrated); in modes 0 and 2
    (both nodes are top tier, so tiering leaves them) nothing moves at all;
  - mode 0: DAMON's faults are no NUMA hint faults (numa_hint_faults +0);
  - after the kdamond is off, the pages it armed were restored: numa_hint_faults does not grow
    while the workload keeps reading (mode 0), and the set is all present and unarmed."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

SECS = 12 if SLOW else 6
PAGES = 32 * 256


def run_once(mode, with_damon):
    wr("/proc/sys/kernel/numa_balancing", mode)
    with Workload("p:32M@0,node=1", duration=120, ticker=0) as w:
        hot = w.regions[0]
        before = node_pages(w.pid, hot["start"], hot["end"])
        v0 = vmstat()
        rate = None
        q0 = {c: report_stat(c) for c in ("queued", "full", "stale", "invalid")}
        if with_damon:
            k = Kdamond(pids=[w.pid])
            set_sample(k, False, True)
            k.on()
        time.sleep(SECS)
        # In mode 1 balancing moves the set to the reader's node meanwhile, then scans it
        # again; each move and each rescan is a hint fault of the reader's.  On the debug
        # kernel the reader then crawls (800 pages a second: it touched no page DAMON armed
        # for 12 s, and the set read 0.0 because it was hardly read).  Both runs of mode 1
        # end once the set is on node 0 and balancing's faults are quiet (under 1 % of the
        # set in 2 s), within 10 x SECS; modes 0 and 2 move nothing and end at SECS.
        settle, h = time.time() + 10 * SECS, vmstat()["numa_hint_faults"]
        while mode == 1 and time.time() < settle:
            time.sleep(2)
            h, h0 = vmstat()["numa_hint_faults"], h
            if (h - h0 < PAGES // 100 and
                    node_pages(w.pid, hot["start"], hot["end"]).get(0, 0) >= PAGES * 0.95):
                break
        if with_damon:
            regs = regions(k)
            rate = overlap_weighted(regs, hot["start"], hot["end"])
            k.off()
        v1 = vmstat()
        after = node_pages(w.pid, hot["start"], hot["end"])
        res = {"migrated": v1["numa_pages_migrated"] - v0["numa_pages_migrated"],
               "hint": v1["numa_hint_faults"] - v0["numa_hint_faults"],
               "node0": after.get(0, 0), "before": before, "rate": rate,
               "reports": {c: report_stat(c) - v for c, v in q0.items()}}
        if with_damon:
            # the armed pages were restored: no hint fault while the workload reads on
            h0 = vmstat()["numa_hint_faults"]
            time.sleep(2)
            res["hint_after"] = vmstat()["numa_hint_faults"] - h0
        log("  mode %d, %s: %s" % (mode, "DAMON" if with_damon else "no DAMON", res))
        if with_damon and (rate is None or rate < HOT):
            # what a cold answer was made of: the regions over the set
            log("    regions over the set (start, end, nr_accesses): %s" % [
                (hex(r[0]), hex(r[1]), r[2]) for r in regs
                if r[0] < hot["end"] and r[1] > hot["start"]][:20])
        check(w.proc.poll() is None, "mode %d: workload still running" % mode)
    wr("/proc/sys/kernel/numa_balancing", 0)
    return res


for mode in (0, 1, 2):
    base = run_once(mode, False)
    dam = run_once(mode, True)
    check(base["before"] == {1: PAGES} and dam["before"] == {1: PAGES},
          "mode %d: the set starts on node 1 (%s, %s)" % (mode, base["before"], dam["before"]))
    check(dam["rate"] is not None and dam["rate"] >= HOT,
          "mode %d: the set reads hot with the page_fault primitive (%s)" % (mode, dam["rate"]))
    if mode in (0, 2):
        check(base["migrated"] == 0 and dam["migrated"] == 0,
              "mode %d: nothing migrated, without DAMON %d, with %d" % (
                  mode, base["migrated"], dam["migrated"]))
        check(dam["node0"] == 0, "mode %d: no page of the set on node 0 (%d)" % (
            mode, dam["node0"]))
    else:
        # balancing moves the set itself; DAMON must not add to it
        check(dam["migrated"] <= base["migrated"] + PAGES // 20,
              "mode 1: DAMON adds no migration (without %d, with %d)" % (
                  base["migrated"], dam["migrated"]))
    if mode == 0:
        check(dam["hint"] == 0, "mode 0: DAMON's faults are no NUMA hint faults (+%d)" %
              dam["hint"])
        check(dam["hint_after"] == 0, "mode 0: no hint fault after the session (+%d)" %
              dam["hint_after"])
done()
