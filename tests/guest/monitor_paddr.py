#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""monitor --paddr: the physical address space, one DAMON target of the system's memory (its
range from the nodes' spans), sampled by DAMON's page fault primitive (--source fault).  A
steady thread (no faults, no address-space switches of its own) reads a 16 MiB set in a
loop; a 32 MiB set was written once.  The snapshots' regions cover the physical frames of
both (pagemap), the read set's frames read hot and the cold set's stay well below (means of
the last three snapshots), and the run is replayed from its own spec ('args monitor' +
'run')."""
import json
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403


def frame_rate(snap, pfns):
    """The mean nr_accesses over the pages of pfns of the regions holding them; the share of
    pfns some region holds."""
    regs = sorted((r["start"], r["end"], r["nr_accesses"]) for r in snap["regions"])
    tot = held = 0
    for p in pfns:
        r = region_at(regs, p * 4096)
        if r:
            held += 1
            tot += r[2]
    return (tot / held if held else 0.0), held / max(len(pfns), 1)


def judge(what, snaps, hot, cold):
    good = with_regions(snaps)
    if not check(len(good) >= 3, "%s: snapshots with regions (%d of %d)" % (
            what, len(good), len(snaps))):
        return
    last = good[-1]
    # The rates are judged on the last three snapshots' means: one aggregation interval
    # decides a snapshot, and a physical region holding cold frames beside other memory's
    # hot ones reads hot in some (a last snapshot read 1.9 against 7.5 once).
    late = [(frame_rate(x, hot), frame_rate(x, cold)) for x in good[-3:]]
    (h, h_held), (c, c_held) = late[-1]
    log("  %s: %d regions; read set %.1f (%.0f %% of its frames held), cold set %.1f "
        "(%.0f %%)" % (what, len(last["regions"]), h, 100 * h_held, c, 100 * c_held))
    h = sum(x[0][0] for x in late) / len(late)
    c = sum(x[1][0] for x in late) / len(late)
    log("  %s: the last %d snapshots' means: read set %.1f, cold set %.1f (%s)" % (
        what, len(late), h, c, ", ".join("%.1f/%.1f" % (x[0][0], x[1][0]) for x in late)))
    check(h_held == 1.0 and c_held == 1.0, "%s: the regions hold every frame of both sets" % what)
    check(all(r["pid"] == -1 for r in last["regions"]) if last["regions"] and
          "pid" in last["regions"][0] else True, "%s: no region claims a process" % what)
    check(h >= HOT, "%s: the read set's frames read hot (%.1f >= %d)" % (what, h, HOT))
    check(c <= h / 4, "%s: the cold set's frames read at most a quarter of that (%.1f)" % (
        what, c))


with Workload("p:16M@0", "c:32M", duration=400, ticker=0) as w:
    hot_r, cold_r = w.regions
    hot = phys_frames(w.pid, hot_r["start"], hot_r["end"])
    cold = phys_frames(w.pid, cold_r["start"], cold_r["end"])
    check(len(hot) == 4096 and len(cold) == 8192, "the sets are resident (%d, %d pages)" % (
        len(hot), len(cold)))
    dur = "30s" if SLOW else "15s"
    snaps, err = monitor(["--paddr", "--source", "fault"], duration=dur)
    judge("monitor --paddr", snaps, hot, cold)
    check(nr_kdamonds() == 0, "monitor --paddr: nothing left behind")

    spec = json.loads(run([LOADER, "args", "monitor", "--paddr", "--source", "fault"]).stdout)
    ctx = spec["kdamonds"][0]["contexts"][0]
    check(ctx["ops"] == "paddr" and len(ctx["targets"]) == 1,
          "args monitor --paddr: a paddr context with one target (%s, %d)" % (
              ctx["ops"], len(ctx["targets"])))
    path = "/tmp/monitor-paddr.json"
    with open(path, "w") as f:
        json.dump(spec, f)
    p = run([LOADER, "run", path, "--json", "--duration", dur], timeout=240)
    snaps = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    judge("run (the monitor spec)", snaps, hot, cold)
    check(nr_kdamonds() == 0, "run: nothing left behind")
done()
