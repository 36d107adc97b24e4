#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A sysfs writer racing 'commit' on a running kdamond (patch 30): one thread keeps turning a
sample filter valid and invalid (cpumask, then threads with an empty tid_arr) while another
commits again and again.  Each commit either succeeds or fails with EINVAL, and the kdamond
keeps running through all of them: the kdamond commits what the writer of 'commit' checked,
never a later read of the files (before patch 30 a file written between the check and the
kdamond's read turned into a failed commit in the kdamond, which terminates it)."""
import errno
import os
import sys
import threading
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

SECONDS = 6.0 * (3 if SLOW else 1)

need(have_kernel_reports(), "DAMON access reports: %s" % REPORTS)
with Workload("w:2M", duration=300) as w:
    k = Kdamond(pids=[w.pid])
    set_sample(k, False, True, [("cpumask", True, True, "0-%d" % (os.cpu_count() - 1))])
    k.on()
    f = k.c + "/monitoring_attrs/sample/filters/0"
    stop = threading.Event()
    flips = [0]

    def writer():
        while not stop.is_set():
            wr(f + "/type", "threads")      # no tids: invalid
            wr(f + "/type", "cpumask")      # valid again
            flips[0] += 1

    th = threading.Thread(target=writer, daemon=True)
    th.start()
    ok = einval = other = died = 0
    end = time.time() + SECONDS
    try:
        while time.time() < end:
            try:
                k.state("commit")
                ok += 1
            except OSError as e:
                if e.errno == errno.EINVAL:
                    einval += 1
                else:
                    other += 1
            if not k.running():
                died += 1
                break
    finally:
        stop.set()
        th.join()
    log("  %d filter flips; commits: %d succeeded, %d EINVAL, %d other errors; kdamond %s" %
        (flips[0], ok, einval, other, "died" if died else "running"))
    check(not died and k.running(), "the kdamond kept running through %d racing commits" %
          (ok + einval + other))
    check(other == 0, "a commit either succeeded or failed with EINVAL (%d other errors)" % other)
    check(ok > 0 and einval > 0, "both outcomes seen: the race ran (%d ok, %d EINVAL)" %
          (ok, einval))
    k.off()
done()
