#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Pinned sessions and signals: 'start' leaves the kdamond and reporters running after the
loader exits, bpftool dumps the pinned counters by name, 'status' lists it, 'stop' removes
everything; SIGINT/SIGTERM on 'monitor' remove all it created."""
import json
import os
import signal
import subprocess
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

PIN = "/sys/fs/bpf/damon-bpf/s1"


def nr_kdamonds():
    return int(rd(DAMON + "/kdamonds/nr_kdamonds"))


with Workload("f:2M@0", "c:4M", duration=60) as w:
    p = run([LOADER, "start", "s1", "--pid", str(w.pid), "--cpus", "0"])
    check(p.returncode == 0, "start returns at once with status 0")
    check(nr_kdamonds() == 1 and rd(DAMON + "/kdamonds/0/state") == "on",
          "the kdamond runs on after the loader exited")
    check(reporter_progs() == 1, "the fault reporter stays attached")
    time.sleep(2)
    vals = pinned_stats(PIN + "/stats")
    check(len(vals) > 0 and all("reported" in v and "drop_full" in v for v in vals),
          "bpftool map dump shows the counters by name (%s)" % (vals[0] if vals else None))
    reported = sum(v["reported"] for v in vals)
    check(reported > 0, "the pinned session reports: %d reports" % reported)
    st = [json.loads(l) for l in run([LOADER, "status", "--json"]).stdout.splitlines()]
    check(len(st) == 1 and st[0]["name"] == "s1" and st[0]["kdamond"] == "on",
          "status lists s1 with its kdamond on (%s)" % st)
    p = subprocess.run([LOADER, "start", "s1", "--pid", str(w.pid)], capture_output=True,
                       text=True)
    check(p.returncode != 0 and "exists already" in p.stderr, "a second s1 is refused")
    run([LOADER, "stop", "s1"])
    check(nr_kdamonds() == 0, "stop removes the kdamond")
    check(not os.path.exists(PIN) and reporter_progs() == 0, "stop removes pins and links")
    check(run([LOADER, "status"]).stdout.strip() == "no damon-bpf session", "status: none")

    # Signals: everything the session created goes away.
    for sig in (signal.SIGINT, signal.SIGTERM):
        m = subprocess.Popen([LOADER, "monitor", "--pid", str(w.pid), "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = m.stdout.readline()
        nk, npr = nr_kdamonds(), reporter_progs()
        check(first.startswith("{") and nk == 1 and npr == 1,
              "%s: session running (first line %r, %d kdamond(s), %d program(s))" %
              (sig.name, first[:80], nk, npr))
        m.send_signal(sig)
        try:
            _, err = m.communicate(timeout=120 if SLOW else 30)
        except subprocess.TimeoutExpired:
            m.kill()
            _, err = m.communicate()
        rc = m.returncode
        check(rc == 0 and nr_kdamonds() == 0 and reporter_progs() == 0,
              "%s: exit %d, kdamond and links removed (stderr: %s)" %
              (sig.name, rc, err.strip().replace("\n", " | ")))
done()
