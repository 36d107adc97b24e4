#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""bench --workload compute on the host kernel (no kfunc): every phase is there, the ones that
need the patched kernel or DAMON say n/a and why, 'off' and the perf reporter (maps) run with
sane numbers, and the host's DAMON sysfs is never opened for writing (strace) nor changed.
A smoke run: short phases, nothing asserted on time."""
import glob
import math
import os
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

PHASES = ["off", "pte", "fault", "fault+bpf", "perf"]


def damon_state():
    """The host's DAMON sysfs, read only: every kdamond's state and pid."""
    return {p: rd(p) for p in sorted(glob.glob(DAMON + "/kdamonds/*/state") +
                                      glob.glob(DAMON + "/kdamonds/*/pid") +
                                      glob.glob(DAMON + "/kdamonds/nr_kdamonds"))}


before = damon_state()
trace = tempfile.NamedTemporaryFile(prefix="db-strace-", delete=False).name
# LeakSanitizer cannot run under ptrace (make check-asan): the traced run goes without it, the
# table run below is not traced and keeps it.
env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
p = run(["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-e", "signal=none",
         "-o", trace, LOADER, "bench", "--workload", "compute", "--duration", "300ms",
         "--rounds", "2", "--size", "8M", "--json"], check_rc=False, timeout=120, env=env)
log("  stderr: " + p.stderr.strip().replace("\n", "\n  stderr: "))
objs = json_lines(p.stdout)
check(p.returncode == 0 and len(objs) == 1, "exit 0 and one JSON object (exit %d)" % p.returncode)
o = objs[0] if objs else {}
ph = o.get("phases", {})
check(list(ph) == PHASES, "every phase, in order: %s" % list(ph))
check(o.get("workload") == "compute" and o.get("rounds") == 2, "workload compute, 2 rounds")
for name in ("pte", "fault", "fault+bpf"):
    why = ph.get(name, {}).get("skipped") or ""
    check(why, "%s: n/a with a reason (%s)" % (name, why))
check("does not write" in ph.get("pte", {}).get("skipped", ""),
      "pte: says bench leaves a stock kernel's DAMON alone")
for name in ("off", "perf"):
    r = ph.get(name, {})
    rate = r.get("ops_per_s") or 0
    ratio = r.get("ratio") or 0
    check(rate > 0 and math.isfinite(ratio) and 0.05 < ratio < 20,
          "%s ran: %.0f ops/s, ratio %.3f" % (name, rate, ratio))
    check(r.get("ratio_min", 0) <= ratio <= r.get("ratio_max", 0),
          "%s: the median lies in its spread" % name)
    check("kdamond_cpu_pct" not in r, "%s: no kdamond" % name)
check(ph.get("off", {}).get("ratio") == 1, "off's ratio is 1")
check("maps" in ph.get("perf", {}).get("note", ""), "perf: runs the reporter in maps (note)")
check(o.get("perf_source"), "names the perf source's events (%s)" % o.get("perf_source"))
writes = [l.strip() for l in open(trace) if "/sys/kernel/mm/damon" in l and
          ("O_WRONLY" in l or "O_RDWR" in l)]
os.unlink(trace)
check(not writes, "never opened DAMON sysfs for writing (%s)" % writes[:3])
check(damon_state() == before, "the host's DAMON sysfs is as it was")
check(not our_links(), "no BPF link of ours left (%s)" % our_links())

t = run([LOADER, "bench", "--workload", "compute", "--duration", "200ms", "--rounds", "1",
         "--size", "8M"], check_rc=False, timeout=120)
rows = {l.split()[0]: l for l in t.stdout.splitlines() if l.split() and l.split()[0] in PHASES}
check(t.returncode == 0 and list(rows) == PHASES, "the table has a row a phase (%s)" % list(rows))
check(all("n/a (" in rows.get(n, "") for n in ("pte", "fault", "fault+bpf")),
      "the table says n/a (why) for the DAMON phases")
done()
