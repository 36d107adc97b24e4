#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""report --heatmap on record files whose layout is known: a hand-made DAMON-mode record
(a hot, a cold and a warm band, one CPU reading the hot band and the other writing the warm
one, and a far range barely accessed) and a fallback record of the workload made here on the host.
The PNG is decoded with python3-png and the text parsed: each band has the brightness its
rate gives it at the rows (columns) the documented axes put it; the breakdowns show one
CPU's or the writes' band only; the errors leave no file behind."""
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

MB = 1 << 20
A = 0x7f0000000000
HOT, COLD, WARM = (A, A + 4 * MB), (A + 4 * MB, A + 8 * MB), (A + 8 * MB, A + 10 * MB)
FAR = (0x7ffd00000000, 0x7ffd00100000)	# another address range, barely accessed
tmp = tempfile.mkdtemp(prefix="db-heatmap-")


def path(name):
    return os.path.join(tmp, name)


def made_record(name, events=True):
    snaps = []
    for i in range(6):
        regs = [dict(start=HOT[0], end=HOT[1], nr_accesses=20, age=i,
                     reads=[1000, 0] if events else [0, 0], writes=[0, 0]),
                dict(start=COLD[0], end=COLD[1], nr_accesses=0, age=i),
                dict(start=WARM[0], end=WARM[1], nr_accesses=13, age=i,
                     reads=[0, 0], writes=[0, 500] if events else [0, 0]),
                dict(start=FAR[0], end=FAR[1], nr_accesses=1, age=i)]
        snaps.append(dict(time=1.0 + i, max_nr_accesses=20, regions=regs))
    write_record(path(name), snaps)
    return path(name)


def report(*args, fsize=None):
    def limit():	# writes beyond fsize bytes fail with EFBIG (no SIGXFSZ)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return run([LOADER, "report"] + [str(a) for a in args], check_rc=False,
               preexec_fn=limit if fsize else None)


def content(f):
    if not os.path.exists(f):
        return None
    with open(f) as fh:
        return fh.read()


def band_luma(px, rows):
    """Mean brightness of the given PNG rows over all columns."""
    vals = [luma(p) for y in rows for p in px[y]]
    return sum(vals) / len(vals)


def png_bands(out, bands):
    """{name: mean brightness of the band's rows} of a PNG, rows from its own axis texts."""
    w, h, px, text = read_png(out)
    _, (a0, a1) = heatmap_axes(text["damon-bpf x-axis"] + " " + text["damon-bpf y-axis"])
    res = {}
    for name, (s, e) in bands.items():
        rows = png_rows_of(h, a0, a1, s, e)
        res[name] = band_luma(px, rows) if rows else None
    return res, (w, h, px, text)


rec = made_record("made.dbr")
bands = {"hot": HOT, "cold": COLD, "warm": WARM}

# The default: DAMON's access rate, the hottest range per byte (the far range is not it).
out = path("rate.png")
p = report(rec, "--heatmap", out, "--heatmap-size", "60x100")
check(p.returncode == 0 and os.path.exists(out), "PNG written (exit %d: %s)" %
      (p.returncode, p.stderr.strip()[-300:]))
check("2 address ranges" in p.stderr and "%#x" % FAR[0] in p.stderr,
      "says the regions lie in two ranges and names the other one")
lum, (w, h, px, text) = png_bands(out, bands)
check((w, h) == (60, 100), "60x100 pixels: time across, address down (%dx%d)" % (w, h))
check(heatmap_axes(text["damon-bpf x-axis"] + text["damon-bpf y-axis"]) ==
      ((0.0, 6.0), (HOT[0], WARM[1])),
      "axes: the session's 6 s, the three bands' range (%s | %s)" %
      (text["damon-bpf x-axis"], text["damon-bpf y-axis"]))
log("  brightness: %s" % lum)
check(lum["hot"] > 240 and lum["cold"] < 5 and 80 < lum["warm"] < 200,
      "100 %% band bright, 0 %% band black, 65 %% band between (%s)" % lum)
check(px[0][0] == heat_colour(0.65) and px[-1][0] == heat_colour(1),
      "the top row has the 65 %% colour %s (the warm band: the highest addresses), the bottom "
      "row the 100 %% one %s (the hot band: the lowest): %s, %s" %
      (heat_colour(0.65), heat_colour(1), px[0][0], px[-1][0]))
rows = png_rows_of(h, HOT[0], WARM[1], *COLD)
check(all(px[y][x] == (0, 0, 4) for y in rows for x in range(w)), "every cold pixel is black")

# Breakdowns: reporter events of one CPU, of writes.
for what, bright, dark in (("writes", "warm", "hot"), ("reads", "hot", "warm"),
                           ("cpu=0", "hot", "warm"), ("cpu=1,writes", "warm", "hot"),
                           ("cpu=0,writes", None, None)):
    out = path("b.png")
    if os.path.exists(out):
        os.unlink(out)
    p = report(rec, "--heatmap", out, "--breakdown", what, "--address-range",
               "%#x-%#x" % (HOT[0], WARM[1]), "--heatmap-size", "60x100")
    if bright is None:
        check(p.returncode == 1 and "no writes of CPU 0" in p.stderr and not os.path.exists(out),
              "--breakdown %s: none in the record: exit 1, said, no file (%s)" %
              (what, p.stderr.strip()))
        continue
    lum, _ = png_bands(out, bands)
    check(p.returncode == 0 and lum[bright] > 240 and lum[dark] < 5 and lum["cold"] < 5,
          "--breakdown %s: the %s band bright, the %s and cold bands black (%s)" %
          (what, bright, dark, lum))

# The text heatmap: a line a time bin, a digit an address bin.
p = report(rec, "--heatmap", "-", "--address-range", "%#x-%#x" % (HOT[0], WARM[1]))
lines = p.stdout.splitlines()
grid = [l for l in lines if not l.startswith("#")]
axes = heatmap_axes("\n".join(l for l in lines if l.startswith("#")))
check(p.returncode == 0 and len(grid) == 40 and all(len(l) == 80 for l in grid),
      "text: 40 lines of 80 bins (%d lines)" % len(grid))
cols = {n: text_cols_of(80, axes[1][0], axes[1][1], *b) for n, b in bands.items()}
digits = {n: {l[x] for l in grid for x in c} for n, c in cols.items()}
check(digits == {"hot": {"9"}, "cold": {"0"}, "warm": {"6"}},
      "text: the hot band 9, the cold 0, the warm (65 %%) 6, on every line (%s)" % digits)
p2 = report(rec, "--heatmap", path("t.txt"), "--address-range", "%#x-%#x" % (HOT[0], WARM[1]))
with open(path("t.txt")) as f:
    check(p2.returncode == 0 and f.read() == p.stdout, "--heatmap FILE.txt holds the same text")

# --time-range: the axis follows.
p = report(rec, "--heatmap", "-", "--time-range", "2s-4500ms", "--heatmap-size", "20x5")
check(p.returncode == 0 and "time [2.000 s, 4.500 s)" in p.stdout and
      len([l for l in p.stdout.splitlines() if not l.startswith("#")]) == 5,
      "--time-range 2s-4500ms: 5 lines over [2, 4.5) s")

# A record without reporter events has no breakdown: said, nothing written.
bare = made_record("bare.dbr", events=False)
out = path("bare.png")
p = report(bare, "--heatmap", out, "--breakdown", "writes")
check(p.returncode == 1 and "no per-CPU or read/write breakdown" in p.stderr and
      not os.path.exists(out), "record without events: --breakdown says there is none, exit 1, "
      "no file (%s)" % p.stderr.strip())
p = report(rec, "--heatmap", out, "--breakdown", "cpu=5")
check(p.returncode == 1 and "2 CPUs" in p.stderr and not os.path.exists(out),
      "--breakdown cpu=5 of a 2-CPU record: exit 1, said (%s)" % p.stderr.strip())

# Records with nothing to draw, or corrupt: exit 1, said, no file.
r1 = [dict(start=HOT[0], end=HOT[1], nr_accesses=3)]
for what, snaps_, args, said in (
        ("no snapshot", [], [], "holds no snapshot"),
        ("a snapshot time NaN", [dict(time=1.0, max_nr_accesses=20, regions=r1),
                                 dict(time=float("nan"), max_nr_accesses=20, regions=r1)], [],
         "no valid time"),
        ("every snapshot at 0 s", [dict(time=0.0, max_nr_accesses=20, regions=r1)], [],
         "span no time"),
        ("no region in --address-range", [dict(time=1.0, max_nr_accesses=20, regions=r1)],
         ["--address-range", "0x1000-0x2000"], "no region lies in")):
    write_record(path("odd.dbr"), snaps_)
    out = path("odd.png")
    p = report(path("odd.dbr"), "--heatmap", out, *args)
    check(p.returncode == 1 and said in p.stderr and not os.path.exists(out),
          "%s: exit 1, says '%s', no file (%s)" % (what, said, p.stderr.strip()[-150:]))

# A failed heatmap leaves an existing file as it was, and no temporary file.
keep = path("keep.png")
with open(keep, "w") as f:
    f.write("keep")
p = report(rec, "--heatmap", keep, "--pid", "7")
check(p.returncode == 1 and "--pid 7" in p.stderr and content(keep) == "keep",
      "an error leaves the existing OUT untouched (%s)" % p.stderr.strip())
for out in (keep, path("keep.txt")):
    with open(out, "w") as f:
        f.write("keep")
    p = report(rec, "--heatmap", out, fsize=200)
    check(p.returncode == 1 and "File too large" in p.stderr and content(out) == "keep",
          "a write that fails half-way (200-byte file size limit): exit 1, said, the existing "
          "%s untouched (%s)" % (os.path.basename(out), p.stderr.strip()[-120:]))
p = report(rec, "--heatmap", "/nonexistent-dir/x.png")
check(p.returncode == 1 and "/nonexistent-dir/x.png" in p.stderr,
      "unwritable OUT: exit 1, named (%s)" % p.stderr.strip())
check(sorted(f for f in os.listdir(tmp) if ".tmp." in f) == [], "no temporary file left")

# Usage errors: exit 64, each said.
for args, said in ((["--heatmap", "x.jpg"], "OUT.png"),
                   (["--heatmap", "x.png", "--breakdown", "cpu=x"], "cpu=N"),
                   (["--heatmap", "x.png", "--breakdown", "reads,writes"], "not both"),
                   (["--heatmap", "x.png", "--breakdown", "hot"], "cpu=N, reads or writes"),
                   (["--heatmap", "x.png", "--heatmap-size", "0x5"], "WxH"),
                   (["--heatmap", "x.png", "--time-range", "1-2"], "with units"),
                   (["--heatmap", "x.png", "--address-range", "0x2000-0x1000"], "START < END"),
                   (["--breakdown", "writes"], "add --heatmap"),
                   (["--heatmap", "x.png", "--json"], "one at a time")):
    p = report(rec, *args)
    check(p.returncode == 64 and said in p.stderr and not os.path.exists("x.png"),
          "%s: exit 64, says '%s' (%d: %s)" % (" ".join(args), said, p.returncode,
                                               p.stderr.strip().splitlines()[:1]))

# A record made here, on the host (fallback mode: events of 2 MiB buckets).  How many events
# the churn threads make depends on the host's load: the expected colours come from the
# record's own JSON.  Each churn region is one bucket, so every pixel wholly inside a region
# and a snapshot's interval has that bucket's events per second per 4 KiB, and the scale is
# the highest of them (to 2 colour levels: the JSON's times are rounded to the millisecond).
fb = path("host.dbr")
with Workload("f:2M@0", "c:4M", "q:2M@1", duration=20) as wl:
    fw, fc, fq = wl.regions
    run([LOADER, "monitor", "--pid", str(wl.pid), "--record", fb, "--duration", "3s",
         "--interval", "500ms"])
snaps = [json.loads(l) for l in report("--json", fb).stdout.splitlines()]
fbands = {"write churn": (fw["start"], fw["end"]), "cold": (fc["start"], fc["end"]),
          "read churn": (fq["start"], fq["end"])}
check(len(snaps) >= 5, "the host record has %d snapshots" % len(snaps))


def events(snap, band, what):
    n = 0
    for r in snap["regions"]:
        if r["start"] < band[1] and r["end"] > band[0]:
            for c in r["cpus"]:
                if what != "cpu=1" or c["cpu"] == 1:
                    n += c["writes"] + (0 if what == "writes" else c["reads"])
    return n


W, H = 120, 120
for what in (None, "writes", "cpu=1"):
    how = what or "all accesses"
    t0, dens = 0.0, []
    for sn in snaps:	# [(t0, t1, {band: events per second per 4 KiB})]
        dt = sn["time"] - t0
        dens.append((t0, sn["time"], {b: events(sn, r, what) * 4096 / (r[1] - r[0]) / dt
                                      for b, r in fbands.items()}))
        t0 = sn["time"]
    vmax = max(v for _, _, d in dens for v in d.values())
    out = path("fb.png")
    if os.path.exists(out):
        os.unlink(out)
    p = report(fb, "--heatmap", out, "--address-range", "%#x-%#x" % (fw["start"], fq["end"]),
               "--heatmap-size", "%dx%d" % (W, H), *(["--breakdown", what] if what else []))
    if what and vmax == 0:
        check(p.returncode == 1 and "no %s" % what.split("=")[0] in p.stderr and
              not os.path.exists(out), "fallback record, %s: none recorded (a busy host): exit "
              "1, said, no file (%s)" % (how, p.stderr.strip()[-200:]))
        continue
    if not check(p.returncode == 0, "fallback record, %s: exit 0 (%s)" %
                 (how, p.stderr.strip()[-200:])):
        continue
    w, h, px, text = read_png(out)
    (T0, T1), (a0, a1) = heatmap_axes(text["damon-bpf x-axis"] + text["damon-bpf y-axis"])
    tw = (T1 - T0) / w
    wrong, seen = [], 0
    for lo, hi, d in dens:
        # report --json gives times to the millisecond: columns 1 ms clear of the edges
        cols = [x for x in range(w) if T0 + x * tw >= lo + 1e-3 and T0 + (x + 1) * tw <= hi - 1e-3]
        for b, (s0, s1) in fbands.items():
            want = heat_colour(d[b] / vmax) if vmax else heat_colour(0)
            for y in png_rows_of(h, a0, a1, s0, s1):
                for x in cols:
                    seen += 1
                    if any(abs(g - e) > 2 for g, e in zip(px[y][x], want)):
                        wrong.append((b, round(lo, 2), px[y][x], want))
    log("  fallback, %s: events/s per 4 KiB per snapshot %s" %
        (how, [{b: round(v) for b, v in d.items()} for _, _, d in dens]))
    check(seen > 1000 and not wrong, "fallback record, %s: all %d pixels inside a band and a "
          "snapshot have the colour of its events (%d do not: %s)" %
          (how, seen, len(wrong), wrong[:3]))
shutil.rmtree(tmp)
done()
