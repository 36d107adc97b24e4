#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Benchmark (not a test): what the page fault primitive costs the kdamond per region and
sampling interval, on the kernel it runs on.  A steady workload reads 64 MiB in a loop; a vaddr
kdamond with 5 ms sampling and a fixed number of regions runs for SECS with page_table alone,
then with page_fault alone; the kdamond's CPU time (/proc/PID/stat) is divided by the
sampling intervals that passed and by the regions.  Run it in the guest:
    tests/vm/run --cmd "python3 $PWD/tests/bench/arming.py"
It prints one line per primitive and the ratio of the two, side by side in one boot."""
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../guest"))
from kernel_lib import *  # noqa: E402,F403

SECS = 10
NR = (100, 1000)


def cpu_ns(pid):
    """utime + stime of pid in ns (/proc/PID/stat, clock ticks)."""
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) * 1e9 / os.sysconf("SC_CLK_TCK")


def cost(page_table, nr):
    with Workload("p:64M@0", duration=SECS + 30, ticker=0) as w:
        k = Kdamond(pids=[w.pid], min_nr_regions=nr, max_nr_regions=nr, update_us=3600000000)
        set_sample(k, page_table, not page_table)
        k.on()
        time.sleep(1)
        pid = int(rd(k.k + "/pid"))
        t0, c0 = time.time(), cpu_ns(pid)
        time.sleep(SECS)
        t1, c1 = time.time(), cpu_ns(pid)
        regs = len(k.regions()) or nr   # min = max = nr regions
        k.off()
    intervals = (t1 - t0) / 0.005
    per = (c1 - c0) / intervals
    return per, regs, (c1 - c0) / 1e9 / (t1 - t0) * 100


for nr in NR:
    pt, ptr, ptc = cost(True, nr)
    pf, pfr, pfc = cost(False, nr)
    print("regions %4d: page_table %8.0f ns/interval (%5.1f ns/region, %4.1f %% CPU), "
          "page_fault %8.0f ns/interval (%5.1f ns/region, %4.1f %% CPU), ratio %.2f" % (
              nr, pt, pt / ptr, ptc, pf, pf / pfr, pfc, pf / pt), flush=True)
