#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# dbtest-timeout: 700
"""damo 3.3 (DAMON's own tool, ../shared/damo) drives the page_fault primitive with no damon-bpf
process and no BPF program: DAMON arms the sampled pages, reports their faults itself, and
damo's own report finds the sets a steady workload (no address-space switches, no faults of
its own) touches: W written by a thread on CPU 0, R read by a thread on CPU 1, C cold.
  --sample_primitives page_fault                   W and R hot, C at 0
  ... --exp_ops_write_only Y                        W hot, R and C at 0
  ... --exp_ops_cpus 0                              W hot, R and C at 0
Every region boundary damo shows is page aligned (a kernel with users' semantics)."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

MB = 1 << 20


def rate(regs, r):
    """Size-weighted access rate over the workload region r; None if no region covers it."""
    return overlap_weighted(regs, r["start"], r["end"])


def session(name, extra, expect, nr_reports=1):
    with Workload("w:16M@0", "p:16M@1", "c:16M", duration=900, ticker=0) as w:
        sets = dict(zip("WRC", w.regions))
        rc, out, err = damo("start", w.pid, "--sample_primitives", "page_fault", *extra)
        check(rc == 0, "%s: damo start exits 0 (%s)" % (name, (err or out).strip()[-200:]))
        if rc != 0:
            return
        k = DAMON + "/kdamonds/0"
        s = k + "/contexts/0/monitoring_attrs/sample"
        check((rd(s + "/primitives/page_table"), rd(s + "/primitives/page_fault")) ==
              ("N", "Y"), "%s: damo wrote page_table N, page_fault Y" % name)
        # wait for evidence: reports (each many aggregation intervals apart, damo takes 15-50 s
        # a command under TCG) in which all three sets have regions
        good = []
        deadline = time.time() + (300 if SLOW else 150)
        while len(good) < nr_reports and time.time() < deadline:
            time.sleep(1)
            regs = damo_regions()
            if regs and all(rate(regs, sets[x]) is not None for x in "WRC"):
                good.append(regs)
        check(len(good) == nr_reports, "%s: %d damo report(s) covering W, R and C (%d)" % (
            name, nr_reports, len(good)))
        for regs in good[-1:]:
            rates = {x: rate(regs, sets[x]) for x in "WRC"}
            log("  %s: damo access rates %s over %d regions" % (
                name, {x: round(v, 1) for x, v in rates.items()}, len(regs)))
            misaligned = [(s_, e) for s_, e, _, _ in regs if s_ % 4096 or e % 4096]
            check(not misaligned, "%s: every region boundary page aligned %s" % (
                name, misaligned[:3]))
            for x in "WRC":
                if expect[x]:
                    check(rates[x] >= HOT, "%s: %s hot (rate %.1f)" % (name, x, rates[x]))
                else:
                    # a region that straddles the sets' boundary may carry a fraction
                    check(rates[x] < 2, "%s: %s at 0 (rate %.1f, < 2 of 100)" % (
                        name, x, rates[x]))
        for regs in good:
            check(max(rate(regs, sets["C"]), 0) == 0, "%s: C at 0 in every report" % name)
        rc, _, err = damo("stop")
        check(rc == 0, "%s: damo stop exits 0 %s" % (name, err.strip()))
        check(rd(k + "/state") == "off", "%s: damo stop turned the kdamond off" % name)
        # damo stop leaves its (stopped) kdamond directory; remove it like damo's next start
        wr(DAMON + "/kdamonds/nr_kdamonds", 0)
        check(w.proc.poll() is None, "%s: workload still running" % name)


if not os.path.exists(DAMO):
    check(False, "damo not found at %s" % DAMO)
    done()
check(not [p for p in os.listdir("/proc") if p.isdigit() and
           "damon-bpf" in open("/proc/%s/comm" % p).read()],
      "no damon-bpf process runs")
# no BPF program at all: the kernel reports the faults it armed
progs = json.loads(run(["bpftool", "-j", "prog", "show"]).stdout or "[]")
check(not [p for p in progs if p.get("type") in ("tracing", "raw_tracepoint", "perf_event")],
      "no tracing BPF program loaded")
session("page_fault", [], {"W": True, "R": True, "C": False}, nr_reports=2)
session("write only", ["--exp_ops_write_only", "Y"], {"W": True, "R": False, "C": False})
session("cpus 0", ["--exp_ops_cpus", "0"], {"W": True, "R": False, "C": False})
done()
