#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS action 'collapse' through the DAMON sysfs: a vaddr scheme for nr_accesses >= HOT
collapses a hot THP-neutral 4 MiB range (2 PMDs) into huge pages, and leaves a cold one alone;
the scheme's stats count the applied bytes.  A paddr context does not support the action (it
is tried, never applied).

THP runs in madvise mode and the ranges are THP-neutral (neither MADV_HUGEPAGE nor
MADV_NOHUGEPAGE), so faults map 4 KiB pages and khugepaged leaves them alone: AnonHugePages
there is DAMOS's doing.  The context monitors exactly the two ranges (2 regions, at most 3, no
ops update), so that each DAMON region holds whole PMDs.
"""
import os
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

WAIT = 120 if SLOW else 40


class Range:
    def __init__(self, r):
        self.start, self.end = r["start"], r["end"]


def huge_kb(w, r):
    return anon_huge_kb(w.pid, r.start, r.end)


def scheme_stats(k):
    k.state("update_schemes_stats")
    return {f: int(rd("%s/stats/%s" % (k.scheme, f)))
            for f in ("nr_tried", "sz_tried", "nr_applied", "sz_applied")}


def collapse_scheme(k, min_nr_accesses):
    s = k.scheme
    wr(s + "/action", "collapse")
    wr(s + "/access_pattern/nr_accesses/min", min_nr_accesses)


need(thp_mode() == "madvise", "THP mode madvise (tests/vm/run boots the guest so), is %s" %
     thp_mode())
need(damos_supported(action="collapse") is True, "the DAMOS action 'collapse' in this kernel")

with Workload("p:4M,thp=none", "c:4M,thp=none", duration=600) as w:
    hot, cold = Range(w.regions[0]), Range(w.regions[1])
    check(huge_kb(w, hot) == 0 and huge_kb(w, cold) == 0,
          "the THP-neutral ranges start in 4 KiB pages")
    k = Kdamond(pids=[w.pid], update_us=3600 * 10**6, min_nr_regions=3, max_nr_regions=3)
    set_regions(k, [hot, cold])
    collapse_scheme(k, HOT)
    check(rd(k.scheme + "/action") == "collapse", "action reads back 'collapse'")
    t0 = time.time()
    k.on()
    done_kb = wait_for(lambda: huge_kb(w, hot) >= 4096, WAIT)
    took = time.time() - t0
    stats = scheme_stats(k)
    regs = k.regions()
    log("  regions %s" % [(hex(r[0]), r[1] - r[0], r[2]) for r in regs])
    log("  AnonHugePages: hot %d kB, cold %d kB, %.1f s after 'on'; stats %s" % (
        huge_kb(w, hot), huge_kb(w, cold), took, stats))
    check(done_kb, "the hot range is collapsed: %d of 4096 kB" % huge_kb(w, hot))
    check(huge_kb(w, cold) == 0, "the cold range is not: %d kB" % huge_kb(w, cold))
    check(stats["sz_applied"] >= 4 << 20, "sz_applied counts the hot range (%d)"
          % stats["sz_applied"])
    check(stats["sz_applied"] % (4 << 20) == 0, "only the hot range was applied")
    check(k.running(), "kdamond running")
    k.off()

# paddr: the action is not supported, so it is tried but never applied
k = paddr_kdamond(1 << 30)
collapse_scheme(k, 0)
k.on()
time.sleep(1.5)
stats = scheme_stats(k)
k.off()
log("  paddr collapse scheme stats %s" % stats)
check(stats["nr_tried"] > 0 and stats["sz_applied"] == 0,
      "paddr tries the collapse scheme and applies nothing")
done()
