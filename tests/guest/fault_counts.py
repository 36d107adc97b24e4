#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The tp_btf page_fault_user reporter counts exactly the workload's faults, per CPU, R/W.
The churn regions (f, q) fault again on every pass: madvise(MADV_DONTNEED) must work."""
import json
import os
import sys
sys.path.insert(0, os.path.join(os.environ.get("DB_TOP", os.path.dirname(__file__) + "/../.."), "tests/lib"))
from dbtest import *  # noqa: E402,F403

cmd = [LOADER, "count", "--json", "--range", "0x600000000000-0x700000000000", "--",
       WORKLOAD, "--passes", "3",
       "--region", "r:2M@0", "--region", "w:1M@0", "--region", "r:1M@1", "--region", "w:3M@1",
       "--region", "n:1M", "--region", "f:1M@1", "--region", "q:512K@0"]
PASSES = 3
for variant in ([], ["--raw-tp"]):
    p = run(cmd[:2] + variant + cmd[2:])
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    truth = next(l for l in lines if "regions" in l)
    passes = next(l for l in lines if "passes" in l)["passes"]
    check(all(p == PASSES for p, r in zip(passes, truth["regions"]) if r["mode"] not in "cn"),
          "every region made %d passes (%s)" % (PASSES, passes))
    got = next(l for l in lines if "faults" in l)
    log("source: %s, seen %d, filtered %d" % (got["source"], got["seen"], got["filtered"]))
    check(got["source"] == ("raw_tp" if variant else "tp_btf"), "program: %s" % got["source"])
    for cpu in (0, 1):
        for kind in ("read", "write"):
            # Churn regions fault on every pass; the others on the first pass only.
            want = sum(r[kind + "_faults"] * (PASSES if r["mode"] in "fq" else 1)
                       for r in truth["regions"] if r["cpu"] == cpu)
            check(got["faults"][kind][cpu] == want,
                  "cpu%d %s faults: %d (ground truth %d)" % (cpu, kind, got["faults"][kind][cpu], want))
    check(got["exit_status"] == 0, "workload exit status 0")
done()
