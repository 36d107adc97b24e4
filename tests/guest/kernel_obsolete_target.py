#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""targets/N/obsolete_target: removing a target from the middle of a running vaddr kdamond keeps
the following targets' regions and monitoring state (region ages), and the kdamond running.

Each workload has two cold ranges (4 and 2 MiB) at its own base address, so that the tried
regions tell the targets apart (tried_regions carry no target id) and the regions' ages grow
steadily: nothing in a target's span is ever accessed again, so no region's access rate changes
and no merge or split makes it younger.  (A hot range beside them made the test flaky under
TCG: a thread spinning alone on its CPU is seen only after its TLB is flushed, so the hot
range's rate jumps, and the regions merged across it start their ages again.)
No ops update (update_us of an hour): the targets keep the regions they got at 'on' (or, for a
target added later, the ones given with it), so a target that a commit shifted onto another's
position would be seen with the other's regions, and the range of the surviving target would
have none.
1. Three targets; the middle one marked obsolete and committed: its regions are gone, the
   third target's regions are still there, older than the commit (a plain removal would shift
   the third target onto the middle one's regions, and leave its own range without any); then the sysfs targets are rewritten to match, committed again.
2. A target whose process was killed (and reaped) before the commit is removed the same way.
3. Refused: an obsolete target without a running counterpart ('commit' fails, EINVAL, and the
   kdamond keeps running); 'on' with an obsolete target whose process is gone.
"""
import errno
import os
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernel_lib import *  # noqa: E402,F403

BASES = (0x200000000000, 0x300000000000, 0x400000000000, 0x500000000000)
RUN = 3.0 * (3 if SLOW else 1)


def workload(i):
    w = Workload("c:4M", "c:2M", duration=600)
    w.cmd += ["--base", hex(BASES[i])]
    return w.__enter__()


def span(w):
    return w.regions[0]["start"], w.regions[-1]["end"]


def regs_of(regs, w):
    s, e = span(w)
    return [r for r in regs if r[0] < e and r[1] > s]


def max_age(regs, w):
    return max([r[3] for r in regs_of(regs, w)] or [-1])


def set_pids(k, pids):
    wr(k.c + "/targets/nr_targets", len(pids))
    for i, pid in enumerate(pids):
        wr(k.c + "/targets/%d/pid_target" % i, pid)


def commit_fails(k):
    try:
        k.state("commit")
    except OSError as e:
        return e.errno
    return 0


need(os.path.exists(DAMON + "/kdamonds/nr_kdamonds"), "DAMON sysfs: %s" % DAMON)
ws = [workload(i) for i in range(3)]
try:
    k = Kdamond(pids=[w.pid for w in ws], update_us=3600 * 10**6)
    t1 = k.c + "/targets/1/obsolete_target"
    need(os.path.exists(t1), "the obsolete_target file: %s" % t1)
    check(rd(t1) == "N", "obsolete_target defaults to N")
    check(oct(os.stat(t1).st_mode & 0o777) == "0o600", "obsolete_target is 0600")
    check(write_fails(t1, "maybe"), "obsolete_target refuses 'maybe'")
    k.on()
    time.sleep(RUN)
    regs = regions(k)
    ages = [max_age(regs, w) for w in ws]
    log("  before: %d regions, max age per target %s" % (len(regs), ages))
    check(all(a >= 0 for a in ages), "all three targets have regions")

    # 1. the middle target, obsolete.  A region's age counts the aggregation intervals it has
    # lived (the cold ranges never change their rate): kept regions are at least as old as
    # before the commit, whatever the kernel's speed, while regions made anew at the commit
    # could count only the intervals since, a sixth of the RUN before it.
    wr(t1, "Y")
    check(rd(t1) == "Y", "obsolete_target reads back Y")
    k.state("commit")
    time.sleep(RUN / 6)
    regs = regions(k)
    a = [max_age(regs, w) for w in ws]
    log("  after removing the middle target: %d regions, max age per target %s" % (len(regs), a))
    check(k.running(), "kdamond still running")
    check(a[1] == -1, "the middle target's regions are gone")
    check(ages[2] > 0 and a[2] >= ages[2], "the third target kept its regions, older than the "
          "commit (max age %d, %d before it)" % (a[2], ages[2]))
    check(a[0] >= ages[0], "the first target kept its regions")

    # the sysfs targets rewritten to match the running ones, committed again: nothing moves
    set_pids(k, [ws[0].pid, ws[2].pid])
    check(rd(k.c + "/targets/1/obsolete_target") == "N", "rewritten targets are not obsolete")
    k.state("commit")
    time.sleep(1.0)
    regs = regions(k)
    b = [max_age(regs, w) for w in ws]
    log("  after the matching commit: max age per target %s" % b)
    check(k.running() and b[1] == -1 and b[2] >= a[2] and b[0] >= a[0],
          "matching commit keeps both targets' state")

    # 2. a target whose process is gone
    ws.append(workload(3))
    set_pids(k, [ws[0].pid, ws[2].pid, ws[3].pid])
    r = k.c + "/targets/2/regions"
    wr(r + "/nr_regions", 1)
    wr(r + "/0/start", span(ws[3])[0])
    wr(r + "/0/end", span(ws[3])[1])
    k.state("commit")
    time.sleep(RUN)
    regs = regions(k)
    c = [max_age(regs, w) for w in ws]
    log("  three targets again (workloads 0, 2, 3): max age per workload %s" % c)
    check(c[3] > 0, "the added target has regions (max age %d)" % c[3])
    dead = ws[2].pid
    ws[2].stop()
    check(not os.path.exists("/proc/%d" % dead), "the middle process %d exited" % dead)
    wr(k.c + "/targets/1/obsolete_target", "Y")
    e = commit_fails(k)
    check(e == 0, "commit with the exited process marked obsolete accepted (errno %d)" % e)
    time.sleep(RUN / 6)
    regs = regions(k)
    d = [max_age(regs, w) for w in ws]
    log("  after removing the exited target: max age per workload %s" % d)
    check(k.running(), "kdamond still running")
    check(d[2] == -1, "the exited process's regions are gone")
    check(d[3] >= c[3], "the last target kept its regions, older than the commit "
          "(max age %d, %d before it)" % (d[3], c[3]))

    # 3. refused
    set_pids(k, [ws[0].pid, ws[3].pid, ws[1].pid])
    wr(k.c + "/targets/2/obsolete_target", "Y")
    e = commit_fails(k)
    check(e == errno.EINVAL, "commit of an obsolete target without a running counterpart: "
          "errno %d" % e)
    check(k.running(), "kdamond still running after the refused commit")
    k.off()
    set_pids(k, [ws[0].pid, dead])
    wr(k.c + "/targets/1/obsolete_target", "Y")
    check(write_fails(k.k + "/state", "on"), "'on' refuses an obsolete target of an exited process")
    check(not k.running(), "kdamond not started")
finally:
    for w in ws:
        w.stop()
done()
