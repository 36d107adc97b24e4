#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Bad input to damon-bpf monitor: a specific message, a non-zero exit status, and nothing
left behind (no kdamond of ours, no BPF link).  Runs on the host (read-only towards its DAMON)
and in the guest (where it also plays another DAMON user whose kdamond must survive)."""
import os
import subprocess
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

IN_GUEST = bool(os.environ.get("DB_OUT"))


def expect_error(args, message, as_user=None):
    pre = None
    if as_user is not None:
        def pre():
            os.setgid(as_user)
            os.setuid(as_user)
    p = subprocess.run([LOADER] + args, capture_output=True, text=True, preexec_fn=pre,
                       timeout=60)
    ok = p.returncode != 0 and message in p.stderr
    check(ok, "%s -> exit %d, '%s'" % (" ".join(args), p.returncode,
                                         p.stderr.strip().splitlines()[0] if p.stderr.strip()
                                         else ""))
    if not ok:
        log("    wanted message: %s" % message)


me = str(os.getpid())
links_before = reporter_progs()
kdamonds_before = rd(DAMON + "/kdamonds/nr_kdamonds") if os.path.exists(DAMON) else None

with Workload("n:1M", passes=1) as w:
    gone = w.pid
expect_error(["monitor", "--pid", "12ab"], "--pid 12ab: not a process id")
expect_error(["monitor", "--pid", "999999999"], "pid 999999999: no such process")
expect_error(["monitor", "--pid", str(gone)], "pid %d: no such process" % gone)
expect_error(["monitor", "--pid", "2"], "pid 2 is a kernel thread")
expect_error(["monitor", "--pid", me, "--cpus", "99"], "CPU 99 is not online")
expect_error(["monitor", "--pid", me, "--cpus", "0-x"], "expected a CPU list")
expect_error(["monitor", "--pid", me, "--sample", "5xs"], "'5xs' is not a time")
expect_error(["monitor", "--pid", me, "--sample", "200ms"], "--sample must not be longer")
expect_error(["monitor", "--pid", me, "--write-only", "--read-only"], "exclude each other")
expect_error(["monitor", "--pid", me, "--source", "dma"], "sources are fault, perf and pte")
expect_error(["monitor"], "nothing to monitor")
expect_error(["monitor", "--pid", me, "--no-prefilter", "--no-kfunc"],
             "--no-prefilter hands the reporters' accesses to DAMON")
expect_error(["monitor", "--pid", me, "--no-prefilter", "--source", "pte"],
             "it needs the fault or perf source")
expect_error(["monitor", "--pid", me], "needs root", as_user=65534)
expect_error(["report", "/nonexistent.dbr"], "/nonexistent.dbr: No such file")
expect_error(["frobnicate"], "unknown command 'frobnicate'")

if IN_GUEST:
    # Another DAMON user's kdamond, running: damon-bpf must refuse and leave it alone.
    with Workload("w:1M", duration=30) as other:
        k = Kdamond(pids=[other.pid])
        k.on()
        kpid = rd(k.k + "/pid")
        expect_error(["monitor", "--pid", me, "--source", "fault,pte"],
                     "DAMON sysfs is busy: kdamond 0 (pid %s) is running" % kpid)
        check(k.running() and rd(k.k + "/pid") == kpid, "the other kdamond still runs")
        k.off()
        # Configured but off: still not ours to erase.
        expect_error(["monitor", "--pid", me, "--source", "pte"], "did not create")
        check(rd(DAMON + "/kdamonds/nr_kdamonds") == "1", "the other kdamond is kept")
        wr(DAMON + "/kdamonds/nr_kdamonds", 0)
else:
    # No kfunc on the host kernel: no DAMON filter could see the accesses.
    expect_error(["monitor", "--pid", me, "--no-prefilter"], "--no-prefilter: this kernel has no")
    if os.path.exists(DAMON + "/kdamonds/0/state") and rd(DAMON + "/kdamonds/0/state") == "on":
        # The host's own kdamond: reading it is all damon-bpf may do.
        expect_error(["monitor", "--pid", me, "--source", "pte"], "DAMON sysfs is busy")

check(reporter_progs() == links_before == 0, "no reporter program left loaded")
if kdamonds_before is not None:
    check(rd(DAMON + "/kdamonds/nr_kdamonds") == kdamonds_before, "no kdamond left behind")
check(not os.path.exists("/sys/fs/bpf/damon-bpf") or not os.listdir("/sys/fs/bpf/damon-bpf"),
      "no pin left behind")
done()
