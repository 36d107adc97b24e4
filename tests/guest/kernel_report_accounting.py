#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Every access report ends in exactly one counter (patches 27, 28), through report storms
while two contexts start and stop:

  calls     = queued + full + busy + no_listener      (each damon_report_access(), once)
  queued    = drained + discarded                     (once no context listens: the rings
                                                       are freed, and what was left in them
                                                       counted as discarded)
  delivered = overflow + stale + filtered + no_vaddr + no_paddr + applied + unread

Equalities, not bounds: the test's own BPF program is the only reporter (the contexts watch
a range of this process that was never touched, so DAMON arms no page and reports no fault of
its own), and it knows how many reports it made."""
import os
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

STATS = ("queued", "full", "busy", "no_listener", "invalid", "stale", "overflow", "no_paddr",
         "drained", "discarded", "delivered", "filtered", "no_vaddr", "applied", "unread")
STORM = 4096
ROUNDS = 6

need(have_kernel_reports(), "DAMON access reports: %s" % REPORTS)
need(all(os.path.exists(REPORTS + "/" + n) for n in STATS),
     "the counters %s in %s" % (" ".join(STATS), REPORTS))


def counters():
    return {n: report_stat(n) for n in STATS}


W = Area(1 << 20)
made = 0
try:
    with Bpf("madv_report"):
        wr(DAMON + "/kdamonds/nr_kdamonds", 2)
        a = Context(0, "vaddr", [(W.start, W.end)])
        # b keeps reads only: the storms' writes are its filtered copies
        b = Context(1, "vaddr", [(W.start, W.end)], [("write", False, True, None)])
        s0 = counters()
        for _ in range(ROUNDS):
            a.state("on")
            for _ in range(2):
                report(W.start, 4096, storm=True)
                made += STORM
                time.sleep(0.02)
            b.state("on")
            for _ in range(2):
                report(W.start, 4096, storm=True)
                report(W.start, 4096)
                made += STORM + 1
                time.sleep(0.02)
            a.state("off")
            report(W.start, 4096, storm=True)
            made += STORM
            b.state("off")
            # nobody listens
            report(W.start, 4096, storm=True)
            made += STORM
        d = {n: report_stat(n) - s0[n] for n in STATS}
finally:
    drop_kdamonds()

log("  %d reports made: %s" % (made, ", ".join("%s %d" % (n, d[n]) for n in STATS)))
calls = d["queued"] + d["full"] + d["busy"] + d["no_listener"]
check(calls == made and d["invalid"] == 0,
      "each of the %d reports queued or dropped exactly once (%d)" % (made, calls))
check(d["queued"] == d["drained"] + d["discarded"],
      "queued %d = drained %d + discarded %d: no queued report left unaccounted" %
      (d["queued"], d["drained"], d["discarded"]))
fates = sum(d[n] for n in ("overflow", "stale", "filtered", "no_vaddr", "no_paddr", "applied",
                           "unread"))
check(d["delivered"] == fates,
      "delivered %d = overflow + stale + filtered + no_vaddr + no_paddr + applied + unread (%d)"
      % (d["delivered"], fates))
check(d["delivered"] >= d["drained"] > 0, "reports drained (%d) and delivered to each "
      "listening context (%d)" % (d["drained"], d["delivered"]))
check(d["no_listener"] >= ROUNDS * STORM, "the storms without a listener dropped as "
      "no_listener (%d)" % d["no_listener"])
check(d["applied"] > 0 and d["filtered"] > 0, "copies applied (%d) and filtered by the "
      "read-only context (%d)" % (d["applied"], d["filtered"]))
done()
