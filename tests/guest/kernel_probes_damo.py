#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# dbtest-timeout: 700
"""damo 3.3 (DAMON's own tool, ../shared/damo) drives the probes of data attributes
monitoring (mainline 7.2's sysfs ABI, backported by the series) with no damon-bpf process: a
steady workload reads an anonymous 16 MiB set A on CPU 0 and a shared memory (memfd) one S
on CPU 1, which DAMON's page fault primitive sees.
  --probe_filter allow anon --probe_filter allow non anon --nr_probe_filters 1 1
                                                 probe 0 on A only, probe 1 on S only
damo detects probes by monitoring_attrs/probes, writes them, and reads the hits from
tried_regions/R/probes/P/hits."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403


def hits(regs, r, p):
    """Size-weighted hits of probe p over the workload region r; None if no region covers
    it."""
    return overlap_weighted([(x[0], x[1], x[4][p] if p < len(x[4]) else 0, x[3])
                             for x in regs], r["start"], r["end"])


def session(name, extra, nr_probes, expect):
    """expect[set][probe]: whether the set hits the probe (else: never)."""
    with Workload("p:16M@0", "p:16M@1,shm", duration=900, ticker=0) as w:
        sets = dict(zip("AS", w.regions))
        rc, out, err = damo("start", w.pid, "--sample_primitives", "page_fault", *extra)
        check(rc == 0, "%s: damo start exits 0 (%s)" % (name, (err or out).strip()[-200:]))
        if rc != 0:
            return
        k = DAMON + "/kdamonds/0"
        p = k + "/contexts/0/monitoring_attrs/probes"
        check(rd(p + "/nr_probes") == str(nr_probes), "%s: damo wrote %d probe(s)" % (
            name, nr_probes))
        # evidence: a report in which both sets have regions, each with every probe's hits
        regs, deadline = [], time.time() + (300 if SLOW else 150)
        while time.time() < deadline:
            time.sleep(1)
            regs = damo_regions(probes=True)
            if regs and all(hits(regs, sets[x], 0) is not None for x in "AS") and \
                    all(len(r[4]) == nr_probes for r in regs):
                break
        check(regs and all(len(r[4]) == nr_probes for r in regs),
              "%s: a damo report with %d probe hits a region" % (name, nr_probes))
        if regs:
            got = {x: [round(hits(regs, sets[x], i) or 0, 1) for i in range(nr_probes)]
                   for x in "AS"}
            log("  %s: probe hits %s over %d regions" % (name, got, len(regs)))
            for x in "AS":
                for i in range(nr_probes):
                    if expect[x][i]:
                        # the region of a set also holds the unmapped space around it
                        # while damo's regions are few (5 in its first reports here)
                        check(got[x][i] >= 2, "%s: %s hits probe %d (%.1f of 20)" % (
                            name, x, i, got[x][i]))
                    else:
                        # a region straddling a set's edge may carry a fraction
                        check(got[x][i] < 1, "%s: %s does not hit probe %d (%.1f)" % (
                            name, x, i, got[x][i]))
        rc, _, err = damo("stop")
        check(rc == 0, "%s: damo stop exits 0 %s" % (name, err.strip()))
        wr(DAMON + "/kdamonds/nr_kdamonds", 0)


if not os.path.exists(DAMO):
    check(False, "damo not found at %s" % DAMO)
    done()
# one session (damo takes 15-50 s a command under TCG): its first probe is the one-probe case
session("anon, non-anon", ["--probe_filter", "allow", "anon", "--probe_filter", "allow", "non",
                           "anon", "--nr_probe_filters", "1", "1"], 2,
        {"A": [True, False], "S": [False, True]})
done()
