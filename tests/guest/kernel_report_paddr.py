#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A physical address space context with page_fault: reports that carry only a virtual
address are resolved to physical ones by the kdamond, and land in the regions holding the
reported pages' frames; regions without any such frame stay (nearly) cold."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

need(have_kernel_reports(), "DAMON access reports: %s" % REPORTS)
W = Area(2 << 20)
for off in range(0, W.end - W.start, 4096):
    W.m[off] = 1
frames = set(pfn * 4096 for pfn in phys_frames(os.getpid(), W.start, W.end))
check(len(frames) == 512, "%d of 512 pages present with known frames" % len(frames))

k = paddr_kdamond(max(frames) + (64 << 20))
set_sample(k, False, True)
no_paddr = report_stat("no_paddr")
with Bpf("madv_report"):
    k.on()
    with Reporter([(W, True, None)]):
        time.sleep(2)
        regs = regions(k)
    k.off()
hot = [r for r in regs if any(r[0] <= f < r[1] for f in frames)]
cold = [r for r in regs if not any(r[0] <= f < r[1] for f in frames)]
log("  %d regions: with reported frames %s, without %s" % (
    len(regs), [r[2] for r in hot], [r[2] for r in cold]))
check(hot and max(r[2] for r in hot) > 0, "regions holding the reported frames accessed")
# The kernel arms sampled frames of the whole range (patch 11), so memory that processes really
# use there (this test's own, the guest's init) may read accessed: the rest stays nearly cold.
sz = sum(r[1] - r[0] for r in cold)
mean = sum((r[1] - r[0]) * r[2] for r in cold) / sz if sz else 0
check(mean < 1, "regions without reported frames nearly cold (size-weighted %.2f of 20)" % mean)
check(report_stat("no_paddr") == no_paddr, "every report resolved (no_paddr unchanged)")
done()
