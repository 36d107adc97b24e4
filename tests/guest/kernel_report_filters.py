#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Access reports through bpf_damon_report_access() reach the right DAMON regions, and the
sample filters (write, cpumask, threads) of the upstream RFC pick the reports that count."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

need(have_kernel_reports(), "DAMON access reports: %s" % REPORTS)
MiB = 1 << 20
W, R, N = Area(2 * MiB), Area(2 * MiB), Area(2 * MiB)


def show(name, regs):
    log("  %s: W %s, R %s, N %s" % (name, accesses_in(regs, W.start, W.end),
                                    accesses_in(regs, R.start, R.end),
                                    accesses_in(regs, N.start, N.end)))


with Bpf("madv_report"):
    # No filter: reads and writes count, the area nobody reports stays cold.
    regs, _ = monitor([W, R, N], [(W, True, None), (R, False, None)])
    show("no filter", regs)
    check(accesses_in(regs, W.start, W.end) > 0, "written area accessed")
    check(accesses_in(regs, R.start, R.end) > 0, "read area accessed")
    check(accesses_in(regs, N.start, N.end) == 0, "unreported area: nr_accesses 0")
    check(max(r[2] for r in regs) <= 20, "nr_accesses <= aggr/sample (20)")

    # damo --exp_ops_write_only: a write filter, matching, allow.
    regs, _ = monitor([W, R, N], [(W, True, None), (R, False, None)],
                      [("write", True, True, None)])
    show("write filter", regs)
    check(accesses_in(regs, W.start, W.end) > 0, "write filter: written area accessed")
    check(accesses_in(regs, R.start, R.end) == 0, "write filter: read area not accessed")

    # The same with a reject filter of what is not a write.
    regs, _ = monitor([W, R, N], [(W, True, None), (R, False, None)],
                      [("write", False, False, None)])
    show("reject non-writes", regs)
    check(accesses_in(regs, W.start, W.end) > 0, "reject non-writes: written area accessed")
    check(accesses_in(regs, R.start, R.end) == 0, "reject non-writes: read area not accessed")

    # A thread on CPU 0 reports A (= W), one on CPU 1 reports B (= R); cpumask 0 sees A only.
    regs, _ = monitor([W, R, N], [(W, False, 0), (R, False, 1)],
                      [("cpumask", True, True, "0")])
    show("cpumask 0", regs)
    check(accesses_in(regs, W.start, W.end) > 0, "cpumask 0: CPU 0's area accessed")
    check(accesses_in(regs, R.start, R.end) == 0, "cpumask 0: CPU 1's area not accessed")

    # Threads filter: only the first reporting thread.
    regs, tids = monitor([W, R, N], [(W, False, None), (R, False, None)],
                         lambda tids: [("threads", True, True, str(tids[0]))])
    show("threads %s" % tids[0], regs)
    check(accesses_in(regs, W.start, W.end) > 0, "threads: the listed thread's area accessed")
    check(accesses_in(regs, R.start, R.end) == 0, "threads: the other thread's area not accessed")

    # page_table and page_fault: the union still sees the reported areas.
    regs, _ = monitor([W, R, N], [(W, True, None)], page_table=True)
    show("both primitives", regs)
    check(accesses_in(regs, W.start, W.end) > 0, "both primitives: reported area accessed")
done()
