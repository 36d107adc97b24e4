#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The precision/recall arithmetic of 'bench --workload accuracy', through 'report FILE --truth
TRUTH' (the same scoring function): hand-made record files against hand-made ground truths,
each snapshot's figures checked against an independent computation here (bytes weighted,
inside the workload's regions, nr_accesses > 0 called accessed, --cpus / --write-only /
--read-only picking what is hot, unpinned ranges left out under --cpus, other processes'
regions left out, 0/0 as null).  Then the workload's mode s: its ground truth parses, its
layout follows the seed alone (page-aligned, inside the region, not overlapping, half
written), and its own chunks as regions score 1/1.  No DAMON: runs anywhere."""
import json
import os
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

M = 1 << 20
B = 0x600000000000          # the s region: 64 MiB
W = B + 66 * M              # a 'w' region of 4 MiB, CPU 1
C = B + 72 * M              # a cold region of 8 MiB
PID = 42
TRUTH = {"pid": PID, "page_size": 4096, "regions": [
    {"mode": "s", "start": B, "end": B + 64 * M, "cpu": 0, "tid": 43, "read_faults": 0,
     "write_faults": 16384, "node": -1, "thp": "off", "shm": False, "seed": 1, "chunks": [
         {"start": B + 1 * M, "end": B + 2 * M, "cpu": 0, "tid": 43, "write": True},
         {"start": B + 10 * M, "end": B + 11 * M, "cpu": 1, "tid": 44, "write": False},
         {"start": B + 20 * M, "end": B + 21 * M, "cpu": -1, "tid": 45, "write": False}]},
    {"mode": "w", "start": W, "end": W + 4 * M, "cpu": 1, "tid": 46, "read_faults": 0,
     "write_faults": 1024, "node": -1, "thp": "off", "shm": False},
    {"mode": "c", "start": C, "end": C + 8 * M, "cpu": -1, "tid": 47, "read_faults": 0,
     "write_faults": 2048, "node": -1, "thp": "off", "shm": False}]}


def hot_ranges(truth):
    """[(start, end, cpu, write)] the workload keeps touching, as docs/usage.md says."""
    out = []
    for r in truth["regions"]:
        if r["mode"] in "rqp":
            out.append((r["start"], r["end"], r["cpu"], False))
        elif r["mode"] in "wf":
            out.append((r["start"], r["end"], r["cpu"], True))
        elif r["mode"] == "s":
            out += [(c["start"], c["end"], c["cpu"], c["write"]) for c in r["chunks"]]
    return out


def ov(a, b, c, d):
    return max(0, min(b, d) - max(a, c))


def reference(truth, regions, cpus=None, rw="both"):
    """The figures, computed here on their own: (precision, recall, hot, accessed, hit)."""
    scope = [(r["start"], r["end"]) for r in truth["regions"]]

    def expected(h):
        if (rw == "writes" and not h[3]) or (rw == "reads" and h[3]):
            return 0
        if cpus is None:
            return 1
        return -1 if h[2] < 0 else int(h[2] in cpus)
    hots = hot_ranges(truth)
    hot = sum(h[1] - h[0] for h in hots if expected(h) == 1)
    accessed = hit = 0
    for v in regions:
        if v.get("pid", PID) not in (PID, -1) or not v["nr_accesses"]:
            continue
        inside = sum(ov(v["start"], v["end"], s, e) for s, e in scope)
        unknown = sum(ov(v["start"], v["end"], h[0], h[1]) for h in hots if expected(h) < 0)
        hit += sum(ov(v["start"], v["end"], h[0], h[1]) for h in hots if expected(h) == 1)
        accessed += inside - unknown
    return (hit / accessed if accessed else None, hit / hot if hot else None, hot, accessed, hit)


def reg(start, end, n, pid=PID):
    return {"start": start, "end": end, "nr_accesses": n, "age": 1, "pid": pid}


# Snapshots: DAMON's regions over the whole address space, as it might give them.
SNAPS = [
    # exact: every hot range a region of its own, accessed; the rest cold
    [reg(0x400000, 0x500000, 20), reg(B, B + 1 * M, 0), reg(B + 1 * M, B + 2 * M, 20),
     reg(B + 2 * M, B + 10 * M, 0), reg(B + 10 * M, B + 11 * M, 18),
     reg(B + 11 * M, B + 20 * M, 0), reg(B + 20 * M, B + 21 * M, 20),
     reg(B + 21 * M, B + 64 * M, 0), reg(W, W + 4 * M, 20), reg(C, C + 8 * M, 0)],
    # coarse: a region with the write chunk and 3 MiB cold, the read chunk missed, half of
    # the w region, a cold region called accessed; text (out of scope) and another process
    # accessed, neither counted
    [reg(0x400000, 0x500000, 20), reg(B, B + 4 * M, 3), reg(B + 4 * M, B + 20 * M + M // 2, 0),
     reg(B + 20 * M + M // 2, B + 64 * M, 1), reg(W, W + 2 * M, 20), reg(W + 2 * M, W + 4 * M, 0),
     reg(C, C + 8 * M, 2), reg(B, B + 64 * M, 20, pid=77)],
    # nothing accessed in the workload's regions
    [reg(0x400000, 0x500000, 20), reg(B, B + 64 * M, 0), reg(W, W + 4 * M, 0),
     reg(C, C + 8 * M, 0)],
    # one region spanning the whole s region and the gap up to W (pid unknown: -1)
    [reg(B, W + 4 * M, 5, pid=-1), reg(C, C + 8 * M, 0, pid=-1)],
]

tmp = tempfile.mkdtemp(prefix="db-accuracy-")
truth_path = os.path.join(tmp, "truth.json")
with open(truth_path, "w") as f:
    f.write(json.dumps(TRUTH) + "\n{\"passes\": [1, 1, 1]}\n")
rec = os.path.join(tmp, "run.dbr")
write_record(rec, [{"time": i + 1.0, "max_nr_accesses": 20, "regions": r}
                   for i, r in enumerate(SNAPS)])

FILTERS = [([], None, "both"), (["--cpus", "0"], {0}, "both"), (["--cpus", "1"], {1}, "both"),
           (["--cpus", "0-1"], {0, 1}, "both"), (["--write-only"], None, "writes"),
           (["--read-only"], None, "reads"), (["--cpus", "1", "--write-only"], {1}, "writes")]


def close(a, b):
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 5e-5)


for args, cpus, rw in FILTERS:
    p = run([LOADER, "report", rec, "--truth", truth_path, "--json"] + args, check_rc=False)
    objs = json_lines(p.stdout)
    check(p.returncode == 0 and len(objs) == len(SNAPS),
          "%s: exit 0 and one JSON object a snapshot (exit %d, %d)" %
          (args or "all", p.returncode, len(objs)))
    for i, (o, regions) in enumerate(zip(objs, SNAPS)):
        pr, rc, hot, acc, hit = reference(TRUTH, regions, cpus, rw)
        got = (o.get("precision"), o.get("recall"), o.get("hot_bytes"),
               o.get("accessed_bytes"), o.get("hit_bytes"))
        check(close(got[0], pr) and close(got[1], rc) and got[2:] == (hot, acc, hit) and
              o.get("time") == i + 1.0,
              "%s, snapshot %d: precision %s recall %s, hot %s accessed %s hit %s (expected "
              "%s %s, %s %s %s)" % (args or "all", i, got[0], got[1], got[2], got[3], got[4],
                                    pr, rc, hot, acc, hit))

# A few figures by hand, so that the reference above cannot share a mistake with the loader.
o = json_lines(run([LOADER, "report", rec, "--truth", truth_path, "--json"]).stdout)
check(o[0]["precision"] == 1 and o[0]["recall"] == 1 and o[0]["hot_bytes"] == 7 * M,
      "exact regions: 1/1, hot 7 MiB (3 chunks and the w region)")
# snapshot 1: accessed = 4M (write chunk + 3M) + 43.5M (rest of s, holds the unpinned
# chunk's last half) + 2M of W + 8M cold = 57.5M; hit = 1M + 0.5M + 2M = 3.5M
check(o[1]["accessed_bytes"] == 57 * M + M // 2 and o[1]["hit_bytes"] == 3 * M + M // 2 and
      o[1]["nr_regions"] == 6,
      "coarse regions: 57.5 MiB called accessed, 3.5 MiB of it hot, 6 regions of pid 42 in "
      "scope (text and pid 77 left out): %s" % o[1])
check(o[2]["precision"] is None and o[2]["recall"] == 0 and o[2]["accessed_bytes"] == 0,
      "nothing accessed: precision null (0/0), recall 0 (%s)" % o[2])
check(o[3]["accessed_bytes"] == 68 * M and o[3]["hit_bytes"] == 7 * M,
      "a region over two workload regions and the gap: only the regions' 68 MiB count (%s)"
      % o[3])
o = json_lines(run([LOADER, "report", rec, "--truth", truth_path, "--json", "--cpus",
                    "1"]).stdout)
check(o[0]["hot_bytes"] == 5 * M and o[0]["accessed_bytes"] == 7 * M - M and
      o[0]["precision"] == round(5 / 6, 4),
      "--cpus 1, exact regions: hot 5 MiB (CPU 1's), the unpinned chunk left out of the "
      "accessed bytes (6 MiB), precision 5/6 (%s)" % o[0])

t = run([LOADER, "report", rec, "--truth", truth_path], check_rc=False)
lines = t.stdout.splitlines()
check(t.returncode == 0 and lines and lines[0].startswith("truth: pid 42, 3 region(s)") and
      len([l for l in lines if l.startswith("t=")]) == len(SNAPS),
      "the table: the truth, then a line a snapshot (%s)" % lines[:2])
check("precision 1.000  recall 1.000" in t.stdout and "precision -  recall 0.000" in t.stdout,
      "the table says 1.000 and '-' for 0/0")

# Errors: usage (64) and a truth that is none (1), said.
for args, rc, what in (
        (["--cpus", "0"], 64, "--truth"),
        (["--truth", truth_path, "--heatmap", "-"], 64, "--truth"),
        (["--truth", truth_path, "--write-only", "--read-only"], 64, "exclude"),
        (["--truth", truth_path, "--top", "3"], 64, "--truth"),
        (["--truth", rec], 1, rec), (["--truth", "/nonexistent"], 1, "/nonexistent")):
    p = run([LOADER, "report", rec] + args, check_rc=False)
    check(p.returncode == rc and what in p.stderr, "report %s: exit %d, says %r (%d: %s)" %
          (" ".join(args), rc, what, p.returncode, (p.stderr.strip().splitlines() or [""])[0]))
bad = os.path.join(tmp, "bad.json")
for text, what in (('{"pid": 42}', "expected pid and regions"),
                   ('{"pid": 42, "regions": [{"mode": "s", "start": 1, "end": 2, "cpu": 0}]}',
                    "no chunks"),
                   ('{"pid": 42, "regions": [{"mode": "x", "start": 1, "end": 2, "cpu": 0}]}',
                    "unknown mode")):
    with open(bad, "w") as f:
        f.write(text + "\n")
    p = run([LOADER, "report", rec, "--truth", bad], check_rc=False)
    check(p.returncode == 1 and what in p.stderr, "truth %s: exit 1, %r (%s)" %
          (text[:40], what, (p.stderr.strip().splitlines() or [""])[0]))


# The workload's mode s: its ground truth, its layout, scored against itself.
def truth_of(*region):
    p = run([WORKLOAD, "--passes", "1"] + [x for r in region for x in ("--region", r)])
    return json.loads(p.stdout.splitlines()[0])


t1 = truth_of("s:32M@0,scatter=6/1M,seed=5,reader=1")
t2 = truth_of("s:32M@0,scatter=6/1M,seed=5,reader=1")
t3 = truth_of("s:32M@0,scatter=6/1M,seed=6,reader=1")
r1 = t1["regions"][0]
ch = r1["chunks"]
spans = [(c["start"], c["end"]) for c in ch]
check([(c["start"], c["end"], c["write"]) for c in ch] ==
      [(c["start"], c["end"], c["write"]) for c in t2["regions"][0]["chunks"]],
      "the same seed, the same chunks")
check(spans != [(c["start"], c["end"]) for c in t3["regions"][0]["chunks"]],
      "another seed, other places")
check(len(ch) == 6 and all(e - s == M and s % 4096 == 0 and r1["start"] <= s and
                           e <= r1["end"] for s, e in spans) and
      all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1)),
      "6 chunks of 1 MiB, page-aligned, inside the region, in address order, not overlapping")
check(sum(c["write"] for c in ch) == 3 and
      all(c["cpu"] == (0 if c["write"] else 1) for c in ch) and
      len({c["tid"] for c in ch}) == 2,
      "half written on CPU 0, half read on CPU 1, by two threads")
check(r1["write_faults"] == 32 * M // 4096 and r1["read_faults"] == 0,
      "the first pass writes every page once (%d write faults)" % r1["write_faults"])
p = run([WORKLOAD, "--passes", "1", "--region", "w:4M,seed=3"], check_rc=False)
check(p.returncode != 0 and "options of mode s" in p.stderr, "seed= is refused on mode w")
p = run([WORKLOAD, "--passes", "1", "--region", "s:4M,scatter=3/1M"], check_rc=False)
check(p.returncode != 0 and "more than half" in p.stderr,
      "chunks filling more than half of the region are refused")
own = os.path.join(tmp, "own.json")
with open(own, "w") as f:
    f.write(json.dumps(t1) + "\n")
regs, at = [], r1["start"]
for c in ch:
    regs += [reg(at, c["start"], 0, pid=t1["pid"])] if at < c["start"] else []
    regs.append(reg(c["start"], c["end"], 20, pid=t1["pid"]))
    at = c["end"]
regs.append(reg(at, r1["end"], 0, pid=t1["pid"]))
write_record(rec, [{"time": 1.0, "max_nr_accesses": 20, "regions": regs}])
for args in ([], ["--cpus", "0"], ["--cpus", "1"], ["--write-only"], ["--read-only"]):
    o = json_lines(run([LOADER, "report", rec, "--truth", own, "--json"] + args).stdout)
    want_hot = 6 * M if not args else 3 * M
    check(o and o[0]["recall"] == 1 and o[0]["hot_bytes"] == want_hot and
          close(o[0]["precision"], 1.0 if not args else 0.5),
          "the workload's own chunks as regions, %s: recall 1, precision %s, hot %d MiB (%s)" %
          (args or "all", 1.0 if not args else 0.5, want_hot // M, o and o[0]))

# bench --workload accuracy on the host's stock kernel: every mode n/a, and why; no workload
# started (the modes need the kfunc, and bench writes no stock kernel's DAMON sysfs).
MODES = ["fault", "cpus=0", "cpus=1", "write-only", "pte"]
p = run([LOADER, "bench", "--workload", "accuracy", "--json"], check_rc=False, timeout=60)
o = (json_lines(p.stdout) or [{}])[0]
check(p.returncode == 0 and list(o.get("modes", {})) == MODES and
      all("kfunc" in (m.get("skipped") or "") for m in o["modes"].values()),
      "bench --workload accuracy here: exit 0, every mode n/a for want of the kfunc (%d, %s)"
      % (p.returncode, o.get("modes")))
check(o.get("truth") is None and o.get("command") is None and o.get("duration_s") == 10,
      "no workload run, the default duration 10 s (%s)" % {k: o.get(k) for k in
                                                          ("truth", "command", "duration_s")})
t = run([LOADER, "bench", "--workload", "accuracy"], check_rc=False, timeout=60)
check(t.returncode == 0 and all(("%s " % m) in t.stdout and "n/a (" in t.stdout
                                for m in MODES), "the table: a row a mode, n/a (why)")
for args, what in ((["--chunks", "4/1M"], "for --workload accuracy"),
                   (["--workload", "compute", "--seed", "2"], "for --workload accuracy"),
                   (["--workload", "accuracy", "--size", "4M"], "more than half"),
                   (["--workload", "accuracy", "--chunks", "4"], "N/SIZE"),
                   (["--workload", "accuracy", "--chunks", "0/1M"], "1 to 64"),
                   (["--workload", "accuracy", "--seed", "1", "--", "true"], "own layout"),
                   (["--workload", "churn", "--", "true"], "for --workload accuracy"),
                   (["--aslr"], "for --workload accuracy")):
    p = run([LOADER, "bench"] + args, check_rc=False, timeout=60)
    check(p.returncode == 64 and what in p.stderr, "bench %s: usage error, %r (%d: %s)" %
          (" ".join(args), what, p.returncode, (p.stderr.strip().splitlines() or [""])[0]))
for f in os.listdir(tmp):
    os.unlink(os.path.join(tmp, f))
os.rmdir(tmp)
done()
