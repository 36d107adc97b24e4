#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A stock DAMON vaddr session through sysfs: starts, finds the hot region, stops cleanly."""
import os
import sys
import time
sys.path.insert(0, os.path.join(os.environ.get("DB_TOP", os.path.dirname(__file__) + "/../.."), "tests/lib"))
from dbtest import *  # noqa: E402,F403

with Workload("p:4M@0", "c:4M", "w:4M@1", duration=60) as w:
    hot_r, cold, hot_w = w.regions
    k = Kdamond(pids=[w.pid])
    k.on()
    check(k.running(), "kdamond on")
    kpid = int(rd(k.k + "/pid"))
    check(kpid > 0 and os.path.exists("/proc/%d" % kpid), "kdamond thread %d exists" % kpid)
    # Let DAMON split regions and age them: a few aggregation intervals and one update.
    time.sleep(3)
    regs = k.regions()
    log("  %d regions: %s" % (len(regs), ", ".join("%x-%x:%d" % (s, e, n) for s, e, n, _ in regs
                                                   if e > hot_r["start"] and s < hot_w["end"])))
    check(len(regs) > 0, "tried_regions lists regions")
    r = overlap_weighted(regs, hot_r["start"], hot_r["end"])
    c = overlap_weighted(regs, cold["start"], cold["end"])
    wr_ = overlap_weighted(regs, hot_w["start"], hot_w["end"])
    log("  nr_accesses: populated-then-read %.1f, write-hot %.1f, cold %.1f" % (r, wr_, c))
    check(r is not None and c is not None and r > c + 2, "populated-then-read region hotter than cold")
    check(wr_ is not None and wr_ > c + 2, "write-hot region hotter than cold")
    k.off()
    check(not k.running(), "kdamond off")
    time.sleep(0.5)
    check(not os.path.exists("/proc/%d" % kpid), "kdamond thread gone")
done()
