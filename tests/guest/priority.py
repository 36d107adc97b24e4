#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# dbtest-timeout: 600
"""damon-bpf reclaim --priority: under the same memory pressure, a high-priority process keeps
its memory while a low-priority one gives it; once free memory falls further, the kernel's
watermarks let the high-priority scheme work too.  A benchmark in one run: the same pair of
processes without priorities, side by side.  Effects read from smaps (Swap of the cold sets)."""
import os
import subprocess
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

COLD_KB = 32 * 1024
# Upper bounds of the waits for evidence (swap-out seen in smaps): the debug kernel is slower.
LIMIT = 300 if SLOW else 60


def meminfo(field):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def free_permil():
    return meminfo("MemFree") * 1000 // meminfo("MemTotal")


def swapped(w):
    return smaps_kb(w.pid, w.regions[1]["start"], "Swap") or 0


def session(name, pids, extra, wm):
    args = [LOADER, "reclaim", "--name", name, "--min-age", "1s", "--quota", "1GiB/s",
            "--wmarks", "%d,%d,%d" % wm, "--json"]
    for p in pids:
        args += ["--pid", str(p)]
    return subprocess.Popen(args + extra, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def stop(p):
    p.terminate()
    out, err = p.communicate(timeout=120 if SLOW else 60)
    check(p.returncode == 0, "session stopped cleanly (exit %d)" % p.returncode)
    return err


# Watermarks around the current free memory: the low-priority targets (rank 0) start below
# MID = free + 3 %, the high-priority ones (rank 1 of 2) below MID - (MID - LOW) / 2 =
# free - 7 %; HIGH = MID, so a scheme above its mid is off from the first check.
f = free_permil()
wm = (min(1000, f + 30), min(1000, f + 30), max(0, f - 170))
log("  free memory %d permil; --wmarks %d,%d,%d" % ((f,) + wm))
need(f >= 300, "at least 300 permil of the guest's memory free, has %d" % f)

with Workload("p:4M@0", "c:32M", duration=300) as l1, \
     Workload("p:4M@1", "c:32M", duration=300) as h1, \
     Workload("p:4M@0", "c:32M", duration=300) as l2, \
     Workload("p:4M@1", "c:32M", duration=300) as h2:
    # Without priorities: both pairs' cold sets go.
    r = session("flat", [l1.pid, h1.pid], [], wm)
    t0 = time.time()
    wait_for(lambda: swapped(l1) >= 0.9 * COLD_KB and swapped(h1) >= 0.9 * COLD_KB, LIMIT)
    flat = (swapped(l1), swapped(h1), time.time() - t0)
    stop(r)

    # With priorities: only the low-priority process gives memory at this free level.
    r = session("prio", [l2.pid, h2.pid], ["--priority", "%d:4" % h2.pid], wm)
    t0 = time.time()
    wait_for(lambda: swapped(l2) >= 0.9 * COLD_KB, LIMIT)
    t_low = time.time() - t0
    # Long enough for the high-priority set to have gone, had its scheme been on, measured on
    # this kernel: the low one's went in t_low with a min-age of 1 s (aging, then swap-out),
    # the high one's min-age is 4 x 1 s, so 4 x t_low (at least 8 s, at most 120 s).
    hold = min(max(8.0, 4 * t_low), 120.0)
    time.sleep(hold)
    prio = (swapped(l2), swapped(h2))
    log("  cold sets swapped out (kB of %d), same pressure:" % COLD_KB)
    log("    without priorities: low %6d  high %6d  (after %.1f s)" % flat)
    log("    --priority high:4:  low %6d  high %6d  (low after %.1f s, high %.1f s later)" %
        (prio + (t_low, hold)))
    log("    high-priority cold set resident: %.0f %% with priorities vs %.0f %% without" %
        (100 - 100.0 * prio[1] / COLD_KB, 100 - 100.0 * flat[1] / COLD_KB))
    check(flat[0] >= 0.9 * COLD_KB and flat[1] >= 0.9 * COLD_KB,
          "without priorities both cold sets go (%d, %d kB)" % flat[:2])
    check(prio[0] >= 0.9 * COLD_KB, "low priority: cold set swapped out (%d kB)" % prio[0])
    check(prio[1] <= 0.1 * COLD_KB, "high priority: cold set stays (%d kB swapped)" % prio[1])

    # More pressure: a hog takes free memory below the high-priority mid watermark.
    mid_high = wm[1] - (wm[1] - wm[2]) // 2
    want = free_permil() - (mid_high - 40)
    hog_mb = max(16, want * meminfo("MemTotal") // 1000 // 1024)
    log("  free %d permil, high-priority mid %d: a hog of %d MiB" %
        (free_permil(), mid_high, hog_mb))
    with Workload("p:%dM" % hog_mb, duration=300, ticker=0):
        log("  free memory now %d permil" % free_permil())
        t0 = time.time()
        ok = wait_for(lambda: swapped(h2) >= 0.9 * COLD_KB, LIMIT)
        log("  high priority after the hog: %d kB swapped in %.1f s" %
            (swapped(h2), time.time() - t0))
        check(ok, "below its watermark the high-priority scheme works too (%d kB)" %
              swapped(h2))
    # damon-bpf stop: the session's loader ends it and cleans up.
    p = run([LOADER, "stop", "prio"], check_rc=False, timeout=120 if SLOW else 60)
    out, err = r.communicate(timeout=120 if SLOW else 60)
    check(p.returncode == 0 and r.returncode == 0 and
          rd(DAMON + "/kdamonds/nr_kdamonds") == "0" and
          not os.path.exists("/run/damon-bpf/prio.session"),
          "damon-bpf stop prio: loader exit %s, kdamond and session file gone (%s)" %
          (r.returncode, p.stderr.strip()))
    log("  " + err.replace("\n", "\n  ").rstrip())
done()
