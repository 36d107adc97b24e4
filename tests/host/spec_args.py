#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""damon-bpf args and spec files, without DAMON (runs on the host): every docs/examples/*.json
is what 'args' prints for its command line in docs/examples/README.md and reads back to itself; each scheme command line round-trips through 'args' and 'args run';
the spec holds what the options asked (intervals, patterns, quotas, goals, priorities);
malformed files fail with the line and the key path named."""
import glob
import json
import os
import shlex
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

EXAMPLES = sorted(glob.glob(os.path.join(TOP, "docs", "examples", "*.json")))


def args(*a, stdin=None):
    return subprocess.run([LOADER, "args"] + list(a), capture_output=True, text=True,
                          input=stdin, timeout=30)


check(len(EXAMPLES) >= 3, "docs/examples has the scheme examples: %s" %
      [os.path.basename(e) for e in EXAMPLES])
for e in EXAMPLES:
    p = args("run", e)
    text = open(e).read()
    check(p.returncode == 0 and p.stdout == text,
          "%s: reads back to itself%s" % (os.path.basename(e),
                                          "" if p.returncode == 0 else ": " + p.stderr.strip()))

# docs/examples/README.md gives the command line of each file: the loader must print it as is.
made = {}
for line in open(os.path.join(TOP, "docs", "examples", "README.md")):
    words = shlex.split(line) if line.startswith("damon-bpf args ") else []
    if len(words) > 4 and words[-2] == ">":
        made[words[-1]] = words[2:-2]
check(sorted(made) == sorted(os.path.basename(e) for e in EXAMPLES),
      "docs/examples/README.md gives a command line for each file: %s" % sorted(made))
for name, line in sorted(made.items()):
    path = os.path.join(TOP, "docs", "examples", name)
    p = args(*line)
    check(p.returncode == 0 and os.path.exists(path) and p.stdout == open(path).read(),
          "%s is what 'args %s' prints%s" % (name, " ".join(line),
                                             "" if p.returncode == 0 else ": " + p.stderr.strip()))

# Command lines -> spec -> the same spec.
LINES = [
    ["reclaim", "--pid", "100", "--pid", "200", "--priority", "200:3", "--min-age", "2s",
     "--quota", "64MiB/s", "--wmarks", "500,400,50"],
    ["collapse", "--pid", "100", "--min-access", "12", "--quota", "8MiB/100ms"],
    ["collapse", "--pid", "100", "--min-access", "auto", "--floor", "3"],
    ["tier", "--fast", "0", "--slow", "1", "--fast-used", "95%", "--fast-free", "5%",
     "--min-age", "10s", "--hot-access", "7"],
]
for line in LINES:
    p = args(*line)
    if not check(p.returncode == 0, "args %s" % " ".join(line)):
        log("    " + p.stderr.strip())
        continue
    q = args("run", "-", stdin=p.stdout)
    check(q.returncode == 0 and q.stdout == p.stdout, "  ... and 'args run -' gives it back")

spec = json.loads(args(*LINES[0]).stdout)
ctx = spec["kdamonds"][0]["contexts"][0]
s = ctx["schemes"]
check([t["pid"] for t in ctx["targets"]] == [100, 200] and ctx["targets"][1]["priority"] == 3,
      "reclaim: targets and priority")
check(len(s) == 2 and all(x["action"] == "pageout" for x in s), "reclaim: a pageout scheme each")
check([x["filters"][0] for x in s] == [
    {"filter_type": "target", "matching": False, "allow": False, "target_idx": i}
    for i in (0, 1)], "reclaim: each scheme kept to its target by a target filter")
# priority 3: 3 x min-age, quota share 1/3 : 1/1 of 64 MiB
check([x["access_pattern"]["age"]["min"] for x in s] == [20, 60],
      "reclaim: min-age 2 s = 20 aggregations, x3 for priority 3: %s" %
      [x["access_pattern"]["age"]["min"] for x in s])
q = [x["quotas"]["sz_bytes"] for x in s]
check(abs(q[0] - (48 << 20)) < 4096 * 4 and abs(q[1] - (16 << 20)) < 4096 * 4,
      "reclaim: the quota split 3:1 by priority: %s" % q)
w = [x["watermarks"] for x in s]
check(w[0]["mid_permil"] == 400 and w[1]["mid_permil"] == 225 and
      w[1]["high_permil"] == 325 and w[1]["low_permil"] == 50,
      "reclaim: the high priority starts at lower free memory: %s" %
      [(x["high_permil"], x["mid_permil"], x["low_permil"]) for x in w])

spec = json.loads(args(*LINES[1]).stdout)
s = spec["kdamonds"][0]["contexts"][0]["schemes"][0]
check(s["action"] == "collapse" and s["access_pattern"]["sz_bytes"]["min"] == 2 << 20 and
      s["access_pattern"]["nr_accesses"]["min"] == 12 and
      s["quotas"]["reset_interval_ms"] == 100 and s["quotas"]["sz_bytes"] == 8 << 20 and
      s["quotas"]["weights"]["nr_accesses_permil"] == 1000,
      "collapse: PMD-sized hot regions, hottest first, 8 MiB per 100 ms")
spec = json.loads(args(*LINES[2]).stdout)
check(spec["policy"]["collapse"] == {"min_access": "auto", "floor": 3} and
      spec["kdamonds"][0]["contexts"][0]["schemes"][0]["access_pattern"]["nr_accesses"]["min"]
      == 20, "collapse auto: starts at the maximum (20), floor 3")

spec = json.loads(args(*LINES[3]).stdout)
ctx = spec["kdamonds"][0]["contexts"][0]
pro, dem = ctx["schemes"]
check(ctx["ops"] == "paddr", "tier: physical address space")
check(ctx["nr_regions"] == {"min": "auto", "max": 1000},
      "tier: nr_regions min auto (sized to the quota at run time): %s" % ctx["nr_regions"])
check(pro["action"] == "migrate_hot" and pro["target_nid"] == 0 and
      pro["quotas"]["goals"] == [{"metric": "node_mem_used_bp", "target_value": 9500, "nid": 0}]
      and pro["access_pattern"]["nr_accesses"]["min"] == 7,
      "tier: promote to node 0 towards 95 % used")
check(dem["action"] == "migrate_cold" and dem["target_nid"] == 1 and
      dem["quotas"]["goals"] == [{"metric": "node_mem_free_bp", "target_value": 500, "nid": 0}]
      and dem["access_pattern"]["age"]["min"] == 100,
      "tier: demote to node 1 what is 10 s cold, towards 5 % free on node 0")
check(pro["filters"][0]["filter_type"] == "young" and not pro["filters"][0]["matching"] and
      dem["filters"][0]["filter_type"] == "young" and dem["filters"][0]["matching"] and
      pro["filters"][1] == {"filter_type": "addr", "matching": True, "allow": False, "node": 0}
      and dem["filters"][1]["node"] == 1,
      "tier: young-page filters; promote leaves node 0 alone, demote node 1")

# Sample filters are printed as damon_apply() writes them to DAMON: reject filters, which all
# must pass (the kernel's first matching filter decides: an allow filter among others would
# keep what it matches whatever the others say).  A spec with both reads back to itself.
both = json.loads(args(*LINES[3]).stdout)
sc = both["kdamonds"][0]["contexts"][0]["sample_control"]
sc["filters"] = [{"type": "cpumask", "cpumask": "0", "matching": False, "allow": False},
                 {"type": "write", "matching": False, "allow": False}]
text = json.dumps(both, indent=2) + "\n"
q = args("run", "-", stdin=text)
back = json.loads(q.stdout) if q.returncode == 0 else {}
check(q.returncode == 0 and back["kdamonds"][0]["contexts"][0]["sample_control"]["filters"] ==
      sc["filters"], "CPU 0 and writes only, as reject filters, read back as given%s" %
      ("" if q.returncode == 0 else ": " + q.stderr.strip()))
alone = [{"type": "write", "matching": True, "allow": True}]
sc["filters"] = alone
q = args("run", "-", stdin=json.dumps(both))
back = json.loads(q.stdout) if q.returncode == 0 else {}
check(q.returncode == 0 and back["kdamonds"][0]["contexts"][0]["sample_control"]["filters"] ==
      [{"type": "write", "matching": False, "allow": False}],
      "a lone 'allow writes' filter reads as 'reject the non-writes'")
sc["filters"] = [{"type": "cpumask", "cpumask": "0", "matching": True, "allow": True},
                 {"type": "write", "matching": False, "allow": False}]
q = args("run", "-", stdin=json.dumps(both))
check(q.returncode != 0 and "allow filter keeps only what it matches when it is the only" in
      q.stderr and "sample_control.filters[0].allow" in q.stderr,
      "an allow filter among others refused: %s" % q.stderr.strip())

# Bad files: the line and the key path named.
good = args(*LINES[0]).stdout
CASES = [
    (good.replace('"target_nid": null', '"target_nod": null', 1),
     "kdamonds[0].contexts[0].schemes[0].target_nod: unknown key"),
    (good.replace('"min": 10,', '"min": 10', 1), "expected ',' or '}'"),
    (good.replace('"sample_us": 5000', '"sample_us": "5 parsecs"', 1), 
     "kdamonds[0].contexts[0].intervals.sample_us: '5 parsecs' is not a time"),
    (good.replace('"ops": "vaddr"', '"ops": "kaddr"', 1),
     "kdamonds[0].contexts[0].ops: 'kaddr' is not vaddr"),
    (good.replace('"pid": 100', '"pid": "a hundred"', 1),
     "kdamonds[0].contexts[0].targets[0].pid: expected an integer"),
    (good.replace('"min": 10,', '"min": 2,', 1),
     "kdamonds[0].contexts[0].nr_regions.min: DAMON needs at least 3 regions"),
    (good.replace('"min": 10,', '"min": "automatic",', 1),
     "kdamonds[0].contexts[0].nr_regions.min: 'automatic' is not a number"),
    ('{"kdamonds": [{"contexts": [{}, {}]}]}', "one context per kdamond"),
    ("", "unexpected end of the file"),
]
for text, msg in CASES:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(text)
    p = args("run", f.name)
    os.unlink(f.name)
    got = p.stderr.strip()
    # the key's line: find it in the text rather than trusting the case table
    ok = p.returncode != 0 and msg in got and ": line " in got
    check(ok, "bad spec -> %s" % (got or "exit %d" % p.returncode))
    if ok and "unknown key" in msg:
        n = text.splitlines().index([x for x in text.splitlines() if '"target_nod"' in x][0]) + 1
        check(": line %d: " % n in got, "  ... the line of the key (%d)" % n)
done()
