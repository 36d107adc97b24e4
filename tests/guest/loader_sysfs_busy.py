#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A session survives a busy DAMON sysfs.  DAMON's 'state' and 'pid' files, like its stores,
take damon_sysfs_lock with mutex_trylock() and answer EBUSY while it is held: by a kdamond
handling a command, and for the whole of a tried_regions update.  A loader that took a failed
'state' read for "off" decided its kdamond had stopped and removed it (seen as collapse.py's
two-target session ending after 30 to 100 s on the debug kernel).  Here another writer keeps
DAMON busy with tried_regions updates of the session's kdamond while a 'reclaim' session and a
'collapse' session run: each keeps running and reporting, and SIGTERM ends it with exit 0.  The
test's own reads of 'state' count the EBUSY answers, the evidence that the lock was contended."""
import errno
import os
import sys
import threading
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

BUSY_S = 30 if SLOW else 15
STATE = DAMON + "/kdamonds/0/state"


def hammer(what, stop, counts):
    """Until stop is set: writes tried_regions updates to kdamond 0 ("write"), or reads its
    'state' ("read"), counting the answers."""
    while not stop.is_set():
        try:
            if what == "read":
                with open(STATE) as f:
                    f.read()
            else:
                with open(STATE, "w") as f:
                    f.write("update_schemes_tried_regions")
            k = what + " ok"
        except OSError as e:
            k = "%s %s" % (what, errno.errorcode.get(e.errno, e.errno))
        counts[k] = counts.get(k, 0) + 1


def session(what, *args):
    with Workload("p:4M@0", "c:16M", duration=BUSY_S + 120) as w:
        with Loader(what, "--pid", w.pid, *args, "--interval", "500ms", "--json") as ld:
            check(wait_for(lambda: ld.objects() or not ld.running(), 60),
                  "%s: a first report" % what)
            stop, counts = threading.Event(), {}
            ts = [threading.Thread(target=hammer, args=(k, stop, counts))
                  for k in ("write", "read")]
            n0 = len(ld.objects())
            for t in ts:
                t.start()
            t0 = time.time()
            while time.time() - t0 < BUSY_S and ld.running():
                time.sleep(0.5)
            stop.set()
            for t in ts:
                t.join()
            log("  %s: %.0f s of tried_regions updates from the test: %s" %
                (what, time.time() - t0, counts))
            check(counts.get("read EBUSY", 0) > 0,
                  "%s: DAMON sysfs answered the test's 'state' reads EBUSY %d times (the lock "
                  "was contended)" % (what, counts.get("read EBUSY", 0)))
            check(ld.running(), "%s: the session still runs" % what)
            n1 = len(ld.objects())
            check(n1 > n0, "%s: it kept reporting (%d reports during the updates)" %
                  (what, n1 - n0))
            check(wait_for(kdamond_on, 10), "%s: its kdamond still runs" % what)
            rc, objs = ld.finish()
            check(rc == 0, "%s: SIGTERM ends the session with exit 0 (%s)" % (what, rc))
            check("stopped" not in ld.stderr(),
                  "%s: the loader never took its kdamond for stopped" % what)
    check(nr_kdamonds() == 0 and not session_files(),
          "%s: kdamond and session removed" % what)


session("reclaim", "--min-age", "1min")
session("collapse", "--min-access", "1")
done()
