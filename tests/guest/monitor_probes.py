#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""monitor's default breakdown (DAMON mode, no --probe): one session, one DAMON context with
the probes {cpumask 0}, {cpumask 1}, {write} (the guest's two CPUs, then writes), answers per
region how often CPU 0, CPU 1 and writes touched it, from DAMON's probe hits: the view's
CPU0, CPU1 and W columns.  A steady workload writes W on CPU 0 and reads R on CPU 1; C is
cold: W must hit CPU0 and W, R only CPU1, C none.  The BPF reporters only report (nothing
aggregated in their map).  The --json view, the record file (report) and a replay of the
session's own spec ('args monitor' + 'run', named by --name) all carry the same probes;
--probe takes damo's filter words."""
import json
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

PROBES = ["allow cpumask 0", "allow cpumask 1", "allow write"]
# which probes each set hits
EXPECT = {"W": (True, False, True), "R": (False, True, False), "C": (False, False, False)}


def judge(what, snaps, sets):
    good = with_regions(snaps)
    if not check(len(good) >= 3, "%s: snapshots with regions (%d of %d)" % (
            what, len(good), len(snaps))):
        return
    check(all(s.get("probes") == PROBES for s in snaps),
          "%s: every snapshot names the probes %s" % (what, snaps[-1].get("probes")))
    check(all(len(r["probe_hits"]) == 3 and max(r["probe_hits"]) <= s["max_nr_accesses"]
              for s in good for r in s["regions"]),
          "%s: three probe hits a region, at most max_nr_accesses" % what)
    last = good[1:] or good
    for name, (start, end) in sets.items():
        # Misses once the regions have settled: early snapshots can still have a region over
        # C and R (seen once: 1.0 of 20 for R's CPU), or, in the 8 s of the spec's run, one
        # from W over C into R (R read 2.2 of 20 for CPU 0 and for writes).  C in the last
        # snapshot, W and R in the later half.
        misses = last[-1:] if name == "C" else last[len(last) // 2:]
        rates = [min(probe_hits(s, start, end, p) for s in last) if EXPECT[name][p] else
                 max(probe_hits(s, start, end, p) for s in misses) for p in range(3)]
        log("  %s: %s probe hits (CPU0, CPU1, W; of %d) %s" % (
            what, name, good[-1]["max_nr_accesses"], [round(x, 1) for x in rates]))
        for p, hit in enumerate(EXPECT[name]):
            if hit:
                check(rates[p] >= HOT, "%s: %s hits '%s' (%.1f >= %d)" % (
                    what, name, PROBES[p], rates[p], HOT))
            else:
                # a region straddling a set's edge may carry a fraction
                if not check(rates[p] < 1, "%s: %s does not hit '%s' (%.1f)" % (
                        what, name, PROBES[p], rates[p])):
                    log("    per snapshot: %s" % [round(probe_hits(s, start, end, p), 1)
                                                 for s in last])


with Workload("w:4M@0", "p:4M@1", "c:4M", duration=300, ticker=0) as w:
    sets = {n: (r["start"], r["end"]) for n, r in zip("WRC", w.regions)}
    dur = "16s" if SLOW else "8s"
    rec = "/tmp/monitor-probes.dbr"
    snaps, err = monitor(["--pid", w.pid, "--source", "fault", "--record", rec], duration=dur)
    judge("default", snaps, sets)
    rep = snaps[-1]["reporter"] if snaps else {}
    check(rep.get("reported", 0) > 0 and rep.get("aggregated") == 0 and
          rep.get("aggregate_full") == 0,
          "default: the reporters reported %s, aggregated nothing in their map (%s)" % (
              rep.get("reported"), rep.get("aggregated")))
    check(nr_kdamonds() == 0, "default: nothing left behind")

    # The table: the probes' columns by name, no reporter R/W columns in DAMON mode.
    p = run([LOADER, "monitor", "--pid", str(w.pid), "--duration", "3s", "--interval", "1s"],
            timeout=120)
    heads = [l.split() for l in p.stdout.splitlines() if l.strip().startswith("START")]
    log("  table header: %s" % (heads[-1] if heads else None))
    check(heads and heads[-1][5:] == ["CPU0", "CPU1", "W"] and
          "R/W" not in p.stdout and "CPU0: probe 0, allow cpumask 0" in p.stdout,
          "table: columns CPU0 CPU1 W after AGE, their legend, no R/W")

    p = run([LOADER, "report", rec, "--json"])
    replayed = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    check([s["regions"] for s in replayed] == [s["regions"] for s in snaps] and
          all(s.get("probes") == PROBES for s in replayed),
          "report: the record holds the same probe hits (%d of %d snapshots)" % (
              len(replayed), len(snaps)))

    spec = json.loads(run([LOADER, "args", "monitor", "--pid", str(w.pid), "--source", "fault",
                           "--probe", PROBES[0], "--probe", PROBES[1],
                           "--probe", PROBES[2]]).stdout)
    probes = spec["kdamonds"][0]["contexts"][0]["probes"]
    check([pr["filters"][0]["filter_type"] for pr in probes] == ["cpumask", "cpumask", "write"],
          "args: the spec holds the probes in damo's shape")
    path = "/tmp/monitor-probes.json"
    with open(path, "w") as f:
        json.dump(spec, f)
    # run --name names the monitoring session (its owner record), as it names the others
    with Loader("run", path, "--json", "--name", "probes-run", "--duration", dur) as ld:
        wait_for(lambda: not ld.running() or ld.objects(), 120, step=0.5)
        recs = sorted(os.listdir("/run/damon-bpf")) if os.path.isdir("/run/damon-bpf") else []
        check(ld.running() and "probes-run.session" in recs,
              "run --name probes-run: the session's record is probes-run.session (%s)" % recs)
        wait_for(lambda: not ld.running(), 240, step=1)
        rc, objs = ld.finish()
    check(rc == 0, "run: exit 0 at the end of --duration (%s)" % rc)
    judge("run (the spec)", objs, sets)
    check(nr_kdamonds() == 0, "run: nothing left behind")
done()
