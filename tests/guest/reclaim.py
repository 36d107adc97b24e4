#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""damon-bpf reclaim: two processes with hot and cold sets in one session; their cold sets
are swapped out (smaps Swap) and their hot sets are not; a pid is added and removed live; a
pid that exits is dropped; a dead pid at start is skipped."""
import json
import os
import subprocess
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

COLD_KB = 16 * 1024
ARGS = ["--min-age", "2s", "--quota", "1GiB/s", "--interval", "1s", "--json"]


def swapped(w, region):
    return smaps_kb(w.pid, region["start"], "Swap") or 0


# Under make check-debug (KASAN, lockdep) reclaim is far slower: any progress will do there.
WANT = 0.1 if SLOW else 0.9


def cold_out(*ws):
    return all(swapped(w, w.regions[1]) >= WANT * COLD_KB for w in ws)


with Workload("p:4M@0", "c:16M", duration=180) as a, \
     Workload("p:4M@1", "c:16M", duration=180) as b, \
     Workload("p:4M@0", "c:16M", duration=180) as c, \
     Workload("p:4M@1", "c:16M", duration=180) as d:
    with Workload("n:1M", passes=1) as gone:
        dead = gone.pid
    r = subprocess.Popen([LOADER, "reclaim", "--name", "r", "--pid", str(a.pid),
                          "--pid", str(dead), "--pid", str(d.pid)] + ARGS,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = json.loads(r.stdout.readline())
    check([t["pid"] for t in first["targets"]] == [a.pid, d.pid],
          "starts without the dead pid: targets %s" % [t["pid"] for t in first["targets"]])

    # Live changes: B added; C added and removed at once, before any of it can age.
    run([LOADER, "reclaim", "--name", "r", "--add", str(b.pid)])
    run([LOADER, "reclaim", "--name", "r", "--add", str(c.pid)])
    run([LOADER, "reclaim", "--name", "r", "--remove", str(c.pid)])
    p = subprocess.run([LOADER, "reclaim", "--name", "r", "--remove", str(c.pid)],
                       capture_output=True, text=True)
    check(p.returncode != 0 and "is not in session" in p.stderr, "removing twice is refused")
    # damon-bpf status: the session's per-target stats, from the kernel.
    st = [json.loads(x) for x in run([LOADER, "status", "--json"]).stdout.splitlines()
          if x.startswith("{")]
    mine = [x for x in st if x.get("name") == "r"]
    check(len(mine) == 1 and mine[0]["kind"] == "reclaim" and
          sorted(t["pid"] for t in mine[0]["targets"]) == sorted([a.pid, b.pid, d.pid]),
          "status: session r, reclaim, targets %s" %
          [t["pid"] for t in mine[0]["targets"]] if mine else st)
    # D exits mid-session.
    d.stop()
    t0 = time.time()
    ok = wait_for(lambda: cold_out(a, b), 200 if SLOW else 60)
    log("  cold sets out after %.1fs" % (time.time() - t0))
    for name, w in (("A", a), ("B (added live)", b)):
        hot, cold = w.regions[0], w.regions[1]
        check(swapped(w, cold) >= WANT * COLD_KB, "%s: cold set swapped out: %d of %d kB" %
              (name, swapped(w, cold), COLD_KB))
        check(swapped(w, hot) <= 0.1 * 4096, "%s: hot set stays: %d kB of 4096 swapped" %
              (name, swapped(w, hot)))
    check(swapped(c, c.regions[1]) == 0, "C (removed live): nothing swapped (%d kB)" %
          swapped(c, c.regions[1]))
    # Two more reports, so that the last one counts the pageouts just seen in smaps.
    time.sleep(2.5)
    r.terminate()
    out, err = r.communicate(timeout=30)
    log("  " + err.replace("\n", "\n  ").rstrip())
    check("pid %d: no such process, skipped" % dead in err, "the dead pid is named at start")
    check("pid %d exited: dropped from the session" % d.pid in err, "the exited pid is dropped")
    last = json.loads(out.splitlines()[-1])
    check(sorted(t["pid"] for t in last["targets"]) == sorted([a.pid, b.pid]),
          "targets at the end: A and B")
    if not check(all(t["sz_applied"] > 0 for t in last["targets"]), "per-pid stats: %s" %
                 [(t["pid"], t["sz_applied"]) for t in last["targets"]]):
        for line in out.splitlines()[-12:]:
            log("    " + line[:300])
    check(r.returncode == 0 and rd(DAMON + "/kdamonds/nr_kdamonds") == "0",
          "SIGTERM: exit 0, kdamond removed")
done()
