#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A recording of a workload with a known layout, drawn: CPU 0 reads region R in a loop, C is
cold, CPU 1 writes W in a loop.  The PNG heatmap (decoded with python3-png, rows mapped to
addresses by its documented axes) shows R and W bright and C dark, and C black where the
record says 0; --breakdown writes, reads and cpu=N (the hits of the record's probes for
them) light one of R and W and leave the other black, one without a probe is refused;
the text heatmap has, in every bin wholly inside one DAMON region and one snapshot, the digit
of that region's access rate; the default address range is the workload's.  The same record
written for damo reads back in 'damo report access' with report --json's regions."""
# dbtest-timeout: 600
import json
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

rec = "/tmp/heatmap.dbr"
with Workload("p:4M@0", "c:4M", "w:4M@1", duration=300) as w:
    hr, cold, hw = w.regions
    # the default breakdown (CPU0, CPU1, W) and a probe for reads: every --breakdown below
    # Eight snapshots however slow the kernel: a fixed 16 s gave 3 on the debug kernel.
    snaps, err = monitor_until(["--pid", w.pid, "--source", "fault", "--record", rec,
                                "--probe", "reject write", "--breakdown", "cpu,write"],
                               8, 240 if SLOW else 60)
need(len(with_regions(snaps)) >= 4, "4 snapshots with regions (%d of %d)" %
     (len(with_regions(snaps)), len(snaps)))
check(snaps[-1]["mode"] == "damon", "DAMON mode")
log("  rates R %.1f, W %.1f, C %.1f (lowest after the first snapshot), C last %.1f" %
    (hot_in_all(snaps, hr["start"], hr["end"]), hot_in_all(snaps, hw["start"], hw["end"]),
     hot_in_all(snaps, cold["start"], cold["end"]),
     snap_rate(last_with_regions(snaps), cold["start"], cold["end"])))
need(hot_in_all(snaps, hr["start"], hr["end"]) >= HOT and
     hot_in_all(snaps, hw["start"], hw["end"]) >= HOT, "R and W hot in the record (its JSON)")
need(snap_rate(last_with_regions(snaps), cold["start"], cold["end"]) == 0,
     "C cold in the last snapshot (its JSON)")

bands = {"R": (hr["start"], hr["end"]), "C": (cold["start"], cold["end"]),
         "W": (hw["start"], hw["end"])}
span = "%#x-%#x" % (hr["start"], hw["end"])
# Leave out the first snapshot: DAMON's regions still straddle the regions then.
t_from = "%dms" % int(snaps[0]["time"] * 1000 + 1)
t_to = "%dms" % int(snaps[-1]["time"] * 1000 + 1000)


def report(*args):
    p = run([LOADER, "report", rec] + [str(a) for a in args], check_rc=False, timeout=120)
    if p.returncode != 0:
        log("  report %s: exit %d: %s" % (" ".join(map(str, args)), p.returncode,
                                          p.stderr.strip()[-300:]))
    return p


def png_of(*args):
    """(band brightness, pixels, axes) of a PNG heatmap of the record."""
    out = "/tmp/heatmap.png"
    if os.path.exists(out):
        os.unlink(out)
    p = report("--heatmap", out, *args)
    if not check(p.returncode == 0 and os.path.exists(out), "PNG %s: written" % " ".join(args)):
        return None, None, None
    wd, h, px, text = read_png(out)
    axes = heatmap_axes(text["damon-bpf x-axis"] + text["damon-bpf y-axis"])
    lum = {}
    for b, (s, e) in bands.items():
        rows = png_rows_of(h, axes[1][0], axes[1][1], s, e)
        lum[b] = sum(luma(px[y][x]) for y in rows for x in range(wd)) / (len(rows) * wd)
    return lum, px, axes


# The default address range is the workload's (the hottest per byte); the others are named.
lum, px, axes = png_of("--heatmap-size", "60x200")
if axes:
    check(axes[1][0] <= hr["start"] and axes[1][1] >= hw["end"] and
          axes[1][1] - axes[1][0] < 64 << 20, "default address range [%#x, %#x) holds the "
          "workload's [%#x, %#x)" % (axes[1][0], axes[1][1], hr["start"], hw["end"]))

# Access rate: R and W bright, C dark; C black in the last snapshot's columns.
lum, px, axes = png_of("--address-range", span, "--time-range", "%s-%s" % (t_from, t_to),
                       "--heatmap-size", "100x140")
if lum:
    log("  access rate, band brightness: %s" % lum)
    floor = luma(heat_colour(HOT / 20))
    check(lum["R"] > floor and lum["W"] > floor, "R and W at least as bright as %d/20 (%.0f): %s"
          % (HOT, floor, lum))
    check(lum["C"] * 4 < min(lum["R"], lum["W"]), "C dark: under a quarter of R's and W's")
    (T0, T1), (a0, a1) = axes
    last0 = snaps[-2]["time"]
    cols = [x for x in range(100) if T0 + x * (T1 - T0) / 100 >= last0 + 1e-3]
    rows = png_rows_of(140, a0, a1, *bands["C"])
    check(cols and all(px[y][x] == heat_colour(0) for y in rows for x in cols),
          "C black in the %d columns of the last snapshot (the JSON's 0)" % len(cols))

# Breakdowns: the hits of the probes for writes, CPU 0, CPU 1 and reads.
for what, lit, dark in (("writes", "W", "R"), ("cpu=0", "R", "W"), ("cpu=1", "W", "R"),
                        ("reads", "R", "W")):
    lum, px, axes = png_of("--address-range", span, "--time-range", "%s-%s" % (t_from, t_to),
                           "--heatmap-size", "100x140", "--breakdown", what)
    if not lum:
        continue
    rows = png_rows_of(140, axes[1][0], axes[1][1], *bands[dark])
    black = all(px[y][x] == heat_colour(0) for y in rows for x in range(100))
    log("  --breakdown %s: band brightness %s" % (what, lum))
    check(lum[lit] > 4 * lum["C"] and lum[lit] > 10 and black,
          "--breakdown %s: %s lit, %s black, C dark (%s)" % (what, lit, dark, lum))

# A breakdown no probe of the record counts is refused, with the probe that would.
p = report("--heatmap", "-", "--breakdown", "cpu=0,writes")
check(p.returncode != 0 and "--probe 'reject non write; allow cpumask 0'" in p.stderr,
      "--breakdown cpu=0,writes: refused, the probe to record named")

# Text: every bin wholly inside one region and one snapshot has that region's digit.
p = report("--heatmap", "-", "--address-range", span, "--heatmap-size", "70x%d" % (4 * len(snaps)))
lines = p.stdout.splitlines()
grid = [l for l in lines if not l.startswith("#")]
(T0, T1), (a0, a1) = heatmap_axes("\n".join(l for l in lines if l.startswith("#")))
check(len(grid) == 4 * len(snaps) and all(len(l) == 70 for l in grid),
      "text: %d lines of 70 bins" % len(grid))
tw, aw = (T1 - T0) / len(grid), (a1 - a0) / 70
seen, wrong, t0 = 0, [], 0.0
for s in snaps:
    for t, line in enumerate(grid):
        if not (T0 + t * tw >= t0 + 1e-3 and T0 + (t + 1) * tw <= s["time"] - 1e-3):
            continue
        for x, ch in enumerate(line):
            lo, hi = a0 + x * aw, a0 + (x + 1) * aw
            r = [r for r in s["regions"] if r["start"] <= lo and r["end"] >= hi]
            if r:
                want = str(min(9, 10 * r[0]["nr_accesses"] // s["max_nr_accesses"]))
            elif not [r for r in s["regions"] if r["start"] < hi and r["end"] > lo]:
                want = " "
            else:
                continue
            seen += 1
            if ch != want:
                wrong.append((round(s["time"], 3), hex(int(lo)), ch, want))
    t0 = s["time"]
check(seen > 500 and not wrong, "text: the %d bins inside one region and one snapshot have "
      "its digit (%d do not: %s)" % (seen, len(wrong), wrong[:4]))
r_cols = text_cols_of(70, a0, a1, *bands["R"])
check(all(grid[-1][x] >= str(HOT // 2) for x in r_cols) and
      all(grid[-1][x] == "0" for x in text_cols_of(70, a0, a1, *bands["C"])),
      "text, last line: R at least %d, C 0: %s" % (HOT // 2, grid[-1]))

# The record as damo's: damo report access prints report --json's regions.
out = "/tmp/heatmap.damo"
p = report("--format", "damo", "--output", out)
check(p.returncode == 0, "--format damo: exit 0")
ours = [json.loads(l) for l in report("--json").stdout.splitlines()]
theirs = damo_file_snapshots(out)
check(theirs is not None and len(theirs) == len(ours),
      "damo report access: %s snapshots, report --json %d" % (theirs and len(theirs), len(ours)))
bad = []
for o, t in zip(ours, theirs or []):
    want = [(r["start"], r["end"], r["nr_accesses"], r["age"]) for r in o["regions"]]
    got = [(s, e, round(rate * o["max_nr_accesses"] / 100), age // 100000) for s, e, rate, age in t]
    if want != got:
        bad.append((o["time"], len(want), len(got)))
check(theirs and not bad, "damo's regions are report --json's in every snapshot, %d regions "
      "(%s)" % (sum(len(o["regions"]) for o in ours), bad[:3]))
for f in (rec, out, "/tmp/heatmap.png"):
    if os.path.exists(f):
        os.unlink(f)
done()
