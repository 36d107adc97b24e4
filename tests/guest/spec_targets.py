#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A spec's own target filters follow their targets when the target list changes: a spec run
with 'damon-bpf run' (no scheme command: its schemes are the spec's, not per-target ones)
with a stat scheme kept to each of four targets, the first a pid that does not exist. At start
the dead pid is dropped: its scheme's filter must name no target (the loader's 9999) and the
others' indexes follow the shortened list. Then a target exits mid-session: the same again,
live, on the kernel's sysfs files."""
import json
import os
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

NONE = 9999


def kernel_view():
    """(nr_targets, [scheme i's first filter target_idx or None]) of the one kdamond."""
    ctx = DAMON + "/kdamonds/0/contexts/0"
    nr_t = int(rd(ctx + "/targets/nr_targets"))
    idx = []
    for i in range(int(rd(ctx + "/schemes/nr_schemes"))):
        f = ctx + "/schemes/%d/filters" % i
        idx.append(int(rd(f + "/0/damon_target_idx")) if int(rd(f + "/nr_filters")) and
                   rd(f + "/0/type") == "target" else None)
    return nr_t, idx


with Workload("p:1M", duration=120) as a, Workload("p:1M", duration=120) as b, \
     Workload("p:1M", duration=120) as c:
    with Workload("n:1M", passes=1) as gone:
        dead = gone.pid
    spec = json.loads(run([LOADER, "args", "reclaim"] +
                          ["--pid=%d" % p for p in (dead, a.pid, b.pid, c.pid)]).stdout)
    del spec["policy"]          # a plain spec: no command, the schemes are its own
    for s in spec["kdamonds"][0]["contexts"][0]["schemes"]:
        s["action"] = "stat"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
    with Loader("run", f.name, "--name", "st", "--interval", "1s", "--json") as ld:
        ok = wait_for(lambda: ld.objects() or not ld.running(), 60)
        check(ok and ld.running(), "the session runs without the dead pid")
        view = kernel_view() if nr_kdamonds() else None
        check(view == (3, [NONE, 0, 1, 2]),
              "at start: 3 targets; the dead pid's scheme names no target, A B C are 0 1 2: %s"
              % (view,))
        b.stop()
        wait_for(lambda: not nr_kdamonds() or kernel_view()[0] == 2, 30)
        view = kernel_view() if nr_kdamonds() else None
        check(view == (2, [NONE, 0, NONE, 1]),
              "B exited: 2 targets; B's scheme names no target, C's follows to 1: %s" % (view,))
        rc, objs = ld.finish()
    os.unlink(f.name)
    check(rc == 0, "SIGTERM ends the session with exit 0 (%s)" % rc)
done()
