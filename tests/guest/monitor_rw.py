#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write-only and read-only sessions: the workload keeps writing W and reading R (faulting
on every pass); --write-only shows W hot and R never, --read-only the reverse.

Each filter runs twice: as users run it (the BPF reporter drops the other kind before the
kfunc), and with --no-prefilter, where every fault reaches DAMON and its write sample filter
alone decides: the reporter filtered nothing, and the result is the same."""
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

with Workload("f:2M@0", "c:4M", "q:2M@1", duration=200) as w:
    wreg, cold, rreg = w.regions
    for flag, hot, never in (("--write-only", wreg, rreg), ("--read-only", rreg, wreg)):
        for pre in ([], ["--no-prefilter"]):
            how = flag + (" --no-prefilter" if pre else "")
            snaps, err = monitor(["--pid", w.pid, flag, "--source", "fault"] + pre)
            if not check(bool(snaps), "%s: snapshots" % how):
                continue
            h = hot_in_all(snaps, hot["start"], hot["end"])
            n = hot_in_any(snaps, never["start"], never["end"])
            log("  %s: %s region %.1f, the other %.1f" % (how, "W" if hot is wreg else "R", h, n))
            check(h >= SEEN, "%s: the %s region is seen accessed" %
                  (how, "written" if hot is wreg else "read"))
            check(n == 0, "%s: the other region never shows an access" % how)
            # The default breakdown's write probe (the last): hits only where writes count
            last = last_with_regions(snaps)
            wp = len(last.get("probes", [])) - 1
            wh = probe_hits(last, hot["start"], hot["end"], wp) if wp >= 0 else -1
            log("  %s: the region's write probe hits %.1f" % (how, wh))
            check(last.get("probes", [""])[-1] == "allow write" and
                  (wh > 0 if hot is wreg else wh == 0),
                  "%s: the write probe %s the region" % (how, "hits" if hot is wreg else
                                                         "never hits"))
            rep = snaps[-1]["reporter"]
            if pre:
                check(rep["filtered"] == 0 and rep["reported"] > 0,
                      "%s: the reporter filtered nothing (%d of %d seen), reported %d" %
                      (how, rep["filtered"], rep["seen"], rep["reported"]))
            else:
                check(rep["filtered"] > 0, "%s: the reporter pre-filtered (%d)" %
                      (how, rep["filtered"]))
    # Both: both hot.
    snaps, err = monitor(["--pid", w.pid, "--source", "fault"])
    check(hot_in_all(snaps, wreg["start"], wreg["end"]) >= SEEN and
          hot_in_all(snaps, rreg["start"], rreg["end"]) >= SEEN,
          "no filter: both regions seen accessed")
done()
