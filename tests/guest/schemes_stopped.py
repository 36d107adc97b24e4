#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A session whose kdamond is turned off from outside (another tool writing 'off' to its state
file) ends with an error that says so, and leaves nothing behind: a paddr session (tier) has no
targets that could have exited, so this is never a normal end for it; a vaddr one (collapse,
monitor) whose targets still run must not take it for "all targets exited" either (on the slow
debug kernel a collapse session said so, and exited 0, while its target ran)."""
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

need(has_command("tier"), "a 'tier' command ('damon-bpf tier --help' exits 0)")
need(damos_supported(action="migrate_hot", goal_metric="node_mem_used_bp") is True,
     "DAMOS migrate_hot with the quota goal metric node_mem_used_bp in this kernel")
need({0, 1} <= set(nodes("has_memory")), "memory on nodes 0 and 1, has %s" %
     nodes("has_memory"))
with Loader("tier", "--fast", 0, "--slow", 1, "--duration", "120s", "--json") as ld:
    started = wait_for(lambda: ld.objects() or not ld.running(), 60)
    check(started and ld.running() and nr_kdamonds() == 1, "the session runs (one kdamond)")
    wr(DAMON + "/kdamonds/0/state", "off")
    ended = wait_for(lambda: not ld.running(), 30)
    rc = ld.stop()
    err = ld.stderr().strip()
    log("  stderr: " + err.replace("\n", "\n  stderr: "))
    check(ended and rc == 1, "the loader ends with exit 1 (%s)" % rc)
    check("stopped while the session ran" in err and "all targets exited" not in err,
          "its message says the kdamond was stopped, not that targets exited")
check(nr_kdamonds() == 0 and not session_files(),
      "nothing left behind (nr_kdamonds %d, sessions %s)" % (nr_kdamonds(), session_files()))

with Workload("w:4M", duration=200) as w:
    for cmd in (["collapse", "--pid", w.pid, "--interval", "1s"],
                ["monitor", "--pid", w.pid, "--interval", "1s"]):
        with Loader(*cmd, "--duration", "120s", "--json") as ld:
            started = wait_for(lambda: ld.objects() or not ld.running(), 60)
            check(started and ld.running() and nr_kdamonds() == 1,
                  "%s: the session runs (one kdamond)" % cmd[0])
            wr(DAMON + "/kdamonds/0/state", "off")
            ended = wait_for(lambda: not ld.running(), 30)
            rc = ld.stop()
            err = ld.stderr().strip()
            log("  stderr: " + err.replace("\n", "\n  stderr: "))
            check(ended and rc == 1 and os.path.exists("/proc/%d" % w.pid),
                  "%s: its target still runs, the loader ends with exit 1 (%s)" % (cmd[0], rc))
            check("stopped while the session ran" in err and "all targets exited" not in err,
                  "%s: its message says the kdamond was stopped, not that targets exited" %
                  cmd[0])
        check(nr_kdamonds() == 0 and not session_files(),
              "%s: nothing left behind (nr_kdamonds %d, sessions %s)" %
              (cmd[0], nr_kdamonds(), session_files()))
done()
