#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Which kdamond a dead session's record may take down, checked state by state: the states a
loader killed during its setup leaves (kdamond without context, context without target,
target without pid, target set, kdamond running with the pid recorded) are removed by
'stop --all', which says so; a kdamond set up for another process, one running under another
pid, and a second kdamond are another user's and are never touched."""
# dbtest-timeout: 200
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

K = DAMON + "/kdamonds"


def dead_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def record(first_pid, kdamond_pid=-1):
    os.makedirs(RECORD_DIR, exist_ok=True)
    with open(RECORD_DIR + "/dead.session", "w") as f:
        json.dump({"name": "dead", "kind": "monitor", "owner": dead_pid(), "owner_start": 0,
                   "command": "damon-bpf monitor (killed)", "kdamond": 0,
                   "kdamond_pid": kdamond_pid, "first_pid": first_pid, "nr_cpus": 0,
                   "pins": "", "spec": "", "desc": "a test's dead session"}, f)


def reset():
    damon_off_all()
    wr(K + "/nr_kdamonds", 0)
    if os.path.exists(RECORD_DIR + "/dead.session"):
        os.unlink(RECORD_DIR + "/dead.session")


def stop_all(what, ours):
    st = run([LOADER, "status"], check_rc=False).stdout
    check("OWNER GONE" in st, "%s: status marks the session OWNER GONE" % what)
    p = run([LOADER, "stop", "--all"], check_rc=False)
    said = p.stderr.strip().replace("\n", " | ")
    n = nr_kdamonds()
    if ours:
        check(p.returncode == 0 and n == 0 and "kdamond 0" in said and "removed" in said,
              "%s: ours, removed and said so (nr_kdamonds %d): %s" % (what, n, said))
    else:
        check(p.returncode == 0 and n >= 1 and "left as it is" in said,
              "%s: not ours, left as it is (nr_kdamonds %d): %s" % (what, n, said))
    check(not records(), "%s: the record is gone" % what)
    reset()


clean_start()
with Workload("w:4M@0", duration=120) as w, Workload("w:1M@1", duration=120) as other:
    P = w.pid
    record(P)
    wr(K + "/nr_kdamonds", 1)
    stop_all("kdamond without a context", True)

    record(P)
    wr(K + "/nr_kdamonds", 1)
    wr(K + "/0/contexts/nr_contexts", 1)
    stop_all("context without a target", True)

    record(P)
    wr(K + "/nr_kdamonds", 1)
    wr(K + "/0/contexts/nr_contexts", 1)
    wr(K + "/0/contexts/0/targets/nr_targets", 1)
    stop_all("target without its pid", True)

    record(P)
    Kdamond(pids=[P])
    stop_all("set up for its target, never turned on", True)

    record(P)
    Kdamond(pids=[other.pid])
    stop_all("set up for another process (someone else's)", False)

    k = Kdamond(pids=[P])
    k.on()
    kpid = int(rd(K + "/0/pid"))
    record(P, kdamond_pid=kpid + 1)
    stop_all("running under another kdamond pid (someone else's)", False)

    k = Kdamond(pids=[P])
    k.on()
    record(P, kdamond_pid=int(rd(K + "/0/pid")))
    stop_all("running under its recorded pid", True)

    record(P)
    wr(K + "/nr_kdamonds", 2)
    stop_all("two kdamonds (damon-bpf makes one)", False)
check(not leftovers(), "nothing left (%s)" % leftovers())
done()
