#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""monitor and start killed with SIGKILL at five or more points between start and steady
state, and monitor behind '| head -1': afterwards nothing of ours is left (kdamonds in sysfs, BPF
links in 'bpftool link list', pins, records), or 'damon-bpf stop --all' removes all of it and
says what; then the same command starts again, removes what a dead one left, and works."""
# dbtest-timeout: 300
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

clean_start()
with Workload("w:4M@0", duration=600) as w:
    mon = ["monitor", "--pid", w.pid, "--json", "--interval", "500ms"]
    kill_matrix("monitor", mon)
    head1_clean("monitor", [LOADER] + mon)
    restart_recovers("monitor", mon, mon + ["--duration", "3s"])

    start = ["start", "killed", "--pid", w.pid]
    kill_matrix("start", start, exits=True)
    # A pinned session's kdamond is its pins': the next start must refuse, not take it.
    run([LOADER, "start", "pinned", "--pid", str(w.pid)])
    p = run([LOADER, "start", "other", "--pid", str(w.pid)], check_rc=False)
    check(p.returncode == 1 and "pinned damon-bpf session 'pinned'" in p.stderr,
          "a second start while a pinned session holds DAMON: exit 1, says whose (%d: %s)" %
          (p.returncode, p.stderr.strip()))
    nothing_left_or_stop_all("pinned session")
    with Loader("start", "again", "--pid", w.pid) as ld:
        wait_for(lambda: not ld.running(), 60)
        rc = ld.stop()
    check(rc == 0 and kdamond_on() and our_links(), "start again: pinned and running (exit %s)" %
          rc)
    nothing_left_or_stop_all("start again")
done()
