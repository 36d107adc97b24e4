#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""bench --workload compute on the patched kernel: a short run goes through every phase (off,
pte, fault, fault+bpf, perf) and prints sane numbers: work in every phase, a ratio and its
spread, a kdamond with some CPU time, regions and a cost per region and sampling interval in
the DAMON phases, events counted by the BPF programs of fault+bpf and perf; nothing is left
after it, and SIGTERM in a DAMON phase ends it with everything removed.  A smoke run: nothing
is asserted on time or on which phase is cheaper."""
# dbtest-timeout: 300
import math
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

PHASES = ["off", "pte", "fault", "fault+bpf", "perf"]
DAMON_PHASES = PHASES[1:]

clean_start()
if not os.path.exists(DAMON + "/kdamonds/nr_kdamonds"):
    skip("no DAMON sysfs")
p = run([LOADER, "bench", "--workload", "compute", "--duration", "500ms", "--rounds", "2",
         "--size", "16M", "--json"], check_rc=False, timeout=240)
log("  stderr: " + p.stderr.strip().replace("\n", "\n  stderr: "))
objs = json_lines(p.stdout)
check(p.returncode == 0 and len(objs) == 1, "exit 0 and one JSON object (exit %d)" % p.returncode)
ph = objs[0].get("phases", {}) if objs else {}
log("  phases: %s" % ph)
check(list(ph) == PHASES, "every phase, in order: %s" % list(ph))
for name in PHASES:
    r = ph.get(name, {})
    rate, ratio = r.get("ops_per_s") or 0, r.get("ratio") or 0
    check("skipped" not in r, "%s ran (%s)" % (name, r.get("skipped")))
    check(rate > 0 and math.isfinite(ratio) and 0.01 < ratio < 100 and
          r.get("ratio_min", 0) <= ratio <= r.get("ratio_max", 0),
          "%s: %.0f ops/s, ratio %.3f within its spread" % (name, rate, ratio))
for name in DAMON_PHASES:
    r = ph.get(name, {})
    cpu, cost, regs = (r.get(k) or 0 for k in ("kdamond_cpu_pct", "ns_per_region_sample",
                                               "nr_regions"))
    check(0 < cpu <= 100 and cost > 0 and regs >= 1,
          "%s: kdamond %.2f %% CPU, %d regions, %.0f ns per region and sample" %
          (name, cpu, regs, cost))
for name in ("fault+bpf", "perf"):
    r = ph.get(name, {})
    check(r.get("events", 0) > 0 and r.get("ns_per_event", 0) > 0,
          "%s: its program ran (%s events, %s ns each)" % (name, r.get("events"),
                                                          r.get("ns_per_event")))
check("kdamond_cpu_pct" not in ph.get("off", {}), "off: no kdamond")
check(objs and objs[0].get("perf_source"), "names the perf source's events (%s)" %
      (objs and objs[0].get("perf_source")))
check(not leftovers(), "nothing left after it (%s)" % leftovers())

with Loader("bench", "--workload", "compute", "--duration", "5s", "--rounds", "1",
            "--size", "16M") as ld:
    on = wait_for(lambda: kdamond_on() or not ld.running(), 120, step=0.05) and kdamond_on()
    rc = ld.stop()  # SIGTERM
    check(on, "SIGTERM sent in a DAMON phase (kdamond on)")
    check(rc == 1 and "interrupted" in ld.stderr(),
          "SIGTERM: bench ends (exit %s) saying it was interrupted" % rc)
    check(wait_for(lambda: not leftovers(), 5) and not leftovers(),
          "SIGTERM: nothing left (%s)" % leftovers())
done()
