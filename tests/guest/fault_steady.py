#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# dbtest-timeout: 600
"""Schemes on steady workloads (threads that never leave their CPU: no address-space switches,
no faults of their own), which page-table sampling cannot see under TCG and DAMON's page fault
primitive can, in the virtual and the physical address space:
  - tier --source fault: a 32 MiB set on the slow node 1 that a thread reads in a loop is
    promoted to node 0 (numa_maps);
  - tier --source fault --write-hot: a written set is promoted, a read-only one is not (each
    set its own process, started in turn, with a spacer between them in physical memory; the
    read-only set must lie apart from the written one, which the test checks from pagemap and
    arranges by compacting memory and starting the sets again);
  - reclaim on the page_fault primitive alone (a spec, no BPF program): the cold set is paged
    out and the hot set, read in a loop, is not swapped back in (pswpin)."""
import contextlib
import json
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

WAIT = 300 if SLOW else 150
WANT = 0.8


def promoted(w, r):
    return node_share(w.pid, r["start"], r["end"], 0)[0]


def mixing(sets, i, hot):
    """The share of set i's pages in 2 MiB physical blocks that also hold pages of the hot
    sets: a physical region cannot tell them apart."""
    blocks = {p >> 9 for j in hot for p in phys_frames(sets[j][0].pid, sets[j][1]["start"],
                                                          sets[j][1]["end"])}
    pfns = phys_frames(sets[i][0].pid, sets[i][1]["start"], sets[i][1]["end"])
    return sum(1 for p in pfns if p >> 9 in blocks) / max(len(pfns), 1)


def start_sets(stack, name, regions, hot, cold):
    """The sets' processes, one after the other; with a read-only set, until it lies apart
    from the written ones in physical memory (after the suite's other tests free memory is
    in holes all over node 1: compacted first, and tried again a few times)."""
    for attempt in range(4):
        if cold:
            wr("/proc/sys/vm/drop_caches", "3")
            wr("/proc/sys/vm/compact_memory", "1")
        with contextlib.ExitStack() as tries:
            ws = [tries.enter_context(Workload(r, duration=WAIT + 60, ticker=0))
                  for r in regions]
            sets = [(w, w.regions[0]) for w in ws]
            mixed = max([mixing(sets, i, hot) for i in cold] or [0])
            log("  %s: %.1f %% of the read-only set shares 2 MiB blocks with the hot set(s)"
                " (attempt %d)" % (name, 100 * mixed, attempt + 1))
            if mixed <= 0.05 or attempt == 3:
                stack.enter_context(tries.pop_all())
                break
    check(mixed <= 0.05, "%s: the read-only set lies apart from the written one physically "
          "(%.1f %% of it in their 2 MiB blocks)" % (name, 100 * mixed))
    return sets


def tier(name, extra, regions, hot, cold):
    """One workload process a set, started one after the other, so that the sets' pages on
    node 1 do not interleave physically (a paddr region then holds one set only)."""
    with contextlib.ExitStack() as stack:
        sets = start_sets(stack, name, regions, hot, cold)
        for w, r in sets:
            check(node_share(w.pid, r["start"], r["end"], 1)[0] == 1.0,
                  "%s: set of pid %d starts on node 1" % (name, w.pid))
        t0 = time.time()
        with Loader("tier", "--fast", 0, "--slow", 1, "--source", "fault", *extra,
                    "--duration", "%ds" % WAIT, "--json") as ld:
            wait_for(lambda: not ld.running() or
                     all(promoted(*sets[i]) >= WANT for i in hot), WAIT, step=2)
            took = time.time() - t0
            shares = [round(promoted(*x), 3) for x in sets]
            log("  %s: node 0 shares %s after %.0f s" % (name, shares, took))
            check(ld.running(), "%s: the session still runs" % name)
            want = WANT if not cold else 0.6
            check(all(promoted(*sets[i]) >= want for i in hot),
                  "%s: hot set(s) %s promoted to >= %d %% (%s)" % (name, hot, want * 100, shares))
            # under load the written set can take the whole wait, and regions that hold pages
            # of the spacer or the read-only set next to written ones move some of them along:
            # the read-only set must stay well behind the written one
            for i in cold:
                check(promoted(*sets[i]) <= 0.5 * min(promoted(*sets[j]) for j in hot),
                      "%s: set %d at most half as promoted as the hot set(s) (%s)" % (
                          name, i, shares))
            rc, _ = ld.finish()
            check(rc == 0, "%s: exit 0 on SIGTERM (%s)" % (name, rc))
        check(nr_kdamonds() == 0, "%s: nothing left behind" % name)


def reclaim():
    with Workload("p:16M@0", "c:16M", duration=WAIT + 60, ticker=0) as w:
        hot, cold = w.regions
        spec = json.loads(run([LOADER, "args", "reclaim", "--pid", str(w.pid), "--min-age", "2s",
                               "--quota", "1GiB/s"]).stdout)
        ctx = spec["kdamonds"][0]["contexts"][0]
        ctx["sample_control"]["primitives"] = {"page_table": False, "page_fault": True}
        path = "/tmp/reclaim-fault.json"
        with open(path, "w") as f:
            json.dump(spec, f)
        v0 = vmstat()
        with Loader("run", path, "--json") as ld:
            out = wait_for(lambda: not ld.running() or
                           (smaps_kb(w.pid, cold["start"], "Swap") or 0) >= 0.9 * 16384,
                           WAIT, step=2)
            mid = vmstat()
            time.sleep(10)   # the hot set keeps being read: none of it may come back in
            v1 = vmstat()
            cold_kb = smaps_kb(w.pid, cold["start"], "Swap") or 0
            hot_kb = smaps_kb(w.pid, hot["start"], "Swap") or 0
            log("  reclaim: cold %d kB swapped, hot %d kB; pswpout +%d, pswpin +%d (+%d in "
                "the last 10 s)" % (cold_kb, hot_kb, v1["pswpout"] - v0["pswpout"],
                                    v1["pswpin"] - v0["pswpin"], v1["pswpin"] - mid["pswpin"]))
            check(ld.running(), "reclaim: the session still runs")
            check(out and cold_kb >= 0.9 * 16384, "reclaim: cold set paged out (%d kB)" % cold_kb)
            check(hot_kb == 0, "reclaim: hot set not in swap (%d kB)" % hot_kb)
            check(v1["pswpin"] - v0["pswpin"] <= 64,
                  "reclaim: the hot set was not swapped back in (pswpin +%d pages)" % (
                      v1["pswpin"] - v0["pswpin"]))
            rc, _ = ld.finish()
            check(rc == 0, "reclaim: exit 0 on SIGTERM (%s)" % rc)
        check(nr_kdamonds() == 0, "reclaim: nothing left behind")


tier("tier", [], ["p:32M@0,node=1"], hot=[0], cold=[])
# a 64 MiB spacer, written once, between them in physical memory: DAMON's regions are
# physical, and a region that holds pages of both sets is hot if either is
tier("write-hot", ["--write-hot"], ["w:16M@0,node=1", "c:64M,node=1", "p:16M@1,node=1"],
     hot=[0], cold=[2])
reclaim()
done()
