#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Benchmark (not a test): do the report rings hold what the CPUs report until a kdamond
drains them?  Two workloads, each watched by 'damon-bpf monitor' (fault source, DAMON mode) for
SECS: make demo's (2 MiB rewritten on CPU 0, 2 MiB re-read on CPU 1, tickers; the monitor
also records, as make demo does) and the worst storm two vCPUs make (64 MiB rewritten on each
CPU, no other task: the kdamond waits for its CPU).  A kprobe on damon_report_drain_rings()
times every drain.  Prints per workload the reports queued and dropped as full, the reports a
second per CPU, and the gaps between drains (median, 99th percentile, largest), with the ring
size: what the largest gap at that rate needs.  Run it in the guest:
    tests/vm/run --cmd "python3 $PWD/tests/bench/ring.py"
"""
import json
import os
import re
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

SECS = 10
T = "/sys/kernel/tracing/"
R = DAMON + "/access_reports/"
WORKLOADS = (
    ("demo", ["--ticker", "2", "--region", "f:2M@0", "--region", "c:4M", "--region", "q:2M@1"],
     ["--interval", "500ms", "--record", "/tmp/ring-bench.dbr"]),
    ("storm", ["--region", "f:64M@0", "--region", "f:64M@1"], []),
)


def kprobe(spec):
    fd = os.open(T + "kprobe_events", os.O_WRONLY | os.O_APPEND)   # tracefs: no seek to end
    os.write(fd, (spec + "\n").encode())
    os.close(fd)


def counters():
    return {f: int(rd(R + f)) for f in ("queued", "full", "busy")}


kprobe("p:db_ring_drain damon_report_drain_rings")
wr(T + "events/kprobes/db_ring_drain/enable", "1")
wr(T + "buffer_size_kb", "4096")
ring = int(rd(R + "ring_size"))
ncpu = os.cpu_count()
log("ring_size %d (%d KiB a CPU), %d CPUs, %d s a workload" % (ring, ring * 48 // 1024, ncpu,
                                                               SECS))
for name, wl, extra in WORKLOADS:
    w = subprocess.Popen([BUILD + "/workloads/workload"] + wl + ["--duration", str(SECS + 30)],
                         stdout=subprocess.PIPE, text=True)
    pid = json.loads(w.stdout.readline())["pid"]
    wr(T + "trace", "")
    c0 = counters()
    mon = subprocess.run([LOADER, "monitor", "--pid", str(pid), "--duration", "%ds" % SECS,
                          "--json"] + extra, capture_output=True, text=True)
    c1 = counters()
    w.kill()
    w.wait()
    d = {k: c1[k] - c0[k] for k in c0}
    drains = [float(m.group(1)) for m in
              (re.search(r"\s(\d+\.\d+): db_ring_drain:", x) for x in open(T + "trace")) if m]
    gaps = sorted(b - a for a, b in zip(drains, drains[1:])) or [0.0]
    rate = (d["queued"] + d["full"]) / SECS / ncpu
    log("%-6s queued %7d  full %6d (%.2f %%)  busy %d  %6.0f reports/s a CPU  drains %d apart: "
        "median %.1f ms, p99 %.1f ms, max %.1f ms (%.0f reports at that rate)%s" % (
            name, d["queued"], d["full"], 100.0 * d["full"] / max(d["queued"] + d["full"], 1),
            d["busy"], rate, len(drains), 1e3 * gaps[len(gaps) // 2],
            1e3 * gaps[int(len(gaps) * 0.99)], 1e3 * gaps[-1], rate * gaps[-1],
            "" if mon.returncode == 0 else "  (monitor exit %d)" % mon.returncode))
wr(T + "events/kprobes/db_ring_drain/enable", "0")
kprobe("-:db_ring_drain")
