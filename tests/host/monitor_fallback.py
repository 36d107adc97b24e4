#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Fallback mode on the host kernel (no kfunc): monitor --pid reports the workload's hot
regions per CPU and R/W from the BPF maps, and leaves the host's DAMON untouched."""
import glob
import json
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403


def damon_state():
    """The host's DAMON sysfs, read only: every kdamond's state and pid."""
    return {p: rd(p) for p in sorted(glob.glob(DAMON + "/kdamonds/*/state") +
                                      glob.glob(DAMON + "/kdamonds/*/pid") +
                                      glob.glob(DAMON + "/kdamonds/nr_kdamonds"))}


before = damon_state()
with Workload("f:2M@0", "c:4M", "q:2M@1", duration=20) as w:
    hot_w, cold, hot_r = w.regions
    p = run([LOADER, "monitor", "--pid", str(w.pid), "--json", "--duration", "3s",
             "--interval", "1s"])
snaps = [json.loads(l) for l in p.stdout.splitlines()]
check(len(snaps) == 3, "3 snapshots in 3 s (%d)" % len(snaps))
check("fallback mode" in p.stderr, "says it runs in fallback mode")
last = snaps[-1]
check(last["mode"] == "fallback", "JSON mode is fallback")


def region(start):
    return next((r for r in last["regions"] if r["start"] <= start < r["end"]), None)


rw, rr, rc = region(hot_w["start"]), region(hot_r["start"]), region(cold["start"])
check(rw is not None and rw["cpus"][0]["writes"] > 1000 and rw["reads"] == 0 and
      rw["cpus"][1]["writes"] == 0, "write-churn region: writes on CPU 0 only (%s)" %
      (rw and rw["cpus"]))
check(rr is not None and rr["cpus"][1]["reads"] > 1000 and rr["writes"] == 0 and
      rr["cpus"][0]["reads"] == 0, "read-churn region: reads on CPU 1 only (%s)" %
      (rr and rr["cpus"]))
check(rc is None or rc["nr_accesses"] == 0, "cold region: no access")
check(all(r["pid"] == w.pid for r in last["regions"]), "regions belong to the target pid")
rep = last["reporter"]
check(rep["reported"] == 0 and rep["aggregated"] > 0, "no kfunc call, %d events aggregated" %
      rep["aggregated"])
check(damon_state() == before, "host DAMON sysfs unchanged (%s)" % before)
done()
