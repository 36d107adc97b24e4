#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A sysfs writer racing 'commit' on a running kdamond (patch 30): one thread keeps turning a
sample filter valid and invalid (cpumask, then threads with an empty tid_arr) while another
commits again and again.  Each commit either succeeds, fails with EINVAL, or finds DAMON's
sysfs lock held (EBUSY: the store's trylock; seen on the debug kernel), and the kdamond keeps
running through all of them: the kdamond commits what the writer of 'commit' checked,
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

    def flip(value):
        # DAMON sysfs stores take damon_sysfs_lock with a trylock: EBUSY means try again
        while not stop.is_set():
            try:
                wr(f + "/type", value)
                return
            except OSError as e:
                if e.errno != errno.EBUSY:
                    raise

    def writer():
        while not stop.is_set():
            flip("threads")     # no tids: invalid
            flip("cpumask")     # valid again
            flips[0] += 1

    th = threading.Thread(target=writer, daemon=True)
    th.start()
    ok = einval = busy = other = died = 0
    others = set()
    end = time.time() + SECONDS
    try:
        while time.time() < end:
            try:
                k.state("commit")
                ok += 1
            except OSError as e:
                if e.errno == errno.EINVAL:
                    einval += 1
                elif e.errno == errno.EBUSY:
                    busy += 1       # the lock was held: the command was not taken
                else:
                    other += 1
                    others.add(errno.errorcode.get(e.errno, str(e.errno)))
            if not k.running():
                died += 1
                break
    finally:
        stop.set()
        th.join()
    log("  %d filter flips; commits: %d succeeded, %d EINVAL, %d EBUSY, %d other errors %s; "
        "kdamond %s" % (flips[0], ok, einval, busy, other, sorted(others),
                        "died" if died else "running"))
    check(not died and k.running(), "the kdamond kept running through %d racing commits" %
          (ok + einval + busy + other))
    check(other == 0, "a commit succeeded, failed with EINVAL or found the lock held (EBUSY): "
          "%d other errors %s" % (other, sorted(others)))
    check(ok > 0 and einval > 0, "both outcomes seen: the race ran (%d ok, %d EINVAL)" %
          (ok, einval))
    k.off()
done()
