#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""report --format damo writes a record that damo 3.3 reads: 'damo report access --input'
prints every snapshot's regions with the addresses, access counts and ages that
'report --json' gives for the same record file (a hand-made DAMON-mode record: the host has
no kfunc).  Fallback records, a record cut short, several processes' regions and an
unwritable output are refused, and leave nothing half-written."""
import json
import os
import random
import shutil
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

need(os.access(DAMO, os.X_OK), "damo 3.3 at %s" % DAMO)
need(run(["file", "--version"], check_rc=False).returncode == 0,
     "file(1) (damo tells its record types apart with it)")
tmp = tempfile.mkdtemp(prefix="db-damo-")
MB = 1 << 20


def path(name):
    return os.path.join(tmp, name)


def report(*args):
    return run([LOADER, "report"] + [str(a) for a in args], check_rc=False)


def content(f):
    if not os.path.exists(f):
        return None
    with open(f) as fh:
        return fh.read()


def left_over():
    return sorted(f for f in os.listdir(tmp) if ".tmp." in f)


# Snapshots of a DAMON vaddr session: regions of several sizes and rates, ages, one empty
# snapshot (DAMON now and then lists no regions), sample 5 ms / aggr 100 ms (max 20).
rnd = random.Random(15)
snaps = []
for i in range(5):
    regs, a = [], 0x7f3200000000
    for _ in range(0 if i == 2 else rnd.randint(3, 12)):
        size = rnd.choice([4096, 64 << 10, 2 * MB, 3 * MB + 8192])
        regs.append(dict(start=a, end=a + size, nr_accesses=rnd.randint(0, 20),
                         age=rnd.randint(0, 50), reads=[rnd.randint(0, 9), 0], writes=[0, 3]))
        a += size + rnd.choice([0, 0, 4096])
    snaps.append(dict(time=1.0 + i * 1.5, max_nr_accesses=20, regions=regs))
rec = path("made.dbr")
write_record(rec, snaps, sample_us=5000, aggr_us=100000)

out = path("made.damo")
p = report(rec, "--format", "damo", "--output", out)
check(p.returncode == 0 and os.path.exists(out), "--format damo --output: exit 0, file written "
      "(%d: %s)" % (p.returncode, p.stderr.strip()))
kind = run(["file", "-b", out]).stdout.strip()
check(kind == "zlib compressed data", "file(1) calls it '%s' (damo takes that for its "
      "json_compressed type)" % kind)

ours = [json.loads(l) for l in report("--json", rec).stdout.splitlines()]
theirs = damo_file_snapshots(out)
check(theirs is not None and len(theirs) == len(ours) == 5,
      "damo report access --input prints %s snapshots, report --json %d" %
      (theirs and len(theirs), len(ours)))
bad = []
for i, (o, t) in enumerate(zip(ours, theirs or [])):
    # damo's detailed report: <access rate> in percent of aggr/sample, <age> in microseconds.
    want = [(r["start"], r["end"], r["nr_accesses"], r["age"]) for r in o["regions"]]
    got = [(s, e, round(rate * o["max_nr_accesses"] / 100), age // 100000)
           for s, e, rate, age in t]
    if want != got:
        bad.append((i, want[:3], got[:3]))
check(theirs and not bad, "every snapshot: damo's regions (start, end, nr_accesses, age) are "
      "report --json's, %d regions in all (%s)" % (sum(len(s["regions"]) for s in ours), bad[:2]))
p = run([DAMO, "report", "heatmap", "--input", out, "--resol", "5", "10"], check_rc=False)
check(p.returncode == 0 and "# x-axis: space" in p.stdout,
      "damo report heatmap --input reads it too (exit %d)" % p.returncode)

# Refusals: each exits 1, says why, and leaves what was at OUT (or nothing) alone.
keep = path("keep.damo")
with open(keep, "w") as f:
    f.write("keep")
fb = path("fallback.dbr")
write_record(fb, snaps, mode="fallback")
with open(rec, "rb") as f:
    whole = f.read()
cut = path("cut.dbr")
with open(cut, "wb") as f:
    f.write(whole[:len(whole) * 2 // 3])
multi = path("multi.dbr")
two = dict(time=1.0, max_nr_accesses=20, regions=[
    dict(start=0x400000, end=0x600000, nr_accesses=3, pid=-1),
    dict(start=0x7f0000000000, end=0x7f0000200000, nr_accesses=5, pid=-1),
    dict(start=0x400000, end=0x500000, nr_accesses=7, pid=-1)])
write_record(multi, [two])
nan = path("nan.dbr")
write_record(nan, snaps[:2] + [dict(snaps[2], time=float("nan"))])
for what, src, said in (("a fallback record", fb, "fallback-mode record"),
                        ("a snapshot time NaN", nan, "no valid time"),
                        ("a record cut short", cut, "cut short"),
                        ("regions of two processes", multi, "several processes")):
    p = report(src, "--format", "damo", "--output", keep)
    check(p.returncode == 1 and said in p.stderr and content(keep) == "keep" and
          not left_over(), "%s: exit 1, says '%s', OUT untouched, no temporary file (%d: %s)" %
          (what, said, p.returncode, p.stderr.strip()[:160]))
p = report(rec, "--format", "damo", "--output", "/nonexistent-dir/x.damo")
check(p.returncode == 1 and "/nonexistent-dir/x.damo" in p.stderr,
      "an unwritable OUT: exit 1, named (%s)" % p.stderr.strip())
for args, said in ((["--format", "xml"], "use table, json or damo"),
                   (["--format", "damo"], "add --output"),
                   (["--output", out], "--format damo"),
                   (["--format", "damo", "--output", out, "--top", "3"], "no --json")):
    p = report(rec, *args)
    check(p.returncode == 64 and said in p.stderr, "%s: exit 64, says '%s' (%d: %s)" %
          (" ".join(args), said, p.returncode, p.stderr.strip().splitlines()[:1]))
p = report(rec, "--format", "json")
check(p.returncode == 0 and [json.loads(l) for l in p.stdout.splitlines()] == ours,
      "--format json is --json")
shutil.rmtree(tmp)
done()
