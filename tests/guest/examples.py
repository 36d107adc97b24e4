#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Every docs/examples/*.json runs with 'damon-bpf run' on the test kernel (its placeholder
pids replaced by workloads'): the kernel takes the whole setup, which must be what the
hand-written tests/golden/NAME.sysfs says DAMON sysfs holds (so the spec files, which the
loader writes, are held to an independent source), the session reports each interval, the
per-target schemes follow their targets, and it ends leaving nothing behind."""
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

EXAMPLES = sorted(glob.glob(os.path.join(TOP, "docs", "examples", "*.json")))
check(len(EXAMPLES) >= 3, "examples: %s" % [os.path.basename(e) for e in EXAMPLES])
CTX = DAMON + "/kdamonds/0/contexts/0/"


def golden(name, pids):
    """(path, wanted) of tests/golden/NAME.sysfs, its placeholders filled in."""
    subst = {"$PID%d" % i: str(p) for i, p in enumerate(pids)}
    spans = node_spans()
    for nid, span in spans.items():
        subst["$NODE%d_START" % nid], subst["$NODE%d_END" % nid] = map(str, span)
    whole = max(e for _, e in spans.values()) - min(s for s, _ in spans.values())
    out = []
    for line in open(os.path.join(TOP, "tests", "golden", name + ".sysfs")):
        line = line.split("#")[0].strip()
        if line:
            path, want = line.split(None, 1)
            if want.startswith("$REGIONS_UNDER "):
                size = int(want.split()[1])
                want = str(min(500, max(10, -(-whole // size))))
            out.append((path, subst.get(want, want)))
    return out


def compare_golden(name, pids):
    want = golden(name, pids)
    bad = []
    for path, w in want:
        got = rd(CTX + path) if os.path.exists(CTX + path) else None
        if got is None or (w != "*" and got != w):
            bad.append("%s: %s, golden %s" % (path, got, w))
    check(want and not bad, "%s: DAMON sysfs holds the %d values of tests/golden/%s.sysfs%s" %
          (name, len(want), name, "".join("\n      " + b for b in bad)))

with Workload("p:4M@0", "c:8M", duration=300) as a, Workload("p:4M@1", "c:8M",
                                                             duration=300) as b:
    for e in EXAMPLES:
        name = os.path.basename(e)
        spec = json.load(open(e))
        ctx = spec["kdamonds"][0]["contexts"][0]
        pids = [w.pid for w in (a, b)][:len(ctx["targets"])]
        if ctx["ops"] != "paddr":
            for t, pid in zip(ctx["targets"], pids):
                t["pid"] = pid
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(spec, f)
        # No --duration: the session runs until SIGTERM, sent once the golden values are read
        # (a fixed duration ran out under the reads on the debug kernel, whose kdamond
        # directory was then being removed: ENODEV).
        p = subprocess.Popen([LOADER, "run", f.name, "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The first report comes once the kdamond runs with the whole setup committed.
        first = p.stdout.readline()
        if check(first.startswith("{"), "%s: a first report" % name):
            compare_golden(name[:-len(".json")], pids)
            # A second report: the session reports each interval.
            first += p.stdout.readline()
        p.send_signal(signal.SIGTERM)
        out, errs = p.communicate(timeout=120)
        os.unlink(f.name)
        lines = [json.loads(x) for x in (first + out).splitlines() if x.startswith("{")]
        # Inactive schemes (watermarks) answer state commands once a watermark interval (1 s):
        # a report may take that long.
        if not check(p.returncode == 0 and len(lines) >= 2,
                     "%s: ran, %d reports, exit %d" % (name, len(lines), p.returncode)):
            log("    " + errs.strip().replace("\n", "\n    "))
            continue
        last = lines[-1]
        nr = len(ctx["schemes"])
        if ctx["ops"] == "paddr":
            check(len(last["schemes"]) == nr and not last["targets"],
                  "%s: %d schemes reported: %s" % (name, nr,
                                                   [s["action"] for s in last["schemes"]]))
            goals = [g for s in last["schemes"] for g in s["goals"]]
            check(goals and all(0 < g["current_value"] <= 10000 for g in goals),
                  "%s: goals measured by the kernel: %s" %
                  (name, [(g["metric"], g["nid"], g["current_value"]) for g in goals]))
        else:
            check(sorted(t["pid"] for t in last["targets"]) == sorted(pids),
                  "%s: a scheme per target: %s" % (name, [(t["pid"], t["action"])
                                                          for t in last["targets"]]))
        check(rd(DAMON + "/kdamonds/nr_kdamonds") == "0" and
              not glob.glob("/run/damon-bpf/*.session"),
              "%s: nothing left behind" % name)
done()
