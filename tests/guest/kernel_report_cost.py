#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Cost of the report path: bpf_stats run_time_ns of a tp_btf program that calls
bpf_damon_report_access() once per event, against the same program without the call, on the
same events, while a DAMON context listens.  Figures only (TCG inflates them); the check is
that every report was queued or counted."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

need(have_kernel_reports(), "DAMON access reports: %s" % REPORTS)
N = 20000


def prog_stats():
    """{name: (run_time_ns, run_cnt)} of the loaded programs."""
    out = {}
    for p in json.loads(run(["bpftool", "-j", "prog", "show"]).stdout):
        out[p.get("name")] = (p.get("run_time_ns", 0), p.get("run_cnt", 0))
    return out


W = Area(1 << 20)
k = Kdamond(pids=[os.getpid()], update_us=3600 * 10**6)
set_regions(k, [W])
set_sample(k, False, True)
k.on()
wr("/proc/sys/kernel/bpf_stats_enabled", 1)
os.sched_setaffinity(0, {0})
with Bpf("madv_report", "madv_noreport"):
    q0 = report_stat("queued") + report_stat("full")
    s0 = prog_stats()
    for i in range(N):
        report(W.start + (i % 256) * 4096, 4096, write=i & 1)
    s1 = prog_stats()
    q = report_stat("queued") + report_stat("full") - q0
wr("/proc/sys/kernel/bpf_stats_enabled", 0)
k.off()
res = {}
for name in ("madv_report", "madv_noreport"):
    rt = s1[name][0] - s0[name][0]
    cnt = s1[name][1] - s0[name][1]
    res[name] = (rt, cnt)
    log("  %-14s run_cnt %6d run_time_ns %10d (%.0f ns/run)" % (name, cnt, rt, rt / max(cnt, 1)))
extra = (res["madv_report"][0] - res["madv_noreport"][0]) / N
log("  report path: %.0f ns per bpf_damon_report_access() call (QEMU TCG, %d reports)" % (extra, N))
# W was never touched (no armed page, no fault report): the N reports are the only ones.
check(q == N, "every report queued or counted as full, exactly once (%d of %d)" % (q, N))
done()
