#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The tp_btf page_fault_user reporter counts exactly the workload's faults, per CPU, R/W."""
import json
import os
import sys
sys.path.insert(0, os.path.join(os.environ.get("DB_TOP", os.path.dirname(__file__) + "/../.."), "tests/lib"))
from dbtest import *  # noqa: E402,F403

cmd = [LOADER, "count", "--json", "--range", "0x600000000000-0x700000000000", "--",
       WORKLOAD, "--passes", "3",
       "--region", "r:2M@0", "--region", "w:1M@0", "--region", "r:1M@1", "--region", "w:3M@1",
       "--region", "n:1M"]
p = run(cmd)
lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
truth = next(l for l in lines if "regions" in l)
got = next(l for l in lines if "faults" in l)
log("source: %s, seen %d, filtered %d" % (got["source"], got["seen"], got["filtered"]))
for cpu in (0, 1):
    for kind in ("read", "write"):
        want = sum(r[kind + "_faults"] for r in truth["regions"] if r["cpu"] == cpu)
        check(got["faults"][kind][cpu] == want,
              "cpu%d %s faults: %d (ground truth %d)" % (cpu, kind, got["faults"][kind][cpu], want))
check(got["exit_status"] == 0, "workload exit status 0")
done()
